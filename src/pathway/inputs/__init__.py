"""Everything the model needs, as plain data: profiles, operating periods, the base-year
inventory, and ``ModelData`` made by ``prepare`` from a loaded scenario (no Pyomo here)."""

from pathway.inputs.data import ModelData
from pathway.inputs.inventory import Inventory, baseline_inventory
from pathway.inputs.prepare import prepare

__all__ = ["Inventory", "ModelData", "baseline_inventory", "prepare"]
