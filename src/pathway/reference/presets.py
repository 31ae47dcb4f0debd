"""Target rule presets (data/target_presets.yaml) and the rule a scenario ends up with."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from pathway.reference.data import DATA
from pathway.scenario.schema import Scenario

RULE_FIELDS = (
    "min_own_reduction_share",
    "max_net_emissions_share",
    "max_offset_share",
    "min_green_electricity_share",
    "offsets_allowed_before_target_year",
    "certificates_count_as_own_reduction",
    "green_power_counts_as_own_reduction",
)


@cache
def presets() -> dict[str, dict]:
    """All presets by id; 'custom' always exists with no requirement set."""
    data = yaml.safe_load((DATA / "target_presets.yaml").read_text(encoding="utf-8")) or {}
    data.setdefault("custom", {f: None for f in RULE_FIELDS} | {"source": "user-defined", "estimate": False})
    return data


def preset_ids() -> set[str]:
    return set(presets())


@dataclass(frozen=True)
class TargetRule:
    """The near-zero condition, as shares of base-year emissions (scope 1+2)."""

    preset: str
    min_own_reduction_share: float | None
    max_net_emissions_share: float | None
    max_offset_share: float | None
    min_green_electricity_share: float | None
    offsets_allowed_before_target_year: bool
    source: str
    # contractual instruments: do they lower the emissions the own-reduction rule measures?
    certificates_count_as_own_reduction: bool = True
    green_power_counts_as_own_reduction: bool = True


def target_rule(scenario: Scenario) -> TargetRule:
    """Preset values, each overridden by the scenario's explicit number where given."""
    t = scenario.target
    base = presets()[t.preset]
    vals = {}
    for f in RULE_FIELDS:
        own = getattr(t, f)
        vals[f] = own if own is not None else base.get(f)
    return TargetRule(
        preset=t.preset,
        min_own_reduction_share=vals["min_own_reduction_share"],
        max_net_emissions_share=vals["max_net_emissions_share"],
        max_offset_share=vals["max_offset_share"],
        min_green_electricity_share=vals["min_green_electricity_share"],
        offsets_allowed_before_target_year=bool(vals["offsets_allowed_before_target_year"] or False),
        source=str(base.get("source", "")),
        certificates_count_as_own_reduction=_flag(vals["certificates_count_as_own_reduction"]),
        green_power_counts_as_own_reduction=_flag(vals["green_power_counts_as_own_reduction"]),
    )


def _flag(value) -> bool:
    """A preset's boolean rule; unset (None) counts as True, the market-based reading."""
    return True if value is None else bool(value)
