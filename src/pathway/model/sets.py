"""Sets of the pathway LP: years, periods, hours, technologies, heat loads."""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData, investable
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


def chronological(md: ModelData) -> bool:
    """True when the periods are the 365 days of the year in calendar order (``time.mode:
    hourly``, ``inputs.periods.all_days``): storage then links day to day."""
    return md.periods.mode == "hourly"


def prev_hour(md: ModelData, p: int, h: int) -> tuple[int, int]:
    """The hour before (p, h) in a storage balance, as (period, hour):

        representative days: (p, h - 1), and (p, 23) for h = 0    (cyclic within each day:
                             a typical day stands for days that are not consecutive)
        hourly (all days):   (p, h - 1), and (p - 1, 23) for h = 0; (P - 1, 23) for (0, 0)
                             (chronological over the year, cyclic over the year's end)
    """
    if h > 0:
        return p, h - 1
    if not chronological(md):
        return p, HOURS_PER_DAY - 1
    return (p - 1) % md.n_periods, HOURS_PER_DAY - 1
