"""Lever economics: what each abatement lever costs and saves, year by year.

One rule, one table. ``lever_savings`` is the energy-cost saving of every lever in every
year; the MACC (``lever_costs`` -> ``pathway.output.charts.macc``) and the per-lever cash
flows of ``pathway.finance`` both read it, so the average cost a chart shows and the NPV a
bank reads rest on the same savings. Pandas only: inputs are the run's result tables.

The saving of year y is measured against a counterfactual (``Counterfactual``):

* **business as usual** when the run solved its BAU twin (runs with a ``finance:`` block:
  tables ``bau_costs`` and ``bau_pathway``). Unit values c_e = BAU (grid energy + demand
  charge) / BAU grid import (CNY per grid MWh, all-in) and c_h = BAU heat-fuel cost / BAU
  heat supplied to process loads (CNY per MWh of heat); totals dC_e = BAU - plan
  (grid energy + demand charge + export revenue) and dF = BAU - plan fuel, exact.
* **plan prices** otherwise: c_e = the plan's (grid energy + demand charge) / grid import
  of the year, c_h = the existing boilers' fuel cost per MWh of heat they supply in the
  plan (``fuel_costs``; from the nearest year in which they run, with that year's price
  escalation, when they are idle), no PV without the plan, and no totals.

With quantities from the plan's energy balance (ES_e, ES_h electricity and heat saved by
efficiency; E_heat electricity for process heat and thermal storage; E_ccus electricity for
CCUS; H_regen,fuel regeneration heat from fuel-fired heaters; H_new heat new heaters supply
to process loads; F_new the fuel cost of new fuel-fired heaters for process loads):

    efficiency      = c_e ES_e + c_h ES_h
    ccus            = -c_e E_ccus - c_h H_regen,fuel
    onsite_pv       = c_e (PV used - PV used without the plan) + export revenue
    electrification = fuel saved - c_e E_heat, where
                      fuel saved = dF - c_h ES_h + c_h H_regen,fuel     (business as usual)
                                 = c_h H_new - F_new                    (plan prices; the same
                                   quantity when BAU heat = demand before savings)
    timing residual = dC_e - (c_e ES_e - c_e E_heat - c_e E_ccus + onsite_pv)   (business as usual)
                    = sum over hours of weight x price x (discharge - charge)   (plan prices: the
                      battery's time-shift value, from the dispatch table)

The timing residual (TOU arbitrage, demand charge, battery losses) goes to storage if
storage was built, else on-site PV, else electrification, else efficiency; against BAU the
levers then sum exactly to dC_e + dF. Green power, certificates and offsets save no energy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pathway.analysis.lookup import (
    CostLookup,
    assumption,
    catalogue_param,
    cost,
    flow,
    target_year_of,
    years_of,
)
from pathway.money import crf
from pathway.technologies import LEVER_ORDER, LEVER_PURCHASES, fom_rated, lever_of
from pathway.units import CO2_PER_C, GJ_PER_MWH, KW_PER_MW

Tables = Mapping[str, pd.DataFrame]
SAVINGS_COLUMNS = ["year", "lever", "energy_savings_cny", "basis"]
BASIS_BAU = "business as usual"
BASIS_PLAN = "plan prices"
RESIDUAL_ORDER = ("storage", "onsite_pv", "electrification_and_fuel_switch", "efficiency")
_FUEL_RE = re.compile(r"\(([a-z_]+)\)\s*$")


@dataclass(frozen=True)
class Counterfactual:
    """What the savings of one year are measured against (see the module docstring)."""

    basis: str  # BASIS_BAU or BASIS_PLAN
    c_e_cny_per_mwh: float  # all-in cost of a grid MWh
    c_h_cny_per_mwh: float  # fuel cost of a MWh of process heat from the existing boilers
    pv_used_mwh: float  # PV used on site without the plan
    d_e_cny: float | None  # electricity cost saved in total (BAU - plan), BAU only
    d_f_cny: float | None  # fuel cost saved in total (BAU - plan), BAU only


def has_bau(tables: Tables) -> bool:
    """True when the run carries its business-as-usual tables (a ``finance:`` block)."""
    return "bau_costs" in tables and "bau_pathway" in tables


class _ByYear:
    """Look-ups of one run's tables for many years (``lever_savings``), made once: each
    gives the number the per-call filter gives (the same rows, in the same order)."""

    def __init__(self, tables: Tables) -> None:
        eb = tables["energy_balance"]
        self._eb = dict(tuple(eb.groupby("year", sort=False)))
        self._eb_empty = eb.iloc[:0]
        self._flows: dict[int, dict[tuple[str, str], np.ndarray]] = {}
        self.costs = CostLookup(tables["costs"])
        if has_bau(tables):
            self.bau_costs = CostLookup(tables["bau_costs"])
            self.bau_rows = {r.pop("year"): r for r in tables["bau_pathway"].set_index("year").reset_index().to_dict("records")}

    def eb(self, year: int) -> pd.DataFrame:
        return self._eb.get(year, self._eb_empty)

    def flow(self, year: int, carrier: str, name: str) -> float:
        """``flow(eb of year, carrier, name)``."""
        if year not in self._flows:
            e = self.eb(year)
            groups: dict[tuple[str, str], list[int]] = {}
            for i, key in enumerate(zip(e["carrier"].to_numpy().tolist(), e["flow"].to_numpy().tolist())):
                groups.setdefault(key, []).append(i)
            vals = e["energy_mwh"].to_numpy()
            self._flows[year] = {k: vals[ix] for k, ix in groups.items()}
        v = self._flows[year].get((carrier, name))
        return float(np.nansum(v)) if v is not None else 0.0


def counterfactual(tables: Tables, year: int, by_year: _ByYear | None = None) -> Counterfactual:
    """The counterfactual of ``year``: business as usual when solved, else plan prices."""
    costs = tables["costs"]
    if has_bau(tables):
        if by_year is not None:
            bp = by_year.bau_rows[year]
            c_bau, c_plan = by_year.bau_costs, by_year.costs
        else:
            bp = tables["bau_pathway"].set_index("year").loc[year]
            c_bau = lambda y, *cats: cost(tables["bau_costs"], y, *cats)  # noqa: E731
            c_plan = lambda y, *cats: cost(costs, y, *cats)  # noqa: E731
        imp_b, heat_b = float(bp["grid_import_mwh"]), float(bp["heat_supplied_mwh"])
        elec = ("grid_energy", "demand_charge", "export_revenue")
        return Counterfactual(
            BASIS_BAU,
            float(bp["electricity_cost_cny"]) / imp_b if imp_b > 0 else 0.0,
            float(bp["heat_fuel_cost_cny"]) / heat_b if heat_b > 0 else 0.0,
            float(bp["pv_used_mwh"]),
            c_bau(year, *elec) - c_plan(year, *elec),
            c_bau(year, "fuel") - c_plan(year, "fuel"))
    eb = tables["energy_balance"]
    imp = flow(eb[eb.year == year], "electricity", "supply: grid import")
    c_e = cost(costs, year, "grid_energy", "demand_charge") / imp if imp > 0 else 0.0
    return Counterfactual(BASIS_PLAN, c_e, _existing_heat_cost_per_mwh(tables, year), 0.0, None, None)


def _existing_heat_cost_per_mwh(tables: Tables, year: int) -> float:
    """Fuel cost per MWh of heat the existing boilers supply in ``year``; when they are idle,
    that of the nearest year in which they run, scaled by the two years' price escalation."""
    eb = tables["energy_balance"]

    def at(y: int) -> tuple[float, float, float]:
        e = eb[(eb.year == y) & eb.carrier.str.startswith("heat:") & eb.flow.str.startswith("supply: existing ")]
        fc = fuel_costs(tables, y)
        ex = fc[fc["use"] == "existing"]
        esc = float(fc["escalation"].iloc[0]) if len(fc) and pd.notna(fc["escalation"].iloc[0]) else 1.0
        return float(e.energy_mwh.sum()), float(ex["cost_cny"].sum()), esc

    heat, spent, esc = at(year)
    if heat > 1e-9:
        return spent / heat
    for y in sorted(years_of(tables), key=lambda v: (abs(v - year), v)):
        h, c, e = at(y)
        if h > 1e-9:
            return c / h * (esc / e if e else 1.0)
    return 0.0


def _built_levers(tables: Tables) -> set[str]:
    capex = tables["capex"]
    return {lever_of(k) for k in capex.loc[capex.capex_cny > 1e-6, "technology"]}


def energy_savings_by_lever(tables: Tables, year: int, cf: Counterfactual | None = None,
                            built: set[str] | None = None, by_year: _ByYear | None = None) -> dict[str, float]:
    """Energy-cost saving of each lever in ``year`` (CNY), by the rule of the module docstring.
    ``by_year``: the tables' look-ups made once for many years (the same numbers)."""
    cf = cf or counterfactual(tables, year, by_year)
    built = _built_levers(tables) if built is None else built
    if by_year is not None:
        eb = by_year.eb(year)
        fl = lambda carrier, name: by_year.flow(year, carrier, name)  # noqa: E731
        export_revenue = -by_year.costs(year, "export_revenue")
    else:
        eb = tables["energy_balance"]
        eb = eb[eb.year == year]
        fl = lambda carrier, name: flow(eb, carrier, name)  # noqa: E731
        export_revenue = -cost(tables["costs"], year, "export_revenue")
    c_e, c_h = cf.c_e_cny_per_mwh, cf.c_h_cny_per_mwh
    es_e = -fl("electricity", "use: efficiency savings")
    heat_carriers = [c for c in eb.carrier.unique() if c.startswith("heat:") and c != "heat:ccus_regeneration"]
    es_h = -sum(fl(c, "use: efficiency savings") for c in heat_carriers)
    e_heat = fl("electricity", "use: heat for process loads") + fl("electricity", "use: thermal storage charge")
    e_ccus = fl("electricity", "use: CCUS regeneration heat") + fl("electricity", "use: CCUS compression and auxiliaries")
    h_regen_fuel = sum(fl("heat:ccus_regeneration", f"supply: {k}") for k in ("gas_boiler", "biomass_boiler"))
    pv_new = fl("electricity", "supply: PV") - fl("electricity", "use: PV export") - cf.pv_used_mwh
    out = dict.fromkeys(LEVER_ORDER, 0.0)
    out["efficiency"] = c_e * es_e + c_h * es_h
    out["ccus_net_of_penalty"] = -c_e * e_ccus - c_h * h_regen_fuel
    out["onsite_pv"] = c_e * pv_new + export_revenue
    if cf.d_f_cny is not None:
        fuel_saved = cf.d_f_cny - c_h * es_h + c_h * h_regen_fuel
    else:
        sup = eb[eb.carrier.isin(heat_carriers) & eb.flow.str.startswith("supply: ") & ~eb.flow.str.startswith("supply: existing ")]
        fc = fuel_costs(tables, year)
        new = fc[fc["use"].str.startswith("new:")]
        fuel_saved = c_h * float(sup.energy_mwh.sum()) - float((new["cost_cny"] * (1 - new["heat_ccus_share"])).sum())
    out["electrification_and_fuel_switch"] = fuel_saved - c_e * e_heat
    if cf.d_e_cny is not None:
        residual = cf.d_e_cny - (c_e * es_e - c_e * e_heat - c_e * e_ccus + out["onsite_pv"])
    else:
        residual = _storage_time_shift_value(tables, year)
    for lever in RESIDUAL_ORDER:
        if lever in built or lever == "efficiency":
            out[lever] += residual
            break
    return out


def _storage_time_shift_value(tables: Tables, year: int) -> float:
    """sum over hours of weight (days) x price (CNY/MWh) x (discharge - charge) (MWh)."""
    disp = tables.get("dispatch")
    if disp is None or disp.empty:
        return 0.0
    d = disp[disp["year"] == year]
    return float((d["weight_days"] * d["price_cny_per_mwh"] * (d["battery_discharge_mwh"] - d["battery_charge_mwh"])).sum())


def lever_savings(tables: Tables, years: list[int] | None = None) -> pd.DataFrame:
    """The lever-savings table: year, lever, energy_savings_cny, basis (one row per lever
    and planning year). The one source of energy savings for the MACC and for finance."""
    built = _built_levers(tables)
    by_year = _ByYear(tables)
    rows = []
    for y in years or years_of(tables):
        cf = counterfactual(tables, y, by_year)
        for lever, v in energy_savings_by_lever(tables, y, cf, built, by_year).items():
            rows.append(dict(year=y, lever=lever, energy_savings_cny=v, basis=cf.basis))
    return pd.DataFrame(rows, columns=SAVINGS_COLUMNS)


def technology_annual_costs(tables: Tables, year: int) -> pd.DataFrame:
    """Annualised capex and fixed O&M of each technology in ``year`` (CNY/yr).

    The costs table has these only as totals. They are split by technology so that the
    split sums exactly to the ``capex_annuity`` and ``fixed_om`` categories of the year:

    * annualised capex: each build (``net_capex_cny`` of the capex table) in service in
      ``year`` (for its catalogue life, ``tech.life_years`` in the assumptions table; 20
      years if absent) x CRF(r, life), r the ``discount_rate`` row of the assumptions
      table (0 for a run saved without it), scaled to the year's total;
    * fixed O&M: capacity in service x the catalogue rate (``fom_cny_per_kw_yr`` x 1000
      per MW for the technologies ``pathway.technologies`` marks as rated per kW), scaled
      to the year's ``fixed_om`` total; if no rate is found, split like the annualised capex.
    """
    capex = tables["capex"]
    costs = tables["costs"]
    a = tables.get("assumptions")
    ann_total = cost(costs, year, "capex_annuity")
    fom_total = cost(costs, year, "fixed_om")
    techs = list(dict.fromkeys(capex["technology"]))
    life = {k: (catalogue_param(a, k, "life_years") or 20.0) for k in techs}
    r = assumption(tables, "discount_rate") or 0.0
    w_ann = {}
    for k in techs:
        c = capex[capex["technology"] == k]
        w_ann[k] = crf(r, life[k]) * float(c[(c["year"] <= year) & (c["year"] + life[k] > year)]["net_capex_cny"].sum())
    s = sum(w_ann.values())
    ann = {k: (ann_total * w / s if s > 0 else 0.0) for k, w in w_ann.items()}
    cap = tables["capacity"]
    cap_y = cap[cap["year"] == year].set_index("technology")["capacity"]
    w_fom = {}
    for k in techs:
        rate = catalogue_param(a, k, "fom_cny_per_kw_yr") if fom_rated(k) else None
        w_fom[k] = float(cap_y.get(k, 0.0)) * (rate or 0.0) * KW_PER_MW
    sf = sum(w_fom.values())
    if sf <= 0:
        w_fom, sf = w_ann, s
    fom = {k: (fom_total * w / sf if sf > 0 else 0.0) for k, w in w_fom.items()}
    return pd.DataFrame({"technology": techs, "lever": [lever_of(k) for k in techs],
                         "capex_annuity_cny": [ann[k] for k in techs], "fixed_om_cny": [fom[k] for k in techs],
                         "life_years": [life[k] for k in techs]}).assign(discount_rate=r)


def lever_costs(tables: Tables, year: int | None = None, savings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Average abatement cost of each lever in ``year`` (CNY/tCO2), the data of the MACC.

    Costs in the year's money, undiscounted, CNY/yr:

        net cost = annualised capex + fixed O&M      (its technologies, ``technology_annual_costs``)
                 + purchases                         (green power premium, GEC, offsets, CCUS variable)
                 - energy-cost savings               (``lever_savings``: the same table finance reads)
        average cost = net cost / abatement of the lever (abatement table, tCO2)

    Not attributed to any lever: carbon-price payments (the MACC is before carbon price)
    and the interaction of levers beyond the sequential order. A lever with abatement <= 0
    in the year (e.g. storage, whose losses raise grid imports, or a location-based green
    power purchase) has no average cost (NaN) and is left off the curve.
    """
    year = year or target_year_of(tables)
    ab = tables["abatement"]
    ab_y = ab[ab["year"] == year].set_index("lever")["abatement_t"]
    sav = savings if savings is not None else lever_savings(tables, [year])
    sav_y = sav[sav["year"] == year].set_index("lever")
    tech = technology_annual_costs(tables, year)
    rows = []
    for lever in LEVER_ORDER:
        t = tech[tech["lever"] == lever]
        ann, fom = float(t["capex_annuity_cny"].sum()), float(t["fixed_om_cny"].sum())
        buy = cost(tables["costs"], year, *LEVER_PURCHASES.get(lever, ()))
        s = float(sav_y.loc[lever, "energy_savings_cny"]) if lever in sav_y.index else 0.0
        if not np.isfinite(s):
            s = 0.0
        net = ann + fom + buy - s
        abated = float(ab_y.get(lever, 0.0))
        rows.append(dict(lever=lever, abatement_t=abated, capex_annuity_cny=ann, fixed_om_cny=fom, purchases_cny=buy,
                         energy_savings_cny=s, net_cost_cny=net,
                         average_cost_cny_per_t=net / abated if abated > 1e-9 else float("nan"),
                         savings_basis=sav_y.loc[lever, "basis"] if lever in sav_y.index else ""))
    return pd.DataFrame(rows)


def _fuel_of_source(source: str) -> tuple[str | None, str]:
    """(fuel, use) of an emissions-table source; use is existing / new:<tech> / other."""
    if source.startswith("existing boiler"):
        m = _FUEL_RE.search(source)
        return (m.group(1) if m else None), "existing"
    if source.startswith("new "):
        k = source[4:]
        return ("natural_gas" if k == "gas_boiler" else "biomass" if k == "biomass_boiler" else None), f"new:{k}"
    if source.startswith("other fuel use: "):
        return source.split(": ", 1)[1], "other"
    return None, ""


def _fuel_price_per_t(tables: Mapping[str, pd.DataFrame], fuel: str | None) -> float | None:
    """Base-year fuel price per tCO2 of its combustion: price per trade unit (assumptions)
    / emission factor per trade unit (inventory, else the bundled factors)."""
    from pathway.reference.factors import fuel_factors

    if not fuel:
        return None
    ff = fuel_factors()
    if fuel not in ff.index:
        return None
    unit = str(ff.loc[fuel, "unit"])
    a = tables.get("assumptions")
    price = None
    if a is not None:
        hit = a[a["item"] == f"{fuel}_cny_per_{unit}"]
        if not hit.empty and pd.notna(hit.iloc[0]["value"]):
            price = float(hit.iloc[0]["value"])
    k = _fuel_mwh_per_tco2(fuel, tables.get("inventory"))
    if price is None or not k:
        return None
    ncv = float(ff.loc[fuel, "ncv_gj_per_unit"])
    return price / (ncv / GJ_PER_MWH) * k  # CNY/unit / (MWh/unit) x MWh/tCO2


def fuel_costs(tables: Mapping[str, pd.DataFrame], year: int) -> pd.DataFrame:
    """The year's ``fuel`` cost category split by emission source (CNY/yr): columns source,
    fuel, use (existing / new:<tech> / other), co2_t, heat_ccus_share, cost_cny.

    Each source is first costed at base-year prices — CO2 x fuel price / emission factor
    (assumptions and inventory tables); a new biomass boiler as heat delivered x price /
    (NCV x efficiency) — and the split is then scaled to the category total exactly, which
    carries the energy-price escalation. Without any price the total is split by CO2.
    ``heat_ccus_share`` is the share of a new heater's heat that went to CCUS regeneration.
    """
    em = tables["emissions"]
    em_y = em[em["year"] == year]
    costs = tables["costs"]
    total = float(costs[(costs["year"] == year) & (costs["category"] == "fuel")]["cost_cny"].sum())
    eb = tables["energy_balance"]
    eb_y = eb[(eb["year"] == year) & eb["carrier"].str.startswith("heat:") & eb["flow"].str.startswith("supply: ")]
    rows = []
    for r in em_y.itertuples():
        fuel, use = _fuel_of_source(str(r.source))
        if not use:
            continue
        co2 = float(r.emissions_t)
        share_ccus = 0.0
        heat = 0.0
        if use.startswith("new:"):
            k = use[4:]
            sup = eb_y[eb_y["flow"] == f"supply: {k}"]
            heat = float(sup["energy_mwh"].sum())
            share_ccus = float(sup[sup["carrier"] == "heat:ccus_regeneration"]["energy_mwh"].sum()) / heat if heat > 0 else 0.0
        base = None
        if fuel == "biomass":
            a = tables.get("assumptions")
            vals = {p: catalogue_param(a, "biomass_boiler", p) for p in ("fuel_price_cny_per_t", "ncv_gj_per_t", "efficiency")}
            if all(vals.values()):
                base = heat * vals["fuel_price_cny_per_t"] * GJ_PER_MWH / (vals["ncv_gj_per_t"] * vals["efficiency"])
        else:
            c = _fuel_price_per_t(tables, fuel)
            base = None if c is None else co2 * c
        rows.append(dict(source=r.source, fuel=fuel, use=use, co2_t=co2, heat_ccus_share=share_ccus, base_cny=base))
    df = pd.DataFrame(rows, columns=["source", "fuel", "use", "co2_t", "heat_ccus_share", "base_cny"])
    known = df["base_cny"].fillna(0.0)
    if known.sum() > 0:
        df["cost_cny"] = total * known / known.sum()
    elif df["co2_t"].sum() > 0:
        df["cost_cny"] = total * df["co2_t"] / df["co2_t"].sum()
    else:
        df["cost_cny"] = 0.0
    df["escalation"] = total / known.sum() if known.sum() > 0 else float("nan")
    return df.drop(columns="base_cny")


def _fuel_mwh_per_tco2(fuel: str, inventory: pd.DataFrame | None) -> float | None:
    """MWh of fuel energy (net calorific value) per tCO2 of its combustion."""
    from pathway.reference.factors import fuel_factors

    ff = fuel_factors()
    if fuel not in ff.index:
        return None
    ncv = float(ff.loc[fuel, "ncv_gj_per_unit"])
    ef = None
    if inventory is not None and not inventory.empty:
        hit = inventory[inventory["source"] == f"fuel:{fuel}"]
        if not hit.empty:
            ef = float(hit.iloc[0]["factor_tco2_per_unit"])
    if ef is None:
        row = ff.loc[fuel]
        if pd.notna(row.get("carbon_content_tc_per_gj")) and pd.notna(row.get("oxidation_rate")):
            ef = ncv * float(row["carbon_content_tc_per_gj"]) * float(row["oxidation_rate"]) * CO2_PER_C
        else:
            ef = float(row["ef_tco2_per_unit"])
    if not ef or ef <= 0 or not ncv:
        return None
    return ncv / GJ_PER_MWH / ef
