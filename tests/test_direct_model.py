"""The array-built LP (``pathway.model.direct``, route 'direct', the default) is the Pyomo
model's LP (``pathway.model.build_model`` compiled by Pyomo's standard-form compiler):
the same columns (by variable name and index), bounds, costs and objective constant,
the same rows (each row's coefficients by column name and its bounds, up to the row's
sign and order), the same counts of declared variables and constraints; and a run gives
the same results on both routes."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from pathway.inputs.prepare import prepare
from pathway.model.direct import build_direct, prev_index
from pathway.reference.validate import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def _pyomo_lp(md, ceiling_slack: bool):
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    from pathway.model import build_model
    from pathway.solve.highs import _sparse_only_compiler

    _sparse_only_compiler()
    m = build_model(md, ceiling_slack=ceiling_slack)
    repn = LinearStandardFormCompiler().write(m, mixed_form=True)
    names = [(v.parent_component().name, v.index()) for v in repn.columns]
    inf = float("inf")
    rhs = np.asarray(repn.rhs, dtype=float)
    sense = np.array([r[1] for r in repn.rows], dtype=int)
    return {"m": m, "names": names, "A": repn.A.tocsr(), "lo": np.where(sense == 1, -inf, rhs),
            "hi": np.where(sense == -1, inf, rhs), "cost": np.asarray(repn.c.toarray()).ravel(),
            "const": float(np.sum(repn.c_offset)),
            "bounds": [(-inf if v.lb is None else v.lb, inf if v.ub is None else v.ub) for v in repn.columns],
            "integer": {n for n, v in zip(names, repn.columns) if v.is_integer()}}


def _direct_lp(md, ceiling_slack: bool):
    import scipy.sparse as sp

    d = build_direct(md, ceiling_slack=ceiling_slack)
    a = d.lp.assemble()
    keys = d.lp.column_keys()
    names = [keys[j] for j in a.col_ids]
    A = sp.csc_array((a.value, a.index, a.start), shape=(a.row_ids.size, a.col_ids.size)).tocsr()
    return {"m": d, "names": names, "A": A, "lo": a.row_lower, "hi": a.row_upper, "cost": a.cost, "const": a.obj_const,
            "bounds": list(zip(a.col_lower, a.col_upper)), "integer": {names[j] for j in a.integer}}


def _rows(lp) -> Counter:
    """Each row as (its (column name, coefficient) pairs, lower, upper), the sign made so that
    its first coefficient is positive; rounded to 1e-9 relative."""
    A, names = lp["A"], lp["names"]
    out: Counter = Counter()
    for i in range(A.shape[0]):
        s, e = A.indptr[i], A.indptr[i + 1]
        items = sorted((names[j], float(v)) for j, v in zip(A.indices[s:e], A.data[s:e]))
        sign = 1.0 if items[0][1] > 0 else -1.0
        lo, hi = (lp["lo"][i], lp["hi"][i]) if sign > 0 else (-lp["hi"][i], -lp["lo"][i])
        out[(tuple((n, float(f"{sign * v:.10g}")) for n, v in items),
             float(f"{lo:.10g}") if np.isfinite(lo) else None, float(f"{hi:.10g}") if np.isfinite(hi) else None)] += 1
    return out


def assert_same_lp(md, ceiling_slack: bool = False) -> None:
    p, d = _pyomo_lp(md, ceiling_slack), _direct_lp(md, ceiling_slack)
    assert set(p["names"]) == set(d["names"]), "columns differ"
    assert len(p["names"]) == len(d["names"])
    pc, dc = dict(zip(p["names"], p["cost"])), dict(zip(d["names"], d["cost"]))
    assert all(dc[k] == pytest.approx(v, rel=1e-12, abs=1e-12) for k, v in pc.items()), "costs differ"
    assert d["const"] == pytest.approx(p["const"], rel=1e-12, abs=1e-9)
    assert dict(zip(p["names"], p["bounds"])) == {k: tuple(map(float, b)) for k, b in zip(d["names"], d["bounds"])}
    assert p["integer"] == d["integer"]
    rp, rd = _rows(p), _rows(d)
    assert sum(rp.values()) == sum(rd.values())
    assert rp == rd, f"rows only in Pyomo's LP: {list(rp - rd)[:2]}; only in the direct LP: {list(rd - rp)[:2]}"
    assert p["m"].nvariables() == d["m"].nvariables()
    assert p["m"].nconstraints() == d["m"].nconstraints()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_direct_lp_is_the_pyomo_lp_on_every_bundled_scenario(path):
    assert_same_lp(prepare(load_scenario(path)))


@pytest.mark.parametrize("name", ["changzhou_eaf_steel_2030", "huzhou_cement_ccus_2030", "suzhou_electronics_2027_direct_line"])
def test_direct_lp_with_diagnosis_slacks_is_the_pyomo_lp(name):
    assert_same_lp(prepare(load_scenario(ROOT / "scenarios" / f"{name}.yaml")), ceiling_slack=True)


def test_direct_lp_with_exclusivity_binaries_is_the_pyomo_lp(write_yaml):
    """Export pays more than import in the valley hours: binaries u[t] and their two rows."""
    from tests.test_physics import _export_case

    md = prepare(load_scenario(write_yaml(_export_case())))
    d = build_direct(md)
    assert d.has_integers and len(d.grid_mode) > 0
    assert_same_lp(md)


def test_direct_lp_with_cbam_and_ets_in_the_objective_is_the_pyomo_lp(tmp_path):
    from tests.test_footprint_cbam import FASTENERS, FULL_BLOCK

    data = yaml.safe_load(FASTENERS.read_text(encoding="utf-8"))
    data["footprint"] = copy.deepcopy(FULL_BLOCK)
    data["prices"]["cbam"] = True
    data["prices"]["ets"] = True
    f = tmp_path / "c.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    md = prepare(load_scenario(f))
    assert md.exposure is not None and md.exposure.ets is not None and len(md.exposure.cbam) == 2
    assert_same_lp(md)


@pytest.mark.parametrize("mode", ["representative_days", "hourly"])
def test_prev_index_is_prev_hour(mode):
    """The storage balances' previous hour, as arrays, is ``model.rules.prev_hour`` hour by hour."""
    from types import SimpleNamespace

    from pathway.model.rules import prev_hour

    md = SimpleNamespace(n_periods=5, periods=SimpleNamespace(mode=mode))
    pp, hp = prev_index(md)
    for p in range(5):
        for h in range(24):
            assert (pp[p, h], hp[p, h]) == prev_hour(md, p, h)


def test_direct_and_compiler_routes_give_the_same_run():
    """One bundled scenario on both routes: objective to 1e-9, every table to 1e-6 (the pins
    hold the direct route's; the LP is the same, HiGHS sees it in another order)."""
    from pathway.runs.pipeline import run_file
    from pathway.solve import SolverOptions
    from tests.pinned_results import compare_run

    path = ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"
    a = run_file(path, None, SolverOptions(route="direct"))
    b = run_file(path, None, SolverOptions(route="compiler"))
    assert a.summary["total_cost_npv_cny"] == pytest.approx(b.summary["total_cost_npv_cny"], rel=1e-9)
    assert a.summary["solver"]["route"] == "direct" and b.summary["solver"]["route"] == "compiler"
    diffs = [x for x in compare_run(path.stem, b.summary, b.tables) if "solver.route" not in x]
    assert diffs == []


def test_unknown_route_is_refused():
    from pathway.errors import SolverError
    from pathway.runs.pipeline import run_file
    from pathway.solve import SolverOptions

    with pytest.raises(SolverError, match="unknown solver route 'fast'"):
        run_file(ROOT / "scenarios" / "ningbo_fasteners_2027.yaml", None, SolverOptions(route="fast"))


@pytest.mark.parametrize("route", ["direct", "compiler"])
def test_heat_nothing_can_supply_is_exit_3_with_the_load_named(tmp_path, route):
    """A heat load whose boiler retires with no heat technology enabled: Pyomo's compiler met
    a trivially infeasible row and the command ended in a traceback (exit 1); now both routes
    are exit 3 with a diagnosis, the direct route naming the load and the year."""
    from typer.testing import CliRunner

    from pathway.cli import app
    from tests.test_finance import RETIRING

    data = copy.deepcopy(RETIRING)
    data["technologies"] = {"pv": {"max_kw": 500}}
    data.pop("finance")
    f = tmp_path / "noheat.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    r = CliRunner().invoke(app, ["run", str(f), "--out", str(tmp_path / "o"), "-q", "--route", route])
    text = " ".join(r.output.split())
    assert r.exit_code == 3, r.output
    assert "Traceback" not in text and (tmp_path / "o" / "diagnosis.json").is_file()
    if route == "direct":
        assert "heat load 'process_steam' has demand from 2027 that nothing can supply" in text


def test_linear_program_assembly_and_a_hand_solved_optimum():
    """min x + 2 y + 3 z  s.t.  x + 0.5 y + 0.5 y >= 3 (the two halves add up), x + z <= 10,
    x <= 2, z fixed at 1, w in no row and no cost, and a constant row 0 <= 5. On paper: z = 1
    moves into the second row (x <= 9) and the objective constant (3); y = 3 - x is dearer
    than x, so x = 2, y = 1, objective 2 + 2 + 3 = 7. The LP HiGHS gets has 2 columns (z fixed,
    w unreferenced) and 2 rows (the constant row left out)."""
    from types import SimpleNamespace

    from pathway.model.linear import LinearProgram
    from pathway.solve import SolverOptions, solve

    lp = LinearProgram("hand")
    v = lp.add_vars("v", [["x", "y", "z", "w"]], 0.0, [2.0, np.inf, np.inf, np.inf])
    x, y, z = (v.col(k) for k in ("x", "y", "z"))
    lp.add_rows((1,), [(1.0, x), (0.5, y), (0.5, y)], lo=3.0)
    lp.add_rows((1,), [(1.0, x), (1.0, z)], hi=10.0)
    lp.add_rows((1,), [(0.0, x)], hi=5.0)  # a zero coefficient: a constant row, 0 <= 5
    lp.add_cost([x, y, z], [1.0, 2.0, 3.0])
    v.fix(np.array([False, False, True, False]), 1.0)
    lp.freeze_columns()
    a = lp.assemble()
    assert list(a.col_ids) == [x, y] and a.row_ids.size == 2 and a.obj_const == 3.0
    assert list(a.value) == [1.0, 1.0, 1.0] and list(a.row_upper) == [np.inf, 9.0]
    assert lp.trivially_infeasible is None
    out = solve(SimpleNamespace(lp=lp, nvariables=lambda: lp.n_var_entries), SolverOptions())
    assert out.status == "optimal" and out.objective == pytest.approx(7.0)
    assert v.extract_values() == pytest.approx({"x": 2.0, "y": 1.0, "z": 1.0, "w": 0.0})

    bad = LinearProgram("bad")
    u = bad.add_vars("u", [[0]])
    bad.add_rows((1,), [(0.0, u.cols)], lo=1.0)  # 0 >= 1 holds for no decision
    bad.freeze_columns()
    bad.assemble()
    assert bad.trivially_infeasible is not None


def test_fixing_and_bounding_after_the_columns_are_frozen_takes_effect():
    """The hand LP above with z fixed at 1 and x's bound set to 2 only after freeze_columns:
    the LP HiGHS gets is the same (2 columns, x <= 9 in the second row, objective constant 3,
    x's upper bound 2), not the unfixed one (they used to change only the block's own arrays,
    which assemble no longer reads)."""
    from pathway.model.linear import LinearProgram

    lp = LinearProgram("late")
    v = lp.add_vars("v", [["x", "y", "z"]], 0.0, np.inf)
    x, y, z = (v.col(k) for k in ("x", "y", "z"))
    lp.add_rows((1,), [(1.0, x), (1.0, y)], lo=3.0)
    lp.add_rows((1,), [(1.0, x), (1.0, z)], hi=10.0)
    lp.add_cost([x, y, z], [1.0, 2.0, 3.0])
    lp.freeze_columns()
    v.fix(np.array([False, False, True]), 1.0)
    v.set_ub(np.array([True, False, False]), 2.0)
    a = lp.assemble()
    assert list(a.col_ids) == [x, y] and a.obj_const == 3.0
    assert list(a.row_upper) == [np.inf, 9.0] and list(a.col_upper) == [2.0, np.inf]
