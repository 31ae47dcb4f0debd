"""Compatibility: ``pathway.inventory`` moved to ``pathway.inputs.inventory`` (kept for the README and notebooks)."""

from pathway.inputs.inventory import *  # noqa: F401,F403
from pathway.inputs.inventory import baseline_inventory  # noqa: F401
