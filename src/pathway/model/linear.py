"""A linear program assembled directly as sparse arrays: the pieces ``model.direct`` builds
the pathway LP from, and the small read-only view of the solution that results, checks
and probes use (the same names and indices as the Pyomo model of ``pathway.model``).

Columns and rows are added in blocks over index axes (e.g. years x periods x hours),
their coefficients as broadcast numpy arrays, so an hourly constraint group is a handful
of array operations instead of one Python expression per hour. No Pyomo here: importing
and building this costs a fraction of the Pyomo model and its standard-form compilation.

Conventions (as Pyomo's standard-form compiler does them, so that both routes hand
HiGHS the same LP):

* a fixed variable is not a column: its value times its coefficients moves into the row
  bounds and the objective constant;
* a declared variable that no row and no cost refers to is not a column (its value is
  its bound nearest 0);
* a row whose coefficients are all zero is not a row: it holds or not by its constant
  (``LinearProgram.trivially_infeasible`` says which first does not);
* coefficients of the same (row, column) add up; zero coefficients are dropped.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

INF = math.inf


def value(x) -> float:
    """The value of ``x``: a number (what this module's views return), or a Pyomo component
    (the reference model; Pyomo is imported only then)."""
    if isinstance(x, (int, float)):
        return float(x)
    from pyomo.core import value as pyomo_value

    return pyomo_value(x)


@dataclass
class Lin:
    """A linear form sum_i a_i x[col_i] + const over the LP's columns (yearly expressions)."""

    cols: list = field(default_factory=list)  # arrays of column ids
    coefs: list = field(default_factory=list)  # arrays of coefficients, same shapes
    const: float = 0.0

    @staticmethod
    def of(cols, coefs=1.0, const: float = 0.0) -> Lin:
        c = np.asarray(cols)
        return Lin([c.ravel()], [np.broadcast_to(np.asarray(coefs, dtype=float), c.shape).ravel()], float(const))

    def __add__(self, other) -> Lin:
        if isinstance(other, Lin):
            return Lin(self.cols + other.cols, self.coefs + other.coefs, self.const + other.const)
        return Lin(list(self.cols), list(self.coefs), self.const + float(other))

    __radd__ = __add__

    def __mul__(self, k) -> Lin:
        k = float(k)
        return Lin(list(self.cols), [a * k for a in self.coefs], self.const * k)

    __rmul__ = __mul__

    def __neg__(self) -> Lin:
        return self * -1.0

    def __sub__(self, other) -> Lin:
        return self + (-other if isinstance(other, Lin) else -float(other))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(self.cols).astype(np.int64), np.concatenate(self.coefs)

    def evaluate(self, x: np.ndarray) -> float:
        c, a = self.arrays()
        return float(a @ x[c]) + self.const if c.size else self.const


class Axes:
    """Index axes of a block: labels per axis, and how many key parts each label takes
    (a (heater, load) pair is one label of two parts)."""

    def __init__(self, axes: list, arity: list[int] | None = None):
        self.labels = [list(a) for a in axes]
        self.arity = arity or [1] * len(axes)
        self.pos = [{lab: i for i, lab in enumerate(a)} for a in self.labels]
        self.shape = tuple(len(a) for a in self.labels)

    def locate(self, key) -> tuple | None:
        key = key if isinstance(key, tuple) else (key,)
        out, i = [], 0
        for pos, n in zip(self.pos, self.arity):
            lab = key[i] if n == 1 else tuple(key[i:i + n])
            i += n
            j = pos.get(lab)
            if j is None:
                return None
            out.append(j)
        return tuple(out) if i == len(key) else None

    def keys(self):
        """(flat key, position) over all positions, in order."""
        for combo in itertools.product(*[range(n) for n in self.shape]):
            parts = []
            for ax, n, j in zip(self.labels, self.arity, combo):
                lab = ax[j]
                parts.extend(lab if n > 1 else (lab,))
            yield (parts[0] if len(parts) == 1 else tuple(parts)), combo


class VarArray:
    """A block of variables: ``cols`` (column ids, -1 where the index does not exist), a
    value per column once solved. ``v[key]`` is the value; ``v.col(key)`` the column."""

    def __init__(self, lp: LinearProgram, name: str, axes: Axes, cols: np.ndarray, offset: int,
                 lb: np.ndarray, ub: np.ndarray, fixed: np.ndarray):
        self.lp, self.name, self.axes, self.cols = lp, name, axes, cols
        self.offset, self._lb, self._ub, self._fixed = offset, lb, ub, fixed  # this block's own (writable) arrays

    def col(self, key) -> int:
        pos = self.axes.locate(key)
        if pos is None or self.cols[pos] < 0:
            raise KeyError(f"{self.name}[{key}]")
        return int(self.cols[pos])

    def __getitem__(self, key) -> float:
        return float(self.lp.x[self.col(key)])

    def ref(self, key) -> ColRef:
        """A handle on one variable (its column), the same object for the same key."""
        refs = self.__dict__.setdefault("_refs", {})
        if key not in refs:
            refs[key] = ColRef(self, key, self.col(key))
        return refs[key]

    def __contains__(self, key) -> bool:
        pos = self.axes.locate(key)
        return pos is not None and self.cols[pos] >= 0

    def __len__(self) -> int:
        return int((self.cols >= 0).sum())

    def extract_values(self) -> dict:
        x = self.lp.x
        return {k: float(x[self.cols[pos]]) for k, pos in self.axes.keys() if self.cols[pos] >= 0}

    def values_array(self) -> np.ndarray:
        """Values shaped as the axes (0 where an index does not exist)."""
        return np.where(self.cols >= 0, self.lp.x[np.maximum(self.cols, 0)], 0.0)

    def _local(self, mask) -> tuple[np.ndarray, np.ndarray]:
        m = np.broadcast_to(np.asarray(mask, dtype=bool), self.cols.shape) & (self.cols >= 0)
        return m, self.cols[m] - self.offset

    def fix(self, mask, val: float = 0.0) -> None:
        """Fix the variables where ``mask`` (broadcast to the axes) is true at ``val`` (also
        after ``freeze_columns``: the LP's own arrays too)."""
        _, i = self._local(mask)
        self._lb[i] = val
        self._ub[i] = val
        self._fixed[i] = True
        if self.lp._frozen:
            c = i + self.offset
            self.lp.col_lb[c] = val
            self.lp.col_ub[c] = val
            self.lp.fixed[c] = True

    def set_ub(self, mask, ub) -> None:
        """Upper bound ``ub`` (broadcast to the axes) where ``mask`` is true (also after
        ``freeze_columns``)."""
        m, i = self._local(mask)
        self._ub[i] = np.broadcast_to(np.asarray(ub, dtype=float), self.cols.shape)[m]
        if self.lp._frozen:
            self.lp.col_ub[i + self.offset] = self._ub[i]


@dataclass(eq=False)
class ColRef:
    """One variable of a VarArray, by its column (what the MAC probes fix)."""

    var: VarArray
    key: object
    col: int


@dataclass(eq=False)
class RowRef:
    """One constraint of a ConArray: its body's value once solved (constants included, as
    in the written relation), its bounds, and the LP row (-1: constant, not in the LP)."""

    con: ConArray
    key: object
    row: int
    const: float
    lower: float | None
    upper: float | None
    active: bool = True  # as Pyomo's ConstraintData.active (rows here are never deactivated)

    @property
    def body(self) -> float:
        lp = self.con.lp
        if self.row >= 0:
            return float(lp.activity[self.row]) + self.const
        return self.const

    def has_ub(self) -> bool:
        return self.upper is not None

    def has_lb(self) -> bool:
        return self.lower is not None

    @property
    def name(self) -> str:
        return f"{self.con.name}[{self.key}]"


class ConArray:
    """A block of constraints by key: ``c[key]`` is a RowRef, ``key in c``, ``c.values()``."""

    def __init__(self, lp: LinearProgram, name: str):
        self.lp, self.name = lp, name
        self.refs: dict = {}

    def __getitem__(self, key) -> RowRef:
        return self.refs[key]

    def __contains__(self, key) -> bool:
        return key in self.refs

    def __len__(self) -> int:
        return len(self.refs)

    def values(self):
        return self.refs.values()


class ExprArray:
    """Yearly linear expressions by key: ``e[key]`` is the value once solved."""

    def __init__(self, lp: LinearProgram, name: str, forms: dict):
        self.lp, self.name, self.forms = lp, name, forms

    def __getitem__(self, key) -> float:
        return self.forms[key].evaluate(self.lp.x)

    def lin(self, key) -> Lin:
        return self.forms[key]


class LinearProgram:
    """Columns, rows and costs of an LP over a full column space (fixed variables included);
    ``assemble`` makes the arrays HiGHS takes (fixed and unreferenced columns left out)."""

    def __init__(self, name: str):
        self.name = name
        self.n_cols = 0
        self.n_rows = 0
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._fix: list[np.ndarray] = []
        self.var_blocks: list[VarArray] = []
        self._r: list[np.ndarray] = []
        self._c: list[np.ndarray] = []
        self._v: list[np.ndarray] = []
        self._lo: list[np.ndarray] = []
        self._hi: list[np.ndarray] = []
        self._const: list[np.ndarray] = []  # constant of each row's body (moved into its bounds)
        self._cost_c: list[np.ndarray] = []
        self._cost_v: list[np.ndarray] = []
        self.cost_const = 0.0
        self.n_var_entries = 0
        self.n_con_entries = 0
        self.x_full: np.ndarray | None = None
        self.trivially_infeasible: str | None = None
        self._frozen = False

    # -- columns ---------------------------------------------------------------------------
    def add_vars(self, name: str, axes: list, lb=0.0, ub=INF, arity: list[int] | None = None,
                 present=None, integer: bool = False) -> VarArray:
        ax = Axes(axes, arity)
        shape = ax.shape
        mask = np.ones(shape, dtype=bool) if present is None else np.broadcast_to(np.asarray(present, dtype=bool), shape)
        n = int(mask.sum())
        cols = np.full(shape, -1, dtype=np.int64)
        cols[mask] = np.arange(self.n_cols, self.n_cols + n)
        offset = self.n_cols
        self.n_cols += n
        lbs = np.array(np.broadcast_to(np.asarray(lb, dtype=float), shape)[mask])
        ubs = np.array(np.broadcast_to(np.asarray(ub, dtype=float), shape)[mask])
        fixed = np.zeros(n, dtype=bool)
        self._lb.append(lbs)
        self._ub.append(ubs)
        self._fix.append(fixed)
        self._int.append(np.full(n, integer))
        self.n_var_entries += n
        block = VarArray(self, name, ax, cols, offset, lbs, ubs, fixed)
        self.var_blocks.append(block)
        return block

    def column_keys(self) -> list:
        """(block name, index key) of every column id, as Pyomo names its variables."""
        out: list = [None] * self.n_cols
        for b in self.var_blocks:
            for key, pos in b.axes.keys():
                if b.cols[pos] >= 0:
                    out[b.cols[pos]] = (b.name, key)
        return out

    def freeze_columns(self) -> None:
        """Concatenate the column arrays of all blocks (after the last variable is added)."""
        if self._frozen:
            return
        self.col_lb = np.concatenate(self._lb) if self._lb else np.zeros(0)
        self.col_ub = np.concatenate(self._ub) if self._ub else np.zeros(0)
        self.col_int = np.concatenate(self._int) if self._int else np.zeros(0, dtype=bool)
        self.fixed = np.concatenate(self._fix) if self._fix else np.zeros(0, dtype=bool)
        self._frozen = True

    # -- rows ------------------------------------------------------------------------------
    def add_rows(self, shape: tuple, terms: list, lo=-INF, hi=INF, present=None, const=0.0) -> np.ndarray:
        """Rows over ``shape`` (where ``present``): lo <= sum of ``terms`` [(coef, cols)] <= hi,
        each term broadcast to ``shape`` (a column id < 0 or a zero coefficient adds
        nothing); ``const`` is the constant of the written relation's body, moved into lo and
        hi by the caller (kept for the row's body value). Returns the row ids (-1: absent)."""
        mask = np.ones(shape, dtype=bool) if present is None else np.broadcast_to(np.asarray(present, dtype=bool), shape)
        n = int(mask.sum())
        rows = np.full(shape, -1, dtype=np.int64)
        rows[mask] = np.arange(self.n_rows, self.n_rows + n)
        self.n_rows += n
        for coef, cols in terms:
            c = np.broadcast_to(np.asarray(cols), shape)
            a = np.broadcast_to(np.asarray(coef, dtype=float), shape)
            keep = mask & (c >= 0) & (a != 0)
            self._r.append(rows[keep])
            self._c.append(c[keep])
            self._v.append(a[keep])
        self._lo.append(np.broadcast_to(np.asarray(lo, dtype=float), shape)[mask])
        self._hi.append(np.broadcast_to(np.asarray(hi, dtype=float), shape)[mask])
        self._const.append(np.broadcast_to(np.asarray(const, dtype=float), shape)[mask])
        self.n_con_entries += n
        return rows

    def add_row_lin(self, con: ConArray, key, lin: Lin, lower: float | None, upper: float | None) -> RowRef:
        """One row ``lower <= lin <= upper`` (lin's constant moves into the bounds)."""
        cols, coefs = lin.arrays()
        r = self.n_rows
        self.n_rows += 1
        self._r.append(np.full(cols.size, r, dtype=np.int64))
        self._c.append(cols)
        self._v.append(coefs)
        self._lo.append(np.array([-INF if lower is None else lower - lin.const]))
        self._hi.append(np.array([INF if upper is None else upper - lin.const]))
        self._const.append(np.array([lin.const]))
        self.n_con_entries += 1
        ref = RowRef(con, key, r, lin.const, lower, upper)
        con.refs[key] = ref
        return ref

    # -- costs -----------------------------------------------------------------------------
    def add_cost(self, cols, coefs) -> None:
        c = np.asarray(cols)
        a = np.broadcast_to(np.asarray(coefs, dtype=float), c.shape)
        keep = c >= 0
        self._cost_c.append(c[keep].ravel())
        self._cost_v.append(a[keep].ravel())

    def add_cost_lin(self, lin: Lin, k: float = 1.0) -> None:
        cols, coefs = lin.arrays()
        self._cost_c.append(cols)
        self._cost_v.append(coefs * k)
        self.cost_const += lin.const * k

    # -- the LP HiGHS takes ----------------------------------------------------------------
    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every coefficient added, as (row, column, value) arrays in the order added (fixed
        columns, duplicates and zeros included)."""
        r = np.concatenate(self._r) if self._r else np.zeros(0, dtype=np.int64)
        c = np.concatenate(self._c) if self._c else np.zeros(0, dtype=np.int64)
        v = np.concatenate(self._v) if self._v else np.zeros(0)
        return r, c, v

    def assemble(self) -> Assembled:
        """The LP without fixed and unreferenced columns and without empty rows: column-wise
        sparse matrix, bounds, costs, and the maps back to the full column / row space."""
        self.freeze_columns()
        n, m = self.n_cols, self.n_rows
        r, c, v = self.entries()
        lo = np.concatenate(self._lo) if self._lo else np.zeros(0)
        hi = np.concatenate(self._hi) if self._hi else np.zeros(0)
        self.row_const = np.concatenate(self._const) if self._const else np.zeros(0)
        cost = (np.bincount(np.concatenate(self._cost_c).astype(np.int64), np.concatenate(self._cost_v), minlength=n)
                if self._cost_c else np.zeros(n))
        # sum duplicates, drop zeros: sort by (column, row)
        order = np.lexsort((r, c))
        r, c, v = r[order], c[order], v[order]
        if r.size:
            new = np.ones(r.size, dtype=bool)
            new[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
            starts = np.flatnonzero(new)
            v = np.add.reduceat(v, starts)
            r, c = r[starts], c[starts]
            nz = v != 0
            r, c, v = r[nz], c[nz], v[nz]
        # fixed columns: into the row bounds and the objective constant
        fixed = self.fixed
        fixval = np.where(fixed, self.col_lb, 0.0)
        fx = fixed[c]
        if fx.any():
            shift = np.bincount(r[fx], v[fx] * fixval[c[fx]], minlength=m)
            lo, hi = lo - shift, hi - shift
            self.row_const = self.row_const + shift
            r, c, v = r[~fx], c[~fx], v[~fx]
        obj_const = self.cost_const + float(cost[fixed] @ fixval[fixed])
        used = np.zeros(n, dtype=bool)
        used[c] = True
        used |= (cost != 0) & ~fixed
        row_used = np.zeros(m, dtype=bool)
        row_used[r] = True
        const_rows = ~row_used  # constant rows: hold (left out) or not
        broken = const_rows & ((lo > 1e-9 * np.maximum(1.0, np.abs(lo))) | (hi < -1e-9 * np.maximum(1.0, np.abs(hi))))
        if broken.any() and not self.trivially_infeasible:
            self.trivially_infeasible = f"row {int(np.flatnonzero(broken)[0])}: 0 outside [{lo[broken][0]:g}, {hi[broken][0]:g}]"
        col_ids = np.flatnonzero(used)
        row_ids = np.flatnonzero(row_used)
        new_col = np.full(n, -1, dtype=np.int64)
        new_col[col_ids] = np.arange(col_ids.size)
        new_row = np.full(m, -1, dtype=np.int64)
        new_row[row_ids] = np.arange(row_ids.size)
        cc = new_col[c]  # sorted by column already (lexsort above), rows within a column ascending
        rr = new_row[r]
        start = np.zeros(col_ids.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(cc, minlength=col_ids.size), out=start[1:])
        return Assembled(col_ids=col_ids, row_ids=row_ids, start=start, index=rr.astype(np.int32), value=v,
                         col_lower=self.col_lb[col_ids], col_upper=self.col_ub[col_ids], cost=cost[col_ids],
                         row_lower=lo[row_ids], row_upper=hi[row_ids], integer=np.flatnonzero(self.col_int[col_ids]),
                         obj_const=obj_const, full_r=r, full_c=c, full_v=v)

    def load(self, a: Assembled, x: np.ndarray) -> None:
        """Values of all columns from the LP's solution ``x`` (fixed: their value; unreferenced:
        the bound nearest 0), and each row's activity."""
        full = np.clip(np.zeros(self.n_cols), self.col_lb, self.col_ub)
        full[self.fixed] = self.col_lb[self.fixed]
        full[a.col_ids] = x
        self.x_full = full
        self.activity = np.bincount(a.full_r, a.full_v * full[a.full_c], minlength=self.n_rows)

    def load_full(self, x: np.ndarray) -> None:
        """Values of all columns given in full (fixed ones included, e.g. a plan that was fixed
        for one solve only), and each row's activity from every coefficient."""
        r, c, v = self.entries()
        self.x_full = np.asarray(x, dtype=float)
        self.activity = np.bincount(r, v * self.x_full[c], minlength=self.n_rows)

    @property
    def x(self) -> np.ndarray:
        if self.x_full is None:
            raise RuntimeError(f"model {self.name} is not solved")
        return self.x_full


@dataclass
class Assembled:
    col_ids: np.ndarray
    row_ids: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    cost: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer: np.ndarray
    obj_const: float
    full_r: np.ndarray
    full_c: np.ndarray
    full_v: np.ndarray
