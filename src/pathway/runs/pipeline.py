"""Run one scenario end to end: load -> prepare -> build -> solve -> results -> checks,
and write the outputs of the public contract. Nothing is written unless the whole run
succeeds (outputs are assembled in a temporary folder and moved into place)."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pathway import __version__
from pathway.errors import InfeasibleTargetError, Problem, SolverError, SolveTimeLimitError
from pathway.files import check_out_dir, json_safe
from pathway.inputs.data import ModelData
from pathway.inputs.inventory import baseline_inventory
from pathway.inputs.prepare import prepare
from pathway.model import builder
from pathway.model.rules import own_emission_probes
from pathway.output.lock import RUN_OWNED, check_foreign, out_lock
from pathway.reference.validate import load_scenario
from pathway.results.checks import run_checks
from pathway.results.extract import extract_arrays
from pathway.results.summary import assumptions_table, make_summary
from pathway.results.tables import build_tables
from pathway.scenario.loader import LoadedScenario
from pathway.solve import by_year
from pathway.solve.highs import solve
from pathway.solve.options import SolverOptions

# Imported where used, not here (issue 14: the run path imports what every run needs):
# pathway.finance (runs with a finance block), pathway.solve.diagnosis (an unreachable
# target), pathway.output.folder (runs that write).

STAGES = ("load", "prepare", "build", "solve", "results", "checks", "write")


@dataclass
class RunResult:
    summary: dict
    tables: dict[str, pd.DataFrame]
    md: ModelData
    loaded: LoadedScenario
    timings_s: dict[str, float] = field(default_factory=dict)




def _raise_unsolved(out, opts: SolverOptions) -> None:
    """Raise the error of a solve that stopped without an optimum for another reason than
    infeasibility (time limit: SolveTimeLimitError; unbounded, numerical trouble: SolverError)."""
    if out.status == "time_limit":
        raise SolveTimeLimitError(f"the solver stopped at its time limit ({opts.time_limit_s:g} s) without an optimum "
                                  f"({out.message}); raise --time-limit, or use fewer representative days"
                                  if opts is not None and opts.time_limit_s else
                                  f"the solver stopped without an optimum: time_limit ({out.message})")
    if out.status != "optimal":
        hint = {"unbounded": "a cost is negative without a limit: check export prices and subsidies",
                }.get(out.status, "try another --method (simplex, ipm)")  # time_limit is handled above
        raise SolverError(f"the solver stopped without an optimum: {out.status} ({out.message}); {hint}")


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for the block (re-entrant; on again after it if it
    was on). Building a Pyomo model creates and keeps hundreds of thousands of objects, and the
    collector, triggered by the allocations, walks them again and again: the 12-day Jiangsu
    model builds in 0.12 instead of 0.26 CPU seconds with it off. Nothing is computed
    differently; the garbage of cycles (an old model) is collected once the block is over."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def run_loaded(loaded: LoadedScenario, opts: SolverOptions | None = None,
               progress: Callable[[str], None] | None = None, *,
               build: Callable | None = None, solver: Callable | None = None,
               skip_tables: Iterable[str] = ()) -> RunResult:
    """Optimise an already loaded scenario; raise InfeasibleTargetError with a diagnosis.

    ``build(md) -> model`` and ``solver(m, opts, want_duals, probes) -> SolveOutcome`` replace
    ``build_model`` and ``solve`` (pathway.batch re-solves a persistent model this way).
    ``skip_tables``: tables the caller drops, not made ('assumptions'; nothing else reads it)."""
    with gc_paused():
        return _run_loaded(loaded, opts, progress, build, solver, skip_tables)


def _run_loaded(loaded, opts, progress, build, solver, skip_tables) -> RunResult:
    opts = opts or SolverOptions()
    say = progress or (lambda stage: None)
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    if loaded.scenario.footprint is not None:  # refuse unresolvable material factors before the solve, not after
        from pathway.analysis.exposure import check_footprint

        check_footprint(loaded.scenario, Path(loaded.path).parent, str(loaded.path))
    say("prepare")
    md = prepare(loaded)
    t["prepare"] = time.perf_counter() - t0
    say("build")
    t0 = time.perf_counter()
    m = (build or builder(opts.route))(md)
    t["build"] = time.perf_counter() - t0
    say("solve")
    t0 = time.perf_counter()
    out = None
    # full-hourly, several years: year by year on the typical-day plan (not for a caller's own build or
    # solver: the plan's model is built the standard way, and a re-plan's fixed builds would be missing)
    if build is None and solver is None and by_year.wanted(m, opts):
        out = by_year.solve_on_plan(loaded, m, opts, (m.ceiling,), own_emission_probes, say)  # None: the full LP
    if out is None:
        out = (solver or solve)(m, opts, want_duals=(m.ceiling,), probes=own_emission_probes(m, md))
    t["solve"] = time.perf_counter() - t0
    t.update({f"solver_{k}": v for k, v in out.seconds.items()})
    if out.status == "infeasible":
        say("diagnose")
        from pathway.solve.diagnosis import diagnose, explain

        diag = diagnose(md, opts)
        diag["scenario"] = md.name
        diag["explanation"] = explain(diag)
        raise InfeasibleTargetError(diag["explanation"], json_safe(diag))
    _raise_unsolved(out, opts)
    say("results")
    t0 = time.perf_counter()
    a = extract_arrays(m, md)
    tables = build_tables(m, md, a, out.duals, out.objective, out.probe_objectives)
    t["results"] = time.perf_counter() - t0
    say("checks")
    t0 = time.perf_counter()
    tables["checks"] = run_checks(m, md, a, tables, out.objective)
    t["checks"] = time.perf_counter() - t0
    inv = baseline_inventory(md.scenario)
    tables["inventory"] = inv.lines
    if "assumptions" not in skip_tables:
        tables["assumptions"] = assumptions_table(md)
    if loaded.scenario.footprint is not None:  # product footprint, CBAM and ETS tables (pathway.analysis.exposure)
        from pathway.analysis.exposure import exposure_tables

        tables.update(exposure_tables(loaded.scenario, tables, Path(loaded.path).parent, str(loaded.path)))
    summary = make_summary(md, loaded, tables, out.objective, opts, m, out.method, out.decomposition)
    return RunResult(summary, tables, md, loaded, t)










def run_bau(loaded: LoadedScenario, md: ModelData, opts: SolverOptions | None = None) -> RunResult:
    """Solve the BAU twin of ``loaded`` (``pathway.finance.bau.bau_twin``) as a full run."""
    from pathway.finance.bau import bau_twin

    return _run_bau(bau_twin(loaded, md), opts)


def _run_bau(twin: LoadedScenario, opts: SolverOptions | None) -> RunResult:
    try:
        return run_loaded(twin, opts)
    except InfeasibleTargetError as exc:
        raise SolverError(f"the business-as-usual reference could not be solved: {exc}") from None


def _solve_bau(twin: LoadedScenario, opts: SolverOptions | None, session=None) -> dict[str, pd.DataFrame]:
    """The BAU tables finance needs (``bau_tables``) from a solve of ``twin`` that computes
    only what they read: the same LP and solution as a full run (``run_bau``), without the
    marginal-abatement probes, the duals, the checks, the inventory, assumptions and summary
    (finance reads none of them of BAU; the checks report, they never raise). With a
    ``runs.bau_cache.BauSession`` that keeps a model, the model is kept and re-solved when
    only its cost coefficients change. A BAU without an optimum is run again in full, which
    raises the explanation (SolverError); a warm re-solve that fails is solved cold."""
    from pathway.finance.bau import bau_tables

    opts = opts or SolverOptions()
    hooks = session.hooks(twin) if session is not None else {}
    with gc_paused():
        md = prepare(twin)
        m = (hooks.get("build") or builder(opts.route))(md)
        out = hooks.get("solver", solve)(m, opts, (), None)
        if out.status != "optimal":
            warm = session is not None and session.engine == "resolve"  # the session has reset its model
            if out.status == "infeasible" or warm:  # raises the explanation, or solves cold on the session's route
                return bau_tables(_run_bau(twin, opts if session is None else session.options(opts)).tables, md)
            _raise_unsolved(out, opts)
        a = extract_arrays(m, md)
        return bau_tables(build_tables(m, md, a, {}, out.objective, {}), md)


def bau_reference(loaded: LoadedScenario, md: ModelData, opts: SolverOptions | None = None,
                  session=None) -> dict[str, pd.DataFrame]:
    """The BAU tables finance needs (``bau_tables``): from ``session`` (a
    ``runs.bau_cache.BauSession``: the BAU twins this worker solved) or the BAU cache
    (``pathway.runs.bau_cache``) when this BAU twin was solved before, else solved and stored
    (on disk only when solved cold: an entry holds exactly what its key's route computes;
    a session that keeps a model solves on route 'persistent', ``BauSession.options``)."""
    from pathway.finance.bau import bau_twin
    from pathway.runs.bau_cache import bau_key, read_bau, write_bau

    opts = opts or SolverOptions()
    twin = bau_twin(loaded, md)
    key = bau_key(twin, opts if session is None else session.options(opts))
    if session is not None and (hit := session.get(key)) is not None:
        session.solves["memory"] += 1
        return hit
    tables = read_bau(key)
    if tables is None:
        tables = _solve_bau(twin, opts, session)
        cold = session is None or session.engine == "build"
        if cold:
            write_bau(key, tables)
        if session is not None:
            session.solves["build" if cold else "resolve"] += 1
    elif session is not None:
        session.solves["disk"] += 1
    if session is not None:
        session.put(key, tables)
    return tables


def attach_finance(result: RunResult, opts: SolverOptions | None = None,
                   progress: Callable[[str], None] | None = None, bau_session=None) -> None:
    """Solve BAU (or take it from ``bau_session`` or the BAU cache), compute finance and add
    its tables and summary['loan'] to ``result`` (only when the scenario has a finance block)."""
    s = result.loaded.scenario
    if s.finance is None:
        return
    if progress:
        progress("finance")
    with gc_paused():
        _attach_finance(result, opts, bau_session)


def _attach_finance(result: RunResult, opts: SolverOptions | None, bau_session) -> None:
    from pathway.finance.bau import assets_table, finance_context
    from pathway.finance.cashflows import compute_finance, inputs_from_tables

    s = result.loaded.scenario
    result.tables.update(bau_reference(result.loaded, result.md, opts, bau_session))
    result.tables["finance_assets"] = assets_table(result.md)
    block, tables = compute_finance(inputs_from_tables(result.tables, finance_context(result.md)), s.finance)
    block["bau_total_cost_npv_cny"] = float(result.tables["bau_costs"].query("category != 'upfront_capex'").discounted_cost_cny.sum())
    result.tables.update(tables)
    result.summary["loan"] = json_safe(block)


def write_outputs(result: RunResult, out_dir: Path, report: bool = True, excel: bool = True, lang: str = "en",
                  data: bool = True, parallel: bool = False) -> None:
    """Write a run's outputs (``pathway.output.folder.write_run``; ``parallel``: the workbook
    in a forked child while the report is written)."""
    from pathway.output.folder import write_run

    write_run(out_dir, result.summary, result.tables, report=report, excel=excel, lang=lang, data=data, parallel=parallel)


def infeasible_summary(loaded: LoadedScenario, diag: dict) -> dict:
    """The small summary.json of a run whose target cannot be met (no results, the reason)."""
    s = loaded.scenario
    return {"scenario": s.name, "status": "infeasible", "target_met": False,
            "target_year": s.horizon.target_year, "base_year": s.horizon.base_year,
            "baseline_emissions_t": diag.get("baseline_emissions_t"), "years_missed": diag.get("years_missed"),
            "explanation": diag.get("explanation"), "package_version": __version__, "scenario_sha256": loaded.sha256}


def run_file(path: str | Path, out_dir: str | Path | None = None, opts: SolverOptions | None = None,
             progress: Callable[[str], None] | None = None, overrides: dict | None = None, lang: str = "en",
             warn: Callable[[Problem], None] | None = None, write: bool = True, force: bool = False) -> RunResult:
    """Load, optimise and (with ``out_dir``) write one scenario file; ``warn`` is called with
    each warning of the loaded scenario (``LoadedScenario.warnings``) before it is solved.
    With ``write=False`` nothing is written but an unreachable target's ``diagnosis.json``
    (the caller writes the outputs with ``write_outputs``, e.g. after showing the summary,
    holding ``out_lock(out_dir)`` across both calls). With ``out_dir``, the folder is locked
    for the call (``pathway.output.lock``: a second process fails with exit 2) and refused
    (exit 2) if it holds files pathway did not write, unless ``force``."""
    if out_dir is None:
        return _run_file(path, None, opts, progress, overrides, lang, warn, write)
    check_out_dir(out_dir)  # before anything is solved or written (OutputPathError, exit 2)
    with out_lock(out_dir):
        check_foreign(out_dir, RUN_OWNED, force)
        return _run_file(path, out_dir, opts, progress, overrides, lang, warn, write)


def _run_file(path, out_dir, opts, progress, overrides, lang, warn, write) -> RunResult:
    say = progress or (lambda stage: None)
    say("load")
    t0 = time.perf_counter()
    loaded = load_scenario(path, overrides=overrides)
    for w in loaded.warnings if warn else ():
        warn(w)
    t_load = time.perf_counter() - t0
    try:
        result = run_loaded(loaded, opts, progress)
    except InfeasibleTargetError as exc:
        if out_dir is not None:
            from pathway.output.folder import write_infeasible

            write_infeasible(Path(out_dir), infeasible_summary(loaded, exc.diagnosis), exc.diagnosis)
        raise
    result.timings_s = {"load": t_load, **result.timings_s}
    if loaded.scenario.finance is not None:  # BAU reference, cash flows, loan (pathway.finance)
        t0 = time.perf_counter()
        attach_finance(result, opts, progress)
        result.timings_s["finance"] = time.perf_counter() - t0
    if out_dir is not None and write:
        say("write")
        t0 = time.perf_counter()
        write_outputs(result, Path(out_dir), lang=lang)
        result.timings_s["write"] = time.perf_counter() - t0
    return result
