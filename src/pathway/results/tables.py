"""Tidy result tables from a solved model (long format, units in column names).

Hourly values are pulled into numpy arrays of shape (years, periods, 24) once, and
every table is computed from those arrays and the model data, not from Pyomo
expressions, so the post-solve checks (checks.py) compare two independent routes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pathway.inputs.data import ModelData
from pathway.model.linear import value
from pathway.model.rules import COST_CATEGORIES, active
from pathway.money import crf
from pathway.results.attribution import abatement_table
from pathway.results.extract import Arrays, capacity_in_service, demand_arrays, wsum
from pathway.results.marginal import binding_rule, marginal_abatement_costs, offset_price
from pathway.technologies import (
    LEVER_ORDER,  # noqa: F401  (re-exported: the attribution order)
    capacity_unit,
)
from pathway.units import HOURS_PER_DAY


def build_tables(m, md: ModelData, a: Arrays, duals: dict, objective: float,
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
    dl = md.direct_line
    if dl is not None:  # the direct line's own rows (MW of line capacity), only when there is one
        for i, y in enumerate(years):
            rows_cap.append(dict(technology="direct_line", year=y, capacity=a.y["dl_cap"][i], unit="MW"))
            rows_build.append(dict(technology="direct_line", year=y, build=a.y["dl_build"][i], unit="MW"))
            gross = a.y["dl_build"][i] * dl.capex_cny_per_mw
            rows_capex.append(dict(technology="direct_line", year=y, capex_cny=gross, subsidy_cny=0.0, net_capex_cny=gross))
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
    e_heat = (emissions[(emissions.scope == 2) & (emissions.method == "both")].groupby("year")["emissions_t"].sum()
              .reindex(years).fillna(0.0).to_numpy())
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
        "cbam_ets": exposure_costs(md, e_direct, e_heat, imp_y * f_loc),
    }
    categories = list(COST_CATEGORIES)
    if dl is not None:
        dl_use_y = wsum(md, a.t["dl_use"])
        dl_crf = crf(r, dl.life_years)
        cost["direct_line_energy"] = dl.energy_price_cny_per_mwh * dl_use_y
        cost["direct_line_capex_annuity"] = np.array([sum(a.y["dl_build"][j] * dl.capex_cny_per_mw * dl_crf
                                                          for j, v in enumerate(years) if active(v, y, dl.life_years))
                                                      for y in years])
        cost["direct_line_fixed_om"] = dl.fom_cny_per_mw_yr * a.y["dl_cap"]
        categories += ["direct_line_energy", "direct_line_capex_annuity", "direct_line_fixed_om"]
    for c in categories:
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
    if dl is not None:
        eb("electricity", "supply: direct line", wsum(md, a.t["dl_use"]))
        eb("direct_line", "available generation", wsum(md, md.direct_line.cf[None] * a.y["dl_cap"][:, None, None]))
        eb("direct_line", "fed into the grid", wsum(md, a.t["dl_feed"]))
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
    own = np.array([value(m.own_emissions[y]) for y in years])
    # green share: battery losses L = sum w (ch - dis) count as lost PV, out of the green
    # electricity and the consumption alike (model.emissions.add_green_share)
    battery_loss = wsum(md, a.t["ch"] - a.t["dis"])
    dl_used = wsum(md, a.t["dl_use"])  # a direct green-power line (0 without one)
    green = wsum(md, pv_used) - battery_loss + dl_used + a.y["gp"] + a.y["gec"]
    consumption = imp_y + wsum(md, pv_used) + dl_used
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




def exposure_costs(md: ModelData, s1_t: np.ndarray, heat_t: np.ndarray, elec_loc_t: np.ndarray) -> np.ndarray:
    """cost category cbam_ets by year: the ETS cost plus each CBAM product's max(0, cost)
    (model.objective.add_exposure_cost), from the plan's emissions."""
    ex = md.exposure
    out = np.zeros(len(md.years))
    if ex is None:
        return out
    for i, y in enumerate(md.years):
        args = (y, float(s1_t[i]), float(heat_t[i]), float(elec_loc_t[i]))
        out[i] = (ex.ets.value(*args) if ex.ets is not None else 0.0) + sum(max(0.0, c.value(*args)) for c in ex.cbam)
    return out


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
    if md.direct_line is not None:
        flat["direct_line_mwh"] = a.t["dl_use"]
        flat["direct_line_feed_in_mwh"] = a.t["dl_feed"]
    for k, v in flat.items():
        df[k] = v.reshape(-1)
    return df.reset_index()








