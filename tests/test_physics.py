"""Physics of the electricity side that an LP gets wrong unless told: import and export in
the same hour, battery churn and losses in the green share, battery wear, and the
chronological state of charge of an hourly (8760 h) run.

Each case is small and its outcome is derived in its docstring.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from pathway.inputs.prepare import prepare
from pathway.model import build_model
from pathway.money import crf
from pathway.reference.validate import load_scenario
from pathway.solve import SolverOptions
from pathway.solve import solve as solve_model

from .test_optimiser import FLAT, _battery_case, per_year, solve

TOL_MWH = 1e-6


def _mip_solve(m, route: str = "compiler"):
    """Solve a model that may hold binaries (the solve layer passes integrality to HiGHS on
    both routes, then fixes the integers and re-solves the LP for duals)."""
    out = solve_model(m, SolverOptions(route=route))
    assert out.status.name == "OPTIMAL", out
    return out


def _hourly(m, var) -> np.ndarray:
    return np.array([var[t].value or 0.0 for t in m.T])


# ---- defect 3: import and export in the same hour ------------------------------------

def _export_case() -> dict:
    """Flat 1 MW load; PV up to 4 MWp (almost free, so built to the cap); a TOU tariff whose
    midday valley (0.30 CNY/kWh, 10-15 h) is below the export price (0.391), peak 0.8."""
    data = copy.deepcopy(FLAT)
    data["time"] = {"mode": "representative_days", "representative_days": 2}
    data["prices"] = {"tou_periods": [{"name": "valley", "hours": "10-15", "price_cny_per_kwh": 0.30},
                                      {"name": "peak", "hours": "0-10,15-24", "price_cny_per_kwh": 0.80}],
                      "export_price_cny_per_kwh": 0.391}
    data["technologies"] = {"pv": {"max_kw": 4000, "capex_cny_per_kw": 10, "fom_cny_per_kw_yr": 0, "life_years": 25,
                                   "degradation_per_yr": 0.0}}
    return data


def test_no_import_and_export_in_the_same_hour(write_yaml):
    """Without exclusivity the plant imports its whole load at 0.30 in the valley hours and
    exports all its PV at 0.391 (a 0.091 CNY/kWh arbitrage on the load): imp > 0 and
    exp > 0 in the same hour. With it, in every hour min(imp, exp) = 0: in the valley the
    plant uses its own PV first and exports only the surplus."""
    md = prepare(load_scenario(write_yaml(_export_case())))
    for route in ("compiler", "persistent"):
        m = build_model(md)
        _mip_solve(m, route)
        imp, exp = _hourly(m, m.imp), _hourly(m, m.exp)
        assert exp.max() > 0.1  # PV surplus is exported
        both = np.minimum(imp, exp)
        assert both.max() <= TOL_MWH, f"{route}: import and export in the same hour: {both.max():.4g} MWh"
        assert m.has_integers  # the valley hours needed the switch


def test_export_switch_runs_end_to_end(write_yaml):
    """The whole pipeline on the case that needs the switch: MIP, integers fixed, LP
    re-solved for duals and the MAC probes, post-solve checks (including no import and
    export in the same hour) all pass."""
    from pathway.runs.pipeline import run_loaded

    r = run_loaded(load_scenario(write_yaml(_export_case())))
    assert r.summary["status"] == "optimal"
    assert r.tables["checks"]["passed"].all()
    d = r.tables["dispatch"]
    assert (np.minimum(d.grid_import_mwh, d.pv_export_mwh) <= TOL_MWH).all()


def test_exclusivity_binaries_only_where_export_pays_more(write_yaml):
    """With the export price below every import price the LP is exclusive by itself
    (importing to export loses money): no binaries, ``has_integers`` is False."""
    data = _export_case()
    data["prices"]["export_price_cny_per_kwh"] = 0.25
    m = build_model(prepare(load_scenario(write_yaml(data))))
    assert getattr(m, "has_integers", None) is False
    assert not hasattr(m, "grid_mode")


def test_default_export_price_follows_the_province(write_yaml, minimal):
    """No export price in the scenario: the province's market-based default from prices.csv
    (NDRC/NEA 2025 No.136); ``export_allowed: false`` removes the export variable."""
    from pathway.reference.catalogue import default_price

    minimal["factory"]["province"] = "jiangsu"
    md = prepare(load_scenario(write_yaml(minimal)))
    assert md.export_price_cny_per_mwh == pytest.approx(default_price("export_price_cny_per_kwh", 2025, "jiangsu") * 1000)
    assert md.export_price_cny_per_mwh < 353.0  # below the Jiangsu midday valley price: no arbitrage
    minimal["prices"]["export_allowed"] = False
    assert prepare(load_scenario(write_yaml(minimal))).export_price_cny_per_mwh is None


# ---- defect 4: storage churn, losses and wear -----------------------------------------

@pytest.mark.parametrize(("wear", "built"), [(0.25, False), (0.10, True)])
def test_battery_wear_above_the_spread_idles_the_battery(write_yaml, wear, built):
    """Valley 0.3, peak 0.6, round trip 0.81, capex 1 CNY/kWh (almost free). A MWh
    discharged at peak saves 0.6 and costs 0.3/0.81 = 0.370 of valley energy plus the wear
    w: margin 0.230 - w CNY/kWh. w = 0.25: negative, no battery. w = 0.10: positive, built."""
    data = _battery_case(0.3, 0.6, 1)
    data["technologies"]["battery"]["degradation_cny_per_kwh"] = wear
    r = solve(data, write_yaml)
    cap = per_year(r, "capacity", "capacity", technology="battery_energy")
    dis = per_year(r, "energy_balance", "energy_mwh", carrier="electricity", flow="supply: battery discharge")
    costs = r.tables["costs"]
    deg = costs[costs.category == "battery_degradation"].sort_values("year").cost_cny.to_numpy()
    if built:
        assert cap.min() > 1.0
        np.testing.assert_allclose(deg, wear * 1000 * dis, rtol=1e-9)
    else:
        np.testing.assert_allclose(cap, 0.0, atol=1e-6)
        np.testing.assert_allclose(deg, 0.0, atol=1e-6)


def _churn_case() -> dict:
    """Flat 1 MW load; 5 MWp of almost free PV (midday surplus is curtailed); a battery of
    at most 1 kWh (no real shifting) with cheap power (1 CNY/kW); green share >= 0.8 in the
    target year, the gap bought as certificates at 100 CNY/MWh. Burning curtailed PV as
    battery losses (charge and discharge in the same hour) would raise 'PV used' for free."""
    data = copy.deepcopy(FLAT)
    data["time"] = {"mode": "representative_days", "representative_days": 2}
    data["horizon"] = {"base_year": 2025, "target_year": 2026, "end_year": 2026, "discount_rate": 0.06}
    data["prices"] = {"flat_electricity_cny_per_kwh": 0.6, "gec_cny_per_mwh": 100}
    data["target"] = {"preset": "custom", "min_green_electricity_share": 0.8}
    data["technologies"] = {
        "pv": {"max_kw": 5000, "capex_cny_per_kw": 10, "fom_cny_per_kw_yr": 0, "life_years": 25, "degradation_per_yr": 0.0},
        "battery": {"capex_energy_cny_per_kwh": 500, "capex_power_cny_per_kw": 1, "fom_cny_per_kw_yr": 0,
                    "round_trip_efficiency": 0.81, "life_years": 12, "min_duration_h": 0, "max_duration_h": 1000,
                    "max_kwh": 1},
        "green_certificates": {},
    }
    return data


def test_battery_never_charges_and_discharges_in_the_same_hour(write_yaml):
    """Churn only burns energy (and wears the battery): with losses out of the green share it
    buys nothing, so in no hour do charge and discharge both exceed 1e-6 MWh."""
    r = solve(_churn_case(), write_yaml)
    d = r.tables["dispatch"]
    both = np.minimum(d.battery_charge_mwh, d.battery_discharge_mwh)
    assert both.max() <= TOL_MWH, f"charge and discharge in the same hour: {both.max():.4g} MWh"


def test_battery_losses_never_raise_the_green_share(write_yaml):
    """Green share with the battery <= the same plant's share with the battery's losses
    L = sum w (ch - dis) removed from PV used (numerator and consumption alike):

        (PVused - L + gp + gec) / (import + PVused - L) <= (PVused + gp + gec) / (import + PVused)."""
    r = solve(_churn_case(), write_yaml)
    eb = r.tables["energy_balance"]
    pw = r.tables["pathway"].set_index("year")
    for y in pw.index:
        e = eb[eb.year == y].set_index("flow").energy_mwh
        loss = e["use: battery charge"] - e["supply: battery discharge"]
        pv_used = e["supply: PV"] - e["use: PV export"]
        imp = e["supply: grid import"]
        c = r.tables["costs"]
        gec = float(c[(c.year == y) & (c.category == "green_certificates")].cost_cny.sum()) / 100.0
        no_loss = (pv_used - loss + gec) / (imp + pv_used - loss)
        assert pw.loc[y, "green_electricity_share"] <= no_loss + 1e-9


# ---- defect 5: chronological state of charge in hourly mode --------------------------

def test_hourly_storage_carries_energy_across_days(write_yaml, tmp_path):
    """Hourly mode (365 days in order), one planning year, flat 1 MW load at a flat 0.6
    CNY/kWh. PV of 2 MWp (cost ~0, built to the cap) shines with cf = 1 all day on one day
    a week (day % 7 == 6) and not at all on the others: that day has 24 MWh of surplus,
    which cannot be exported (``export_allowed: false``). Battery: round trip 1, 1 CNY/kWh of energy, free power, no wear.

    Daily cycling: the surplus cannot leave its own day (no deficit there) and would be
    curtailed; the battery has no use. Chronological: it carries the 24 MWh into the next day, saving
    24 MWh x 600 CNY/MWh on each of the 52 sunny days with a following day, for a battery
    of 24 MWh costing 24,000 CNY x CRF: the cost is lower by about 52 x 14,400 CNY, and the
    state of charge at the end of a sunny day (hour 23) is 24 MWh > 0. Exactly:

        saving = (52 x 24 MWh x 600 CNY/MWh - 24 MWh x 1000 CNY/MWh x CRF(6 %, 12)
                  - 1 MWp x 1000 CNY/MWp x CRF(6 %, 25)) / 1.06

    (with daily cycling only 1 MWp of PV is worth building: the second would be curtailed)."""
    days = np.arange(8760) // 24
    pd.DataFrame({"cf": np.where(days % 7 == 6, 1.0, 0.0)}).to_csv(tmp_path / "pv.csv", index=False)
    data = copy.deepcopy(FLAT)
    data["time"] = {"mode": "hourly"}
    data["prices"] = {"flat_electricity_cny_per_kwh": 0.6, "export_allowed": False, "demand_charge_cny_per_kw_month": 0.0}
    data["horizon"] = {"base_year": 2025, "target_year": 2026, "end_year": 2026, "discount_rate": 0.06}
    data["technologies"] = {
        "pv": {"max_kw": 2000, "capex_cny_per_kw": 1, "fom_cny_per_kw_yr": 0, "life_years": 25, "degradation_per_yr": 0.0,
               "profile": {"shape": "csv", "csv": "pv.csv", "column": "cf"}},
        "battery": {"capex_energy_cny_per_kwh": 1, "capex_power_cny_per_kw": 0, "fom_cny_per_kw_yr": 0,
                    "round_trip_efficiency": 1.0, "life_years": 12, "min_duration_h": 0, "max_duration_h": 1000,
                    "degradation_cny_per_kwh": 0},
    }
    md = prepare(load_scenario(write_yaml(data)))
    assert md.periods.mode == "hourly" and md.n_periods == 365
    m = build_model(md)
    chrono = solve_model(m, SolverOptions())
    soc_end_of_sunny_day = m.soc[2026, 6, 23].value
    assert soc_end_of_sunny_day == pytest.approx(24.0, rel=1e-6)
    daily_md = dataclasses.replace(md)
    daily_md.periods = dataclasses.replace(md.periods, mode="representative_days")
    m_daily = build_model(daily_md)
    daily = solve_model(m_daily, SolverOptions())
    saving = daily.objective - chrono.objective  # thousand CNY (OBJ_SCALE)
    # 52 sunny days of 24 MWh at 600 CNY/MWh, discounted one year, less the annuities of the
    # battery and of the second MWp of PV (daily cycling builds only the 1 MWp it can use)
    expected = (52 * 24 * 600 - 24 * 1000 * crf(0.06, 12) - 1 * 1000 * crf(0.06, 25)) / 1.06
    assert saving * 1000 == pytest.approx(expected, rel=1e-6)
