"""Solving a built model with HiGHS: options, the compiler and persistent routes, status
handling, and the diagnosis of an unreachable target."""

from pathway.solve.highs import SolveOutcome, persistent_outcome, solve
from pathway.solve.options import SolverOptions, highs_options, resolve_method
from pathway.solve.status import SolveStatus

__all__ = ["SolveOutcome", "SolveStatus", "SolverOptions", "highs_options", "persistent_outcome", "resolve_method", "solve"]
