"""A full-hourly model solved by years under its investment plan: the plan of its typical
days as it is ('plan'), or refined by Benders decomposition to the full LP's proven optimum
('benders').

The hourly LP couples its hours and years only through the investment columns: builds,
capacities in service, PV efficiency vintages (``INVESTMENT_BLOCKS``; with several years
exactly the blocks in rows that span years, which ``split_by_year`` finds). With those, the
plan k, fixed, what is left is one LP per year, each its 8,760 hours with that year's
purchases, offsets and rules:

    f_y(k) = min c_y' x_y   s.t.  l_y - B_y k <= A_y x_y <= u_y - B_y k,
    full LP = min_k  c_k' k + sum_y f_y(k)   over the rows of plan columns alone.

Each year is solved on its own, two at a time (HiGHS releases the GIL: threads, one memory
image), with the dual simplex (class ``hourly_year_dispatch``); a year's one-column rows
(pv_gen <= cf x cap, soc <= E, ...) are its columns' bounds (``Decomposition``).

* 'plan': k = the optimum of the same scenario on typical days (``plan_twin``), one round.
  The answer is a feasible point of the full LP, not its optimum: 0.0014-0.064 % above it
  on the bundled plants measured, in a twentieth of the time; nothing bounds the distance.
* 'benders' (``solve_by_year``): from that plan, each round's year solutions give an upper
  bound and one cut per year from their duals; the master over the cuts gives a lower bound
  and the next plan (in a box around the best one). It stops at a proven gap of
  ``BENDERS_GAP`` (1e-7): the full LP's optimum, to the yuan on a plant's total cost.

'auto' takes 'benders' for one hourly year and 'plan' for several (``method_for`` has the
measurements); ``--decompose off`` solves the full LP in one piece.

The marginal abatement costs of a decomposed run are the typical-day model's, measured by
its own probes (``solve.run_probes``), their objectives shifted by the hourly run's: a
derivative that lets the investment plan move, which a probe of one fixed-plan year would
not.

If a year cannot run on the start plan (its hours need more capacity than the typical days
showed), or the plan breaks a row of plan columns alone, ``solve_by_year`` returns None and
the caller solves the full LP.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import time
from dataclasses import dataclass

import numpy as np

from pathway.solve.highs import SolveOutcome, _highs_model, _option, _status_name
from pathway.solve.options import HOURLY_MULTI_YEAR, HOURLY_ONE_YEAR, HOURLY_YEAR_DISPATCH, SolverOptions, model_class
from pathway.solve.status import SolveStatus

# the investment blocks of model.direct: what a year leaves to the next (builds, capacities in service, PV
# vintages, a direct line's build and capacity). With several years they are exactly the blocks that link
# years (split_by_year finds those; tests check the two agree); with one year they are what couples its hours
INVESTMENT_BLOCKS = ("build", "cap", "pv_eff", "dl_build", "dl_cap")


def wanted(m, opts: SolverOptions) -> bool:
    """Whether ``m`` is solved by ``solve_on_plan``: a model built by ``model.direct`` (the only
    one with array blocks to split), full-hourly (one year or several), without integer
    columns, and ``opts.decompose`` not 'off'."""
    return (opts.decompose != "off" and hasattr(m, "lp") and not getattr(m, "has_integers", False)
            and model_class(m) in (HOURLY_ONE_YEAR, HOURLY_MULTI_YEAR))


def method_for(m, opts: SolverOptions) -> str:
    """How ``solve_on_plan`` solves ``m``: 'benders' (to the full LP's optimum, ``BENDERS_GAP``
    proved) or 'plan' (each year on the typical-day plan as it is, one round). 'auto' takes
    Benders for one hourly year and the plan for several; 'plan' and 'benders' are taken as
    asked.

    Measured, one hourly year of each of the 15 bundled scenarios, Benders against the full
    LP with IPX, in one process on this 2-core machine: faster on 12 (the dyeing plant 43.7 s
    against 153.7 s, the battery-cell plant 7.3 s against 91.6 s, the automotive plant 5.9 s
    against 27.1 s, the data centre 1.3 s against 8.9 s), slower on 2 (cement 24.6 s against
    21.7 s, the fasteners plant with its direct line 85.8 s against 73.2 s), the EAF steel
    plant's target unreachable either way; 226.8 s against 647.3 s for the 14 with an optimum. For several years
    Benders reaches the proven optimum of the automotive plant's 7 hourly years in 31 s
    (against 210 s for the full LP) but holds every year's HiGHS instance, 1.46 GB at peak;
    the typical-day plan alone, 0.001-0.07 % above the optimum, takes 10.6 s and 790 MB, and
    stays the default there."""
    if opts.decompose == "auto":
        return "benders" if len(m.md.years) == 1 else "plan"
    return opts.decompose


def plan_blocks(m, split: Split) -> list[str]:
    """The blocks of the master: ``m``'s investment blocks and whatever else links its years."""
    names = {b.name for b in m.lp.var_blocks}
    return sorted({b for b in INVESTMENT_BLOCKS if b in names} | set(split.linking))


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


BENDERS_GAP = 1e-7  # Benders stops when the proven gap (best cost - lower bound) / best cost is below this
MAX_ROUNDS = 100  # Benders rounds at most; then the best point so far, with its proven gap
AUTO_ROUNDS = 60  # under 'auto' (one hourly year): not closed by then, the full LP solves it (the bundled plants: 4-30)
DELTA0 = 0.5  # the first box: each plan column within +-DELTA0 x max(|its start value|, a tenth of its block's largest)


class _Sparse:
    """A sparse matrix as (row, col, value) entries: products both ways and the column-wise
    arrays HiGHS takes (numpy alone: scipy.sparse costs 8 MB to import)."""

    def __init__(self, row: np.ndarray, col: np.ndarray, val: np.ndarray, shape: tuple[int, int]):
        self.row, self.col, self.val, self.shape = row, col, val, shape

    def matvec(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.row, self.val * x[self.col], minlength=self.shape[0])

    def rmatvec(self, y: np.ndarray) -> np.ndarray:
        return np.bincount(self.col, self.val * y[self.row], minlength=self.shape[1])

    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, index, value), rows ascending within each column."""
        order = np.lexsort((self.row, self.col))
        start = np.zeros(self.shape[1] + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.col, minlength=self.shape[1]), out=start[1:])
        return start, self.row[order].astype(np.int32), self.val[order]


class Decomposition:
    """The full-hourly LP of ``m`` (assembled as it is, nothing fixed) cut into a master and
    one subproblem per year. The master holds the plan (the columns of ``blocks``: builds,
    capacities, PV vintages) and the rows of plan columns alone (``master_rows``, ``M``);
    year i holds its own columns ``cols[i]`` and rows ``rows[i]``, whose bounds move with the
    plan k through ``B[i]``:

        year i:  f_i(k) = min c_i' x_i   s.t.  l_i - B_i k <= A_i x_i <= u_i - B_i k,

    so that the full LP is  min_k  c_P' k + sum_i f_i(k)  over the master's rows. Positions
    are into the assembled LP ``a``; ``plan`` are the plan's."""

    def __init__(self, m, blocks: list[str], split: Split):
        lp = m.lp
        lp.freeze_columns()
        self.a = a = lp.assemble()
        n_rows, n_cols = a.row_ids.size, a.col_ids.size
        er, ev = a.index.astype(np.int64), a.value  # the entries, column by column
        ec = np.repeat(np.arange(n_cols), np.diff(a.start))
        a.start = a.index = a.value = a.full_r = a.full_c = a.full_v = None  # load_full reads lp.entries()
        in_plan = np.zeros(lp.n_cols, dtype=bool)
        for b in lp.var_blocks:
            if b.name in blocks:
                in_plan[b.cols[b.cols >= 0]] = True
        plan = in_plan[a.col_ids]
        self.plan = np.flatnonzero(plan)
        plan_pos = np.full(n_cols, -1, dtype=np.int64)
        plan_pos[self.plan] = np.arange(self.plan.size)
        col_year = split.year_of[a.col_ids]
        if (col_year[~plan] < 0).any():
            raise AssertionError(f"columns without a year outside the plan {blocks}")
        own_entry = ~plan[ec]
        per_entry = col_year[ec[own_entry]]
        row_year = np.full(n_rows, -1, dtype=np.int64)
        row_year[er[own_entry]] = per_entry
        if (row_year[er[own_entry]] != per_entry).any():
            raise AssertionError(f"a row spans years outside the plan {blocks}")
        self.master_rows = np.flatnonzero(row_year < 0)
        row_pos = np.full(n_rows, -1, dtype=np.int64)
        row_pos[self.master_rows] = np.arange(self.master_rows.size)
        at = row_year[er] < 0
        self.M = _Sparse(row_pos[er[at]], plan_pos[ec[at]], ev[at], (self.master_rows.size, self.plan.size))
        n = len(m.md.years)
        own = np.flatnonzero(~plan)
        self.cols = [own[col_year[own] == i] for i in range(n)]
        self.rows = [np.flatnonzero(row_year == i) for i in range(n)]
        col_pos = np.full(n_cols, -1, dtype=np.int64)
        for i in range(n):
            row_pos[self.rows[i]] = np.arange(self.rows[i].size)
            col_pos[self.cols[i]] = np.arange(self.cols[i].size)
        entry_year = row_year[er]
        # a row of one own column (pv_gen <= cf x cap, soc <= E, ch <= P, ...: 39k of the automotive
        # year's 101k rows) is that column's bound once the plan is fixed: the years' LPs carry it as a
        # bound (a warm start skips HiGHS's presolve, which would have done the same)
        self.B, self.sub, self.single, self.kept, self.single_col, self.single_a, self.moved = [], [], [], [], [], [], []
        for i in range(n):
            mine = entry_year == i
            pl, ow = np.flatnonzero(mine & ~own_entry), np.flatnonzero(mine & own_entry)
            n_r = self.rows[i].size
            self.B.append(_Sparse(row_pos[er[pl]], plan_pos[ec[pl]], ev[pl], (n_r, self.plan.size)))
            r, c, v = row_pos[er[ow]], col_pos[ec[ow]], ev[ow]
            count = np.bincount(r, minlength=n_r)
            single_row = count == 1
            self.single.append(np.flatnonzero(single_row))
            self.kept.append(np.flatnonzero(~single_row))
            one = np.flatnonzero(single_row[r])
            order = np.argsort(r[one], kind="stable")  # by row, as self.single
            self.single_col.append(c[one][order])
            self.single_a.append(v[one][order])
            kept_pos = np.cumsum(~single_row) - 1
            rest = ~single_row[r]
            self.sub.append(_Sparse(kept_pos[r[rest]], c[rest], v[rest], (self.kept[i].size, self.cols[i].size)))
            moves = np.bincount(self.B[i].row, minlength=n_r) > 0
            self.moved.append(np.flatnonzero(moves[self.kept[i]]).astype(np.int32))  # kept rows whose bounds move with k
        block_of = np.empty(lp.n_cols, dtype=object)
        for b in lp.var_blocks:
            if b.name in blocks:
                block_of[b.cols[b.cols >= 0]] = b.name
        self.plan_block = block_of[a.col_ids[self.plan]]

    def plan_holds(self, k: np.ndarray, tol: float = 1e-7) -> bool:
        """Whether the plan ``k`` meets the master's rows (to ``tol`` of each row's scale)."""
        act = self.M.matvec(k)
        lo, hi = self.a.row_lower[self.master_rows], self.a.row_upper[self.master_rows]
        scale = 1.0 + np.abs(act)
        return bool(((act >= lo - tol * scale) & (act <= hi + tol * scale)).all())

    def row_bounds(self, i: int, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Year i's row bounds on the plan ``k`` (all its rows): l_i - B_i k, u_i - B_i k."""
        shift = self.B[i].matvec(k)
        rows = self.rows[i]
        return self.a.row_lower[rows] - shift, self.a.row_upper[rows] - shift

    def bounds(self, i: int, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Year i's LP bounds on the plan ``k``: its columns' (own bounds within those of its
        one-column rows) and its other rows'; and each one-column row's bounds on its column
        (col_lower, col_upper, row_lower, row_upper, single_lower, single_upper)."""
        lo, hi = self.row_bounds(i, k)
        single, a = self.single[i], self.single_a[i]
        sl = np.where(a > 0, lo[single], hi[single]) / a
        su = np.where(a > 0, hi[single], lo[single]) / a
        cl, cu = self.set_bounds(i, sl, su)
        near = (cl > cu) & (cl - cu <= 1e-9 * np.maximum(1.0, np.abs(cl)))  # crossed by rounding only
        cu = np.where(near, cl, cu)
        return cl, cu, lo[self.kept[i]], hi[self.kept[i]], sl, su

    def set_bounds(self, i: int, sl: np.ndarray, su: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Year i's column bounds as its own bounds and its one-column rows' set them: the
        tightest of the pieces (not evened where rounding crossed them)."""
        lo, hi = self.a.col_lower[self.cols[i]].copy(), self.a.col_upper[self.cols[i]].copy()
        np.maximum.at(lo, self.single_col[i], sl)
        np.minimum.at(hi, self.single_col[i], su)
        return lo, hi

    def setting_row(self, i: int, side: np.ndarray, mine: np.ndarray, bound: np.ndarray) -> np.ndarray:
        """For each of year i's columns, the one-column row (index into ``single[i]``; -1: none)
        whose bound ``mine`` is the column's ``bound``, among the rows of columns where
        ``side``; the first such row where there is a tie."""
        col = self.single_col[i]
        cand = np.flatnonzero(side[col] & (mine == bound[col]) & np.isfinite(mine))
        cols, first = np.unique(col[cand], return_index=True)
        out = np.full(bound.size, -1, dtype=np.int64)
        out[cols] = cand[first]
        return out

    def single_duals(self, i: int, d: np.ndarray, sl: np.ndarray, su: np.ndarray) -> np.ndarray:
        """The duals of year i's one-column rows from its columns' reduced costs ``d``: a row
        whose bound is its column's active bound (lower when d > 0, upper when d < 0) takes
        d / a, one row per column (a tie with another row or the own bound: any split is an
        optimal dual); the others 0."""
        lo, hi = self.set_bounds(i, sl, su)
        y = np.zeros(self.single_col[i].size)
        for side, mine, bound in ((d > 0, sl, lo), (d < 0, su, hi)):
            pick = self.setting_row(i, side, mine, bound)
            pick = pick[pick >= 0]
            y[pick] = d[self.single_col[i][pick]] / self.single_a[i][pick]
        return y

    def feasibility_cut(self, i: int, h, k: np.ndarray, sl: np.ndarray, su: np.ndarray) -> tuple[np.ndarray, float] | None:
        """A cut alpha' k >= beta that every plan on which year i can run meets and ``k`` does
        not, from HiGHS's proof that year i cannot run on ``k`` (its dual ray y, Farkas): for x
        within its column bounds and A x within the row bounds, z = A'y must reach

            sum_j max(z_j cl_j(k), z_j cu_j(k))  >=  sum_r (y_r > 0 ? y_r L_r(k) : y_r U_r(k)),

        the row bounds L_r(k) = L_r - B_r k and so on, each column bound taken from the piece
        that sets it at ``k`` (its own bound, or a one-column row's: a column bound is the
        tightest of its pieces, so the inequality with that piece is implied). None when
        HiGHS has no ray, a bound it needs is infinite, or the cut would not cut ``k`` off. Only
        for a warm solve (the caller's ``warm``): after a cold one, presolve found the
        infeasibility, and HiGHS would solve the LP again without presolve to find a ray (95 s
        on the dyeing plant's year, against 0.01 s for a ray the simplex found)."""
        try:
            _, has_ray, ray = h.getDualRay()
        except (TypeError, ValueError):
            return None
        if not has_ray:
            return None
        rows = self.rows[i]
        y = np.zeros(rows.size)
        y[self.kept[i]] = np.asarray(ray)
        lo0, hi0 = self.a.row_lower[rows], self.a.row_upper[rows]
        pos, neg = y > 0, y < 0
        if not (np.isfinite(lo0[pos]).all() and np.isfinite(hi0[neg]).all()):
            return None
        beta = float(y[pos] @ lo0[pos] + y[neg] @ hi0[neg])  # the rows' side: beta - (B'y)' k
        alpha = self.B[i].rmatvec(y)  # moved to the left: + (B'y)' k
        z = self.sub[i].rmatvec(np.asarray(ray))
        a = self.single_a[i]
        own_lo, own_hi = self.a.col_lower[self.cols[i]], self.a.col_upper[self.cols[i]]
        cl, cu = self.set_bounds(i, sl, su)
        w = np.zeros(rows.size)  # the one-column rows whose bound is used, with weight z_j / a
        const = 0.0
        for side, bound, own, mine, pick_bound in ((z > 0, cu, own_hi, su, "upper"), (z < 0, cl, own_lo, sl, "lower")):
            j = np.flatnonzero(side)
            from_row = self.setting_row(i, side, mine, bound)
            by_own = j[(from_row[j] < 0) | (own[j] == bound[j])]
            if not np.isfinite(own[by_own]).all():
                return None
            const += float(z[by_own] @ own[by_own])
            by_row = j[(from_row[j] >= 0) & (own[j] != bound[j])]
            r = from_row[by_row]
            row_bound0 = np.where((a[r] > 0) == (pick_bound == "upper"), hi0[self.single[i][r]], lo0[self.single[i][r]])
            if not np.isfinite(row_bound0).all():
                return None
            const += float(z[by_row] @ (row_bound0 / a[r]))
            np.add.at(w, self.single[i][r], z[by_row] / a[r])
        alpha = alpha - self.B[i].rmatvec(w)  # the columns' side: const - (B'w)' k
        beta -= const
        if alpha @ k >= beta - 1e-9 * max(1.0, abs(beta)):  # not violated at k: not a proof this cut can use
            return None
        return alpha, beta

    def arrays(self, i: int, bounds: tuple) -> tuple:
        """Year i's LP with ``bounds`` (``bounds(i, k)``): (cost, col_lower, col_upper,
        row_lower, row_upper, start, index, value), its one-column rows as column bounds."""
        return (self.a.cost[self.cols[i]], *bounds[:4], *self.sub[i].csc())

    def plan_vector(self, lp, plan: dict[str, np.ndarray]) -> np.ndarray:
        """The plan ``plan`` (block name -> values shaped as the block) as k, within the plan
        columns' bounds."""
        full = np.zeros(lp.n_cols)
        for b in lp.var_blocks:
            if b.name in plan:
                present = b.cols >= 0
                full[b.cols[present]] = plan[b.name][present]
        P = self.a.col_ids[self.plan]
        return np.clip(full[P], self.a.col_lower[self.plan], self.a.col_upper[self.plan])


class _Master:
    """The Benders master: min c_P' k + sum_i theta_i over the master's rows and the cuts
    theta_i >= f_i(k0) + g_i' (k - k0), in a box or over the plan's own bounds."""

    def __init__(self, d: Decomposition, n_years: int):
        import highspy

        a, P = d.a, d.plan
        self.n_plan, self.lower, self.upper = P.size, a.col_lower[P], a.col_upper[P]
        lp = highspy.HighsLp()
        lp.num_col_ = P.size + n_years
        lp.num_row_ = d.master_rows.size
        lp.col_cost_ = np.r_[a.cost[P], np.ones(n_years)]
        lp.col_lower_ = np.r_[self.lower, np.full(n_years, -highspy.kHighsInf)]
        lp.col_upper_ = np.r_[self.upper, np.full(n_years, highspy.kHighsInf)]
        lp.row_lower_ = a.row_lower[d.master_rows]
        lp.row_upper_ = a.row_upper[d.master_rows]
        start, index, value = d.M.csc()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.r_[start, np.full(n_years, start[-1])]
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        self.h = h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("random_seed", 0)
        h.passModel(lp)
        self.idx = np.arange(P.size, dtype=np.int32)

    def cut(self, i: int, f: float, g: np.ndarray, k0: np.ndarray) -> None:
        """theta_i - g' k >= f - g' k0 (g: d f_i / d k at k0)."""
        nz = np.flatnonzero(g)
        self.h.addRow(float(f - g @ k0), np.inf, nz.size + 1, np.r_[nz, self.n_plan + i].astype(np.int32),
                      np.r_[-g[nz], 1.0])

    def feasibility_cut(self, alpha: np.ndarray, beta: float) -> None:
        """alpha' k >= beta (``Decomposition.feasibility_cut``)."""
        nz = np.flatnonzero(alpha)
        self.h.addRow(float(beta), np.inf, nz.size, nz.astype(np.int32), alpha[nz])

    def solve(self, lower: np.ndarray, upper: np.ndarray) -> tuple[bool, np.ndarray | None, float]:
        """Solve within [lower, upper] on the plan: (optimal, k, objective)."""
        import highspy

        self.h.changeColsBounds(self.n_plan, self.idx, lower, upper)
        self.h.clearSolver()  # a few hundred columns: from scratch (a warm start after new bounds can end 'unknown')
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False, None, -np.inf
        x = np.asarray(self.h.getSolution().col_value)
        return True, np.clip(x[:self.n_plan], lower, upper), float(self.h.getInfo().objective_function_value)


class _Years:
    """The years' subproblems, kept alive between rounds. A new plan moves only row bounds, so
    the dual simplex can start from the last basis, but on the LP as it is: HiGHS's presolve
    only runs on a cold start, and without it an iteration costs about 9x as much (the
    battery-cell plant's year: 530 us against 59 us). So a warm start may take at most the
    iterations that a cold start's time buys at the last warm rate; beyond them the year is
    solved cold (presolve, then the simplex from scratch)."""

    def __init__(self, d: Decomposition, opts: SolverOptions, workers: int, keep: bool = True):
        self.d, self.opts, self.workers, self.keep = d, opts, workers, keep  # keep: the instances for another round
        n = len(d.rows)
        self.h: list = [None] * n
        self.seconds = np.zeros(n)
        self.cold_s = np.zeros(n)  # the last cold solve of each year, seconds
        self.warm_s_per_it = np.full(n, np.nan)  # the last warm solve's seconds per iteration
        self.last_warm = np.zeros(n, dtype=bool)  # whether each year's last answer came from a warm solve

    def _run(self, i: int, h, deadline: float | None, warm: bool) -> SolveStatus:
        import highspy

        if deadline is not None:  # HiGHS measures time_limit against all of this instance's runs so far
            h.setOptionValue("time_limit", h.getRunTime() + max(1e-3, deadline - time.perf_counter()))
        if warm:
            rate = self.warm_s_per_it[i] if np.isfinite(self.warm_s_per_it[i]) else 0.0
            h.setOptionValue("simplex_iteration_limit", int(self.cold_s[i] / rate) + 100 if rate > 0 else 2**31 - 1)
        t = time.perf_counter()
        h.run()
        dt = time.perf_counter() - t
        self.seconds[i] += dt
        iterations = h.getInfo().simplex_iteration_count
        if warm:
            h.setOptionValue("simplex_iteration_limit", 2**31 - 1)
            if iterations > 50:
                self.warm_s_per_it[i] = dt / iterations
            if h.getModelStatus() == highspy.HighsModelStatus.kIterationLimit:  # cheaper cold from here
                h.clearSolver()
                return self._run(i, h, deadline, warm=False)
            self.last_warm[i] = True
        else:
            self.cold_s[i] = dt
            self.last_warm[i] = False
        return _status_name(h)

    def one(self, i: int, k: np.ndarray, deadline: float | None):
        d = self.d
        warm = self.h[i] is not None
        bounds = cl, cu, rl, ru, sl, su = d.bounds(i, k)
        if not warm:
            self.h[i] = _highs_model(self.opts, *d.arrays(i, bounds), np.zeros(0, dtype=int), HOURLY_YEAR_DISPATCH)
        else:
            mv = d.moved[i]
            self.h[i].changeRowsBounds(mv.size, mv, rl[mv], ru[mv])
            self.h[i].changeColsBounds(cl.size, np.arange(cl.size, dtype=np.int32), cl, cu)
        h = self.h[i]
        self.method = _option(h, "solver")
        status = self._run(i, h, deadline, warm)
        if status == SolveStatus.INFEASIBLE:  # a feasibility cut, if the simplex proved it (the 5th slot)
            return status, None, None, None, d.feasibility_cut(i, h, k, sl, su) if self.last_warm[i] else None
        if status != SolveStatus.OPTIMAL:
            return status, None, None, None, None
        sol = h.getSolution()
        y = np.zeros(d.rows[i].size)
        y[d.kept[i]] = np.asarray(sol.row_dual)
        y[d.single[i]] = d.single_duals(i, np.asarray(sol.col_dual), sl, su)
        f = float(h.getInfo().objective_function_value)
        if not self.keep:  # one round only ('plan'): at most ``workers`` years in memory at once
            self.h[i] = None
        return status, f, -d.B[i].rmatvec(y), np.asarray(sol.col_value), y

    def evaluate(self, k: np.ndarray, deadline: float | None):
        """Each year on the plan k, ``workers`` at a time (HiGHS releases the GIL)."""
        n = len(self.h)
        with concurrent.futures.ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(lambda i: self.one(i, k, deadline), range(n)))


def _release_freed_memory() -> None:
    """Hand the heap's freed pages back to the system (glibc's malloc_trim; nothing elsewhere):
    numpy's freed temporaries otherwise stay in the process's resident memory, and its peak."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def solve_by_year(m, plan: dict[str, np.ndarray], opts: SolverOptions, split: Split, want_duals=(),
                  progress=None, deadline: float | None = None, rounds: int | None = None) -> SolveOutcome | None:
    """Solve the full-hourly model ``m`` by Benders decomposition over its plan (the blocks of
    ``plan``; ``Decomposition``), starting from the values in ``plan``:

    * each round solves every year on the current plan k (dual simplex, warm from the last
      round), which gives an upper bound F(k) = c_P' k + sum_i f_i(k) (a feasible point of
      the full LP) and a cut per year, f_i(k') >= f_i(k) + g_i' (k' - k), g_i = -B_i' y_i
      with y_i the year's row duals;
    * the master over the cuts, on the plan's own bounds, gives a lower bound on the full
      LP's optimum once it is bounded; the next plan is the master's optimum within a box
      around the centre (the last plan whose step paid; grown when the master presses on it, shrunk when a step
      costs more), so that early rounds do not jump to plans the cuts know nothing about;
    * it stops when (best - lower bound) <= ``BENDERS_GAP`` x |best|: the answer is then the
      full LP's optimum to that gap, proved. ``rounds`` caps the rounds (1: the start plan
      only, the typical-day plan as it is); at the cap or the deadline the best point is
      returned with the gap proved so far (None when no bound was found).

    Load the best point into ``m`` and return the outcome (objective: the full LP's objective
    there). None when a year has no optimum on the start plan (the caller then solves the
    full LP); a deadline (``time.perf_counter()`` seconds) reached before the first round
    ends is a TIME_LIMIT outcome. ``progress(text)`` hears of each round."""
    t0 = time.perf_counter()
    years = list(m.md.years)
    d = Decomposition(m, list(plan), split)
    _release_freed_memory()  # the assembly's temporaries, before the years' HiGHS instances take their share
    lp, a = m.lp, d.a
    k0 = d.plan_vector(lp, plan)
    if not d.plan_holds(k0):  # the plan breaks a row of plan columns alone (e.g. a limit the typical days lack)
        return None
    scale = np.ones(d.plan.size)  # a tenth of each block's largest start value (of the plan's, for a block all 0)
    overall = float(np.abs(k0).max(initial=0.0)) or 1.0
    for name in set(d.plan_block):
        sel = d.plan_block == name
        scale[sel] = 0.1 * (float(np.abs(k0[sel]).max(initial=0.0)) or overall)
    workers = max(1, min(len(years), int(opts.threads) if opts.threads else min(2, os.cpu_count() or 1)))
    subs = _Years(d, opts, workers, keep=rounds != 1)
    master = _Master(d, len(years))
    t1 = time.perf_counter()
    cost_plan = a.cost[d.plan]
    say = progress or (lambda text: None)

    def evaluate(k):
        nonlocal feasibility_cuts
        res = subs.evaluate(k, deadline)
        statuses = [r[0] for r in res]
        for i, r in enumerate(res):  # a year solved gives a valid cut even when another year failed on k
            if r[0] == SolveStatus.OPTIMAL:
                master.cut(i, r[1], r[2], k)
            elif r[0] == SolveStatus.INFEASIBLE and r[4] is not None:
                master.feasibility_cut(*r[4])
                feasibility_cuts += 1
        if any(s != SolveStatus.OPTIMAL for s in statuses):
            return (SolveStatus.TIME_LIMIT if SolveStatus.TIME_LIMIT in statuses else SolveStatus.INFEASIBLE), None, res
        return SolveStatus.OPTIMAL, float(cost_plan @ k + sum(r[1] for r in res) + a.obj_const), res

    feasibility_cuts = 0
    status, upper, res = evaluate(k0)
    if status == SolveStatus.TIME_LIMIT:
        return SolveOutcome(SolveStatus.TIME_LIMIT, None, {}, {"translate": t1 - t0, "solve": time.perf_counter() - t1},
                            "time limit in a year's solve")
    if status != SolveStatus.OPTIMAL:
        return None
    start_objective = upper
    best_k, best = k0, [(r[3], r[4]) for r in res]
    center, f_center, delta = k0, upper, DELTA0
    lower, n_round, infeasible_steps, stop = -np.inf, 1, 0, "gap"
    limit = MAX_ROUNDS if rounds is None else rounds
    say(f"hourly: {len(years)} year{'s' if len(years) > 1 else ''} solved on the typical-day plan")
    while True:
        ok, _, value = master.solve(master.lower, master.upper)
        if ok:
            lower = max(lower, value + a.obj_const)
        gap = (upper - lower) / max(1.0, abs(upper))
        if gap <= BENDERS_GAP:
            break
        if n_round >= limit:
            stop = "rounds"
            break
        if deadline is not None and time.perf_counter() >= deadline:
            stop = "time limit"
            break
        width = delta * np.maximum(np.abs(center), scale)
        lo, hi = np.maximum(master.lower, center - width), np.minimum(master.upper, center + width)
        ok, k, predicted = master.solve(lo, hi)
        if not ok:
            stop = "master"
            break
        predicted += a.obj_const
        pressed = bool(((np.isclose(k, lo) & (lo > master.lower)) | (np.isclose(k, hi) & (hi < master.upper))).any())
        n_round += 1
        status, value, res = evaluate(k)
        if status == SolveStatus.TIME_LIMIT:
            stop = "time limit"
            break
        if status != SolveStatus.OPTIMAL:  # a year cannot run on k: its feasibility cut (if any) and a smaller box
            infeasible_steps += 1  # (the cut alone, without the smaller box: 59 rounds on the cement plant's year, not 22)
            delta /= 4
            continue
        if value < upper:
            upper, best_k, best = value, k, [(r[3], r[4]) for r in res]
        if value <= f_center - 0.1 * (f_center - predicted):  # a step that pays: move there
            center, f_center = k, value
            if pressed:
                delta *= 2
        elif value > f_center:
            delta = max(delta / 2, 1e-6)
        say(f"hourly: refining the plan, round {n_round}, proven gap {gap:.2e}")
    t2 = time.perf_counter()
    full = np.clip(np.zeros(lp.n_cols), lp.col_lb, lp.col_ub)  # unreferenced columns: the bound nearest 0
    full[lp.fixed] = lp.col_lb[lp.fixed]
    full[a.col_ids[d.plan]] = best_k
    y_row = np.zeros(a.row_ids.size)
    for i, (x, y) in enumerate(best):
        full[a.col_ids[d.cols[i]]] = x
        y_row[d.rows[i]] = y
    lp.load_full(full)
    new_row = np.full(lp.n_rows, -1, dtype=np.int64)
    new_row[a.row_ids] = np.arange(a.row_ids.size)
    duals = {}
    for con in want_duals:
        for ref in con.values():
            i = new_row[ref.row] if ref.row >= 0 else -1
            duals[ref] = float(y_row[i]) if i >= 0 else 0.0
    gap = (upper - lower) / max(1.0, abs(upper))
    secs = {"translate": t1 - t0, "solve": t2 - t1, "load": time.perf_counter() - t2}
    info = {"years": len(years), "linking_blocks": list(plan), "workers": workers, "rounds": n_round,
            "start_objective": start_objective, "lower_bound": None if not np.isfinite(lower) else lower,
            "proven_gap": None if not np.isfinite(gap) else max(0.0, gap), "stopped_by": stop,
            "infeasible_steps": infeasible_steps, "feasibility_cuts": feasibility_cuts,
            "year_solve_s": {str(y): round(float(s), 3) for y, s in zip(years, subs.seconds)}}
    return SolveOutcome(SolveStatus.OPTIMAL, upper, duals, secs, method=subs.method, decomposition=info)


def plan_twin(loaded):
    """``loaded`` on typical days (``time.mode: representative_days``, its own number of
    days): the model whose investment plan the hourly years run on."""
    s = loaded.scenario
    time_ = s.time.model_copy(update={"mode": "representative_days"})
    data = {**loaded.data, "time": {**loaded.data.get("time", {}), "mode": "representative_days"}}
    return dataclasses.replace(loaded, scenario=s.model_copy(update={"time": time_}), data=data,
                               sha256=f"{loaded.sha256}|representative_days")


def solve_on_plan(loaded, m, opts: SolverOptions, want_duals=(), probes=None, progress=None) -> SolveOutcome | None:
    """Solve the full-hourly model ``m`` of ``loaded`` by years under the investment plan of its
    typical-day twin (``plan_twin``), as it is or refined by Benders (``method_for``); the
    twin's own probes ``probes(model, md)`` give the marginal abatement costs (their
    objectives shifted by the hourly run's, so that each MAC is the typical-day model's
    derivative). None when the plan cannot be used, or when 'auto' Benders did not close its
    gap within ``AUTO_ROUNDS``: the caller solves the full LP."""
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
    blocks = plan_blocks(m, split)
    plan = plan_of(plan_model, blocks, m)
    del plan_model  # its values are in plan: the years' solves need the memory
    if plan is None:
        say(f"the typical days cannot give {', '.join(blocks)}: solving the full hourly LP")
        return None
    kind = method_for(m, opts)
    out = solve_by_year(m, plan, opts, split, want_duals, progress, deadline,
                        1 if kind == "plan" else AUTO_ROUNDS if opts.decompose == "auto" else None)
    if out is None:
        say("the typical-day plan cannot be used (a year cannot run on it, or it breaks a row of the plan): "
            "solving the full hourly LP")
    if out is None or out.status != SolveStatus.OPTIMAL:
        return out
    if opts.decompose == "auto" and kind == "benders" and out.decomposition["stopped_by"] in ("rounds", "master"):
        say(f"the decomposition stopped at a proven gap of {out.decomposition['proven_gap']}: solving the full hourly LP")
        return None  # 'auto' promises one hourly year its optimum: the full LP gives it
    out.seconds = {"plan": t_plan, **out.seconds}
    out.probe_objectives = {y: None if z is None else z - plan_out.objective + out.objective
                            for y, z in plan_out.probe_objectives.items()}
    out.decomposition.update(method=kind, plan_days=int(md_plan.n_periods), plan_objective=plan_out.objective)
    return out
