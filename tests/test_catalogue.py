"""The bundled data tables are traceable and self-consistent.

Every catalogue, price, TOU-tariff, fuel-factor, grid-factor and finance-default row
names its source and the year the figure belongs to; where a file flags estimates,
every row says whether it is one; a value lies inside its published range [low, high];
each TOU tariff prices every hour of the day exactly once; and the catalogue holds a
default for every parameter a scenario may leave out (issue 6's list of technologies
and prices is checked by name).
"""

from __future__ import annotations

import pandas as pd
import pytest

from pathway.reference.factors import read_data_csv
from pathway.reference.tariffs import parse_hours

# file -> the columns that must be filled on every row (the year column(s) included)
REQUIRED = {
    "catalogue.csv": ("technology", "parameter", "year", "value", "source", "source_year"),
    "prices.csv": ("item", "year", "value", "unit", "source", "source_year"),
    "tou_tariffs.csv": ("province", "season", "period", "hours", "price_cny_per_kwh", "source", "source_year"),
    "fuel_factors.csv": ("fuel", "unit", "ef_tco2_per_unit", "source", "year"),
    "grid_factors.csv": ("factor_id", "region", "year", "value_tco2_per_mwh", "source"),
    "finance_defaults.csv": ("item", "value", "unit", "source", "year"),
    "direct_line_rules.csv": ("item", "value", "unit", "from_year", "source", "year"),
    "cbam.csv": ("item", "year", "value", "unit", "source", "source_year"),
    "cbam_goods.csv": ("category", "cn_codes", "indirect_counted", "source", "year"),
    "ets_sectors.csv": ("sector", "first_compliance_year", "source", "year"),
    "material_factors.csv": ("factor_id", "unit", "value_kgco2e_per_unit", "source", "year"),
    "taxonomy.csv": ("technology", "green_bond_2021_item", "pboc_crf_field", "tax_life_years", "source", "year"),
}


def _table(name: str) -> pd.DataFrame:
    return read_data_csv(name)


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or (isinstance(v, str) and not v.strip())


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_row_has_source_and_year(name):
    df = _table(name)
    assert len(df) > 0
    missing = [c for c in REQUIRED[name] if c not in df.columns]
    assert not missing, f"{name}: columns {missing} missing"
    bad = [(i + 2, c) for i, row in df.iterrows() for c in REQUIRED[name] if _blank(row[c])]
    assert not bad, f"{name}: empty required cells (csv line, column): {bad[:20]}"
    for ycol in ("year", "source_year"):
        if ycol in df.columns and ycol in REQUIRED[name]:
            years = pd.to_numeric(df[ycol], errors="coerce")
            assert years.notna().all(), f"{name}: non-numeric {ycol}"
            assert years.between(1990, 2100).all(), f"{name}: {ycol} outside 1990..2100"


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_estimate_flag_on_every_row(name):
    df = _table(name)
    if "estimate" not in df.columns:
        pytest.skip(f"{name} has no estimate column")
    flags = df["estimate"].map(lambda v: str(v).strip().lower())
    bad = df.index[~flags.isin({"true", "false"})].tolist()
    assert not bad, f"{name}: rows {[i + 2 for i in bad]} lack a true/false estimate flag"


@pytest.mark.parametrize("name", ["catalogue.csv", "prices.csv"])
def test_value_within_published_range(name):
    df = _table(name)
    out = []
    for i, r in df.iterrows():
        low, high = r.get("low"), r.get("high")
        if not _blank(low) and not _blank(high):
            assert float(low) <= float(high), f"{name} line {i + 2}: low > high"
        if not _blank(low) and float(r["value"]) < float(low) - 1e-12:
            out.append((i + 2, r["value"], low, high))
        if not _blank(high) and float(r["value"]) > float(high) + 1e-12:
            out.append((i + 2, r["value"], low, high))
    assert not out, f"{name}: values outside [low, high] (line, value, low, high): {out}"


def test_catalogue_keys_unique():
    c = _table("catalogue.csv")
    c = c.assign(tag=c["note"].fillna("").str.extract(r"(region=\w+)", expand=False).fillna(""))
    dup = c[c.duplicated(["technology", "parameter", "year", "tag"], keep=False)]
    assert dup.empty, f"duplicate catalogue rows:\n{dup[['technology', 'parameter', 'year', 'tag']]}"


def test_tou_hours_cover_the_day_exactly_once():
    t = _table("tou_tariffs.csv")
    for (province, season), rows in t.groupby(["province", "season"]):
        hours: list[int] = []
        for spec in rows["hours"]:
            hours.extend(parse_hours(spec))
        counts = pd.Series(hours).value_counts()
        twice = sorted(counts[counts > 1].index.tolist())
        gaps = sorted(set(range(24)) - set(hours))
        assert not twice and not gaps, f"{province}/{season}: hours twice {twice}, hours missing {gaps}"
        assert (rows["price_cny_per_kwh"] > 0).all()


def test_tou_seasons_name_their_months():
    """A seasonal block must say which months it covers (note 'months=...'), and two
    seasons of one province must not claim the same month."""
    t = _table("tou_tariffs.csv")
    for province, rows in t.groupby("province"):
        assert "all" in set(rows["season"]), f"{province}: no all-year ('all') rows"
        claimed: dict[int, str] = {}
        for season, srows in rows[rows["season"] != "all"].groupby("season"):
            months = srows["note"].str.extract(r"months=([\d,]+)", expand=False)
            assert months.notna().all(), f"{province}/{season}: a row without months=..."
            assert months.nunique() == 1, f"{province}/{season}: rows disagree on months"
            for m in (int(x) for x in months.iloc[0].split(",") if x):
                assert 1 <= m <= 12
                assert m not in claimed, f"{province}: month {m} in both {claimed.get(m)} and {season}"
                claimed[m] = season


def test_issue_list_is_covered():
    """Issue 6's default catalogue: every named technology, price and tariff is present."""
    c = _table("catalogue.csv")
    techs = set(c["technology"])
    for tech in ("pv", "battery", "heat_pump_low", "heat_pump_high", "electric_boiler", "thermal_storage",
                 "biomass_boiler", "gas_boiler", "eff_motors_vfd", "eff_compressed_air", "eff_waste_heat_recovery",
                 "eff_lighting", "eff_hvac", "ccus_large", "ccus_small"):
        assert tech in techs, f"catalogue has no {tech}"
    # heat pumps by temperature band: the low one tops out below the high one, both have COP points
    hp = {t: c[(c.technology == t) & (c.parameter == "max_temp_c")]["value"].iloc[0] for t in ("heat_pump_low", "heat_pump_high")}
    assert hp["heat_pump_low"] < hp["heat_pump_high"]
    for t in hp:
        assert (c[(c.technology == t)]["parameter"].str.startswith("cop_at_")).sum() >= 2
    p = _table("prices.csv")
    for item in ("gec_cny_per_mwh", "green_power_premium_cny_per_mwh", "ccer_cny_per_t", "ets_allowance_cny_per_t"):
        assert item in set(p["item"]), f"prices.csv has no {item}"
    assert {"jiangsu", "guangdong", "zhejiang"} <= set(_table("tou_tariffs.csv")["province"])


def test_every_default_a_scenario_can_omit_exists(write_yaml):
    """A scenario that enables every technology and gives no number resolves completely
    from the bundled tables (prepare raises a ScenarioError listing any gap)."""
    from pathway.inputs.prepare import prepare
    from pathway.reference.validate import load_scenario

    for variant in ("ccus_large", "ccus_small"):
        data = {
            "name": "all_defaults",
            "factory": {"name": "t", "sector": "machinery", "province": "jiangsu", "grid_region": "east",
                        "latitude_deg": 31.3, "longitude_deg": 120.6},
            "horizon": {"base_year": 2025, "target_year": 2027, "end_year": 2030},
            "time": {"representative_days": 2},
            "production": {"output_per_yr": 1, "unit": "t"},
            "baseline": {"electricity_mwh": 1000, "fuels": {"natural_gas_m3": 100000, "biomass_t": 10},
                         "process_co2_t": 10,
                         "heat_loads": [{"name": "steam", "temperature_c": 150, "fuel": "natural_gas", "fuel_share": 1.0}]},
            "prices": {"tou_province": "jiangsu"},
            "technologies": {
                "pv": {}, "battery": {}, "heat_pump_low": {}, "heat_pump_high": {}, "electric_boiler": {},
                "gas_boiler": {}, "biomass_boiler": {}, "thermal_storage": {},
                "efficiency": {m: {} for m in ("eff_motors_vfd", "eff_compressed_air", "eff_waste_heat_recovery",
                                               "eff_lighting", "eff_hvac")},
                "ccus": {"variant": variant}, "green_power": {}, "green_certificates": {}, "offsets": {},
                "nature_removals": {},
            },
            "target": {"preset": "custom"},
        }
        md = prepare(load_scenario(write_yaml(data, f"{variant}.yaml")))
        assert md.ccus is not None and md.pv is not None and len(md.heat_techs) == 5
        assert all(s["source"] in ("catalogue", "prices.csv", "scenario") for s in md.sources)
