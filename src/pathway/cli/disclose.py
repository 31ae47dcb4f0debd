"""``pathway disclose``: the zero-carbon factory disclosure document of a solved run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pathway.cli.app import Lang, _fail, out
from pathway.errors import PathwayError


def disclose(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by 'pathway run --out DIR'.")],
    scenario: Annotated[Path | None, typer.Option("--scenario", help="The run's scenario file: its factory and "
                                                  "disclosure: blocks (boundary, certificates, verification).")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Document language.")] = Lang.en,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder to write to (default: DIR).")] = None,
) -> None:
    """Write disclosure_<lang>.html and .docx: boundary, methodology and factors, base-year inventory,
    emissions by year, reduction by path, offsets and certificates, data quality, verification."""
    from pathway.output.disclosure import write_disclosure
    from pathway.output.folder import ReportInputError, load_results

    try:
        summary, tables = load_results(results_dir)
        spec = factory = None
        if scenario is not None:
            from pathway.reference.validate import load_scenario

            s = load_scenario(scenario).scenario
            if s.name != summary.get("scenario"):
                raise ReportInputError(f"{scenario}: scenario '{s.name}' is not the run's ('{summary.get('scenario')}')")
            spec, factory = s.disclosure, s.factory
        try:
            paths = write_disclosure(output or results_dir, summary, tables, spec, factory, lang.value)
        except (KeyError, AttributeError) as exc:
            raise ReportInputError(f"{results_dir}: the tables lack what the disclosure needs ({exc}); "
                                   "re-run 'pathway run' to regenerate them") from None
    except PathwayError as exc:
        _fail(exc)
    out.print("wrote " + ", ".join(str(p) for p in paths), highlight=False, markup=False)
