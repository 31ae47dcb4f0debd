"""Finance settings and their sourced defaults (``data/finance_defaults.csv``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pathway.scenario.schema import Finance

if TYPE_CHECKING:  # pragma: no cover

    pass


SPEND_ONLY = ("green_power", "green_certificates", "offsets")


DEFAULTS_CSV = Path(__file__).parents[1] / "data" / "finance_defaults.csv"


CFADS_BEYOND_HORIZON = (
    "Beyond the optimiser's horizon, each lever's operating cash flow (energy savings, avoided carbon cost, "
    "added O&M, purchases) and abatement are held at the last horizon year's level (real, base-year CNY; no further escalation), "
    "scaled by the share of that lever's capex still in service (no reinvestment); green power, certificates "
    "and offsets are held flat. CFADS = energy savings + avoided carbon cost - added O&M - purchases "
    "- income tax (pathway.finance.tax; subsidies and capex excluded)."
)


@cache
def finance_defaults() -> pd.DataFrame:
    """data/finance_defaults.csv: item, value, unit, source, year, estimate, note."""
    return pd.read_csv(DEFAULTS_CSV)


@cache
def default_value(item: str) -> float:
    """The value of ``item`` in finance_defaults.csv (read once per process)."""
    hit = finance_defaults().loc[lambda d: d["item"] == item, "value"]
    if hit.empty:
        raise KeyError(f"finance_defaults.csv has no row '{item}'")
    return float(hit.iloc[0])


def resolve_terms(f: Finance | None) -> Finance:
    """The finance settings with the unset (None) SLL margin steps and inflation taken from
    finance_defaults.csv. kpi_reduction_per_yr stays None unless set: the KPI target is then
    the optimised path (``kpi_schedule``)."""
    f = f or Finance()
    upd = {k: default_value(k) for k in ("kpi_step_down_bp", "kpi_step_up_bp", "inflation_rate") if getattr(f, k) is None}
    return f.model_copy(update=upd)
