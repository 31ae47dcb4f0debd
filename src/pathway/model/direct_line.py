"""The direct green-power line (绿电直连): a renewable plant supplying the factory through a
dedicated line, sized by the LP under the NDRC/NEA notice 发改能源〔2025〕650号. Its
electricity never passes the grid meter, so it is zero-carbon under both scope-2 methods
hour by hour (it is simply not in ``imp``); only the notice's shares constrain it."""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData
from pathway.model.emissions import wsum
from pathway.model.rules import active, dl_available_mwh_per_mw


def add_direct_line(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Line capacity and hourly flows, MW / MWh (``m.has_dl``):

        dl_cap[y] = sum_{v active in y} dl_build[v],   dl_build[v] = 0 for v < first year,
        dl_cap[y] <= max,
        dl_use[y,p,h] + dl_feed[y,p,h] <= cf(p,h) x dl_cap[y]     (the rest is curtailed)

    dl_use is taken by the factory (electricity balance), dl_feed is surplus fed into the
    grid (never counted as the factory's supply), both >= 0."""
    dl = md.direct_line
    m.has_dl = dl is not None
    if not m.has_dl:
        return
    m.dl_build = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.dl_cap = pyo.Var(m.Y, domain=pyo.NonNegativeReals, bounds=(0, dl.max_mw))
    m.dl_cap_def = pyo.Constraint(m.Y, rule=lambda m, y: m.dl_cap[y] == sum(
        m.dl_build[v] for v in m.Y if active(v, y, dl.life_years)))
    for y in m.Y:
        if y < dl.first_year:
            m.dl_build[y].fix(0)
    m.dl_use = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.dl_feed = pyo.Var(m.T, domain=pyo.NonNegativeReals)

    def avail(m, y, p, h):
        cf = float(dl.cf[p, h])
        if cf <= 0:
            m.dl_use[y, p, h].fix(0)
            m.dl_feed[y, p, h].fix(0)
            return pyo.Constraint.Skip
        return m.dl_use[y, p, h] + m.dl_feed[y, p, h] <= cf * m.dl_cap[y]

    m.dl_avail = pyo.Constraint(m.T, rule=avail)
    m.dl_use_mwh = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.dl_use_def = pyo.Constraint(m.Y, rule=lambda m, y: m.dl_use_mwh[y] == wsum(m, md, y, lambda p, h: m.dl_use[y, p, h]))


def add_direct_line_rules(m: pyo.ConcreteModel, md: ModelData) -> None:
    """The notice's shares each year, with G1 = ``dl_available_mwh_per_mw``:

        dl_use_mwh[y]            >= s_self x G1 x dl_cap[y]     (self-consumption of available generation, 60 %)
        sum_t w dl_feed          <= s_feed x G1 x dl_cap[y]     (feed-in cap, provincial; 0 = no reverse flow)
        dl_use_mwh[y]            >= s_cons(y) x C[y]            (share of consumption, 30 %, 35 % from 2030;
                                                                 from the line's first year)
        C[y] = import[y] + sum_t w (pv_gen - exp) + dl_use_mwh[y]   (electricity consumed)
    """
    if not m.has_dl:
        return
    dl = md.direct_line
    g1 = dl_available_mwh_per_mw(md)
    m.dl_self_consumption = pyo.Constraint(
        m.Y, rule=lambda m, y: m.dl_use_mwh[y] >= dl.min_self_consumption_share * g1 * m.dl_cap[y])
    m.dl_feed_in_cap = pyo.Constraint(
        m.Y, rule=lambda m, y: wsum(m, md, y, lambda p, h: m.dl_feed[y, p, h]) <= dl.max_feed_in_share * g1 * m.dl_cap[y])

    def consumption(m, y):
        pv = 0.0
        if m.has_pv:
            pv = wsum(m, md, y, lambda p, h: m.pv_gen[y, p, h] - (m.exp[y, p, h] if m.has_export else 0))
        return m.import_mwh[y] + pv + m.dl_use_mwh[y]

    m.dl_share_of_consumption = pyo.Constraint(
        m.Y, rule=lambda m, y: pyo.Constraint.Skip if dl.min_share_of_consumption[y] <= 0 else
        m.dl_use_mwh[y] >= dl.min_share_of_consumption[y] * consumption(m, y))


def dl_costs(m: pyo.ConcreteModel, md: ModelData) -> dict:
    """Cost categories of the line, CNY in year y (only when the scenario has one):

        direct_line_energy        = price_dl x dl_use_mwh[y]
        direct_line_capex_annuity = sum_{v active in y} dl_build[v] x capex_dl x CRF(r, life_dl)
        direct_line_fixed_om      = fom_dl x dl_cap[y]"""
    from pathway.money import crf

    dl = md.direct_line
    c = crf(md.discount_rate, dl.life_years)
    return {
        "direct_line_energy": lambda m, y: dl.energy_price_cny_per_mwh * m.dl_use_mwh[y],
        "direct_line_capex_annuity": lambda m, y: sum(m.dl_build[v] * dl.capex_cny_per_mw * c
                                                      for v in m.Y if active(v, y, dl.life_years)),
        "direct_line_fixed_om": lambda m, y: dl.fom_cny_per_mw_yr * m.dl_cap[y],
    }


DL_COST_CATEGORIES = ("direct_line_energy", "direct_line_capex_annuity", "direct_line_fixed_om")
