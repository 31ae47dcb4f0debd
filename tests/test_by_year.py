"""A full-hourly model of several years solved year by year on its typical-day investment
plan (``pathway.solve.by_year``, the default of ``pathway run`` for such models): the point
it returns is feasible for the full hourly LP and costs what the objective says, it is
within 0.1 % of the full LP's optimum on the bundled automotive plant's 2-year case, and
``--decompose off`` solves the full LP."""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from pathway.inputs.prepare import prepare
from pathway.model.direct import build_direct
from pathway.model.rules import OBJ_SCALE, own_emission_probes
from pathway.reference.validate import load_scenario
from pathway.runs.pipeline import run_loaded
from pathway.solve import SolverOptions, by_year
from pathway.solve.highs import solve
from pathway.solve.status import SolveStatus

from .conftest import SCENARIOS
from .test_optimiser import FLAT


def _hourly_plant(folder, name: str, end_year: int, technologies: dict, share: float):
    """The 1 MW flat plant, TOU prices (valley 0.3, peak 0.9 CNY/kWh), hourly from 2026 to
    ``end_year`` (the target year), net emissions down to ``share`` of the baseline, no
    offsets, with ``technologies``."""
    import yaml

    data = copy.deepcopy(FLAT)
    data["time"] = {"mode": "hourly"}
    data["horizon"] = {"base_year": 2025, "target_year": end_year, "end_year": end_year, "discount_rate": 0.06}
    data["prices"] = {"tou_periods": [{"name": "valley", "hours": "0-8", "price_cny_per_kwh": 0.3},
                                      {"name": "peak", "hours": "8-24", "price_cny_per_kwh": 0.9}],
                      "demand_charge_cny_per_kw_month": 0}
    data["technologies"] = technologies
    data["target"] = {"preset": "custom", "max_net_emissions_share": share, "max_offset_share": 0.0}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_scenario(path)


def _two_year_pv_battery(folder):
    """A 1 MW plant, TOU prices, PV and a battery, hourly over 2026-2027, net emissions down
    to 60 % of the baseline by 2027 on a linear trajectory, no offsets: the plan must build."""
    return _hourly_plant(folder, "two_year", 2027, {
        "pv": {"roof_area_m2": 20000, "capex_cny_per_kw": 3000, "fom_cny_per_kw_yr": 40, "life_years": 25,
               "degradation_per_yr": 0.005},
        "battery": {"capex_energy_cny_per_kwh": 700, "capex_power_cny_per_kw": 300, "fom_cny_per_kw_yr": 10,
                    "round_trip_efficiency": 0.9, "life_years": 12, "min_duration_h": 1, "max_duration_h": 4,
                    "degradation_cny_per_kwh": 0.02},
    }, 0.6)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The 2-year PV + battery plant and its full LP's run (--decompose off), solved once for
    the tests of this module that compare with it."""
    loaded = _two_year_pv_battery(tmp_path_factory.mktemp("by_year"))
    return loaded, run_loaded(loaded, SolverOptions(decompose="off"))


def test_year_by_year_point_is_feasible_and_costs_its_objective(small):
    """Every row of the full hourly LP (the plan unfixed) holds at the returned point to
    1e-7 of its scale, its cost is the returned objective, the plan's capacities are the
    typical-day model's, and the cost is not below the full LP's optimum (a feasible point
    cannot beat it)."""
    loaded, off = small
    md = prepare(loaded)
    m = build_direct(md)
    split = by_year.split_by_year(m.lp, list(md.years))
    assert split.linking == ["build", "cap", "pv_eff"]
    assert by_year.plan_blocks(m, split) == split.linking  # the declared investment blocks are the linking ones
    out = by_year.solve_on_plan(loaded, m, SolverOptions(), (m.ceiling,), own_emission_probes)
    assert out is not None and out.status == SolveStatus.OPTIMAL
    assert out.method == "simplex" and out.decomposition["years"] == 2

    a = m.lp.assemble()  # the full LP, nothing of the plan fixed
    A = sp.csc_matrix((a.value, a.index, a.start), shape=(a.row_ids.size, a.col_ids.size))
    x = m.lp.x[a.col_ids]
    act = A @ x
    scale = 1.0 + np.maximum(np.abs(np.where(np.isfinite(a.row_lower), a.row_lower, 0)),
                             np.abs(np.where(np.isfinite(a.row_upper), a.row_upper, 0)))
    assert (act >= a.row_lower - 1e-7 * scale).all() and (act <= a.row_upper + 1e-7 * scale).all()
    assert (x >= a.col_lower - 1e-9).all() and (x <= a.col_upper + 1e-9).all()
    assert float(a.cost @ x) + a.obj_const == pytest.approx(out.objective, rel=1e-12)
    assert m.lp.activity[a.row_ids] == pytest.approx(act, abs=1e-9 * float(np.abs(act).max()))  # loaded as solved

    plan_model = build_direct(prepare(by_year.plan_twin(loaded)))
    solve(plan_model, SolverOptions())
    assert m.cap.values_array() == pytest.approx(plan_model.cap.values_array(), rel=1e-12, abs=1e-12)
    assert m.cap.values_array().max() > 0.1  # the plan builds something: the test has a plan to check

    assert out.objective / OBJ_SCALE >= off.summary["total_cost_npv_cny"] * (1 - 1e-9)


def test_decompose_off_solves_the_full_lp_and_auto_reports_the_split(small):
    """summary.json says how the run was solved: the decomposition (years, the plan's typical
    days, the blocks fixed) with auto, none with --decompose off; the typical-day MAC."""
    loaded, off = small
    auto = run_loaded(loaded, SolverOptions())
    d = auto.summary["solver"]["decomposition"]
    assert d["years_solved_separately"] == 2 and d["plan_typical_days"] == 12
    assert d["plan_blocks"] == ["build", "cap", "pv_eff"] and d["method"] == "plan"
    assert off.summary["solver"]["decomposition"] is None
    assert auto.tables["checks"].passed.all() and off.tables["checks"].passed.all()
    assert auto.summary["total_cost_npv_cny"] >= off.summary["total_cost_npv_cny"] * (1 - 1e-9)
    days = run_loaded(by_year.plan_twin(loaded), SolverOptions())
    assert auto.summary["marginal_abatement_cost_cny_per_t"] == pytest.approx(
        days.summary["marginal_abatement_cost_cny_per_t"], rel=1e-6, abs=1e-6)
    assert d["plan_total_cost_npv_cny"] == pytest.approx(days.summary["total_cost_npv_cny"], rel=1e-9)


def test_a_year_that_cannot_run_on_the_plan_falls_back_to_the_full_lp(small, monkeypatch):
    loaded, off = small
    said = []
    monkeypatch.setattr(by_year, "solve_by_year", lambda *a, **k: None)
    r = run_loaded(loaded, SolverOptions(), progress=said.append)
    assert r.summary["solver"]["decomposition"] is None
    assert r.summary["total_cost_npv_cny"] == pytest.approx(off.summary["total_cost_npv_cny"], rel=1e-9)
    assert any("the typical-day plan cannot be used" in s for s in said)


def test_which_models_are_decomposed_and_how(small):
    """Hourly models are decomposed, typical days and --decompose off never; 'auto' takes
    Benders for one hourly year and the typical-day plan for several."""
    loaded, _ = small
    two = build_direct(prepare(loaded))
    assert by_year.wanted(two, SolverOptions()) and by_year.method_for(two, SolverOptions()) == "plan"
    assert by_year.method_for(two, SolverOptions(decompose="benders")) == "benders"
    assert not by_year.wanted(two, SolverOptions(decompose="off"))
    assert not by_year.wanted(build_direct(prepare(by_year.plan_twin(loaded))), SolverOptions())
    one = build_direct(prepare(_one_year(loaded)))
    assert by_year.wanted(one, SolverOptions()) and by_year.method_for(one, SolverOptions()) == "benders"
    assert by_year.method_for(one, SolverOptions(decompose="plan")) == "plan"


def _one_year(loaded):
    """``loaded`` cut to its first year, 2026 (target and end)."""
    return load_scenario(loaded.path, overrides={"horizon": {"target_year": 2026, "end_year": 2026}})


def test_benders_reaches_the_full_lp_optimum_with_a_proven_gap(small):
    """--decompose benders on the 2-year plant: the lower bound it proves is at most the full
    LP's optimum (solved apart), the cost it returns at least that optimum (a feasible point:
    the run's post-solve checks pass) and within the proven gap, below ``BENDERS_GAP``."""
    loaded, off = small
    r = run_loaded(loaded, SolverOptions(decompose="benders"))
    d = r.summary["solver"]["decomposition"]
    best, cost = off.summary["total_cost_npv_cny"], r.summary["total_cost_npv_cny"]
    assert d["method"] == "benders" and d["stopped_by"] == "gap" and d["rounds"] >= 2
    assert 0 <= d["proven_gap"] <= by_year.BENDERS_GAP
    assert d["lower_bound_total_cost_npv_cny"] <= best * (1 + 1e-9)
    assert best * (1 - 1e-9) <= cost <= d["lower_bound_total_cost_npv_cny"] * (1 + by_year.BENDERS_GAP) + 1e-6
    assert d["start_total_cost_npv_cny"] > cost  # the typical-day plan, improved on
    assert r.tables["checks"].passed.all()


def test_one_hourly_year_is_solved_to_the_full_lp_optimum_by_benders(small):
    """One hourly year under 'auto': Benders decomposition, the same cost as the full LP
    (--decompose off) to 1e-7, and the CLI line says so."""
    from pathway.cli.main import decomposition_line

    loaded, _ = small
    one = _one_year(loaded)
    auto, off = run_loaded(one, SolverOptions()), run_loaded(one, SolverOptions(decompose="off"))
    d = auto.summary["solver"]["decomposition"]
    assert d["method"] == "benders" and d["years_solved_separately"] == 1 and off.summary["solver"]["decomposition"] is None
    assert auto.summary["total_cost_npv_cny"] == pytest.approx(off.summary["total_cost_npv_cny"], rel=1e-7)
    assert auto.summary["total_cost_npv_cny"] >= off.summary["total_cost_npv_cny"] * (1 - 1e-9)
    assert auto.tables["checks"].passed.all()
    line = decomposition_line(d)
    assert line.startswith("hourly: the optimum by Benders decomposition, 1 year of hours under the investment plan, ")
    assert f"proven gap {d['proven_gap']:.1e}" in line


def test_auto_takes_the_full_lp_when_benders_does_not_close_the_gap(small, monkeypatch):
    """'auto' promises one hourly year its optimum: when the rounds run out before the gap
    closes, the full LP solves it (and says so)."""
    loaded, _ = small
    one = _one_year(loaded)
    off = run_loaded(one, SolverOptions(decompose="off"))
    monkeypatch.setattr(by_year, "AUTO_ROUNDS", 1)
    said = []
    r = run_loaded(one, SolverOptions(), progress=said.append)
    assert r.summary["solver"]["decomposition"] is None
    assert r.summary["total_cost_npv_cny"] == pytest.approx(off.summary["total_cost_npv_cny"], rel=1e-9)
    assert any("stopped at a proven gap" in s for s in said)


def test_a_plan_that_breaks_a_row_of_plan_columns_is_refused(small):
    """The start plan must meet the master's rows (cap = cap last year + build, ...): one
    capacity off by 1 MW breaks them, and solve_by_year returns None (the full LP)."""
    loaded, _ = small
    md = prepare(loaded)
    m = build_direct(md)
    split = by_year.split_by_year(m.lp, list(md.years))
    plan_model = build_direct(prepare(by_year.plan_twin(loaded)))
    solve(plan_model, SolverOptions())
    plan = by_year.plan_of(plan_model, by_year.plan_blocks(m, split), m)
    d = by_year.Decomposition(build_direct(md), list(plan), split)
    assert d.master_rows.size > 0
    bad = {k: v.copy() for k, v in plan.items()}
    bad["cap"][bad["cap"] > 0.1] += 1.0
    assert by_year.solve_by_year(m, bad, SolverOptions(), split) is None


def test_unknown_decompose_is_exit_2():
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "run", str(SCENARIOS / "ningbo_fasteners_2027.yaml"),
                          "--out", "never-written", "--decompose", "sometimes"], capture_output=True, text=True)
    assert res.returncode == 2
    assert "--decompose: expected one of auto, plan, benders, off, got 'sometimes'" in " ".join(res.stderr.split())


@pytest.mark.slow
def test_automotive_two_years_hourly_against_typical_days_and_the_full_lp():
    """The bundled automotive plant, all 8,760 hours of 2026 and 2027 (the horizon cut to the
    target year to keep the suite fast; the 5-year case runs in benchmarks/bench_run.py):

    * 12 typical days cost within 2 % of the full hourly LP (they are 0.05 % apart);
    * solved year by year on the typical-day plan, the cost is at least the full LP's optimum
      (a feasible point) and within 0.1 % of it (the issue's bar for a decomposition)."""
    costs = {}
    for label, mode, decompose in (("days", "representative_days", "auto"), ("full", "hourly", "off"),
                                   ("by_year", "hourly", "auto")):
        loaded = load_scenario(SCENARIOS / "jiangsu_auto_parts_2027.yaml",
                               overrides={"time": {"mode": mode, "representative_days": 12}, "horizon": {"end_year": 2027},
                                          "finance": None})
        r = run_loaded(loaded, SolverOptions(decompose=decompose))
        assert r.tables["checks"].passed.all()
        costs[label] = r.summary["total_cost_npv_cny"]
        assert r.summary["periods"] == (12 if mode == "representative_days" else 365)
        assert (r.summary["solver"]["decomposition"] is not None) == (label == "by_year")
    assert abs(costs["days"] - costs["full"]) / costs["full"] < 0.02, costs
    assert costs["by_year"] >= costs["full"] * (1 - 1e-9), costs
    assert (costs["by_year"] - costs["full"]) / costs["full"] < 1e-3, costs


def test_the_cli_and_the_disclosure_say_how_an_hourly_run_was_solved(small, tmp_path):
    """`pathway run` prints that the years were solved one by one on the typical days' plan,
    the report's header says so, and the disclosure's time resolution says where the
    capacities came from (en, zh)."""
    from pathway.output.disclosure import TEXT, _time_mode

    loaded, _ = small
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "run", str(loaded.path), "--out", str(out), "-q",
                          "--no-xlsx"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "hourly: 2 years solved one by one on the investment plan of 12 typical days" in text
    import json

    summary = json.loads((out / "summary.json").read_text())
    assert summary["solver"]["decomposition"]["years_solved_separately"] == 2
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "all hours, 2 years solved one by one on the capacities of the 12-typical-day plan" in html
    assert _time_mode(summary, TEXT["en"]) == ("hourly (365); capacities from the 12-typical-day plan, each year's hours "
                                               "solved on it")
    assert "12个典型日" in _time_mode(summary, TEXT["zh"])
    assert _time_mode({**summary, "solver": {"decomposition": None}}, TEXT["en"]) == "hourly (365)"
    benders = {**summary, "solver": {"decomposition": {**summary["solver"]["decomposition"], "method": "benders",
                                                       "proven_gap": 4.8e-8}}}
    assert _time_mode(benders, TEXT["en"]) == ("hourly (365); the optimum by Benders decomposition over the investment "
                                               "plan, proven gap 4.8e-08")
    assert "Benders" in _time_mode(benders, TEXT["zh"]) and "4.8e-08" in _time_mode(benders, TEXT["zh"])
    from pathway.output.report import _t

    assert _t("by_benders", "en", n=1, g="4.8e-08") == ("all hours (1 year(s)), the optimum by Benders decomposition "
                                                      "over the investment plan, proven gap 4.8e-08")


def test_the_time_limit_covers_the_plan_and_the_years(small):
    """--time-limit bounds the whole year-by-year solve: reached, it is the time-limit error
    (exit 3 on the CLI), not a fall back to the full LP."""
    from pathway.errors import SolveTimeLimitError

    loaded, _ = small
    with pytest.raises(SolveTimeLimitError):
        run_loaded(loaded, SolverOptions(time_limit_s=1e-4))


def test_feasibility_cuts_close_the_gap_where_the_optimum_is_the_least_plan_that_runs(tmp_path):
    """A PV-only plant whose target is met only by building PV (no offsets, no battery): its
    optimum is the smallest PV that runs, where plans just below cannot run at all. Started
    from the full LP's plan x 1.05, Benders proposes plans too small to run; each adds a
    feasibility cut from HiGHS's proof (its dual ray), and the gap closes on the full LP's
    optimum. Without them the bound stalled at 2.3 % after 100 rounds."""
    pv_only = {"pv": {"roof_area_m2": 40000, "capex_cny_per_kw": 12000, "fom_cny_per_kw_yr": 40, "life_years": 25,
                      "degradation_per_yr": 0.005}}
    md = prepare(_hourly_plant(tmp_path, "pv_only", 2026, pv_only, 0.8))
    full = build_direct(md)
    best = solve(full, SolverOptions(decompose="off"))
    split = by_year.split_by_year(full.lp, list(md.years))
    blocks = by_year.plan_blocks(full, split)
    start = {b: getattr(full, b).values_array() * 1.05 for b in blocks}
    out = by_year.solve_by_year(build_direct(md), start, SolverOptions(), split)
    d = out.decomposition
    assert d["stopped_by"] == "gap" and d["feasibility_cuts"] >= 1 and d["proven_gap"] <= by_year.BENDERS_GAP
    assert out.objective == pytest.approx(best.objective, rel=1e-7)
    assert out.objective >= best.objective * (1 - 1e-9)
