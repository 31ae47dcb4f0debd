"""The technology registry and the abatement levers: for every technology key of the
capacity, builds and capex tables, its lever, capacity unit, carrier and cost fields; the
levers' fixed attribution order and the cost categories that are a lever's purchases.
Core layer: no imports from the rest of the package. Every list of technologies in the
package is derived from here."""

from __future__ import annotations

from dataclasses import dataclass

LEVER_ORDER = (
    "efficiency",
    "electrification_and_fuel_switch",
    "onsite_pv",
    "storage",
    "green_power",
    "green_certificates",
    "ccus_net_of_penalty",
    "offsets",
)
LEVER_PURCHASES: dict[str, tuple[str, ...]] = {
    # cost categories (costs table) that are the purchase / variable cost of a lever
    "storage": ("battery_degradation",),
    "green_power": ("green_power_premium", "direct_line_energy", "direct_line_fixed_om"),
    "green_certificates": ("green_certificates",),
    "ccus_net_of_penalty": ("ccus_variable",),
    "offsets": ("offsets",),
}


@dataclass(frozen=True)
class Technology:
    """One investable technology, as it appears in the result tables.

    ``capacity_unit`` is the unit of the capacity and builds tables (capex per unit is
    per this unit). ``kind``: heater, storage, generator, measure (efficiency) or capture.
    ``carrier``: what it supplies, stores or saves. ``cost_fields``: the scenario's and
    catalogue's cost parameters of the technology. ``fom_per_kw``: its fixed O&M is a
    rate per kW (x 1000 per MW of the capacity table) that the model charges: the scenario's
    ``fom_cny_per_kw_yr``, else the catalogue's (else 0: gas_boiler has no catalogue rate).
    """

    key: str
    lever: str
    kind: str
    capacity_unit: str
    carrier: str
    cost_fields: tuple[str, ...]
    fom_per_kw: bool = False


_HEATER_COSTS = ("capex_cny_per_kw_th", "fom_cny_per_kw_yr", "subsidy_cny_per_kw")
_EFF_COSTS = ("capex_cny_per_mwh_saved_yr",)
ELECTRIFICATION = "electrification_and_fuel_switch"

TECHNOLOGIES: dict[str, Technology] = {t.key: t for t in (
    Technology("pv", "onsite_pv", "generator", "MW", "electricity",
               ("capex_cny_per_kw", "fom_cny_per_kw_yr", "subsidy_cny_per_kw"), fom_per_kw=True),
    Technology("battery_energy", "storage", "storage", "MWh", "electricity", ("capex_energy_cny_per_kwh",)),
    Technology("battery_power", "storage", "storage", "MW", "electricity",
               ("capex_power_cny_per_kw", "fom_cny_per_kw_yr", "subsidy_cny_per_kw"), fom_per_kw=True),
    Technology("heat_pump_low", ELECTRIFICATION, "heater", "MW_th", "heat", _HEATER_COSTS, fom_per_kw=True),
    Technology("heat_pump_high", ELECTRIFICATION, "heater", "MW_th", "heat", _HEATER_COSTS, fom_per_kw=True),
    Technology("electric_boiler", ELECTRIFICATION, "heater", "MW_th", "heat", _HEATER_COSTS, fom_per_kw=True),
    # gas_boiler has no catalogue O&M row: its fixed O&M is the scenario's fom_cny_per_kw_yr, 0 when not given
    Technology("gas_boiler", ELECTRIFICATION, "heater", "MW_th", "heat", _HEATER_COSTS, fom_per_kw=True),
    Technology("biomass_boiler", ELECTRIFICATION, "heater", "MW_th", "heat", _HEATER_COSTS, fom_per_kw=True),
    Technology("thermal_storage", ELECTRIFICATION, "storage", "MWh_th", "heat", ("capex_cny_per_kwh_th",)),
    Technology("ccus", "ccus_net_of_penalty", "capture", "t/yr", "co2",
               ("capex_cny_per_t_yr", "opex_cny_per_t", "transport_storage_cny_per_t")),
    Technology("eff_motors_vfd", "efficiency", "measure", "share", "electricity", _EFF_COSTS),
    Technology("eff_compressed_air", "efficiency", "measure", "share", "electricity", _EFF_COSTS),
    Technology("eff_lighting", "efficiency", "measure", "share", "electricity", _EFF_COSTS),
    Technology("eff_hvac", "efficiency", "measure", "share", "electricity", _EFF_COSTS),
    Technology("eff_waste_heat_recovery", "efficiency", "measure", "share", "heat", _EFF_COSTS),
    # a direct green-power line (绿电直连, scenario block direct_line): the line's capacity, green power's lever
    Technology("direct_line", "green_power", "line", "MW", "electricity", ("line_capex_cny_per_kw", "line_fom_cny_per_kw_yr")),
)}

HEAT_TECHS = tuple(k for k, t in TECHNOLOGIES.items() if t.kind == "heater")
EFFICIENCY_MEASURES = tuple(k for k, t in TECHNOLOGIES.items() if t.kind == "measure")
EFFICIENCY_CARRIER = {k: TECHNOLOGIES[k].carrier for k in EFFICIENCY_MEASURES}
LEVER_TECHNOLOGIES: dict[str, tuple[str, ...]] = {
    lever: tuple(k for k, t in TECHNOLOGIES.items() if t.lever == lever) for lever in LEVER_ORDER}


def technology(key: str) -> Technology:
    """The registry entry of a technology key (raises KeyError naming the known keys)."""
    try:
        return TECHNOLOGIES[key]
    except KeyError:
        raise KeyError(f"unknown technology '{key}'; expected one of {sorted(TECHNOLOGIES)}") from None


def lever_of(key: str) -> str:
    """The lever a technology key belongs to (eff_* -> efficiency, pv -> onsite_pv, ...)."""
    return technology(key).lever


def capacity_unit(key: str) -> str:
    """Unit of the technology's capacity (MW, MWh, MW_th, MWh_th, t/yr, share)."""
    return technology(key).capacity_unit


def fom_rated(key: str) -> bool:
    """True when the technology's fixed O&M is a per-kW catalogue rate the model charges."""
    return technology(key).fom_per_kw
