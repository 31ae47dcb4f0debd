"""``pathway footprint``: product carbon footprint, CBAM and national-ETS exposure of a plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pathway.cli.app import _fail, out
from pathway.errors import PathwayError


def footprint(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file with a footprint: block.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for footprint.csv, cbam.csv and ets.csv.")],
    run_dir: Annotated[Path | None, typer.Option("--run", help="Read the plant's emissions from this solved run "
                                                  "(pathway run --out DIR) instead of solving FILE.")] = None,
) -> None:
    """Footprint per unit of each product (ISO 14067 / GB/T 24067; gate-to-gate and cradle-to-gate,
    location- and market-based), CBAM certificate cost and national-ETS position, by year."""
    from rich.table import Table

    from pathway.analysis.exposure import check_footprint, exposure_tables
    from pathway.reference.validate import load_scenario

    try:
        loaded = load_scenario(file)
        check_footprint(loaded.scenario, Path(file).resolve().parent, str(file))
        if run_dir is not None:
            from pathway.output.folder import load_results

            _summary, tables = load_results(run_dir)
        else:
            from pathway.runs.pipeline import run_loaded

            tables = run_loaded(loaded).tables
        result = exposure_tables(loaded.scenario, tables, Path(file).resolve().parent, str(file))
    except PathwayError as exc:
        _fail(exc)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in result.items():
        df.to_csv(out_dir / f"{name}.csv", index=False)
    fp = result["footprint"]
    t = Table(title="Product carbon footprint, kgCO2e per unit (ISO 14067 / GB/T 24067)")
    for c in ("product", "year", "gate-to-gate loc.", "gate-to-gate mkt.", "cradle-to-gate loc.", "cradle-to-gate mkt."):
        t.add_column(c)
    for r in fp.itertuples(index=False):
        t.add_row(r.product, str(r.year), f"{r.gate_to_gate_location_kgco2e_per_unit:,.2f}",
                  f"{r.gate_to_gate_market_kgco2e_per_unit:,.2f}", f"{r.cradle_to_gate_location_kgco2e_per_unit:,.2f}",
                  f"{r.cradle_to_gate_market_kgco2e_per_unit:,.2f}")
    out.print(t)
    cb = result["cbam"]
    if not cb.empty:
        out.print("CBAM certificate cost, CNY: " + ", ".join(f"{int(y)} {c:,.0f}" for y, c in cb.groupby("year")["cbam_cost_cny"].sum().items()),
                  highlight=False, markup=False)
    ets = result["ets"]
    if not ets.empty:
        out.print("National ETS shortfall (negative: surplus), t: " +
                  ", ".join(f"{int(r.year)} {r.shortfall_t:,.0f}" for r in ets.itertuples(index=False)), highlight=False, markup=False)
    out.print(f"wrote {out_dir}/footprint.csv, cbam.csv, ets.csv", highlight=False, markup=False)
