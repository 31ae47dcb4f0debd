"""The README's exporter walkthrough holds: one bundled scenario (ningbo_fasteners_2027)
exercises the guidance's other paths end to end, from a clean output folder: the direct
green-power line is built and keeps the notice's shares, the footprint and CBAM tables are
written, the disclosure is written, tracking compares four months of actuals, and the
re-plan with the line built late leaves the remaining cost unchanged (the line's capex is
an annuity over the years it serves)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ningbo_fasteners_2027.yaml"
ACTUALS = ROOT / "scenarios" / "actuals" / "ningbo_fasteners_2027_actuals_2026.csv"
BUILT = ROOT / "scenarios" / "actuals" / "ningbo_fasteners_2027_built_2026.csv"

pytestmark = pytest.mark.slow


def pathway(*args: str) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "pathway.cli", *map(str, args)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    return r


def test_exporter_walkthrough(tmp_path):
    run = tmp_path / "ningbo"
    pathway("run", SCENARIO, "--out", run, "--no-report", "--no-xlsx")
    cap = pd.read_csv(run / "tables" / "capacity.csv")
    line = cap[cap.technology == "direct_line"].set_index("year")["capacity"]
    assert line[2026] > 0 and line[2028] >= line[2026]
    bal = pd.read_csv(run / "tables" / "energy_balance.csv")
    b26 = bal[bal.year == 2026].set_index(["carrier", "flow"])["energy_mwh"]
    avail, used = b26[("direct_line", "available generation")], b26[("electricity", "supply: direct line")]
    assert used >= 0.6 * avail - 1e-6  # the notice's minimum self-consumption share

    fp = tmp_path / "fp"
    pathway("footprint", SCENARIO, "--run", run, "--out", fp)
    cbam = pd.read_csv(fp / "cbam.csv")
    by_year = cbam.groupby("year")["cbam_cost_cny"].sum()
    assert by_year[2026] > 0 and by_year[2030] > 10 * by_year[2026]  # 2.5 % payable in 2026, 48.5 % in 2030

    pathway("disclose", run, "--scenario", SCENARIO, "--lang", "zh")
    assert (run / "disclosure_zh.html").is_file() and (run / "disclosure_zh.docx").is_file()

    r = pathway("track", run, ACTUALS)
    summ = pd.read_csv(run / "tables" / "tracking_summary.csv").set_index("method")
    assert summ.loc["market", "months_reported"] == 4
    actual = summ.loc["market", "actual_to_date_t"]
    parts = summ.loc["market", ["activity_t", "intensity_t", "late_levers_t", "grid_factor_t"]].sum()
    assert parts == pytest.approx(actual - summ.loc["market", "plan_to_date_t"], abs=1e-6)
    assert not bool(summ.loc["market", "warning"]) and "on track" in r.stdout

    new = tmp_path / "replan"
    pathway("replan", run, ACTUALS, "--built", BUILT, "--out", new)
    rc = pd.read_csv(new / "tables" / "replan_costs.csv")
    assert list(rc.year) == [2027, 2028, 2029, 2030]
    assert rc.discounted_change_cny.abs().max() == pytest.approx(0.0, abs=1.0)  # CNY, on ~10 M a year
    builds = pd.read_csv(new / "tables" / "builds.csv")
    b = builds[builds.technology == "direct_line"].set_index("year")["build"]
    assert b[2026] == pytest.approx(5.0) and b[2027] > 0  # the late line is built the year after
