"""No field of the scenario is silently dead: every numeric field of the schema
(``pathway.scenario.schema.Scenario``, recursively: technologies, heat loads, tariffs,
targets, ...) changes the prepared model data (``prepare`` -> ``ModelData``) when it
changes, or is refused with a ScenarioError naming it.

A few fields matter only outside the LP; each is exempted below with its reason and is
shown to take effect where it is used (finance, Monte Carlo, the inventory's intensity).
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from enum import Enum

import numpy as np
import pytest
import yaml
from pydantic import BaseModel

from pathway.errors import ScenarioError
from pathway.inputs.prepare import prepare
from pathway.reference.validate import load_scenario
from pathway.scenario.schema import Scenario

# A plant that exercises every numeric field: every technology enabled, every fuel burnt,
# purchased heat, an explicit TOU tariff with a seasonal period, explicit factor paths,
# a finance block and an uncertainty block. Fields left out take their schema default
# (or, where that is None, are set to a value by the walk).
BASE = {
    "name": "every_field",
    "factory": {"name": "t", "sector": "machinery", "province": "jiangsu", "grid_region": "east",
                "latitude_deg": 31.3, "longitude_deg": 120.6},
    "horizon": {"base_year": 2025, "target_year": 2027, "end_year": 2029, "discount_rate": 0.06},
    "time": {"mode": "representative_days", "representative_days": 2},
    "production": {"output_per_yr": 1000, "unit": "t", "growth_per_yr": 0.02},
    "baseline": {
        "electricity_mwh": 10_000, "electricity_profile": {"shape": "two_shift"},
        "fuels": {"natural_gas_m3": 500_000, "raw_coal_t": 100, "coke_t": 10, "diesel_t": 20, "gasoline_t": 5,
                  "fuel_oil_t": 8, "lpg_t": 6, "biomass_t": 30},
        "purchased_heat_gj": 5000, "process_co2_t": 500, "green_power_mwh": 100, "green_certificates_mwh": 200,
        "onsite_pv_mwh": 50,
        "heat_loads": [
            {"name": "hot_water", "temperature_c": 60, "fuel": "natural_gas", "fuel_share": 0.3, "boiler_efficiency": 0.9},
            {"name": "process_water", "temperature_c": 90, "fuel": "natural_gas", "fuel_share": 0.3,
             "profile": {"shape": "one_shift"}},
            {"name": "steam", "temperature_c": 150, "fuel": "natural_gas", "fuel_share": 0.4, "boiler_efficiency": 0.85,
             "existing_boiler_retire_year": 2028},
            {"name": "coal_furnace", "temperature_c": 200, "fuel": "raw_coal", "fuel_share": 0.5},
            {"name": "park_steam", "temperature_c": 120, "fuel": "purchased_heat", "fuel_share": 0.8},
        ],
    },
    "grid": {"location_method": "regional", "factor_year": 2023, "location_tco2_per_mwh": 0.6, "decline_per_yr": 0.01,
             "location_values": {2029: 0.5}, "residual_mix_values": {2028: 0.55}},
    "emission_factors": {"natural_gas_tco2_per_m3": 0.0022, "raw_coal_tco2_per_t": 1.9, "coke_tco2_per_t": 2.8,
                         "diesel_tco2_per_t": 3.1, "gasoline_tco2_per_t": 2.9, "fuel_oil_tco2_per_t": 3.2,
                         "lpg_tco2_per_t": 3.0, "purchased_heat_tco2_per_gj": 0.11},
    "prices": {
        "tou_periods": [
            {"name": "valley", "hours": "0-8", "price_cny_per_kwh": 0.3},
            {"name": "flat", "hours": "8-24", "price_cny_per_kwh": 0.7},
            {"name": "summer_peak", "hours": "10-16", "price_cny_per_kwh": 1.1, "months": [7, 8]},
        ],
        "demand_charge_cny_per_kw_month": 30, "import_limit_kw": 50_000, "export_price_cny_per_kwh": 0.3,
        "natural_gas_cny_per_m3": 3.5, "raw_coal_cny_per_t": 800, "coke_cny_per_t": 2000, "diesel_cny_per_t": 7000,
        "gasoline_cny_per_t": 8000, "fuel_oil_cny_per_t": 5000, "lpg_cny_per_t": 4500, "biomass_cny_per_t": 900,
        "purchased_heat_cny_per_gj": 80, "gec_cny_per_mwh": 5, "green_power_premium_cny_per_mwh": 10,
        "ccer_cny_per_t": 70, "nature_removal_cny_per_t": 40, "carbon_price_cny_per_t": 50,
        "energy_price_growth_per_yr": 0.01, "carbon_price_growth_per_yr": 0.03,
    },
    "technologies": {
        "pv": {"max_kw": 3000, "roof_area_m2": 20_000},
        "battery": {}, "heat_pump_low": {"cop_by_temp_c": {60: 3.4, 80: 2.5}},
        "heat_pump_high": {"cop_by_temp_c": {80: 3.2, 120: 2.1, 150: 1.7}},
        "electric_boiler": {}, "gas_boiler": {}, "biomass_boiler": {}, "thermal_storage": {},
        "efficiency": {m: {} for m in ("eff_motors_vfd", "eff_compressed_air", "eff_waste_heat_recovery",
                                       "eff_lighting", "eff_hvac")},
        "ccus": {"variant": "ccus_small"}, "green_power": {"max_mwh_per_yr": 5000},
        "green_certificates": {"max_mwh_per_yr": 5000}, "offsets": {"max_t_per_yr": 1000},
        "nature_removals": {"max_t_per_yr": 500},
    },
    "target": {"preset": "custom", "min_own_reduction_share": 0.5, "max_net_emissions_share": 0.1,
               "max_offset_share": 0.1, "min_green_electricity_share": 0.3, "trajectory": {2027: 0.6, 2028: 0.5}},
    "direct_line": {"plant": "pv", "full_load_hours_per_yr": 1100, "energy_price_cny_per_mwh": 300,
                    "line_capex_cny_per_kw": 800, "line_fom_cny_per_kw_yr": 5, "max_kw": 5000},
    "finance": {"loan_to_cost": 0.7, "tenor_years": 5, "interest_rate": 0.035, "grace_years": 1, "min_dscr": 1.2,
                "lump_sum_subsidy_cny": 100_000, "kpi_reduction_per_yr": 0.05, "kpi_step_down_bp": 10,
                "kpi_step_up_bp": 5, "appraisal_years": 12, "availability_years": 2, "dsra_months": 6,
                "inflation_rate": 0.02},
    "uncertainty": {"seed": 7, "samples": 4, "parameters": {
        "prices.gec_cny_per_mwh": {"dist": "normal", "mean": 5, "sd": 2, "low": 1, "high": 12},
        "prices.ccer_cny_per_t": {"dist": "triangular", "low": 50, "mode": 70, "high": 90},
        "technologies.pv.capex_cny_per_kw": {"dist": "lognormal", "median": 3000, "sigma": 0.2},
    }},
}

# Fields that only matter outside the LP, each with the reason; ``test_exempt_fields_take_effect``
# shows each changes what it feeds.
EXEMPT = {
    "production.output_per_yr": "output only divides emissions into intensities (inventory, pathway table, SLL KPI); "
                                "the LP's demand follows growth_per_yr",
    **{f"finance.{f}": "loan and SLL terms and the appraisal period: read by pathway.finance.compute_finance after "
                       "the solve, not by the LP"
       for f in ("loan_to_cost", "tenor_years", "interest_rate", "grace_years", "min_dscr", "kpi_reduction_per_yr",
                 "kpi_step_down_bp", "kpi_step_up_bp", "appraisal_years", "availability_years", "dsra_months",
                 "inflation_rate")},
    **{f"uncertainty.{f}": "Monte Carlo settings: read by pathway montecarlo to draw the samples; a run ignores them"
       for f in ("seed", "samples", "parameters{}.mean", "parameters{}.sd", "parameters{}.low", "parameters{}.mode",
                 "parameters{}.high", "parameters{}.median", "parameters{}.sigma")},
    **{f"footprint.{f}": "product footprint, CBAM and ETS inputs: read by pathway footprint after the solve "
                         "(pathway.analysis.exposure), not by the LP; each is shown to take effect in "
                         "tests/test_footprint_cbam.py::test_footprint_fields_take_effect_or_are_refused"
       for f in ("cbam.cny_per_eur", "cbam.eu_ets_eur_per_t{}", "ets.benchmark_tco2_per_unit", "ets.price_cny_per_t{}",
                 "materials[].factor_kgco2e_per_quantity_unit", "materials[].quantity_per_unit",
                 "materials[].cbam_precursor_kgco2e_per_quantity_unit",
                 "products[].eu_export_share", "products[].growth_per_yr", "products[].mass_t_per_unit",
                 "products[].metered_share", "products[].output_units_per_yr", "products[].value_cny_per_unit")},
    **{f"disclosure.{f}": "retired certificates as the user records them: printed by pathway disclose, not read by "
                          "the LP; shown to take effect in tests/test_disclosure.py::test_disclosure_fields_take_effect"
       for f in ("certificates[].quantity", "certificates[].vintage_year")},
}


# --- the schema's numeric fields ----------------------------------------------------------------


def _unwrap(ann) -> list:
    """The alternatives of an annotation (Optional/Union/Annotated unwrapped)."""
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(ann)[0])
    if origin in (typing.Union, types.UnionType):
        return [x for a in typing.get_args(ann) for x in _unwrap(a)]
    return [ann]


def _numeric_paths(model: type[BaseModel], prefix: tuple = ()) -> list[tuple]:
    """Schema paths of every numeric field: '[]' stands for any list item, '{}' any dict value."""
    out = []

    def visit(ann, path):
        for a in _unwrap(ann):
            origin = typing.get_origin(a)
            if a is bool or a is type(None) or origin is typing.Literal or (isinstance(a, type) and issubclass(a, (Enum, str))):
                continue
            if a in (int, float):
                out.append(path)
            elif isinstance(a, type) and issubclass(a, BaseModel):
                out.extend(_numeric_paths(a, path))
            elif origin is list:
                visit(typing.get_args(a)[0], (*path, "[]"))
            elif origin is dict:
                visit(typing.get_args(a)[1], (*path, "{}"))

    for name, info in model.model_fields.items():
        visit(info.annotation, (*prefix, name))
    return sorted(set(out), key=str)


def _label(path: tuple) -> str:
    return ".".join(str(p) for p in path).replace(".[]", "[]").replace(".{}", "{}")


def _instances(dumped, path: tuple, done: tuple = ()) -> list[tuple[tuple, object]]:
    """Concrete (path, value) pairs of a schema path in the dumped base scenario."""
    if not path:
        return [(done, dumped)]
    head, rest = path[0], path[1:]
    if head == "[]":
        return [x for i, v in enumerate(dumped or []) for x in _instances(v, rest, (*done, i))]
    if head == "{}":
        return [x for k, v in (dumped or {}).items() for x in _instances(v, rest, (*done, k))]
    if not isinstance(dumped, dict):
        return [(done + path, None)] if dumped is None and not any(p in ("[]", "{}") for p in path) else []
    return _instances(dumped.get(head), rest, (*done, head))


def _set(data: dict, path: tuple, value) -> None:
    node = data
    for part in path[:-1]:
        if isinstance(node, list):
            node = node[part]
        else:
            node = node.setdefault(part, {})
    node[path[-1]] = value


def _new_value(path: tuple, value):
    """A different valid-looking value for a field (value None: the field is unset)."""
    name = str(path[-1]) if not isinstance(path[-1], int) else str(path[-2])
    if value is None:
        if name.endswith("_year"):
            return 2027
        return 7 if name.endswith("years") or name == "life_years" else 0.37
    if isinstance(value, int) and not isinstance(value, bool):
        if name == "months":
            return value - 1 if value > 1 else value + 1
        if name.endswith("_year") or name in ("factor_year", "seed", "samples", "representative_days"):
            return value + 1
        return max(1, round(value * 0.7)) if value > 1 else value + 1
    return 0.37 if value == 0 else value * 0.7


# --- comparing ModelData --------------------------------------------------------------------------


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and (np.array_equal(a, b) if a.dtype == object else np.array_equal(a, b, equal_nan=True))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


def _model_data_same(md_a, md_b) -> bool:
    """Every field but the scenario it came from and the list of sources (which records the
    scenario's own numbers, used or not)."""
    return all(_same(getattr(md_a, f.name), getattr(md_b, f.name))
               for f in dataclasses.fields(md_a) if f.name not in ("scenario", "sources"))


def _names_field(exc: ScenarioError, path: tuple) -> bool:
    """A problem names the field (or a block that contains it)."""
    from pathway.scenario.loader import _field_path

    full = _field_path(path)
    return any(p.field and (full == p.field or full.startswith(p.field + ".") or full.startswith(p.field + "[")
                            or p.field in full) for p in exc.problems)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("walk")
    path = folder / "base.yaml"
    path.write_text(yaml.safe_dump(BASE, sort_keys=False), encoding="utf-8")
    loaded = load_scenario(path)
    return folder, loaded, prepare(loaded)


def _variant(folder, path: tuple, value, name: str):
    data = copy.deepcopy(BASE)
    _set(data, path, value)
    f = folder / f"{name}.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return f


def _changes_hourly(folder, path: tuple, value, name: str) -> bool:
    """With two typical days a change can miss the days chosen (e.g. a July tariff when no
    medoid falls in July): such a field must then change the data with all 365 days."""
    hourly = {"mode": "hourly"}
    a = copy.deepcopy(BASE) | {"time": hourly}
    b = copy.deepcopy(a)
    _set(b, path, value)
    fa, fb = folder / f"{name}_a.yaml", folder / f"{name}_b.yaml"
    fa.write_text(yaml.safe_dump(a, sort_keys=False), encoding="utf-8")
    fb.write_text(yaml.safe_dump(b, sort_keys=False), encoding="utf-8")
    return not _model_data_same(prepare(load_scenario(fa)), prepare(load_scenario(fb)))


def test_the_walk_sees_every_numeric_field():
    labels = {_label(p) for p in _numeric_paths(Scenario)}
    # spot checks: nested models, list items, dict values of models and of numbers
    for want in ("baseline.heat_loads[].temperature_c", "technologies.efficiency{}.max_saving_share",
                 "technologies.heat_pump_low.cop_by_temp_c{}", "prices.tou_periods[].months[]",
                 "technologies.ccus.subsidy_cny_per_kw", "target.trajectory{}", "uncertainty.parameters{}.sigma",
                 "prices.demand_charge_cny_per_kw_month", "finance.lump_sum_subsidy_cny"):
        assert want in labels, want
    assert set(EXEMPT) <= labels, set(EXEMPT) - labels


@pytest.mark.slow  # about 20 s: some 200 prepares (see pyproject markers)
def test_every_numeric_field_changes_the_model_data_or_is_refused(base):
    folder, loaded, md0 = base
    dumped = loaded.scenario.model_dump()
    dead, unexercised, checked = [], [], 0
    for spath in _numeric_paths(Scenario):
        label = _label(spath)
        if label in EXEMPT:
            continue
        found = _instances(dumped, spath)
        if not found:
            unexercised.append(label)
            continue
        for i, (path, value) in enumerate(found):
            new = _new_value(path, value)
            f = _variant(folder, path, new, f"v{checked}_{i}")
            checked += 1
            try:
                md = prepare(load_scenario(f))
            except ScenarioError as exc:
                if not _names_field(exc, path):
                    dead.append(f"{_label(path)}: {value!r} -> {new!r} refused without naming it: {exc}")
                continue
            if _model_data_same(md0, md) and not _changes_hourly(folder, path, new, f"h{checked}_{i}"):
                dead.append(f"{_label(path)}: {value!r} -> {new!r} changes nothing")
    assert not unexercised, f"numeric fields the base scenario does not exercise: {unexercised}"
    assert not dead, "silently dead fields:\n" + "\n".join(dead)
    assert checked > 150


# --- the exempt fields take effect where they are used ---------------------------------------------


@pytest.fixture(scope="module")
def finance_inputs(tmp_path_factory):
    """Cash-flow inputs of a small solved plant with a retiring boiler (tests/test_finance.py)."""
    from pathway.finance.bau import finance_context
    from pathway.finance.cashflows import inputs_from_tables
    from pathway.runs.pipeline import run_file
    from tests.test_finance import RETIRING

    d = tmp_path_factory.mktemp("fin_walk")
    path = d / "retiring.yaml"
    path.write_text(yaml.safe_dump(RETIRING, sort_keys=False), encoding="utf-8")
    r = run_file(path)
    return inputs_from_tables(r.tables, finance_context(r.md))


def _finance_output(inp, settings):
    from pathway.finance.cashflows import compute_finance

    block, tables = compute_finance(inp, settings)
    return block, tables


def _outputs_same(a, b) -> bool:
    import pandas as pd

    (block_a, tables_a), (block_b, tables_b) = a, b
    if block_a != block_b or tables_a.keys() != tables_b.keys():
        return False
    return all(isinstance(tables_a[k], pd.DataFrame) and tables_a[k].equals(tables_b[k]) for k in tables_a)


@pytest.mark.slow
def test_exempt_fields_take_effect(base, finance_inputs):
    from pathway.inputs.inventory import baseline_inventory
    from pathway.runs.montecarlo import draw_samples

    folder, loaded, _md0 = base
    s0 = loaded.scenario
    dumped = s0.model_dump()
    fin0 = _finance_output(finance_inputs, s0.finance)
    draws0 = draw_samples(s0.uncertainty, s0.uncertainty.samples)
    inv0 = baseline_inventory(s0).totals
    seen = 0
    for spath in _numeric_paths(Scenario):
        label = _label(spath)
        if label not in EXEMPT:
            continue
        if label.startswith(("footprint.", "disclosure.")):  # walked in tests/test_footprint_cbam.py, tests/test_disclosure.py
            seen += 1
            continue
        for i, (path, value) in enumerate(_instances(dumped, spath)):
            if value is None and label.startswith("uncertainty.parameters"):
                continue  # a parameter of another distribution (a triangular has no mean): refused if given
            try:
                s = load_scenario(_variant(folder, path, _new_value(path, value), f"x{seen}_{i}")).scenario
            except ScenarioError:  # e.g. a triangular high below its mode: move it the other way
                s = load_scenario(_variant(folder, path, value * 1.1, f"x{seen}_{i}")).scenario
            seen += 1
            if label.startswith("finance."):
                assert not _outputs_same(fin0, _finance_output(finance_inputs, s.finance)), label
            elif label.startswith("uncertainty."):
                draws = draw_samples(s.uncertainty, s.uncertainty.samples)
                assert not (draws.shape == draws0.shape and np.array_equal(draws.to_numpy(), draws0.to_numpy())), label
            else:
                assert baseline_inventory(s).totals["intensity_market_t_per_unit"] != inv0["intensity_market_t_per_unit"], label
    assert seen >= len(EXEMPT)
