"""Defect 7: every input takes effect or is refused (exit 2, naming the field); nothing is
accepted and silently ignored."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pathway.errors import ScenarioError
from pathway.inputs.prepare import prepare
from pathway.reference.validate import load_scenario
from pathway.units import KW_PER_MW


def problems_of(path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


# --- subsidy_cny_per_kw ------------------------------------------------------------------


@pytest.mark.parametrize(("tech", "field"), [
    ({"thermal_storage": {"subsidy_cny_per_kw": 100}}, "technologies.thermal_storage.subsidy_cny_per_kw"),
    ({"efficiency": {"eff_lighting": {"subsidy_cny_per_kw": 100}}}, "technologies.efficiency.eff_lighting.subsidy_cny_per_kw"),
    ({"ccus": {"subsidy_cny_per_kw": 100}}, "technologies.ccus.subsidy_cny_per_kw"),
])
def test_per_kw_subsidy_is_refused_where_capacity_is_not_in_kw(minimal, write_yaml, tech, field):
    minimal["technologies"] = tech
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == field and "has no meaning" in p.message and p.line is not None and p.file.endswith("scenario.yaml")


def test_per_kw_subsidy_applies_to_battery_power_and_heaters(minimal, write_yaml):
    """100 CNY/kW off the battery's power capex (per MW: 100,000), none off its energy."""
    minimal["technologies"] = {"battery": {"capex_power_cny_per_kw": 500, "capex_energy_cny_per_kwh": 900},
                               "electric_boiler": {"capex_cny_per_kw_th": 300}}
    md0 = prepare(load_scenario(write_yaml(minimal, "a.yaml")))
    minimal["technologies"]["battery"]["subsidy_cny_per_kw"] = 100
    minimal["technologies"]["electric_boiler"]["subsidy_cny_per_kw"] = 50
    md1 = prepare(load_scenario(write_yaml(minimal, "b.yaml")))
    assert md1.battery_power.capex_cny_per_unit[2026] == pytest.approx((500 - 100) * KW_PER_MW)
    assert md1.battery_energy.capex_cny_per_unit == md0.battery_energy.capex_cny_per_unit
    assert md1.heat_techs["electric_boiler"].build.capex_cny_per_unit[2026] == pytest.approx((300 - 50) * KW_PER_MW)


# --- gas boiler fixed O&M -------------------------------------------------------------------


def test_gas_boiler_fixed_om_override_takes_effect(minimal, write_yaml):
    from pathway.technologies import fom_rated

    minimal["technologies"] = {"gas_boiler": {}}
    md0 = prepare(load_scenario(write_yaml(minimal, "a.yaml")))
    assert md0.heat_techs["gas_boiler"].build.fom_cny_per_unit_yr == 0.0  # no catalogue rate: 0 unless given
    minimal["technologies"] = {"gas_boiler": {"fom_cny_per_kw_yr": 12}}
    md1 = prepare(load_scenario(write_yaml(minimal, "b.yaml")))
    assert md1.heat_techs["gas_boiler"].build.fom_cny_per_unit_yr == pytest.approx(12 * KW_PER_MW)
    assert fom_rated("gas_boiler")


# --- demand charge default ------------------------------------------------------------------


@pytest.mark.parametrize(("province", "given", "expected"), [
    ("jiangsu", None, 40.0),  # data/prices.csv province=jiangsu
    (None, None, 38.0),  # national row
    ("shandong", None, 38.0),  # a province without a row of its own: national
    ("jiangsu", 0, 0.0),  # an explicit 0 stands
    ("jiangsu", 25, 25.0),
])
def test_demand_charge_defaults_to_the_provinces_row(minimal, write_yaml, province, given, expected):
    if province:
        minimal["factory"]["province"] = province
    if given is not None:
        minimal["prices"]["demand_charge_cny_per_kw_month"] = given
    md = prepare(load_scenario(write_yaml(minimal)))
    assert md.demand_charge_cny_per_mw_yr == pytest.approx(expected * KW_PER_MW * 12)


# --- choices in any case ----------------------------------------------------------------------


def test_province_region_tariff_and_preset_accept_any_case(minimal, write_yaml):
    minimal["factory"].update(province="Jiangsu", grid_region="East", sector="Machinery")
    minimal["prices"] = {"tou_province": "JIANGSU"}
    minimal["target"] = {"preset": "Jiangsu_Zero"}
    loaded = load_scenario(write_yaml(minimal))
    s = loaded.scenario
    assert (s.factory.province, s.factory.grid_region.value, s.prices.tou_province, s.target.preset) == (
        "jiangsu", "east", "jiangsu", "jiangsu_zero")
    md = prepare(loaded)
    assert md.demand_charge_cny_per_mw_yr == pytest.approx(40 * KW_PER_MW * 12)  # the Jiangsu row is found
    assert md.rule.preset == "jiangsu_zero"


def test_preset_ids_are_lower_case():
    """The schema normalises target.preset to lower case, so the ids must be lower case."""
    from pathway.reference.presets import preset_ids

    assert all(p == p.lower() for p in preset_ids())


def test_every_province_of_the_data_is_a_choice():
    from pathway.reference.catalogue import price_table
    from pathway.reference.tariffs import tou_provinces
    from pathway.scenario.schema import PROVINCES

    tagged = set(price_table()["note"].fillna("").str.extract(r"province=(\w+)", expand=False).dropna())
    assert tagged | tou_provinces() <= set(PROVINCES)


@pytest.mark.parametrize(("where", "value", "field", "listed"), [
    (("factory", "province"), "Atlantis", "factory.province", "jiangsu"),
    (("factory", "grid_region"), "Mars", "factory.grid_region", "'east'"),
    (("prices", "tou_province"), "Shandong", "prices.tou_province", "jiangsu"),
    (("target", "preset"), "Mars", "target.preset", "jiangsu_zero"),
])
def test_unknown_choice_is_refused_with_the_choices(minimal, write_yaml, where, value, field, listed):
    minimal[where[0]][where[1]] = value
    if where == ("prices", "tou_province"):
        del minimal["prices"]["flat_electricity_cny_per_kwh"]
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == field and listed in p.message and value.lower() in p.message.lower()


def test_flat_price_beside_a_tou_tariff_is_refused(minimal, write_yaml):
    minimal["prices"]["tou_province"] = "jiangsu"
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "prices.flat_electricity_cny_per_kwh" and "not both" in p.message


def test_boiler_efficiency_on_purchased_heat_is_refused(minimal, write_yaml):
    minimal["baseline"].update(purchased_heat_gj=1000, heat_loads=[
        {"name": "steam", "temperature_c": 150, "fuel": "purchased_heat", "fuel_share": 1.0, "boiler_efficiency": 0.8}])
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "baseline.heat_loads[0]" and "boiler_efficiency does not apply" in p.message


# --- duplicate YAML keys --------------------------------------------------------------------------


def test_duplicate_yaml_keys_are_refused_with_file_line_and_key(write_yaml):
    text = """name: dup
factory: {name: t, sector: machinery, grid_region: east}
horizon: {base_year: 2025, target_year: 2027, end_year: 2028}
production: {output_per_yr: 1, unit: t}
baseline:
  electricity_mwh: 1000
  electricity_mwh: 2000
prices:
  flat_electricity_cny_per_kwh: 0.6
target: {preset: custom}
name: dup_again
"""
    problems = problems_of(write_yaml(text))
    got = {(p.field, p.line) for p in problems}
    assert got == {("baseline.electricity_mwh", 7), ("name", 11)}
    assert all(p.file.endswith("scenario.yaml") and "duplicate key" in p.message for p in problems)
    assert "first given on line 6" in next(p.message for p in problems if p.line == 7)


def test_cli_validate_exit_2_on_duplicate_key(minimal, write_yaml):
    import yaml

    text = yaml.safe_dump(minimal, sort_keys=False) + "name: again\n"
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "validate", str(write_yaml(text))],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "duplicate key 'name'" in res.stderr


# --- fuel no heat load covers ------------------------------------------------------------------------


def _unassigned(minimal):
    minimal["baseline"].update(fuels={"natural_gas_m3": 100_000, "diesel_t": 5}, heat_loads=[
        {"name": "hot_water", "temperature_c": 60, "fuel": "natural_gas", "fuel_share": 0.25}])
    minimal["prices"].update(natural_gas_cny_per_m3=3.5, diesel_cny_per_t=7000)
    return minimal


def test_fuel_not_assigned_to_a_heat_load_is_a_warning(minimal, write_yaml):
    loaded = load_scenario(write_yaml(_unassigned(minimal)))
    (w,) = loaded.warnings  # diesel is mobile: no warning
    assert w.field == "baseline.fuels.natural_gas_m3" and "75% of the natural_gas" in w.message and w.line is not None


def test_cli_prints_the_warning(minimal, write_yaml):
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "validate", str(write_yaml(_unassigned(minimal)))],
                         capture_output=True, text=True)
    assert res.returncode == 0
    assert "warning" in res.stderr and "natural_gas" in res.stderr and "not assigned to any heat load" in res.stderr


def test_fuel_not_assigned_is_a_row_of_the_diagnosis(minimal, write_yaml):
    from pathway.solve.diagnosis import fixed_residuals

    md = prepare(load_scenario(write_yaml(_unassigned(minimal))))
    rows = {r["source"]: r for r in fixed_residuals(md)}
    gas = rows["natural_gas not assigned to any heat load"]
    assert gas["base_t"] == pytest.approx(md.other_fuel_t["natural_gas"]) and "baseline.heat_loads" in gas["why"]
    assert "mobile diesel use (vehicles, generator sets)" in rows
