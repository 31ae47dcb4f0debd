"""``pathway validate``, ``schema``, ``inventory`` and ``run``.

Exit codes (public contract): 0 solved/valid, 2 bad input, 3 infeasible target or the solver's time limit,
1 anything unexpected. User errors print a message, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from pathway import __version__
from pathway.cli.app import (
    DecomposeOpt,
    ForceOpt,
    Lang,
    MethodOpt,
    RouteOpt,
    ThreadsOpt,
    TimeOpt,
    _fail,
    _solver_options,
    claimed,
    err,
    fast_exit,
    out,
)
from pathway.errors import PathwayError, ScenarioError


def validate(files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")]) -> None:
    """Check scenarios; exit 0 if all are valid, 2 with every problem listed if not. Runs
    every check that `pathway run` makes on its inputs (profile CSVs and defaults included)."""
    from pathway.runs.validation import validate_file

    bad = 0
    for f in files:
        try:
            loaded = validate_file(f)
        except ScenarioError as exc:
            bad += 1
            err.print(f"[red]✗[/] {escape(str(f))}: {len(exc.problems)} problem(s)", highlight=False)
            for p in exc.problems:
                err.print(f"  {p}", highlight=False, markup=False)
        else:
            out.print(f"[green]✓[/] {escape(str(f))}: {escape(loaded.scenario.name)}", highlight=False)
            _print_warnings(loaded.warnings)
    if bad:
        raise typer.Exit(2)


def decomposition_line(dec: dict) -> str:
    """The CLI's line on how a full-hourly model was solved (summary.json's decomposition)."""
    n = dec["years_solved_separately"]
    years = f"{n} year{'s' if n > 1 else ''}"
    if dec.get("method") == "benders":
        gap = "–" if dec["proven_gap"] is None else f"{dec['proven_gap']:.1e}"
        head = (f"hourly: the optimum by Benders decomposition, {years} of hours under the investment plan, "
                f"{dec['rounds']} rounds from the {dec['plan_typical_days']}-typical-day plan, proven gap {gap}")
        return head + ("" if dec["stopped_by"] == "gap" else f" (stopped by the {dec['stopped_by']})")
    return (f"hourly: {years} solved one by one on the investment plan of {dec['plan_typical_days']} typical days "
            "(--decompose benders: the proven optimum; off: the full LP)")


def _print_warnings(warnings) -> None:
    """Warnings of a valid scenario (``LoadedScenario.warnings``), one a line on stderr."""
    for w in warnings:
        err.print(f"  [yellow]warning:[/] {escape(str(w))}", highlight=False, soft_wrap=True)


def schema(
    partial: Annotated[bool, typer.Option("--partial", help="Nothing required: for files that 'extends' a base scenario.")] = False,
    draft: Annotated[str, typer.Option("--draft", help="JSON Schema dialect: 2020-12 or 07 (for editors without 2020-12).")] = "2020-12",
) -> None:
    """Print the scenario JSON Schema (for editors and CI validation of YAML)."""
    from pathway.scenario.schema import DRAFTS, json_schema

    if draft not in DRAFTS:
        err.print(f"[bold red]error:[/] --draft: expected one of {', '.join(DRAFTS)}, got {draft!r}", highlight=False)
        raise typer.Exit(2)
    from pathway.reference.listing import with_catalogue_defaults

    sys.stdout.write(json.dumps(with_catalogue_defaults(json_schema(partial, draft)), indent=2, ensure_ascii=False) + "\n")


def inventory(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Write inventory.csv and inventory.json here.")] = None,
) -> None:
    """Print (and with --out write) the base-year CO2 inventory, factor and source on every line."""
    from pathway.files import check_out_dir
    from pathway.inputs.inventory import baseline_inventory
    from pathway.reference.validate import load_scenario

    try:
        if out_dir is not None:
            check_out_dir(out_dir)
        loaded = load_scenario(file)
    except PathwayError as exc:
        _fail(exc)
    inv = baseline_inventory(loaded.scenario)
    table = Table(title=f"Baseline CO2 inventory {inv.year}: {escape(loaded.scenario.factory.name)}")
    for col, just in (("scope", "right"), ("source", "left"), ("method", "left"), ("activity", "right"),
                      ("unit", "left"), ("factor", "right"), ("emissions tCO2", "right"), ("factor name / source", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in inv.lines.itertuples():
        table.add_row(*(escape(str(v)) for v in (r.scope, r.source, r.method, f"{r.activity:,.2f}", r.activity_unit,
                      f"{r.factor_tco2_per_unit:.6g}", f"{r.emissions_t:,.2f}", f"{r.factor_name}; {r.factor_source[:60]}")))
    out.print(table)
    t = inv.totals
    out.print(f"scope 1: {t['scope1_t']:,.2f} t   scope 2 location: {t['scope2_location_t']:,.2f} t   "
              f"scope 2 market: {t['scope2_market_t']:,.2f} t")
    out.print(f"total (location-based): {t['total_location_t']:,.2f} tCO2   "
              f"total (market-based): {t['total_market_t']:,.2f} tCO2")
    out.print(f"intensity: {t['intensity_location_t_per_unit']:.6g} (location) / "
              f"{t['intensity_market_t_per_unit']:.6g} (market) tCO2 per {inv.output_unit}", highlight=False, markup=False)
    from pathway.reference.factors import grid_factor_series

    s = loaded.scenario
    for method, what in (("location", f"grid.factor_level {s.grid.level}"), ("market", "residual mix")):
        f = grid_factor_series(s, method)[s.horizon.base_year]
        out.print(f"grid factor ({method}-based, {what}): {f.value:.4f} tCO2/MWh, {escape(f.name)}", highlight=False)
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
        out.print(f"wrote {out_dir / 'inventory.csv'} and {out_dir / 'inventory.json'}", highlight=False, markup=False)


def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder (summary.json, tables/, report.html, results.xlsx).")],
    route: RouteOpt = "direct",
    method: MethodOpt = "auto",
    threads: ThreadsOpt = None,
    time_limit: TimeOpt = None,
    decompose: DecomposeOpt = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Report language.")] = Lang.en,
    no_report: Annotated[bool, typer.Option("--no-report", help="Do not write report.html (scripted use).")] = False,
    no_xlsx: Annotated[bool, typer.Option("--no-xlsx", help="Do not write results.xlsx (scripted use).")] = False,
    report_only: Annotated[bool, typer.Option("--report-only", help="Write report.html only: no summary.json, tables/ or results.xlsx.")] = False,
    force: ForceOpt = False,
) -> None:
    """Optimise a scenario and write the results (exit 3 with a diagnosis if the target is unreachable)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from pathway.errors import InfeasibleTargetError
    from pathway.runs.pipeline import STAGES, run_file, write_outputs

    if report_only and no_report:
        err.print("[bold red]error:[/] --report-only and --no-report exclude each other", highlight=False)
        raise typer.Exit(2)
    fast_exit.requested = True  # the process may end with os._exit (pathway.cli.entry): no Pyomo teardown
    opts = _solver_options(route, method, threads, time_limit, decompose)
    labels = {"load": "loading scenario", "prepare": "preparing data", "build": "building model", "solve": "solving (HiGHS)",
              "diagnose": "target unreachable: diagnosing", "results": "extracting results", "checks": "checking identities",
              "write": "writing outputs"}

    def progress(off: bool = False):
        return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                        disable=quiet or off, transient=True)

    data, excel, report = not report_only, not (no_xlsx or report_only), not no_report
    warming = []  # the thread that readies the writers while HiGHS solves (pathway.output.prewarm)
    with claimed(out_dir):  # the lock on --out, held from the first check to the last write
        with progress() as prog:
            task = prog.add_task("starting", total=len(STAGES))

            def step(stage: str) -> None:
                prog.update(task, description=labels.get(stage, stage), advance=1 if stage in STAGES else 0)
                if stage == "solve" and not warming:
                    from pathway.output import prewarm

                    warming.append(prewarm.start(report=report, excel=excel))

            try:
                result = run_file(file, out_dir, opts, progress=step, lang=lang.value,
                                  warn=lambda w: _print_warnings([w]), write=False, force=force)
            except InfeasibleTargetError as exc:
                prog.stop()
                # 'target not met' only when a plan exists but misses the target; a plan that cannot run
                # at all (e.g. demand above the import limit) is infeasible whatever the target
                what = "target not met" if exc.diagnosis.get("status") == "infeasible_target" else "infeasible"
                err.print(f"[bold red]{what}:[/] {escape(str(exc))}", highlight=False)
                err.print(f"diagnosis written to {out_dir / 'diagnosis.json'}", highlight=False, markup=False)
                raise typer.Exit(3) from None
            except PathwayError as exc:
                prog.stop()
                _fail(exc)
        # The model's hundreds of thousands of objects out of the cyclic collector's walks from
        # here on: runs.pipeline builds and solves with the collector paused, and the first
        # collection after it would walk them all (~0.1 s) for nothing, this process ending with
        # os._exit (pathway.cli.entry). Only there: under CliRunner or a caller's process the
        # objects must stay collectable.
        if fast_exit.in_entry:
            import gc

            gc.freeze()
        # The result first, as soon as it is solved; then the files (the workbook and the report
        # are the slow part of the write), then the timings with the write included.
        s = result.summary
        y = s["target_year"]
        out.print(f"[green]solved[/] {escape(str(s['scenario']))}: total discounted cost {s['total_cost_npv_cny'] / 1e6:,.2f} M CNY, "
                  f"capex {s['capex_total_cny'] / 1e6:,.2f} M CNY", highlight=False)
        out.print(f"emissions {s['baseline_emissions_t']:,.0f} t (base {s['base_year']}) -> {s['emissions_t'][str(y)]:,.0f} t "
                  f"in {y} after capture, offsets {s['offsets_t'][str(y)]:,.0f} t; "
                  f"marginal abatement cost {s['marginal_abatement_cost_cny_per_t'][str(y)] or 0:,.1f} CNY/t", highlight=False, markup=False)
        if dec := s["solver"].get("decomposition"):  # solve.by_year: say how the hourly model was solved
            out.print(decomposition_line(dec), highlight=False, markup=False)
        if loan := s.get("loan"):  # finance (pathway.finance): the loan sized against business as usual
            out.print(f"loan {loan['debt_cny'] / 1e6:,.2f} M CNY ({loan['binding']} binds), equity {loan['equity_cny'] / 1e6:,.2f} M CNY", highlight=False, markup=False)
        out.file.flush()
        if warming and warming[0] is not None:
            warming[0].join()
        with progress(off=not err.is_terminal) as prog:  # off the terminal: stderr as before, no second blank line
            prog.add_task(labels["write"], total=None)
            t0 = time.perf_counter()
            try:
                # the workbook in a forked child while this process writes the report (2 cores: ~0.3 s less)
                write_outputs(result, out_dir, report=report, excel=excel, lang=lang.value, data=data, parallel=True)
            except PathwayError as exc:
                prog.stop()
                _fail(exc)
            result.timings_s["write"] = time.perf_counter() - t0
        tm = result.timings_s
        out.print("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in tm.items() if not k.startswith("solver_")), highlight=False)
        written = [name for name, on in (("summary.json", data), ("tables/", data), ("report.html", report),
                                         ("results.xlsx", excel)) if on]
        out.print(f"wrote {out_dir}/{', '.join(written)}", highlight=False, markup=False)
