"""The pathway LP built directly as sparse arrays (``model.linear``): the same variables,
constraints and objective as the Pyomo model of ``pathway.model`` (whose ``add_*``
docstrings state each equation; each ``lp_*`` function here names the one it mirrors),
with hourly groups written as array operations over (years, periods, 24 hours).

``tests/test_direct_model.py`` compares the two LPs row by row and column by column on
every bundled scenario; ``solve`` routes 'direct' (this, the default) and 'compiler' /
'persistent' (Pyomo) give the same results.
"""

from __future__ import annotations

import numpy as np

from pathway.inputs.data import ModelData, investable
from pathway.model.linear import INF, ConArray, ExprArray, Lin, LinearProgram, VarArray
from pathway.model.rules import (
    OBJ_SCALE,
    SLACK_PENALTY_CNY_PER_T,
    TES_CHARGE_EFFICIENCY,
    active,
    dl_available_mwh_per_mw,
    exclusivity_bounds,
    pv_possible,
)
from pathway.money import crf
from pathway.units import HOURS_PER_DAY, HOURS_PER_YEAR


class DirectModel:
    """The built LP and the names results read (those of the Pyomo model): variable blocks
    (``m.imp[y, p, h]`` is a value once solved), constraint blocks (``m.ceiling[y]`` a
    RowRef), yearly expressions (``m.emissions[y]`` a value), sets and ``has_*`` flags."""

    def __init__(self, md: ModelData, ceiling_slack: bool):
        self.md = md
        self.name = md.name
        self.lp = LinearProgram(md.name)
        self.ceiling_slack = ceiling_slack
        self.Y = list(md.years)
        self.P = list(range(md.n_periods))
        self.H = list(range(HOURS_PER_DAY))
        self.shape = (len(self.Y), md.n_periods, HOURS_PER_DAY)
        self.w = np.asarray(md.weights, dtype=float)  # (P,)
        self.g = np.array([md.growth[y] for y in self.Y])  # (Y,)
        self.has_integers = False

    def nvariables(self) -> int:
        return self.lp.n_var_entries

    def nconstraints(self) -> int:
        return self.lp.n_con_entries

    # hourly variable over T = Y x P x H
    def hourly(self, name: str, lb=0.0, ub=INF, present=None) -> VarArray:
        return self.lp.add_vars(name, [self.Y, self.P, self.H], lb, ub, present=present)

    def yearly(self, name: str, lb=0.0, ub=INF) -> VarArray:
        return self.lp.add_vars(name, [self.Y], lb, ub)

    def ycol(self, var: VarArray, i: int) -> Lin:
        """The yearly variable of year index i as a linear form."""
        return Lin.of(var.cols[i])

    def wsum(self, i: int, terms: list) -> Lin:
        """sum_{p,h} w_p x (sum of terms) of year index i, terms [(coef, cols (Y,P,H))]."""
        out = Lin()
        wp = self.w[:, None]
        for coef, cols in terms:
            c = np.broadcast_to(cols, self.shape)[i]
            a = np.broadcast_to(np.asarray(coef, dtype=float), self.shape)[i] * wp
            keep = (c >= 0) & (a != 0)
            out = out + Lin([c[keep]], [a[keep]])
        return out

    def year_rows(self, name: str, lins: dict, lower=None, upper=None) -> ConArray:
        """One row per key of ``lins``: lower <= lin <= upper (scalars or dicts by key)."""
        con = ConArray(self.lp, name)
        for key, lin in lins.items():
            lo = lower.get(key) if isinstance(lower, dict) else lower
            hi = upper.get(key) if isinstance(upper, dict) else upper
            self.lp.add_row_lin(con, key, lin, lo, hi)
        setattr(self, name, con)
        return con


def build_direct(md: ModelData, *, ceiling_slack: bool = False) -> DirectModel:
    """The LP of ``pathway.model.build_model(md, ceiling_slack=...)``, built as arrays."""
    m = DirectModel(md, ceiling_slack)
    lp_sets(m, md)
    lp_investment(m, md)
    lp_efficiency_adoption(m, md)
    lp_grid(m, md)
    lp_pv(m, md)
    lp_direct_line(m, md)
    lp_grid_exclusivity(m, md)
    lp_battery(m, md)
    lp_heaters(m, md)
    lp_thermal_storage(m, md)
    lp_ccus(m, md)
    lp_heat_balance(m, md)
    lp_electricity_balance(m, md)
    lp_offsets(m, md)
    lp_direct_line_rules(m, md)
    lp_emissions(m, md)
    lp_target_ceiling(m, md)
    lp_near_zero_rules(m, md)
    lp_green_share(m, md)
    lp_objective(m, md)
    m.lp.freeze_columns()
    return m


def lp_sets(m: DirectModel, md: ModelData) -> None:
    """As ``model.sets.add_sets``: K investable technologies, L heat loads (+ CCUS
    regeneration), KL (heater, load) pairs, LX (load, year) with the existing boiler in service."""
    m.blocks = investable(md)
    m.K = list(m.blocks)
    loads = [hl.name for hl in md.heat_loads]
    if md.ccus is not None:
        loads.append("ccus_regeneration")
    m.L = loads
    m.KL = [(k, l) for k, ht in md.heat_techs.items() for l in ht.elec_per_heat]
    m.LX = [(hl.name, y) for hl in md.heat_loads for y in md.years
            if hl.existing_retire_year is None or y < hl.existing_retire_year]
    m.LX_in_service = frozenset(m.LX)


def prev_index(md: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """(period, hour) arrays of the hour before each (p, h), as ``model.sets.prev_hour``."""
    P = md.n_periods
    p = np.repeat(np.arange(P), HOURS_PER_DAY).reshape(P, HOURS_PER_DAY)
    h = np.tile(np.arange(HOURS_PER_DAY), (P, 1))
    pp = p.copy()
    hp = h - 1
    first = h == 0
    hp[first] = HOURS_PER_DAY - 1
    if md.periods.mode == "hourly":  # chronological over the year, cyclic at its end
        pp[first] = (p[first] - 1) % P
    return pp, hp


def lp_investment(m: DirectModel, md: ModelData) -> None:
    """``model.investment.add_investment``: cap[k,y] = sum_{v active} build[k,v], bounds."""
    K, Y = m.K, m.Y
    ub_build = np.array([[INF if m.blocks[k].max_build_per_yr is None else m.blocks[k].max_build_per_yr for _ in Y]
                         for k in K]).reshape(len(K), len(Y))
    m.build = m.lp.add_vars("build", [K, Y], 0.0, ub_build)
    ub_cap = np.array([[INF if m.blocks[k].max_capacity is None else m.blocks[k].max_capacity] * len(Y)
                       for k in K]).reshape(len(K), len(Y))
    m.cap = m.lp.add_vars("cap", [K, Y], 0.0, ub_cap)
    con = ConArray(m.lp, "cap_def")
    for i, k in enumerate(K):
        b = m.blocks[k]
        for j, y in enumerate(Y):
            lin = Lin.of(m.cap.cols[i, j]) - Lin.of([m.build.cols[i, jv] for jv, v in enumerate(Y) if active(v, y, b.life_years)])
            m.lp.add_row_lin(con, (k, y), lin, 0.0, 0.0)
        if b.first_build_year is not None:
            m.build.fix(np.array([[kk == k and y < b.first_build_year for y in Y] for kk in K]))
    m.cap_def = con


def lp_efficiency_adoption(m: DirectModel, md: ModelData) -> None:
    """``model.investment.add_efficiency_adoption``: share[y] = sum_m s_m cap[m, y] per carrier."""
    ki = {k: i for i, k in enumerate(m.K)}
    m.elec_saving_share = m.yearly("elec_saving_share", 0.0, 1.0)
    m.heat_saving_share = m.yearly("heat_saving_share", 0.0, 1.0)
    for var, carrier, name in ((m.elec_saving_share, "electricity", "elec_saving_def"),
                               (m.heat_saving_share, "heat", "heat_saving_def")):
        ids = [k for k, (_, c, _) in md.efficiency.items() if c == carrier]
        lins = {}
        for j, y in enumerate(m.Y):
            lin = m.ycol(var, j)
            for k in ids:
                lin = lin - Lin.of(m.cap.cols[ki[k], j], md.efficiency[k][2])
            lins[y] = lin
        m.year_rows(name, lins, 0.0, 0.0)


def lp_grid(m: DirectModel, md: ModelData) -> None:
    """``model.electricity.add_grid``: imp[t] <= limit; imp[y,p,h] <= peak[y]; exp[t] >= 0."""
    m.imp = m.hourly("imp", 0.0, INF if md.import_limit_mw is None else md.import_limit_mw)
    m.has_peak = md.demand_charge_cny_per_mw_yr > 0
    if m.has_peak:
        m.peak = m.yearly("peak")
        m.lp.add_rows(m.shape, [(1.0, m.imp.cols), (-1.0, m.peak.cols[:, None, None])], hi=0.0)
    m.has_export = md.export_price_cny_per_mwh is not None and pv_possible(md)
    if m.has_export:
        m.exp = m.hourly("exp")


def lp_pv(m: DirectModel, md: ModelData) -> None:
    """``model.electricity.add_pv``: pv_gen <= cf x pv_eff[y] + X, pv_eff[y] = sum_v
    build[pv,v] (1-d)^(y-v); pv_gen's bound is 0 where both are 0; exp <= pv_gen."""
    has_new = md.pv is not None
    has_old = float(md.existing_pv_mwh.sum()) > 0
    m.has_pv = has_new or has_old
    if not m.has_pv:
        return
    m.pv_gen = m.hourly("pv_gen")
    d = md.pv_degradation_per_yr
    cf = np.asarray(md.pv_cf, dtype=float)
    X = np.asarray(md.existing_pv_mwh, dtype=float)
    if has_new:
        m.pv_eff = m.yearly("pv_eff")
        ipv = m.K.index("pv")
        lins = {}
        for j, y in enumerate(m.Y):
            vs = [(jv, v) for jv, v in enumerate(m.Y) if active(v, y, md.pv.life_years)]
            lins[y] = m.ycol(m.pv_eff, j) - Lin.of([m.build.cols[ipv, jv] for jv, _ in vs], [(1 - d) ** (y - v) for _, v in vs])
        m.year_rows("pv_eff_def", lins, 0.0, 0.0)
    with_new = (cf > 0) if has_new else np.zeros_like(cf, dtype=bool)
    zero = ~with_new & (X == 0)
    m.pv_gen.set_ub(np.broadcast_to(zero, m.shape), 0.0)
    present = np.broadcast_to(~zero, m.shape)
    terms = [(1.0, m.pv_gen.cols)]
    if has_new:
        terms.append((np.where(with_new, -cf, 0.0)[None], m.pv_eff.cols[:, None, None]))
    m.lp.add_rows(m.shape, terms, hi=np.broadcast_to(X, m.shape), present=present, const=-np.broadcast_to(X, m.shape))
    if m.has_export:
        m.lp.add_rows(m.shape, [(1.0, m.exp.cols), (-1.0, m.pv_gen.cols)], hi=0.0)


def lp_direct_line(m: DirectModel, md: ModelData) -> None:
    """``model.direct_line.add_direct_line``: dl_cap[y] = sum_v dl_build[v]; dl_use + dl_feed
    <= cf x dl_cap (both fixed at 0 where cf <= 0); dl_use_mwh[y] = sum_t w dl_use."""
    dl = md.direct_line
    m.has_dl = dl is not None
    if not m.has_dl:
        return
    m.dl_build = m.yearly("dl_build")
    m.dl_build.fix(np.array([y < dl.first_year for y in m.Y]))
    m.dl_cap = m.yearly("dl_cap", 0.0, INF if dl.max_mw is None else dl.max_mw)
    m.year_rows("dl_cap_def", {y: m.ycol(m.dl_cap, j) - Lin.of([m.dl_build.cols[jv] for jv, v in enumerate(m.Y)
                                                                 if active(v, y, dl.life_years)])
                               for j, y in enumerate(m.Y)}, 0.0, 0.0)
    m.dl_use = m.hourly("dl_use")
    m.dl_feed = m.hourly("dl_feed")
    cf = np.asarray(dl.cf, dtype=float)
    off = np.broadcast_to(cf <= 0, m.shape)
    m.dl_use.fix(off)
    m.dl_feed.fix(off)
    m.lp.add_rows(m.shape, [(1.0, m.dl_use.cols), (1.0, m.dl_feed.cols), (-cf[None], m.dl_cap.cols[:, None, None])],
                  hi=0.0, present=~off)
    m.dl_use_mwh = m.yearly("dl_use_mwh")
    m.year_rows("dl_use_def", {y: m.ycol(m.dl_use_mwh, j) - m.wsum(j, [(1.0, m.dl_use.cols)]) for j, y in enumerate(m.Y)},
                0.0, 0.0)


def lp_grid_exclusivity(m: DirectModel, md: ModelData) -> None:
    """``model.electricity.add_grid_exclusivity``: in hours where exporting pays more,
    imp <= M_imp u, exp <= M_exp (1 - u), u binary (the same bounds and refusals)."""
    hours, m_imp, m_exp = exclusivity_bounds(md) if m.has_export else ([], {}, {})
    m.has_integers = bool(hours)
    if not hours:
        return
    u = m.lp.add_vars("grid_mode", [hours], 0.0, 1.0, integer=True)
    m.grid_mode = u
    yi = {y: i for i, y in enumerate(m.Y)}
    idx = tuple(np.array(a) for a in zip(*[(yi[y], p, h) for y, p, h in hours]))
    mi = np.array([m_imp[t] for t in hours])
    me = np.array([m_exp[t] for t in hours])
    n = len(hours)
    m.lp.add_rows((n,), [(1.0, m.imp.cols[idx]), (-mi, u.cols)], hi=0.0)
    m.lp.add_rows((n,), [(1.0, m.exp.cols[idx]), (me, u.cols)], hi=me, const=-me)


def lp_battery(m: DirectModel, md: ModelData) -> None:
    """``model.electricity.add_battery``: soc = soc_prev + eta ch - dis / eta; soc <= E,
    ch, dis <= P; d_min P <= E <= d_max P."""
    m.has_battery = md.battery_energy is not None
    if not m.has_battery:
        return
    m.ch, m.dis, m.soc = m.hourly("ch"), m.hourly("dis"), m.hourly("soc")
    eta = md.battery_eff
    pp, hp = prev_index(md)
    soc_prev = m.soc.cols[:, pp, hp]
    m.lp.add_rows(m.shape, [(1.0, m.soc.cols), (-1.0, soc_prev), (-eta, m.ch.cols), (1.0 / eta, m.dis.cols)], 0.0, 0.0)
    ie, ip = m.K.index("battery_energy"), m.K.index("battery_power")
    E = m.cap.cols[ie][:, None, None]
    P = m.cap.cols[ip][:, None, None]
    m.lp.add_rows(m.shape, [(1.0, m.soc.cols), (-1.0, E)], hi=0.0)
    m.lp.add_rows(m.shape, [(1.0, m.ch.cols), (-1.0, P)], hi=0.0)
    m.lp.add_rows(m.shape, [(1.0, m.dis.cols), (-1.0, P)], hi=0.0)
    nY = (len(m.Y),)
    if md.battery_min_h:
        m.lp.add_rows(nY, [(1.0, m.cap.cols[ie]), (-md.battery_min_h, m.cap.cols[ip])], lo=0.0)
    if md.battery_max_h:
        m.lp.add_rows(nY, [(1.0, m.cap.cols[ie]), (-md.battery_max_h, m.cap.cols[ip])], hi=0.0)


def lp_heaters(m: DirectModel, md: ModelData) -> None:
    """``model.heat.add_heaters``: q[k,l,t], qx[l,t] (existing boiler in service),
    sum_l q[k,l,t] <= cap[k,y]."""
    m.q = m.lp.add_vars("q", [m.KL, m.Y, m.P, m.H], arity=[2, 1, 1, 1])
    loads = [hl.name for hl in md.heat_loads]
    in_service = np.array([[(l, y) in m.LX_in_service for y in m.Y] for l in loads], dtype=bool).reshape(len(loads), len(m.Y))
    m.qx = m.lp.add_vars("qx", [loads, m.Y, m.P, m.H], present=in_service[:, :, None, None])
    m.load_index = {l: i for i, l in enumerate(loads)}
    heaters = sorted({k for k, _ in m.KL})
    m.HEATERS = heaters
    kli = {kl: i for i, kl in enumerate(m.KL)}
    for k in heaters:
        terms = [(1.0, m.q.cols[kli[(k, l)]]) for kk, l in m.KL if kk == k]
        terms.append((-1.0, m.cap.cols[m.K.index(k)][:, None, None]))
        m.lp.add_rows(m.shape, terms, hi=0.0)


def heater_terms(m: DirectModel, md: ModelData, existing_coef, new_coef) -> list:
    """As ``model.heat.heater_terms``, for all hours at once: [(coef, cols (Y,P,H))] of
    sum_l c_x(l) qx[l] + sum_{k,l} c_k q[k,l], zero coefficients skipped."""
    out = []
    for hl in md.heat_loads:
        c = existing_coef(hl)
        if c:
            out.append((c, m.qx.cols[m.load_index[hl.name]]))
    for i, (k, _l) in enumerate(m.KL):
        c = new_coef(md.heat_techs[k])
        if c:
            out.append((c, m.q.cols[i]))
    return out


def lp_thermal_storage(m: DirectModel, md: ModelData) -> None:
    """``model.heat.add_thermal_storage``: S = (1 - loss) S_prev + 0.98 tes_ch - sum_l tes_dis;
    S <= cap; tes_ch <= cap / t_ch."""
    m.has_tes = md.tes is not None
    if not m.has_tes:
        return
    m.LT = [hl.name for hl in md.heat_loads if hl.temperature_c <= md.tes_max_temp_c]
    m.tes_ch = m.hourly("tes_ch")
    m.tes_dis = m.lp.add_vars("tes_dis", [m.LT, m.Y, m.P, m.H])
    m.tes_soc = m.hourly("tes_soc")
    keep = 1 - md.tes_loss_per_h
    pp, hp = prev_index(md)
    terms = [(1.0, m.tes_soc.cols), (-keep, m.tes_soc.cols[:, pp, hp]), (-TES_CHARGE_EFFICIENCY, m.tes_ch.cols)]
    terms += [(1.0, m.tes_dis.cols[i]) for i in range(len(m.LT))]
    m.lp.add_rows(m.shape, terms, 0.0, 0.0)
    cap = m.cap.cols[m.K.index("thermal_storage")][:, None, None]
    m.lp.add_rows(m.shape, [(1.0, m.tes_soc.cols), (-1.0, cap)], hi=0.0)
    m.lp.add_rows(m.shape, [(1.0, m.tes_ch.cols), (-1.0 / md.tes_charge_h, cap)], hi=0.0)


def fuel_co2_terms(m: DirectModel, md: ModelData, scope: int) -> list:
    """``model.ccus.fuel_co2_t`` for all hours: heaters' CO2 of that scope."""
    return heater_terms(m, md, lambda hl: hl.existing_ef_t_per_mwh_heat if hl.existing_scope == scope else 0.0,
                        lambda ht: ht.fuel_ef_t_per_mwh_heat if scope == 1 else 0.0)


def lp_ccus(m: DirectModel, md: ModelData) -> None:
    """``model.ccus.add_ccus``: capture <= cap / 8760; capture <= rate x (process + combustion CO2)."""
    m.has_ccus = md.ccus is not None
    if not m.has_ccus:
        return
    m.capture = m.hourly("capture")
    cap = m.cap.cols[m.K.index("ccus")][:, None, None]
    m.lp.add_rows(m.shape, [(1.0, m.capture.cols), (-1.0 / HOURS_PER_YEAR, cap)], hi=0.0)
    const = np.zeros(len(m.Y))
    terms = [(1.0, m.capture.cols)]
    if "process" in md.ccus_sources:
        const = const + md.process_co2_t * m.g / HOURS_PER_YEAR
    if "combustion" in md.ccus_sources:
        const = const + md.other_fuel_stationary_t * m.g / HOURS_PER_YEAR
        terms += [(-md.ccus_rate * np.asarray(c, dtype=float), cols) for c, cols in fuel_co2_terms(m, md, 1)]
    rhs = np.broadcast_to((md.ccus_rate * const)[:, None, None], m.shape)
    m.lp.add_rows(m.shape, terms, hi=rhs, const=-rhs)


def lp_heat_balance(m: DirectModel, md: ModelData) -> None:
    """``model.heat.add_heat_balance``: sum_k q[k,l] + qx[l] + tes_dis[l] = D_h (1 - share[y])
    for process loads; = h_ccus x capture for CCUS regeneration. An hour with neither supply
    nor demand has no row; with demand but no supply the LP is infeasible."""
    tes_loads = set(m.LT) if m.has_tes else set()
    for l in m.L:
        terms = [(1.0, m.q.cols[i]) for i, (k, ll) in enumerate(m.KL) if ll == l]
        has_qx = l in m.load_index and any((l, y) in m.LX_in_service for y in m.Y)
        if has_qx:
            terms.append((1.0, m.qx.cols[m.load_index[l]]))
        if l in tes_loads:
            terms.append((1.0, m.tes_dis.cols[m.LT.index(l)]))
        if l == "ccus_regeneration":
            terms.append((-md.ccus_heat_mwh_per_t, m.capture.cols))
            m.lp.add_rows(m.shape, terms, 0.0, 0.0)
            continue
        hl = next(h for h in md.heat_loads if h.name == l)
        d = hl.demand_mwh_base * m.g[:, None, None] * np.asarray(hl.shape, dtype=float)[None]
        # hours with no supply term at all (Pyomo's rule: skip if no demand, infeasible if demand)
        supplied = np.zeros(m.shape, dtype=bool)
        for _c, cols in terms:
            supplied |= np.broadcast_to(cols, m.shape) >= 0
        unserved = ~supplied & (d != 0)
        if unserved.any() and not m.lp.trivially_infeasible:
            first = m.Y[int(np.flatnonzero(unserved.any(axis=(1, 2)))[0])]
            m.lp.trivially_infeasible = (
                f"heat load '{l}' has demand from {first} that nothing can supply: its existing boiler is retired "
                f"and no enabled heat technology reaches {hl.temperature_c:g} °C")
        terms.append((d, m.heat_saving_share.cols[:, None, None]))
        m.lp.add_rows(m.shape, terms, d, d, present=supplied, const=-d)


def lp_electricity_balance(m: DirectModel, md: ModelData) -> None:
    """``model.electricity.add_electricity_balance``: imp + pv_gen + dis + dl_use = D_e (1 -
    share[y]) + ch + exp + sum e q + tes_ch + e_ccus capture."""
    d = md.elec_demand_mwh_base * m.g[:, None, None] * np.asarray(md.elec_shape, dtype=float)[None]
    terms = [(1.0, m.imp.cols), (d, m.elec_saving_share.cols[:, None, None])]
    if m.has_pv:
        terms.append((1.0, m.pv_gen.cols))
    if m.has_export:
        terms.append((-1.0, m.exp.cols))
    if m.has_battery:
        terms += [(1.0, m.dis.cols), (-1.0, m.ch.cols)]
    if m.has_dl:
        terms.append((1.0, m.dl_use.cols))
    for i, (k, l) in enumerate(m.KL):
        e = md.heat_techs[k].elec_per_heat[l]
        if e > 0:
            terms.append((-e, m.q.cols[i]))
    if m.has_tes:
        terms.append((-1.0, m.tes_ch.cols))
    if m.has_ccus and md.ccus_elec_mwh_per_t > 0:
        terms.append((-md.ccus_elec_mwh_per_t, m.capture.cols))
    m.lp.add_rows(m.shape, terms, d, d, const=-d)


def lp_offsets(m: DirectModel, md: ModelData) -> None:
    """``model.emissions.add_offsets``: gp, gec, off, rem (fixed at 0 where not allowed,
    capped); import_mwh = sum_t w imp; gp + gec <= import_mwh; off + rem <= share x B."""
    m.gp, m.gec, m.off, m.rem = (m.yearly(n) for n in ("gp", "gec", "off", "rem"))
    m.import_mwh = m.yearly("import_mwh")
    m.year_rows("import_def", {y: m.ycol(m.import_mwh, j) - m.wsum(j, [(1.0, m.imp.cols)]) for j, y in enumerate(m.Y)},
                0.0, 0.0)
    m.year_rows("green_le_import", {y: m.ycol(m.gp, j) + m.ycol(m.gec, j) - m.ycol(m.import_mwh, j)
                                    for j, y in enumerate(m.Y)}, None, 0.0)
    early_ok = md.rule.offsets_allowed_before_target_year
    for var, on, cap in ((m.gp, md.green_power_enabled, md.green_power_max_mwh),
                         (m.gec, md.gec_enabled, md.gec_max_mwh),
                         (m.off, md.offsets_enabled, md.offsets_max_t),
                         (m.rem, md.removals_enabled, md.removals_max_t)):
        if not on:
            var.fix(True)
        elif cap is not None:
            var.set_ub(True, cap)
    if not early_ok:
        before = np.array([y < md.target_year for y in m.Y])
        m.off.fix(before)
        m.rem.fix(before)
    if md.rule.max_offset_share is not None:
        limit = md.rule.max_offset_share * md.baseline_t
        m.year_rows("offset_cap", {y: m.ycol(m.off, j) + m.ycol(m.rem, j) for j, y in enumerate(m.Y)}, None, limit)


def lp_direct_line_rules(m: DirectModel, md: ModelData) -> None:
    """``model.direct_line.add_direct_line_rules``: self-consumption, feed-in cap, share of consumption."""
    if not m.has_dl:
        return
    dl = md.direct_line
    g1 = dl_available_mwh_per_mw(md)
    J = list(enumerate(m.Y))
    m.year_rows("dl_self_consumption", {y: m.ycol(m.dl_use_mwh, j) - m.ycol(m.dl_cap, j) * (dl.min_self_consumption_share * g1)
                                        for j, y in J}, 0.0, None)
    m.year_rows("dl_feed_in_cap", {y: m.wsum(j, [(1.0, m.dl_feed.cols)]) - m.ycol(m.dl_cap, j) * (dl.max_feed_in_share * g1)
                                   for j, y in J}, None, 0.0)

    def consumption(j):
        pv = Lin()
        if m.has_pv:
            pv = m.wsum(j, [(1.0, m.pv_gen.cols)] + ([(-1.0, m.exp.cols)] if m.has_export else []))
        return m.ycol(m.import_mwh, j) + pv + m.ycol(m.dl_use_mwh, j)

    m.year_rows("dl_share_of_consumption", {y: m.ycol(m.dl_use_mwh, j) - consumption(j) * dl.min_share_of_consumption[y]
                                            for j, y in J if dl.min_share_of_consumption[y] > 0}, 0.0, None)


def lp_emissions(m: DirectModel, md: ModelData) -> None:
    """``model.emissions.add_emissions``: boiler CO2 by scope (variables with their defining
    rows), S1, S2 heat, S2 location / market, captured, E[y] and Eown[y] (expressions)."""
    other_s1 = sum(v for f, v in md.other_fuel_t.items() if f != "purchased_heat")
    other_s2 = md.other_fuel_t.get("purchased_heat", 0.0)
    J = list(enumerate(m.Y))
    m.boiler_co2_s1 = m.yearly("boiler_co2_s1")
    m.boiler_co2_s2 = m.yearly("boiler_co2_s2")
    t1, t2 = fuel_co2_terms(m, md, 1), fuel_co2_terms(m, md, 2)
    m.year_rows("boiler_co2_s1_def", {y: m.ycol(m.boiler_co2_s1, j) - m.wsum(j, t1) for j, y in J}, 0.0, 0.0)
    m.year_rows("boiler_co2_s2_def", {y: m.ycol(m.boiler_co2_s2, j) - m.wsum(j, t2) for j, y in J}, 0.0, 0.0)
    s1_fuel = {y: m.ycol(m.boiler_co2_s1, j) + other_s1 * md.growth[y] for j, y in J}
    s1_process = {y: Lin(const=md.process_co2_t * md.growth[y]) for y in m.Y}
    s2_heat = {y: m.ycol(m.boiler_co2_s2, j) + other_s2 * md.growth[y] for j, y in J}
    s2_loc = {y: m.ycol(m.import_mwh, j) * md.grid_location[y] for j, y in J}
    s2_mkt = {y: (m.ycol(m.import_mwh, j) - m.ycol(m.gp, j) - m.ycol(m.gec, j)) * md.grid_market[y] for j, y in J}
    if m.has_ccus:
        m.captured = m.yearly("captured")
        m.year_rows("captured_def", {y: m.ycol(m.captured, j) - m.wsum(j, [(1.0, m.capture.cols)]) for j, y in J}, 0.0, 0.0)
        captured = {y: m.ycol(m.captured, j) for j, y in J}
    else:
        captured = {y: Lin() for y in m.Y}
    s2 = s2_mkt if md.scope2_method == "market" else s2_loc
    em = {y: s1_fuel[y] + s1_process[y] + s2_heat[y] + s2[y] - captured[y] for y in m.Y}
    own = {y: em[y] + instruments_added_back(m, md, j, y) for j, y in J}
    m.s1_fuel, m.s1_process, m.s2_heat, m.s2_loc, m.s2_mkt = s1_fuel, s1_process, s2_heat, s2_loc, s2_mkt
    m.captured_lin = captured
    m.emissions = ExprArray(m.lp, "emissions", em)
    m.own_emissions = ExprArray(m.lp, "own_emissions", own)


def instruments_added_back(m: DirectModel, md: ModelData, j: int, y: int) -> Lin:
    """``model.emissions.instruments_added_back``: f_mkt x ((1 - k_gec) gec + (1 - k_gp) gp)."""
    out = Lin()
    if md.scope2_method != "market":
        return out
    if not md.rule.certificates_count_as_own_reduction:
        out = out + m.ycol(m.gec, j) * md.grid_market[y]
    if not md.rule.green_power_counts_as_own_reduction:
        out = out + m.ycol(m.gp, j) * md.grid_market[y]
    return out


def lp_target_ceiling(m: DirectModel, md: ModelData) -> None:
    """``model.emissions.add_target_ceiling``: E[y] - off[y] - rem[y] (- s[y]) <= C[y]."""
    if m.ceiling_slack:
        m.slack_ceiling = m.yearly("slack_ceiling")
    lins = {}
    for j, y in enumerate(m.Y):
        if y not in md.ceiling_t:
            continue
        lin = m.emissions.lin(y) - m.ycol(m.off, j) - m.ycol(m.rem, j)
        if m.ceiling_slack:
            lin = lin - m.ycol(m.slack_ceiling, j)
        lins[y] = lin
    m.year_rows("ceiling", lins, None, {y: md.ceiling_t[y] for y in lins})


def lp_near_zero_rules(m: DirectModel, md: ModelData) -> None:
    """``model.emissions.add_near_zero_rules``: Eown[y] (- s[y]) <= (1 - x_own) B from the target year."""
    x = md.rule.min_own_reduction_share
    years = [y for y in m.Y if y >= md.target_year]
    if x is None or not years:
        return
    m.Y_TARGET = years
    if m.ceiling_slack:
        m.slack_own = m.lp.add_vars("slack_own", [years])
    limit = (1 - x) * md.baseline_t
    lins = {}
    for i, y in enumerate(years):
        lin = m.own_emissions.lin(y)
        if m.ceiling_slack:
            lin = lin - Lin.of(m.slack_own.cols[i])
        lins[y] = lin
    m.year_rows("own_reduction", lins, None, limit)


def lp_green_share(m: DirectModel, md: ModelData) -> None:
    """``model.emissions.add_green_share``: PVg + DL + gp + gec (+ s) >= z (import + PVg + DL),
    PVg = pv_used - battery_loss, with their defining rows."""
    z = md.rule.min_green_electricity_share
    years = [y for y in m.Y if y >= md.target_year]
    if not z or not years:
        return
    J = list(enumerate(m.Y))
    if m.has_pv:
        m.pv_used = m.yearly("pv_used")
        terms = [(1.0, m.pv_gen.cols)] + ([(-1.0, m.exp.cols)] if m.has_export else [])
        m.year_rows("pv_used_def", {y: m.ycol(m.pv_used, j) - m.wsum(j, terms) for j, y in J}, 0.0, 0.0)
        pv_used = {y: m.ycol(m.pv_used, j) for j, y in J}
    else:
        pv_used = {y: Lin() for y in m.Y}
    if m.has_battery:
        m.battery_loss = m.yearly("battery_loss", -INF, INF)
        m.year_rows("battery_loss_def", {y: m.ycol(m.battery_loss, j) - m.wsum(j, [(1.0, m.ch.cols), (-1.0, m.dis.cols)])
                                         for j, y in J}, 0.0, 0.0)
        loss = {y: m.ycol(m.battery_loss, j) for j, y in J}
    else:
        loss = {y: Lin() for y in m.Y}
    m.Y_GREEN = years
    if m.ceiling_slack:
        m.slack_green = m.lp.add_vars("slack_green", [years])
    lins = {}
    for i, y in enumerate(years):
        j = m.Y.index(y)
        green = pv_used[y] - loss[y]
        dl = m.ycol(m.dl_use_mwh, j) if m.has_dl else Lin()
        lin = green + dl + m.ycol(m.gp, j) + m.ycol(m.gec, j) - (m.ycol(m.import_mwh, j) + green + dl) * z
        if m.ceiling_slack:
            lin = lin + Lin.of(m.slack_green.cols[i])
        lins[y] = lin
    m.year_rows("green_share", lins, 0.0, None)


def lp_objective(m: DirectModel, md: ModelData) -> None:
    """``model.objective.add_costs`` and ``add_objective``: min OBJ_SCALE x sum_y d(y) x
    sum_c cost[c, y] (+ slack penalties in diagnosis mode); CBAM floors z >= L_p(y)."""
    lp = m.lp
    r = md.discount_rate
    J = list(enumerate(m.Y))
    disc = np.array([md.discount[y] for y in m.Y])
    esc = np.array([md.energy_escalation[y] for y in m.Y])
    k_y = OBJ_SCALE * disc  # objective weight of a CNY of year y
    wp = m.w[None, :, None]
    # capex annuity: build[k,v] x capex(v) x CRF over the years v serves
    for i, k in enumerate(m.K):
        b = m.blocks[k]
        c = crf(r, b.life_years)
        for jv, v in J:
            served = sum(k_y[j] for j, y in J if active(v, y, b.life_years))
            lp.add_cost(m.build.cols[i, jv], served * float(b.capex_cny_per_unit[v]) * c)
        if b.fom_cny_per_unit_yr:
            lp.add_cost(m.cap.cols[i], k_y * b.fom_cny_per_unit_yr)
    price = np.asarray(md.price_cny_per_mwh, dtype=float)[None]
    kh = (k_y * esc)[:, None, None] * wp  # per MWh-hour of year y, with the weight of its period
    lp.add_cost(m.imp.cols, kh * price)
    if m.has_peak:
        lp.add_cost(m.peak.cols, k_y * esc * md.demand_charge_cny_per_mw_yr)
    if m.has_export:
        lp.add_cost(m.exp.cols, -kh * md.export_price_cny_per_mwh)
    for c, cols in heater_terms(m, md, lambda hl: hl.existing_cost_cny_per_mwh_heat, lambda ht: ht.fuel_cost_cny_per_mwh_heat):
        lp.add_cost(cols, kh * c)
    lp.cost_const += float((k_y * esc * sum(md.other_fuel_cost_cny.values()) * m.g).sum())
    lp.add_cost(m.gp.cols, k_y * md.green_power_premium)
    lp.add_cost(m.gec.cols, k_y * np.array([float(md.gec_price.get(y, 0.0)) for y in m.Y]))
    lp.add_cost(m.off.cols, k_y * md.offset_price)
    lp.add_cost(m.rem.cols, k_y * md.removal_price)
    for j, y in J:
        ky = float(k_y[j])
        lp.add_cost_lin(m.captured_lin[y], ky * md.ccus_var_cny_per_t)
        cp = float(md.carbon_price[y])
        if cp:
            base = m.emissions.lin(y) if md.carbon_price_covers == "all" else m.s1_fuel[y] + m.s1_process[y] - m.captured_lin[y]
            lp.add_cost_lin(base, ky * cp)
    w = md.battery_degradation_cny_per_mwh
    if m.has_battery and w:
        lp.add_cost(m.dis.cols, k_y[:, None, None] * wp * w)
    lp_exposure_cost(m, md, k_y)
    if m.has_dl:
        dl = md.direct_line
        c = crf(r, dl.life_years)
        lp.add_cost(m.dl_use_mwh.cols, k_y * dl.energy_price_cny_per_mwh)
        for jv, v in J:
            served = sum(k_y[j] for j, y in J if active(v, y, dl.life_years))
            lp.add_cost(m.dl_build.cols[jv], served * dl.capex_cny_per_mw * c)
        lp.add_cost(m.dl_cap.cols, k_y * dl.fom_cny_per_mw_yr)
    if m.ceiling_slack:
        pen = OBJ_SCALE * SLACK_PENALTY_CNY_PER_T
        lp.add_cost(m.slack_ceiling.cols, pen)
        if hasattr(m, "slack_own"):
            lp.add_cost(m.slack_own.cols, pen)
        if hasattr(m, "slack_green"):
            lp.add_cost(m.slack_green.cols, pen)


def lp_exposure_cost(m: DirectModel, md: ModelData, k_y: np.ndarray) -> None:
    """``model.objective.add_exposure_cost``: cbam_ets[y] = L_ets(y) + sum_p z[p,y],
    z[p,y] >= L_p(y), z >= 0, with L(y) = k1 (S1 - CAP) + kh H + ke E2_loc + k0."""
    ex = md.exposure
    m.has_exposure = ex is not None and (ex.ets is not None or bool(ex.cbam))
    if not m.has_exposure:
        return

    def lin(c, y):
        return ((m.s1_fuel[y] + m.s1_process[y] - m.captured_lin[y]) * c.s1.get(y, 0.0) + m.s2_heat[y] * c.heat.get(y, 0.0)
                + m.s2_loc[y] * c.elec.get(y, 0.0) + c.const.get(y, 0.0))

    J = list(enumerate(m.Y))
    products = list(range(len(ex.cbam)))
    m.cbam_z = m.lp.add_vars("cbam_z", [products, m.Y])
    lins = {(i, y): Lin.of(m.cbam_z.cols[i, j]) - lin(ex.cbam[i], y) for i in products for j, y in J}
    m.year_rows("cbam_floor", lins, 0.0, None)
    for j, y in J:
        if ex.ets is not None:
            m.lp.add_cost_lin(lin(ex.ets, y), float(k_y[j]))
        for i in products:
            m.lp.add_cost(m.cbam_z.cols[i, j], float(k_y[j]))
