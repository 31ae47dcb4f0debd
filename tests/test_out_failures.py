"""--out on a full file system or a read-only one: exit 2 with a message naming the folder and
the reason, no traceback, and no partial output or temporary folder left behind. Uses a
real 64 KB tmpfs and a read-only bind mount (tests run as root: file permissions alone do
not stop root); skipped, with the reason, where mounting is not permitted."""

from __future__ import annotations

import copy
import errno
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pathway.cli import app

from .test_optimiser import FLAT


def _mount(args: list[str]) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, timeout=30).returncode == 0


@pytest.fixture
def full_fs(tmp_path):
    d = tmp_path / "small"
    d.mkdir()
    if not _mount(["-t", "tmpfs", "-o", "size=64k", "tmpfs", str(d)]):
        pytest.skip("mounting a tmpfs is not permitted here")
    yield d
    subprocess.run(["umount", "-l", str(d)], timeout=30)  # lazy: a writer the failed write left open may hold a file


@pytest.fixture
def read_only(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    (d / "existing").mkdir()
    if not (_mount(["--bind", str(d), str(d)]) and _mount(["-o", "remount,bind,ro", str(d)])):
        subprocess.run(["umount", "-l", str(d)], timeout=30)  # lazy: a writer the failed write left open may hold a file
        pytest.skip("a read-only bind mount is not permitted here")
    yield d
    subprocess.run(["umount", "-l", str(d)], timeout=30)  # lazy: a writer the failed write left open may hold a file


def _run(scen: Path, out: Path):
    r = CliRunner().invoke(app, ["run", str(scen), "--out", str(out), "-q"])
    return r, " ".join(r.output.split())


def test_out_on_a_full_file_system_is_exit_2(write_yaml, full_fs):
    scen = write_yaml(copy.deepcopy(FLAT))
    r, text = _run(scen, full_fs / "out")
    assert r.exit_code == 2, text
    assert "No space left on device" in text and str(full_fs / "out") in text and "Traceback" not in text
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert not (full_fs / "out" / "summary.json").exists()
    assert not list(full_fs.glob(".pathway-*"))  # the temporary folder went too


@pytest.mark.parametrize("sub", ["new", "existing"])
def test_out_on_a_read_only_file_system_is_exit_2(write_yaml, read_only, sub):
    scen = write_yaml(copy.deepcopy(FLAT))
    r, text = _run(scen, read_only / sub)
    assert r.exit_code == 2, text
    assert str(read_only / sub) in text and "Traceback" not in text
    assert r.exception is None or isinstance(r.exception, SystemExit)


class _NeedsTwoArgs(Exception):
    """Pickles, but cannot be rebuilt from its args (its __init__ takes two)."""

    def __init__(self, a, b):
        super().__init__(f"{a}/{b}")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the forked workbook writer needs os.fork")
def test_a_forked_writers_error_comes_back_as_its_kind():
    """The workbook child's error reaches the parent: an OSError as an OSError with its errno
    (a full disk must stay exit 2), even one carrying an attribute that cannot be pickled;
    another exception as itself, or as a RuntimeError with its text if it cannot be rebuilt."""
    from pathway.output.folder import _Forked

    def full_disk():
        exc = OSError(errno.ENOSPC, "No space left on device", "/out/results.xlsx")
        exc.handle = lambda: None  # a library's extra attribute: not picklable
        raise exc

    def raising(exc):
        def fn():
            raise exc
        return fn

    cases = [(full_disk, OSError, "No space left on device"),
             (raising(ValueError("bad cell")), ValueError, "bad cell"),
             # rebuilt where pickling can rebuild it (tblib, which dask's import installs, can), else
             # a RuntimeError with its text; never the unpickling error itself
             (raising(_NeedsTwoArgs(1, 2)), (RuntimeError, _NeedsTwoArgs), "1/2")]
    for fn, kind, text in cases:
        child = _Forked(fn)
        child.start()
        with pytest.raises(kind) as info:
            child.join()
        assert text in str(info.value)
        if kind is OSError:
            assert info.value.errno == errno.ENOSPC and info.value.filename == "/out/results.xlsx"
