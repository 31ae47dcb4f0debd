"""How a solve ended, as an enum (a ``str`` enum: it compares equal to its value and
serialises as it, so ``status == "optimal"`` and JSON keep working)."""

from __future__ import annotations

from enum import Enum


class SolveStatus(str, Enum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"  # also iteration limit and interrupt: stopped without an optimum
    ERROR = "error"

    def __str__(self) -> str:
        return self.value
