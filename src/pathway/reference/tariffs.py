"""Time-of-use electricity tariffs: bundled by province (data/tou_tariffs.csv) or explicit."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from pathway.reference.data import read_data_csv
from pathway.scenario.schema import Scenario
from pathway.units import DAYS_PER_MONTH, DAYS_PER_YEAR, HOURS_PER_DAY, HOURS_PER_YEAR

# month of each hour of a non-leap year
_MONTH_OF_HOUR = np.repeat(np.arange(1, 13), [d * HOURS_PER_DAY for d in DAYS_PER_MONTH])


def parse_hours(spec: str) -> list[int]:
    """'8-11,17-22' -> [8, 9, 10, 17, ..., 21] (end exclusive; '22-24' allowed)."""
    out: list[int] = []
    for part in str(spec).split(","):
        a, b = (int(x) for x in part.strip().split("-"))
        if not (0 <= a < b <= HOURS_PER_DAY):
            raise ValueError(f"bad hour range {part!r}: expected start-end with 0 <= start < end <= 24")
        out.extend(range(a, b))
    return out


@cache
def tou_table() -> pd.DataFrame:
    return read_data_csv("tou_tariffs.csv")


def tou_provinces() -> set[str]:
    try:
        return set(tou_table().province.astype(str))
    except FileNotFoundError:
        return set()


def _months(note: object) -> list[int] | None:
    text = str(note) if isinstance(note, str) else ""
    for part in text.replace(";", " ").split():
        if part.startswith("months="):
            return [int(m) for m in part[len("months="):].split(",") if m]
    return None


def hourly_price_cny_per_kwh(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Price for each hour of the year (8760), and the TOU period name of each hour.

    Explicit ``prices.tou_periods`` win over ``prices.tou_province``, which wins over
    ``prices.flat_electricity_cny_per_kwh``. A period with months applies in those months
    only, overriding the all-year periods there.
    """
    p = scenario.prices
    price = np.full(HOURS_PER_YEAR, np.nan)
    period = np.full(HOURS_PER_YEAR, "", dtype=object)
    hour_of_day = np.tile(np.arange(HOURS_PER_DAY), DAYS_PER_YEAR)
    rows: list[tuple[str, list[int], float, list[int] | None]] = []
    if p.tou_periods:
        rows = [(r.name, parse_hours(r.hours), r.price_cny_per_kwh, r.months) for r in p.tou_periods]
    elif p.tou_province:
        t = tou_table()
        t = t[t.province == p.tou_province]
        for r in t.itertuples():
            months = None if r.season == "all" else _months(r.note)
            rows.append((str(r.period), parse_hours(r.hours), float(r.price_cny_per_kwh), months))
    elif p.flat_electricity_cny_per_kwh is not None:
        return np.full(HOURS_PER_YEAR, p.flat_electricity_cny_per_kwh), np.full(HOURS_PER_YEAR, "flat", dtype=object)
    else:
        raise ValueError("no electricity price: give prices.tou_periods, prices.tou_province or prices.flat_electricity_cny_per_kwh")
    # all-year rows first, month-specific rows override
    for name, hours, value, months in sorted(rows, key=lambda r: r[3] is not None):
        mask = np.isin(hour_of_day, hours)
        if months is not None:
            mask &= np.isin(_MONTH_OF_HOUR, months)
        price[mask] = value
        period[mask] = name
    if np.isnan(price).any():
        missing = sorted({int(x) for x in hour_of_day[np.isnan(price)]})
        raise ValueError(f"TOU tariff leaves hours {missing} without a price")
    return price, period
