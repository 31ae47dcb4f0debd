"""Compatibility: ``pathway.loader`` moved to ``pathway.reference.validate`` (kept for the README and notebooks)."""

from pathway.reference.validate import *  # noqa: F401,F403
from pathway.reference.validate import load_scenario  # noqa: F401
