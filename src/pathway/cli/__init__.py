"""The ``pathway`` command line (typer + rich): thin commands over ``pathway.runs``.

Exit codes (public contract): 0 solved/valid, 2 bad input, 3 infeasible target or the solver's time limit,
1 anything unexpected. User errors print a message, never a traceback. Every command is
registered here, explicitly, in the order ``pathway --help`` lists them.
"""

from __future__ import annotations

import os
import sys

from pathway.cli import batch, catalogue, disclose, export, finance, footprint, init, main, report, track
from pathway.cli.app import app, fast_exit

for _command in (init.init, main.validate, main.schema, main.inventory, catalogue.catalogue, main.run, report.report, export.export,
                 report.compare, finance.finance, footprint.footprint, disclose.disclose, track.track, track.replan,
                 batch.sweep, batch.montecarlo, batch.portfolio):
    app.command()(_command)



def entry() -> None:
    """The ``pathway`` console script and ``python -m pathway.cli``: ``app()``, except that
    a command which asked for it (``pathway run``, via ``app.fast_exit``) ends the process
    with ``os._exit`` once stdout and stderr are flushed, skipping the interpreter's
    teardown of the Pyomo models (about 0.4 s of a 12-day run). Only here, in the
    process's own entry point: never in library code, and not under ``CliRunner``, which
    calls ``app`` directly. The exit code is the one ``app()`` exits with (0/2/3, or 1 with
    the traceback printed for anything unexpected)."""
    fast_exit.in_entry = True
    try:
        app()
    except SystemExit as exc:
        if not fast_exit.requested:
            raise
        code = exc.code
        if code is None:
            code = 0
        elif not isinstance(code, int):  # sys.exit("message"): Python prints it and exits 1
            print(code, file=sys.stderr)
            code = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


__all__ = ["app", "entry"]
