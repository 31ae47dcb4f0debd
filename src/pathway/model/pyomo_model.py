"""The Pyomo pathway model, built top to bottom from small ``add_*`` functions.

Index order is fixed everywhere: (technology, load, year, period, hour). Each
function adds one group of variables or constraints and states its equation in its
docstring. Units: MW, MWh, t, CNY; the objective is scaled by ``OBJ_SCALE``. It is a
linear program, except in the hours where exporting pays more than importing: there
``add_grid_exclusivity`` adds binaries and ``m.has_integers`` is True.
"""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData
from pathway.model.ccus import add_ccus
from pathway.model.direct_line import add_direct_line, add_direct_line_rules
from pathway.model.electricity import (
    add_battery,
    add_electricity_balance,
    add_grid,
    add_grid_exclusivity,
    add_pv,
)
from pathway.model.emissions import (
    add_emissions,
    add_green_share,
    add_near_zero_rules,
    add_offsets,
    add_target_ceiling,
)
from pathway.model.heat import add_heat_balance, add_heaters, add_thermal_storage
from pathway.model.investment import add_efficiency_adoption, add_investment
from pathway.model.objective import OBJ_SCALE, add_costs, add_objective
from pathway.model.sets import add_sets

__all__ = ["build_model", "OBJ_SCALE"]


def build_model(md: ModelData, *, ceiling_slack: bool = False) -> pyo.ConcreteModel:
    """Build the model for ``md`` (an LP unless ``m.has_integers``). With ``ceiling_slack`` the target rules get penalised slack
    (used to diagnose an unreachable target: the lowest emissions the catalogue reaches)."""
    m = pyo.ConcreteModel(name=md.name)
    m.md = md  # the data the model was built from, for results and checks
    m.ceiling_slack = ceiling_slack
    add_sets(m, md)
    add_investment(m, md)
    add_efficiency_adoption(m, md)
    add_grid(m, md)
    add_pv(m, md)
    add_direct_line(m, md)
    add_grid_exclusivity(m, md)
    add_battery(m, md)
    add_heaters(m, md)
    add_thermal_storage(m, md)
    add_ccus(m, md)
    add_heat_balance(m, md)
    add_electricity_balance(m, md)
    add_offsets(m, md)
    add_direct_line_rules(m, md)
    add_emissions(m, md)
    add_target_ceiling(m, md)
    add_near_zero_rules(m, md)
    add_green_share(m, md)
    add_costs(m, md)
    add_objective(m, md)
    return m
