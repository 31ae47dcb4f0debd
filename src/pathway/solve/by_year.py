"""A full-hourly model of several years, solved year by year for a fixed investment plan.

The hourly LP of Y years couples its years only through the variables that carry over from
one year to the next: builds, capacities in service, PV efficiency vintages (the rows
``cap[y] = cap[y-1] + build[y]`` and the like). Fix those at the optimum of the same
scenario on typical days, and what is left is Y independent LPs, one per year, each its
8,760 hours with that year's purchases, offsets and rules:

    min  sum_y  c_y' x_y           s.t.  A_y x_y + B_y k* in [l_y, u_y]  for each year y,

k* the plan of the typical-day model (``plan_of``), x_y year y's own columns. Each is solved
on its own, two at a time (HiGHS releases the GIL: threads, one memory image), with the
dual simplex (``options.resolve_method``, class ``hourly_year_dispatch``). The answer is a
feasible point of the full hourly LP (its cost is what the plan costs, hour by hour), not
necessarily its optimum: the capacities are the typical-day model's. On the bundled
automotive plant it is 0.0021 % (2-year target) and 0.0014 % (5-year target) above the
full LP's optimum, on the fasteners plant with its direct line 0.024 % with a 12-day plan
(``benchmarks/bench_run.py`` measures them; 0.046 % on its own 8 days), in a twentieth of
the time and under half the memory; nothing bounds the distance in advance.
``--decompose off`` solves the full LP.

The marginal abatement costs of such a run are the typical-day model's, measured by its
own probes (``solve.run_probes``): a derivative that lets the investment plan move, which
a probe of one fixed-plan year would not.

If a year cannot run on the plan (its hours need more capacity than the typical days
showed), ``solve_by_year`` returns None and the caller solves the full LP.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import time
from dataclasses import dataclass

import numpy as np

from pathway.solve.highs import SolveOutcome, _highs_model, _option, _status_name
from pathway.solve.options import HOURLY_MULTI_YEAR, HOURLY_YEAR_DISPATCH, SolverOptions, model_class
from pathway.solve.status import SolveStatus


def wanted(m, opts: SolverOptions) -> bool:
    """Whether ``m`` is solved year by year: a model built by ``model.direct`` (the only one
    with array blocks to split), full-hourly over several years, without integer columns,
    and ``opts.decompose`` not 'off'."""
    return (opts.decompose != "off" and hasattr(m, "lp") and not getattr(m, "has_integers", False)
            and model_class(m) == HOURLY_MULTI_YEAR)


@dataclass
class Split:
    """How an LP's columns fall into years: ``year_of[col]`` (index into the years, -1: no
    year axis) and the linking blocks (those with a column in a row that spans years)."""

    year_of: np.ndarray
    linking: list[str]


def split_by_year(lp, years: list) -> Split:
    """The year of each column (its block's axis labelled with ``years``) and the blocks
    that link years: every block with a column in a row whose columns lie in more than one
    year, or that has no year axis."""
    year_of = np.full(lp.n_cols, -1, dtype=np.int64)
    for b in lp.var_blocks:
        axes = [k for k, labels in enumerate(b.axes.labels) if list(labels) == list(years)]
        if axes:
            present = b.cols >= 0
            year_of[b.cols[present]] = np.indices(b.cols.shape)[axes[0]][present]
    r, c, _ = lp.entries()
    y = year_of[c]
    lo = np.full(lp.n_rows, np.iinfo(np.int64).max)
    hi = np.full(lp.n_rows, -1)
    np.minimum.at(lo, r, np.where(y < 0, -1, y))  # a yearless column makes its row span years
    np.maximum.at(hi, r, y)
    spans = (lo < hi) | (lo < 0)
    link_cols = np.unique(c[spans[r]])
    block_of = np.empty(lp.n_cols, dtype=object)
    for b in lp.var_blocks:
        block_of[b.cols[b.cols >= 0]] = b.name
    return Split(year_of, sorted(set(block_of[link_cols])))


def plan_of(plan_model, blocks: list[str], model) -> dict[str, np.ndarray] | None:
    """The solved ``plan_model``'s values of ``blocks``, shaped as in ``model``; None when a
    block is not in both with the same index (an hourly block: typical days are not hours)."""
    theirs = {b.name: b for b in plan_model.lp.var_blocks}
    ours = {b.name: b for b in model.lp.var_blocks}
    out = {}
    for name in blocks:
        a, b = theirs.get(name), ours.get(name)
        if a is None or b is None or a.axes.labels != b.axes.labels or not np.array_equal(a.cols >= 0, b.cols >= 0):
            return None
        out[name] = a.values_array()
    return out


class YearLPs:
    """The full-hourly LP of ``m`` with the blocks of ``plan`` fixed at its values, cut into its
    years: ``arrays(i)`` is year i's LP (cost, column bounds, row bounds, column-wise matrix),
    ``cols[i]`` / ``rows[i]`` its columns and rows in the assembled LP ``a``."""

    def __init__(self, m, plan: dict[str, np.ndarray], split: Split):
        import scipy.sparse as sp

        lp = m.lp
        lp.freeze_columns()
        saved = lp.col_lb.copy(), lp.col_ub.copy(), lp.fixed.copy()
        try:
            for b in lp.var_blocks:
                if b.name in plan:
                    present = b.cols >= 0
                    cols = b.cols[present]
                    lp.col_lb[cols] = lp.col_ub[cols] = plan[b.name][present]
                    lp.fixed[cols] = True
            self.a = a = lp.assemble()
            self.fixed_x = np.where(lp.fixed, lp.col_lb, 0.0)  # the plan and the model's own fixed columns
            self.fixed = lp.fixed.copy()
        finally:
            lp.col_lb, lp.col_ub, lp.fixed = saved  # the model keeps its own bounds: the plan is only this LP's
        self.infeasible = lp.trivially_infeasible  # the plan breaks a row of fixed columns alone
        lp.trivially_infeasible = None
        col_year = split.year_of[a.col_ids]
        if (col_year < 0).any():
            raise AssertionError(f"columns without a year left after fixing {split.linking}")
        self.A = sp.csc_matrix((a.value, a.index, a.start), shape=(a.row_ids.size, a.col_ids.size))
        a.start = a.index = None
        per_entry = np.repeat(col_year, np.diff(self.A.indptr))
        row_year = np.full(a.row_ids.size, -1, dtype=np.int64)
        row_year[self.A.indices] = per_entry
        if (row_year[self.A.indices] != per_entry).any():
            raise AssertionError(f"a row still spans years after fixing {split.linking}")
        n = len(m.md.years)
        self.cols = [np.flatnonzero(col_year == i) for i in range(n)]
        self.rows = [np.flatnonzero(row_year == i) for i in range(n)]

    def arrays(self, i: int) -> tuple:
        """Year i's LP: (cost, col_lower, col_upper, row_lower, row_upper, start, index, value)."""
        a, cols, rows = self.a, self.cols[i], self.rows[i]
        sub = self.A[:, cols][rows, :].tocsc()
        return (a.cost[cols], a.col_lower[cols], a.col_upper[cols], a.row_lower[rows], a.row_upper[rows],
                sub.indptr, sub.indices, sub.data)


def solve_by_year(m, plan: dict[str, np.ndarray], opts: SolverOptions, split: Split, want_duals=(),
                  progress=None, deadline: float | None = None) -> SolveOutcome | None:
    """Solve the full-hourly model ``m`` year by year with the blocks of ``plan`` fixed at its
    values (``YearLPs``); load the values into ``m`` and return the outcome (objective: the
    full LP's objective at that point). None when a year has no optimum on the plan (the
    caller then solves the full LP); a time limit is a TIME_LIMIT outcome: each year's solve
    has what is left until ``deadline`` (``time.perf_counter()`` seconds; None: no limit).
    ``progress(text)`` hears of each year solved."""
    t0 = time.perf_counter()
    lps = YearLPs(m, plan, split)
    if lps.infeasible:
        return None
    years = list(m.md.years)
    a = lps.a
    x = np.zeros(a.col_ids.size)
    y_row = np.zeros(a.row_ids.size)
    t1 = time.perf_counter()

    def one(i: int):
        left = None if deadline is None else max(1e-3, deadline - time.perf_counter())
        h = _highs_model(dataclasses.replace(opts, time_limit_s=left) if left is not None else opts, *lps.arrays(i),
                         np.zeros(0, dtype=int), HOURLY_YEAR_DISPATCH)
        t = time.perf_counter()
        h.run()
        status = _status_name(h)
        if status == SolveStatus.OPTIMAL:
            sol = h.getSolution()
            x[lps.cols[i]] = np.asarray(sol.col_value)
            y_row[lps.rows[i]] = np.asarray(sol.row_dual)
        return status, float(h.getInfo().objective_function_value), time.perf_counter() - t, _option(h, "solver")

    workers = max(1, min(len(years), int(opts.threads) if opts.threads else min(2, os.cpu_count() or 1)))
    results = []
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:  # HiGHS releases the GIL while it solves
        for i, res in enumerate(pool.map(one, range(len(years)))):
            results.append(res)
            if progress:
                progress(f"hourly year {years[i]} solved on the typical-day plan ({i + 1}/{len(years)})")
    t2 = time.perf_counter()
    statuses = [r[0] for r in results]
    secs = {"translate": t1 - t0, "solve": t2 - t1}
    if SolveStatus.TIME_LIMIT in statuses:
        return SolveOutcome(SolveStatus.TIME_LIMIT, None, {}, secs, "time limit in a year's solve")
    if any(s != SolveStatus.OPTIMAL for s in statuses):
        return None
    lp = m.lp
    full = np.clip(np.zeros(lp.n_cols), lp.col_lb, lp.col_ub)  # unreferenced columns: the bound nearest 0
    full[lps.fixed] = lps.fixed_x[lps.fixed]
    full[a.col_ids] = x
    lp.load_full(full)
    new_row = np.full(lp.n_rows, -1, dtype=np.int64)
    new_row[a.row_ids] = np.arange(a.row_ids.size)
    duals = {}
    for con in want_duals:
        for ref in con.values():
            i = new_row[ref.row] if ref.row >= 0 else -1
            duals[ref] = float(y_row[i]) if i >= 0 else 0.0
    objective = float(sum(r[1] for r in results)) + a.obj_const
    secs["load"] = time.perf_counter() - t2
    info = {"years": len(years), "linking_blocks": list(split.linking), "workers": workers,
            "year_solve_s": {str(y): round(r[2], 3) for y, r in zip(years, results)}}
    return SolveOutcome(SolveStatus.OPTIMAL, objective, duals, secs, method=results[0][3], decomposition=info)


def plan_twin(loaded):
    """``loaded`` on typical days (``time.mode: representative_days``, its own number of
    days): the model whose investment plan the hourly years run on."""
    s = loaded.scenario
    time_ = s.time.model_copy(update={"mode": "representative_days"})
    data = {**loaded.data, "time": {**loaded.data.get("time", {}), "mode": "representative_days"}}
    return dataclasses.replace(loaded, scenario=s.model_copy(update={"time": time_}), data=data,
                               sha256=f"{loaded.sha256}|representative_days")


def solve_on_plan(loaded, m, opts: SolverOptions, want_duals=(), probes=None, progress=None) -> SolveOutcome | None:
    """Solve the full-hourly model ``m`` of ``loaded`` year by year on the investment plan of
    its typical-day twin (``plan_twin``), whose own probes ``probes(model, md)`` give the
    marginal abatement costs (their objectives shifted by the hourly run's, so that each
    MAC is the typical-day model's derivative). None when ``m`` cannot be split or a year
    cannot run on the plan: the caller solves the full LP."""
    from pathway.inputs.prepare import prepare
    from pathway.model.direct import build_direct
    from pathway.solve.highs import solve

    split = split_by_year(m.lp, list(m.md.years))
    t0 = time.perf_counter()
    deadline = t0 + opts.time_limit_s if opts.time_limit_s else None  # --time-limit covers the plan and the years
    md_plan = prepare(plan_twin(loaded))
    plan_model = build_direct(md_plan, ceiling_slack=m.ceiling_slack)
    if progress:
        progress(f"solving the investment plan on {md_plan.n_periods} typical days")
    plan_out = solve(plan_model, opts, (), probes(plan_model, md_plan) if probes else None)
    t_plan = time.perf_counter() - t0
    if plan_out.status == SolveStatus.TIME_LIMIT:
        return plan_out
    say = progress or (lambda text: None)
    if plan_out.status != SolveStatus.OPTIMAL:  # no plan (e.g. an unreachable target): the full LP and its diagnosis
        say(f"the typical days have no plan ({plan_out.status}): solving the full hourly LP")
        return None
    plan = plan_of(plan_model, split.linking, m)
    if plan is None:
        say(f"the typical days cannot give {', '.join(split.linking)}: solving the full hourly LP")
        return None
    out = solve_by_year(m, plan, opts, split, want_duals, progress, deadline)
    if out is None:
        say("a year cannot run on the typical-day plan: solving the full hourly LP")
    if out is None or out.status != SolveStatus.OPTIMAL:
        return out
    out.seconds = {"plan": t_plan, **out.seconds}
    out.probe_objectives = {y: None if z is None else z - plan_out.objective + out.objective
                            for y, z in plan_out.probe_objectives.items()}
    out.decomposition.update(plan_days=int(md_plan.n_periods), plan_objective=plan_out.objective)
    return out
