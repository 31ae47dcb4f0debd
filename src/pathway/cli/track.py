"""``pathway track``: plan vs actual for a run folder (heavy imports inside the command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pathway.cli.app import _fail, claimed, err, out
from pathway.errors import PathwayError


def track(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by 'pathway run --out DIR'.")],
    actuals: Annotated[Path, typer.Argument(help="Monthly metered data, CSV (format: README, 'Tracking a plan').")],
) -> None:
    """Compare monthly metered actuals with the plan: emissions under both scope-2 methods, the variance by
    cause, the year-end projection and an early warning; writes tables/tracking_*.csv and tracking.html."""
    from pathway.runs.tracking import track_folder

    with claimed(results_dir):  # one writer per run folder: a run or another track into it waits its turn (exit 2)
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


def replan(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by 'pathway run --out DIR' (the plan).")],
    actuals: Annotated[Path, typer.Argument(help="Monthly metered data, CSV: its years are history and stay fixed.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder of the re-plan.")],
    scenario: Annotated[Path | None, typer.Option("--scenario", help="The plan's scenario file (default: scenarios/<the "
                                                  "name in DIR/summary.json>); must be the one the plan was made from.")] = None,
    built: Annotated[Path | None, typer.Option("--built", help="CSV technology,year,build: what was actually built in the "
                                               "years with actuals (default: the plan's builds).")] = None,
) -> None:
    """Re-optimise the remaining years from what is already built; writes a full run plus tables/replan_costs.csv and
    tables/replan_builds.csv (remaining cost and builds, plan vs re-plan)."""
    import json

    from pathway.errors import Problem, ScenarioError
    from pathway.files import check_out_dir
    from pathway.runs.replan import replan as run_replan

    try:
        check_out_dir(out_dir)
        if scenario is None:
            try:
                names = json.loads((results_dir / "summary.json").read_text(encoding="utf-8")).get("scenario_files") or []
            except (OSError, ValueError):
                names = []
            candidates = [Path("scenarios") / names[0], results_dir.parent / names[0]] if names else []
            scenario = next((c for c in candidates if c.is_file()), None)
            if scenario is None:
                raise ScenarioError([Problem(str(results_dir), "--scenario", "expected the plan's scenario file; give --scenario FILE")])
    except PathwayError as exc:
        _fail(exc)
    with claimed(out_dir):  # the new run folder, locked like pathway run's
        try:
            result = run_replan(results_dir, actuals, scenario, out_dir, built)
        except PathwayError as exc:
            _fail(exc)
    r = result.summary["replan"]
    out.print(f"re-planned {len(r['remaining_years'])} remaining year(s) from the state at the end of {r['fixed_years'][-1]}: "
              f"discounted cost {r['plan_remaining_discounted_cost_cny'] / 1e6:,.3f} -> "
              f"{r['replan_remaining_discounted_cost_cny'] / 1e6:,.3f} M CNY "
              f"({r['remaining_discounted_cost_change_cny'] / 1e6:+,.3f} M CNY)", highlight=False, markup=False)
    out.print(f"wrote {out_dir}", highlight=False, markup=False)
