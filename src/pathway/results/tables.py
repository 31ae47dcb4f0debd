"""Tidy result tables from a solved model (long format, units in column names).

Hourly values are pulled into numpy arrays of shape (years, periods, 24) once, and
every table is computed from those arrays and the model data, not from Pyomo
expressions, so the post-solve checks (checks.py) compare two independent routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from pathway.inputs.data import ModelData
from pathway.model.emissions import probe_delta_t
from pathway.model.investment import active
from pathway.model.objective import COST_CATEGORIES, OBJ_SCALE
from pathway.money import crf
from pathway.technologies import (
    LEVER_ORDER,  # noqa: F401  (re-exported: the attribution order)
    capacity_unit,
)
from pathway.units import HOURS_PER_DAY


@dataclass
class Arrays:
    """Hourly solution values, each (Y, P, 24), and yearly values, each (Y,)."""

    y: dict[str, np.ndarray] = field(default_factory=dict)
    t: dict[str, np.ndarray] = field(default_factory=dict)
    q: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # (heater, load)
    qx: dict[str, np.ndarray] = field(default_factory=dict)  # existing boiler by load
    tes_dis: dict[str, np.ndarray] = field(default_factory=dict)


def _hourly(var, shape, years, index_prefix=()) -> np.ndarray:
    out = np.zeros(shape)
    vals = var.extract_values()
    yi = {y: i for i, y in enumerate(years)}
    n = len(index_prefix)
    for key, v in vals.items():
        if n and key[:n] != index_prefix:
            continue
        y, p, h = key[n:]
        out[yi[y], p, h] = v or 0.0
    return out


def extract_arrays(m: pyo.ConcreteModel, md: ModelData) -> Arrays:
    years = md.years
    shape = (len(years), md.n_periods, HOURS_PER_DAY)
    a = Arrays()
    a.t["imp"] = _hourly(m.imp, shape, years)
    a.t["exp"] = _hourly(m.exp, shape, years) if m.has_export else np.zeros(shape)
    a.t["pv_gen"] = _hourly(m.pv_gen, shape, years) if m.has_pv else np.zeros(shape)
    for name in ("ch", "dis", "soc"):
        a.t[name] = _hourly(getattr(m, name), shape, years) if m.has_battery else np.zeros(shape)
    a.t["tes_ch"] = _hourly(m.tes_ch, shape, years) if m.has_tes else np.zeros(shape)
    a.t["tes_soc"] = _hourly(m.tes_soc, shape, years) if m.has_tes else np.zeros(shape)
    a.t["capture"] = _hourly(m.capture, shape, years) if m.has_ccus else np.zeros(shape)
    for k, l in m.KL:
        a.q[(k, l)] = _hourly(m.q, shape, years, (k, l))
    qx_vals = m.qx.extract_values()
    yi = {y: i for i, y in enumerate(years)}
    for hl in md.heat_loads:
        arr = np.zeros(shape)
        for (l, y, p, h), v in qx_vals.items():
            if l == hl.name:
                arr[yi[y], p, h] = v or 0.0
        a.qx[hl.name] = arr
    if m.has_tes:
        for l in m.LT:
            a.tes_dis[l] = _hourly(m.tes_dis, shape, years, (l,))
    for name in ("gp", "gec", "off", "rem"):
        a.y[name] = np.array([pyo.value(getattr(m, name)[y]) for y in years])
    a.y["peak"] = np.array([pyo.value(m.peak[y]) for y in years]) if m.has_peak else np.zeros(len(years))
    a.y["build"] = {k: np.array([pyo.value(m.build[k, y]) for y in years]) for k in m.K}
    return a


def wsum(md: ModelData, arr: np.ndarray) -> np.ndarray:
    """Yearly totals sum_{p,h} w_p x arr[y,p,h] -> (Y,)."""
    return np.einsum("yph,p->y", arr, md.weights)


def capacity_in_service(md: ModelData, builds: dict[str, np.ndarray], blocks: dict) -> dict[str, np.ndarray]:
    years = md.years
    out = {}
    for k, b in builds.items():
        life = blocks[k].life_years
        out[k] = np.array([sum(b[j] for j, v in enumerate(years) if active(v, y, life)) for y in years])
    return out


def demand_arrays(md: ModelData, a: Arrays, blocks: dict) -> dict[str, np.ndarray]:
    """Demand before savings and the savings, (Y,P,24), electricity and each heat load."""
    g = np.array([md.growth[y] for y in md.years])
    cap = capacity_in_service(md, a.y["build"], blocks)
    sav_e = sum((md.efficiency[k][2] * cap[k] for k in md.efficiency if md.efficiency[k][1] == "electricity"), np.zeros(len(md.years)))
    sav_h = sum((md.efficiency[k][2] * cap[k] for k in md.efficiency if md.efficiency[k][1] == "heat"), np.zeros(len(md.years)))
    out = {"elec_demand": md.elec_demand_mwh_base * g[:, None, None] * md.elec_shape[None]}
    out["elec_saving"] = out["elec_demand"] * sav_e[:, None, None]
    for hl in md.heat_loads:
        d = hl.demand_mwh_base * g[:, None, None] * hl.shape[None]
        out[f"heat_demand:{hl.name}"] = d
        out[f"heat_saving:{hl.name}"] = d * sav_h[:, None, None]
    return out


def build_tables(m: pyo.ConcreteModel, md: ModelData, a: Arrays, duals: dict, objective: float,
                 probe_objectives: dict | None = None) -> dict[str, pd.DataFrame]:
    years = md.years
    Y = len(years)
    blocks = m.blocks
    cap = capacity_in_service(md, a.y["build"], blocks)
    dem = demand_arrays(md, a, blocks)
    f_loc = np.array([md.grid_location[y] for y in years])
    f_mkt = np.array([md.grid_market[y] for y in years])
    f_target = f_mkt if md.scope2_method == "market" else f_loc
    g = np.array([md.growth[y] for y in years])
    tables: dict[str, pd.DataFrame] = {}

    # ---- capacity, builds, capex ----------------------------------------------------
    rows_cap, rows_build, rows_capex = [], [], []
    for k, b in blocks.items():
        unit = capacity_unit(k)
        for i, y in enumerate(years):
            rows_cap.append(dict(technology=k, year=y, capacity=cap[k][i], unit=unit))
            rows_build.append(dict(technology=k, year=y, build=a.y["build"][k][i], unit=unit))
            gross = a.y["build"][k][i] * (b.capex_cny_per_unit[y] + b.subsidy_cny_per_unit)
            sub = a.y["build"][k][i] * b.subsidy_cny_per_unit
            rows_capex.append(dict(technology=k, year=y, capex_cny=gross, subsidy_cny=sub, net_capex_cny=gross - sub))
    tables["capacity"] = pd.DataFrame(rows_cap, columns=["technology", "year", "capacity", "unit"])
    tables["builds"] = pd.DataFrame(rows_build, columns=["technology", "year", "build", "unit"])
    tables["capex"] = pd.DataFrame(rows_capex, columns=["technology", "year", "capex_cny", "subsidy_cny", "net_capex_cny"])

    # ---- energy flows ---------------------------------------------------------------
    heat_elec_proc = np.zeros((Y, md.n_periods, HOURS_PER_DAY))
    heat_elec_regen = np.zeros_like(heat_elec_proc)
    fuel_em_proc = np.zeros_like(heat_elec_proc)
    fuel_em_regen = np.zeros_like(heat_elec_proc)
    fuel_cost_new = np.zeros_like(heat_elec_proc)
    for (k, l), arr in a.q.items():
        ht = md.heat_techs[k]
        e = ht.elec_per_heat[l] * arr
        em = ht.fuel_ef_t_per_mwh_heat * arr
        fuel_cost_new += ht.fuel_cost_cny_per_mwh_heat * arr
        if l == "ccus_regeneration":
            heat_elec_regen += e
            fuel_em_regen += em
        else:
            heat_elec_proc += e
            fuel_em_proc += em
    tes_elec = a.t["tes_ch"]
    ccus_elec = md.ccus_elec_mwh_per_t * a.t["capture"]
    pv_used = a.t["pv_gen"] - a.t["exp"]

    # ---- emissions by source --------------------------------------------------------
    rows_em = []

    def em(year_i, source, scope, method, value):
        rows_em.append(dict(year=years[year_i], source=source, scope=scope, method=method, emissions_t=float(value)))

    existing_s1 = np.zeros(Y)
    existing_s2 = np.zeros(Y)
    for hl in md.heat_loads:
        e = wsum(md, a.qx[hl.name]) * hl.existing_ef_t_per_mwh_heat
        for i in range(Y):
            em(i, f"existing boiler: {hl.name} ({hl.existing_fuel})" if hl.existing_scope == 1 else f"purchased heat: {hl.name}",
               hl.existing_scope, "both", e[i])
        if hl.existing_scope == 1:
            existing_s1 += e
        else:
            existing_s2 += e
    new_fuel = {k: wsum(md, sum((arr for (kk, _l), arr in a.q.items() if kk == k), np.zeros_like(heat_elec_proc)))
                * md.heat_techs[k].fuel_ef_t_per_mwh_heat for k in md.heat_techs if md.heat_techs[k].kind == "fuel"}
    for k, e in new_fuel.items():
        for i in range(Y):
            em(i, f"new {k}", 1, "both", e[i])
    for fuel, t in md.other_fuel_t.items():
        scope = 2 if fuel == "purchased_heat" else 1
        for i in range(Y):
            em(i, f"other fuel use: {fuel}", scope, "both", t * g[i])
    for i in range(Y):
        em(i, "process", 1, "both", md.process_co2_t * g[i])
    imp_y = wsum(md, a.t["imp"])
    covered = a.y["gp"] + a.y["gec"]
    captured = wsum(md, a.t["capture"])
    for i in range(Y):
        em(i, "grid electricity", 2, "location", imp_y[i] * f_loc[i])
        em(i, "grid electricity (not covered by green power or GEC)", 2, "market", (imp_y[i] - covered[i]) * f_mkt[i])
        em(i, "CCUS capture", 1, "both", -captured[i])
    emissions = pd.DataFrame(rows_em, columns=["year", "source", "scope", "method", "emissions_t"])
    tables["emissions"] = emissions

    def total(method: str) -> np.ndarray:
        sel = emissions[emissions.method.isin(["both", method])]
        return sel.groupby("year")["emissions_t"].sum().reindex(years).to_numpy()

    e_loc, e_mkt = total("location"), total("market")
    e_direct = emissions[emissions.scope == 1].groupby("year")["emissions_t"].sum().reindex(years).fillna(0.0).to_numpy()
    e_target = e_mkt if md.scope2_method == "market" else e_loc
    offsets_t = a.y["off"] + a.y["rem"]

    # ---- costs ----------------------------------------------------------------------
    r = md.discount_rate
    rows_cost = []
    price = md.price_cny_per_mwh
    esc = np.array([md.energy_escalation[y] for y in years])
    capex_ann = np.zeros(Y)
    fom = np.zeros(Y)
    for k, b in blocks.items():
        c_k = crf(r, b.life_years)
        for i, y in enumerate(years):
            capex_ann[i] += sum(a.y["build"][k][j] * b.capex_cny_per_unit[v] * c_k
                                for j, v in enumerate(years) if active(v, y, b.life_years))
            fom[i] += cap[k][i] * b.fom_cny_per_unit_yr
    existing_fuel_cost = sum((wsum(md, a.qx[hl.name]) * hl.existing_cost_cny_per_mwh_heat for hl in md.heat_loads), np.zeros(Y))
    cost = {
        "capex_annuity": capex_ann,
        "fixed_om": fom,
        "grid_energy": esc * wsum(md, a.t["imp"] * price[None]),
        "demand_charge": esc * md.demand_charge_cny_per_mw_yr * a.y["peak"],
        "export_revenue": -esc * (md.export_price_cny_per_mwh or 0.0) * wsum(md, a.t["exp"]),
        "fuel": esc * (existing_fuel_cost + wsum(md, fuel_cost_new) + sum(md.other_fuel_cost_cny.values()) * g),
        "green_power_premium": md.green_power_premium * a.y["gp"],
        "green_certificates": np.array([md.gec_price.get(y, 0.0) for y in years]) * a.y["gec"],
        "offsets": md.offset_price * a.y["off"] + md.removal_price * a.y["rem"],
        "ccus_variable": md.ccus_var_cny_per_t * captured,
        "carbon_price": np.array([md.carbon_price[y] for y in years]) * (e_target if md.carbon_price_covers == "all" else e_direct),
        "battery_degradation": md.battery_degradation_cny_per_mwh * wsum(md, a.t["dis"]),
    }
    for c in COST_CATEGORIES:
        for i, y in enumerate(years):
            rows_cost.append(dict(year=y, category=c, cost_cny=float(cost[c][i]),
                                  discounted_cost_cny=float(cost[c][i] * md.discount[y])))
    tables["costs"] = pd.DataFrame(rows_cost, columns=["year", "category", "cost_cny", "discounted_cost_cny"])

    # ---- abatement by lever (sequential attribution) --------------------------------
    tables["abatement"] = abatement_table(md, a, dem, heat_elec_proc, heat_elec_regen, fuel_em_proc, fuel_em_regen,
                                          tes_elec, ccus_elec, pv_used, captured, e_target, f_target)

    # ---- energy balance (yearly MWh) ------------------------------------------------
    rows_eb = []

    def eb(carrier, flow, arr_y):
        for i, y in enumerate(years):
            rows_eb.append(dict(year=y, carrier=carrier, flow=flow, energy_mwh=float(arr_y[i])))

    eb("electricity", "supply: grid import", imp_y)
    eb("electricity", "supply: PV", wsum(md, a.t["pv_gen"]))
    eb("electricity", "supply: battery discharge", wsum(md, a.t["dis"]))
    eb("electricity", "use: demand before savings", wsum(md, dem["elec_demand"]))
    eb("electricity", "use: efficiency savings", -wsum(md, dem["elec_saving"]))
    eb("electricity", "use: battery charge", wsum(md, a.t["ch"]))
    eb("electricity", "use: heat for process loads", wsum(md, heat_elec_proc))
    eb("electricity", "use: thermal storage charge", wsum(md, tes_elec))
    eb("electricity", "use: CCUS regeneration heat", wsum(md, heat_elec_regen))
    eb("electricity", "use: CCUS compression and auxiliaries", wsum(md, ccus_elec))
    eb("electricity", "use: PV export", wsum(md, a.t["exp"]))
    for hl in md.heat_loads:
        eb(f"heat:{hl.name}", "use: demand before savings", wsum(md, dem[f"heat_demand:{hl.name}"]))
        eb(f"heat:{hl.name}", "use: efficiency savings", -wsum(md, dem[f"heat_saving:{hl.name}"]))
        eb(f"heat:{hl.name}", f"supply: existing {hl.existing_fuel}", wsum(md, a.qx[hl.name]))
        if hl.name in a.tes_dis:
            eb(f"heat:{hl.name}", "supply: thermal storage", wsum(md, a.tes_dis[hl.name]))
    for (k, l), arr in a.q.items():
        eb(f"heat:{l}", f"supply: {k}", wsum(md, arr))
    if md.ccus is not None:
        eb("heat:ccus_regeneration", "use: CCUS regeneration", captured * md.ccus_heat_mwh_per_t)
    tables["energy_balance"] = pd.DataFrame(rows_eb, columns=["year", "carrier", "flow", "energy_mwh"])

    # ---- dispatch (hourly, per period) ----------------------------------------------
    tables["dispatch"] = dispatch_table(md, a, dem, heat_elec_proc + heat_elec_regen + tes_elec + ccus_elec)

    # ---- yearly pathway summary ------------------------------------------------------
    mac = marginal_abatement_costs(m, md, objective, probe_objectives or {})
    own = np.array([pyo.value(m.own_emissions[y]) for y in years])
    # green share: battery losses L = sum w (ch - dis) count as lost PV, out of the green
    # electricity and the consumption alike (model.emissions.add_green_share)
    battery_loss = wsum(md, a.t["ch"] - a.t["dis"])
    green = wsum(md, pv_used) - battery_loss + a.y["gp"] + a.y["gec"]
    consumption = imp_y + wsum(md, pv_used)
    green_base = consumption - battery_loss
    pathway = pd.DataFrame({
        "year": years,
        "emissions_t": e_target,
        "emissions_location_t": e_loc,
        "emissions_market_t": e_mkt,
        "offsets_t": offsets_t,
        "net_emissions_t": e_target - offsets_t,
        "ceiling_t": [md.ceiling_t.get(y, np.nan) for y in years],
        "captured_t": captured,
        "green_electricity_share": np.divide(green, green_base, out=np.zeros(Y), where=green_base > 0),
        "electricity_use_mwh": consumption,
        "battery_losses_mwh": battery_loss,
        "grid_import_mwh": imp_y,
        "output": [md.scenario.production.output_per_yr * md.growth[y] for y in years],
        "intensity_t_per_unit": e_target / np.array([md.scenario.production.output_per_yr * md.growth[y] for y in years]),
        "own_emissions_t": own,
        "marginal_abatement_cost_cny_per_t": [mac[y] for y in years],
        "offset_price_cny_per_t": [offset_price(md, a.y["off"][i], a.y["rem"][i]) for i in range(Y)],
        "binding_rule": [binding_rule(m, md, y) for y in years],
    })
    tables["pathway"] = pathway
    return tables


def abatement_table(md, a, dem, heat_elec_proc, heat_elec_regen, fuel_em_proc, fuel_em_regen, tes_elec, ccus_elec,
                    pv_used, captured, e_target, f) -> pd.DataFrame:
    """Sequential attribution, in the fixed order of LEVER_ORDER. With f the scope-2 factor
    of the target's method, BAU(y) the emissions with no action (existing boilers meet all
    heat, the grid all electricity), each lever's abatement is the change it makes given the
    levers before it:

        efficiency       = f x S_e + sum_l ef_x,l x S_h,l
        electrification  = sum_l ef_x,l x (Q_new,l + TES_l) - f x E_heat - F_new      (process loads)
        onsite_pv        = f x (PVused - X_pv)           storage = -f x (ch - dis)
        green_power      = f x gp,   green_certificates = f x gec   (market method only)
        ccus_net         = CAP - f x (E_regen + E_ccus) - F_regen
        offsets          = off + rem

    so that B + (BAU(y) - B) - sum(levers before offsets) = E(y) exactly; the check table
    verifies it after every solve.
    """
    years = md.years
    Y = len(years)
    g = np.array([md.growth[y] for y in years])
    existing_pv = float((md.weights[:, None] * md.existing_pv_mwh).sum())
    elec_bau = wsum(md, dem["elec_demand"]) - existing_pv
    bau = f * elec_bau + sum(md.other_fuel_t.values()) * g + md.process_co2_t * g
    eff = f * wsum(md, dem["elec_saving"])
    elec_heat = np.zeros(Y)
    for hl in md.heat_loads:
        d = wsum(md, dem[f"heat_demand:{hl.name}"])
        bau = bau + hl.existing_ef_t_per_mwh_heat * d
        eff = eff + hl.existing_ef_t_per_mwh_heat * wsum(md, dem[f"heat_saving:{hl.name}"])
        new = sum((wsum(md, arr) for (k, l), arr in a.q.items() if l == hl.name), np.zeros(Y))
        if hl.name in a.tes_dis:
            new = new + wsum(md, a.tes_dis[hl.name])
        elec_heat = elec_heat + hl.existing_ef_t_per_mwh_heat * new
    elec_heat = elec_heat - f * wsum(md, heat_elec_proc + tes_elec) - wsum(md, fuel_em_proc)
    levers = {
        "efficiency": eff,
        "electrification_and_fuel_switch": elec_heat,
        "onsite_pv": f * (wsum(md, pv_used) - existing_pv),
        "storage": -f * wsum(md, a.t["ch"] - a.t["dis"]),
        "green_power": f * a.y["gp"] if md.scope2_method == "market" else np.zeros(Y),
        "green_certificates": f * a.y["gec"] if md.scope2_method == "market" else np.zeros(Y),
        "ccus_net_of_penalty": captured - f * wsum(md, heat_elec_regen + ccus_elec) - wsum(md, fuel_em_regen),
        "offsets": a.y["off"] + a.y["rem"],
    }
    rows = []
    for i, y in enumerate(years):
        rows.append(dict(year=y, order=0, lever="baseline", abatement_t=float("nan"), emissions_after_t=md.baseline_t))
        rows.append(dict(year=y, order=1, lever="growth_and_grid_factor", abatement_t=float(md.baseline_t - bau[i]),
                         emissions_after_t=float(bau[i])))
        level = bau[i]
        for j, lever in enumerate(LEVER_ORDER):
            level = level - levers[lever][i]
            rows.append(dict(year=y, order=j + 2, lever=lever, abatement_t=float(levers[lever][i]), emissions_after_t=float(level)))
    return pd.DataFrame(rows, columns=["year", "order", "lever", "abatement_t", "emissions_after_t"])


def dispatch_table(md: ModelData, a: Arrays, dem: dict, elec_for_heat_ccus: np.ndarray) -> pd.DataFrame:
    """Hourly dispatch per (year, period, hour), MWh in the hour, wide over flows."""
    Y, P = len(md.years), md.n_periods
    idx = pd.MultiIndex.from_product([md.years, range(P), range(HOURS_PER_DAY)], names=["year", "period", "hour"])
    df = pd.DataFrame(index=idx)
    df["weight_days"] = np.tile(np.repeat(md.weights, HOURS_PER_DAY), Y)
    df["day_of_year"] = np.tile(np.repeat(md.periods.day_of_period, HOURS_PER_DAY), Y)
    df["price_cny_per_mwh"] = np.tile(md.price_cny_per_mwh.ravel(), Y) * np.repeat([md.energy_escalation[y] for y in md.years], P * HOURS_PER_DAY)
    df["tou_period"] = np.tile(md.tou_period.ravel(), Y)
    flat = {
        "demand_mwh": dem["elec_demand"] - dem["elec_saving"],
        "grid_import_mwh": a.t["imp"],
        "pv_mwh": a.t["pv_gen"],
        "pv_export_mwh": a.t["exp"],
        "battery_charge_mwh": a.t["ch"],
        "battery_discharge_mwh": a.t["dis"],
        "battery_soc_mwh": a.t["soc"],
        "electricity_for_heat_and_ccus_mwh": elec_for_heat_ccus,
        "thermal_storage_soc_mwh": a.t["tes_soc"],
        "ccus_capture_t": a.t["capture"],
    }
    for k, v in flat.items():
        df[k] = v.reshape(-1)
    return df.reset_index()


def marginal_abatement_costs(m: pyo.ConcreteModel, md: ModelData, objective: float, probe_objectives: dict) -> dict:
    """MAC[y], CNY per tonne of OWN reduction in year y, measured (not read from a dual):

        MAC[y] = (z[y] - z) / (OBJ_SCALE x d(y) x delta)

    z the optimal objective, z[y] the objective after tightening every rule on year y's own
    emissions by delta tonnes with offsets held fixed (``model.emissions.own_emission_probes``,
    re-solved warm by ``solve.run_probes``), d(y) the discount factor. It is the one-sided
    derivative of total cost, valid when the LP is degenerate; where the dual is unique it
    equals the sum of the duals of the binding rules on own emissions. 0 in a year whose
    own emissions no rule limits or whose rules are slack; None when no further own
    reduction is possible in that year."""
    delta = probe_delta_t(md)
    out = {}
    for y in md.years:
        if y not in probe_objectives:
            out[y] = 0.0
            continue
        z = probe_objectives[y]
        if z is None:
            out[y] = None
            continue
        v = (z - objective) / (OBJ_SCALE * md.discount[y] * delta)
        out[y] = 0.0 if abs(v) < 1e-6 else float(v)
    return out


def offset_price(md: ModelData, off_t: float, rem_t: float) -> float | None:
    """Price of the marginal offset (CNY/t): the dearest kind bought that year; None if none."""
    prices = [pr for q, pr in ((off_t, md.offset_price), (rem_t, md.removal_price)) if q > 1e-6]
    return max(prices) if prices else None


RULE_ORDER = ("own_reduction", "ceiling", "green_share", "offset_cap")


def binding_rule(m: pyo.ConcreteModel, md: ModelData, y: int) -> str:
    """The rule that binds in year y: the first tight one of own_reduction (own emissions at
    their limit), ceiling (net emissions at the ceiling), green_share, offset_cap; 'none'."""
    for name in RULE_ORDER:
        con = getattr(m, {"own_reduction": "own_reduction", "ceiling": "ceiling", "green_share": "green_share",
                          "offset_cap": "offset_cap"}[name], None)
        if con is None or y not in con:
            continue
        c = con[y]
        body = pyo.value(c.body)
        tol = 1e-6 * max(1.0, abs(md.baseline_t))
        if (c.has_ub() and body >= pyo.value(c.upper) - tol) or (c.has_lb() and body <= pyo.value(c.lower) + tol):
            return name
    return "none"
