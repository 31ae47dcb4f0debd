"""The KPI schedule of a sustainability-linked loan (SLL): the yearly KPI path, whether the
plan meets it, and the margin step that follows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pathway.finance.terms import resolve_terms
from pathway.scenario.schema import Finance

if TYPE_CHECKING:  # pragma: no cover

    pass


def kpi_schedule(years: list[int], emissions_t: np.ndarray, output: np.ndarray, baseline_t: float, base_output: float,
                 base_year: int, terms: Finance, horizon_end: int | None = None) -> pd.DataFrame:
    """KPI schedule of a sustainability-linked loan, one row per year:

        intensity(y)        = E(y) / output(y)                 (tCO2 per unit; E after capture, before offsets)
        intensity_target(y) = (B / Q0) x (1 - k)^(y - base)   (B baseline t, Q0 base-year output)
        absolute_target(y)  = B x (1 - k)^(y - base)
        met(y)              = KPI metric <= its target        (terms.kpi_metric)
        margin_bp(y)        = -step_down if met else +step_up

    k = kpi_reduction_per_yr (default 5% a year, from the Industrial Bank SLL: -10 bp when
    the verified annual reduction reaches 5% of emissions; see finance_defaults.csv).
    Years beyond the horizon hold E and output at the last horizon year's values.
    """
    t = resolve_terms(terms)
    k, down, up = t.kpi_reduction_per_yr, t.kpi_step_down_bp, t.kpi_step_up_bp
    years = list(years)
    e = np.asarray(emissions_t, dtype=float)
    q = np.asarray(output, dtype=float)
    steps = np.array([(1.0 - k) ** (y - base_year) for y in years])
    b_int = baseline_t / base_output if base_output else float("nan")
    intensity = np.divide(e, q, out=np.full(len(e), np.nan), where=q > 0)
    tgt_i = b_int * steps
    tgt_a = baseline_t * steps
    tol = 1e-9
    met_i = intensity <= tgt_i * (1 + tol) + tol
    met_a = e <= tgt_a * (1 + tol) + tol
    met = met_i if t.kpi_metric == "intensity" else met_a
    return pd.DataFrame({
        "year": years,
        "output": q,
        "emissions_t": e,
        "intensity_t_per_unit": intensity,
        "baseline_intensity_t_per_unit": b_int,
        "intensity_target_t_per_unit": tgt_i,
        "intensity_kpi_met": met_i,
        "absolute_target_t": tgt_a,
        "absolute_kpi_met": met_a,
        "reduction_vs_baseline_share": 1.0 - e / baseline_t if baseline_t else np.nan,
        "kpi_metric": t.kpi_metric,
        "kpi_met": met,
        "margin_bp": np.where(met, -down, up),
        "interest_rate": t.interest_rate + np.where(met, -down, up) / 1e4,
        "verification": "annual emissions report verified by a third party or carbon exchange",
        "basis": ["optimised pathway" if horizon_end is None or y <= horizon_end else f"held at {horizon_end} level"
                  for y in years],
    })
