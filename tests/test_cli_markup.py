"""User strings printed by the CLI are text, never rich markup: a scenario named "[/]"
(a closing tag with nothing to close) validates, runs and inventories without a crash."""

from __future__ import annotations

import copy
import json

from typer.testing import CliRunner

from pathway.cli import app

from .test_optimiser import FLAT

runner = CliRunner()
NAME = "[/]"


def _file(write_yaml, tmp_path):
    data = copy.deepcopy(FLAT)
    data["name"] = NAME
    data["factory"]["name"] = "[bold]plant[/] [/]"
    data["production"]["unit"] = "t [/]"
    return write_yaml(data, "markup.yaml")


def _text(r) -> str:
    return " ".join(r.output.split())


def test_validate_a_scenario_named_like_markup(write_yaml, tmp_path):
    r = runner.invoke(app, ["validate", str(_file(write_yaml, tmp_path))])
    assert r.exit_code == 0, r.output
    assert r.exception is None
    assert f"markup.yaml: {NAME}" in _text(r)


def test_run_and_inventory_a_scenario_named_like_markup(write_yaml, tmp_path):
    f = _file(write_yaml, tmp_path)
    r = runner.invoke(app, ["run", str(f), "--out", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 0, r.output
    assert r.exception is None
    assert f"solved {NAME}: total discounted cost" in _text(r)
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["scenario"] == NAME
    r = runner.invoke(app, ["inventory", str(f)])
    assert r.exit_code == 0, r.output
    assert r.exception is None
    assert "[bold]plant[/] [/]" in _text(r) and "tCO2 per t [/]" in _text(r)


def test_an_infeasible_scenario_named_like_markup(write_yaml, tmp_path):
    data = copy.deepcopy(FLAT)
    data["name"] = NAME
    data["technologies"] = {"pv": {"max_kw": 1000}}
    data["target"] = {"preset": "custom", "min_own_reduction_share": 0.8}
    (tmp_path / "d[").mkdir()
    f = write_yaml(data, "d[/].yaml")  # a folder "d[" and a file "].yaml": the path reads "d[/].yaml"
    r = runner.invoke(app, ["run", str(f), "--out", str(tmp_path / "o[/]"), "-q"])
    assert r.exit_code == 3, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert "target not met" in _text(r) and "o[/]/diagnosis.json" in _text(r).replace(" ", "")
    assert json.loads((tmp_path / "o[/]" / "summary.json").read_text(encoding="utf-8"))["scenario"] == NAME
