"""``pathway catalogue``: every default a scenario can take, for a province and a year."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from pathway.cli.app import err, out


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Kind(str, Enum):
    technology = "technology"
    price = "price"
    tariff = "tariff"
    factor = "factor"


def catalogue(
    province: Annotated[Optional[str], typer.Option("--province", help="Province (lower-case pinyin, e.g. jiangsu): its prices and tariff.")] = None,
    year: Annotated[int, typer.Option("--year", help="Year the values are for (costs are interpolated between cost years).", min=2000, max=2100)] = 2027,
    fmt: Annotated[Format, typer.Option("--format", help="table (terminal), csv or json (stdout).")] = Format.table,
    kind: Annotated[Optional[list[Kind]], typer.Option("--kind", help="Only these kinds (repeatable).")] = None,
) -> None:
    """Print the default of every technology parameter, price, tariff and factor, with unit,
    range and source: what a planner reads before writing a scenario."""
    from pathway.reference.listing import KINDS, catalogue_listing
    from pathway.reference.tariffs import tou_provinces

    province = province.lower() if province else None
    if province and province not in tou_provinces() and province not in _price_provinces():
        known = sorted(tou_provinces() | _price_provinces())
        err.print(f"[bold red]error:[/] --province: no bundled data for {escape(province)!r}; expected one of "
                  f"{escape(', '.join(known))} (or leave it out for national values)", highlight=False)
        raise typer.Exit(2)
    kinds = tuple(k.value for k in kind) if kind else KINDS
    df = catalogue_listing(year, province, kinds)
    if fmt is Format.csv:
        out.file.write(df.to_csv(index=False))
        return
    if fmt is Format.json:
        out.file.write(json.dumps(json.loads(df.to_json(orient="records", force_ascii=False, double_precision=15)), indent=2, ensure_ascii=False) + "\n")
        return
    t = Table(title=f"pathway defaults for {province or 'national'} in {year}", show_lines=False)
    for col in ("kind", "item", "value", "unit", "range", "source"):
        t.add_column(col, overflow="fold", max_width=60 if col == "source" else None)
    for r in df.itertuples():
        rng = "" if r.low is None or r.high is None or r.low != r.low else f"{r.low:g}–{r.high:g}"
        est = " (estimate)" if str(r.estimate).lower() == "true" else ""
        t.add_row(r.kind, escape(str(r.item)), f"{r.value:,.6g}", escape(str(r.unit)), rng, escape(str(r.source)) + est)
    out.print(t)


def _price_provinces() -> set[str]:
    from pathway.reference.catalogue import price_table

    notes = price_table()["note"].fillna("").str.extract(r"province=([a-z]+)")[0].dropna()
    return set(notes)
