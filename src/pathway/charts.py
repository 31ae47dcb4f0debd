"""Compatibility: ``pathway.charts`` moved to ``pathway.output.charts`` (kept for the README and notebooks)."""

from pathway.output.charts import *  # noqa: F401,F403
from pathway.output.charts import (  # noqa: F401
    all_figures,
    comparison_table,
    macc,
    scenario_comparison,
)
