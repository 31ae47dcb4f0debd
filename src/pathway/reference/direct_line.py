"""The rules of the NDRC/NEA notice on green-power direct connection (绿电直连,
发改能源〔2025〕650号), bundled in data/direct_line_rules.csv with their sources."""

from __future__ import annotations

from functools import cache

import pandas as pd

from pathway.reference.data import read_data_csv


@cache
def direct_line_rules() -> pd.DataFrame:
    return read_data_csv("direct_line_rules.csv")


def rule_value(item: str, year: int) -> tuple[float, str]:
    """The rule's value in force in ``year`` (the row with the latest from_year <= year) and its source."""
    df = direct_line_rules()
    rows = df[(df["item"] == item) & (df["from_year"] <= year)].sort_values("from_year")
    if rows.empty:
        rows = df[df["item"] == item].sort_values("from_year").head(1)
    r = rows.iloc[-1]
    return float(r["value"]), str(r["source"])
