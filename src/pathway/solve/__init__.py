"""Solving a built model with HiGHS: options, the compiler and persistent routes, status
handling, and the diagnosis of an unreachable target."""

from pathway.solve.highs import SolveOutcome, SolverOptions, persistent_outcome, resolve_method, solve

__all__ = ["SolveOutcome", "SolverOptions", "persistent_outcome", "resolve_method", "solve"]
