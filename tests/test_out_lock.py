"""Claiming --out (pathway.output.lock): a folder another process is writing into is exit 2
at once, two runs racing into one folder never corrupt it, and a folder holding files
pathway did not write is refused unless --force (then those files are kept)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from pathway.cli import app
from pathway.errors import OutputPathError
from pathway.output.lock import BATCH_OWNED, RUN_OWNED, check_foreign, lock_path, out_lock

from .test_optimiser import FLAT

HOLD = ("import sys, time\nfrom pathway.output.lock import out_lock\n"
        "with out_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(float(sys.argv[2]))\n")


def _cli(*args, cwd=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pathway.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def test_a_folder_locked_by_another_process_is_exit_2_at_once(write_yaml, tmp_path):
    scen = write_yaml(copy.deepcopy(FLAT), "ok.yaml")
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out), "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        t0 = time.perf_counter()
        r = _cli("run", scen, "--out", out, "-q")
        assert r.returncode == 2, r.stderr
        text = " ".join(r.stderr.split())
        assert f"another pathway process (pid {holder.pid})" in text and "Traceback" not in text
        assert time.perf_counter() - t0 < 30  # no wait for the holder's 60 s
        assert not out.exists()  # the refused run wrote nothing
    finally:
        holder.kill()
        holder.wait()
    r = _cli("run", scen, "--out", out, "-q", "--no-report", "--no-xlsx")  # the holder is gone: the lock is free
    assert r.returncode == 0, r.stderr
    assert lock_path(out).parent == tmp_path and not (out / lock_path(out).name).exists()  # beside, not inside


def test_two_runs_racing_into_one_folder_leave_one_whole_run(write_yaml, tmp_path):
    """Both start together: each exits 0 (one after the other) or 2 (refused while the
    other writes); never both 2, and the folder holds one run's complete, consistent files."""
    a = copy.deepcopy(FLAT)
    b = copy.deepcopy(FLAT)
    b["name"] = "paper_case_b"
    paths = [write_yaml(a, "a.yaml"), write_yaml(b, "b.yaml")]
    out = tmp_path / "out"
    procs = [subprocess.Popen([sys.executable, "-m", "pathway.cli", "run", str(p), "--out", str(out), "-q", "--no-xlsx"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in paths]
    results = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    codes = sorted(c for c, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    assert all("Traceback" not in e for _, e in results)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] in ("paper_case", "paper_case_b")
    winner = [p for p, (c, _) in zip(paths, results) if c == 0]
    assert summary["status"] == "optimal" and sorted(x.name for x in out.iterdir()) == ["report.html", "summary.json", "tables"]
    cap = pd.read_csv(out / "tables" / "capex.csv")
    assert cap["capex_cny"].sum() == pytest.approx(summary["capex_total_cny"])  # tables and summary from one run
    assert winner


def test_out_lock_is_reentrant_in_one_process(tmp_path):
    out = tmp_path / "out"
    with out_lock(out) as lock, out_lock(out) as again:
        assert lock == again == tmp_path / ".out.pathway-lock"
    code = f"from pathway.output.lock import out_lock\nwith out_lock({str(out)!r}): print('ok')"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.strip() == "ok"


def test_foreign_files_are_refused_unless_force(tmp_path):
    out = tmp_path / "out"
    assert check_foreign(out, RUN_OWNED, force=False) == []  # a new folder
    out.mkdir()
    (out / "summary.json").write_text("{}", encoding="utf-8")
    (out / "tables").mkdir()
    assert check_foreign(out, RUN_OWNED, force=False) == []  # an earlier run's files are pathway's
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / ".hidden").mkdir()
    with pytest.raises(OutputPathError, match=r"holds 2 file\(s\) pathway did not write \(\.hidden, notes\.txt\).*--force"):
        check_foreign(out, RUN_OWNED, force=False)
    assert check_foreign(out, RUN_OWNED, force=True) == [".hidden", "notes.txt"]
    with pytest.raises(OutputPathError, match="summary.json"):  # a run's folder is not a batch folder
        check_foreign(out, BATCH_OWNED, force=False)


def test_run_with_force_keeps_the_users_file_and_replaces_pathways(write_yaml, tmp_path):
    scen = write_yaml(copy.deepcopy(FLAT), "ok.yaml")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "report.html").write_text("old report", encoding="utf-8")
    r = CliRunner().invoke(app, ["run", str(scen), "--out", str(out), "-q", "--no-xlsx"])
    assert r.exit_code == 2 and "notes.txt" in r.output
    assert (out / "report.html").read_text(encoding="utf-8") == "old report"
    r = CliRunner().invoke(app, ["run", str(scen), "--out", str(out), "-q", "--no-xlsx", "--force"])
    assert r.exit_code == 0, r.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "report.html").read_text(encoding="utf-8") != "old report" and (out / "summary.json").is_file()


def test_track_into_a_locked_run_folder_is_exit_2_and_writes_nothing(write_yaml, tmp_path):
    # pathway track writes into the run folder: it takes the same lock as pathway run
    scen = write_yaml(copy.deepcopy(FLAT), "ok.yaml")
    out = tmp_path / "out"
    assert _cli("run", scen, "--out", out, "-q", "--no-report", "--no-xlsx").returncode == 0
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("month,output,grid_mwh\n2026-01,1000,100\n", encoding="utf-8")
    before = sorted(p.name for p in (out / "tables").iterdir())
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out), "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = _cli("track", out, actuals)
        assert r.returncode == 2, r.stderr
        assert f"another pathway process (pid {holder.pid})" in " ".join(r.stderr.split())
        assert sorted(p.name for p in (out / "tables").iterdir()) == before
    finally:
        holder.kill()
        holder.wait()
