"""The scenario fields that only change cost coefficients of the LP (or nothing in it): a
run that differs from another only there can re-solve that run's model (``solve.session``),
and a BAU twin's structure is its scenario without them (``runs.bau_cache``)."""

from __future__ import annotations

import fnmatch

MUTABLE_FIELDS = (
    "prices.gec_cny_per_mwh",
    "prices.green_power_premium_cny_per_mwh",
    "prices.ccer_cny_per_t",
    "prices.nature_removal_cny_per_t",
    "prices.carbon_price_cny_per_t",
    "prices.carbon_price_growth_per_yr",
    "technologies.*.capex_*",
    "technologies.*.subsidy_cny_per_kw",
    "technologies.ccus.opex_cny_per_t",
    "technologies.ccus.transport_storage_cny_per_t",
    "finance",
    "finance.*",
    "uncertainty",
    "uncertainty.*",
    "name",
    "description",
)


def is_mutable(path: str) -> bool:
    """True when the dotted field ``path`` only changes cost coefficients (MUTABLE_FIELDS)."""
    return any(fnmatch.fnmatchcase(path, pat) for pat in MUTABLE_FIELDS)


def strip_mutable(node, prefix: str = ""):
    """Scenario data (nested dicts) without its MUTABLE_FIELDS."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            p = f"{prefix}.{k}" if prefix else str(k)
            if is_mutable(p):
                continue
            out[k] = strip_mutable(v, p)
        return out
    return node
