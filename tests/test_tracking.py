"""Plan vs actual (``pathway track``): hand-derived monthly paths, the variance
decomposition's identity, the year-end projection and its early warning, validation of the
actuals CSV (exit 2), and the page and report section on a real run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pathway.analysis.tracking import month_overlap_days, plan_months, read_actuals, track
from pathway.errors import ScenarioError
from pathway.reference.factors import default_fuel_factor

# ---- a one-year plan written by hand -----------------------------------------------------
# 2026, one period standing for 365 days: output 10 units/day, process CO2 1 t/day, grid
# import 10 MWh/day, on-site PV used 2 MWh/day, grid factor 0.5 t/MWh under both methods, no
# green power: emissions 1 + 10 x 0.5 = 6 t/day = 2,190 t/yr, ceiling 2,190 t (location).


def plan_tables(pv_mwh_per_day: float = 2.0, ceiling_t: float = 2190.0) -> dict[str, pd.DataFrame]:
    hours = np.arange(24)
    dispatch = pd.DataFrame({"year": 2026, "period": 0, "hour": hours, "weight_days": 365.0, "day_of_year": 0,
                             "grid_import_mwh": 10 / 24, "pv_mwh": pv_mwh_per_day / 24, "pv_export_mwh": 0.0})
    pathway = pd.DataFrame({"year": [2026], "emissions_t": [2190.0], "offsets_t": [0.0], "ceiling_t": [ceiling_t],
                            "grid_import_mwh": [3650.0], "electricity_use_mwh": [3650.0 + 365 * pv_mwh_per_day],
                            "output": [3650.0]})
    emissions = pd.DataFrame({"year": 2026, "source": ["process", "grid electricity", "grid electricity (not covered)"],
                              "scope": [1, 2, 2], "method": ["both", "location", "market"],
                              "emissions_t": [365.0, 1825.0, 1825.0]})
    assumptions = pd.DataFrame({"item": ["grid factor (location) tCO2/MWh", "grid factor (market) tCO2/MWh"],
                                "year": 2026, "value": [0.5, 0.5], "source": "test"})
    return {"dispatch": dispatch, "pathway": pathway, "emissions": emissions, "assumptions": assumptions}


def actuals(rows: list[dict]) -> pd.DataFrame:
    base = {"output": 0.0, "grid_mwh": 0.0, "pv_mwh": 0.0, "green_ppa_mwh": 0.0, "direct_line_mwh": 0.0,
            "certificates_mwh": 0.0, "offsets_t": 0.0, "process_co2_t": 0.0, "ccus_captured_t": 0.0,
            "grid_factor_location_t_per_mwh": np.nan, "grid_factor_market_t_per_mwh": np.nan}
    from pathway.analysis.tracking import _fuel_columns

    base |= {c: 0.0 for c in _fuel_columns()}
    return pd.DataFrame([base | r for r in rows])


def test_plan_months_split_the_year_by_days_when_the_profile_is_flat():
    pm = plan_months(plan_tables(), "location")
    jan = pm[(pm.year == 2026) & (pm.month == 1)].iloc[0]
    assert jan.emissions_location_t == pytest.approx(31 * 6)  # 31 days x 6 t/day
    assert jan.ceiling_t == pytest.approx(2190 * 31 / 365)
    assert pm.emissions_location_t.sum() == pytest.approx(2190)
    assert pm.ceiling_t.sum() == pytest.approx(2190)


def test_calendar_layout_keeps_weights_and_seasons():
    # period 1 (day 10) covers days 0-64: Jan 31, Feb 28, Mar 6; period 0 (day 200) the rest
    ov = month_overlap_days(np.array([200, 10]), np.array([300.0, 65.0]))
    assert ov[1, :3].tolist() == [31, 28, 6] and ov[1, 3:].sum() == 0
    assert ov[0, 2] == 25 and ov[0, 3:].tolist() == [30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert ov.sum(axis=1).tolist() == [300, 65]


def test_variance_decomposition_hand_derived_and_exact():
    """January: plan Q 310, S 31, U 372, Z 62, f 0.5 -> E_p 186. Actual: output 341 (+10 %),
    process 31, grid 400 MWh, no PV (built late), published factor 0.55 -> E_a 251.
    activity 0.1 x 186 = 18.6; E2 = 31 + (400 - 1.1 x 62) 0.5 = 196.9 -> intensity -7.7;
    late levers 68.2 x 0.5 = 34.1; grid factor 400 x 0.05 = 20; total 65."""
    act = actuals([{"year": 2026, "month": 1, "output": 341, "process_co2_t": 31, "grid_mwh": 400,
                    "grid_factor_location_t_per_mwh": 0.55}])
    t = track(plan_tables(), "location", act)
    row = t.monthly[t.monthly.method == "location"].iloc[0]
    assert row.plan_t == pytest.approx(186)
    assert row.actual_t == pytest.approx(251)
    assert row.activity_t == pytest.approx(18.6)
    assert row.intensity_t == pytest.approx(-7.7)
    assert row.late_levers_t == pytest.approx(34.1)
    assert row.grid_factor_t == pytest.approx(20)
    for _, r in t.monthly.iterrows():  # the identity, both methods
        assert r.activity_t + r.intensity_t + r.late_levers_t + r.grid_factor_t == pytest.approx(r.actual_t - r.plan_t, abs=1e-9)
    mkt = t.monthly[t.monthly.method == "market"].iloc[0]  # no market factor given: the plan's 0.5
    assert mkt.actual_t == pytest.approx(31 + 400 * 0.5) and mkt.grid_factor_t == 0


def test_run_rate_breaching_the_ceiling_raises_the_early_warning():
    """Jan-Mar at 7 t/day (1 t process + 12 MWh x 0.5) against a plan of 6 t/day: to date
    630 t vs 540 t; the plan's share to date is 90/365, so the year projects to
    630 / (90/365) = 2,555 t; minus 100 t of offsets retired, 2,455 t net, 265 t over the
    2,190 t ceiling."""
    days = {1: 31, 2: 28, 3: 31}
    act = actuals([{"year": 2026, "month": m, "output": 10 * d, "process_co2_t": d, "grid_mwh": 12 * d, "pv_mwh": 2 * d,
                    "offsets_t": 100 if m == 1 else 0} for m, d in days.items()])
    t = track(plan_tables(), "location", act)
    s = t.summary[t.summary.method == "location"].iloc[0]
    assert s.plan_to_date_t == pytest.approx(540) and s.actual_to_date_t == pytest.approx(630)
    assert s.plan_share_to_date == pytest.approx(90 / 365)
    assert s.projected_year_t == pytest.approx(2555)
    assert s.projected_net_t == pytest.approx(2455)
    assert s.projected_over_ceiling_t == pytest.approx(265)
    assert bool(s.warning) and len(t.warnings) == 1 and "265 t over the ceiling" in t.warnings[0]
    # the excess is all intensity: 2 MWh/day more grid at the same output and PV
    assert s.intensity_t == pytest.approx(90 * 2 * 0.5) and s.activity_t == pytest.approx(0, abs=1e-9)
    assert not t.summary[t.summary.method == "market"].warning.any()  # the ceiling is on the location method only


def test_on_plan_actuals_give_no_warning():
    act = actuals([{"year": 2026, "month": 1, "output": 310, "process_co2_t": 31, "grid_mwh": 310, "pv_mwh": 62}])
    t = track(plan_tables(), "location", act)
    s = t.summary[t.summary.method == "location"].iloc[0]
    assert s.variance_to_date_t == pytest.approx(0, abs=1e-9) and s.projected_net_t == pytest.approx(2190)
    assert not s.warning and t.warnings == []


def test_certificates_beyond_the_grid_import_do_not_lower_market_emissions():
    act = actuals([{"year": 2026, "month": 1, "output": 310, "process_co2_t": 31, "grid_mwh": 310, "pv_mwh": 62,
                    "certificates_mwh": 500}])
    t = track(plan_tables(), "location", act)
    mkt = t.monthly[t.monthly.method == "market"].iloc[0]
    assert mkt.actual_t == pytest.approx(31)  # only the process CO2 is left
    assert mkt.late_levers_t == pytest.approx(-310 * 0.5)


# ---- the actuals CSV ----------------------------------------------------------------------

def _csv(tmp_path, text: str):
    p = tmp_path / "actuals.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_actuals_csv_is_read_with_defaults(tmp_path):
    df = read_actuals(_csv(tmp_path, "month,output,grid_mwh,natural_gas_m3\n2026-02,5,6,\n2026-01,1,2,1000\n"))
    assert df[["year", "month"]].values.tolist() == [[2026, 1], [2026, 2]]
    assert df.natural_gas_m3.tolist() == [1000, 0] and df.pv_mwh.tolist() == [0, 0]
    assert df.grid_factor_location_t_per_mwh.isna().all()


@pytest.mark.parametrize("text, expected", [
    ("month,output,grid_mwh\n2026-13,1,2\n", ["row 2", "month", "YYYY-MM", "'2026-13'"]),
    ("month,output,grid_mwh\n2026-01,1,-2\n", ["row 2", "grid_mwh", ">= 0", "'-2'"]),
    ("month,output,grid_mwh\n2026-01,1,abc\n", ["row 2", "grid_mwh", "'abc'"]),
    ("month,output,grid_mwh,coal_kg\n2026-01,1,2,3\n", ["coal_kg", "unknown column"]),
    ("month,output\n2026-01,1\n", ["grid_mwh", "required column missing"]),
    ("month,output,grid_mwh\n2026-01,1,2\n2026-03,1,2\n", ["without gaps", "2026-03"]),
    ("month,output,grid_mwh\n2026-01,1,2\n2026-01,1,2\n", ["row 3", "once"]),
])
def test_bad_actuals_name_file_row_column_expected_given(tmp_path, text, expected):
    with pytest.raises(ScenarioError) as e:
        read_actuals(_csv(tmp_path, text))
    msg = str(e.value)
    assert "actuals.csv" in msg
    for part in expected:
        assert part in msg


# ---- end to end on a solved run -------------------------------------------------------------

@pytest.fixture(scope="module")
def suzhou_run(tmp_path_factory):
    from pathway.runs.pipeline import run_file

    from .conftest import SCENARIOS

    out = tmp_path_factory.mktemp("track") / "run"
    run_file(SCENARIOS / "suzhou_electronics_2027.yaml", out_dir=out)
    return out


def test_plan_months_reproduce_the_plans_years(suzhou_run):
    from pathway.output.folder import load_results

    summary, tables = load_results(suzhou_run)
    pm = plan_months(tables, summary["scope2_method"])
    by_year = pm.groupby("year")[["emissions_location_t", "emissions_market_t", "ceiling_t"]].sum()
    pw = tables["pathway"].set_index("year")
    np.testing.assert_allclose(by_year.emissions_location_t, pw.emissions_location_t, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(by_year.emissions_market_t, pw.emissions_market_t, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(by_year.ceiling_t, pw.ceiling_t, rtol=1e-9, atol=1e-6)


def test_track_command_writes_page_tables_and_report_section(suzhou_run, tmp_path):
    from typer.testing import CliRunner

    from pathway.cli import app

    from .conftest import ROOT
    from .test_csp import _check

    sample = ROOT / "scenarios" / "actuals" / "suzhou_electronics_2027_actuals_2026.csv"
    r = CliRunner().invoke(app, ["track", str(suzhou_run), str(sample)])
    assert r.exit_code == 0, r.output
    assert "early warning" in r.output and "over the ceiling" in r.output
    page = (suzhou_run / "tracking.html").read_text(encoding="utf-8")
    _check(page)
    assert "Plan vs actual" in page and "CEILING WILL BE MISSED" in page
    s = pd.read_csv(suzhou_run / "tables" / "tracking_summary.csv")
    assert set(s.method) == {"location", "market"} and s.months_reported.eq(5).all()
    r = CliRunner().invoke(app, ["report", str(suzhou_run)])
    assert r.exit_code == 0, r.output
    assert "sec-tracking" in (suzhou_run / "report.html").read_text(encoding="utf-8")
    # bad actuals: exit 2, file/row/column named, nothing (re)written
    before = (suzhou_run / "tables" / "tracking_summary.csv").read_bytes()
    bad = _csv(tmp_path, "month,output,grid_mwh\n2026-01,1,x\n")
    r = CliRunner().invoke(app, ["track", str(suzhou_run), str(bad)])
    assert r.exit_code == 2 and "row 2" in r.output and "grid_mwh" in r.output
    assert (suzhou_run / "tables" / "tracking_summary.csv").read_bytes() == before
    # months outside the plan's years are refused
    r = CliRunner().invoke(app, ["track", str(suzhou_run), str(_csv(tmp_path, "month,output,grid_mwh\n2040-01,1,2\n"))])
    assert r.exit_code == 2 and "2040" in r.output


def test_plan_months_carry_a_direct_lines_supply(tmp_path):
    """A plan with a direct line: its MWh are split into months like the grid's and are
    zero-carbon, and the months still sum to the plan's years under both methods."""
    from pathway.output.folder import load_results
    from pathway.runs.pipeline import run_file

    from .conftest import SCENARIOS

    out = tmp_path / "run"
    run_file(SCENARIOS / "suzhou_electronics_2027_direct_line.yaml", out_dir=out)
    summary, tables = load_results(out)
    pm = plan_months(tables, summary["scope2_method"])
    eb = tables["energy_balance"]
    dl = eb[eb.flow == "supply: direct line"].set_index("year").energy_mwh
    np.testing.assert_allclose(pm.groupby("year").direct_line_mwh.sum(), dl, rtol=1e-9)
    pw = tables["pathway"].set_index("year")
    by_year = pm.groupby("year")[["emissions_location_t", "emissions_market_t"]].sum()
    np.testing.assert_allclose(by_year.emissions_location_t, pw.emissions_location_t, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(by_year.emissions_market_t, pw.emissions_market_t, rtol=1e-9, atol=1e-6)
    # actual = plan month for month, direct line included: no variance
    jan = pm[(pm.year == 2026) & (pm.month == 1)].iloc[0]
    act = actuals([{"year": 2026, "month": 1, "output": jan.output, "grid_mwh": jan.grid_mwh, "pv_mwh": jan.pv_mwh,
                    "direct_line_mwh": jan.direct_line_mwh, "green_ppa_mwh": jan.covered_mwh,
                    "natural_gas_m3": 0.0}])
    act["natural_gas_m3"] = jan.s_t / default_fuel_factor("natural_gas").value  # the plan's fuel CO2, as gas
    t = track(tables, summary["scope2_method"], act)
    for _, r in t.monthly.iterrows():
        assert r.variance_t == pytest.approx(0, abs=1e-6)
