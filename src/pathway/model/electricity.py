"""Electricity: grid import/export, PV, battery, and the hourly balance."""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData
from pathway.model.rules import (  # noqa: F401  (re-exported: their home before model.rules)
    active,
    elec_demand_mwh,
    exclusivity_bounds,
    export_pays_more_hours,
    import_bound_mw,
    prev_hour,
    pv_bound_mw,
    pv_possible,
)


def add_grid(m: pyo.ConcreteModel, md: ModelData) -> None:
    """imp[t] >= 0 grid import (MWh in hour t); imp[t] <= import limit; demand charge:
    peak[y] >= imp[y,p,h] for all p, h (MW, hourly energy = average power). Export
    exp[t] >= 0 only when an export price is given and PV can run (exp <= pv_gen, see
    ``add_pv``; exclusivity with import in ``add_grid_exclusivity``)."""
    m.imp = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    if md.import_limit_mw is not None:
        for t in m.T:
            m.imp[t].setub(md.import_limit_mw)
    m.has_peak = md.demand_charge_cny_per_mw_yr > 0
    if m.has_peak:
        m.peak = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
        m.peak_def = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.imp[y, p, h] <= m.peak[y])
    m.has_export = md.export_price_cny_per_mwh is not None and pv_possible(md)
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

        soc[y,p,h] = soc[y,prev(p,h)] + eta x ch[y,p,h] - dis[y,p,h] / eta
        soc <= E,  ch <= P,  dis <= P,  d_min x P <= E <= d_max x P,  eta = sqrt(round trip),

    prev(p,h) from ``model.sets.prev_hour``: with representative days (p, h-1), and (p, 23)
    for h = 0 (cyclic within each typical day); in hourly mode, where the periods are the
    365 days in order, chronological: prev of (p, 0) is (p-1, 23) and of (0, 0) is
    (P-1, 23) (cyclic over the year), so energy stored on one day can be used on the next.
    The wear cost w x dis (CNY per MWh discharged) is in the objective (``battery_degradation``).
    """
    m.has_battery = md.battery_energy is not None
    if not m.has_battery:
        return
    m.ch = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.dis = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.soc = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    eta = md.battery_eff

    def soc_rule(m, y, p, h):
        pp, hp = prev_hour(md, p, h)
        return m.soc[y, p, h] == m.soc[y, pp, hp] + eta * m.ch[y, p, h] - m.dis[y, p, h] / eta

    m.soc_balance = pyo.Constraint(m.T, rule=soc_rule)
    m.soc_max = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.soc[y, p, h] <= m.cap["battery_energy", y])
    m.ch_max = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.ch[y, p, h] <= m.cap["battery_power", y])
    m.dis_max = pyo.Constraint(m.T, rule=lambda m, y, p, h: m.dis[y, p, h] <= m.cap["battery_power", y])
    if md.battery_min_h:
        m.dur_min = pyo.Constraint(m.Y, rule=lambda m, y: m.cap["battery_energy", y] >= md.battery_min_h * m.cap["battery_power", y])
    if md.battery_max_h:
        m.dur_max = pyo.Constraint(m.Y, rule=lambda m, y: m.cap["battery_energy", y] <= md.battery_max_h * m.cap["battery_power", y])


def add_grid_exclusivity(m: pyo.ConcreteModel, md: ModelData) -> None:
    """No import and export in the same hour. Where export pays no more than import, the LP
    never does both (importing a MWh to export it loses money), so nothing is added there.
    In the hours t where price_exp > esc(y) x price(t) (``export_pays_more_hours``) a
    binary u[t] (1: the grid supplies, 0: the plant feeds in) switches them:

        imp[t] <= M_imp(t) x u[t],     exp[t] <= M_exp(t) x (1 - u[t]),

    M_imp(t) = ``import_bound_mw`` (the import limit, else the plant's largest possible
    electricity use in the hour), M_exp(t) = ``pv_bound_mw`` (the largest possible PV
    output in the hour; exp <= pv_gen). Both are valid bounds, so no feasible plan is cut
    off. ``m.has_integers`` says whether binaries exist (the solve layer must then solve a
    MIP, and fix u to re-solve the LP for duals). A scenario where a bound does not exist
    (an unlimited battery, thermal store or PV, or CCUS without an import limit) is a ScenarioError
    asking for ``prices.import_limit_kw`` (or a PV limit)."""
    hours, m_imp, m_exp = exclusivity_bounds(md) if m.has_export else ([], {}, {})
    m.has_integers = bool(hours)
    if not hours:
        return
    m.T_EXCL = pyo.Set(initialize=hours, dimen=3, ordered=True)
    m.grid_mode = pyo.Var(m.T_EXCL, domain=pyo.Binary)
    m.import_switch = pyo.Constraint(m.T_EXCL, rule=lambda m, y, p, h: m.imp[y, p, h] <= m_imp[y, p, h] * m.grid_mode[y, p, h])
    m.export_switch = pyo.Constraint(
        m.T_EXCL, rule=lambda m, y, p, h: m.exp[y, p, h] <= m_exp[y, p, h] * (1 - m.grid_mode[y, p, h]))


def add_electricity_balance(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Hourly balance, MWh:

        imp + pv_gen + dis + dl_use = D_e x (1 - sum_m s_m a_m[y]) + ch + exp
                             + sum_{k electric, l} q[k,l] x e_{k,l} + tes_ch + e_ccus x capture

    (dl_use: a direct green-power line's electricity taken, ``model.direct_line``).

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
        if getattr(m, "has_dl", False):
            supply = supply + m.dl_use[y, p, h]
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
