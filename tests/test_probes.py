"""solve.highs.run_probes: each probe is a warm dual-simplex re-solve from the optimal basis,
whatever LP method found the optimum, and the model is left as it was."""

from __future__ import annotations

import numpy as np
import pytest

from pathway.solve.highs import _highs_model, _run, run_probes
from pathway.solve.options import SolverOptions
from pathway.solve.status import SolveStatus


def _tiny(method: str):
    """min 3x + 5y  s.t.  x + y >= 10 (row 0),  x <= 6 (row 1),  x, y >= 0.
    Optimum x = 6, y = 4, objective 38; with row 1 tightened by 1 (x <= 5): y = 5, objective 40."""
    inf = np.inf
    h = _highs_model(SolverOptions(method=method), np.array([3.0, 5.0]), np.zeros(2), np.full(2, inf),
                     np.array([10.0, -inf]), np.array([inf, 6.0]),
                     np.array([0, 2, 3]), np.array([0, 1, 0]), np.array([1.0, 1.0, 1.0]), np.zeros(0, dtype=int))
    h.setOptionValue("presolve", "off")  # so that the method itself runs (presolve alone solves this LP)
    assert _run(h, np.zeros(0, dtype=int)) == SolveStatus.OPTIMAL
    assert h.getInfo().objective_function_value == pytest.approx(38.0)
    return h


@pytest.mark.parametrize("method", ["simplex", "ipm"])
def test_probe_is_a_warm_simplex_whatever_the_method(method):
    h = _tiny(method)
    row1, y_col = object(), object()
    probes = {"tight": ([(row1, 1.0)], []), "tight_y_fixed": ([(row1, 1.0)], [y_col])}
    assert (h.getInfo().ipm_iteration_count > 0) == (method == "ipm")
    iterations = {}
    out = run_probes(h, probes, {id(row1): 1}, {id(y_col): 1}, objective_offset=0.5, iterations=iterations)
    assert out["tight"] == pytest.approx(40.5)  # 40 + the objective offset
    assert out["tight_y_fixed"] is None  # x <= 5 with y held at 4 misses x + y >= 10
    # each probe ran the simplex from the optimal basis (which stays optimal here: x = 5 and y = 5
    # are the same basis), not a cold interior point solve
    assert iterations["tight"] == (0, 0)
    assert iterations["tight_y_fixed"][1] == 0
    # the model is back as it was: the row bound, the column bound and the user's method
    lp = h.getLp()
    assert lp.row_upper_[1] == 6.0 and lp.col_upper_[1] == np.inf
    solver = h.getOptionValue("solver")
    assert (solver[1] if isinstance(solver, tuple) else solver) == method
