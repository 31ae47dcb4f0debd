"""Dotted paths into the scenario schema: ``check_path`` and ``parse_assignment`` as sweeps,
Monte Carlo and the CLI use them (``pathway.scenario.dotted`` on the ``Scenario`` model)."""

from __future__ import annotations

from pathway.scenario import dotted
from pathway.scenario.dotted import PathError, overrides_for, parse_value
from pathway.scenario.schema import Scenario

__all__ = ["PathError", "check_path", "overrides_for", "parse_assignment", "parse_value"]


def check_path(path: str) -> str:
    """Check that ``path`` names a field of the scenario; return its kind: 'float', 'int',
    'bool' or 'other' (text, choices, mappings). Raises PathError saying what is wrong."""
    return dotted.field_kind(Scenario, path)


def parse_assignment(text: str) -> tuple[str, list]:
    """``PATH=V1,V2,...`` -> (path, [values]), the path checked against the scenario;
    raises PathError on a malformed option or an unknown field."""
    path, values = dotted.parse_assignment(text)
    check_path(path)
    return path, values
