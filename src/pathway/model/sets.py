"""Sets of the pathway LP: years, periods, hours, technologies, heat loads."""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData, investable
from pathway.model.rules import chronological, prev_hour  # noqa: F401  (re-exported)
from pathway.units import HOURS_PER_DAY


def add_sets(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Y = planning years (base+1..end); P = periods (days); H = hours 0..23;
    T = Y x P x H; K = investable technologies; L = heat loads (+ CCUS regeneration);
    KL = (heater, load) pairs a heater can serve (its maximum temperature reaches the load)."""
    m.Y = pyo.Set(initialize=md.years, ordered=True)
    m.P = pyo.Set(initialize=range(md.n_periods), ordered=True)
    m.H = pyo.Set(initialize=range(HOURS_PER_DAY), ordered=True)
    m.T = pyo.Set(initialize=m.Y * m.P * m.H, dimen=3, ordered=True)
    m.blocks = investable(md)
    m.K = pyo.Set(initialize=list(m.blocks), ordered=True)
    loads = [hl.name for hl in md.heat_loads]
    if md.ccus is not None:
        loads.append("ccus_regeneration")
    m.L = pyo.Set(initialize=loads, ordered=True)
    m.KL = pyo.Set(initialize=[(k, l) for k, ht in md.heat_techs.items() for l in ht.elec_per_heat], dimen=2, ordered=True)
    # existing boilers in service: (load, year) with year < retire year
    m.LX = pyo.Set(
        initialize=[(hl.name, y) for hl in md.heat_loads for y in md.years
                    if hl.existing_retire_year is None or y < hl.existing_retire_year],
        dimen=2, ordered=True,
    )
