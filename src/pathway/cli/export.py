"""``pathway export``: a saved run's charts as static files, and its report as an A4 PDF."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from pathway.cli.app import Lang, _fail, out
from pathway.errors import PathwayError


class Format(str, Enum):
    png = "png"
    svg = "svg"
    pdf = "pdf"


def export(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by 'pathway run --out DIR'.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="png or svg: one file per chart; pdf: one per chart plus report.pdf (A4).")],
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the charts and the report.")] = Lang.en,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the files (default: DIR/export).")] = None,
) -> None:
    """Write every chart of a saved run as its own named file (emissions_pathway.svg, macc.svg ...),
    and with --format pdf a print-ready A4 PDF of the report. Nothing is solved again."""
    from pathway.output.export import export_run
    from pathway.output.folder import ReportInputError, load_results

    try:
        summary, tables = load_results(results_dir)
        target = out_dir or results_dir / "export"
        if target.exists() and not target.is_dir():
            raise ReportInputError(f"--out {target}: exists and is not a folder")
        try:
            paths = export_run(summary, tables, target, fmt.value, lang=lang.value)
        except (KeyError, ValueError, IndexError) as exc:
            raise ReportInputError(f"{results_dir}: the tables do not fit together ({type(exc).__name__}: {exc}); "
                                   "re-run 'pathway run' to regenerate them") from None
    except PathwayError as exc:
        _fail(exc)
    for p in paths:
        out.print(f"wrote {p}", highlight=False, markup=False)
