"""Emissions accounting, offsets, the yearly ceiling and the near-zero rules."""

from __future__ import annotations

import pyomo.core as pyo  # not pyomo.environ: its plugins (solvers, writers, transformations) cost ~0.09 s and are not used

from pathway.inputs.data import ModelData
from pathway.model.ccus import fuel_co2_t
from pathway.model.rules import SLACK_PENALTY_CNY_PER_T, own_emission_probes, probe_delta_t  # noqa: F401  (re-exported)


def wsum(m: pyo.ConcreteModel, md: ModelData, y: int, fn):
    """sum_{p,h} w_p x fn(p, h): a yearly total from hourly terms."""
    return sum(float(md.weights[p]) * fn(p, h) for p in m.P for h in m.H)


def add_offsets(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Yearly purchases: green power gp[y] <= cap, certificates gec[y] <= cap (MWh);
    gp + gec <= grid import (only grid electricity can be covered); offsets off[y] and
    nature-based removals rem[y] (t), each <= its cap; none before the target year unless
    the rule allows it."""
    m.gp = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.gec = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.off = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.rem = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.import_mwh = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.import_def = pyo.Constraint(m.Y, rule=lambda m, y: m.import_mwh[y] == wsum(m, md, y, lambda p, h: m.imp[y, p, h]))
    m.green_le_import = pyo.Constraint(m.Y, rule=lambda m, y: m.gp[y] + m.gec[y] <= m.import_mwh[y])
    early_ok = md.rule.offsets_allowed_before_target_year
    for y in m.Y:
        for var, on, cap in ((m.gp, md.green_power_enabled, md.green_power_max_mwh),
                             (m.gec, md.gec_enabled, md.gec_max_mwh),
                             (m.off, md.offsets_enabled, md.offsets_max_t),
                             (m.rem, md.removals_enabled, md.removals_max_t)):
            if not on:
                var[y].fix(0)
            elif cap is not None:
                var[y].setub(cap)
        if y < md.target_year and not early_ok:
            m.off[y].fix(0)
            m.rem[y].fix(0)
    if md.rule.max_offset_share is not None:
        limit = md.rule.max_offset_share * md.baseline_t
        m.offset_cap = pyo.Constraint(m.Y, rule=lambda m, y: m.off[y] + m.rem[y] <= limit)


def add_emissions(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Yearly emissions, t (w_p = days per period):

        S1[y]     = sum_t w (sum_l ef_x,l qx[l] + sum_{k,l} ef_k q[k,l]) + F_other x g(y) + P x g(y)
        S2h[y]    = sum_t w ef_heat qx[purchased] + H_other x g(y)
        S2loc[y]  = f_loc(y) x import[y]
        S2mkt[y]  = f_mkt(y) x (import[y] - gp[y] - gec[y])
        CAP[y]    = sum_t w capture
        E[y]      = S1 + S2h + S2(method) - CAP          (after capture, before offsets)
    """
    other_s1 = sum(v for f, v in md.other_fuel_t.items() if f != "purchased_heat")
    other_s2 = md.other_fuel_t.get("purchased_heat", 0.0)

    def boilers(y, scope):
        return lambda p, h: fuel_co2_t(m, md, y, p, h, scope)

    # yearly sums of hourly terms are variables defined once, so each dense row exists once
    m.boiler_co2_s1 = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.boiler_co2_s2 = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.boiler_co2_s1_def = pyo.Constraint(m.Y, rule=lambda m, y: m.boiler_co2_s1[y] == wsum(m, md, y, boilers(y, 1)))
    m.boiler_co2_s2_def = pyo.Constraint(m.Y, rule=lambda m, y: m.boiler_co2_s2[y] == wsum(m, md, y, boilers(y, 2)))
    m.s1_fuel = pyo.Expression(m.Y, rule=lambda m, y: m.boiler_co2_s1[y] + other_s1 * md.growth[y])
    m.s1_process = pyo.Expression(m.Y, rule=lambda m, y: md.process_co2_t * md.growth[y])
    m.s2_heat = pyo.Expression(m.Y, rule=lambda m, y: m.boiler_co2_s2[y] + other_s2 * md.growth[y])
    m.s2_loc = pyo.Expression(m.Y, rule=lambda m, y: md.grid_location[y] * m.import_mwh[y])
    m.s2_mkt = pyo.Expression(m.Y, rule=lambda m, y: md.grid_market[y] * (m.import_mwh[y] - m.gp[y] - m.gec[y]))
    if m.has_ccus:
        m.captured = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
        m.captured_def = pyo.Constraint(m.Y, rule=lambda m, y: m.captured[y] == wsum(m, md, y, lambda p, h: m.capture[y, p, h]))
    else:
        m.captured = pyo.Expression(m.Y, rule=lambda m, y: 0.0)
    s2 = m.s2_mkt if md.scope2_method == "market" else m.s2_loc
    m.emissions = pyo.Expression(
        m.Y, rule=lambda m, y: m.s1_fuel[y] + m.s1_process[y] + m.s2_heat[y] + s2[y] - m.captured[y]
    )
    m.own_emissions = pyo.Expression(m.Y, rule=lambda m, y: m.emissions[y] + instruments_added_back(m, md, y))


def instruments_added_back(m: pyo.ConcreteModel, md: ModelData, y: int):
    """The contractual instruments that do not count as own reduction, added back to E:

        Eown[y] = E[y] + f_mkt(y) x ((1 - k_gec) gec[y] + (1 - k_gp) gp[y])   (market-based target)
        Eown[y] = E[y]                                                       (location-based target)

    k_gec, k_gp = 1 when the rule counts certificates / green power as own reduction
    (target.certificates_count_as_own_reduction, green_power_counts_as_own_reduction)."""
    if md.scope2_method != "market":
        return 0.0
    out = 0.0
    if not md.rule.certificates_count_as_own_reduction:
        out = out + md.grid_market[y] * m.gec[y]
    if not md.rule.green_power_counts_as_own_reduction:
        out = out + md.grid_market[y] * m.gp[y]
    return out


def add_target_ceiling(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Yearly ceiling (控碳): E[y] - off[y] - rem[y] <= C[y]. Its dual is that year's
    marginal abatement cost. In diagnosis mode a slack s[y] >= 0 is added on the left."""
    if m.ceiling_slack:
        m.slack_ceiling = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
    m.ceiling = pyo.Constraint(
        m.Y,
        rule=lambda m, y: pyo.Constraint.Skip if y not in md.ceiling_t else
        m.emissions[y] - m.off[y] - m.rem[y] - (m.slack_ceiling[y] if m.ceiling_slack else 0) <= md.ceiling_t[y],
    )


def add_near_zero_rules(m: pyo.ConcreteModel, md: ModelData) -> None:
    """From the target year: own reduction Eown[y] <= (1 - x_own) x B (offsets never count;
    certificates and green power only where the rule says so, see instruments_added_back)."""
    x = md.rule.min_own_reduction_share
    years = [y for y in m.Y if y >= md.target_year]
    if x is None or not years:
        return
    m.Y_TARGET = pyo.Set(initialize=years, ordered=True)
    if m.ceiling_slack:
        m.slack_own = pyo.Var(m.Y_TARGET, domain=pyo.NonNegativeReals)
    limit = (1 - x) * md.baseline_t
    m.own_reduction = pyo.Constraint(
        m.Y_TARGET, rule=lambda m, y: m.own_emissions[y] - (m.slack_own[y] if m.ceiling_slack else 0) <= limit
    )


def add_green_share(m: pyo.ConcreteModel, md: ModelData) -> None:
    """Green electricity share from the target year, MWh:

        PVg[y] + DL[y] + gp[y] + gec[y] >= z x (import[y] + PVg[y] + DL[y]),
        PVg[y] = PVused[y] - L[y],   PVused = sum_t w (pv_gen - exp),   L = sum_t w (ch - dis)

    DL[y] = dl_use_mwh[y] is a direct green-power line's electricity (0 without one).
    L is the battery's losses over the year (>= 0: the state of charge is cyclic). They are
    counted as lost PV, taken out of the green electricity and of the consumption alike, so
    losses never raise the share: (G - L) / (C - L) <= G / C as G <= C. Without this rule
    burning surplus PV in a battery (charging and discharging at once) would count as
    green consumption. The same rule gives ``green_electricity_share`` in the results.
    """
    z = md.rule.min_green_electricity_share
    years = [y for y in m.Y if y >= md.target_year]
    if not z or not years:
        return
    if m.has_pv:
        m.pv_used = pyo.Var(m.Y, domain=pyo.NonNegativeReals)
        m.pv_used_def = pyo.Constraint(m.Y, rule=lambda m, y: m.pv_used[y] == wsum(
            m, md, y, lambda p, h: m.pv_gen[y, p, h] - (m.exp[y, p, h] if m.has_export else 0)))
    else:
        m.pv_used = pyo.Expression(m.Y, rule=lambda m, y: 0.0)
    if m.has_battery:
        m.battery_loss = pyo.Var(m.Y)
        m.battery_loss_def = pyo.Constraint(m.Y, rule=lambda m, y: m.battery_loss[y] == wsum(
            m, md, y, lambda p, h: m.ch[y, p, h] - m.dis[y, p, h]))
    else:
        m.battery_loss = pyo.Expression(m.Y, rule=lambda m, y: 0.0)
    m.pv_green = pyo.Expression(m.Y, rule=lambda m, y: m.pv_used[y] - m.battery_loss[y])
    m.Y_GREEN = pyo.Set(initialize=years, ordered=True)
    if m.ceiling_slack:
        m.slack_green = pyo.Var(m.Y_GREEN, domain=pyo.NonNegativeReals)
    def dl(m, y):
        return m.dl_use_mwh[y] if getattr(m, "has_dl", False) else 0.0

    m.green_share = pyo.Constraint(
        m.Y_GREEN,
        rule=lambda m, y: m.pv_green[y] + dl(m, y) + m.gp[y] + m.gec[y] + (m.slack_green[y] if m.ceiling_slack else 0)
        >= z * (m.import_mwh[y] + m.pv_green[y] + dl(m, y)),
    )
