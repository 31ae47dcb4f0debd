"""One file written by a forked child while this process does other work (POSIX only).

Made safe against the ways a forked writer can go wrong:
- it cannot hang the run: ``join`` waits at most ``timeout_s``; a child still running
  then is killed (SIGKILL) and reaped, and the caller writes the file itself;
- it cannot outlive the run: the child asks the kernel for SIGKILL when its parent dies
  (Linux ``PR_SET_PDEATHSIG``), and every path out of the parent's use of it (an exception
  included) goes through ``join`` or ``kill``, which reap it, so no orphan or zombie stays;
- it cannot change what is written: the child only writes its own file and leaves with
  ``os._exit`` (no atexit handlers, no flushing of the parent's buffers twice); a child
  that fails, is killed or cannot be started means the caller writes the file itself, so
  the files are the same either way;
- it is used only when it can help: ``core_free`` (the load average leaves a core free);
- ``PATHWAY_SERIAL_WRITE=1`` turns it off (benchmark baseline, escape hatch)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

JOIN_TIMEOUT_S = 60.0  # a 12-day workbook takes about 0.6 s; an hourly 5-year one about 20 s


def _die_with_parent() -> None:
    """SIGKILL this process when its parent dies (Linux); elsewhere nothing."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


class Forked:
    """A child process running ``write()``; ``join`` says whether it completed."""

    def __init__(self, pid: int):
        self.pid = pid
        self.done: bool | None = None

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the child at most ``timeout_s`` (default ``JOIN_TIMEOUT_S``); True if it
        exited 0. A child still running at the deadline is killed and reaped (False)."""
        if self.done is not None:
            return self.done
        deadline = time.monotonic() + (JOIN_TIMEOUT_S if timeout_s is None else timeout_s)
        delay = 0.002
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.done = os.waitstatus_to_exitcode(status) == 0
                return self.done
            if time.monotonic() >= deadline:
                self.kill()
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def kill(self) -> None:
        """Kill and reap the child (nothing if it is already reaped)."""
        if self.done is not None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        self.done = False


def core_free() -> bool:
    """True when the 1-minute load average leaves a core free for a child: forking only
    helps then (on a saturated machine the child competes with its parent for the same
    core, and the serial write is as fast or faster)."""
    try:
        return os.getloadavg()[0] <= (os.cpu_count() or 1) - 1
    except (OSError, AttributeError):
        return False


def start(write: Callable[[], None]) -> Forked | None:
    """Run ``write()`` in a forked child; None when forking is off or impossible (the caller
    then runs ``write`` itself)."""
    if not hasattr(os, "fork") or os.environ.get("PATHWAY_SERIAL_WRITE") == "1":
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return Forked(pid)
    code = 1
    try:  # the child: write, then leave without running anything of the parent's
        _die_with_parent()
        write()
        code = 0
    except BaseException:  # noqa: BLE001 - the parent writes the file again and reports any error
        pass
    finally:
        os._exit(code)
