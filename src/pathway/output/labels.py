"""Labels and colours of everything a chart or table names: one colour per lever,
technology and energy source (the same in every chart), and its label in each language."""

from __future__ import annotations

import hashlib

from pathway.output.messages import LANGS, by_lang, check_lang, font_stack  # noqa: F401  (LANGS re-exported)

PALETTE: dict[str, str] = {
    # waterfall anchors
    "baseline": "#455a64",
    "residual": "#263238",
    "emissions_before_offsets": "#607d8b",
    "growth_and_grid_factor": "#b0bec5",
    # levers (LEVER_ORDER)
    "efficiency": "#2e7d32",
    "electrification_and_fuel_switch": "#ef6c00",
    "onsite_pv": "#f9a825",
    "storage": "#7b1fa2",
    "green_power": "#00897b",
    "green_certificates": "#4db6ac",
    "ccus_net_of_penalty": "#6d4c41",
    "offsets": "#1565c0",
    # technologies (same family colour as their lever)
    "pv": "#f9a825",
    "direct_line": "#2e7d32",
    "battery_energy": "#7b1fa2",
    "battery_power": "#ba68c8",
    "heat_pump_low": "#ef6c00",
    "heat_pump_high": "#bf360c",
    "electric_boiler": "#ffb74d",
    "thermal_storage": "#ff8a65",
    "gas_boiler": "#e57373",
    "biomass_boiler": "#a1887f",
    "ccus": "#6d4c41",
    "eff_motors_vfd": "#1b5e20",
    "eff_compressed_air": "#43a047",
    "eff_lighting": "#81c784",
    "eff_hvac": "#558b2f",
    "eff_waste_heat_recovery": "#9ccc65",
    # emission sources and energy carriers
    "grid_electricity": "#78909c",
    "natural_gas": "#c62828",
    "other_fuels": "#8d6e63",
    "purchased_heat": "#ec407a",
    "process": "#ad1457",
    "ccus_capture": "#6d4c41",
    "own_reduction": "#c8e6c9",
    "net_emissions": "#000000",
    "ceiling": "#d32f2f",
    "marginal_abatement_cost": "#d32f2f",
    "battery_discharge": "#7b1fa2",
    "battery_charge": "#ce93d8",
    "pv_export": "#fff176",
    "demand": "#000000",
    "total_load": "#37474f",
    "price": "#d32f2f",
    "cumulative": "#263238",
    "subsidy": "#90caf9",
    # cost categories
    "battery_degradation": "#9575cd",
    "cbam_ets": "#5d4037",
}


_FALLBACK = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


SCENARIO_COLOURS = ("#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#5d4037", "#ad1457")


def colour(key: str) -> str:
    """The fixed colour of a lever, technology or source (a stable fallback for new keys)."""
    if key in PALETTE:
        return PALETTE[key]
    for prefix in ("heat_pump", "eff_", "battery", "ccus"):
        if key.startswith(prefix):
            base = next(k for k in PALETTE if k.startswith(prefix))
            return PALETTE[base]
    h = int(hashlib.sha1(key.encode()).hexdigest(), 16)
    return _FALLBACK[h % len(_FALLBACK)]


# the chart labels of the message catalogue (messages.yaml, section "labels"), by language
LABELS: dict[str, dict[str, str]] = by_lang("labels")


def label(key: str, lang: str = "en", **fmt) -> str:
    """The label of a key in ``lang``; unknown keys fall back to English, then to the key."""
    _check_lang(lang)
    text = LABELS[lang].get(key) or LABELS["en"].get(key) or key.replace("_", " ")
    return text.format(**fmt) if fmt else text


def _check_lang(lang: str) -> None:
    check_lang(lang)


# chart text: Latin fonts, then the CJK stack of stock Windows / macOS / Linux (see messages.font_stack)
FONT = font_stack("en")
