"""The time guard: every solve has a time limit (``--time-limit``; for sweep / montecarlo /
portfolio ``BATCH_TIME_LIMIT_S`` by default). Reaching it is exit 3 for ``pathway run``
and a row with status ``time_limit`` in a batch, never a hang; a time limit that is not a
positive finite number is exit 2. Batches also refuse a --out holding a user's files
unless --force."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from pathway.cli import app
from pathway.cli.batch import _opts
from pathway.solve.options import BATCH_TIME_LIMIT_S, check_time_limit

from .test_optimiser import FLAT


def test_run_reaching_its_time_limit_is_exit_3_and_writes_nothing(write_yaml, tmp_path):
    scen = write_yaml(copy.deepcopy(FLAT))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["run", str(scen), "--out", str(out), "-q", "--time-limit", "1e-9"])
    text = " ".join(r.output.split())
    assert r.exit_code == 3, text
    assert "time limit (1e-09 s)" in text and "raise --time-limit" in text and "Traceback" not in text
    assert not (out / "summary.json").exists()


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_time_limit_that_is_not_a_positive_number_is_exit_2(write_yaml, tmp_path, value):
    scen = write_yaml(copy.deepcopy(FLAT))
    for cmd in (["run", str(scen), "--out", str(tmp_path / "o")],
                ["sweep", str(scen), "--out", str(tmp_path / "s"), "--set", "prices.flat_electricity_cny_per_kwh=0.5,0.6"]):
        r = CliRunner().invoke(app, [*cmd, "--time-limit", value])
        assert r.exit_code == 2, r.output
        assert "--time-limit: expected a number of seconds > 0" in " ".join(r.output.split())
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


@pytest.mark.parametrize(("option", "value", "expected"), [
    ("--route", "fast", "--route: expected one of direct, compiler, persistent, got 'fast'"),
    ("--method", "foo", "--method: expected one of auto, simplex, ipm, ipx, hipo, choose, pdlp, got 'foo'"),
])
def test_an_unknown_route_or_method_is_exit_2_before_anything_runs(write_yaml, tmp_path, option, value, expected):
    """HiGHS would ignore an unknown method and solve with its default: refused instead."""
    scen = write_yaml(copy.deepcopy(FLAT))
    for cmd in (["run", str(scen), "--out", str(tmp_path / "o")],
                ["sweep", str(scen), "--out", str(tmp_path / "s"), "--set", "prices.flat_electricity_cny_per_kwh=0.5,0.6"]):
        r = CliRunner().invoke(app, [*cmd, option, value])
        assert r.exit_code == 2, r.output
        assert expected in " ".join(r.output.split())
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


def test_method_hipo_without_its_libraries_is_exit_2_before_anything_runs(write_yaml, tmp_path, monkeypatch):
    """HiGHS refuses solver=hipo without highspy-extras (a dependency; simulated missing here)."""
    from pathway.solve import options

    assert options.hipo_available()
    monkeypatch.setattr(options, "hipo_available", lambda: False)
    scen = write_yaml(copy.deepcopy(FLAT))
    for cmd in (["run", str(scen), "--out", str(tmp_path / "o")],
                ["sweep", str(scen), "--out", str(tmp_path / "s"), "--set", "prices.flat_electricity_cny_per_kwh=0.5,0.6"]):
        r = CliRunner().invoke(app, [*cmd, "--method", "hipo"])
        assert r.exit_code == 2, r.output
        assert "--method hipo: HiGHS's HiPO solver needs the highspy-extras package" in " ".join(r.output.split())
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


def test_check_time_limit():
    assert check_time_limit(None) is None and check_time_limit(0.5) is None
    assert all(check_time_limit(v) for v in (0.0, -1.0, float("nan"), float("inf")))


def test_batches_have_a_time_limit_by_default():
    assert _opts("direct", "auto", 1, None).time_limit_s == BATCH_TIME_LIMIT_S == 300.0
    assert _opts("compiler", "auto", 1, 12.5).time_limit_s == 12.5


def test_sweep_rows_reaching_the_time_limit_say_so_and_foreign_files_need_force(write_yaml, tmp_path):
    scen = write_yaml(copy.deepcopy(FLAT))
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    args = ["sweep", str(scen), "--out", str(out), "--set", "prices.flat_electricity_cny_per_kwh=0.5,0.6", "--serial",
            "-q", "--no-cache", "--time-limit", "1e-9"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and "notes.txt" in r.output and "--force" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    r = CliRunner().invoke(app, [*args, "--force"])
    assert r.exit_code == 0, r.output
    rows = pd.read_csv(out / "sweep.csv")
    assert list(rows["status"]) == ["time_limit", "time_limit"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    lines = [json.loads(x) for x in (out / "runs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("time limit" in (x["error"] or "") for x in lines)
