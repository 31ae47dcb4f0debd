"""Many runs: the task a worker runs and the batch that hands tasks to an executor
(``runs.executors``), skips what the cache holds (``runs.cache``) and re-solves persistent
models for parameter sweeps (``solve.session``).

A run is a ``RunSpec`` (scenario file + nested overrides). A task (``run_chunk``) takes a
list of specs and returns, for each, a plain dict: status, summary, result tables, error.
A failing run (bad input, unreachable target, solver time-out, anything unexpected) is
recorded with its error; it never stops the batch.

Executors (``runs.executors.make_executor``): ``local`` a process pool of the machine's cores
(``concurrent.futures.ProcessPoolExecutor``, spawn context: tasks and their arguments are
picklable top-level objects; a script that calls ``run_batch`` needs the usual
``if __name__ == "__main__":`` guard), ``dask`` a ``dask.distributed`` LocalCluster (processes,
one thread each) or an existing scheduler (``tcp://HOST:PORT``; its workers need pathway
installed and the scenario files at the same paths), ``serial`` in this process. HiGHS
runs with one thread in every worker (``threads=1`` unless set).

Cache (``runs.cache``): ``DIR/cache/<key>.json`` (data only, checksummed), key = SHA-256 of (scenario hash, CSV inputs it names,
package version and code, solver options, engine). A finished run (optimal or
infeasible) is written there by the parent process and skipped by the next batch;
errors and time-outs are not cached.

Persistent re-solves: runs that differ only in cost coefficients (``MUTABLE_FIELDS``:
prices of green power, certificates, CCER, removals and carbon, technology capex and
per-kW subsidies, CCUS opex, finance terms) share a model. A worker builds it once per
chunk, then for each further run re-prepares the data, writes the new coefficients into
the model's mutable Params (``model.objective.set_price_params``) and re-solves the same
HiGHS instance from the previous basis (dual simplex warm start), skipping the model build
and the translation to HiGHS. Any other field changes the model: such runs get their own
build (a "full rebuild"). Chunks are cut from each group in a fixed way (``chunk_size``),
so results do not depend on the number of workers or the executor.

BAU per worker (``runs.bau_cache.BauSession``): a run with a finance block needs its BAU
twin's tables; a worker keeps every BAU twin it solved in memory, so the runs that share one
(every run of a certificate-price sweep) solve it once per worker, and a persistent task
re-solves its BAU model warm when only its cost coefficients change (a carbon-price sweep).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pathway.errors import (
    InfeasibleTargetError,
    PathwayError,
    ScenarioError,
    SolverError,
    SolveTimeLimitError,
)
from pathway.reference.validate import load_scenario
from pathway.runs.bau_cache import BauSession
from pathway.runs.cache import cache_key, read_cache, write_cache
from pathway.runs.executors import make_executor
from pathway.runs.mutable import MUTABLE_FIELDS, is_mutable, strip_mutable  # noqa: F401  (re-exported)
from pathway.scenario.loader import LoadedScenario, canonical_sha256
from pathway.solve.options import SolverOptions
from pathway.solve.session import RESOLVE_METHOD, PersistentSession

# tables not kept from batch runs (big, and the same across runs): run one scenario with
# `pathway run` for its hourly dispatch and assumptions
DROP_TABLES = ("dispatch", "assumptions")
CACHED_STATUSES = ("optimal", "infeasible")


def structural_key(loaded: LoadedScenario) -> str:
    """Hash of everything that shapes the LP: the merged scenario without its mutable
    fields, and the file's location (relative CSV paths resolve against it)."""
    return canonical_sha256({"file": str(loaded.path), "data": strip_mutable(loaded.data)})










@dataclass
class RunSpec:
    """One run: a scenario file and the nested overrides merged into it (load_scenario).
    ``label`` names the run in tables; ``params`` are the values it was given (for tables)."""

    path: str
    overrides: dict = field(default_factory=dict)
    label: str = ""
    params: dict = field(default_factory=dict)


@dataclass
class RunRecord:
    """The outcome of one run. status: 'optimal', 'infeasible' (target unreachable, with a
    diagnosis), 'bad_input', 'solver_error' (time limit, numerical trouble) or 'error'."""

    index: int
    label: str
    path: str
    params: dict
    status: str
    summary: dict | None = None
    tables: dict | None = None
    error: str | None = None
    diagnosis: dict | None = None
    engine: str = "rebuild"  # 'rebuild', 'persistent-build', 'persistent-resolve'
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)
    cached: bool = False
    key: str | None = None
    scenario_sha256: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "optimal"


# ---------------------------------------------------------------------------------------
# persistent model (one per chunk, inside a worker)
# ---------------------------------------------------------------------------------------





# ---------------------------------------------------------------------------------------
# the task
# ---------------------------------------------------------------------------------------


def worker_options(opts: SolverOptions | None) -> SolverOptions:
    """Solver options in a worker: HiGHS gets one thread unless told otherwise."""
    opts = opts or SolverOptions()
    return opts if opts.threads else dataclasses.replace(opts, threads=1)


def run_one(spec: RunSpec, opts: SolverOptions | None = None, session: PersistentSession | None = None,
            drop_tables: Iterable[str] = DROP_TABLES, bau: BauSession | None = None) -> dict:
    """Run one scenario (load, optimise, finance when the scenario has a finance block) and
    return a plain dict: status, summary, tables, error, diagnosis, engine, seconds, timings.
    ``bau`` holds the BAU twins this worker solved before (``runs.bau_cache.BauSession``).
    Never raises for a failing run."""
    from pathway.runs.pipeline import run_loaded

    opts = worker_options(opts)
    t0 = time.perf_counter()
    out: dict = {"status": "error", "summary": None, "tables": None, "error": None, "diagnosis": None,
                 "engine": "rebuild", "timings": {}, "scenario_sha256": None}
    try:
        loaded = load_scenario(spec.path, overrides=spec.overrides or None)
        out["scenario_sha256"] = loaded.sha256
        hooks = session.hooks(structural_key(loaded)) if session is not None else {}
        if session is not None:
            out["engine"] = session.engine
        drop = set(drop_tables)
        result = run_loaded(loaded, opts, skip_tables=drop, **hooks)
        if loaded.scenario.finance is not None:
            from pathway.runs.pipeline import attach_finance

            t1 = time.perf_counter()
            attach_finance(result, opts, bau_session=bau)
            result.timings_s["finance"] = time.perf_counter() - t1
        if session is not None:
            warm = {} if out["engine"] == "persistent-build" else {"method": f"{RESOLVE_METHOD} (warm start)"}
            result.summary["solver"] = {**result.summary.get("solver", {}), "route": "persistent", **warm}
        out.update(status="optimal", summary=result.summary, timings=result.timings_s,
                   tables={k: v for k, v in result.tables.items() if k not in drop})
    except ScenarioError as exc:
        out.update(status="bad_input", error="\n".join(str(p) for p in exc.problems))
    except InfeasibleTargetError as exc:
        out.update(status="infeasible", error=str(exc), diagnosis=exc.diagnosis)
    except SolveTimeLimitError as exc:  # the row says so; the batch goes on (never a hang)
        out.update(status="time_limit", error=str(exc))
    except SolverError as exc:
        out.update(status="solver_error", error=str(exc))
    except PathwayError as exc:
        out.update(status="error", error=str(exc))
    except Exception as exc:  # noqa: BLE001 - recorded, the batch goes on
        out.update(status="error", error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}")
    if session is not None and out["status"] != "optimal":
        session.reset()
    out["seconds"] = time.perf_counter() - t0
    return out


def run_chunk(specs: list[RunSpec], opts: SolverOptions | None = None, persistent: bool = False,
              drop_tables: tuple[str, ...] = DROP_TABLES) -> list[dict]:
    """The task: run ``specs`` in order in one worker (with ``persistent``, re-solving one
    model while the structure stays the same); one result dict per spec (see run_one).
    The BAU twins are solved once per worker (kept in its memory) and, with ``persistent``,
    re-solved like the runs' own models (``runs.bau_cache.BauSession``). While a persistent
    task runs, what its runs leave alive (the kept models above all) is frozen out of the
    cyclic garbage collector's walks (``gc.freeze``, undone when the task ends): about 0.7 s of
    collections in the 16-run bench sweep otherwise."""
    session = PersistentSession() if persistent else None
    bau = BauSession(persistent)
    freeze = persistent and len(specs) > 1 and gc.get_freeze_count() == 0
    out = []
    try:
        for s in specs:
            out.append(run_one(s, opts, session, drop_tables, bau))
            if freeze:  # the models kept for the next run: not walked again by every collection
                gc.freeze()
    finally:
        if freeze:
            gc.unfreeze()  # all collectable again when the task ends
    return out


# ---------------------------------------------------------------------------------------
# executors
# ---------------------------------------------------------------------------------------














# ---------------------------------------------------------------------------------------
# cache
# ---------------------------------------------------------------------------------------








# ---------------------------------------------------------------------------------------
# the batch
# ---------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    records: list[RunRecord]
    executor: str
    workers: int
    wall_s: float
    persistent: bool
    n_cached: int = 0
    n_run: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.records:
            out[r.status] = out.get(r.status, 0) + 1
        return out


def _chunks(items: list, size: int) -> list[list]:
    """Split ``items`` into ceil(n / size) contiguous chunks of near-equal length."""
    n = len(items)
    if n == 0:
        return []
    k = -(-n // max(1, size))
    base, extra = divmod(n, k)
    out, i = [], 0
    for j in range(k):
        m = base + (1 if j < extra else 0)
        out.append(items[i:i + m])
        i += m
    return out


def _record(i: int, spec: RunSpec, res: dict, key: str | None, cached: bool) -> RunRecord:
    return RunRecord(index=i, label=spec.label or Path(spec.path).stem, path=str(spec.path), params=dict(spec.params),
                     status=res["status"], summary=res.get("summary"), tables=res.get("tables"), error=res.get("error"),
                     diagnosis=res.get("diagnosis"), engine=res.get("engine", "rebuild"), seconds=float(res.get("seconds", 0.0)),
                     timings=res.get("timings") or {}, cached=cached, key=key,
                     scenario_sha256=res.get("scenario_sha256"))


def run_batch(specs: list[RunSpec], out_dir: str | Path | None, opts: SolverOptions | None = None, *,
              executor: str = "local", workers: int | None = None, scheduler: str | None = None,
              persistent: bool = False, chunk_size: int = 8, use_cache: bool = True,
              progress: Callable[[int, int, str], None] | None = None,
              drop_tables: tuple[str, ...] = DROP_TABLES) -> BatchResult:
    """Run every spec and return their records in the order given.

    The parent loads each scenario first (a bad file is recorded at once, without a task),
    hashes it, and takes finished runs from ``out_dir/cache``; identical scenarios run
    once. The rest go to the executor as tasks: one spec each, or with ``persistent`` the
    specs of one model structure in chunks of at most ``chunk_size`` (see module doc).
    ``progress(done, total, text)`` is called as runs finish."""
    t_start = time.perf_counter()
    opts = worker_options(opts)
    out_dir = Path(out_dir) if out_dir is not None else None
    engine = "persistent" if persistent else "rebuild"
    n = len(specs)
    records: list[RunRecord | None] = [None] * n
    say = progress or (lambda done, total, text: None)
    done = 0
    keys: list[str | None] = [None] * n
    first_of: dict[str, int] = {}  # cache key -> index of the run that computes it
    todo: list[int] = []
    groups: dict[str, list[int]] = {}
    n_cached = 0
    for i, spec in enumerate(specs):
        try:
            loaded = load_scenario(spec.path, overrides=spec.overrides or None)
        except ScenarioError as exc:
            records[i] = _record(i, spec, {"status": "bad_input", "error": "\n".join(str(p) for p in exc.problems)}, None, False)
            done += 1
            say(done, n, "bad_input")
            continue
        except Exception as exc:  # noqa: BLE001
            records[i] = _record(i, spec, {"status": "error", "error": f"{type(exc).__name__}: {exc}"}, None, False)
            done += 1
            say(done, n, "error")
            continue
        key = cache_key(loaded, opts, engine)
        keys[i] = key
        if key in first_of:
            continue  # the same scenario runs once; copied below
        first_of[key] = i
        hit = read_cache(out_dir, key) if (use_cache and out_dir is not None) else None
        if hit is not None:
            records[i] = _record(i, spec, hit, key, True)
            n_cached += 1
            done += 1
            say(done, n, hit["status"])
            continue
        todo.append(i)
        groups.setdefault(structural_key(loaded) if persistent else key, []).append(i)
    chunks: list[list[int]] = []
    for idx in groups.values():
        chunks.extend(_chunks(idx, chunk_size) if persistent else [[i] for i in idx])
    n_run = 0
    ex = None
    if chunks:
        ex = make_executor(executor, workers, scheduler)
        try:
            futs = {}
            for ch in chunks:
                f = ex.submit(run_chunk, [specs[i] for i in ch], opts, persistent, tuple(drop_tables))
                futs[f] = ch
            for f in ex.as_completed(list(futs)):
                ch = futs[f]
                try:
                    results = f.result()
                except Exception as exc:  # noqa: BLE001 - a worker died or the cluster failed
                    results = [{"status": "error", "error": f"task failed: {type(exc).__name__}: {exc}"} for _ in ch]
                for i, res in zip(ch, results):
                    records[i] = _record(i, specs[i], res, keys[i], False)
                    if out_dir is not None and use_cache and res["status"] in CACHED_STATUSES:
                        write_cache(out_dir, keys[i], res)
                    n_run += 1
                    done += 1
                    say(done, n, res["status"])
        finally:
            ex.close()
    for i, key in enumerate(keys):  # duplicates share the result of the first
        if records[i] is None and key is not None:
            src = records[first_of[key]]
            records[i] = dataclasses.replace(src, index=i, label=specs[i].label or Path(specs[i].path).stem,
                                             params=dict(specs[i].params))
            done += 1
            say(done, n, src.status)
    return BatchResult([r for r in records if r is not None], ex.description if ex else "none (all cached or invalid)",
                       ex.workers if ex else 0, time.perf_counter() - t_start, persistent, n_cached, n_run)


# ---------------------------------------------------------------------------------------
# tables shared by sweep, Monte Carlo and portfolio
# ---------------------------------------------------------------------------------------


def _get(d: dict | None, y) -> float | None:
    if not d:
        return None
    v = d.get(str(y), d.get(y)) if isinstance(d, dict) else None
    return None if v is None else float(v)


def record_row(r: RunRecord, years: Iterable[int] | None = None) -> dict:
    """One wide row of a run: label, status, error, target outcome, cost, capex, loan, and
    per year emissions (after capture, before offsets), capex and marginal abatement cost."""
    s = r.summary or {}
    row = {"run": r.index, "label": r.label, "file": r.path, **{k: v for k, v in r.params.items()},
           "status": r.status, "target_met": bool(s.get("target_met")) if r.ok else False,
           "target_year": s.get("target_year"), "total_cost_npv_cny": s.get("total_cost_npv_cny"),
           "capex_total_cny": s.get("capex_total_cny"), "baseline_emissions_t": s.get("baseline_emissions_t")}
    ty = s.get("target_year")
    row["emissions_target_year_t"] = _get(s.get("emissions_t"), ty) if ty else None
    row["mac_target_year_cny_per_t"] = _get(s.get("marginal_abatement_cost_cny_per_t"), ty) if ty else None
    loan = s.get("loan") or {}
    row["loan_debt_cny"] = loan.get("debt_cny")
    ys = list(years) if years is not None else sorted(int(y) for y in (s.get("emissions_t") or {}))
    for y in ys:
        row[f"emissions_{y}_t"] = _get(s.get("emissions_t"), y)
    for y in ys:
        row[f"capex_{y}_cny"] = _get(s.get("capex_by_year_cny"), y)
    for y in ys:
        row[f"mac_{y}_cny_per_t"] = _get(s.get("marginal_abatement_cost_cny_per_t"), y)
    row["engine"] = r.engine
    row["error"] = (r.error or "").splitlines()[0] if r.error else None
    row["scenario_sha256"] = s.get("scenario_sha256") or r.scenario_sha256
    return row


def years_of(records: Iterable[RunRecord]) -> list[int]:
    ys: set[int] = set()
    for r in records:
        if r.summary:
            ys.update(int(y) for y in (r.summary.get("emissions_t") or {}))
    return sorted(ys)


def write_runs_jsonl(records: Iterable[RunRecord], path: Path) -> None:
    """One JSON line per run (label, params, status, error, engine, summary): the audit trail."""
    with Path(path).open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps({"run": r.index, "label": r.label, "file": r.path, "params": r.params, "status": r.status,
                                 "error": r.error, "engine": r.engine, "cached": r.cached, "summary": r.summary,
                                 "diagnosis": r.diagnosis}, ensure_ascii=False, default=str) + "\n")


def timing_table(res: BatchResult):
    """Per-run timings (seconds) and engine: kept apart from the results, which must be
    identical from one batch to the next."""
    import pandas as pd

    rows = []
    for r in res.records:
        t = {k: v for k, v in r.timings.items() if not k.startswith("solver_")}
        rows.append({"run": r.index, "label": r.label, "status": r.status, "engine": r.engine, "cached": r.cached,
                     "seconds": r.seconds, **{f"{k}_s": v for k, v in t.items()}})
    return pd.DataFrame(rows)


def persistent_saving(res: BatchResult) -> dict | None:
    """What re-solving saved in this batch: median seconds per run of the chunks' first runs
    (model built and translated) against the re-solves (coefficients updated, warm start),
    both counting the whole run (load, prepare, build, solve, results, checks, finance)."""
    import statistics

    first = [r.seconds for r in res.records if r.engine == "persistent-build" and not r.cached and r.ok]
    again = [r.seconds for r in res.records if r.engine == "persistent-resolve" and not r.cached and r.ok]
    if not first or not again:
        return None

    def core(r: RunRecord) -> float:
        return sum(r.timings.get(k, 0.0) for k in ("build", "solve"))

    f_med, a_med = statistics.median(first), statistics.median(again)
    fc = statistics.median(core(r) for r in res.records if r.engine == "persistent-build" and not r.cached and r.ok)
    ac = statistics.median(core(r) for r in res.records if r.engine == "persistent-resolve" and not r.cached and r.ok)
    return {"first_runs": len(first), "resolves": len(again), "first_run_median_s": f_med, "resolve_median_s": a_med,
            "saving_per_run_s": f_med - a_med, "saving_share": (f_med - a_med) / f_med if f_med > 0 else None,
            "build_solve_first_median_s": fc, "build_solve_resolve_median_s": ac}


def load_base(path: str | Path) -> LoadedScenario:
    """The scenario as written (raises ScenarioError): the base for sweeps and samples."""
    return load_scenario(path)


def wall_summary(res: BatchResult) -> str:
    c = res.counts()
    parts = ", ".join(f"{v} {k}" for k, v in sorted(c.items()))
    return (f"{len(res.records)} run(s) in {res.wall_s:,.1f} s on {res.executor}: {parts}; "
            f"{res.n_cached} from cache, {res.n_run} solved")


# ---------------------------------------------------------------------------------------
# outputs shared by sweep, Monte Carlo and portfolio: workbook and self-contained page
# ---------------------------------------------------------------------------------------




