"""``pathway init`` writes a starter scenario that validates as written and solves."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from pathway.cli import app
from pathway.reference.starter import provinces
from pathway.reference.validate import load_scenario
from pathway.scenario.schema import Sector


@pytest.mark.parametrize("province", provinces())
def test_every_sector_validates(province, tmp_path):
    for sector in Sector:
        r = CliRunner().invoke(app, ["init", "--sector", sector.value, "--province", province])
        assert r.exit_code == 0, r.output
        path = tmp_path / f"{sector.value}.yaml"
        path.write_text(r.output, encoding="utf-8")
        s = load_scenario(path).scenario
        assert s.factory.sector == sector and s.factory.province == province
        assert s.horizon.target_year == (2027 if sector.value in ("automotive", "lithium_battery", "photovoltaic",
                                                                  "electronics", "light_industry", "machinery",
                                                                  "computing_facility") else 2030)


@pytest.mark.parametrize("sector,province", [("machinery", "zhejiang"), ("computing_facility", "guangdong"),
                                             ("steel", "jiangsu")])
def test_init_then_run_exits_0(sector, province, tmp_path):
    """The issue's check, as a shell pipeline: pathway init ... > x.yaml && pathway run x.yaml."""
    x = tmp_path / "x.yaml"
    with x.open("w", encoding="utf-8") as fh:
        subprocess.run([sys.executable, "-m", "pathway.cli", "init", "--sector", sector, "--province", province],
                       stdout=fh, check=True)
    r = subprocess.run([sys.executable, "-m", "pathway.cli", "run", str(x), "--out", str(tmp_path / "out"), "-q"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "out" / "summary.json").exists()


def test_unknown_province_is_exit_2():
    r = CliRunner().invoke(app, ["init", "--sector", "machinery", "--province", "atlantis"])
    assert r.exit_code == 2 and "zhejiang" in r.output
