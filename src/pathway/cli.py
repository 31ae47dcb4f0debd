"""The ``pathway`` command line (typer + rich).

Exit codes (public contract): 0 solved/valid, 2 bad input, 3 infeasible target,
1 anything unexpected. User errors print a message, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .errors import PathwayError, ScenarioError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="pathway: plan a factory's lowest-cost route to near-zero CO2 (零碳工厂).",
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def _fail(exc: PathwayError) -> None:
    if isinstance(exc, ScenarioError):
        err.print(f"[bold red]error:[/] {len(exc.problems)} problem(s) in the scenario:", highlight=False)
        for p in exc.problems:
            err.print(f"  {p}", highlight=False, markup=False)
    else:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(exc.exit_code)


def _version(value: bool) -> None:
    if value:
        out.print(f"pathway {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = None,
) -> None:
    """pathway: plan a factory's lowest-cost route to near-zero CO2 (零碳工厂)."""


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")]) -> None:
    """Check scenarios; exit 0 if all are valid, 2 with every problem listed if not."""
    from .loader import load_scenario

    bad = 0
    for f in files:
        try:
            loaded = load_scenario(f)
        except ScenarioError as exc:
            bad += 1
            err.print(f"[red]✗[/] {f}: {len(exc.problems)} problem(s)", highlight=False)
            for p in exc.problems:
                err.print(f"  {p}", highlight=False, markup=False)
        else:
            out.print(f"[green]✓[/] {f}: {loaded.scenario.name}", highlight=False)
    if bad:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the scenario JSON Schema (for editors and CI validation of YAML)."""
    from .schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")


@app.command()
def inventory(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Write inventory.csv and inventory.json here.")] = None,
) -> None:
    """Print (and with --out write) the base-year CO2 inventory, factor and source on every line."""
    from .inventory import baseline_inventory
    from .loader import load_scenario

    try:
        loaded = load_scenario(file)
    except PathwayError as exc:
        _fail(exc)
    inv = baseline_inventory(loaded.scenario)
    table = Table(title=f"Baseline CO2 inventory {inv.year}: {loaded.scenario.factory.name}")
    for col, just in (("scope", "right"), ("source", "left"), ("method", "left"), ("activity", "right"),
                      ("unit", "left"), ("factor", "right"), ("emissions tCO2", "right"), ("factor name / source", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in inv.lines.itertuples():
        table.add_row(str(r.scope), r.source, r.method, f"{r.activity:,.2f}", r.activity_unit,
                      f"{r.factor_tco2_per_unit:.6g}", f"{r.emissions_t:,.2f}", f"{r.factor_name}; {r.factor_source[:60]}")
    out.print(table)
    t = inv.totals
    out.print(f"scope 1: {t['scope1_t']:,.2f} t   scope 2 location: {t['scope2_location_t']:,.2f} t   "
              f"scope 2 market: {t['scope2_market_t']:,.2f} t")
    out.print(f"total (location-based): {t['total_location_t']:,.2f} tCO2   "
              f"total (market-based): {t['total_market_t']:,.2f} tCO2")
    out.print(f"intensity: {t['intensity_location_t_per_unit']:.6g} (location) / "
              f"{t['intensity_market_t_per_unit']:.6g} (market) tCO2 per {inv.output_unit}")
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        inv.lines.to_csv(out_dir / "inventory.csv", index=False)
        payload = {
            "scenario": loaded.scenario.name,
            "year": inv.year,
            "output_per_yr": inv.output_per_yr,
            "output_unit": inv.output_unit,
            **inv.totals,
            "package_version": __version__,
            "scenario_sha256": loaded.sha256,
        }
        (out_dir / "inventory.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
        out.print(f"wrote {out_dir / 'inventory.csv'} and {out_dir / 'inventory.json'}")


if __name__ == "__main__":  # pragma: no cover
    app()
