"""Every bundled scenario validates, solves, and ends as its header says.

Each file in scenarios/ carries a machine-readable line in its header comment,
``# expect: target_met`` or ``# expect: infeasible``. All scenarios run through
``pathway.run.run_file`` without an output folder (nothing is written), one after the
other, at the resolution the file asks for (12 representative days): the whole module
takes about a minute on two cores. Each result must reproduce its pins in
``tests/pinned/`` (summary.json and every table but dispatch) to 1e-6 relative; see
``tests/pinned_results.py``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pathway.errors import InfeasibleTargetError

from .pinned_results import compare_diagnosis, compare_run

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
EXPECT = re.compile(r"^#\s*expect:\s*(target_met|infeasible)\s*$", re.MULTILINE)


def expectation(path: Path) -> str:
    found = EXPECT.findall(path.read_text(encoding="utf-8"))
    assert len(found) == 1, f"{path.name}: expected exactly one '# expect: target_met|infeasible' line, found {found}"
    return found[0]


def test_scenarios_are_bundled():
    assert len(SCENARIOS) >= 12
    kinds = [expectation(p) for p in SCENARIOS]
    assert kinds.count("infeasible") == 1, "exactly one bundled scenario is meant to be infeasible"


def test_validate_all_scenarios_cli():
    out = subprocess.run([sys.executable, "-m", "pathway.cli", "validate", *map(str, SCENARIOS)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_sectors_and_years_covered():
    """The 2027 sectors have a 2027 and a 2030 variant (the 2030 one extends the 2027 one);
    the 2030 sectors have their 2030 scenario."""
    from pathway.reference.validate import load_scenario

    seen: dict[str, set[int]] = {}
    for p in SCENARIOS:
        s = load_scenario(p).scenario
        seen.setdefault(s.factory.sector.value, set()).add(s.horizon.target_year)
        if p.stem.endswith("_2030") and (p.parent / (p.stem[:-5] + "_2027.yaml")).exists():
            assert "extends:" in p.read_text(encoding="utf-8"), f"{p.name} should extend its 2027 twin"
        assert s.time.mode == "representative_days"
    for sector in ("automotive", "lithium_battery", "photovoltaic", "electronics", "computing_facility"):
        assert seen.get(sector, set()) >= {2027, 2030}, f"{sector}: {seen.get(sector)}"
    for sector in ("steel", "textile", "building_materials"):
        assert 2030 in seen.get(sector, set()), f"{sector}: {seen.get(sector)}"


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_solves_as_expected(path):
    from pathway.runs.pipeline import run_file

    expect = expectation(path)
    t0 = time.perf_counter()
    if expect == "infeasible":
        with pytest.raises(InfeasibleTargetError) as info:
            run_file(path)
        diag = info.value.diagnosis
        assert diag["scenario"] == path.stem
        assert diag.get("explanation") and "cannot be met" in diag["explanation"]
        years = diag.get("years") or []
        assert years, "the diagnosis lists the lowest emissions reachable per year"
        diffs = compare_diagnosis(path.stem, diag)
        assert not diffs, "diagnosis differs from tests/pinned:\n" + "\n".join(diffs[:30])
        return
    r = run_file(path)
    s = r.summary
    assert s["status"] == "optimal" and s["target_met"] is True, s
    assert s["scenario"] == path.stem
    assert r.tables["checks"]["passed"].all()
    ty = str(s["target_year"])
    assert s["emissions_t"][ty] - s["offsets_t"][ty] <= s["ceiling_t"][ty] + 1e-6 * max(1.0, s["baseline_emissions_t"])
    assert s["total_cost_npv_cny"] > 0
    assert time.perf_counter() - t0 < 60, "a bundled scenario should solve in seconds"
    diffs = compare_run(path.stem, s, r.tables)
    assert not diffs, ("results differ from tests/pinned (1e-6 relative); if on purpose, regenerate with "
                       "python tests/pinned_results.py and say why in the commit:\n" + "\n".join(diffs[:30]))


def test_infeasible_scenario_exits_3_with_diagnosis(tmp_path):
    """The CLI route of the deliberately infeasible scenario: exit code 3 and diagnosis.json."""
    (path,) = [p for p in SCENARIOS if expectation(p) == "infeasible"]
    out = subprocess.run([sys.executable, "-m", "pathway.cli", "run", str(path), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 3, out.stdout + out.stderr
    assert (tmp_path / "out" / "diagnosis.json").exists()
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["status"] == "infeasible"
    assert not (tmp_path / "out" / "tables").exists()
