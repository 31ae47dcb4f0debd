"""A persistent HiGHS session: one built model and its solver instance kept across runs
that differ only in cost coefficients, re-solved from the previous basis."""

from __future__ import annotations

import time

from pathway.solve.highs import SolveOutcome, persistent_outcome
from pathway.solve.options import SolverOptions, highs_options

RESOLVE_METHOD = "simplex"  # re-solves start from the previous optimal basis


_PARAMS_ONLY = dict(check_for_new_or_removed_constraints=False, check_for_new_or_removed_vars=False,
                    check_for_new_or_removed_params=False, check_for_new_objective=False, update_constraints=False,
                    update_vars=False, update_named_expressions=False, update_objective=False, update_parameters=True)


class PersistentSession:
    """A built model and its HiGHS instance, kept across runs of the same structure.

    ``hooks(loaded)`` returns the ``build``/``solver`` callables for ``run_loaded``: when
    ``loaded`` has the structure of the model held, ``build`` writes the new cost
    coefficients into it (set_price_params) instead of building, and ``solver`` updates
    only the mutable parameters in HiGHS and re-solves from the last basis."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.m = None
        self.opt = None
        self.engine = "persistent-build"

    def reset(self) -> None:
        self.key, self.m, self.opt = None, None, None

    def hooks(self, key: str) -> dict:
        """``key``: the structural key of the next run's scenario (equal keys: same LP structure)."""
        if self.m is None or key != self.key:
            self.reset()
            self.key = key
            self.engine = "persistent-build"
        else:
            self.engine = "persistent-resolve"
        return {"build": self._build, "solver": self._solve}

    def _build(self, md):
        from pathway.inputs.data import investable
        from pathway.model import build_model
        from pathway.model.objective import set_price_params

        if self.m is None:
            self.m = build_model(md)
            return self.m
        set_price_params(self.m, md)
        self.m.md = md
        self.m.blocks = investable(md)
        return self.m

    def _solve(self, m, opts: SolverOptions, want_duals, probes=None) -> SolveOutcome:
        import pyomo.environ  # noqa: F401  (the solver plugins, as pyomo.contrib.solver expects)
        from pyomo.contrib.solver.solvers.highs import Highs

        first = self.opt is None
        if first:
            self.opt = Highs()
        method = None if first else RESOLVE_METHOD
        so = {k: v for k, v in highs_options(opts, m.nvariables(), method).items()
              if k not in ("output_flag", "threads", "time_limit")}  # those are the interface's own arguments
        t0 = time.perf_counter()
        res = self.opt.solve(m, load_solutions=False, raise_exception_on_nonoptimal_result=False, tee=opts.verbose,
                             threads=opts.threads, time_limit=float(opts.time_limit_s) if opts.time_limit_s else None,
                             solver_options=so, **({} if first else {"auto_updates": _PARAMS_ONLY}))
        secs = {"translate+solve" if first else "update+resolve": time.perf_counter() - t0}
        outcome = persistent_outcome(res, secs, want_duals, self.opt, probes)
        if outcome.status != "optimal":
            self.reset()  # start the next run from a fresh build
        return outcome
