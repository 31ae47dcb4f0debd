"""Electricity: grid import/export, PV, battery, and the hourly balance."""

from __future__ import annotations

import pyomo.environ as pyo

from pathway.inputs.data import ModelData
from pathway.model.investment import active


def elec_demand_mwh(md: ModelData, y: int, p: int, h: int) -> float:
    """Baseline demand D_e(y,p,h) = E_base x g(y) x shape(p,h), MWh in that hour (before savings)."""
    return md.elec_demand_mwh_base * md.growth[y] * float(md.elec_shape[p, h])


def add_grid(m: pyo.ConcreteModel, md: ModelData) -> None:
    """imp[t] >= 0 grid import (MWh in hour t); imp[t] <= import limit; demand charge:
    peak[y] >= imp[y,p,h] for all p, h (MW, hourly energy = average power). Export
    exp[t] >= 0 only when an export price is given."""
    m.imp = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    if md.import_limit_mw is not None:
        for t in m.T:
            m.imp[t].setub(md.import_limit_mw)
    m.has_peak = md.demand_charge_cny_per_mw_yr > 0
    if m.has_peak:
        m.peak = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
        m.peak_def = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.imp[y, p, h] <= m.peak[y])
    m.has_export = md.export_price_cny_per_mwh is not None
    if m.has_export:
        m.exp = pyo.Var(m.T, domain=pyo.NonNegativeReals)


def add_pv(m: pyo.ConcreteModel, md: ModelData) -> None:
    """PV output pv_gen[y,p,h] <= cf(p,h) x pv_eff[y] + X(p,h), with the degraded fleet

        pv_eff[y] = sum_v build[pv,v] x (1 - d)^(y - v)   (vintages v in service in y)

    (degradation d per year), X the fixed output of PV already on site. Output below the
    bound is curtailment. Export <= PV output."""
    has_new = md.pv is not None
    has_old = float(md.existing_pv_mwh.sum()) > 0
    m.has_pv = has_new or has_old
    if not m.has_pv:
        return
    m.pv_gen = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    d = md.pv_degradation_per_yr
    if has_new:
        m.pv_eff = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
        m.pv_eff_def = pyo.Constraint(m.Y, rule=lambda m, y: m.pv_eff[y] == sum(
            m.build["pv", v] * (1 - d) ** (y - v) for v in m.Y if active(v, y, md.pv.life_years)))

    def avail(m, y, p, h):
        cf = float(md.pv_cf[p, h])
        rhs = float(md.existing_pv_mwh[p, h])
        if has_new and cf > 0:
            rhs = rhs + cf * m.pv_eff[y]
        if isinstance(rhs, float) and rhs == 0:
            m.pv_gen[y, p, h].setub(0)
            return pyo.Constraint.Skip
        return m.pv_gen[y, p, h] <= rhs

    m.pv_avail = pyo.Constraint(m.T, rule=avail)
    if m.has_export:
        m.export_le_pv = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.exp[y, p, h] <= m.pv_gen[y, p, h])


def add_battery(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Battery with energy E[y] = cap[battery_energy, y] (MWh) and power P[y] (MW):

        soc[y,p,h] = soc[y,p,h-1] + eta x ch[y,p,h] - dis[y,p,h] / eta   (cyclic: h-1 of h=0 is 23)
        soc <= E,  ch <= P,  dis <= P,  d_min x P <= E <= d_max x P,  eta = sqrt(round trip).
    """
    m.has_battery = md.battery_energy is not None
    if not m.has_battery:
        return
    m.ch = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.dis = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.soc = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    eta = md.battery_eff

    def soc_rule(m, y, p, h):
        prev = 23 if h == 0 else h - 1
        return m.soc[y, p, h] == m.soc[y, p, prev] + eta * m.ch[y, p, h] - m.dis[y, p, h] / eta

    m.soc_balance = pyo.Constraint(m.T, rule=soc_rule)
    m.soc_max = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.soc[y, p, h] <= m.cap["battery_energy", y])
    m.ch_max = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.ch[y, p, h] <= m.cap["battery_power", y])
    m.dis_max = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.dis[y, p, h] <= m.cap["battery_power", y])
    if md.battery_min_h:
        m.dur_min = pyo.Constraint(m.Y, rule=lambda m, y: m.cap["battery_energy", y] >= md.battery_min_h * m.cap["battery_power", y])
    if md.battery_max_h:
        m.dur_max = pyo.Constraint(m.Y, rule=lambda m, y: m.cap["battery_energy", y] <= md.battery_max_h * m.cap["battery_power", y])


def add_electricity_balance(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Hourly balance, MWh:

        imp + pv_gen + dis = D_e x (1 - sum_m s_m a_m[y]) + ch + exp
                             + sum_{k electric, l} q[k,l] x e_{k,l} + tes_ch + e_ccus x capture

    where e_{k,l} = 1/COP or 1/efficiency is the electricity per MWh of heat.
    """

    def rule(m, y, p, h):
        d = elec_demand_mwh(md, y, p, h)
        supply = m.imp[y, p, h]
        use = d - d * m.elec_saving_share[y]
        if m.has_pv:
            supply = supply + m.pv_gen[y, p, h]
        if m.has_export:
            use = use + m.exp[y, p, h]
        if m.has_battery:
            supply = supply + m.dis[y, p, h]
            use = use + m.ch[y, p, h]
        for k, l in m.KL:
            e = md.heat_techs[k].elec_per_heat[l]
            if e > 0:
                use = use + e * m.q[k, l, y, p, h]
        if m.has_tes:
            use = use + m.tes_ch[y, p, h]
        if m.has_ccus and md.ccus_elec_mwh_per_t > 0:
            use = use + md.ccus_elec_mwh_per_t * m.capture[y, p, h]
        return supply == use

    m.elec_balance = pyo.Constraint(m.T, rule=rule)
