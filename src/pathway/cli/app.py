"""The typer application, its consoles, the error printer and the options the commands share.

Commands are plain functions in the modules beside this one; ``pathway.cli`` registers them
on ``app`` explicitly (nothing registers as an import side effect)."""

from __future__ import annotations

from contextlib import contextmanager
from enum import Enum
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from pathway import __version__
from pathway.errors import PathwayError, ScenarioError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="pathway: plan a factory's lowest-cost route to near-zero CO2 (零碳工厂).",
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


class _FastExit:
    """Set by a command whose process may end with ``os._exit`` (see ``pathway.cli.entry``).
    ``in_entry``: the command runs under ``pathway.cli.entry`` (the process's own entry point,
    not ``CliRunner`` or a library caller), so that a requested fast exit will happen."""

    requested = False
    in_entry = False


fast_exit = _FastExit()


def _fail(exc: PathwayError) -> None:
    if isinstance(exc, ScenarioError):
        err.print(f"[bold red]error:[/] {len(exc.problems)} problem(s) in the scenario:", highlight=False)
        for p in exc.problems:
            err.print(f"  {p}", highlight=False, markup=False)
    else:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
    raise typer.Exit(exc.exit_code)


@contextmanager
def claimed(out_dir):
    """Hold the lock of an output folder (``pathway.output.lock.out_lock``) for the body; a
    folder another process is writing into is exit 2 with a message."""
    from pathway.files import check_out_dir
    from pathway.output.lock import out_lock

    cm = out_lock(out_dir)
    try:
        check_out_dir(out_dir)  # a file, under a file, not writable: said as such, before the lock file is made
        cm.__enter__()
    except PathwayError as exc:
        _fail(exc)
    try:
        yield
    finally:
        cm.__exit__(None, None, None)


def _version(value: bool) -> None:
    if value:
        out.print(f"pathway {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = None,
) -> None:
    """pathway: plan a factory's lowest-cost route to near-zero CO2 (零碳工厂)."""


def _solver_options(route: str, method: str, threads: Optional[int], time_limit: Optional[float], decompose: str = "auto"):
    from pathway.solve.options import SolverOptions, check_decompose, check_route_and_method, check_time_limit

    if problem := check_time_limit(time_limit) or check_route_and_method(route, method) or check_decompose(decompose):
        err.print(f"[bold red]error:[/] {escape(problem)}", highlight=False)
        raise typer.Exit(2)
    return SolverOptions(route=route, method=method, threads=threads, time_limit_s=time_limit, decompose=decompose)


RouteOpt = Annotated[str, typer.Option("--route", help="direct (the LP built as arrays -> highspy; default), compiler (Pyomo model, standard form -> highspy) or persistent (Pyomo model, pyomo highs).")]
MethodOpt = Annotated[str, typer.Option("--method", help="LP method: auto (dual simplex for typical days, IPX for one full-hourly year, HiPO for several), simplex, ipm, ipx, hipo, choose, pdlp.")]
ThreadsOpt = Annotated[Optional[int], typer.Option("--threads", help="HiGHS threads (default: HiGHS's choice).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Write into --out even if it holds files pathway did not write (they are kept).")]
DecomposeOpt = Annotated[str, typer.Option("--decompose", help="Full-hourly models (route direct). plan: take the investment plan from the typical days and solve each year's 8,760 hours on it, two years at a time (0.001-0.07 % above the full LP's optimum on the bundled plants measured); benders: refine that plan by Benders decomposition to the full LP's optimum, with a proven gap below 1e-7; auto (default): benders for one year (faster than the full LP), plan for several (there the proven optimum takes 3-4x as long and, holding every year's solver, over 1 GB on the 5-year plant); off: solve the full hourly LP in one piece.")]
TimeOpt = Annotated[Optional[float], typer.Option("--time-limit", help="Solver time limit, seconds.")]


class Lang(str, Enum):
    """Report language."""

    en = "en"
    zh = "zh"
