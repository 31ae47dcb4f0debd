"""A commented starter scenario for a sector and a province (``pathway init``), built from
the bundled catalogue: it validates as written and solves, and every number in it is
either a catalogue default (left to the catalogue: ``{}``) or a placeholder the planner
replaces with the plant's own figure (marked ``# <- your plant``)."""

from __future__ import annotations

from dataclasses import dataclass

from pathway.reference.catalogue import default_price
from pathway.reference.tariffs import tou_provinces

SECTORS_2027 = ("automotive", "lithium_battery", "photovoltaic", "electronics", "light_industry", "machinery",
                "computing_facility")  # 工信部联节〔2026〕13号: first wave to 2027; the rest to 2030


@dataclass(frozen=True)
class Place:
    grid_region: str
    city: str
    latitude_deg: float
    longitude_deg: float


# provinces with a bundled time-of-use tariff, and a representative city for the PV profile
PLACES = {
    "jiangsu": Place("east", "Suzhou", 31.30, 120.62),
    "zhejiang": Place("east", "Hangzhou", 30.27, 120.16),
    "guangdong": Place("south", "Guangzhou", 23.13, 113.26),
}


def provinces() -> list[str]:
    """Provinces ``init`` can write a scenario for: a bundled tariff and a known place."""
    return sorted(p for p in PLACES if p in tou_provinces())


def starter_yaml(sector: str, province: str) -> str:
    """The starter scenario as commented YAML (raises ValueError for an unknown province)."""
    if province not in provinces():
        raise ValueError(f"no bundled tariff for province {province!r}; expected one of {', '.join(provinces())}")
    place = PLACES[province]
    target_year = 2027 if sector in SECTORS_2027 else 2030
    heat = sector != "computing_facility"
    gas = default_price("natural_gas_cny_per_m3", 2025, province)
    lines = [
        f"# Starter scenario written by `pathway init --sector {sector} --province {province}`.",
        "# Replace the numbers marked '<- your plant' with the plant's own; technologies left as {}",
        "# take the sourced catalogue defaults (`pathway catalogue --province " + province + "` lists them).",
        "# Check it with `pathway validate FILE`; run it with `pathway run FILE --out DIR`.",
        "# yaml-language-server: $schema=scenario.schema.json   (write it with `pathway schema > scenario.schema.json`)",
        f"name: {sector}_{province}_{target_year}",
        f"description: {sector.replace('_', ' ')} plant in {place.city} ({province}), {target_year} target",
        "factory:",
        f"  name: My {sector.replace('_', ' ')} plant          # <- your plant",
        f"  sector: {sector}",
        f"  province: {province}",
        f"  grid_region: {place.grid_region}",
        f"  latitude_deg: {place.latitude_deg}                 # {place.city}; <- your site",
        f"  longitude_deg: {place.longitude_deg}",
        "horizon:",
        "  base_year: 2025                  # the inventory year",
        f"  target_year: {target_year}                # 2027 for the guidance's first sectors, 2030 for the rest",
        f"  end_year: {target_year + 3}",
        "  discount_rate: 0.06              # real, per year",
        "time:",
        "  mode: representative_days        # or hourly (all 8,760 hours; minutes instead of seconds)",
        "  representative_days: 12",
        "production:",
        "  output_per_yr: 100000            # <- your plant",
        "  unit: t",
        "  growth_per_yr: 0.03",
        "baseline:",
        "  electricity_mwh: 20000           # <- your plant: purchased electricity in the base year",
        f"  electricity_profile: {{shape: {'three_shift' if sector == 'computing_facility' else 'two_shift'}}}   # flat | one_shift | two_shift | three_shift | csv",
    ]
    if heat:
        lines += [
            "  fuels: {natural_gas_m3: 600000}   # <- your plant",
            "  heat_loads:                      # what the fuel heats today, by temperature",
            "    - {name: process_hot_water, temperature_c: 70, fuel: natural_gas, fuel_share: 1.0, boiler_efficiency: 0.9}",
        ]
    lines += [
        "prices:",
        f"  tou_province: {province}           # the bundled time-of-use tariff",
    ]
    if heat:
        lines.append(f"  natural_gas_cny_per_m3: {gas:g}      # catalogue default for {province}; <- your contract")
    lines += [
        "technologies:",
        "  pv: {roof_area_m2: 20000}        # <- your usable roof",
        "  battery: {}",
    ]
    if heat:
        lines.append("  heat_pump_low: {}")
    lines += [
        "  efficiency: {eff_motors_vfd: {}, eff_lighting: {}, eff_compressed_air: {}}",
        "  green_power: {}",
        "  green_certificates: {}",
        "  offsets: {}",
        "target:",
        "  preset: national                 # national | jiangsu_zero | jiangsu_near_zero | ceca_6star | suzhou_sip | custom",
        "  # certificates_count_as_own_reduction: false   # a stricter reading: certificates do not count as own reduction",
        "finance: {loan_to_cost: 0.7, tenor_years: 5, interest_rate: 0.035, min_dscr: 1.2}",
        "",
    ]
    return "\n".join(lines)
