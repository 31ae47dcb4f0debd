"""The bundled, sourced reference data (emission factors, technology catalogue, prices,
tariffs, target presets) and the checks of a scenario against it."""

from pathway.reference.validate import check_references, load_scenario

__all__ = ["check_references", "load_scenario"]
