"""The KPI schedule of a sustainability-linked loan (SLL): the yearly KPI and its target,
derived from the optimised path and stated against business as usual (BAU), whether it is
met, and the margin step that follows after verification."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pathway.finance.terms import resolve_terms
from pathway.scenario.schema import Finance

VERIFICATION_LAG_YEARS = 1


def kpi_schedule(years: list[int], emissions_t: np.ndarray, output: np.ndarray, baseline_t: float, base_output: float,
                 base_year: int, terms: Finance, horizon_end: int | None = None,
                 instruments_t: np.ndarray | None = None, bau_emissions_t: np.ndarray | None = None,
                 bau_output: np.ndarray | None = None) -> pd.DataFrame:
    """KPI schedule of a sustainability-linked loan, one row per year:

        E(y)                = emissions after capture, before offsets; physical by default:
                              + the abatement credited to green certificates and green power
                              (``instruments_t``) unless kpi_include_certificates
        intensity(y)        = E(y) / output(y), shown in kgCO2 per unit (x 1000)
        target(y)           = the plan's own E(y) and intensity(y) (the optimised path), or,
                              with kpi_reduction_per_yr = k set, baseline x (1 - k)^(y - base)
        met(y)              = KPI metric <= its target          (terms.kpi_metric)
        margin_bp(y)        = -step_down if met(y - 1) else +step_up, 0 in the first year:
                              the step follows the verified report of the year before
                              (verification lag of one period)
        vs BAU              = 1 - E(y) / E_BAU(y)

    Years beyond the horizon hold E and output at the last horizon year's values.
    """
    t = resolve_terms(terms)
    down, up = t.kpi_step_down_bp, t.kpi_step_up_bp
    years = list(years)
    e = np.asarray(emissions_t, dtype=float)
    if instruments_t is not None and not t.kpi_include_certificates:
        e = e + np.asarray(instruments_t, dtype=float)
    q = np.asarray(output, dtype=float)
    intensity = np.divide(e, q, out=np.full(len(e), np.nan), where=q > 0)
    b_int = baseline_t / base_output if base_output else float("nan")
    if t.kpi_reduction_per_yr is not None:
        steps = np.array([(1.0 - t.kpi_reduction_per_yr) ** (y - base_year) for y in years])
        tgt_i, tgt_a, basis_t = b_int * steps, baseline_t * steps, f"baseline x (1 - {t.kpi_reduction_per_yr:g})^years"
    else:
        tgt_i, tgt_a, basis_t = intensity.copy(), e.copy(), "optimised pathway"
    tol = 1e-9
    met_i = intensity <= tgt_i * (1 + tol) + tol
    met_a = e <= tgt_a * (1 + tol) + tol
    met = met_i if t.kpi_metric == "intensity" else met_a
    lag = VERIFICATION_LAG_YEARS
    margin = np.array([0.0 if i < lag else (-down if met[i - lag] else up) for i in range(len(years))], dtype=float)
    bau_e = np.full(len(e), np.nan) if bau_emissions_t is None else np.asarray(bau_emissions_t, dtype=float)
    bau_q = q if bau_output is None else np.asarray(bau_output, dtype=float)
    bau_int = np.divide(bau_e, bau_q, out=np.full(len(e), np.nan), where=bau_q > 0)
    return pd.DataFrame({
        "year": years,
        "output": q,
        "emissions_t": e,
        "kpi_scope": "all instruments" if t.kpi_include_certificates else "physical (certificates and green power excluded)",
        "intensity_kg_per_unit": intensity * 1000.0,
        "baseline_intensity_kg_per_unit": b_int * 1000.0,
        "intensity_target_kg_per_unit": tgt_i * 1000.0,
        "intensity_kpi_met": met_i,
        "absolute_target_t": tgt_a,
        "absolute_kpi_met": met_a,
        "target_basis": basis_t,
        "bau_emissions_t": bau_e,
        "bau_intensity_kg_per_unit": bau_int * 1000.0,
        "reduction_vs_bau_share": np.divide(bau_e - e, bau_e, out=np.full(len(e), np.nan), where=bau_e > 0),
        "reduction_vs_baseline_share": 1.0 - e / baseline_t if baseline_t else np.nan,
        "kpi_metric": t.kpi_metric,
        "kpi_met": met,
        "margin_bp": margin,
        "margin_basis": [f"verified KPI of {y - lag}" if i >= lag else "no verified year yet" for i, y in enumerate(years)],
        "interest_rate": t.interest_rate + margin / 1e4,
        "verification": "annual emissions report verified by a third party or carbon exchange",
        "basis": ["optimised pathway" if horizon_end is None or y <= horizon_end else f"held at {horizon_end} level"
                  for y in years],
    })
