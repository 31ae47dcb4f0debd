"""The workbook written by a forked child beside the report (pathway.output.forked, used by
``pathway run``): the same files as a serial write; a child that fails or hangs is killed,
reaped and the workbook written in-process; no child outlives the call. No timing here
(benchmarks/bench_run.py measures)."""

from __future__ import annotations

import os
import time

import openpyxl
import pytest

from pathway.output import excel, forked
from pathway.runs.pipeline import write_outputs

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork only")


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _cells(path):
    wb = openpyxl.load_workbook(path)
    return {n: [[c.value for c in r] for r in wb[n].iter_rows()] for n in wb.sheetnames}


def test_child_writes_and_is_reaped(tmp_path):
    target = tmp_path / "f.txt"
    child = forked.start(lambda: target.write_text("written by the child"))
    assert child is not None and child.join() is True
    assert target.read_text() == "written by the child"
    assert _reaped(child.pid)


def test_failing_child_reports_false(tmp_path):
    child = forked.start(lambda: 1 / 0)
    assert child.join() is False and _reaped(child.pid)


def test_hanging_child_is_killed_at_the_deadline():
    child = forked.start(lambda: time.sleep(60))
    t = time.monotonic()
    assert child.join(timeout_s=0.3) is False
    assert time.monotonic() - t < 10  # bounded: killed at 0.3 s, not after the child's 60 s
    assert _reaped(child.pid)
    child.kill()  # idempotent


def test_saturated_machine_writes_serially(auto_parts_result, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (float(os.cpu_count() or 1), 0.0, 0.0))
    assert forked.core_free() is False
    monkeypatch.setattr(forked, "start", lambda w: pytest.fail("forked although no core is free"))
    write_outputs(auto_parts_result, tmp_path / "out", parallel=True)
    assert (tmp_path / "out" / "results.xlsx").is_file()


def test_serial_write_env_turns_it_off(monkeypatch):
    monkeypatch.setenv("PATHWAY_SERIAL_WRITE", "1")
    assert forked.start(lambda: None) is None


@pytest.fixture
def core_free(monkeypatch):
    """Fork whatever the machine's load (write_run forks only when a core is free)."""
    monkeypatch.setattr(forked, "core_free", lambda: True)


def test_parallel_write_gives_the_same_files(auto_parts_result, tmp_path, core_free):
    write_outputs(auto_parts_result, tmp_path / "serial")
    write_outputs(auto_parts_result, tmp_path / "parallel", parallel=True)
    names = sorted(p.relative_to(tmp_path / "serial").as_posix() for p in (tmp_path / "serial").rglob("*"))
    assert names == sorted(p.relative_to(tmp_path / "parallel").as_posix() for p in (tmp_path / "parallel").rglob("*"))
    for name in names:
        if name.endswith((".csv", ".json")):
            assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "parallel" / name).read_bytes(), name
    assert _cells(tmp_path / "serial" / "results.xlsx") == _cells(tmp_path / "parallel" / "results.xlsx")


def test_hanging_workbook_child_falls_back_to_an_in_process_write(auto_parts_result, tmp_path, monkeypatch, core_free):
    parent = os.getpid()
    real = excel.write_workbook

    def hangs_in_the_child(path, summary, tables):
        if os.getpid() != parent:
            time.sleep(60)
        real(path, summary, tables)

    monkeypatch.setattr(excel, "write_workbook", hangs_in_the_child)
    monkeypatch.setattr(forked, "JOIN_TIMEOUT_S", 0.5)
    started = []
    real_start = forked.start
    monkeypatch.setattr(forked, "start", lambda w: started.append(real_start(w)) or started[-1])
    t = time.monotonic()
    write_outputs(auto_parts_result, tmp_path / "out", parallel=True)
    assert time.monotonic() - t < 30
    assert started and started[0] is not None and started[0].done is False and _reaped(started[0].pid)
    write_outputs(auto_parts_result, tmp_path / "serial", report=False)
    assert _cells(tmp_path / "out" / "results.xlsx") == _cells(tmp_path / "serial" / "results.xlsx")
