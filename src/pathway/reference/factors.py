"""Emission factors shipped with the package, resolved for one scenario.

Fuel factors follow GB/T 32150: EF = NCV x carbon content x oxidation rate x 44/12.
Grid factors are the MEE/NBS published values; a scenario may override any factor and
give the grid factor a path to the end year (an annual decline or explicit values).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from pathway.reference.data import read_data_csv
from pathway.scenario.schema import Scenario
from pathway.units import CO2_PER_C


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
    override_field = f"{fuel}_tco2_per_{unit.lower()}"  # the schema's names are lower case: ..._per_gj, not ..._per_GJ
    override = getattr(scenario.emission_factors, override_field, None)
    if override is not None:
        return Factor(float(override), f"tCO2/{unit}", f"{fuel} (scenario override)", "scenario emission_factors." + override_field)
    return default_fuel_factor(fuel)


def default_fuel_factor(fuel: str) -> Factor:
    """The bundled factor of a fuel in tCO2 per trade unit (GB/T 32150 components)."""
    row = fuel_factors().loc[fuel]
    unit = str(row["unit"])
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


def provinces_with_factor(year: int) -> list[str]:
    """Provinces (lower-case pinyin) with a published grid_provincial factor for ``year``."""
    g = grid_factors()
    return sorted(g[(g.factor_id == "grid_provincial") & (g.year == year)].region)


def location_factor_id(scenario: Scenario) -> tuple[str, str]:
    """(factor_id, region) of the location-based factor the scenario asks for (grid.factor_level)."""
    level = scenario.grid.level
    if level == "regional":
        return "grid_regional", scenario.factory.grid_region.value
    if level == "provincial":
        return "grid_provincial", str(scenario.factory.province or "")
    return "grid_average", "national"


def grid_factor_series(scenario: Scenario, method: str) -> dict[int, Factor]:
    """Grid factor by year from base to end year, tCO2/MWh.

    ``method`` is 'location' (national average, regional grid or province, by
    grid.factor_level) or 'market' (the residual factor that excludes market-traded
    non-fossil power, applied to grid electricity not covered by green power or
    certificates).
    f(y) = explicit value if given, else f0 x (1 - d)^(max(0, y - y0)) with
    y0 = max(base_year, factor_year) (the base-year inventory uses the published factor)
    and d = grid.decline_per_yr for the location-based factor, grid.residual_mix_decline_per_yr
    for the residual factor (each its own trend).
    """
    g = scenario.grid
    h = scenario.horizon
    if method == "location":
        explicit, override, decline = g.location_values, g.location_tco2_per_mwh, g.decline_per_yr
        fid, region = location_factor_id(scenario)
    else:
        explicit, override, decline = g.residual_mix_values, g.residual_mix_tco2_per_mwh, g.residual_mix_decline_per_yr
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
            val = f0 * (1 - decline) ** k
            label = name if decline == 0 or k == 0 else f"{name} x (1-{decline:g})^{k}"
            out[y] = Factor(val, "tCO2/MWh", label, source)
    return out
