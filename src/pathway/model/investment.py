"""Investment: builds by year and the capacity in service that follows from them."""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData
from pathway.model.rules import active


def add_investment(m: pyo.ConcreteModel, md: ModelData) -> None:
    """build[k, v] >= 0 in each year; capacity in service, a variable of its own

        cap[k, y] = sum_{v <= y < v + life_k} build[k, v],   0 <= cap[k, y] <= cap_max_k,
        build[k, v] <= build_max_k,   build[k, v] = 0 for v < first_build_year_k.

    Hourly constraints refer to cap[k, y] (one matrix entry) rather than to the sum of
    builds, which keeps the constraint matrix sparse for the interior-point solver.
    """
    m.build = pyo.Var(m.K, m.Y, domain=pyo.NonNegativeReals)
    m.cap = pyo.Var(m.K, m.Y, domain=pyo.NonNegativeReals,
                    bounds=lambda m, k, y: (0, m.blocks[k].max_capacity))

    def cap_rule(m, k, y):
        life = m.blocks[k].life_years
        return m.cap[k, y] == sum(m.build[k, v] for v in m.Y if active(v, y, life))

    m.cap_def = pyo.Constraint(m.K, m.Y, rule=cap_rule)
    for k in m.K:
        b = m.blocks[k]
        for y in m.Y:
            if b.max_build_per_yr is not None:
                m.build[k, y].setub(b.max_build_per_yr)
            if b.first_build_year is not None and y < b.first_build_year:
                m.build[k, y].fix(0)


def add_efficiency_adoption(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Efficiency measure m: adoption a[m, y] = cap[m, y] in [0, 1] (share of its potential).

    Electricity demand is multiplied by (1 - sum_m s_m a[m, y]) over electricity measures,
    heat demand by (1 - sum_m s_m a[m, y]) over heat measures (s_m = max saving share).
    """
    m.EFF_E = pyo.Set(initialize=[k for k, (_, c, _) in md.efficiency.items() if c == "electricity"])
    m.EFF_H = pyo.Set(initialize=[k for k, (_, c, _) in md.efficiency.items() if c == "heat"])

    def saving(m, y, ids):
        return sum(md.efficiency[k][2] * m.cap[k, y] for k in ids)

    m.elec_saving_share = pyo.Var(m.Y, bounds=(0, 1))
    m.heat_saving_share = pyo.Var(m.Y, bounds=(0, 1))
    m.elec_saving_def = pyo.Constraint(m.Y, rule=lambda m, y: m.elec_saving_share[y] == saving(m, y, m.EFF_E))
    m.heat_saving_def = pyo.Constraint(m.Y, rule=lambda m, y: m.heat_saving_share[y] == saving(m, y, m.EFF_H))
