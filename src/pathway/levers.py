"""The abatement levers, their fixed attribution order, and which technologies and cost
categories belong to each (no Pyomo here: results, charts and finance all use it)."""

from __future__ import annotations

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
LEVER_TECHNOLOGIES: dict[str, tuple[str, ...]] = {
    # prefixes of technology keys (capex/capacity tables) that belong to each lever
    "efficiency": ("eff_",),
    "electrification_and_fuel_switch": ("heat_pump_", "electric_boiler", "thermal_storage", "gas_boiler", "biomass_boiler"),
    "onsite_pv": ("pv",),
    "storage": ("battery_",),
    "green_power": (),
    "green_certificates": (),
    "ccus_net_of_penalty": ("ccus",),
    "offsets": (),
}
LEVER_PURCHASES: dict[str, tuple[str, ...]] = {
    # cost categories (costs table) that are the purchase / variable cost of a lever
    "green_power": ("green_power_premium",),
    "green_certificates": ("green_certificates",),
    "ccus_net_of_penalty": ("ccus_variable",),
    "offsets": ("offsets",),
}


def lever_of(technology: str) -> str | None:
    """The lever a technology key belongs to (eff_* -> efficiency, pv -> onsite_pv, ...)."""
    for lever, prefixes in LEVER_TECHNOLOGIES.items():
        if any(technology == p or technology.startswith(p) for p in prefixes):
            return lever
    return None
