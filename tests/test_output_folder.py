"""The --out folder: an infeasible run replaces an earlier run's files as a whole, a killed
run's temporary folders are cleaned up, and a bad --out is a clear exit 2."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pathway.cli import app

from .test_optimiser import FLAT

runner = CliRunner()


def _feasible(write_yaml) -> Path:
    return write_yaml(copy.deepcopy(FLAT), "ok.yaml")


def _infeasible(write_yaml) -> Path:
    data = copy.deepcopy(FLAT)
    data["technologies"] = {"pv": {"max_kw": 1000}}
    data["target"] = {"preset": "custom", "min_own_reduction_share": 0.8}
    return write_yaml(data, "dead.yaml")


def _run(*args: str):
    return runner.invoke(app, ["run", *map(str, args), "-q"])


def test_infeasible_run_replaces_an_earlier_successful_run(write_yaml, tmp_path):
    out = tmp_path / "out"
    r = _run(_feasible(write_yaml), "--out", out)
    assert r.exit_code == 0, r.output
    assert json.loads((out / "summary.json").read_text())["status"] == "optimal"
    assert (out / "tables" / "pathway.csv").is_file() and (out / "report.html").is_file()
    (out / "my_notes.txt").write_text("mine", encoding="utf-8")  # not pathway's: must survive
    before = sorted(p.name for p in out.iterdir())

    r = _run(_infeasible(write_yaml), "--out", out)  # a folder holding a user's file: refused without --force
    assert r.exit_code == 2, r.output
    assert "my_notes.txt" in r.output and "--force" in r.output and "Traceback" not in r.output
    assert sorted(p.name for p in out.iterdir()) == before  # nothing written, nothing removed

    r = _run(_infeasible(write_yaml), "--out", out, "--force")
    assert r.exit_code == 3, r.output
    assert sorted(p.name for p in out.iterdir()) == ["diagnosis.json", "my_notes.txt", "summary.json"]
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "infeasible" and s["target_met"] is False
    assert s["scenario"] == "paper_case" and s["target_year"] == 2027 and s["base_year"] == 2025
    assert s["years_missed"] == [2026, 2027] and "cannot be met" in s["explanation"]
    assert s["baseline_emissions_t"] == pytest.approx(json.loads((out / "diagnosis.json").read_text())["baseline_emissions_t"])
    assert s["baseline_emissions_t"] > 0
    assert (out / "my_notes.txt").read_text(encoding="utf-8") == "mine"
    assert not list(tmp_path.glob(".pathway-*"))  # nothing left beside --out

    r = _run(_feasible(write_yaml), "--out", out, "--force")  # and back: the diagnosis goes
    assert r.exit_code == 0, r.output
    assert not (out / "diagnosis.json").exists() and (out / "my_notes.txt").exists()
    assert json.loads((out / "summary.json").read_text())["status"] == "optimal"


def test_stale_temp_folders_beside_out_are_removed_by_the_next_run(write_yaml, tmp_path):
    out = tmp_path / "out"
    stale = [tmp_path / ".pathway-abc123", tmp_path / ".pathway-999999999-new-x"]  # old-style; a dead pid
    for d in stale:
        (d / "tables").mkdir(parents=True)
        (d / "summary.json").write_text("{}", encoding="utf-8")
    live = tmp_path / f".pathway-{os.getppid()}-new-y"  # a run in progress in another process: kept
    live.mkdir()
    r = _run(_infeasible(write_yaml), "--out", out)
    assert r.exit_code == 3, r.output
    assert not any(d.exists() for d in stale)
    assert live.is_dir()


@pytest.mark.parametrize("case", ["file", "under_file"])
def test_out_that_is_a_file_is_exit_2_without_traceback(write_yaml, tmp_path, case):
    f = tmp_path / "taken.txt"
    f.write_text("keep me", encoding="utf-8")
    target = f if case == "file" else f / "sub"
    scen = _feasible(write_yaml)
    before = sorted(p.name for p in tmp_path.iterdir())
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "run", str(scen), "--out", str(target), "-q"],
                         capture_output=True, text=True)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    msg = " ".join(res.stderr.split())
    assert str(target) in msg.replace(" ", "") or str(target) in msg
    assert ("is a file" in msg) if case == "file" else ("not a folder" in msg)
    assert f.read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_out_not_writable_is_exit_2(write_yaml, tmp_path, monkeypatch):
    """Permissions are simulated (the suite may run as root, who may write anywhere)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == locked else real(p, mode, **k))
    r = _run(_feasible(write_yaml), "--out", locked / "out")
    assert r.exit_code == 2, r.output
    assert isinstance(r.exception, SystemExit)  # a message, not a traceback
    msg = "".join(r.output.split())
    assert f"{locked}isnotwritable".replace(" ", "") in msg
    assert not (locked / "out").exists() and list(locked.iterdir()) == []


def test_inventory_out_on_a_file_is_exit_2(write_yaml, tmp_path):
    f = tmp_path / "taken.txt"
    f.write_text("keep me", encoding="utf-8")
    r = runner.invoke(app, ["inventory", str(_feasible(write_yaml)), "--out", str(f)])
    assert r.exit_code == 2, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert "is a file" in " ".join(r.output.split())
    assert f.read_text(encoding="utf-8") == "keep me"
