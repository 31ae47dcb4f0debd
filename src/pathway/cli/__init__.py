"""The ``pathway`` command line (typer + rich): thin commands over ``pathway.runs``.

Exit codes (public contract): 0 solved/valid, 2 bad input, 3 infeasible target,
1 anything unexpected. User errors print a message, never a traceback. Every command is
registered here, explicitly, in the order ``pathway --help`` lists them.
"""

from __future__ import annotations

from pathway.cli import batch, catalogue, finance, init, main, report
from pathway.cli.app import app

for _command in (init.init, main.validate, main.schema, main.inventory, catalogue.catalogue, main.run, report.report, report.compare,
                 finance.finance, batch.sweep, batch.montecarlo, batch.portfolio):
    app.command()(_command)

__all__ = ["app"]
