"""Re-optimised sensitivity cases of a scenario with a finance block (each case re-solves
the plan and its business-as-usual twin)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pathway.runs.pipeline import run_file
from pathway.scenario.loader import deep_merge

if TYPE_CHECKING:  # pragma: no cover
    from pathway.solve.options import SolverOptions


def energy_price_sensitivity(path: str | Path, growth_rates: Iterable[float], overrides: dict | None = None,
                             opts: SolverOptions | None = None) -> pd.DataFrame:
    """Re-optimise the scenario (and its BAU) for each energy-price escalation rate
    (prices.energy_price_growth_per_yr) and size the loan: one row per case with
    debt_cny, binding, min_dscr, npv_cny, irr."""
    rows = []
    for g in growth_rates:
        ov = deep_merge(overrides or {}, {"prices": {"energy_price_growth_per_yr": float(g)}})
        res = run_file(path, None, opts, overrides=ov)
        loan = res.summary.get("loan")
        if loan is None:
            raise ValueError("the scenario has no finance block")
        rows.append(dict(case=f"{g:+.0%}/yr", energy_price_growth_per_yr=float(g), debt_cny=loan["debt_cny"],
                         binding=loan["binding"], min_dscr=loan["min_dscr"],
                         loan_to_cost_limit_cny=loan["loan_to_cost_limit_cny"], npv_cny=loan["project"]["npv_cny"],
                         irr=loan["project"]["irr"], capex_cny=res.summary["capex_total_cny"]))
    return pd.DataFrame(rows)
