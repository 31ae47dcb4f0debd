"""Shared fixtures: a minimal valid scenario as data, and a writer for YAML files."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

MINIMAL = {
    "name": "minimal",
    "factory": {"name": "Test plant", "sector": "machinery", "grid_region": "east"},
    "horizon": {"base_year": 2025, "target_year": 2027, "end_year": 2028, "discount_rate": 0.05},
    "production": {"output_per_yr": 1000, "unit": "t"},
    "baseline": {"electricity_mwh": 1000},
    "prices": {"flat_electricity_cny_per_kwh": 0.6},
    "target": {"preset": "custom"},
}


@pytest.fixture
def minimal() -> dict:
    return copy.deepcopy(MINIMAL)


@pytest.fixture
def write_yaml(tmp_path: Path):
    def _write(data: dict | str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def auto_parts_result():
    """The bundled Jiangsu automotive scenario, solved once per test session."""
    from pathway.runs.pipeline import run_file

    return run_file(SCENARIOS / "jiangsu_auto_parts_2027.yaml")
