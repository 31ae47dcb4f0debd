"""The direct green-power line (绿电直连, scenario block ``direct_line``): a tiny plant whose
optimal line size and cost are derived on paper, the notice's rules binding and refusing,
zero-carbon accounting under both scope-2 methods, and the post-solve checks.

The plant: one planning year (2026), a flat 1 MW load (8,760 MWh), a flat grid price of
600 CNY/MWh, no demand charge. The line's plant gives, every day, 6 h nothing, 6 h full
output and 12 h half output per MW of line (8,760 h of capacity factors from a CSV), so one
MW of line has 6 + 6 = 12 MWh a day available, 4,380 MWh a year. Line energy 300 CNY/MWh,
capex 1,000 CNY/kW (20 years, 5 %: CRF 0.0802426), O&M 10 CNY/kW-yr.

With line capacity c (MW) between 1 and 2 the factory takes 6 x 1 + 12 x 0.5c MWh a day (the
load caps the full-output hours); each MW above 1 adds 6 MWh a day used = 2,190 MWh a year,
worth (600 - 300) x 2,190 = 657,000 CNY against 80,243 + 10,000 CNY of line: the line grows
until a rule stops it. Beyond c = 2 nothing more can be used.
- with the notice's 60 % self-consumption: c* = 2 MW (use 18 MWh/day of 24 = 75 %);
- with a stricter 80 % (a local rule): use >= 0.8 x 12c, i.e. 6 + 6c >= 9.6c, so c* = 5/3 MW,
  use 16 MWh/day = 5,840 MWh a year, grid 2,920 MWh.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pathway.cli import app
from pathway.money import crf

CRF = crf(0.05, 20)


def _scenario(tmp_path, **dl) -> dict:
    cf = np.tile(np.array([0.0] * 6 + [1.0] * 6 + [0.5] * 12), 365)
    pd.DataFrame({"cf": cf}).to_csv(tmp_path / "dl_cf.csv", index=False)
    line = {"plant": "wind", "profile": {"shape": "csv", "csv": "dl_cf.csv", "column": "cf"},
            "energy_price_cny_per_mwh": 300, "line_capex_cny_per_kw": 1000, "line_fom_cny_per_kw_yr": 10,
            "line_life_years": 20} | dl
    return {
        "name": "dl_tiny",
        "factory": {"name": "Test plant", "sector": "machinery", "grid_region": "east"},
        "horizon": {"base_year": 2025, "target_year": 2026, "end_year": 2026, "discount_rate": 0.05},
        "time": {"mode": "representative_days", "representative_days": 1},
        "production": {"output_per_yr": 1000, "unit": "t"},
        "baseline": {"electricity_mwh": 8760, "electricity_profile": {"shape": "flat"}},
        "prices": {"flat_electricity_cny_per_kwh": 0.6, "demand_charge_cny_per_kw_month": 0},
        "target": {"preset": "custom"},
        "direct_line": line,
    }


def _run(write_yaml, data):
    from pathway.runs.pipeline import run_file

    return run_file(write_yaml(data))


def test_stricter_self_consumption_sizes_the_line_at_five_thirds_mw(write_yaml, tmp_path):
    r = _run(write_yaml, _scenario(tmp_path, min_self_consumption_share=0.8, min_share_of_consumption=0.3))
    t = r.tables
    cap = t["capacity"].query("technology == 'direct_line'").capacity.iloc[0]
    assert cap == pytest.approx(5 / 3, rel=1e-6)
    eb = t["energy_balance"].set_index(["carrier", "flow"]).energy_mwh
    assert eb[("electricity", "supply: direct line")] == pytest.approx(5840, rel=1e-6)
    assert eb[("electricity", "supply: grid import")] == pytest.approx(2920, rel=1e-6)
    assert eb[("direct_line", "available generation")] == pytest.approx(7300, rel=1e-6)
    costs = t["costs"].set_index("category").cost_cny
    assert costs["direct_line_energy"] == pytest.approx(300 * 5840, rel=1e-6)
    assert costs["grid_energy"] == pytest.approx(600 * 2920, rel=1e-6)
    assert costs["direct_line_capex_annuity"] == pytest.approx(5 / 3 * 1e6 * CRF, rel=1e-6)
    assert costs["direct_line_fixed_om"] == pytest.approx(5 / 3 * 1e4, rel=1e-6)
    total = (300 * 5840 + 600 * 2920 + 5 / 3 * 1e6 * CRF + 5 / 3 * 1e4) / 1.05
    assert t["costs"].discounted_cost_cny.sum() == pytest.approx(total, rel=1e-6)
    assert t["capex"].query("technology == 'direct_line'").capex_cny.sum() == pytest.approx(5 / 3 * 1e6, rel=1e-6)
    # zero-carbon under both methods: only the grid's 2,920 MWh carry a factor
    pw = t["pathway"].iloc[0]
    f = r.md.grid_location[2026], r.md.grid_market[2026]
    assert pw.emissions_location_t == pytest.approx(2920 * f[0], rel=1e-6)
    assert pw.emissions_market_t == pytest.approx(2920 * f[1], rel=1e-6)
    assert pw.green_electricity_share == pytest.approx(5840 / 8760, rel=1e-6)
    ab = t["abatement"].set_index("lever").abatement_t
    assert ab["green_power"] == pytest.approx(5840 * f[1], rel=1e-6)  # the line's MWh x the target method's factor
    checks = t["checks"]
    assert checks.passed.all()
    assert {"direct line: self-consumption >= min share of available generation (MWh)",
            "direct line: feed-in <= max share of available generation (MWh)",
            "direct line: share of consumption >= minimum (MWh)"} <= set(checks.check)


def test_the_notices_sixty_percent_gives_two_mw_and_caps_feed_in(write_yaml, tmp_path):
    """60 % self-consumption does not bind: c* = 2 MW, use 18 of 24 MWh a day (6,570 MWh a
    year); the 6 MWh a day of surplus (2,190 MWh) are fed in up to 20 % of 8,760 MWh
    available (1,752 MWh), the rest curtailed."""
    r = _run(write_yaml, _scenario(tmp_path))
    t = r.tables
    assert t["capacity"].query("technology == 'direct_line'").capacity.iloc[0] == pytest.approx(2, rel=1e-6)
    eb = t["energy_balance"].set_index(["carrier", "flow"]).energy_mwh
    assert eb[("electricity", "supply: direct line")] == pytest.approx(6570, rel=1e-6)
    assert eb[("direct_line", "fed into the grid")] <= 0.2 * 8760 + 1e-6
    a = t["assumptions"]
    src = a[a["item"] == "direct_line.min_self_consumption_share_of_generation"]["source"].iloc[0]
    assert "发改能源〔2025〕650号" in src and "http" in src


def test_rules_that_cannot_hold_together_are_infeasible_with_exit_3(write_yaml, tmp_path):
    """At 80 % self-consumption the line covers at most 16 of 24 MWh a day (66.7 %) of the
    plant's use, so a 70 % minimum share of consumption cannot be met."""
    path = write_yaml(_scenario(tmp_path, min_self_consumption_share=0.8, min_share_of_consumption=0.7))
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output


@pytest.mark.parametrize("change, field", [
    ({"profile": None}, "direct_line.profile"),
    ({"profile": {"shape": "flat"}}, "direct_line.full_load_hours_per_yr"),
    ({"profile": {"shape": "flat"}, "full_load_hours_per_yr": 9000}, "direct_line.profile"),
    ({"first_year": 2040}, "direct_line.first_year"),
])
def test_bad_direct_line_inputs_exit_2(write_yaml, tmp_path, change, field):
    data = _scenario(tmp_path)
    data["direct_line"] = {k: v for k, v in (data["direct_line"] | change).items() if v is not None}
    res = CliRunner().invoke(app, ["validate", str(write_yaml(data))])
    assert res.exit_code == 2, res.output
    assert field in res.output
