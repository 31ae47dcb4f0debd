"""``pathway init``: a commented starter scenario for a sector and a province, on stdout."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from pathway.cli.app import err, out
from pathway.scenario.schema import Sector


def init(
    sector: Annotated[Sector, typer.Option("--sector", help="The plant's sector (the guidance's list).")],
    province: Annotated[str, typer.Option("--province", help="Province with a bundled tariff, e.g. jiangsu.")],
) -> None:
    """Write a commented starter scenario for SECTOR in PROVINCE to stdout (validates and solves as written)."""
    from pathway.reference.starter import starter_yaml

    try:
        text = starter_yaml(sector.value, province.lower())
    except ValueError as exc:
        err.print(f"[bold red]error:[/] --province: {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    out.file.write(text)
