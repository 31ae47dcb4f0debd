"""``pathway sweep``, ``pathway montecarlo`` and ``pathway portfolio``: many runs, in a local
process pool (default), on a dask LocalCluster (``--dask local``) or an existing dask
cluster (``--scheduler tcp://HOST:PORT``).

Exit codes: 0 when the batch ran (failed runs are rows with their error, not a failed
command), 2 for a bad base scenario, field path or option, 1 for anything unexpected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from pathway.cli.app import ForceOpt, Lang, MethodOpt, RouteOpt, TimeOpt, _fail, claimed, err, out
from pathway.errors import PathwayError

SetOpt = Annotated[list[str], typer.Option("--set", help="PATH=V1,V2,… a dotted scenario field and its values "
                                                          "(repeatable); one value = a fixed setting for every run.")]
WorkersOpt = Annotated[Optional[int], typer.Option("--workers", "-w", help="Worker processes (default: the machine's cores).")]
DaskOpt = Annotated[Optional[str], typer.Option("--dask", help="'local': run on a dask.distributed LocalCluster.")]
SchedOpt = Annotated[Optional[str], typer.Option("--scheduler", help="Submit to an existing dask cluster, tcp://HOST:PORT.")]
SerialOpt = Annotated[bool, typer.Option("--serial", help="Run in this process, one run at a time (debugging).")]
CacheOpt = Annotated[bool, typer.Option("--cache/--no-cache", help="Reuse finished runs from DIR/cache.")]
ThreadsOpt = Annotated[int, typer.Option("--threads", help="HiGHS threads per run (1: one per worker).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
PersistOpt = Annotated[bool, typer.Option("--persistent/--no-persistent",
                                          help="Re-solve one model when only prices/capex change (default) or rebuild every run.")]
ChunkOpt = Annotated[int, typer.Option("--chunk-size", help="Runs per persistent model (a task).", min=1)]


def _executor(workers, dask, scheduler, serial) -> dict:
    if dask is not None and dask != "local":
        err.print(f"[bold red]error:[/] --dask takes 'local' (got {escape(repr(dask))}); use --scheduler tcp://HOST:PORT for a cluster",
                  highlight=False)
        raise typer.Exit(2)
    if scheduler:
        return {"executor": "dask", "scheduler": scheduler, "workers": workers}
    if dask == "local":
        return {"executor": "dask", "workers": workers}
    return {"executor": "serial" if serial else "local", "workers": workers}


def _check_foreign(out_dir: Path, force: bool) -> None:
    """Exit 2 if --out holds files a batch does not write (``pathway.output.lock.BATCH_OWNED``), unless --force."""
    from pathway.output.lock import BATCH_OWNED, check_foreign

    try:
        check_foreign(out_dir, BATCH_OWNED, force)
    except PathwayError as exc:
        _fail(exc)


def _opts(route: str, method: str, threads: int, time_limit):
    """Solver options of a batch; every solve has a time limit (``BATCH_TIME_LIMIT_S`` unless
    --time-limit), so a run that would hang becomes a row with status ``time_limit``."""
    from pathway.solve.options import BATCH_TIME_LIMIT_S, SolverOptions, check_route_and_method, check_time_limit

    if problem := check_time_limit(time_limit) or check_route_and_method(route, method):
        err.print(f"[bold red]error:[/] {escape(problem)}", highlight=False)
        raise typer.Exit(2)
    time_limit = BATCH_TIME_LIMIT_S if time_limit is None else time_limit
    return SolverOptions(route=route, method=method, threads=threads, time_limit_s=time_limit)


def _assignments(sets: list[str]) -> dict[str, list]:
    from pathway.scenario.fields import PathError, parse_assignment

    out_: dict[str, list] = {}
    for s in sets or []:
        try:
            p, vals = parse_assignment(s)
        except PathError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=False)
            raise typer.Exit(2) from None
        out_[p] = vals
    return out_


def _run_with_progress(fn, total: int, quiet: bool, what: str):
    """Call ``fn(progress)`` with a rich progress bar over ``total`` runs."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    failed = {"n": 0}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fail]}"),
                  TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err, disable=quiet,
                  transient=False) as prog:
        task = prog.add_task(what, total=total, fail="")

        def progress(done: int, n: int, status: str) -> None:
            if status and status != "optimal":
                failed["n"] += 1
            prog.update(task, completed=done, fail=f"[red]{failed['n']} failed[/]" if failed["n"] else "")

        return fn(progress)


def _print_notes(notes) -> None:
    for n in notes:
        out.print(f"  · {n}", highlight=False, markup=False)


def sweep(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    sets: SetOpt = None,  # type: ignore[assignment]
    one_at_a_time: Annotated[bool, typer.Option("--one-at-a-time", help="Vary one parameter at a time around the scenario (default: full grid).")] = False,
    metric: Annotated[str, typer.Option("--metric", help="Tornado metric: cost or capex.")] = "cost",
    persistent: PersistOpt = True,
    chunk_size: ChunkOpt = 8,
    workers: WorkersOpt = None,
    dask: DaskOpt = None,
    scheduler: SchedOpt = None,
    serial: SerialOpt = False,
    cache: CacheOpt = True,
    route: RouteOpt = "direct",
    method: MethodOpt = "auto",
    threads: ThreadsOpt = 1,
    time_limit: TimeOpt = None,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the HTML page.")] = Lang.en,
) -> None:
    """Sensitivity sweep: run FILE over a grid (or one at a time) of --set values; write sweep.csv/xlsx, a
    tornado chart and the pathways overlaid (sweep.html)."""
    from pathway.runs.sweep import METRICS, plan_sweep, run_sweep, write_sweep
    from pathway.scenario.fields import PathError

    if metric not in METRICS:
        err.print(f"[bold red]error:[/] --metric must be one of {', '.join(METRICS)}", highlight=False)
        raise typer.Exit(2)
    assignments = _assignments(sets)
    if not any(len(v) > 1 for v in assignments.values()):
        err.print("[bold red]error:[/] nothing to sweep: give at least one --set PATH=V1,V2", highlight=False)
        raise typer.Exit(2)
    ex = _executor(workers, dask, scheduler, serial)
    opts = _opts(route, method, threads, time_limit)  # checked before anything is planned or run
    try:
        plan = plan_sweep(file, assignments, one_at_a_time)
    except PathError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    except PathwayError as exc:
        _fail(exc)
    _print_notes(plan.notes(persistent))
    with claimed(out_dir):  # one process at a time; a folder holding a user's files needs --force
        _check_foreign(out_dir, force)
        res = _run_with_progress(lambda pr: run_sweep(plan, out_dir, opts,
                                                      persistent=persistent, chunk_size=chunk_size, use_cache=cache,
                                                      progress=pr, **ex), len(plan.specs), quiet, "sweep")
        man = write_sweep(plan, res, out_dir, metric, lang=lang.value)
    from pathway.runs.batch import wall_summary

    out.print(wall_summary(res), highlight=False, markup=False)
    if man.get("persistent_saving"):
        _print_notes([n for n in man["notes"] if n.startswith("measured")])
    out.print(f"wrote {out_dir}/sweep.csv, sweep.xlsx, sweep.html, tornado.csv, runs.jsonl, manifest.json", highlight=False, markup=False)


def montecarlo(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file with an uncertainty block.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    samples: Annotated[Optional[int], typer.Option("--samples", "-n", help="Number of samples (default: uncertainty.samples).", min=1)] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Override uncertainty.seed.", min=0)] = None,
    sets: SetOpt = None,  # type: ignore[assignment]
    persistent: PersistOpt = True,
    chunk_size: ChunkOpt = 8,
    workers: WorkersOpt = None,
    dask: DaskOpt = None,
    scheduler: SchedOpt = None,
    serial: SerialOpt = False,
    cache: CacheOpt = True,
    route: RouteOpt = "direct",
    method: MethodOpt = "auto",
    threads: ThreadsOpt = 1,
    time_limit: TimeOpt = None,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the HTML page.")] = Lang.en,
) -> None:
    """Monte Carlo over the scenario's uncertainty block: P10/P50/P90 of cost, capex by year and emissions,
    the probability the target is met (fan charts in montecarlo.html), and the loan on P90 capex."""
    from pathway.runs.montecarlo import (
        plan_montecarlo,
        run_montecarlo,
        write_montecarlo,
    )
    from pathway.scenario.fields import PathError

    fixed = _assignments(sets)
    many = [p for p, v in fixed.items() if len(v) > 1]
    if many:
        err.print(f"[bold red]error:[/] --set takes one value in montecarlo ({', '.join(many)})", highlight=False)
        raise typer.Exit(2)
    ex = _executor(workers, dask, scheduler, serial)
    opts = _opts(route, method, threads, time_limit)  # checked before anything is planned or run
    try:
        plan = plan_montecarlo(file, samples, seed, {p: v[0] for p, v in fixed.items()})
    except PathError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    except PathwayError as exc:
        _fail(exc)
    with claimed(out_dir):  # one process at a time; a folder holding a user's files needs --force
        _check_foreign(out_dir, force)
        res = _run_with_progress(lambda pr: run_montecarlo(plan, out_dir, opts,
                                                           persistent=persistent, chunk_size=chunk_size, use_cache=cache,
                                                           progress=pr, **ex), plan.n, quiet, "montecarlo")
        man = write_montecarlo(plan, res, out_dir, lang=lang.value)
    out.print(man["summary"], highlight=False, markup=False)
    c, o = man["cost"], man["outcome"]
    if c.get("p50") is not None:
        out.print(f"total discounted cost P10/P50/P90: {c['p10'] / 1e6:,.1f} / {c['p50'] / 1e6:,.1f} / {c['p90'] / 1e6:,.1f} M CNY",
                  highlight=False)
    if o["p_target_met"] is not None:
        out.print(f"P(target met) = {o['p_target_met']:.1%} ({o['target_met']} of {o['solved'] + o['infeasible']})", highlight=False)
    loan = man.get("loan_p90_capex") or {}
    if "debt_cny" in loan:
        out.print(f"loan on P90 capex: {loan['debt_cny'] / 1e6:,.2f} M CNY ({loan['binding']} binds); "
                  f"on P50 capex {loan['p50_capex_debt_cny'] / 1e6:,.2f} M CNY", highlight=False, markup=False)
    elif loan.get("note"):
        out.print(f"loan: {loan['note']}", highlight=False, markup=False)
    out.print(f"wrote {out_dir}/percentiles.csv, samples.csv, montecarlo.xlsx, montecarlo.html, runs.jsonl, manifest.json",
              highlight=False, markup=False)


def portfolio(
    inputs: Annotated[list[Path], typer.Argument(help="Scenario files and/or folders of *.yaml.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    sets: SetOpt = None,  # type: ignore[assignment]
    workers: WorkersOpt = None,
    dask: DaskOpt = None,
    scheduler: SchedOpt = None,
    serial: SerialOpt = False,
    cache: CacheOpt = True,
    route: RouteOpt = "direct",
    method: MethodOpt = "auto",
    threads: ThreadsOpt = 1,
    time_limit: TimeOpt = None,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the HTML page.")] = Lang.en,
) -> None:
    """A bank's book: run every factory; write factories.csv, totals_by_year.csv, portfolio.xlsx and a
    portfolio report (portfolio.html)."""
    from pathway.runs.portfolio import plan_portfolio, run_portfolio, write_portfolio
    from pathway.scenario.fields import PathError

    fixed = _assignments(sets)
    many = [p for p, v in fixed.items() if len(v) > 1]
    if many:
        err.print(f"[bold red]error:[/] --set takes one value in portfolio ({', '.join(many)})", highlight=False)
        raise typer.Exit(2)
    ex = _executor(workers, dask, scheduler, serial)
    opts = _opts(route, method, threads, time_limit)  # checked before anything is planned or run
    try:
        specs = plan_portfolio(inputs, {p: v[0] for p, v in fixed.items()})
    except PathError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    except PathwayError as exc:
        _fail(exc)
    with claimed(out_dir):  # one process at a time; a folder holding a user's files needs --force
        _check_foreign(out_dir, force)
        res = _run_with_progress(lambda pr: run_portfolio(specs, out_dir, opts,
                                                          use_cache=cache, progress=pr, **ex), len(specs), quiet, "portfolio")
        man = write_portfolio(res, out_dir, [str(p) for p in inputs], lang=lang.value)
    out.print(man["summary"], highlight=False, markup=False)
    t = man["target"]
    if t["share_of_all"] is not None:
        out.print(f"meeting target: {t['met']} of {t['factories']} factories ({t['share_of_all']:.0%}); "
                  f"capex {man['capex_total_cny'] / 1e6:,.1f} M CNY, loans {man['loan_total_cny'] / 1e6:,.1f} M CNY",
                  highlight=False)
    for r in res.records:
        if not r.ok:
            first = (r.error or "").splitlines()[0] if r.error else ""
            err.print(f"  [red]✗[/] {escape(r.label)}: {r.status}: {escape(first)}", highlight=False)
    out.print(f"wrote {out_dir}/factories.csv, totals_by_year.csv, portfolio.xlsx, portfolio.html, runs.jsonl, manifest.json",
              highlight=False, markup=False)
