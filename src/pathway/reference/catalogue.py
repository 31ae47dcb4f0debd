"""The default technology catalogue and price defaults (data/catalogue.csv, data/prices.csv).

Values are given for cost years (2025, 2030, ...); a year in between is interpolated
linearly, a year outside takes the nearest given value. Every row has a source.

The tables are read once per process and never change, so each look-up is computed once
(``functools.cache``; a scenario's preparation makes about 80 of them, ~1 ms each).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from pathway.reference.data import read_data_csv


class MissingValue(KeyError):
    """No catalogue value and no scenario override for a parameter."""


@cache
def catalogue() -> pd.DataFrame:
    return read_data_csv("catalogue.csv")


@cache
def price_table() -> pd.DataFrame:
    return read_data_csv("prices.csv")


def _tag(key: str, value: str) -> str:
    """Regex for 'key=value' in a note, ended by ';', ',', space or the end ('north' != 'northwest')."""
    import re

    return rf"(?:^|[;,\s]){key}={re.escape(value)}(?:$|[;,\s])"


def _interp(rows: pd.DataFrame, year: int) -> float:
    rows = rows.sort_values("year")
    xs = rows["year"].to_numpy(dtype=float)
    vs = rows["value"].to_numpy(dtype=float)
    return float(np.interp(year, xs, vs))


@cache
def catalogue_value(tech: str, param: str, year: int) -> float:
    """Catalogue value of ``tech.param`` for ``year`` (national rows; linear in the year)."""
    c = catalogue()
    rows = c[(c.technology == tech) & (c.parameter == param)]
    if "note" in rows:
        national = rows[~rows["note"].fillna("").str.contains("region=")]
        if not national.empty:
            rows = national
    if rows.empty:
        raise MissingValue(f"{tech}.{param}")
    return _interp(rows, year)


@cache
def catalogue_regional(tech: str, param: str, region: str, year: int) -> float:
    """A regional row (note 'region=<name>') if there is one, else the national value."""
    c = catalogue()
    rows = c[(c.technology == tech) & (c.parameter == param)]
    reg = rows[rows["note"].fillna("").str.contains(_tag("region", region), regex=True)]
    if not reg.empty:
        return _interp(reg, year)
    return catalogue_value(tech, param, year)


def catalogue_params(tech: str, prefix: str) -> dict[str, float]:
    """All parameters of ``tech`` starting with ``prefix`` (e.g. 'cop_at_'), earliest year."""
    return dict(_catalogue_params(tech, prefix))  # a copy: the caller may change it


@cache
def _catalogue_params(tech: str, prefix: str) -> dict[str, float]:
    c = catalogue()
    rows = c[(c.technology == tech) & c.parameter.str.startswith(prefix)]
    return {r.parameter: float(r.value) for r in rows.sort_values("year").drop_duplicates("parameter").itertuples()}


@cache
def default_price(item: str, year: int, province: str | None = None) -> float:
    """Default price of ``item`` (prices.csv), the province's row first if there is one."""
    t = price_table()
    rows = t[t["item"] == item]
    if province:
        prov = rows[rows["note"].fillna("").str.contains(_tag("province", province), regex=True)]
        if not prov.empty:
            return _interp(prov, year)
    national = rows[~rows["note"].fillna("").str.contains("province=", regex=False)]
    if national.empty:
        national = rows
    if national.empty:
        raise MissingValue(item)
    return _interp(national, year)


@cache
def default_export_price(year: int, province: str | None = None) -> float | None:
    """Default price of PV surplus fed into the grid (CNY/kWh, prices.csv item
    ``export_price_cny_per_kwh``): the province's row first, else the national row, as
    ``default_price``; None (no export) when the row used carries the tag ``export=none``
    in its note (a province that allows no surplus export)."""
    t = price_table()
    rows = t[t["item"] == "export_price_cny_per_kwh"]
    notes = rows["note"].fillna("")
    if province:
        prov = rows[notes.str.contains(_tag("province", province), regex=True)]
        if not prov.empty:
            rows = prov
        else:
            rows = rows[~notes.str.contains("province=", regex=False)]
    else:
        rows = rows[~notes.str.contains("province=", regex=False)]
    if rows.empty:
        raise MissingValue("export_price_cny_per_kwh")
    if rows["note"].fillna("").str.contains(_tag("export", "none"), regex=True).any():
        return None
    return _interp(rows, year)
