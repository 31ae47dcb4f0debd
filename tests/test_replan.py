"""``pathway replan``: a lever built late raises the remaining cost by an amount derived on
paper.

The plant: a flat 1,000 MWh/yr load (base 2025, plan years 2026-2027), grid at a flat
600 CNY/MWh, no demand charge, surplus PV worth nothing (export price 0). PV gives a flat
capacity factor 0.2 (1,752 MWh per MW a year, no degradation), costs 3,000 CNY/kW (20 years at 5 %: an
annuity A = 3e6 x CRF(5 %, 20) = 240,728 CNY per MW-year, i.e. 137 CNY/MWh < 600), and at
most 0.3 MW can be built a year. The plan builds 0.3 MW in 2026 and tops up to the load,
1000 / 1752 = 0.570776 MW, in 2027: 2027 costs 0.570776 A.

Actually nothing was built in 2026 (BUILT.csv: pv 2026 0). The re-plan can build only
0.3 MW in 2027: PV gives 525.6 MWh, the grid 474.4 MWh, so 2027 costs 0.3 A + 474.4 x 600.
The remaining cost rises by 474.4 x 600 - 0.270776 A = 219,457 CNY (2027 money), divided by
1.05^2 discounted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pathway.cli import app
from pathway.money import crf

A = 3e6 * crf(0.05, 20)
FULL = 1000 / (0.2 * 8760)


@pytest.fixture
def plan(write_yaml, tmp_path):
    pd.DataFrame({"cf": np.full(8760, 0.2)}).to_csv(tmp_path / "pv_cf.csv", index=False)
    path = write_yaml({
        "name": "replan_tiny",
        "factory": {"name": "Test plant", "sector": "machinery", "grid_region": "east"},
        "horizon": {"base_year": 2025, "target_year": 2027, "end_year": 2027, "discount_rate": 0.05},
        "time": {"mode": "representative_days", "representative_days": 1},
        "production": {"output_per_yr": 1000, "unit": "t"},
        "baseline": {"electricity_mwh": 1000, "electricity_profile": {"shape": "flat"}},
        "prices": {"flat_electricity_cny_per_kwh": 0.6, "demand_charge_cny_per_kw_month": 0, "export_price_cny_per_kwh": 0},
        "technologies": {"pv": {"profile": {"shape": "csv", "csv": "pv_cf.csv", "column": "cf"}, "capex_cny_per_kw": 3000,
                                "fom_cny_per_kw_yr": 0, "life_years": 20, "max_build_per_yr": 300,
                                "degradation_per_yr": 0}},
        "target": {"preset": "custom"},
    }, "replan_tiny.yaml")
    r = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "plan"), "--no-xlsx", "--no-report"])
    assert r.exit_code == 0, r.output
    (tmp_path / "actuals.csv").write_text("month,output,grid_mwh\n2026-01,85,85\n", encoding="utf-8")
    (tmp_path / "built.csv").write_text("technology,year,build\npv,2026,0\n", encoding="utf-8")
    return path


def test_lever_built_late_raises_the_remaining_cost_by_the_derived_amount(plan, tmp_path):
    b = pd.read_csv(tmp_path / "plan" / "tables" / "builds.csv").set_index("year").build
    assert b[2026] == pytest.approx(0.3) and b[2027] == pytest.approx(FULL - 0.3)
    r = CliRunner().invoke(app, ["replan", str(tmp_path / "plan"), str(tmp_path / "actuals.csv"), "--out", str(tmp_path / "new"),
                                 "--scenario", str(plan), "--built", str(tmp_path / "built.csv")])
    assert r.exit_code == 0, r.output
    c = pd.read_csv(tmp_path / "new" / "tables" / "replan_costs.csv").set_index("year")
    assert list(c.index) == [2027]
    assert c.loc[2027, "plan_cost_cny"] == pytest.approx(FULL * A, rel=1e-6)
    assert c.loc[2027, "replan_cost_cny"] == pytest.approx(0.3 * A + (1000 - 0.3 * 1752) * 600, rel=1e-6)
    change = (1000 - 0.3 * 1752) * 600 - (FULL - 0.3) * A
    assert change == pytest.approx(219_457, abs=1)
    assert c.loc[2027, "change_cny"] == pytest.approx(change, rel=1e-6)
    assert c.loc[2027, "discounted_change_cny"] == pytest.approx(change / 1.05**2, rel=1e-6)
    nb = pd.read_csv(tmp_path / "new" / "tables" / "replan_builds.csv").set_index(["technology", "year"])
    assert nb.loc[("pv", 2026), "build_replan"] == 0 and bool(nb.loc[("pv", 2026), "fixed"])
    assert nb.loc[("pv", 2027), "build_replan"] == pytest.approx(0.3)
    import json

    s = json.loads((tmp_path / "new" / "summary.json").read_text(encoding="utf-8"))
    assert s["replan"]["remaining_discounted_cost_change_cny"] == pytest.approx(change / 1.05**2, rel=1e-6)


def test_replan_with_the_plans_builds_changes_nothing(plan, tmp_path):
    r = CliRunner().invoke(app, ["replan", str(tmp_path / "plan"), str(tmp_path / "actuals.csv"), "--out", str(tmp_path / "same"),
                                 "--scenario", str(plan)])
    assert r.exit_code == 0, r.output
    c = pd.read_csv(tmp_path / "same" / "tables" / "replan_costs.csv")
    assert c.change_cny.abs().max() == pytest.approx(0, abs=1e-3)


@pytest.mark.parametrize("built, expected", [
    ("technology,year,build\nwind,2026,1\n", ["technology", "'wind'"]),
    ("technology,year,build\npv,2027,1\n", ["year", "2027"]),
    ("technology,year,build\npv,2026,-1\n", ["build", "given -1"]),
])
def test_bad_built_csv_exit_2(plan, tmp_path, built, expected):
    (tmp_path / "bad.csv").write_text(built, encoding="utf-8")
    r = CliRunner().invoke(app, ["replan", str(tmp_path / "plan"), str(tmp_path / "actuals.csv"), "--out", str(tmp_path / "x"),
                                 "--scenario", str(plan), "--built", str(tmp_path / "bad.csv")])
    assert r.exit_code == 2, r.output
    for part in ["bad.csv", "row 2", *expected]:
        assert part in r.output
    assert not (tmp_path / "x" / "summary.json").exists()


def test_a_different_scenario_is_refused(plan, tmp_path, write_yaml):
    import yaml

    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    data["prices"]["flat_electricity_cny_per_kwh"] = 0.7
    other = write_yaml(data, "other.yaml")
    r = CliRunner().invoke(app, ["replan", str(tmp_path / "plan"), str(tmp_path / "actuals.csv"), "--out", str(tmp_path / "x"),
                                 "--scenario", str(other)])
    assert r.exit_code == 2 and "sha256" in r.output
