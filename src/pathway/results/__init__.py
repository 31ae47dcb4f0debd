"""From a solved model to tidy tables: extraction, tables, lever attribution, post-solve
checks and the summary. The last layer that touches Pyomo."""

from pathway.results.extract import extract_arrays
from pathway.results.tables import build_tables

__all__ = ["build_tables", "extract_arrays"]
