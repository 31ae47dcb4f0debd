"""A persistent HiGHS session: one built model and its solver instance kept across runs
that differ only in cost coefficients, re-solved from the previous basis.

The solution is loaded into the Pyomo model through a column list made once per built
model (``_Columns``), not through pyomo.contrib.solver's ``load_vars``, which builds a
ComponentMap of every variable on each solve (about 0.2 s of a 0.3 s re-solve of the
12-day Jiangsu model): the same variables (those the interface's model references), the
same values (the solution's column values as Python floats), the same stale-flag update."""

from __future__ import annotations

import time

import numpy as np

from pathway.solve.highs import PRIMAL_SIMPLEX, SolveOutcome, persistent_outcome, run_probes
from pathway.solve.options import SolverOptions, highs_options, model_class
from pathway.solve.status import SolveStatus

RESOLVE_METHOD = "simplex"  # re-solves start from the previous optimal basis
# ... with the primal simplex: new cost coefficients leave that basis primal feasible, so the
# primal simplex goes on from it (and stays at it while it is still optimal). On the Jiangsu
# price sweep it took about a tenth of the dual simplex's iterations, and it ended at the
# vertex a cold solve finds where two prices tie (certificates and green power at 10 CNY/MWh),
# where the dual simplex started from the probes' basis did not. Ties have several optimal
# vertices; which one any warm start ends at is not guaranteed (benchmarks/bench_batch.py
# compares every table of its sweep with the rebuilt runs).
RESOLVE_SIMPLEX_STRATEGY = PRIMAL_SIMPLEX


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
        self.cols: _Columns | None = None
        self.engine = "persistent-build"

    def reset(self) -> None:
        self.key, self.m, self.opt, self.cols = None, None, None, None

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
        so = {k: v for k, v in highs_options(opts, model_class(m), method).items()
              if k not in ("output_flag", "threads", "time_limit")}  # those are the interface's own arguments
        if not first:
            so["simplex_strategy"] = RESOLVE_SIMPLEX_STRATEGY
        t0 = time.perf_counter()
        res = self.opt.solve(m, load_solutions=False, raise_exception_on_nonoptimal_result=False, tee=opts.verbose,
                             threads=opts.threads, time_limit=float(opts.time_limit_s) if opts.time_limit_s else None,
                             solver_options=so, **({} if first else {"auto_updates": _PARAMS_ONLY}))
        secs = {"translate+solve" if first else "update+resolve": time.perf_counter() - t0}
        outcome = self._outcome(res, secs, want_duals, probes)
        if outcome.status != "optimal":
            self.reset()  # start the next run from a fresh build
        return outcome

    def _outcome(self, res, secs: dict, want_duals, probes) -> SolveOutcome:
        """``persistent_outcome`` with the solution loaded through the session's column list."""
        from pyomo.contrib.solver.common.results import TerminationCondition as TC
        from pyomo.core.staleflag import StaleFlagManager

        if res.termination_condition != TC.convergenceCriteriaSatisfied:
            return persistent_outcome(res, secs, want_duals)  # maps the status; loads nothing
        t1 = time.perf_counter()
        if self.cols is None:
            self.cols = _Columns(self.opt)
        self.cols.load(self.opt._sol.col_value)
        StaleFlagManager.mark_all_as_stale(delayed=True)
        duals = dict(res.solution_loader.get_duals([cd for con in want_duals for cd in con.values()])) if want_duals else {}
        secs["load"] = time.perf_counter() - t1
        objective = float(res.incumbent_objective)
        probed = {}
        if probes:
            t2 = time.perf_counter()
            h = self.opt._solver_model  # the highspy instance behind pyomo's interface
            offset = objective - float(h.getInfo().objective_function_value)
            probed = run_probes(h, probes, self.cols.row_of, self.cols.col_of, offset)
            secs["probes"] = time.perf_counter() - t2
        return SolveOutcome(SolveStatus.OPTIMAL, objective, duals, secs, probe_objectives=probed)


class _Columns:
    """The HiGHS columns of a model held by pyomo.contrib.solver's Highs interface: the
    variables its model references (what ``load_vars`` loads) with their column indices,
    and the id -> index maps ``run_probes`` takes. Valid while the structure is unchanged
    (re-solves update parameters only)."""

    def __init__(self, opt) -> None:
        vmap = opt._pyomo_var_to_solver_var_map
        used = [vid for vid, (cons, sos, obj) in opt._referenced_variables.items() if cons or sos or obj is not None]
        self.vars = [opt._vars[vid][0] for vid in used]
        self.index = np.array([vmap[vid] for vid in used], dtype=np.int64)
        self.col_of = dict(vmap)
        self.row_of = {id(c): i for c, i in opt._pyomo_con_to_solver_con_map.items()}

    def load(self, col_value) -> None:
        """Set each variable to its column's value (Python floats, as load_vars does)."""
        for v, x in zip(self.vars, np.asarray(col_value, dtype=float)[self.index].tolist()):
            v.set_value(x, skip_validation=True)
