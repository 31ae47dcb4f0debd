"""Hand-computed baseline inventories: every tonne written out as arithmetic."""

from __future__ import annotations

import pytest

from pathway.errors import ScenarioError
from pathway.inputs.inventory import baseline_inventory
from pathway.reference.validate import load_scenario

from .conftest import SCENARIOS

C_TO_CO2 = 44 / 12


def test_auto_parts_inventory_by_hand():
    """Suzhou auto parts plant: gas 2.0e6 m3, diesel 80 t, 60,000 MWh, national grid 2023."""
    inv = baseline_inventory(load_scenario(SCENARIOS / "jiangsu_auto_parts_2027.yaml").scenario)
    # natural gas: NCV 389.31 GJ/1e4 m3, 15.3 tC/TJ, oxidation 0.99 (GB/T 32150 App. B)
    gas_t = 2_000_000 * (389.31 / 1e4) * (15.3 / 1e3) * 0.99 * C_TO_CO2  # = 4,324.38 t
    # diesel: 42.652 GJ/t, 20.2 tC/TJ, 0.98
    diesel_t = 80 * 42.652 * (20.2 / 1e3) * 0.98 * C_TO_CO2  # = 247.67 t
    elec_loc_t = 60_000 * 0.5306  # MEE/NBS 2023 national average = 31,836 t
    elec_mkt_t = 60_000 * 0.6096  # 2023 residual factor (excl. market-traded non-fossil) = 36,576 t
    assert gas_t == pytest.approx(4324.38, abs=0.01)
    assert diesel_t == pytest.approx(247.673, abs=0.001)
    lines = inv.lines.set_index("source")
    assert lines.loc["fuel:natural_gas", "emissions_t"] == pytest.approx(gas_t, rel=1e-5)
    assert lines.loc["fuel:diesel", "emissions_t"] == pytest.approx(diesel_t, rel=1e-5)
    t = inv.totals
    assert t["scope1_t"] == pytest.approx(gas_t + diesel_t, rel=1e-6)
    assert t["scope2_location_t"] == pytest.approx(elec_loc_t, rel=1e-9)
    assert t["scope2_market_t"] == pytest.approx(elec_mkt_t, rel=1e-9)
    assert t["total_location_t"] == pytest.approx(36_408.05, abs=0.01)
    assert t["total_market_t"] == pytest.approx(gas_t + diesel_t + elec_mkt_t, rel=1e-6)
    # intensity per part set (1.2 million)
    assert t["intensity_location_t_per_unit"] == pytest.approx(36_408.05 / 1_200_000, rel=1e-6)
    # every line names its factor and a source
    assert inv.lines.factor_source.str.len().min() > 10


def test_cement_like_inventory_by_hand(minimal, write_yaml):
    """Coal, process CO2, purchased steam, green power + GEC, regional grid, a factor override."""
    minimal["factory"]["grid_region"] = "east"
    minimal["grid"] = {"factor_level": "regional", "factor_year": 2023}
    minimal["baseline"] = {
        "electricity_mwh": 40_000,
        "onsite_pv_mwh": 2_000,
        "green_power_mwh": 5_000,
        "green_certificates_mwh": 3_000,
        "fuels": {"raw_coal_t": 10_000, "natural_gas_m3": 100_000, "biomass_t": 500},
        "purchased_heat_gj": 20_000,
        "process_co2_t": 50_000,
    }
    minimal["emission_factors"] = {"natural_gas_tco2_per_m3": 0.0022}
    minimal["production"] = {"output_per_yr": 400_000, "unit": "t clinker"}
    inv = baseline_inventory(load_scenario(write_yaml(minimal)).scenario)
    coal_t = 10_000 * 20.908 * (26.37 / 1e3) * 0.94 * C_TO_CO2  # = 19,002.98 t
    gas_t = 100_000 * 0.0022  # override = 220 t
    heat_t = 20_000 * 0.11  # = 2,200 t
    process_t = 50_000
    grid_mwh = 40_000 - 2_000  # own PV is not bought from the grid
    loc_t = grid_mwh * 0.5500  # East China grid 2023 = 20,900 t
    mkt_t = (grid_mwh - 5_000 - 3_000) * 0.6096  # = 18,288 t; green power and GEC at zero
    assert coal_t == pytest.approx(19_002.98, abs=0.01)
    t = inv.totals
    assert t["scope1_t"] == pytest.approx(coal_t + gas_t + process_t, rel=1e-6)
    assert t["scope2_location_t"] == pytest.approx(loc_t + heat_t, rel=1e-9)
    assert t["scope2_market_t"] == pytest.approx(mkt_t + heat_t, rel=1e-9)
    assert t["total_location_t"] == pytest.approx(92_322.98, abs=0.01)
    assert t["total_market_t"] == pytest.approx(89_710.98, abs=0.01)
    lines = inv.lines.set_index("source")
    assert lines.loc["fuel:biomass (biogenic, counted as zero)", "emissions_t"] == 0
    assert "override" in lines.loc["fuel:natural_gas", "factor_name"]
    assert "NCV 20.908 GJ/t x CC 0.02637 tC/GJ x OF 0.94" in lines.loc["fuel:raw_coal", "factor_name"]
    assert "grid_regional east 2023" == lines.loc["electricity:grid", "factor_name"]


def test_grid_factor_decline_path(minimal, write_yaml):
    """f(y) = 0.5306 x (1 - 0.03)^(y - 2025) after the base year 2025; explicit values win."""
    from pathway.reference.factors import grid_factor_series

    minimal["grid"] = {"decline_per_yr": 0.03, "location_values": {2028: 0.4}}
    s = load_scenario(write_yaml(minimal)).scenario
    f = grid_factor_series(s, "location")
    assert f[2025].value == 0.5306  # the base-year inventory uses the published factor
    assert f[2027].value == pytest.approx(0.5306 * 0.97**2, rel=1e-12)
    assert f[2028].value == 0.4


def test_residual_mix_factor_has_its_own_trend(minimal, write_yaml):
    """The location-based decline no longer drags the residual factor along (the published
    residual rose 0.5856 -> 0.6096 from 2022 to 2023): residual_mix_decline_per_yr is its
    own trend, 0 by default; negative is a rise."""
    from pathway.reference.factors import grid_factor_series

    minimal["grid"] = {"decline_per_yr": 0.03}
    s = load_scenario(write_yaml(minimal)).scenario
    mkt = grid_factor_series(s, "market")
    assert mkt[2025].value == 0.6096 and mkt[2028].value == 0.6096
    assert grid_factor_series(s, "location")[2028].value == pytest.approx(0.5306 * 0.97**3, rel=1e-12)
    minimal["grid"] = {"residual_mix_decline_per_yr": -0.02}
    s = load_scenario(write_yaml(minimal)).scenario
    assert grid_factor_series(s, "market")[2027].value == pytest.approx(0.6096 * 1.02**2, rel=1e-12)
    assert grid_factor_series(s, "location")[2027].value == 0.5306


def test_location_method_is_read_as_factor_level(minimal, write_yaml):
    """The deprecated grid.location_method still takes effect; disagreeing with factor_level is an error."""
    minimal["grid"] = {"location_method": "regional", "factor_year": 2023}
    s = load_scenario(write_yaml(minimal)).scenario
    assert s.grid.level == "regional"
    minimal["grid"] = {"location_method": "regional", "factor_level": "national"}
    with pytest.raises(ScenarioError, match="disagree"):
        load_scenario(write_yaml(minimal))


def test_fuel_table_ef_column_matches_components():
    """The CSV's EF column agrees with NCV x CC x OF x 44/12 to 4 significant figures."""
    from pathway.reference.factors import fuel_factors

    t = fuel_factors().dropna(subset=["carbon_content_tc_per_gj", "oxidation_rate"])
    assert len(t) >= 7
    for fuel, r in t.iterrows():
        ef = r.ncv_gj_per_unit * r.carbon_content_tc_per_gj * r.oxidation_rate * C_TO_CO2
        assert ef == pytest.approx(r.ef_tco2_per_unit, rel=5e-4), fuel
        assert isinstance(r.source, str) and len(r.source) > 10 and r.year > 2000


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_inventory_uses_the_factor_the_scenario_asks_for(path):
    """Each bundled scenario's base-year grid line uses the published factor of the level it
    asks for (national, regional or provincial) for its factor year, and the market-based
    line the national residual mix."""
    from pathway.reference.factors import grid_factors

    s = load_scenario(path).scenario
    lines = baseline_inventory(s).lines
    g = grid_factors()
    level = s.grid.level
    fid, region = {"national": ("grid_average", "national"), "regional": ("grid_regional", s.factory.grid_region.value),
                   "provincial": ("grid_provincial", s.factory.province)}[level]
    want = g[(g.factor_id == fid) & (g.region == region) & (g.year == s.grid.factor_year)].value_tco2_per_mwh
    loc = lines[(lines.source == "electricity:grid") & (lines.method == "location")].iloc[0]
    assert loc.factor_tco2_per_unit == pytest.approx(float(want.iloc[0]), rel=1e-12), (level, region)
    assert loc.factor_name.startswith(f"{fid} {region}")
    res = g[(g.factor_id == "grid_residual_mix") & (g.year == s.grid.factor_year)].value_tco2_per_mwh
    mkt = lines[lines.source.str.startswith("electricity:grid") & (lines.method == "market")].iloc[0]
    assert mkt.factor_tco2_per_unit == pytest.approx(float(res.iloc[0]), rel=1e-12)


def test_provincial_level_needs_a_province_and_a_published_row(minimal, write_yaml):
    minimal["grid"] = {"factor_level": "provincial"}
    with pytest.raises(ScenarioError, match="factory.province"):
        load_scenario(write_yaml(minimal))
    minimal["factory"]["province"] = "guangdong"
    s = load_scenario(write_yaml(minimal)).scenario
    assert baseline_inventory(s).lines.query("source == 'electricity:grid' and method == 'location'").iloc[0].factor_tco2_per_unit == 0.4419
    minimal["factory"]["province"] = "xizang"  # a province, but MEE's table has no factor for it
    with pytest.raises(ScenarioError, match="grid_provincial factor for xizang in 2023") as e:
        load_scenario(write_yaml(minimal))
    # the message lists the provinces that have one, Jiangsu and Zhejiang among them, and names the field
    msg = str(e.value)
    assert "grid.factor_level" in msg and "jiangsu" in msg and "zhejiang" in msg
    assert "xizang, " not in msg and ", xizang" not in msg


def _cli_inventory(path, tmp_path):
    """``pathway inventory FILE --out DIR``: exit code, the written inventory.json (totals)
    and inventory.csv (lines)."""
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from pathway.cli import app

    out = tmp_path / "inv"
    r = CliRunner().invoke(app, ["inventory", str(path), "--out", str(out)])
    if r.exit_code != 0:
        return r, None, None
    return r, json.loads((out / "inventory.json").read_text(encoding="utf-8")), pd.read_csv(out / "inventory.csv")


@pytest.mark.parametrize(("province", "year", "factor"), [
    ("jiangsu", 2023, 0.5827), ("zhejiang", 2023, 0.4974), ("guangdong", 2023, 0.4419),
    ("jiangsu", 2022, 0.5978), ("jiangsu", 2021, 0.6451), ("zhejiang", 2022, 0.5153),
])
def test_jiangsu_scenario_switched_to_provincial_uses_the_provincial_factor(province, year, factor, tmp_path):
    """The bundled Jiangsu auto-parts scenario with grid.factor_level: provincial (and the
    province / factor year varied): ``pathway inventory`` uses exactly the MEE/NBS provincial
    value of that data year. 60,000 MWh x 0.5827 tCO2/MWh = 34,962 t for Jiangsu 2023."""
    import yaml

    data = yaml.safe_load((SCENARIOS / "jiangsu_auto_parts_2027.yaml").read_text(encoding="utf-8"))
    data["factory"]["province"] = province
    data["grid"].update(factor_level="provincial", factor_year=year)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    r, totals, lines = _cli_inventory(path, tmp_path)
    assert r.exit_code == 0, r.output
    assert f"grid_provincial {province} {year}" in " ".join(r.output.split())
    loc = lines[(lines.source == "electricity:grid") & (lines.method == "location")].iloc[0]
    assert loc.factor_tco2_per_unit == factor
    assert loc.factor_name == f"grid_provincial {province} {year}"
    assert loc.emissions_t == pytest.approx(60_000 * factor, rel=1e-12)
    assert totals["scope2_location_t"] == pytest.approx(60_000 * factor, rel=1e-12)
    if (province, year) == ("jiangsu", 2023):
        assert totals["scope2_location_t"] == pytest.approx(34_962.0, abs=1e-6)


def test_provincial_province_without_a_row_is_exit_2_listing_the_provinces(minimal, write_yaml, tmp_path):
    minimal["factory"]["province"] = "xizang"
    minimal["grid"] = {"factor_level": "provincial", "factor_year": 2023}
    r, _, _ = _cli_inventory(write_yaml(minimal), tmp_path)
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.split())
    assert "no published grid_provincial factor for xizang in 2023" in text
    assert "jiangsu" in text and "zhejiang" in text and "guangdong" in text
    assert not (tmp_path / "inv").exists()  # no partial output


def test_provincial_table_is_whole_and_moves_as_mee_says():
    """Each data year 2021-2023 holds the 30 provinces of MEE's table (every mainland
    province but Xizang), each a plausible factor; and from 2022 to 2023 20 provinces fall
    (Beijing among them) and 10 rise (Guangdong among them), as MEE's summary of the 2023
    factors states -- a check that ties the two transcriptions to each other."""
    from pathway.reference.factors import grid_factors, provinces_with_factor
    from pathway.scenario.schema import PROVINCES

    g = grid_factors()
    p = g[g.factor_id == "grid_provincial"]
    for year in (2021, 2022, 2023):
        have = provinces_with_factor(year)
        assert have == sorted(set(PROVINCES) - {"xizang"}), year
        rows = p[p.year == year]
        assert len(rows) == 30 and rows.value_tco2_per_mwh.between(0.1, 0.8).all()
        assert rows.source.str.contains("https://github.com/").all() and rows.note.str.contains("transcription").all()
    v = p.pivot(index="region", columns="year", values="value_tco2_per_mwh")
    fell, rose = v.index[v[2023] < v[2022]], v.index[v[2023] > v[2022]]
    assert len(fell) == 20 and len(rose) == 10
    assert "beijing" in fell and "guangdong" in rose
    assert v.loc["jiangsu", 2023] == 0.5827 and v.loc["zhejiang", 2023] == 0.4974
