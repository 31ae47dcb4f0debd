"""Run one scenario end to end: load -> prepare -> build -> solve -> results -> checks,
and write the outputs of the public contract. Nothing is written unless the whole run
succeeds (outputs are assembled in a temporary folder and moved into place)."""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__
from .checks import run_checks
from .diagnosis import diagnose, explain
from .errors import InfeasibleTargetError, SolverError
from .inputs import ModelData, prepare
from .inventory import baseline_inventory
from .loader import LoadedScenario, load_scenario
from .model import build_model
from .results import build_tables, extract_arrays
from .solve import SolverOptions, resolve_method, solve

STAGES = ("load", "prepare", "build", "solve", "results", "checks", "write")


@dataclass
class RunResult:
    summary: dict
    tables: dict[str, pd.DataFrame]
    md: ModelData
    loaded: LoadedScenario
    timings_s: dict[str, float] = field(default_factory=dict)


def _clean(x):
    """JSON-safe: NaN -> None, numpy scalars -> float."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def run_loaded(loaded: LoadedScenario, opts: SolverOptions | None = None,
               progress: Callable[[str], None] | None = None, *,
               build: Callable | None = None, solver: Callable | None = None) -> RunResult:
    """Optimise an already loaded scenario; raise InfeasibleTargetError with a diagnosis.

    ``build(md) -> model`` and ``solver(m, opts, want_duals) -> SolveOutcome`` replace
    ``build_model`` and ``solve`` (pathway.batch re-solves a persistent model this way)."""
    opts = opts or SolverOptions()
    say = progress or (lambda stage: None)
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    say("prepare")
    md = prepare(loaded)
    t["prepare"] = time.perf_counter() - t0
    say("build")
    t0 = time.perf_counter()
    m = (build or build_model)(md)
    t["build"] = time.perf_counter() - t0
    say("solve")
    t0 = time.perf_counter()
    out = (solver or solve)(m, opts, want_duals=(m.ceiling,))
    t["solve"] = time.perf_counter() - t0
    t.update({f"solver_{k}": v for k, v in out.seconds.items()})
    if out.status == "infeasible":
        say("diagnose")
        diag = diagnose(md, opts)
        diag["scenario"] = md.name
        diag["explanation"] = explain(diag)
        raise InfeasibleTargetError(diag["explanation"], _clean(diag))
    if out.status != "optimal":
        hint = {"time_limit": "raise --time-limit, or use fewer representative days",
                "unbounded": "a cost is negative without a limit: check export prices and subsidies",
                }.get(out.status, "try another --method (simplex, ipm)")
        raise SolverError(f"the solver stopped without an optimum: {out.status} ({out.message}); {hint}")
    say("results")
    t0 = time.perf_counter()
    a = extract_arrays(m, md)
    tables = build_tables(m, md, a, out.duals, out.objective)
    t["results"] = time.perf_counter() - t0
    say("checks")
    t0 = time.perf_counter()
    tables["checks"] = run_checks(m, md, a, tables, out.objective)
    t["checks"] = time.perf_counter() - t0
    inv = baseline_inventory(md.scenario)
    tables["inventory"] = inv.lines
    tables["assumptions"] = assumptions_table(md)
    summary = make_summary(md, loaded, tables, out.objective, opts, m)
    return RunResult(summary, tables, md, loaded, t)


def assumptions_table(md: ModelData) -> pd.DataFrame:
    """Every factor, price and cost used, with where it came from."""
    from .catalogue import catalogue, price_table
    from .factors import grid_factor_series

    rows = [dict(item=r["item"], year=r["year"], value=r["value"], source=r["source"]) for r in md.sources]
    cat = catalogue()
    pt = price_table()
    for r in rows:
        if r["source"] == "catalogue":
            tech, param = r["item"].split(".", 1)
            hit = cat[(cat.technology == tech) & (cat.parameter == param)]
            if not hit.empty:
                r["source"] = f"catalogue: {hit.iloc[0]['source']}" + (" [estimate]" if str(hit.iloc[0].get('estimate')).lower() == "true" else "")
        elif r["source"] == "prices.csv":
            item = r["item"]
            hit = pt[pt["item"] == item]
            if not hit.empty:
                r["source"] = f"prices: {hit.iloc[0]['source']}" + (" [estimate]" if str(hit.iloc[0].get('estimate')).lower() == "true" else "")
    s = md.scenario
    for method in ("location", "market"):
        for y, f in grid_factor_series(s, method).items():
            rows.append(dict(item=f"grid factor ({method}) tCO2/MWh", year=y, value=f.value, source=f"{f.name}; {f.source}"))
    rows.append(dict(item="target rule", year=md.target_year, value=None, source=f"{md.rule.preset}: {md.rule.source}"))
    df = pd.DataFrame(rows, columns=["item", "year", "value", "source"])
    return df.drop_duplicates(subset=["item", "year", "source"])


def make_summary(md: ModelData, loaded: LoadedScenario, tables: dict, objective: float, opts: SolverOptions, m) -> dict:
    from .model.objective import OBJ_SCALE

    pw = tables["pathway"].set_index("year")
    capex = tables["capex"].groupby("year")["capex_cny"].sum()
    y_t = md.target_year
    return _clean({
        "scenario": md.name,
        "status": "optimal",
        "target_year": y_t,
        "base_year": md.base_year,
        "rule": md.rule.preset,
        "scope2_method": md.scope2_method,
        "time_mode": md.periods.mode,
        "periods": md.n_periods,
        "baseline_emissions_t": md.baseline_t,
        "emissions_t": {y: pw.loc[y, "emissions_t"] for y in md.years},
        "emissions_location_t": {y: pw.loc[y, "emissions_location_t"] for y in md.years},
        "emissions_market_t": {y: pw.loc[y, "emissions_market_t"] for y in md.years},
        "offsets_t": {y: pw.loc[y, "offsets_t"] for y in md.years},
        "ceiling_t": {y: md.ceiling_t.get(y) for y in md.years},
        "target_met": bool(tables["checks"].passed.all()),
        "own_reduction_share_target_year": 1 - pw.loc[y_t, "emissions_t"] / md.baseline_t if md.baseline_t else None,
        "green_electricity_share": {y: pw.loc[y, "green_electricity_share"] for y in md.years},
        "total_cost_npv_cny": objective / OBJ_SCALE,
        "capex_total_cny": float(capex.sum()),
        "capex_by_year_cny": {y: float(capex.get(y, 0.0)) for y in md.years},
        "lump_sum_subsidy_cny": md.lump_sum_subsidy_cny,
        "marginal_abatement_cost_cny_per_t": {y: pw.loc[y, "marginal_abatement_cost_cny_per_t"] for y in md.years},
        "solver": {"route": opts.route, "method": resolve_method(opts.method, m.nvariables()), "threads": opts.threads},
        "model_size": {"variables": m.nvariables(), "constraints": m.nconstraints()},
        "package_version": __version__,
        "scenario_sha256": loaded.sha256,
        "scenario_files": [str(p) for p in loaded.files],
    })


def write_outputs(result: RunResult, out_dir: Path, report: bool = True, excel: bool = True, lang: str = "en") -> None:
    """Write summary.json, tables/*.csv, results.xlsx and report.html atomically."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".pathway-", dir=out_dir.parent))
    try:
        (tmp / "tables").mkdir()
        for name, df in result.tables.items():
            df.to_csv(tmp / "tables" / f"{name}.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(result.summary, indent=2, ensure_ascii=False), encoding="utf-8")
        if excel:
            from .excel import write_workbook

            write_workbook(tmp / "results.xlsx", result.summary, result.tables)
        if report:
            from .report import write_report

            write_report(tmp / "report.html", result.summary, result.tables, lang=lang)
        if out_dir.exists():
            for child in ("tables", "summary.json", "results.xlsx", "report.html", "diagnosis.json"):
                p = out_dir / child
                if p.is_dir():
                    shutil.rmtree(p)
                elif p.exists():
                    p.unlink()
        out_dir.mkdir(parents=True, exist_ok=True)
        for child in tmp.iterdir():
            shutil.move(str(child), out_dir / child.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_diagnosis(diag: dict, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    p = out_dir / "diagnosis.json"
    p.write_text(json.dumps(diag, indent=2, ensure_ascii=False), encoding="utf-8")
    return p


def run_file(path: str | Path, out_dir: str | Path | None = None, opts: SolverOptions | None = None,
             progress: Callable[[str], None] | None = None, overrides: dict | None = None, lang: str = "en") -> RunResult:
    """Load, optimise and (with ``out_dir``) write one scenario file."""
    say = progress or (lambda stage: None)
    say("load")
    t0 = time.perf_counter()
    loaded = load_scenario(path, overrides=overrides)
    t_load = time.perf_counter() - t0
    try:
        result = run_loaded(loaded, opts, progress)
    except InfeasibleTargetError as exc:
        if out_dir is not None:
            write_diagnosis(exc.diagnosis, Path(out_dir))
        raise
    result.timings_s = {"load": t_load, **result.timings_s}
    if loaded.scenario.finance is not None:  # BAU reference, cash flows, loan (pathway.finance)
        from .finance import attach_finance

        t0 = time.perf_counter()
        attach_finance(result, opts, progress)
        result.timings_s["finance"] = time.perf_counter() - t0
    if out_dir is not None:
        say("write")
        t0 = time.perf_counter()
        write_outputs(result, Path(out_dir), lang=lang)
        result.timings_s["write"] = time.perf_counter() - t0
    return result
