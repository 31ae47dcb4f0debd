"""A scenario checked against the bundled reference data: factors, presets, tariffs and the
CSV files it names exist. ``load_scenario`` is the one way the later layers read a scenario:
schema validation (``pathway.scenario``) followed by these checks."""

from __future__ import annotations

import re
from pathlib import Path

from pathway.errors import Problem, ScenarioError
from pathway.reference.factors import _published, fuel_factors, grid_factors, location_factor_id, provinces_with_factor
from pathway.reference.presets import preset_ids
from pathway.reference.tariffs import (
    hourly_price_cny_per_kwh,
    parse_hours,
    tou_provinces,
)
from pathway.scenario.loader import LoadedScenario, _field_path, _locate, read_scenario
from pathway.scenario.schema import FUEL_FIELDS, MOBILE_FUELS, Scenario


def load_scenario(path: str | Path, overrides: dict | None = None) -> LoadedScenario:
    """Load, merge and validate a scenario file, then check its references to the bundled
    data. Raises ScenarioError listing every problem."""
    loaded = read_scenario(path, overrides)
    problems = magnitude_problems(loaded.scenario, loaded.locations, str(loaded.path))
    problems += check_references(loaded.scenario, loaded.locations, str(loaded.path))
    if problems:
        raise ScenarioError(problems)
    loaded.warnings = scenario_warnings(loaded.scenario, loaded.locations, str(loaded.path))
    return loaded


MAX_INPUT_MAGNITUDE = 1e10  # measured: electricity_mwh 1e10 solves and passes the post-solve identities, 1e12
                            # fails them (LP coefficients span too many orders of magnitude for double precision)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not storable in a workbook cell, invisible in a report


def magnitude_problems(scenario: Scenario, locs: dict, default_file: str) -> list[Problem]:
    """Every number of the scenario is at most ``MAX_INPUT_MAGNITUDE`` in magnitude: larger
    inputs (no factory comes near: 1e10 MWh, CNY or t) make the LP numerically unsolvable,
    so they are refused here rather than failing the solve. Every string is free of control
    characters (other than tab and line breaks), which results.xlsx cannot store."""
    problems: list[Problem] = []

    def walk(value, loc: tuple) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, (*loc, k))
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, (*loc, i))
        elif isinstance(value, str) and (m := _CONTROL.search(value)):
            file, line = _locate(loc, locs, default_file)
            problems.append(Problem(file, _field_path(loc), f"control character U+{ord(m.group()):04X} in {value!r}; "
                                                            "expected printable text", line))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_INPUT_MAGNITUDE:
            file, line = _locate(loc, locs, default_file)
            problems.append(Problem(file, _field_path(loc), f"{value:g} is too large for the optimiser; expected a "
                                                            f"magnitude of at most {MAX_INPUT_MAGNITUDE:g}", line))

    walk(scenario.model_dump(), ())
    return problems


def scenario_warnings(scenario: Scenario, locs: dict, default_file: str) -> list[Problem]:
    """What is valid but probably not meant: stationary fuel (or purchased heat) that no heat
    load's ``fuel_share`` covers. Its CO2 stays in the inventory and no lever of the model can
    reduce it (only CCUS on combustion CO2 can capture it); mobile fuels (diesel, gasoline)
    are outside the heat loads by design and not warned about."""
    out: list[Problem] = []
    b = scenario.baseline
    shares: dict[str, float] = {}
    for hl in b.heat_loads:
        shares[hl.fuel] = shares.get(hl.fuel, 0.0) + hl.fuel_share
    amounts = [(("baseline", "fuels", fld), fuel, getattr(b.fuels, fld), fld.rsplit("_", 1)[-1])
               for fld, fuel in FUEL_FIELDS.items() if fuel not in MOBILE_FUELS]
    amounts.append((("baseline", "purchased_heat_gj"), "purchased_heat", b.purchased_heat_gj, "GJ"))
    for loc, fuel, amount, unit in amounts:
        rest = 1.0 - shares.get(fuel, 0.0)
        if amount > 0 and rest > 1e-9:
            file, line = _locate(loc, locs, default_file)
            out.append(Problem(file, _field_path(loc),
                               f"{rest:.0%} of the {fuel} ({amount * rest:,.6g} {unit}/yr) is not assigned to any heat "
                               "load (baseline.heat_loads fuel_share): its CO2 is counted but no lever can reduce it",
                               line))
    return out


def check_references(scenario: Scenario, locs: dict, default_file: str) -> list[Problem]:
    """Cross-checks against bundled data: factors, presets, tariffs and CSV files exist."""
    problems: list[Problem] = []

    def add(loc: tuple, msg: str) -> None:
        file, line = _locate(loc, locs, default_file)
        problems.append(Problem(file, _field_path(loc), msg, line))

    g = scenario.grid
    if g.location_tco2_per_mwh is None:
        fid, region = location_factor_id(scenario)
        if g.level == "provincial" and not scenario.factory.province:
            add(("grid", "factor_level"), "factor_level provincial needs factory.province")
        elif g.level == "provincial" and _published(fid, region, g.factor_year) is None:
            have = provinces_with_factor(g.factor_year)
            years = sorted(set(grid_factors().query("factor_id == @fid and region == @region").year))
            add(("grid", "factor_level"),
                f"no published grid_provincial factor for {region} in {g.factor_year}"
                + (f" (published for {region} in {years})" if years else "")
                + f"; expected factory.province to be one of {', '.join(have) or 'none'} for factor_year {g.factor_year}, "
                  "or grid.factor_level national/regional, or grid.location_tco2_per_mwh")
        elif _published(fid, region, g.factor_year) is None:
            years = sorted(set(grid_factors().query("factor_id == @fid and region == @region").year))
            add(("grid", "factor_year"), f"no published {fid} factor for {region} in {g.factor_year}; expected one of {years}")
    if g.residual_mix_tco2_per_mwh is None and _published("grid_residual_mix", "national", g.factor_year) is None:
        years = sorted(set(grid_factors().query("factor_id == 'grid_residual_mix'").year))
        add(("grid", "factor_year"), f"no published residual-mix factor for {g.factor_year}; expected one of {years}")

    if scenario.target.preset not in preset_ids():
        add(("target", "preset"), f"unknown preset {scenario.target.preset!r}; expected one of {sorted(preset_ids())}")

    p = scenario.prices
    if p.tou_periods is None and p.tou_province is not None and p.tou_province not in tou_provinces():
        add(("prices", "tou_province"), f"no bundled TOU tariff for {p.tou_province!r}; expected one of {sorted(tou_provinces())} or give tou_periods")

    if p.flat_electricity_cny_per_kwh is not None and (p.tou_periods or p.tou_province is not None):
        add(("prices", "flat_electricity_cny_per_kwh"),
            "a TOU tariff (prices.tou_periods or prices.tou_province) sets every hour's price, so a flat price would be "
            "ignored; expected either the TOU tariff or flat_electricity_cny_per_kwh, not both")
    if p.tou_periods is None and p.tou_province is None and p.flat_electricity_cny_per_kwh is None:
        add(("prices",), "no electricity price: expected prices.tou_periods, prices.tou_province or "
                         "prices.flat_electricity_cny_per_kwh")
    if p.tou_periods:
        bad = False
        for i, period in enumerate(p.tou_periods):
            try:
                parse_hours(period.hours)
            except ValueError as exc:
                add(("prices", "tou_periods", i, "hours"), str(exc))
                bad = True
        if not bad:
            try:
                hourly_price_cny_per_kwh(scenario)
            except ValueError as exc:
                add(("prices", "tou_periods"), f"{exc}; expected every hour 0-23 of every month covered")

    profiles = [(("baseline", "electricity_profile"), scenario.baseline.electricity_profile)]
    profiles += [(("baseline", "heat_loads", i, "profile"), hl.profile)
                 for i, hl in enumerate(scenario.baseline.heat_loads) if hl.profile is not None]
    if scenario.technologies.pv is not None and scenario.technologies.pv.profile is not None:
        profiles.append((("technologies", "pv", "profile"), scenario.technologies.pv.profile))
    for loc, prof in profiles:
        if prof.shape == "csv":
            file, _line = _locate((*loc, "csv"), locs, default_file)
            csv_path = Path(file).parent / str(prof.csv)
            if not csv_path.is_file():
                add((*loc, "csv"), f"profile CSV not found: {csv_path}")
    for fuel_field, fuel in FUEL_FIELDS.items():
        if fuel not in fuel_factors().index:
            add(("baseline", "fuels", fuel_field), f"no emission factor for {fuel} in the bundled data")
    return problems
