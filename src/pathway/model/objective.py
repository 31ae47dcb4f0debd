"""Costs by category and year, and the discounted-total-cost objective."""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData
from pathway.model.emissions import wsum
from pathway.model.heat import heater_terms
from pathway.model.rules import COST_CATEGORIES, OBJ_SCALE, SLACK_PENALTY_CNY_PER_T, active  # noqa: F401  (re-exported)
from pathway.money import crf


def add_costs(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Cost of year y (CNY of that year) by category:

        capex_annuity = sum_k sum_{v active in y} build[k,v] x capex_k(v) x CRF(r, life_k)
        fixed_om      = sum_k cap[k,y] x fom_k
        grid_energy   = esc(y) x sum_t w x price(p,h) x imp
        demand_charge = esc(y) x 12 x dc x peak[y]
        export_revenue= - esc(y) x sum_t w x price_exp x exp   (the surplus's market value moves
                        with electricity prices)
        fuel          = esc(y) x (sum_t w (c_x qx + c_k q) + other fuel cost x g(y))
        green_power_premium = premium x gp[y];  green_certificates = price(y) x gec[y]
        offsets       = ccer x off[y] + removal price x rem[y]
        ccus_variable = (opex + T&S) x CAP[y]
        carbon_price  = cp(y) x (S1[y] - CAP[y])   ('direct', the default), or cp(y) x E[y] ('all')
        battery_degradation = w x sum_t w_p x dis   (w: wear cost per MWh discharged, CNY/MWh)
        cbam_ets      = see add_exposure_cost (0 unless prices.cbam / prices.ets)
        direct_line_*  (only with a direct green-power line: ``model.direct_line.dl_costs``)

    Capex is annualised with the capital recovery factor and counted only for the years
    an asset serves inside the horizon; subsidies per kW are netted from capex.
    """
    r = md.discount_rate
    crfs = {k: crf(r, m.blocks[k].life_years) for k in m.K}
    add_price_params(m, md)
    add_exposure_cost(m, md)

    def capex(m, y):
        return sum(m.build[k, v] * m.capex_unit[k, v] * crfs[k]
                   for k in m.K for v in m.Y if active(v, y, m.blocks[k].life_years))

    def fom(m, y):
        return sum(m.cap[k, y] * m.blocks[k].fom_cny_per_unit_yr for k in m.K if m.blocks[k].fom_cny_per_unit_yr)

    def grid(m, y):
        return md.energy_escalation[y] * wsum(m, md, y, lambda p, h: float(md.price_cny_per_mwh[p, h]) * m.imp[y, p, h])

    def demand(m, y):
        return md.energy_escalation[y] * md.demand_charge_cny_per_mw_yr * m.peak[y] if m.has_peak else 0.0

    def export(m, y):
        if not m.has_export:
            return 0.0
        return -md.energy_escalation[y] * md.export_price_cny_per_mwh * wsum(m, md, y, lambda p, h: m.exp[y, p, h])

    def fuel(m, y):
        def fn(p, h):
            return heater_terms(m, md, y, p, h, lambda hl: hl.existing_cost_cny_per_mwh_heat,
                                lambda ht: ht.fuel_cost_cny_per_mwh_heat)
        other = sum(md.other_fuel_cost_cny.values()) * md.growth[y]
        return md.energy_escalation[y] * (wsum(m, md, y, fn) + other)

    def wear(m, y):
        w = md.battery_degradation_cny_per_mwh
        if not m.has_battery or not w:
            return 0.0
        return w * wsum(m, md, y, lambda p, h: m.dis[y, p, h])

    parts = {
        "capex_annuity": capex,
        "fixed_om": fom,
        "grid_energy": grid,
        "demand_charge": demand,
        "export_revenue": export,
        "fuel": fuel,
        "green_power_premium": lambda m, y: m.price_green_power * m.gp[y],
        "green_certificates": lambda m, y: m.price_gec[y] * m.gec[y],
        "offsets": lambda m, y: m.price_offset * m.off[y] + m.price_removal * m.rem[y],
        "ccus_variable": lambda m, y: m.price_ccus_var * m.captured[y],
        "carbon_price": lambda m, y: m.price_carbon[y] * (
            m.emissions[y] if md.carbon_price_covers == "all" else m.s1_fuel[y] + m.s1_process[y] - m.captured[y]),
        "battery_degradation": wear,
        "cbam_ets": lambda m, y: m.exposure_cost[y] if m.has_exposure else 0.0,
    }
    if getattr(m, "has_dl", False):  # the direct line's own categories, only when there is one
        from pathway.model.direct_line import dl_costs

        parts.update(dl_costs(m, md))
    m.COST = pyo.Set(initialize=list(parts), ordered=True)
    m.cost = pyo.Expression(m.COST, m.Y, rule=lambda m, c, y: parts[c](m, y))


def add_exposure_cost(m: pyo.ConcreteModel, md: ModelData) -> None:
    """EU CBAM certificates and national-ETS allowances of year y, when ``prices.cbam`` /
    ``prices.ets`` put them in the objective (pathway.inputs.exposure derives the numbers).
    With L(y) = k1 (S1 - CAP) + kh H + ke E2_loc + k0 (scope 1 net of capture, purchased-heat
    scope 2, location-based electricity scope 2, a constant):

        cbam_ets[y] = L_ets(y) + sum_p z[p, y],   z[p, y] >= L_p(y),  z[p, y] >= 0

    so each product's CBAM cost is max(0, L_p) at the optimum (exact: the floor is convex)."""
    ex = md.exposure
    m.has_exposure = ex is not None and (ex.ets is not None or bool(ex.cbam))
    if not m.has_exposure:
        return

    def lin(c, y):
        return (c.s1.get(y, 0.0) * (m.s1_fuel[y] + m.s1_process[y] - m.captured[y]) + c.heat.get(y, 0.0) * m.s2_heat[y]
                + c.elec.get(y, 0.0) * m.s2_loc[y] + c.const.get(y, 0.0))

    m.CBAM_P = pyo.RangeSet(0, len(ex.cbam) - 1) if ex.cbam else pyo.Set(initialize=[])
    m.cbam_z = pyo.Var(m.CBAM_P, m.Y, domain=pyo.NonNegativeReals)
    m.cbam_floor = pyo.Constraint(m.CBAM_P, m.Y, rule=lambda m, i, y: m.cbam_z[i, y] >= lin(ex.cbam[i], y))
    m.exposure_cost = pyo.Expression(m.Y, rule=lambda m, y: (lin(ex.ets, y) if ex.ets is not None else 0.0)
                                     + sum(m.cbam_z[i, y] for i in m.CBAM_P))


# Cost coefficients held in mutable Params, so a sweep over prices or capex re-solves the
# built model (pathway.sweep, persistent HiGHS) instead of rebuilding it. Each name maps
# to the ModelData field it copies; set_price_params() pushes a re-prepared ModelData in.
PRICE_PARAMS = {
    "price_green_power": "green_power_premium",  # CNY/MWh
    "price_offset": "offset_price",  # CNY/t
    "price_removal": "removal_price",  # CNY/t
    "price_ccus_var": "ccus_var_cny_per_t",  # CNY/t
}


def add_price_params(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Mutable cost coefficients: the scalar prices of PRICE_PARAMS, price_carbon[y]
    (CNY/t), price_gec[y] (CNY/MWh, certificates of year y) and capex_unit[k, v] (CNY per unit of capacity built in year v, net of
    subsidies). Only the objective uses them; the constraints never do."""
    for name, fld in PRICE_PARAMS.items():
        setattr(m, name, pyo.Param(mutable=True, initialize=float(getattr(md, fld))))
    m.price_carbon = pyo.Param(m.Y, mutable=True, initialize={y: float(md.carbon_price[y]) for y in m.Y})
    m.price_gec = pyo.Param(m.Y, mutable=True, initialize={y: float(md.gec_price.get(y, 0.0)) for y in m.Y})
    m.capex_unit = pyo.Param(m.K, m.Y, mutable=True,
                             initialize={(k, v): float(m.blocks[k].capex_cny_per_unit[v]) for k in m.K for v in m.Y})


def set_price_params(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Copy the cost coefficients of ``md`` into the mutable Params of a built model
    (same technologies and years; only prices and capex may differ)."""
    from pathway.inputs.data import investable

    for name, fld in PRICE_PARAMS.items():
        getattr(m, name).set_value(float(getattr(md, fld)))
    for y in m.Y:
        m.price_carbon[y].set_value(float(md.carbon_price[y]))
        m.price_gec[y].set_value(float(md.gec_price.get(y, 0.0)))
    blocks = investable(md)
    for k in m.K:
        for v in m.Y:
            m.capex_unit[k, v].set_value(float(blocks[k].capex_cny_per_unit[v]))


def add_objective(m: pyo.ConcreteModel, md: ModelData) -> None:
    """min OBJ_SCALE x sum_y (1 + r)^-(y - y0) x sum_c cost[c, y]  (+ slack penalties in
    diagnosis mode, M = 1e6 CNY per t or MWh of violation)."""
    obj = sum(md.discount[y] * m.cost[c, y] for c in m.COST for y in m.Y)
    if m.ceiling_slack:
        pen = SLACK_PENALTY_CNY_PER_T
        obj = obj + pen * sum(m.slack_ceiling[y] for y in m.Y)
        if hasattr(m, "slack_own"):
            obj = obj + pen * sum(m.slack_own[y] for y in m.Y_TARGET)
        if hasattr(m, "slack_green"):
            obj = obj + pen * sum(m.slack_green[y] for y in m.Y_GREEN)
    m.obj = pyo.Objective(expr=OBJ_SCALE * obj, sense=pyo.minimize)
