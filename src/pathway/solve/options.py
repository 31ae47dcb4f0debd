"""Solver options: what the user sets (``SolverOptions``), the LP method ``auto`` resolves to,
and the one builder of HiGHS option values that every route uses."""

from __future__ import annotations

from dataclasses import dataclass

from pathway.units import SOLVER_SEED


@dataclass
class SolverOptions:
    route: str = "direct"  # 'direct' (model.direct: arrays into highspy), 'compiler' (Pyomo model, standard-form
                           # compiler) or 'persistent' (Pyomo model, pyomo.contrib.solver's highs)
    method: str = "auto"  # 'auto', or HiGHS 'solver': 'simplex', 'ipm', 'ipx', 'choose', 'pdlp'
    threads: int | None = None
    time_limit_s: float | None = None
    crossover: str = "on"  # keeps duals exact and a basic solution
    verbose: bool = False


AUTO_IPM_MIN_COLUMNS = 250_000
BATCH_TIME_LIMIT_S = 300.0  # each solve of a sweep / montecarlo / portfolio run unless --time-limit: about 100x a
                            # bundled scenario's solve; a row that reaches it gets status 'time_limit'


ROUTES = ("direct", "compiler", "persistent")
METHODS = ("auto", "simplex", "ipm", "ipx", "choose", "pdlp")


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


def resolve_method(method: str, n_columns: int) -> str:
    """'auto' -> dual simplex below 250k columns, interior point (with crossover) above.

    Measured on the bundled automotive scenario, same machine, one run after another:
    12 typical days (14.5k columns) simplex 0.9 s vs IPX 1.8 s; 2-year hourly (175k)
    simplex 31 s vs IPX 45 s; 5-year hourly (438k) simplex 370 s vs IPX 156 s."""
    if method != "auto":
        return method
    return "ipm" if n_columns >= AUTO_IPM_MIN_COLUMNS else "simplex"


def highs_options(opts: SolverOptions, n_columns: int, method: str | None = None) -> dict:
    """HiGHS option values for a solve: output, LP method (``method`` overrides ``auto``),
    crossover after interior point, threads, time limit and the fixed random seed."""
    method = method or resolve_method(opts.method, n_columns)
    out: dict = {"output_flag": bool(opts.verbose), "solver": method, "random_seed": SOLVER_SEED}
    if method in ("ipm", "ipx", "hipo"):
        out["run_crossover"] = opts.crossover
    if opts.threads:
        out["threads"] = int(opts.threads)
    if opts.time_limit_s:
        out["time_limit"] = float(opts.time_limit_s)
    return out
