"""Heat: existing boilers, new heaters (heat pumps, electric, gas, biomass boilers),
electric thermal storage, and the hourly balance of each heat load."""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData
from pathway.model.rules import TES_CHARGE_EFFICIENCY, prev_hour


def heater_terms(m: pyo.ConcreteModel, md: ModelData, y: int, p: int, h: int, existing_coef, new_coef):
    """sum_l c_x(l) qx[l,y,p,h] + sum_{k,l} c_k q[k,l,y,p,h], skipping zero coefficients:
    the one loop behind fuel CO2 (emissions, CCUS sources) and fuel cost (objective).
    ``existing_coef(heat_load)`` and ``new_coef(heat_tech)`` give the coefficients."""
    expr = 0
    for hl in md.heat_loads:
        c = existing_coef(hl)
        if c and (hl.name, y) in m.LX_in_service:
            expr = expr + c * m.qx[hl.name, y, p, h]
    for k, l in m.KL:
        c = new_coef(md.heat_techs[k])
        if c:
            expr = expr + c * m.q[k, l, y, p, h]
    return expr


def add_heaters(m: pyo.ConcreteModel, md: ModelData) -> None:
    """q[k,l,t] >= 0 heat from new heater k to load l; qx[l,t] >= 0 from the existing
    boiler of load l while in service (no capacity limit: it met the baseline);
    capacity: sum_l q[k,l,t] <= cap[k,y] (MW_th, hourly MWh = average MW)."""
    m.q = pyo.Var(m.KL, m.Y, m.P, m.H, domain=pyo.NonNegativeReals)
    m.QX = pyo.Set(initialize=[(l, y, p, h) for (l, y) in m.LX for p in m.P for h in m.H], dimen=4, ordered=True)
    m.qx = pyo.Var(m.QX, domain=pyo.NonNegativeReals)
    m.LX_in_service = frozenset(m.LX)  # fast membership tests while building hourly rows
    heaters = sorted({k for k, _ in m.KL})
    m.HEATERS = pyo.Set(initialize=heaters, ordered=True)
    serves = {k: [l for kk, l in m.KL if kk == k] for k in heaters}

    def cap_rule(m, k, y, p, h):
        return sum(m.q[k, l, y, p, h] for l in serves[k]) <= m.cap[k, y]

    m.heater_cap = pyo.Constraint(m.HEATERS, m.T, rule=cap_rule)


def add_thermal_storage(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Electric thermal storage (蓄热): charged from electricity, discharged to loads at or
    below its temperature:

        S[y,p,h] = (1 - loss) x S[y,prev(p,h)] + 0.98 x tes_ch - sum_l tes_dis[l]
        S <= cap[tes, y],   tes_ch <= cap[tes, y] / 4 h,

    prev(p,h) from ``model.sets.prev_hour``: cyclic within each representative day; in
    hourly mode chronological over the 365 days (prev of (p, 0) is (p-1, 23), of (0, 0) is
    (P-1, 23)), so heat stored on one day can serve the next.
    """
    m.has_tes = md.tes is not None
    if not m.has_tes:
        return
    loads = [hl.name for hl in md.heat_loads if hl.temperature_c <= md.tes_max_temp_c]
    m.LT = pyo.Set(initialize=loads, ordered=True)
    m.tes_ch = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.tes_dis = pyo.Var(m.LT, m.T, domain=pyo.NonNegativeReals)
    m.tes_soc = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    keep = 1 - md.tes_loss_per_h

    def soc_rule(m, y, p, h):
        pp, hp = prev_hour(md, p, h)
        out = sum(m.tes_dis[l, y, p, h] for l in m.LT)
        return m.tes_soc[y, p, h] == keep * m.tes_soc[y, pp, hp] + TES_CHARGE_EFFICIENCY * m.tes_ch[y, p, h] - out

    m.tes_balance = pyo.Constraint(m.T, rule=soc_rule)
    m.tes_max = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.tes_soc[y, p, h] <= m.cap["thermal_storage", y])
    m.tes_ch_max = pyo.Constraint(
        m.T, rule=lambda m, y, p, h: m.tes_ch[y, p, h] <= m.cap["thermal_storage", y] / md.tes_charge_h
    )


def add_heat_balance(m: pyo.ConcreteModel, md: ModelData) -> None:
    """For each heat load l and hour: supply = demand,

        sum_k q[k,l] + qx[l] + tes_dis[l] = D_h(l) x (1 - sum_m s_m a_m[y])   (process loads)
        sum_k q[k,ccus_regeneration] = h_ccus x capture                         (CCUS solvent heat)

    with D_h(l,y,p,h) = Q_l x g[y] x shape_l[p,h]: the load's base-year useful heat Q_l, the
    production index g and the load's own hourly shape (``HeatLoadData.shape``).
    """
    by_load = {l: [k for k, ll in m.KL if ll == l] for l in m.L}
    tes_loads = set(m.LT) if m.has_tes else set()
    base_mwh = {hl.name: hl.demand_mwh_base for hl in md.heat_loads}
    shapes = {hl.name: hl.shape for hl in md.heat_loads}

    def rule(m, l, y, p, h):
        supply = sum(m.q[k, l, y, p, h] for k in by_load[l])
        if (l, y) in m.LX_in_service:
            supply = supply + m.qx[l, y, p, h]
        if l in tes_loads:
            supply = supply + m.tes_dis[l, y, p, h]
        if l == "ccus_regeneration":
            return supply == md.ccus_heat_mwh_per_t * m.capture[y, p, h]
        d = base_mwh[l] * md.growth[y] * float(shapes[l][p, h])  # D_h(l,y,p,h), MWh_th
        if isinstance(supply, int) and supply == 0:
            if d == 0:
                return pyo.Constraint.Skip
            return pyo.Constraint.Infeasible
        return supply == d - d * m.heat_saving_share[y]

    m.heat_balance = pyo.Constraint(m.L, m.T, rule=rule)
