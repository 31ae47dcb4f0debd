"""``pathway compare`` and ``pathway report``: reports without (re)writing a run's results.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pathway.cli.app import Lang, _fail, err, out
from pathway.errors import InfeasibleTargetError, PathwayError

LangOpt = Annotated[Lang, typer.Option("--lang", help="Report language.")]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "scenario"


def report(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by 'pathway run --out DIR'.")],
    lang: LangOpt = Lang.en,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here (default: DIR/report.html).")] = None,
) -> None:
    """Rebuild report.html from a results folder's summary.json and tables/*.csv, without solving."""
    from pathway.output.folder import ReportInputError, load_results
    from pathway.output.report import write_report

    try:
        summary, tables = load_results(results_dir)
        if output is None and (results_dir / "report.html").is_dir():
            raise ReportInputError(f"{results_dir / 'report.html'}: a folder; expected a file pathway can replace")
        target = output or results_dir / "report.html"
        try:
            write_report(target, summary, tables, lang=lang.value)
        except (KeyError, ValueError, IndexError, TypeError, AttributeError, ArithmeticError) as exc:
            raise ReportInputError(f"{results_dir}: the tables do not fit together ({type(exc).__name__}: {exc}); "
                                   "re-run 'pathway run' to regenerate them") from None
    except PathwayError as exc:
        _fail(exc)
    out.print(f"wrote {target}", highlight=False, markup=False)


def compare(
    files: Annotated[list[Path], typer.Argument(help="Two or more scenario YAML files.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder: one subfolder per scenario and comparison.html.")],
    lang: LangOpt = Lang.en,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Optimise several scenarios and write a comparison report (pathways, cost against target-year emissions)."""
    import pandas as pd

    from pathway.errors import ScenarioError
    from pathway.output.charts import comparison_table
    from pathway.output.report import write_comparison_report
    from pathway.runs.pipeline import run_file

    if len(files) < 2:
        err.print("[bold red]error:[/] compare needs two or more scenario files", highlight=False)
        raise typer.Exit(2)
    missing = [f for f in files if not f.is_file()]
    if missing:
        err.print(f"[bold red]error:[/] no such file: {escape(', '.join(map(str, missing)))}", highlight=False)
        raise typer.Exit(2)
    # validate every scenario before solving any, so a typo in the last file costs nothing
    from pathway.reference.validate import load_scenario

    names: list[str] = []
    problems = []
    for f in files:
        try:
            names.append(load_scenario(f).scenario.name)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        _fail(ScenarioError(problems))
    labels: list[str] = []
    for n in names:
        lab, i = n, 2
        while lab in labels:
            lab, i = f"{n} ({i})", i + 1
        labels.append(lab)
    runs = {}
    links = {}
    for f, lab in zip(files, labels):
        sub = out_dir / _slug(lab)
        if not quiet:
            err.print(f"solving {f} -> {sub}", highlight=False, markup=False)
        try:
            result = run_file(f, sub, lang=lang.value)
        except InfeasibleTargetError as exc:
            what = "target not met" if exc.diagnosis.get("status") == "infeasible_target" else "infeasible"
            err.print(f"[bold red]{what}[/] in {escape(str(f))}: {escape(str(exc))}", highlight=False)
            err.print(f"diagnosis written to {sub / 'diagnosis.json'}", highlight=False, markup=False)
            raise typer.Exit(3) from None
        except PathwayError as exc:
            _fail(exc)
        runs[lab] = (result.summary, result.tables)
        links[lab] = f"{sub.name}/report.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    write_comparison_report(out_dir / "comparison.html", runs, lang=lang.value, links=links)
    table = comparison_table({k: t for k, (_s, t) in runs.items()}, {k: s for k, (s, _t) in runs.items()})
    table.to_csv(out_dir / "comparison.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for r in table.itertuples():
            out.print(f"{r.scenario}: target {r.target_year}, {r.target_year_emissions_t:,.0f} t after capture, "
                      f"offsets {r.target_year_offsets_t:,.0f} t, total discounted cost {r.total_cost_npv_cny / 1e6:,.2f} M CNY, "
                      f"capex {r.capex_total_cny / 1e6:,.2f} M CNY", highlight=False, markup=False)
    from pathway.analysis.story import fair_comparison, horizons_differ

    window = fair_comparison({k: t for k, (_s, t) in runs.items()})
    window.to_csv(out_dir / "comparison_window.csv", index=False)
    first, last = int(window.window_first_year.iloc[0]), int(window.window_last_year.iloc[0])
    if horizons_differ(window):
        out.print(f"the planning horizons differ: compared over the common window {first}-{last}", highlight=False, markup=False)
    for r in window.itertuples():
        per_t = "n/a" if r.cost_per_t_abated_cny_per_t is None or r.cost_per_t_abated_cny_per_t != r.cost_per_t_abated_cny_per_t \
            else f"{r.cost_per_t_abated_cny_per_t:,.1f} CNY/t"
        out.print(f"{r.scenario}, {first}-{last}: cost {r.window_cost_cny / 1e6:,.2f} M CNY "
                  f"(discounted {r.window_discounted_cost_cny / 1e6:,.2f}), {r.annualised_cost_cny_per_yr / 1e6:,.2f} M CNY/yr, "
                  f"abated {r.window_abatement_t:,.0f} t vs business as usual, {per_t} above business as usual",
                  highlight=False, markup=False)
    out.print(f"wrote {out_dir / 'comparison.html'}, {out_dir / 'comparison.csv'} and {out_dir / 'comparison_window.csv'}",
              highlight=False, markup=False)
