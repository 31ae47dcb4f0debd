"""Compatibility: ``pathway.run`` moved to ``pathway.runs.pipeline`` (kept for the README and notebooks)."""

from pathway.runs.pipeline import *  # noqa: F401,F403
from pathway.runs.pipeline import RunResult, run_file, run_loaded, write_outputs  # noqa: F401
