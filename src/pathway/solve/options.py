"""Solver options: what the user sets (``SolverOptions``), the LP method ``auto`` resolves to,
and the one builder of HiGHS option values that every route uses."""

from __future__ import annotations

from dataclasses import dataclass

from pathway.units import SOLVER_SEED


@dataclass
class SolverOptions:
    route: str = "direct"  # 'direct' (model.direct: arrays into highspy), 'compiler' (Pyomo model, standard-form
                           # compiler) or 'persistent' (Pyomo model, pyomo.contrib.solver's highs)
    method: str = "auto"  # 'auto' (resolve_method), or HiGHS 'solver': 'simplex', 'ipm', 'ipx', 'hipo', 'choose', 'pdlp'
    threads: int | None = None
    time_limit_s: float | None = None
    crossover: str = "on"  # keeps duals exact and a basic solution
    verbose: bool = False


BATCH_TIME_LIMIT_S = 300.0  # each solve of a sweep / montecarlo / portfolio run unless --time-limit: about 100x a
                            # bundled scenario's solve; a row that reaches it gets status 'time_limit'


ROUTES = ("direct", "compiler", "persistent")
METHODS = ("auto", "simplex", "ipm", "ipx", "hipo", "choose", "pdlp")
INTERIOR_POINT = ("ipm", "ipx", "hipo")  # the methods crossover follows


def check_route_and_method(route: str, method: str) -> str | None:
    """None if ``route`` and ``method`` are known, else the problem (HiGHS would ignore an
    unknown method and solve with its default)."""
    if route not in ROUTES:
        return f"--route: expected one of {', '.join(ROUTES)}, got {route!r}"
    if method not in METHODS:
        return f"--method: expected one of {', '.join(METHODS)}, got {method!r}"
    return None


def check_time_limit(time_limit_s: float | None) -> str | None:
    """None if ``time_limit_s`` is usable (None, or finite and > 0), else the problem."""
    if time_limit_s is None or (time_limit_s > 0 and time_limit_s < float("inf")):
        return None
    return f"--time-limit: expected a number of seconds > 0, got {time_limit_s!r}"


def hourly_model(m) -> bool:
    """True for a model of 8,760 chronological hours a year (``time.mode: hourly``), the class
    ``resolve_method`` gives interior point; False for typical days (or a model without data)."""
    md = getattr(m, "md", None)
    return md is not None and getattr(md.periods, "mode", None) == "hourly"


def resolve_method(method: str, hourly: bool) -> str:
    """'auto' -> the method measured fastest for the model's class (``benchmarks/bench_methods.py``,
    ``benchmarks/results/methods.json``), not a column count:

    * typical days (storage cyclic within each day): the dual simplex;
    * full-hourly (storage chronological over the year): HiPO, HiGHS's newer interior point
      solver (from ``highspy-extras``), with crossover to a vertex and its basis.

    Any other value is the user's explicit choice and stands."""
    if method != "auto":
        return method
    return "hipo" if hourly else "simplex"


def highs_options(opts: SolverOptions, hourly: bool, method: str | None = None) -> dict:
    """HiGHS option values for a solve: output, LP method (``method`` overrides ``auto``,
    resolved for an ``hourly`` model or not), crossover after interior point, threads, time
    limit and the fixed random seed."""
    method = method or resolve_method(opts.method, hourly)
    out: dict = {"output_flag": bool(opts.verbose), "solver": method, "random_seed": SOLVER_SEED}
    if method in INTERIOR_POINT:
        out["run_crossover"] = opts.crossover
    if opts.threads:
        out["threads"] = int(opts.threads)
    if opts.time_limit_s:
        out["time_limit"] = float(opts.time_limit_s)
    return out
