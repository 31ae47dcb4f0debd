"""Finance inside a run: solve the business-as-usual twin, then hand both runs' tables to
``pathway.finance`` (which never solves anything itself)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pathway.errors import InfeasibleTargetError, SolverError
from pathway.finance.bau import assets_table, bau_tables, bau_twin, finance_context
from pathway.finance.cashflows import compute_finance, inputs_from_tables
from pathway.files import json_safe
from pathway.scenario.loader import deep_merge

if TYPE_CHECKING:  # pragma: no cover
    from pathway.inputs.prepare import ModelData
    from pathway.runs.pipeline import RunResult
    from pathway.scenario.loader import LoadedScenario
    from pathway.solve.highs import SolverOptions


def run_bau(loaded: LoadedScenario, md: ModelData, opts: SolverOptions | None = None) -> RunResult:
    """Solve the BAU twin of ``loaded`` (``pathway.finance.bau.bau_twin``)."""
    from pathway.runs.pipeline import run_loaded

    try:
        return run_loaded(bau_twin(loaded, md), opts)
    except InfeasibleTargetError as exc:
        raise SolverError(f"the business-as-usual reference could not be solved: {exc}") from None


def attach_finance(result: RunResult, opts: SolverOptions | None = None,
                   progress: Callable[[str], None] | None = None) -> None:
    """Solve BAU, compute finance and add its tables and summary['loan'] to ``result``
    (only when the scenario has a finance block)."""
    s = result.loaded.scenario
    if s.finance is None:
        return
    if progress:
        progress("finance")
    bau = run_bau(result.loaded, result.md, opts)
    result.tables.update(bau_tables(bau.tables, bau.md))
    result.tables["finance_assets"] = assets_table(result.md)
    block, tables = compute_finance(inputs_from_tables(result.tables, finance_context(result.md)), s.finance)
    block["bau_total_cost_npv_cny"] = float(result.tables["bau_costs"].query("category != 'upfront_capex'").discounted_cost_cny.sum())
    result.tables.update(tables)
    result.summary["loan"] = json_safe(block)


def energy_price_sensitivity(path: str | Path, growth_rates: Iterable[float], overrides: dict | None = None,
                             opts: SolverOptions | None = None) -> pd.DataFrame:
    """Re-optimise the scenario (and its BAU) for each energy-price escalation rate
    (prices.energy_price_growth_per_yr) and size the loan: one row per case with
    debt_cny, binding, min_dscr, npv_cny, irr."""
    from pathway.runs.pipeline import run_file

    rows = []
    for g in growth_rates:
        ov = deep_merge(overrides or {}, {"prices": {"energy_price_growth_per_yr": float(g)}})
        res = run_file(path, None, opts, overrides=ov)
        loan = res.summary.get("loan")
        if loan is None:
            raise ValueError("the scenario has no finance block")
        rows.append(dict(case=f"{g:+.0%}/yr", energy_price_growth_per_yr=float(g), debt_cny=loan["debt_cny"],
                         binding=loan["binding"], min_dscr=loan["min_dscr"], npv_cny=loan["project"]["npv_cny"],
                         irr=loan["project"]["irr"], capex_cny=res.summary["capex_total_cny"]))
    return pd.DataFrame(rows)
