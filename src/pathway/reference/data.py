"""The bundled data tables (``pathway/data/*.csv`` and ``*.yaml``): one reader for all of them.

Every row of every table carries its ``source`` and ``year``; estimates are marked."""

from __future__ import annotations

from importlib import resources

import pandas as pd

DATA = resources.files("pathway") / "data"


def read_data_csv(name: str) -> pd.DataFrame:
    """Read a bundled data table (every row carries its source)."""
    with resources.as_file(DATA / name) as p:
        return pd.read_csv(p, comment=None, keep_default_na=True)
