"""``pathway track``: plan vs actual for a run folder (heavy imports inside the command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pathway.cli.app import _fail, err, out
from pathway.errors import PathwayError


def track(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by 'pathway run --out DIR'.")],
    actuals: Annotated[Path, typer.Argument(help="Monthly metered data, CSV (format: README, 'Tracking a plan').")],
) -> None:
    """Compare monthly metered actuals with the plan: emissions under both scope-2 methods, the variance by
    cause, the year-end projection and an early warning; writes tables/tracking_*.csv and tracking.html."""
    from pathway.runs.tracking import track_folder

    try:
        result, written = track_folder(results_dir, actuals)
    except PathwayError as exc:
        _fail(exc)
    for w in result.warnings:
        err.print(f"[bold yellow]early warning:[/] {escape(w)}", highlight=False)
    if not result.warnings:
        out.print("on track: the projected net emissions stay within the ceiling", highlight=False, markup=False)
    for p in written:
        out.print(f"wrote {p}", highlight=False, markup=False)
