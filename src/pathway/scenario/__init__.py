"""Scenarios: the pydantic schema, YAML reading with ``extends``, and dotted field paths.

Imports only the core (``pathway.errors``). Checks against the bundled data live one layer
up, in ``pathway.reference.validate.load_scenario``."""

from pathway.scenario.loader import (
    LoadedScenario,
    canonical_sha256,
    deep_merge,
    read_scenario,
)
from pathway.scenario.schema import Scenario

__all__ = ["LoadedScenario", "Scenario", "canonical_sha256", "deep_merge", "read_scenario"]
