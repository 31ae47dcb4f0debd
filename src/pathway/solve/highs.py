"""Solve the LP with HiGHS, in memory, and hand back values and duals.

Three routes, all in memory (no LP files):

* ``direct`` (default): the arrays ``model.direct`` assembles, passed to highspy with
  ``passModel``; values go back into the model's ``LinearProgram``;
* ``compiler``: a Pyomo model turned into sparse matrices by Pyomo's
  LinearStandardFormCompiler, values and row duals mapped back through its column and
  row lists;
* ``persistent``: Pyomo's ``highs`` solver interface (pyomo.contrib.solver).

Method 'auto' is chosen by model class (``options.resolve_method``, measured by
``benchmarks/bench_methods.py``): the dual simplex for typical days, IPX for a full-hourly
year, HiPO for full-hourly models of several years (both interior point with crossover).
Every HiGHS model status is mapped to a typed outcome; values are never read after a
non-optimal termination.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from pathway.errors import SolverError
from pathway.model.linear import value
from pathway.solve.options import REPRESENTATIVE_DAYS, SolverOptions, highs_options, model_class
from pathway.solve.status import SolveStatus


@dataclass
class SolveOutcome:
    status: SolveStatus
    objective: float | None
    duals: dict = field(default_factory=dict)  # ConstraintData -> dual (d objective / d rhs)
    seconds: dict = field(default_factory=dict)
    message: str = ""
    probe_objectives: dict = field(default_factory=dict)  # probe key -> objective after the perturbation (None: no optimum)
    method: str = ""  # the HiGHS LP method that found the optimum ('simplex', 'hipo', ...)
    decomposition: dict | None = None  # solved year by year on a typical-day plan (solve.by_year): how






def _option(h, name: str):
    """The value of HiGHS option ``name`` (highspy >= 1.12 returns (status, value))."""
    v = h.getOptionValue(name)
    return v[1] if isinstance(v, tuple) else v


def _set_options(h, opts: SolverOptions, cls: str) -> None:
    """Set ``opts``'s HiGHS options for a model of class ``cls``; an option HiGHS refuses is
    an error (method 'auto' never asks for HiPO where its libraries are missing:
    ``options.resolve_method``)."""
    import highspy

    for k, v in highs_options(opts, cls).items():
        if h.setOptionValue(k, v) != highspy.HighsStatus.kOk:
            hint = " (HiPO needs the highspy-extras package: pip install highspy-extras)" if v == "hipo" else ""
            raise SolverError(f"HiGHS refused option {k} = {v!r}{hint}")


def _status_name(h) -> SolveStatus:
    import highspy

    s = h.getModelStatus()
    M = highspy.HighsModelStatus
    if s == M.kOptimal:
        return SolveStatus.OPTIMAL
    if s in (M.kInfeasible, M.kUnboundedOrInfeasible):
        return SolveStatus.INFEASIBLE
    if s == M.kUnbounded:
        return SolveStatus.UNBOUNDED
    if s in (M.kTimeLimit, M.kIterationLimit, M.kInterrupt):
        return SolveStatus.TIME_LIMIT
    return SolveStatus.ERROR


Probes = dict  # key -> ([(ConstraintData, delta)], [VarData]): see run_probes
DUAL_SIMPLEX, PRIMAL_SIMPLEX = 1, 4  # HiGHS simplex_strategy values (1 is HiGHS's default)


def solve(m, opts: SolverOptions | None = None, want_duals: tuple = (),
          probes: Probes | None = None) -> SolveOutcome:
    """Solve ``m``; load variable values on optimality; return duals of ``want_duals``
    (a tuple of indexed constraints) and, for each of ``probes``, the optimal objective
    after that perturbation (``run_probes``)."""
    opts = opts or SolverOptions()
    if hasattr(m, "lp"):  # built by pathway.model.direct (route 'direct')
        return _solve_direct(m, opts, want_duals, probes)
    if opts.route == "persistent":
        return _solve_persistent(m, opts, want_duals, probes)
    if opts.route in ("compiler", "direct"):  # a Pyomo model (diagnosis, re-plan) on route 'direct': compiled
        return _solve_compiled(m, opts, want_duals, probes)
    raise SolverError(f"unknown solver route {opts.route!r}; expected 'direct', 'compiler' or 'persistent'")


def run_probes(h, probes: Probes, row_of: dict, col_of: dict, objective_offset: float = 0.0,
               iterations: dict | None = None) -> dict:
    """Re-solve the optimal HiGHS model ``h`` once per probe, each warm-started from the
    optimal basis (set again before every probe, so that a probe starts where the optimum
    is, not where the previous probe ended: about half the simplex iterations; the dual
    simplex, as a tightened bound leaves the basis dual feasible), and restore the model
    after each (and the optimal basis at the end); ``iterations``, when given, receives
    {key: (simplex, interior point) iterations} of each probe. A probe ([(row, delta)], [vars]) lowers
    the upper bound of each ``row`` (a <= constraint) by ``delta`` and fixes each variable at its
    optimal value. Returns {key: optimal objective, or None when the perturbed model has no
    optimum}. ``row_of`` / ``col_of`` map id(ConstraintData) / id(VarData) to HiGHS
    indices; a variable that is not a column (fixed, eliminated) is already fixed.

    Measuring a derivative by re-solving is exact for an LP wherever the perturbation stays
    on one linear piece of the optimal cost, and unlike a dual it does not depend on which
    of several optimal bases the solver stopped at (degeneracy)."""
    import highspy

    if not probes:
        return {}
    h.setOptionValue("output_flag", False)
    method = _option(h, "solver")
    # The simplex, whatever method found the optimum: HiGHS starts only the simplex from a
    # basis; with 'ipm' kept (the main solve of a large LP) every probe was a cold interior
    # point solve with crossover, as long as the main solve itself
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("simplex_strategy", DUAL_SIMPLEX)  # a tightened bound leaves the basis dual feasible
    lp = h.getLp()
    row_lo, row_up = np.array(lp.row_lower_), np.array(lp.row_upper_)
    col_lo, col_up = np.array(lp.col_lower_), np.array(lp.col_upper_)
    x = np.array(h.getSolution().col_value)
    basis = h.getBasis()
    del lp
    out = {}
    for key, (rows, fixed) in probes.items():
        changed_rows = []
        for con, delta in rows:
            i = row_of.get(id(con))
            if i is None:
                continue
            if row_up[i] >= highspy.kHighsInf:
                raise SolverError(f"probe on {con.name}: expected a <= row")
            h.changeRowBounds(i, row_lo[i], row_up[i] - delta)
            changed_rows.append(i)
        changed_cols = []
        for v in fixed:
            j = col_of.get(id(v))
            if j is not None:
                h.changeColBounds(j, x[j], x[j])
                changed_cols.append(j)
        h.setBasis(basis)
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        info = h.getInfo()
        if iterations is not None:
            iterations[key] = (int(info.simplex_iteration_count), int(info.ipm_iteration_count))
        out[key] = float(info.objective_function_value) + objective_offset if ok else None
        for i in changed_rows:
            h.changeRowBounds(i, row_lo[i], row_up[i])
        for j in changed_cols:
            h.changeColBounds(j, col_lo[j], col_up[j])
    h.setBasis(basis)  # a model kept for re-solves (solve.session) starts the next one from the optimum
    h.setOptionValue("solver", method)
    return out


def _integer_columns(m, columns) -> np.ndarray:
    """Indices of the integer columns; models that have any say so with ``m.has_integers``."""
    if not getattr(m, "has_integers", False):
        return np.zeros(0, dtype=int)
    return np.array([j for j, v in enumerate(columns) if v.is_integer()], dtype=int)


def _fix_integers_and_resolve(h, integer_cols: np.ndarray) -> None:
    """After a MIP optimum: fix each integer column at its (rounded) value, make it
    continuous and re-solve the LP that remains, so that duals, a basis and the MAC probes
    exist. The LP's optimum equals the MIP's (same point, integers fixed)."""
    import highspy

    x = np.array(h.getSolution().col_value)
    for j in integer_cols:
        v = float(round(x[j]))
        h.changeColIntegrality(int(j), highspy.HighsVarType.kContinuous)
        h.changeColBounds(int(j), v, v)
    h.run()


def _sparse_only_compiler() -> None:
    """Give Pyomo's standard-form compiler its sparse-matrix hooks from ``scipy.sparse``
    ourselves, so that it does not resolve Pyomo's deferred ``scipy`` import, whose
    callback (``pyomo.common.dependencies._finalize_scipy``) also imports scipy.stats,
    scipy.integrate and scipy.spatial: about 0.45 s of a 12-day CLI run, none of it used.

    The hooks are the class attributes ``_LinearStandardFormCompiler_impl`` keeps for this
    ("so that others can change the hooks", Pyomo 6.7+); they are set to exactly the values
    Pyomo's own first instantiation would give them (``numpy.fromiter``, ``csc_array``,
    ``csr_array``), so the compiled matrices are the same. If a Pyomo release drops the
    hooks, this does nothing and Pyomo imports scipy its own way. A small shim over two
    Pyomo names (``_LinearStandardFormCompiler_impl``, ``DeferredImportCallbackFinder``);
    ``tests/test_imports.py`` fails if it stops keeping scipy.stats out."""
    import sys

    from pyomo.common.dependencies import DeferredImportCallbackFinder
    from pyomo.repn.plugins import standard_form

    impl = getattr(standard_form, "_LinearStandardFormCompiler_impl", None)
    if impl is None or getattr(impl, "_to_vector", False) is not None:
        return  # already set (by us or by Pyomo) or no such hooks in this Pyomo
    # Once Pyomo is imported, its DeferredImportCallbackFinder (on sys.meta_path) runs
    # _finalize_scipy on any direct ``import scipy``; step around it for this one import.
    # Pyomo's own deferred ``scipy`` stays unresolved: if Pyomo ever needs it, it resolves
    # it then and runs its callback as usual.
    finders = [f for f in sys.meta_path if isinstance(f, DeferredImportCallbackFinder)]
    for f in finders:
        sys.meta_path.remove(f)
    try:
        import scipy.sparse
    finally:
        sys.meta_path[:0] = finders

    impl._csc_matrix = scipy.sparse.csc_array
    impl._csr_matrix = scipy.sparse.csr_array
    impl._to_vector = standard_form.np.fromiter  # Pyomo's deferred numpy: cheap, registers numpy types


def _highs_model(opts: SolverOptions, cost, col_lower, col_upper, row_lower, row_upper,
                 start, index, value_, integer_cols: np.ndarray, cls: str = REPRESENTATIVE_DAYS):
    """A HiGHS instance holding the LP given as column-wise sparse arrays (bounds may be
    +-inf, HiGHS's own infinity) with ``integer_cols`` integer, and ``opts``'s options (method
    'auto' resolved for the model class ``cls``). HiGHS copies the arrays: the caller can
    free its own before the solve."""
    import highspy

    n, m = len(cost), len(row_lower)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value_
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    if integer_cols.size:
        integrality = np.full(n, highspy.HighsVarType.kContinuous)
        integrality[integer_cols] = highspy.HighsVarType.kInteger
        lp.integrality_ = list(integrality)
    h = highspy.Highs()
    _set_options(h, opts, cls)
    h.passModel(lp)
    return h


def _run(h, integer_cols: np.ndarray, auto: bool = False) -> SolveStatus:
    """Solve; after a MIP optimum fix the integers and re-solve the LP (duals, basis, probes).
    ``auto`` (method 'auto'): if HiPO stops on a solver error (not infeasibility, not a
    limit), solve again with IPX, HiGHS's established interior point solver."""
    h.run()
    if auto and _status_name(h) == SolveStatus.ERROR and _option(h, "solver") == "hipo":
        h.setOptionValue("solver", "ipx")
        h.run()
    if integer_cols.size and _status_name(h) == SolveStatus.OPTIMAL:
        _fix_integers_and_resolve(h, integer_cols)
    return _status_name(h)


def _solve_compiled(m, opts: SolverOptions, want_duals, probes: Probes | None = None) -> SolveOutcome:
    from pyomo.common.errors import InfeasibleConstraintException
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    _sparse_only_compiler()
    t0 = time.perf_counter()
    try:
        repn = LinearStandardFormCompiler().write(m, mixed_form=True)
    except InfeasibleConstraintException as exc:  # a row that holds for no decision (e.g. heat no technology can supply)
        return SolveOutcome(SolveStatus.INFEASIBLE, None, {}, {"translate": time.perf_counter() - t0}, str(exc))
    t1 = time.perf_counter()
    n = len(repn.columns)
    A = repn.A.tocsc() if hasattr(repn.A, "tocsc") else repn.A
    c = np.asarray(repn.c.toarray()).ravel() if repn.c.shape[0] else np.zeros(n)
    rhs = np.asarray(repn.rhs, dtype=float)
    sense = np.array([r[1] for r in repn.rows], dtype=int)
    integer_cols = _integer_columns(m, repn.columns)
    h = _highs_model(opts, c, np.array([-np.inf if v.lb is None else v.lb for v in repn.columns], dtype=float),
                     np.array([np.inf if v.ub is None else v.ub for v in repn.columns], dtype=float),
                     np.where(sense == 1, -np.inf, rhs), np.where(sense == -1, np.inf, rhs),
                     A.indptr, A.indices, A.data, integer_cols, model_class(m))
    del A  # HiGHS holds its own copy: free ours before the solve (peak memory)
    repn.A = repn.c = None
    t2 = time.perf_counter()
    status = _run(h, integer_cols, auto=opts.method == "auto")
    method = _option(h, "solver")
    t3 = time.perf_counter()
    secs = {"translate": t1 - t0 + (t2 - t1), "solve": t3 - t2}
    if status != SolveStatus.OPTIMAL:
        return SolveOutcome(status, None, {}, secs, h.modelStatusToString(h.getModelStatus()))
    sol = h.getSolution()
    x = np.asarray(sol.col_value)
    for v, val in zip(repn.columns, x):
        v.set_value(float(val), skip_validation=True)
    for v, expr in repn.eliminated_vars:  # substituted out by the compiler
        v.set_value(float(value(expr)), skip_validation=True)
    duals = {}
    if want_duals:
        wanted = {id(cd) for con in want_duals for cd in con.values()}
        y = np.asarray(sol.row_dual)
        for i, (cd, _sense) in enumerate(repn.rows):
            if id(cd) in wanted:
                duals[cd] = duals.get(cd, 0.0) + float(y[i])
    offset = float(np.sum(repn.c_offset))
    objective = float(h.getInfo().objective_function_value) + offset
    secs["load"] = time.perf_counter() - t3
    probed = {}
    if probes:
        t4 = time.perf_counter()
        probed = run_probes(h, probes, {id(cd): i for i, (cd, _sense) in enumerate(repn.rows)},
                            {id(v): j for j, v in enumerate(repn.columns)}, offset)
        secs["probes"] = time.perf_counter() - t4
    return SolveOutcome(SolveStatus.OPTIMAL, objective, duals, secs, probe_objectives=probed, method=method)


def _solve_direct(m, opts: SolverOptions, want_duals, probes: Probes | None = None) -> SolveOutcome:
    """Solve a ``model.direct.DirectModel``: its arrays straight into highspy (column-wise),
    values loaded back into the model's LinearProgram, duals and probes by its RowRefs."""
    t0 = time.perf_counter()
    a = m.lp.assemble()
    if m.lp.trivially_infeasible:
        return SolveOutcome(SolveStatus.INFEASIBLE, None, {}, {"translate": time.perf_counter() - t0},
                            m.lp.trivially_infeasible)
    n, nr = a.col_ids.size, a.row_ids.size
    h = _highs_model(opts, a.cost, a.col_lower, a.col_upper, a.row_lower, a.row_upper, a.start, a.index, a.value,
                     a.integer, model_class(m))
    a.start = a.index = None  # HiGHS holds its own copy: free ours before the solve (peak memory)
    t2 = time.perf_counter()
    status = _run(h, a.integer, auto=opts.method == "auto")
    method = _option(h, "solver")
    t3 = time.perf_counter()
    secs = {"translate": t2 - t0, "solve": t3 - t2}
    if status != SolveStatus.OPTIMAL:
        return SolveOutcome(status, None, {}, secs, h.modelStatusToString(h.getModelStatus()))
    sol = h.getSolution()
    m.lp.load(a, np.asarray(sol.col_value))
    new_row = np.full(m.lp.n_rows, -1, dtype=np.int64)
    new_row[a.row_ids] = np.arange(nr)
    duals = {}
    if want_duals:
        y = np.asarray(sol.row_dual)
        for con in want_duals:
            for ref in con.values():
                i = new_row[ref.row] if ref.row >= 0 else -1
                duals[ref] = float(y[i]) if i >= 0 else 0.0
    objective = float(h.getInfo().objective_function_value) + a.obj_const
    secs["load"] = time.perf_counter() - t3
    probed = {}
    if probes:
        t4 = time.perf_counter()
        new_col = np.full(m.lp.n_cols, -1, dtype=np.int64)
        new_col[a.col_ids] = np.arange(n)
        row_of = {id(ref): int(new_row[ref.row]) for rows, _ in probes.values() for ref, _d in rows
                  if ref.row >= 0 and new_row[ref.row] >= 0}
        col_of = {id(v): int(new_col[v.col]) for _, fixed in probes.values() for v in fixed if new_col[v.col] >= 0}
        probed = run_probes(h, probes, row_of, col_of, a.obj_const)
        secs["probes"] = time.perf_counter() - t4
    return SolveOutcome(SolveStatus.OPTIMAL, objective, duals, secs, probe_objectives=probed, method=method)


def _solve_persistent(m, opts: SolverOptions, want_duals, probes: Probes | None = None) -> SolveOutcome:
    import pyomo.environ  # noqa: F401  (registers the solver plugins, 'highs' among them)
    from pyomo.contrib.solver.common.factory import SolverFactory

    opt = SolverFactory("highs")
    solver_options = {k: v for k, v in highs_options(opts, model_class(m)).items()
                      if k not in ("output_flag", "threads", "time_limit")}  # those are the interface's own arguments
    t0 = time.perf_counter()
    import pyomo.core as pyo

    integers = [v for v in m.component_data_objects(pyo.Var) if v.is_integer()] if getattr(m, "has_integers", False) else []
    res = opt.solve(
        m,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        tee=opts.verbose,
        threads=opts.threads,
        time_limit=float(opts.time_limit_s) if opts.time_limit_s else None,
        solver_options=solver_options,
    )
    if integers:  # MIP optimum: fix the integers and re-solve the LP for duals and probes
        from pyomo.contrib.solver.common.results import TerminationCondition as TC

        if res.termination_condition == TC.convergenceCriteriaSatisfied:
            res.solution_loader.load_vars(integers)
            domains = [v.domain for v in integers]
            for v in integers:
                v.domain = pyo.Reals  # continuous and fixed: the LP that remains has duals
                v.fix(round(v.value))
            res = opt.solve(m, load_solutions=False, raise_exception_on_nonoptimal_result=False, tee=opts.verbose,
                            threads=opts.threads, time_limit=float(opts.time_limit_s) if opts.time_limit_s else None,
                            solver_options=solver_options)
            for v, dom in zip(integers, domains):
                v.unfix()
                v.domain = dom
    return persistent_outcome(res, {"translate+solve": time.perf_counter() - t0}, want_duals, opt, probes)


def persistent_outcome(res, secs: dict, want_duals, opt=None, probes: Probes | None = None) -> SolveOutcome:
    """Map a pyomo.contrib.solver result to a SolveOutcome; load values only if optimal;
    run ``probes`` on the solver ``opt`` (pyomo.contrib.solver's Highs) when given."""
    from pyomo.contrib.solver.common.results import TerminationCondition as TC

    t1 = time.perf_counter()
    tc = res.termination_condition
    if tc != TC.convergenceCriteriaSatisfied:
        status = {
            TC.provenInfeasible: SolveStatus.INFEASIBLE,
            TC.locallyInfeasible: SolveStatus.INFEASIBLE,
            TC.infeasibleOrUnbounded: SolveStatus.INFEASIBLE,
            TC.unbounded: SolveStatus.UNBOUNDED,
            TC.maxTimeLimit: SolveStatus.TIME_LIMIT,
            TC.iterationLimit: SolveStatus.TIME_LIMIT,
            TC.interrupted: SolveStatus.TIME_LIMIT,
        }.get(tc, SolveStatus.ERROR)
        return SolveOutcome(status, None, {}, secs, str(tc))
    res.solution_loader.load_vars()
    duals = {}
    if want_duals:
        cons = [cd for con in want_duals for cd in con.values()]
        duals = dict(res.solution_loader.get_duals(cons))
    secs["load"] = time.perf_counter() - t1
    objective = float(res.incumbent_objective)
    method = _option(opt._solver_model, "solver") if opt is not None else ""
    probed = {}
    if probes and opt is not None:
        t2 = time.perf_counter()
        h = opt._solver_model  # the highspy instance behind pyomo's interface
        offset = objective - float(h.getInfo().objective_function_value)
        probed = run_probes(h, probes, {id(c): i for c, i in opt._pyomo_con_to_solver_con_map.items()},
                            dict(opt._pyomo_var_to_solver_var_map), offset)
        secs["probes"] = time.perf_counter() - t2
    return SolveOutcome(SolveStatus.OPTIMAL, objective, duals, secs, probe_objectives=probed, method=method)
