"""Solver options: what the user sets (``SolverOptions``), the LP method ``auto`` resolves to,
and the one builder of HiGHS option values that every route uses."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from pathway.units import SOLVER_SEED

# HiGHS loads highspy-extras' OpenBLAS (HiPO's dense kernels) whenever it starts; its thread
# pool costs every process about 0.05 s wall and 0.15 CPU-s, and HiPO gained nothing from it
# (the 2-year hourly PV + battery LP: 9.1-9.4 s either way). One BLAS thread unless the user
# says otherwise; set here, before any highspy import (pathway.solve imports this module first)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@dataclass
class SolverOptions:
    route: str = "direct"  # 'direct' (model.direct: arrays into highspy), 'compiler' (Pyomo model, standard-form
                           # compiler) or 'persistent' (Pyomo model, pyomo.contrib.solver's highs)
    method: str = "auto"  # 'auto' (resolve_method), or HiGHS 'solver': 'simplex', 'ipm', 'ipx', 'hipo', 'choose', 'pdlp'
    threads: int | None = None
    time_limit_s: float | None = None
    crossover: str = "on"  # keeps duals exact and a basic solution
    verbose: bool = False
    decompose: str = "auto"  # full-hourly models (route 'direct'), solve.by_year: 'plan' solves each year on the
                             # typical-day investment plan; 'benders' refines that plan to the full LP's optimum
                             # (a proven gap); 'auto': benders for one year, plan for several; 'off': the full LP


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
    if method == "hipo" and not hipo_available():
        return "--method hipo: HiGHS's HiPO solver needs the highspy-extras package (pip install highspy-extras)"
    return None


@functools.cache
def hipo_available() -> bool:
    """True when this HiGHS accepts solver=hipo (its libraries come in ``highspy-extras``);
    asked once per process."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h.setOptionValue("solver", "hipo") == highspy.HighsStatus.kOk


DECOMPOSE = ("auto", "plan", "benders", "off")


def check_decompose(decompose: str) -> str | None:
    """None if ``decompose`` is known, else the problem."""
    if decompose not in DECOMPOSE:
        return f"--decompose: expected one of {', '.join(DECOMPOSE)}, got {decompose!r}"
    return None


def check_time_limit(time_limit_s: float | None) -> str | None:
    """None if ``time_limit_s`` is usable (None, or finite and > 0), else the problem."""
    if time_limit_s is None or (time_limit_s > 0 and time_limit_s < float("inf")):
        return None
    return f"--time-limit: expected a number of seconds > 0, got {time_limit_s!r}"


REPRESENTATIVE_DAYS = "representative_days"  # typical days, storage cyclic within each day
HOURLY_ONE_YEAR = "hourly_one_year"  # 8,760 chronological hours, one modelled year
HOURLY_MULTI_YEAR = "hourly_multi_year"  # 8,760 chronological hours a year, two or more years
HOURLY_YEAR_DISPATCH = "hourly_year_dispatch"  # one year's 8,760 hours on a fixed investment plan (solve.by_year)
MODEL_CLASSES = (REPRESENTATIVE_DAYS, HOURLY_ONE_YEAR, HOURLY_MULTI_YEAR, HOURLY_YEAR_DISPATCH)
# the LP method measured fastest for each class (benchmarks/bench_methods.py --heavy,
# benchmarks/results/methods.json; tests/test_optimiser.py checks the two agree)
AUTO_METHOD = {REPRESENTATIVE_DAYS: "simplex", HOURLY_ONE_YEAR: "ipx", HOURLY_MULTI_YEAR: "hipo",
               HOURLY_YEAR_DISPATCH: "simplex"}


def model_class(m) -> str:
    """The class of a built model that method 'auto' goes by: its time mode (``time.mode``)
    and, for full-hourly models, whether it has one modelled year or more. A model without
    data (a hand-built LP) counts as typical days."""
    md = getattr(m, "md", None)
    if md is None or getattr(md.periods, "mode", None) != "hourly":
        return REPRESENTATIVE_DAYS
    return HOURLY_ONE_YEAR if len(md.years) == 1 else HOURLY_MULTI_YEAR


def resolve_method(method: str, cls: str = REPRESENTATIVE_DAYS) -> str:
    """'auto' -> the method measured fastest for the model's class (``AUTO_METHOD``), not a
    column count:

    * typical days: the dual simplex (the fastest on all 14 bundled scenarios with an
      optimum, and at 48 days);
    * full-hourly, one year: IPX with crossover (HiPO's ordering and set-up do not pay
      for themselves on a 44k-100k column LP);
    * full-hourly, two years or more: HiPO, HiGHS's newer interior point solver (from
      ``highspy-extras``), with crossover to a vertex and its basis (3-4x faster than the
      simplex and IPX there); IPX where this HiGHS lacks HiPO's libraries;
    * one year's hours on a fixed investment plan (``solve.by_year``): the dual simplex.

    Any other value is the user's explicit choice and stands (an unavailable 'hipo' is
    refused by ``check_route_and_method`` and by HiGHS)."""
    if method != "auto":
        return method
    if cls not in AUTO_METHOD:
        raise ValueError(f"unknown model class {cls!r}; expected one of {', '.join(MODEL_CLASSES)}")
    picked = AUTO_METHOD[cls]
    return "ipx" if picked == "hipo" and not hipo_available() else picked


def highs_options(opts: SolverOptions, cls: str = REPRESENTATIVE_DAYS, method: str | None = None) -> dict:
    """HiGHS option values for a solve: output, LP method (``method`` overrides ``auto``,
    resolved for the model class ``cls``), crossover after interior point, threads, time
    limit and the fixed random seed."""
    method = method or resolve_method(opts.method, cls)
    out: dict = {"output_flag": bool(opts.verbose), "solver": method, "random_seed": SOLVER_SEED}
    if method in INTERIOR_POINT:
        out["run_crossover"] = opts.crossover
    if opts.threads:
        out["threads"] = int(opts.threads)
    if opts.time_limit_s:
        out["time_limit"] = float(opts.time_limit_s)
    return out
