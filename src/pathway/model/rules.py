"""The model's shared arithmetic, free of Pyomo: used by the Pyomo model (``pathway.model``)
and by the array-built LP (``pathway.model.direct``), and by results that read either.

Constants of the objective and the rules, which build year serves which year, the hour
before an hour in a storage balance, and the bounds behind the grid-exclusivity switch.
"""

from __future__ import annotations

from pathway.errors import Problem, ScenarioError
from pathway.inputs.data import ModelData
from pathway.units import HOURS_PER_DAY

OBJ_SCALE = 1.0e-3  # objective in thousand CNY: keeps HiGHS's cost coefficients well scaled
SLACK_PENALTY_CNY_PER_T = 1.0e6  # diagnosis only: far above any abatement cost
TES_CHARGE_EFFICIENCY = 0.98  # resistive element into storage; see docs/model.md

COST_CATEGORIES = (
    "capex_annuity", "fixed_om", "grid_energy", "demand_charge", "export_revenue", "fuel",
    "green_power_premium", "green_certificates", "offsets", "ccus_variable", "carbon_price", "battery_degradation",
    "cbam_ets",
)


def active(build_year: int, year: int, life: int) -> bool:
    """An asset built in year v serves years v .. v + life - 1 (commissioned at the start)."""
    return build_year <= year < build_year + life


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


def elec_demand_mwh(md: ModelData, y: int, p: int, h: int) -> float:
    """Baseline demand D_e(y,p,h) = E_base x g(y) x shape(p,h), MWh in that hour (before savings)."""
    return md.elec_demand_mwh_base * md.growth[y] * float(md.elec_shape[p, h])


def pv_possible(md: ModelData) -> bool:
    """PV can run: new PV is allowed or PV exists on site."""
    return md.pv is not None or float(md.existing_pv_mwh.sum()) > 0


def probe_delta_t(md: ModelData) -> float:
    """The tightening used to measure the MAC: 1e-5 x baseline emissions, at least 1 t (small
    enough to stay on one linear piece of the cost, large against the solver's tolerances)."""
    return max(1.0, 1e-5 * md.baseline_t)


def own_emission_probes(m, md: ModelData) -> dict[int, tuple[list, list]]:
    """For each year y, the perturbation that measures the marginal abatement cost: tighten
    every rule that limits own emissions in y by ``delta_t`` tonnes with offsets held at
    their optimum,

        ceiling[y]:        E[y] - off[y] - rem[y] <= C[y] - delta      (off, rem fixed)
        own_reduction[y]:  Eown[y]                <= L[y] - delta

    so the only way to comply is delta more tonnes of own reduction. MAC[y] = (cost after -
    cost before) / (delta x discount factor of y). A year with no such rule has no probe
    (nothing limits its own emissions: MAC 0). Returns {y: ([(row, delta)], [fixed vars])},
    rows and variables as the model's own handles (Pyomo components, or ``model.linear``
    RowRef / ColRef for a model built by ``model.direct``)."""
    delta_t = probe_delta_t(md)
    handle = (lambda var, y: var.ref(y)) if hasattr(m.off, "ref") else (lambda var, y: var[y])
    out: dict[int, tuple[list, list]] = {}
    for y in m.Y:
        rows = []
        if y in m.ceiling:
            rows.append((m.ceiling[y], delta_t))
        if hasattr(m, "own_reduction") and y in m.own_reduction:
            rows.append((m.own_reduction[y], delta_t))
        if rows:
            out[y] = (rows, [handle(m.off, y), handle(m.rem, y)])
    return out


def dl_available_mwh_per_mw(md: ModelData) -> float:
    """G1 = sum_{p,h} w_p cf(p,h): the plant's available generation per MW of line, MWh a year."""
    return float((md.weights[:, None] * md.direct_line.cf).sum())


def export_pays_more_hours(md: ModelData) -> list[tuple[int, int, int]]:
    """Hours (y, p, h) in which the export price exceeds the import energy price,
    esc(y) x price_exp > esc(y) x price(p, h) (both escalate alike): there the LP would
    import and export at once."""
    if md.export_price_cny_per_mwh is None or not pv_possible(md):
        return []
    e = md.export_price_cny_per_mwh
    return [(y, p, h) for y in md.years for p in range(md.n_periods) for h in range(24)
            if e > float(md.price_cny_per_mwh[p, h]) + 1e-9]


def import_bound_mw(md: ModelData, y: int, p: int, h: int) -> float | None:
    """An upper bound on grid import in hour (y,p,h), MWh (None if none can be given):
    the import limit when set; else the largest electricity use the plant can have in the
    hour (imports never exceed use, as PV and discharge are >= 0):

        D_e(y,p,h) + sum_l D_h(l,y,p,h) x max_k e_{k,l} + P_bat,max + S_tes,max / t_ch

    with D_e and D_h before savings, e_{k,l} the electricity per MWh of heat of electric
    heaters k serving l (heat from them cannot exceed the load in the hour), P_bat,max the
    battery's power limit (its max power, or max energy / min duration) and S_tes,max the
    thermal store's energy limit. None if a storage has no limit or CCUS is present."""
    if md.import_limit_mw is not None:
        return md.import_limit_mw
    if md.ccus is not None:
        return None
    bound = elec_demand_mwh(md, y, p, h)
    for hl in md.heat_loads:
        es = [ht.elec_per_heat[hl.name] for ht in md.heat_techs.values() if hl.name in ht.elec_per_heat]
        if es and max(es) > 0:
            bound += hl.demand_mwh_base * md.growth[y] * float(md.heat_shape[p, h]) * max(es)
    if md.battery_energy is not None:
        p_max = md.battery_power.max_capacity
        if p_max is None and md.battery_energy.max_capacity is not None and md.battery_min_h:
            p_max = md.battery_energy.max_capacity / md.battery_min_h
        if p_max is None:
            return None
        bound += p_max
    if md.tes is not None:
        if md.tes.max_capacity is None:
            return None
        bound += md.tes.max_capacity / md.tes_charge_h
    return bound


def pv_bound_mw(md: ModelData, y: int, p: int, h: int) -> float | None:
    """Largest PV output in hour (y,p,h), MWh: cf(p,h) x PV_max + X(p,h) (None if new PV
    has no capacity limit)."""
    x = float(md.existing_pv_mwh[p, h])
    if md.pv is None:
        return x
    cf = float(md.pv_cf[p, h])
    if cf == 0:
        return x
    if md.pv.max_capacity is None:
        return None
    return x + cf * md.pv.max_capacity


def exclusivity_bounds(md: ModelData) -> tuple[list, dict, dict]:
    """The hours of ``export_pays_more_hours`` with M_imp(t) = ``import_bound_mw`` and
    M_exp(t) = ``pv_bound_mw`` (see ``model.electricity.add_grid_exclusivity``); a
    ScenarioError asking for ``prices.import_limit_kw`` (or a PV limit) where a bound does
    not exist."""
    hours = export_pays_more_hours(md)
    m_imp, m_exp, missing = {}, {}, set()
    for t in hours:
        bi, be = import_bound_mw(md, *t), pv_bound_mw(md, *t)
        if bi is None:
            missing.add("prices.import_limit_kw")
        if be is None:
            missing.add("technologies.pv.max_kw")
        m_imp[t], m_exp[t] = bi, be
    if missing:
        file = md.source_file or md.name
        raise ScenarioError([Problem(file, f, (
            f"the export price ({md.export_price_cny_per_mwh / 1000:g} CNY/kWh) exceeds the import price in {len(hours)} "
            "hours; keeping import and export apart there needs a bound on "
            + ("grid import: give the grid connection's capacity (prices.import_limit_kw), or limit the battery "
               "(max_kwh) and thermal storage (max_kw); with CCUS the import limit is needed"
               if f == "prices.import_limit_kw" else "PV output: give technologies.pv.max_kw or roof_area_m2")
            + "; or set prices.export_price_cny_per_kwh at or below the import price")) for f in sorted(missing)])
    return hours, m_imp, m_exp
