"""A grid import limit with a plan that sets no target (issue 13).

``prices.import_limit_kw: 0`` with a ``custom`` preset that sets no target used to exit 3
"target not met". A plan with no target cannot miss it: the run is infeasible because the
electricity demand cannot be served, and now says so. Hand numbers: 1,000 MWh/yr on a flat
shape is 1,000 / 8,760 MWh in every hour = 114.155 kW, every planning year (no growth).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pathway.cli import app

FLAT_KW = 1000 / 8760 * 1000  # 114.155 kW


def _run(minimal, write_yaml, tmp_path, limit_kw, technologies=None):
    minimal["baseline"]["electricity_profile"] = {"shape": "flat"}
    minimal["prices"]["import_limit_kw"] = limit_kw
    if technologies:
        minimal["factory"].update(latitude_deg=31.3, longitude_deg=120.6)
        minimal["technologies"] = technologies
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["run", str(write_yaml(minimal)), "--out", str(out), "--no-report", "--no-xlsx", "-q"])
    return r, out


@pytest.mark.parametrize("limit_kw", [0, 100])
def test_demand_above_the_import_limit_is_infeasible_for_energy_not_a_missed_target(minimal, write_yaml, tmp_path,
                                                                                     limit_kw):
    r, out = _run(minimal, write_yaml, tmp_path, limit_kw)
    assert r.exit_code == 3, r.output
    text = " ".join(r.output.split())
    assert "target not met" not in text
    assert text.startswith("infeasible:")
    assert "electricity demand cannot be served, whatever the emission target" in text
    assert f"limited to {limit_kw} kW" in text and "at least 114.2 kW" in text
    diag = json.loads((out / "diagnosis.json").read_text(encoding="utf-8"))
    assert diag["status"] == "infeasible" and diag["cause"] == "energy"
    hours = diag["unservable_hours"]
    assert [h["year"] for h in hours] == [2026, 2027, 2028]
    for h in hours:
        assert h["lowest_demand_mw"] * 1000 == pytest.approx(FLAT_KW, rel=1e-9)
        assert h["shortfall_mw"] * 1000 == pytest.approx(FLAT_KW - limit_kw, rel=1e-9)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "infeasible"


def test_import_limit_above_the_flat_demand_solves_with_no_target(minimal, write_yaml, tmp_path):
    """120 kW > 114.155 kW: the plan runs (exit 0), imports exactly the demand, and a plan
    with no target has met it."""
    r, out = _run(minimal, write_yaml, tmp_path, 120)
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal" and summary["rule"] == "custom" and summary["target_met"] is True
    import pandas as pd

    bal = pd.read_csv(out / "tables" / "energy_balance.csv")
    imp = bal[(bal.carrier == "electricity") & (bal.flow == "supply: grid import")].set_index("year").energy_mwh
    assert imp.to_dict() == pytest.approx({2026: 1000.0, 2027: 1000.0, 2028: 1000.0}, rel=1e-6)
    d = pd.read_csv(out / "tables" / "dispatch.csv")
    assert d.grid_import_mwh.max() * 1000 == pytest.approx(FLAT_KW, rel=1e-6)


def test_zero_import_with_pv_but_no_battery_is_infeasible_at_night(minimal, write_yaml, tmp_path):
    r, out = _run(minimal, write_yaml, tmp_path, 0, technologies={"pv": {}})
    assert r.exit_code == 3, r.output
    text = " ".join(r.output.split())
    assert "target not met" not in text and "PV gives nothing in that hour and no battery is enabled" in text
    diag = json.loads((out / "diagnosis.json").read_text(encoding="utf-8"))
    assert diag["cause"] == "energy"


def test_zero_import_with_pv_and_a_battery_solves(minimal, write_yaml, tmp_path):
    """Off-grid is possible when PV and a battery can carry every hour: exit 0, no import."""
    r, out = _run(minimal, write_yaml, tmp_path, 0, technologies={"pv": {}, "battery": {}})
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["target_met"] is True
    import pandas as pd

    assert pd.read_csv(out / "tables" / "dispatch.csv").grid_import_mwh.max() == pytest.approx(0.0, abs=1e-9)
