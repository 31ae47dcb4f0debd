"""Emission factors shipped with the package, resolved for one scenario.

Fuel factors follow GB/T 32150: EF = NCV x carbon content x oxidation rate x 44/12.
Grid factors are the MEE/NBS published values; a scenario may override any factor and
give the grid factor a path to the end year (an annual decline or explicit values).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import Problem
from .schema import FUEL_FIELDS, Scenario

DATA = resources.files("pathway") / "data"
CO2_PER_C = 44.0 / 12.0


def read_data_csv(name: str) -> pd.DataFrame:
    """Read a bundled data table (every row carries its source)."""
    with resources.as_file(DATA / name) as p:
        return pd.read_csv(p, comment=None, keep_default_na=True)


@cache
def fuel_factors() -> pd.DataFrame:
    df = read_data_csv("fuel_factors.csv").set_index("fuel")
    return df


@cache
def grid_factors() -> pd.DataFrame:
    return read_data_csv("grid_factors.csv")


@dataclass(frozen=True)
class Factor:
    """One emission factor with its provenance, as printed beside an inventory line."""

    value: float  # tCO2 per unit
    unit: str  # e.g. 'tCO2/m3', 'tCO2/MWh'
    name: str  # e.g. 'natural_gas (GB/T 32150 default)'
    source: str


def fuel_factor(scenario: Scenario, fuel: str) -> Factor:
    """Factor of a fuel in tCO2 per trade unit, the scenario's override first."""
    table = fuel_factors()
    row = table.loc[fuel]
    unit = str(row["unit"])
    override_field = f"{fuel}_tco2_per_{unit}"
    override = getattr(scenario.emission_factors, override_field, None)
    if override is not None:
        return Factor(float(override), f"tCO2/{unit}", f"{fuel} (scenario override)", "scenario emission_factors." + override_field)
    if pd.notna(row["carbon_content_tc_per_gj"]) and pd.notna(row["oxidation_rate"]):
        # EF = NCV x CC x OF x 44/12, from the published components (not a rounded EF)
        ef = float(row["ncv_gj_per_unit"]) * float(row["carbon_content_tc_per_gj"]) * float(row["oxidation_rate"]) * CO2_PER_C
        name = (f"{fuel}: NCV {row['ncv_gj_per_unit']:g} GJ/{unit} x CC {row['carbon_content_tc_per_gj']:g} tC/GJ"
                f" x OF {row['oxidation_rate']:g} x 44/12")
        return Factor(ef, f"tCO2/{unit}", name, str(row["source"]))
    return Factor(float(row["ef_tco2_per_unit"]), f"tCO2/{unit}", f"{fuel} (default)", str(row["source"]))


def fuel_ncv_gj(fuel: str) -> float:
    """Net calorific value, GJ per trade unit."""
    return float(fuel_factors().loc[fuel, "ncv_gj_per_unit"])


def fuel_unit(fuel: str) -> str:
    return str(fuel_factors().loc[fuel, "unit"])


def _published(factor_id: str, region: str, year: int) -> pd.Series | None:
    g = grid_factors()
    rows = g[(g.factor_id == factor_id) & (g.region == region) & (g.year == year)]
    return None if rows.empty else rows.iloc[0]


def grid_factor_series(scenario: Scenario, method: str) -> dict[int, Factor]:
    """Grid factor by year from base to end year, tCO2/MWh.

    ``method`` is 'location' (national average or regional grid) or 'market' (the
    residual factor that excludes market-traded non-fossil power, applied to grid
    electricity not covered by green power or certificates).
    f(y) = explicit value if given, else f0 x (1 - decline)^(max(0, y - y0)) with
    y0 = max(base_year, factor_year): the base-year inventory uses the published factor.
    """
    g = scenario.grid
    h = scenario.horizon
    if method == "location":
        explicit, override = g.location_values, g.location_tco2_per_mwh
        if g.location_method == "regional":
            fid, region = "grid_regional", scenario.factory.grid_region.value
        else:
            fid, region = "grid_average", "national"
    else:
        explicit, override = g.residual_mix_values, g.residual_mix_tco2_per_mwh
        fid, region = "grid_residual_mix", "national"
    if override is not None:
        f0, name, source = float(override), f"{fid} (scenario override)", f"scenario grid.{'location_tco2_per_mwh' if method == 'location' else 'residual_mix_tco2_per_mwh'}"
    else:
        row = _published(fid, region, g.factor_year)
        if row is None:  # guarded by check_references; keep a clear message anyway
            raise KeyError(f"no published {fid} factor for {region} {g.factor_year}")
        f0 = float(row["value_tco2_per_mwh"])
        name, source = f"{fid} {region} {g.factor_year}", str(row["source"])
    out = {}
    for y in range(h.base_year, h.end_year + 1):
        if y in explicit:
            out[y] = Factor(float(explicit[y]), "tCO2/MWh", f"{fid} {y} (scenario value)", "scenario grid values")
        else:
            k = max(0, y - max(h.base_year, g.factor_year))
            val = f0 * (1 - g.decline_per_yr) ** k
            label = name if g.decline_per_yr == 0 or k == 0 else f"{name} x (1-{g.decline_per_yr:g})^{k}"
            out[y] = Factor(val, "tCO2/MWh", label, source)
    return out


def check_references(scenario: Scenario, locs: dict, default_file: str) -> list[Problem]:
    """Cross-checks against bundled data: factors, presets, tariffs and CSV files exist."""
    from .loader import _field_path, _locate  # shared location lookup

    problems: list[Problem] = []

    def add(loc: tuple, msg: str) -> None:
        file, line = _locate(loc, locs, default_file)
        problems.append(Problem(file, _field_path(loc), msg, line))

    g = scenario.grid
    if g.location_tco2_per_mwh is None:
        if g.location_method == "regional":
            fid, region = "grid_regional", scenario.factory.grid_region.value
        else:
            fid, region = "grid_average", "national"
        if _published(fid, region, g.factor_year) is None:
            years = sorted(set(grid_factors().query("factor_id == @fid and region == @region").year))
            add(("grid", "factor_year"), f"no published {fid} factor for {region} in {g.factor_year}; expected one of {years}")
    if g.residual_mix_tco2_per_mwh is None and _published("grid_residual_mix", "national", g.factor_year) is None:
        years = sorted(set(grid_factors().query("factor_id == 'grid_residual_mix'").year))
        add(("grid", "factor_year"), f"no published residual-mix factor for {g.factor_year}; expected one of {years}")

    from .presets import preset_ids

    if scenario.target.preset not in preset_ids():
        add(("target", "preset"), f"unknown preset {scenario.target.preset!r}; expected one of {sorted(preset_ids())}")

    from .tariffs import tou_provinces

    p = scenario.prices
    if p.tou_periods is None and p.tou_province is not None and p.tou_province not in tou_provinces():
        add(("prices", "tou_province"), f"no bundled TOU tariff for {p.tou_province!r}; expected one of {sorted(tou_provinces())} or give tou_periods")

    if p.tou_periods is None and p.tou_province is None and p.flat_electricity_cny_per_kwh is None:
        add(("prices",), "no electricity price: expected prices.tou_periods, prices.tou_province or "
                         "prices.flat_electricity_cny_per_kwh")
    if p.tou_periods:
        from .tariffs import hourly_price_cny_per_kwh, parse_hours

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
