"""``pathway catalogue``: every default a scenario can take, with unit, range and source."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from pathway.cli import app
from pathway.reference.catalogue import catalogue


def _csv(*args: str) -> pd.DataFrame:
    r = CliRunner().invoke(app, ["catalogue", *args, "--format", "csv"])
    assert r.exit_code == 0, r.output
    return pd.read_csv(io.StringIO(r.output))


def test_jiangsu_2027_lists_every_parameter_with_a_source():
    df = _csv("--province", "jiangsu", "--year", "2027")
    assert set(df.kind) == {"technology", "price", "tariff", "factor"}
    assert df["source"].notna().all() and (df["source"].astype(str).str.strip() != "").all()
    c = catalogue()
    national = c[~c["note"].fillna("").str.contains("region=")]
    expected = {f"{t}.{p}" for t, p in zip(national.technology, national.parameter)}
    assert expected <= set(df.item)
    v = df.set_index("item").value
    # 3,000 CNY/kW in 2025 and 2,500 in 2030, linear: 2,800 in 2027
    assert v["pv.capex_cny_per_kw"] == pytest.approx(2800.0)
    assert v["demand_charge_cny_per_kw_month [province=jiangsu]"] == pytest.approx(40.0)
    tariffs = df[df.kind == "tariff"]
    assert len(tariffs) > 0 and tariffs.item.str.startswith("tou jiangsu ").all()


def test_json_and_filters():
    r = CliRunner().invoke(app, ["catalogue", "--year", "2030", "--kind", "factor", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert rows and {x["kind"] for x in rows} == {"factor"}
    gas = next(x for x in rows if x["item"] == "fuel natural_gas")
    assert gas["value"] == pytest.approx(0.038931 * 0.0153 * 0.99 * 44 / 12, rel=1e-9)  # GB/T 32150 components


def test_unknown_province_is_exit_2():
    r = CliRunner().invoke(app, ["catalogue", "--province", "atlantis"])
    assert r.exit_code == 2
    assert "jiangsu" in r.output


def test_province_filter_keeps_that_provinces_grid_factor_only():
    df = _csv("--province", "zhejiang", "--year", "2027", "--kind", "factor")
    prov = df[df.item.str.startswith("grid grid_provincial ")]
    assert list(prov.item) == ["grid grid_provincial zhejiang"]
    row = prov.iloc[0]
    assert row.value == pytest.approx(0.4974) and row.year == 2023  # latest data year not after 2027
    assert "github.com" in row.source
    everyone = _csv("--year", "2027", "--kind", "factor")
    assert everyone.item.str.startswith("grid grid_provincial ").sum() == 30
