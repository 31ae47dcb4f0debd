"""The scenario example in the README validates and solves (docs that cannot rot)."""

from __future__ import annotations

import re

from pathway.reference.validate import load_scenario
from pathway.runs.pipeline import run_loaded

from .conftest import ROOT


def test_readme_scenario_example_solves(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    lines = [ln for ln in block.splitlines() if not ln.startswith("extends:")]
    path = tmp_path / "example.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    r = run_loaded(load_scenario(path))
    assert r.summary["target_met"]
    assert r.summary["target_year"] == 2027
    assert r.summary["emissions_t"]["2027"] <= 0.2 * r.summary["baseline_emissions_t"] + 1e-6  # jiangsu_zero: >= 80 % own
