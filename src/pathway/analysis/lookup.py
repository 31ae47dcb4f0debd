"""Readers of a run's result tables: one place that knows where a number lives in them
(cost categories, energy-balance flows, the target year, the scope-2 method, a catalogue
parameter, the grid factor). Pandas only."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

Tables = Mapping[str, pd.DataFrame]


def cost(costs: pd.DataFrame, year: int, *categories: str) -> float:
    """Sum of ``cost_cny`` of the given categories in ``year`` (costs-like table)."""
    m = (costs["year"].to_numpy() == year) & np.isin(costs["category"].to_numpy(), categories)
    return float(np.nansum(costs["cost_cny"].to_numpy()[m]))  # numpy, not a filtered frame: finance calls it ~200 times a run


class CostLookup:
    """``cost`` of one costs-like table for many look-ups: the table is split by year once,
    and each look-up sums the same rows, in the same order, as ``cost`` (the same number)."""

    def __init__(self, costs: pd.DataFrame) -> None:
        years = costs["year"].to_numpy()
        cats, vals = costs["category"].to_numpy(), costs["cost_cny"].to_numpy()
        self._by_year = {y: (cats[years == y], vals[years == y]) for y in pd.unique(years)}
        self._empty = vals[:0]

    def __call__(self, year: int, *categories: str) -> float:
        cats, vals = self._by_year.get(year, (self._empty, self._empty))
        return float(np.nansum(vals[np.isin(cats, categories)]))


def flow(energy_balance: pd.DataFrame, carrier: str, name: str) -> float:
    """``energy_mwh`` of one carrier's flow (summed over the rows given: filter by year first)."""
    eb = energy_balance
    m = (eb["carrier"].to_numpy() == carrier) & (eb["flow"].to_numpy() == name)
    return float(np.nansum(eb["energy_mwh"].to_numpy()[m]))


def years_of(tables: Tables) -> list[int]:
    """The planning years of a run (the pathway table's years)."""
    return [int(y) for y in tables["pathway"]["year"]]


def target_year_of(tables: Tables) -> int:
    """The target year: the 'target rule' row of the assumptions table, else the first
    year in which the ceiling reaches its lowest value."""
    a = tables.get("assumptions")
    if a is not None and not a.empty:
        hit = a[a["item"] == "target rule"]
        if not hit.empty and pd.notna(hit.iloc[0]["year"]):
            return int(hit.iloc[0]["year"])
    pw = tables["pathway"]
    return int(pw.loc[pw["ceiling_t"].idxmin(), "year"])


def scope2_method_of(tables: Tables) -> str:
    """The scope-2 method the target is measured with (the one ``emissions_t`` equals)."""
    pw = tables["pathway"]
    dm = float((pw["emissions_t"] - pw["emissions_market_t"]).abs().max())
    dl = float((pw["emissions_t"] - pw["emissions_location_t"]).abs().max())
    return "market" if dm <= dl else "location"


def baseline_of(tables: Tables) -> float:
    """Base-year emissions (tCO2): the 'baseline' row of the abatement table."""
    ab = tables["abatement"]
    return float(ab.loc[ab["lever"] == "baseline", "emissions_after_t"].iloc[0])


def assumption(tables: Tables, item: str, year: int | None = None) -> float | None:
    """The value of an assumptions-table item (of ``year`` when given), or None."""
    a = tables.get("assumptions")
    if a is None or a.empty:
        return None
    hit = a[a["item"] == item]
    if year is not None:
        hit = hit[hit["year"] == year]
    if hit.empty or pd.isna(hit.iloc[0]["value"]):
        return None
    return float(hit.iloc[0]["value"])


def grid_factor(tables: Tables, year: int, method: str) -> float | None:
    """The grid factor (tCO2/MWh) of ``method`` in ``year`` (assumptions table)."""
    return assumption(tables, f"grid factor ({method}) tCO2/MWh", year)


def catalogue_param(assumptions: pd.DataFrame | None, tech: str, param: str) -> float | None:
    """A catalogue parameter of a technology from the assumptions table (``tech.param``)."""
    if assumptions is None or assumptions.empty:
        return None
    items = assumptions["item"].astype(str)
    prefixes = [tech]
    if tech.startswith("battery"):
        prefixes.append("battery")
    for p in prefixes:
        hit = assumptions[items == f"{p}.{param}"]
        if not hit.empty and pd.notna(hit.iloc[0]["value"]):
            return float(hit.iloc[0]["value"])
    hit = assumptions[items.str.startswith(tech) & items.str.endswith(f".{param}")]
    if not hit.empty and pd.notna(hit.iloc[0]["value"]):
        return float(hit.iloc[0]["value"])
    return None
