"""Claiming an output folder: one pathway process at a time, and never over a user's files.

- ``out_lock(out_dir)``: an exclusive ``fcntl.flock`` on ``.<name>.pathway-lock`` beside
  ``out_dir`` (in its parent, so the lock is neither inside the folder that is swapped nor
  one of the ``.pathway-*`` temporaries that ``clean_stale_temp`` removes). A second
  process asking for the same folder fails at once with OutputPathError (exit 2) naming
  the process that holds it; neither run's files are touched. The lock is released by the
  kernel when its holder exits, killed or not, so a stale lock file never blocks. Re-entrant
  within a process (the CLI holds it from the first check to the last write, and
  ``run_file`` takes it again).
- ``check_foreign(out_dir, owned, force)``: refuse (exit 2) to write into a folder holding
  entries pathway does not write there (``RUN_OWNED`` for ``pathway run``, ``BATCH_OWNED``
  for sweep / montecarlo / portfolio), unless ``force``; with ``force`` those entries are
  left as they are and only pathway's own outputs are replaced."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pathway.errors import OutputPathError
from pathway.output.folder import OWNED

RUN_OWNED = frozenset(OWNED)
BATCH_OWNED = frozenset((
    "cache", "runs.jsonl", "manifest.json", "timings.csv",
    "sweep.csv", "sweep_by_year.csv", "tornado.csv", "sweep.xlsx", "sweep.html",
    "samples.csv", "percentiles.csv", "loan_p90.csv", "montecarlo.xlsx", "montecarlo.html",
    "factories.csv", "totals_by_year.csv", "abatement_by_lever.csv", "portfolio.xlsx", "portfolio.html",
))
INVENTORY_OWNED = frozenset(("inventory.csv", "inventory.json"))

_held: dict[str, list] = {}  # lock path -> [fd, depth] for the locks this process holds


def lock_path(out_dir: str | Path) -> Path:
    out_dir = Path(os.path.abspath(out_dir))
    return out_dir.parent / f".{out_dir.name}.pathway-lock"


@contextmanager
def out_lock(out_dir: str | Path, what: str = "--out") -> Iterator[Path]:
    """Hold the exclusive lock of ``out_dir`` for the body; OutputPathError (exit 2) at once
    if another process holds it or the lock file cannot be made."""
    lock = lock_path(out_dir)
    key = str(lock)
    if key in _held:
        _held[key][1] += 1
        try:
            yield lock
        finally:
            _held[key][1] -= 1
        return
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        raise OutputPathError(f"{what} {out_dir}: cannot make the lock file {lock}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        try:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        except OSError:
            holder = "unknown"
        os.close(fd)
        raise OutputPathError(f"{what} {out_dir}: another pathway process (pid {holder}) is writing there; "
                              f"expected a folder no other run is using: wait for it to finish or choose "
                              f"another folder") from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
    except OSError:
        pass  # the pid is only for the message of a second process
    _held[key] = [fd, 1]
    try:
        yield lock
    finally:
        del _held[key]
        os.close(fd)  # releases the flock; the file stays (unlinking it would race a waiting process)


def foreign_entries(out_dir: str | Path, owned: Iterable[str]) -> list[str]:
    """Names in ``out_dir`` that pathway does not write there (sorted); [] for a new folder."""
    d = Path(out_dir)
    if not d.is_dir():
        return []
    owned = set(owned)
    try:
        return sorted(p.name for p in d.iterdir() if p.name not in owned)
    except OSError as exc:
        raise OutputPathError(f"--out {d}: cannot list the folder: {exc.strerror or exc}") from None


def check_foreign(out_dir: str | Path, owned: Iterable[str], force: bool, what: str = "--out") -> list[str]:
    """Raise OutputPathError (exit 2) if ``out_dir`` holds entries pathway did not write,
    unless ``force``; return those entries (kept as they are under ``force``)."""
    foreign = foreign_entries(out_dir, owned)
    if foreign and not force:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise OutputPathError(f"{what} {out_dir}: holds {len(foreign)} file(s) pathway did not write ({shown}); "
                              f"expected a new or empty folder or an earlier pathway output; choose another "
                              f"folder, or pass --force to write anyway (those files are kept)")
    return foreign
