"""Small pathway LPs whose optimum is derived on paper, plus the identities of every solve.

Each case uses a flat load (8760 MWh/yr = 1 MW every hour), one representative day
where possible, and numbers chosen so the optimum can be written out by hand.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pytest

from pathway.errors import InfeasibleTargetError
from pathway.money import crf
from pathway.reference.validate import load_scenario
from pathway.runs.pipeline import run_loaded
from pathway.solve import SolverOptions

FLAT = {
    "name": "paper_case",
    "factory": {"name": "Paper plant", "sector": "machinery", "grid_region": "east",
                "latitude_deg": 31.3, "longitude_deg": 120.6},
    "horizon": {"base_year": 2025, "target_year": 2027, "end_year": 2027, "discount_rate": 0.06},
    "time": {"mode": "representative_days", "representative_days": 4},
    "production": {"output_per_yr": 1000, "unit": "t", "growth_per_yr": 0.0},
    "baseline": {"electricity_mwh": 8760, "electricity_profile": {"shape": "flat"}},
    "prices": {"flat_electricity_cny_per_kwh": 0.6},
    "target": {"preset": "custom"},
}


def solve(data: dict, write_yaml, name: str = "s.yaml", **opts):
    """The hand computations here have no demand charge: 0 unless a test sets one (the
    scenario default is the province's, data/prices.csv)."""
    data = copy.deepcopy(data)
    data.setdefault("prices", {}).setdefault("demand_charge_cny_per_kw_month", 0)
    loaded = load_scenario(write_yaml(data, name))
    return run_loaded(loaded, SolverOptions(**opts))


def per_year(result, table: str, column: str, **filters) -> np.ndarray:
    df = result.tables[table]
    for k, v in filters.items():
        df = df[df[k] == v]
    return df.sort_values("year")[column].to_numpy()


def test_pv_cheaper_than_grid_is_built_at_the_roof_cap(write_yaml):
    """PV LCOE = 3000 x CRF(6%, 25) / 1.1 MWh + 40/1.1 = 0.25 CNY/kWh < 0.6 from the grid,
    so every kWp the roof allows is built in the first year: 5,000 m2 x 0.2 kWp/m2 = 1 MW.
    Its output (<= 1 MW) never exceeds the 1 MW load, so none is curtailed, and

        cost = sum_y df_y [0.6 x (8760 - PV_y) + 1 MW x (3000e3 x CRF + 40e3)] (CNY, MWh)."""
    data = copy.deepcopy(FLAT)
    data["technologies"] = {"pv": {"roof_area_m2": 5000, "capex_cny_per_kw": 3000, "fom_cny_per_kw_yr": 40,
                                   "life_years": 25, "degradation_per_yr": 0.0, "yield_kwh_per_kwp_yr": 1100}}
    r = solve(data, write_yaml)
    cap = per_year(r, "capacity", "capacity", technology="pv")
    np.testing.assert_allclose(cap, [1.0, 1.0], rtol=1e-6)
    md = r.md
    pv_mwh = float((md.weights[:, None] * md.pv_cf).sum())  # 1 MW x annual yield of the profile
    assert pv_mwh == pytest.approx(1100.0, rel=1e-6)  # the profile is scaled to the yield
    pv_y = per_year(r, "energy_balance", "energy_mwh", carrier="electricity", flow="supply: PV")
    np.testing.assert_allclose(pv_y, [1100.0, 1100.0], rtol=1e-6)
    annual = 600.0 * (8760 - 1100) + 3000e3 * crf(0.06, 25) + 40e3
    expected = sum(annual / 1.06 ** k for k in (1, 2))
    assert r.summary["total_cost_npv_cny"] == pytest.approx(expected, rel=1e-6)
    assert r.summary["capex_by_year_cny"] == {"2026": pytest.approx(3.0e6), "2027": pytest.approx(0.0, abs=1e-3)}


def _battery_case(valley: float, peak: float, capex_kwh: float) -> dict:
    data = copy.deepcopy(FLAT)
    data["time"] = {"mode": "representative_days", "representative_days": 1}
    data["prices"] = {"tou_periods": [{"name": "valley", "hours": "0-8", "price_cny_per_kwh": valley},
                                      {"name": "peak", "hours": "8-24", "price_cny_per_kwh": peak}]}
    data["technologies"] = {"battery": {"capex_energy_cny_per_kwh": capex_kwh, "capex_power_cny_per_kw": 0,
                                        "fom_cny_per_kw_yr": 0, "round_trip_efficiency": 0.81, "life_years": 12,
                                        "min_duration_h": 0, "max_duration_h": 1000,
                                        "degradation_cny_per_kwh": 0}}  # no wear: the cases below are derived without it
    return data


@pytest.mark.parametrize(
    ("valley", "peak", "capex_kwh", "expected_mwh"),
    [
        # eta = sqrt(0.81) = 0.9 each way. A kWh of storage delivers 0.9 kWh at peak and
        # was filled with 1/0.9 kWh at valley: profit per kWh of capacity per day =
        # 0.9 x (0.6 - 0.3/0.81) = 0.2067 CNY; x 365 = 75.4 CNY/kWh/yr > 500 x CRF(6%,12)
        # = 59.6: build. Discharge is capped by the 16 peak hours x 1 MW of load = 16 MWh a
        # day, so E = 16 / 0.9 = 17.78 MWh.
        (0.3, 0.6, 500, 16.0 / 0.9),
        # same spread, capex 800: 800 x 0.11928 = 95.4 > 75.4 CNY/kWh/yr: no battery
        (0.3, 0.6, 800, 0.0),
        # spread below the losses: 0.35 < 0.3/0.81 = 0.370, no battery even at capex ~0
        (0.3, 0.35, 1, 0.0),
    ],
)
def test_storage_arbitrages_only_when_spread_beats_losses_and_cost(write_yaml, valley, peak, capex_kwh, expected_mwh):
    r = solve(_battery_case(valley, peak, capex_kwh), write_yaml)
    cap = per_year(r, "capacity", "capacity", technology="battery_energy")
    np.testing.assert_allclose(cap, [expected_mwh] * 2, atol=1e-5)
    if expected_mwh:
        # daily: charge 16/0.81 MWh in the valley, discharge 16 MWh at peak
        ch = per_year(r, "energy_balance", "energy_mwh", carrier="electricity", flow="use: battery charge")
        np.testing.assert_allclose(ch, [365 * 16 / 0.81] * 2, rtol=1e-6)


def test_target_forces_ccus_and_its_energy_penalty_is_counted(write_yaml):
    """Process CO2 P = 10,000 t, electricity 100 MWh at f = 0.6096 (2023 residual mix).
    B = 10,000 + 60.96 = 10,060.96 t; the rule caps net emissions at 50 % of B.
    CCUS captures X t, with regeneration heat h = 2.8 GJ/t from a new gas boiler
    (efficiency 0.92; ef_g t/MWh_th) and e = 0.110 MWh/t of electricity:

        E = P + ef_g x (h/3.6) X + f x (100 + e X) - X = 0.5 B
        X = (P + 100 f - 0.5 B) / (1 - ef_g h/3.6 - f e)
    """
    data = copy.deepcopy(FLAT)
    data["baseline"] = {"electricity_mwh": 100, "electricity_profile": {"shape": "flat"}, "process_co2_t": 10_000}
    data["horizon"] = {"base_year": 2025, "target_year": 2026, "end_year": 2026, "discount_rate": 0.06}
    data["target"] = {"preset": "custom", "max_net_emissions_share": 0.5}
    data["prices"] = {"flat_electricity_cny_per_kwh": 0.6, "natural_gas_cny_per_m3": 3.0}
    data["technologies"] = {
        "ccus": {"variant": "ccus_small", "heat_gj_per_t": 2.8, "elec_kwh_per_t": 110, "capture_rate": 0.9,
                 "regeneration_temp_c": 120, "sources": ["process", "combustion"]},
        "gas_boiler": {"efficiency": 0.92},
    }
    r = solve(data, write_yaml)
    f = 0.6096
    B = 10_000 + 100 * f
    ef_gas_per_mwh_th = 0.038931 * 0.0153 * 0.99 * 44 / 12 / (0.038931 * 0.92 / 3.6)
    h, e = 2.8 / 3.6, 0.110
    X = (10_000 + 100 * f - 0.5 * B) / (1 - ef_gas_per_mwh_th * h - f * e)
    pw = r.tables["pathway"].set_index("year")
    assert pw.loc[2026, "captured_t"] == pytest.approx(X, rel=1e-6)
    assert pw.loc[2026, "emissions_t"] == pytest.approx(0.5 * B, rel=1e-6)
    eb = r.tables["energy_balance"].set_index(["year", "carrier", "flow"])["energy_mwh"]
    penalty_heat = eb[(2026, "heat:ccus_regeneration", "supply: gas_boiler")]
    assert penalty_heat == pytest.approx(X * 2.8 / 3.6, rel=1e-6)  # captured t x GJ/t = heat supplied
    em = r.tables["emissions"]
    gas = em[(em.year == 2026) & (em.source == "new gas_boiler")]["emissions_t"].sum()
    assert gas == pytest.approx(penalty_heat * ef_gas_per_mwh_th, rel=1e-6)  # that heat's CO2 is in the total
    assert r.summary["target_met"]


def test_offsets_bind_at_their_cap_and_the_dual_prices_the_next_lever(write_yaml):
    """Only electricity: B = 1,000 MWh x 0.6096 = 609.6 t. Net must reach zero in 2026,
    offsets (70 CNY/t) are capped at 20 % of B = 121.92 t, and certificates at
    200 CNY/MWh (= 328.1 CNY/t) cover the rest: GEC = (609.6 - 121.92)/0.6096 = 800 MWh.
    The ceiling's dual, the marginal abatement cost, is then 200/0.6096 CNY/t."""
    data = copy.deepcopy(FLAT)
    data["baseline"] = {"electricity_mwh": 1000, "electricity_profile": {"shape": "flat"}}
    data["horizon"] = {"base_year": 2025, "target_year": 2026, "end_year": 2026, "discount_rate": 0.06}
    data["target"] = {"preset": "custom", "max_net_emissions_share": 0.0, "max_offset_share": 0.2}
    data["prices"] = {"flat_electricity_cny_per_kwh": 0.6, "gec_cny_per_mwh": 200, "ccer_cny_per_t": 70}
    data["technologies"] = {"green_certificates": {}, "offsets": {}}
    r = solve(data, write_yaml)
    s = r.summary
    assert s["baseline_emissions_t"] == pytest.approx(609.6, rel=1e-12)
    assert s["offsets_t"]["2026"] == pytest.approx(121.92, rel=1e-6)
    ab = r.tables["abatement"].set_index(["year", "lever"])["abatement_t"]
    assert ab[(2026, "green_certificates")] == pytest.approx(800 * 0.6096, rel=1e-6)
    assert s["marginal_abatement_cost_cny_per_t"]["2026"] == pytest.approx(200 / 0.6096, rel=1e-6)
    cost = 1000 * 600 + 800 * 200 + 121.92 * 70
    assert s["total_cost_npv_cny"] == pytest.approx(cost / 1.06, rel=1e-6)


def test_identities_hold_on_the_bundled_scenario(auto_parts_result):
    checks = auto_parts_result.tables["checks"]
    assert checks.passed.all()
    kinds = set(checks.check)
    assert {"electricity balance closes (worst hour, MWh)", "emissions by source = model emissions (t)",
            "discounted costs = solver objective (CNY)", "baseline - levers = net emissions (t)"} <= kinds
    assert len(checks) >= 20


def test_both_solver_routes_agree(write_yaml):
    data = _battery_case(0.3, 0.6, 500)
    a = solve(data, write_yaml, "a.yaml", route="compiler")
    b = solve(data, write_yaml, "b.yaml", route="persistent", method="simplex")
    assert a.summary["total_cost_npv_cny"] == pytest.approx(b.summary["total_cost_npv_cny"], rel=1e-7)


def test_unreachable_target_is_explained(write_yaml, tmp_path):
    """Only a 1 MW roof of PV against an 80 % own-reduction rule: infeasible. The run
    raises with the lowest emissions reachable per year and the binding roof limit."""
    data = copy.deepcopy(FLAT)
    data["technologies"] = {"pv": {"max_kw": 1000}}
    data["target"] = {"preset": "custom", "min_own_reduction_share": 0.8}
    with pytest.raises(InfeasibleTargetError) as info:
        solve(data, write_yaml)
    d = info.value.diagnosis
    assert d["status"] == "infeasible_target"
    assert d["years_missed"] == [2026, 2027]  # the linear ceiling already bites in 2026 (0.6 B)
    limits = {b["limit"] for b in d["binding_limits"]}
    assert "PV capacity (roof/land limit)" in limits
    y27 = next(r for r in d["years"] if r["year"] == 2027)
    B = 8760 * 0.6096
    # the lowest reachable: all 1 MW of PV (built 2026) self-consumed, at the east grid's
    # catalogue yield of 1,050 kWh/kWp less one year of 0.5 % degradation in 2027:
    # (8760 - 1050 x 0.995) x f
    assert y27["emissions_t"] == pytest.approx((8760 - 1050 * 0.995) * 0.6096, rel=1e-6)
    assert y27["own_reduction_shortfall_t"] == pytest.approx(y27["emissions_t"] - 0.2 * B, rel=1e-4)
    assert "cannot be met" in str(info.value)


def test_cli_exit_3_with_diagnosis_and_no_traceback(write_yaml, tmp_path):
    data = copy.deepcopy(FLAT)
    data["technologies"] = {"pv": {"max_kw": 1000}}
    data["target"] = {"preset": "custom", "min_own_reduction_share": 0.8}
    path = write_yaml(data)
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "run", str(path), "--out", str(out), "-q"],
                         capture_output=True, text=True)
    assert res.returncode == 3, res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert "cannot be met" in res.stderr and "PV capacity" in res.stderr
    diag = json.loads((out / "diagnosis.json").read_text())
    assert diag["years_missed"] == [2026, 2027]
    summary = json.loads((out / "summary.json").read_text())  # no partial results: status and reason only
    assert summary["status"] == "infeasible" and summary["target_met"] is False
    assert summary["years_missed"] == [2026, 2027] and "PV capacity" in summary["explanation"]
    assert not (out / "tables").exists() and not (out / "report.html").exists()


def test_solver_time_limit_is_a_clear_error(tmp_path):
    """A time limit hit gives exit 3 (the reliability issue: a time guard reports exit 3, not
    a defect's exit 1) with the limit and a hint, no traceback, no output."""
    from .conftest import SCENARIOS

    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "run", str(SCENARIOS / "jiangsu_auto_parts_2027.yaml"),
                          "--out", str(out), "--time-limit", "0.0001", "-q"], capture_output=True, text=True)
    assert res.returncode == 3
    text = " ".join(res.stderr.split())
    assert "time limit (0.0001 s)" in text and "raise --time-limit" in text
    assert "Traceback" not in res.stderr
    assert not out.exists()


def test_diagnosis_names_emissions_no_lever_can_touch(write_yaml):
    """Process CO2 of 5,000 t with no CCUS and a 1,100 °C gas furnace with no heater that
    reaches it: the explanation lists both as fixed residuals with their tonnes."""
    data = copy.deepcopy(FLAT)
    data["baseline"] = {"electricity_mwh": 1000, "electricity_profile": {"shape": "flat"}, "process_co2_t": 5000,
                        "fuels": {"natural_gas_m3": 1_000_000},
                        "heat_loads": [{"name": "furnace", "temperature_c": 1100, "fuel": "natural_gas", "fuel_share": 1.0}]}
    data["prices"]["natural_gas_cny_per_m3"] = 3.5
    data["technologies"] = {"electric_boiler": {}, "green_certificates": {}}
    data["target"] = {"preset": "custom", "min_own_reduction_share": 0.5}
    with pytest.raises(InfeasibleTargetError) as info:
        solve(data, write_yaml)
    fixed = {f["source"]: f for f in info.value.diagnosis["fixed_residuals"]}
    assert fixed["process CO2"]["base_t"] == 5000
    furnace = fixed["heat load 'furnace' at 1100 °C (natural_gas)"]
    assert furnace["base_t"] == pytest.approx(1_000_000 * 0.038931 * 0.0153 * 0.99 * 44 / 12, rel=1e-9)
    assert "electric_boiler up to 240 °C" in furnace["why"]
    assert "process CO2: 5,000 t" in str(info.value)


def test_auto_method_is_chosen_by_model_class_not_size():
    """benchmarks/results/methods.json: the dual simplex for typical days, IPX for one
    full-hourly year, HiPO for several."""
    from pathway.solve import resolve_method
    from pathway.solve.options import HOURLY_MULTI_YEAR, HOURLY_ONE_YEAR, REPRESENTATIVE_DAYS

    assert resolve_method("auto", REPRESENTATIVE_DAYS) == "simplex"  # typical days, whatever their size
    assert resolve_method("auto", HOURLY_ONE_YEAR) == "ipx"
    assert resolve_method("auto", HOURLY_MULTI_YEAR) == "hipo"
    assert resolve_method("simplex", HOURLY_MULTI_YEAR) == "simplex"  # an explicit choice stands
    assert resolve_method("ipx", REPRESENTATIVE_DAYS) == "ipx"
    with pytest.raises(ValueError, match="hourly_one_year"):
        resolve_method("auto", "hourly")


def test_model_class_reads_the_time_mode_and_the_years():
    from pathlib import Path

    from pathway.inputs.prepare import prepare
    from pathway.model.direct import build_direct
    from pathway.reference.validate import load_scenario
    from pathway.solve.options import model_class

    src = str(Path(__file__).resolve().parents[1] / "scenarios" / "jiangsu_auto_parts_2027.yaml")
    one_year = {"time": {"mode": "hourly"}, "horizon": {"target_year": 2026, "end_year": 2026}}
    for overrides, expected in (({}, "representative_days"), (one_year, "hourly_one_year"),
                                ({"time": {"mode": "hourly"}}, "hourly_multi_year")):
        md = prepare(load_scenario(src, overrides=overrides))
        assert model_class(build_direct(md)) == expected


def test_auto_rule_matches_the_recorded_method_campaign():
    """The rule and its evidence stay together: in benchmarks/results/methods.json (written by
    benchmarks/bench_methods.py --heavy), auto's pick for each model class is the campaign's
    choice for it (the least HiGHS time summed over the class's cases; totals within 5 % tie,
    broken by the least mean peak memory), recomputed here from the recorded cases, and every
    case's methods agree on the objective."""
    import sys
    from pathlib import Path

    from pathway.solve import resolve_method
    from pathway.solve.options import MODEL_CLASSES, REPRESENTATIVE_DAYS

    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    sys.path.insert(0, str(bench))
    from bench_methods import METHODS, summarise

    rec = json.loads((bench / "results" / "methods.json").read_text())
    assert set(MODEL_CLASSES) <= set(rec["classes"])
    classes = summarise(rec["cases"], METHODS)
    for name, c in classes.items():
        pick = resolve_method("auto", REPRESENTATIVE_DAYS if name.startswith(REPRESENTATIVE_DAYS) else name)
        assert c["choice"] == pick == rec["classes"][name]["choice"], (name, c["total_s"], c["mean_peak_rss_mb"])
        assert c["cases"] >= 2, name  # a class rests on more than one model
    for case in rec["cases"]:
        if case["fastest"] is not None:  # None: no method found an optimum (an unreachable target)
            assert case["objective_rel_spread"] <= 1e-6, case["case"]


class _RefusingHighs:
    """Stands in for highspy.Highs: refuses the options in ``refused``, records the rest."""

    def __init__(self, refused):
        self.refused, self.set = refused, {}

    def setOptionValue(self, k, v):
        import highspy

        if (k, v) in self.refused:
            return highspy.HighsStatus.kError
        self.set[k] = v
        return highspy.HighsStatus.kOk


def test_auto_falls_back_to_ipx_where_hipo_is_missing_and_an_explicit_hipo_is_an_error(monkeypatch):
    from pathway.errors import SolverError
    from pathway.solve import SolverOptions, options
    from pathway.solve.highs import _set_options

    assert options.resolve_method("auto", options.HOURLY_MULTI_YEAR) == "hipo"  # highspy-extras is installed
    monkeypatch.setattr(options, "hipo_available", lambda: False)  # what HiGHS is without highspy-extras
    assert options.resolve_method("auto", options.HOURLY_MULTI_YEAR) == "ipx"
    h = _RefusingHighs({("solver", "hipo")})
    _set_options(h, SolverOptions(method="auto"), options.HOURLY_MULTI_YEAR)
    assert h.set["solver"] == "ipx" and h.set["run_crossover"] == "on"
    assert options.resolve_method("auto", options.REPRESENTATIVE_DAYS) == "simplex"
    with pytest.raises(SolverError, match="highspy-extras"):
        _set_options(_RefusingHighs({("solver", "hipo")}), SolverOptions(method="hipo"), options.HOURLY_MULTI_YEAR)
    with pytest.raises(SolverError, match="threads = 3"):
        _set_options(_RefusingHighs({("threads", 3)}), SolverOptions(threads=3), options.REPRESENTATIVE_DAYS)


class _FailingHipo:
    """Stands in for highspy.Highs: HiPO ends in a solver error, IPX solves."""

    def __init__(self, solver):
        self.solver, self.runs = solver, []

    def setOptionValue(self, k, v):
        if k == "solver":
            self.solver = v

    def getOptionValue(self, k):
        return self.solver

    def run(self):
        self.runs.append(self.solver)

    def getModelStatus(self):
        import highspy

        return highspy.HighsModelStatus.kSolveError if self.solver == "hipo" else highspy.HighsModelStatus.kOptimal


def test_auto_retries_with_ipx_when_hipo_fails_but_an_explicit_method_stands():
    from pathway.solve.highs import _run

    none = np.zeros(0, dtype=int)
    h = _FailingHipo("hipo")
    assert _run(h, none, auto=True) == "optimal" and h.runs == ["hipo", "ipx"]
    h = _FailingHipo("hipo")
    assert _run(h, none, auto=False) == "error" and h.runs == ["hipo"]


def test_hipo_is_available_and_agrees_with_the_simplex():
    """highspy-extras is a dependency: HiPO solves the 1-year hourly PV + battery LP (the
    PyPSA equal problem, 44k columns) to the dual simplex's optimum, as does auto (IPX for
    one hourly year), both with crossover (the MAC probes re-solve from its basis)."""
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_pypsa import load_model_data

    from pathway.model.direct import build_direct
    from pathway.solve import SolverOptions, solve

    objective = {}
    for method in ("simplex", "auto", "hipo"):
        md = load_model_data(1)
        m = build_direct(md)
        out = solve(m, SolverOptions(method=method))
        assert out.status == "optimal"
        objective[method] = out.objective
        assert out.method == {"simplex": "simplex", "auto": "ipx", "hipo": "hipo"}[method]  # auto: one hourly year
    assert objective["auto"] == pytest.approx(objective["simplex"], rel=1e-9)
    assert objective["hipo"] == pytest.approx(objective["simplex"], rel=1e-9)


@pytest.mark.parametrize(("covers", "priced_t"), [("direct", 10_000.0), ("all", 10_000.0 + 100 * 0.6096)])
def test_carbon_price_applies_to_direct_emissions_by_default(write_yaml, covers, priced_t):
    """Process CO2 10,000 t, 100 MWh from the grid (60.96 t market-based scope 2), carbon
    price 100 CNY/t, nothing to build: cost = (100 MWh x 600 + priced t x 100) / 1.06."""
    data = copy.deepcopy(FLAT)
    data["baseline"] = {"electricity_mwh": 100, "electricity_profile": {"shape": "flat"}, "process_co2_t": 10_000}
    data["horizon"] = {"base_year": 2025, "target_year": 2026, "end_year": 2026, "discount_rate": 0.06}
    data["prices"] = {"flat_electricity_cny_per_kwh": 0.6, "carbon_price_cny_per_t": 100, "carbon_price_covers": covers}
    r = solve(data, write_yaml)
    assert r.summary["total_cost_npv_cny"] == pytest.approx((100 * 600 + priced_t * 100) / 1.06, rel=1e-9)
    costs = r.tables["costs"].set_index(["year", "category"])["cost_cny"]
    assert costs[(2026, "carbon_price")] == pytest.approx(priced_t * 100, rel=1e-9)
