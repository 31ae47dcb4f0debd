"""Errors a user can act on. The CLI turns these into exit codes without tracebacks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what was expected, what was given."""

    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class PathwayError(Exception):
    """Base class of errors meant for the user (no traceback shown)."""

    exit_code = 1


class ScenarioError(PathwayError):
    """Bad input: one or more problems, all reported at once (exit code 2)."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class InfeasibleTargetError(PathwayError):
    """The target cannot be met with the catalogue given (exit code 3)."""

    exit_code = 3

    def __init__(self, message: str, diagnosis: dict):
        self.diagnosis = diagnosis
        super().__init__(message)


class SolverError(PathwayError):
    """The solver stopped without a usable optimum (time limit, numerical trouble)."""

    exit_code = 1


class SolveTimeLimitError(SolverError):
    """The solver reached its time limit (``--time-limit``) without an optimum (exit code 3;
    a batch row's status ``time_limit``)."""

    exit_code = 3


class CheckError(PathwayError):
    """A post-solve identity (balance, accounting) failed: a defect, never silently passed."""

    exit_code = 1


class OutputPathError(PathwayError):
    """An output folder (--out) that cannot be written: a file, under a file, not writable (exit code 2)."""

    exit_code = 2
