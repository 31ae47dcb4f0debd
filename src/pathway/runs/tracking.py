"""``pathway track``: a run folder's plan against a metered actuals CSV. Loads the run's
tables, validates the actuals, computes the tracking tables (analysis.tracking) and writes
them with the tracking page into the run folder (output.tracking). No Pyomo."""

from __future__ import annotations

from pathlib import Path

from pathway.analysis.tracking import Tracking, read_actuals, track
from pathway.output.folder import ReportInputError, load_results
from pathway.output.tracking_page import write_tracking


def track_folder(results_dir: str | Path, actuals_csv: str | Path, write: bool = True) -> tuple[Tracking, list[Path]]:
    """Track the plan in ``results_dir`` against ``actuals_csv``; writes
    ``tables/tracking_monthly.csv``, ``tables/tracking_summary.csv`` and ``tracking.html``
    (unless ``write`` is false). Bad actuals: ScenarioError (exit 2), nothing written."""
    summary, tables = load_results(results_dir)
    if summary.get("status", "optimal") != "optimal" or "pathway" not in tables:
        raise ReportInputError(f"{results_dir}: no optimal plan to track (status {summary.get('status')!r})")
    for name in ("assumptions", "dispatch", "emissions"):
        if name not in tables:
            raise ReportInputError(f"{results_dir}: tables/{name}.csv missing; re-run 'pathway run' to regenerate it")
    em = tables["emissions"]
    needs_process = bool((em[em["source"] == "process"]["emissions_t"].abs() > 0).any())
    act = read_actuals(actuals_csv, needs_process=needs_process)
    method = str(summary.get("scope2_method", "location"))
    result = track(tables, method, act, actuals_name=str(actuals_csv))
    written: list[Path] = []
    if write:
        out = dict(tables)
        out["tracking_monthly"] = result.monthly
        out["tracking_summary"] = result.summary
        written = write_tracking(Path(results_dir), summary, out, result.warnings)
    return result, written
