"""CCUS on the plant's point sources, with its energy penalty inside the model."""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData
from pathway.model.heat import heater_terms
from pathway.units import HOURS_PER_YEAR


def add_ccus(m: pyo.ConcreteModel, md: ModelData) -> None:
    """capture[y,p,h] (t in the hour):

        capture <= cap[ccus, y] / 8760                      (capacity in t/yr)
        capture <= rate x (process CO2 in the hour + combustion CO2 in the hour)

    Combustion CO2 counts every stationary fuel burnt on site in that hour: the existing
    boilers, new gas boilers (including the one raising regeneration heat), and other
    stationary fuel use. The penalty heat h_ccus x capture enters the 'ccus_regeneration'
    heat balance and the penalty electricity e_ccus x capture the electricity balance,
    so the penalty energy's own emissions are counted.
    """
    m.has_ccus = md.ccus is not None
    if not m.has_ccus:
        return
    m.capture = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.ccus_cap_con = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.capture[y, p, h] <= m.cap["ccus", y] / HOURS_PER_YEAR)

    def source_rule(m, y, p, h):
        src = 0
        if "process" in md.ccus_sources:
            src = src + md.process_co2_t * md.growth[y] / HOURS_PER_YEAR
        if "combustion" in md.ccus_sources:
            src = src + combustion_co2_t(m, md, y, p, h)
        return m.capture[y, p, h] <= md.ccus_rate * src

    m.ccus_source_con = pyo.Constraint(m.T, rule=source_rule)


def combustion_co2_t(m: pyo.ConcreteModel, md: ModelData, y: int, p: int, h: int):
    """CO2 of stationary combustion on site in one hour (t): existing boilers (own fuel),
    new fuel heaters, and other stationary fuel use spread evenly over the year."""
    return md.other_fuel_stationary_t * md.growth[y] / HOURS_PER_YEAR + fuel_co2_t(m, md, y, p, h, scope=1)


def fuel_co2_t(m: pyo.ConcreteModel, md: ModelData, y: int, p: int, h: int, scope: int):
    """CO2 of the heaters in one hour (t): existing boilers of that scope (1 own fuel,
    2 purchased heat) and, for scope 1, the new fuel heaters."""
    return heater_terms(
        m, md, y, p, h,
        lambda hl: hl.existing_ef_t_per_mwh_heat if hl.existing_scope == scope else 0.0,
        lambda ht: ht.fuel_ef_t_per_mwh_heat if scope == 1 else 0.0,
    )
