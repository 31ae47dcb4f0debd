"""Cash flows of an optimised pathway against business as usual (BAU), by lever and in
total; NPV / IRR / payback / levelised cost of abatement; and ``compute_finance``, which
adds the loan and the SLL KPI schedule. Pure functions on numbers and pandas tables, so a
bank can recompute everything from saved results (``pathway finance DIR``).

Conventions (all formulas below use them):

- Years y = base+1, base+2, ... ; a flow of year y is in CNY of that year and is
  discounted with d(y) = (1 + r)^-(y - base), r the scenario's discount rate, exactly
  as the optimiser's objective discounts costs.
- Capex is spent at the start of its year and the asset serves that same year (as in
  the model: an asset built in v serves v .. v + life - 1), so a year's savings and its
  capex fall in the same year.
- BAU is the same factory with no new investment (see ``bau_scenario``); every saving
  is "BAU cost minus optimised cost" of that year.
- Beyond the optimiser's horizon (end_year), operating cash flows are held at the last
  horizon year's level, nominal, for each lever scaled by the share of that lever's
  capex still in service (assets retire after their life, no reinvestment); levers
  without assets (green power, certificates, offsets) are held flat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pathway.analysis.lever_economics import lever_savings
from pathway.analysis.lookup import CostLookup
from pathway.files import json_safe
from pathway.finance.cases import CASES, DOWNSIDE, apply_case
from pathway.finance.kpi import kpi_schedule
from pathway.finance.loan import amortise, dscr_under, size_loan
from pathway.finance.money import discount_factors, irr, payback_years
from pathway.finance.tax import cit_rate, fisher_nominal, fisher_real, nominal_factors, tax_arrays
from pathway.finance.taxonomy import use_of_proceeds
from pathway.finance.terms import CFADS_BEYOND_HORIZON, resolve_terms
from pathway.scenario.schema import Finance
from pathway.technologies import LEVER_ORDER as LEVERS
from pathway.technologies import lever_of

FINANCE_TABLES = ("finance", "finance_metrics", "loan_schedule", "kpi_schedule", "downside_cases", "covenants",
                  "use_of_proceeds")
RUN_TABLES = ("bau_costs", "bau_pathway", "finance_assets")  # written at run time, read back by `pathway finance`


@dataclass
class FinanceInputs:
    """Everything finance needs from one run, as written to DIR/tables and summary.json."""

    capex: pd.DataFrame  # technology, year, capex_cny, subsidy_cny, net_capex_cny
    costs: pd.DataFrame  # year, category, cost_cny
    bau_costs: pd.DataFrame  # year, category, cost_cny (+ category 'upfront_capex')
    bau_pathway: pd.DataFrame  # year, emissions_t, grid_import_mwh, pv_used_mwh, heat_supplied_mwh, heat_fuel_cost_cny, electricity_cost_cny
    energy_balance: pd.DataFrame  # year, carrier, flow, energy_mwh
    abatement: pd.DataFrame  # year, order, lever, abatement_t, emissions_after_t
    pathway: pd.DataFrame  # year, emissions_t, output, intensity_t_per_unit, ...
    assets: pd.DataFrame  # technology, lever, life_years, fom_cny_per_unit_yr
    capacity: pd.DataFrame  # technology, year, capacity
    context: dict = field(default_factory=dict)  # discount_rate, base_year, target_year, base_output, baseline_emissions_t, output_unit


FLOW_COLUMNS = ["capex_cny", "subsidies_cny", "bau_capex_avoided_cny", "energy_savings_cny", "avoided_carbon_cost_cny",
                "added_om_cny", "purchases_cny"]
TAX_COLUMNS = ["cfads_pre_tax_cny", "depreciation_cny", "equipment_credit_cny", "income_tax_cny"]
OPERATING = ["energy_savings_cny", "avoided_carbon_cost_cny", "added_om_cny", "purchases_cny", "abatement_t"]








def _alive(v: int, y: int, life: int) -> bool:
    return v <= y < v + life


def _by_year(sums: pd.Series) -> dict[int, dict[str, float]]:
    """{year: {lever: value}} of a Series indexed by (year, lever), in its order."""
    out: dict[int, dict[str, float]] = {}
    for (y, lever), v in sums.items():
        out.setdefault(int(y), {})[lever] = v
    return out


def appraisal_end_year(inp: FinanceInputs, terms: Finance) -> int:
    """Last year of the appraisal: first planning year + appraisal_years - 1 if set, else
    the last year any asset built (capex > 0) is in service (build year + life - 1), and
    at least the horizon's end."""
    years = sorted(inp.pathway.year.astype(int))
    if terms.appraisal_years is not None:
        return years[0] + terms.appraisal_years - 1
    life = inp.assets.set_index("technology").life_years
    ends = [int(r.year) + int(life.get(r.technology, 1)) - 1 for r in inp.capex.itertuples() if r.capex_cny > 1e-6]
    return max([years[-1], *ends])


def cash_flows(inp: FinanceInputs, terms: Finance, end_year: int | None = None) -> pd.DataFrame:
    """Yearly cash flows of the plan against BAU, per lever and in total (lever 'total').

    Per lever L and year y (CNY of year y):
        capex            gross capex of L's technologies (capex table)
        subsidies        per-kW subsidies of L's technologies + the lump-sum subsidy in the
                         target year, allocated by L's share of horizon capex
        bau_capex_avoided  capex BAU spends on like-for-like boiler replacement (electrification lever)
        energy_savings   ``pathway.analysis.lever_savings`` (the table the MACC reads too)
        avoided_carbon_cost  (BAU - optimised carbon cost) x a_L / sum_L' a_L', a_L the lever's
                         abatement (abatement table; offsets excluded: the carbon price is on
                         emissions before offsets)
        added_om         fixed O&M of L's capacity (capacity x O&M rate) + CCUS variable cost
                         (CCUS lever) + battery wear, cost category battery_degradation
                         (storage lever) - BAU fixed O&M (electrification lever)
        purchases        green power premium, certificates, offsets (each its own lever)
        cfads            energy_savings + avoided_carbon_cost - added_om - purchases
        net_cash_flow    -capex + subsidies + bau_capex_avoided + cfads
    Years after the horizon follow CFADS_BEYOND_HORIZON, up to ``end_year``.
    """
    ctx = inp.context
    years = sorted(int(y) for y in inp.pathway.year)
    y_n = years[-1]
    end_year = max(end_year or y_n, y_n)
    tech_lever = {t: lever_of(t) for t in inp.capex.technology.unique()}
    capex = inp.capex.assign(lever=inp.capex.technology.map(tech_lever))
    savings = lever_savings({"capex": inp.capex, "costs": inp.costs, "energy_balance": inp.energy_balance,
                             "bau_costs": inp.bau_costs, "bau_pathway": inp.bau_pathway}, years)
    savings = dict(zip(zip(savings.year.astype(int), savings.lever), savings.energy_savings_cny.astype(float)))
    capex_by_lever = capex.groupby("lever").capex_cny.sum().reindex(list(LEVERS), fill_value=0.0)
    ab = inp.abatement[inp.abatement.lever.isin(LEVERS)]
    lump = float(ctx.get("lump_sum_subsidy_cny", 0.0) or 0.0)
    if capex_by_lever.sum() > 0:
        lump_share = capex_by_lever / capex_by_lever.sum()
    else:
        pos = ab.groupby("lever").abatement_t.sum().clip(lower=0).reindex(list(LEVERS), fill_value=0.0)
        lump_share = pos / pos.sum() if pos.sum() > 0 else pd.Series(0.0, index=list(LEVERS))
    lump_share = {lv: float(lump_share[lv]) for lv in LEVERS}
    lump_year = int(ctx.get("target_year", y_n))
    lump_year = min(max(lump_year, years[0]), y_n)
    fom_rate = inp.assets.set_index("technology").fom_cny_per_unit_yr
    cap = inp.capacity.assign(lever=inp.capacity.technology.map(lambda t: lever_of(t)))
    cap["fom"] = cap.capacity * cap.technology.map(fom_rate).fillna(0.0)
    # per-year sums made once (the same groupby sums, over the same rows, as a per-year filter)
    c_ly = _by_year(capex.groupby(["year", "lever"]).capex_cny.sum())
    s_ly = _by_year(capex.groupby(["year", "lever"]).subsidy_cny.sum())
    fom_ly = _by_year(cap.groupby(["year", "lever"]).fom.sum())
    ab_y = {int(y): dict(zip(g.lever, g.abatement_t)) for y, g in ab.groupby("year", sort=False)}
    costs, bau_costs = CostLookup(inp.costs), CostLookup(inp.bau_costs)
    no_offsets = [lv for lv in LEVERS if lv != "offsets"]
    rows = []
    for y in years:
        c_l, s_l = c_ly.get(y, {}), s_ly.get(y, {})
        ab_l = ab_y.get(y, {})
        a_l = {lv: float(ab_l.get(lv, 0.0)) for lv in LEVERS}
        a_c_sum = float(np.nansum(np.array([a_l[lv] for lv in no_offsets])))  # as pandas sums (NaN as 0)
        d_cp = bau_costs(y, "carbon_price") - costs(y, "carbon_price")
        fom_l = fom_ly.get(y, {})
        fom_total = costs(y, "fixed_om")
        fom_sum = float(np.nansum(np.array(list(fom_l.values()), dtype=float))) if fom_l else 0.0
        if fom_sum > 0:
            fom_l = {lv: v * (fom_total / fom_sum) for lv, v in fom_l.items()}
        bau_fom = bau_costs(y, "fixed_om")
        bau_capex = bau_costs(y, "upfront_capex")
        for lever in LEVERS:
            sub = float(s_l.get(lever, 0.0)) + (lump * lump_share[lever] if y == lump_year else 0.0)
            carbon = d_cp * a_l[lever] / a_c_sum if lever != "offsets" and abs(a_c_sum) > 1e-9 else 0.0
            om = float(fom_l.get(lever, 0.0))
            if lever == "ccus_net_of_penalty":
                om += costs(y, "ccus_variable")
            if lever == "storage":
                om += costs(y, "battery_degradation")
            if lever == "electrification_and_fuel_switch":
                om -= bau_fom
            purchases = {"green_power": "green_power_premium", "green_certificates": "green_certificates",
                         "offsets": "offsets"}.get(lever)
            rows.append(dict(year=y, lever=lever, period="horizon", capex_cny=float(c_l.get(lever, 0.0)), subsidies_cny=sub,
                             bau_capex_avoided_cny=bau_capex if lever == "electrification_and_fuel_switch" else 0.0,
                             energy_savings_cny=float(savings[(y, lever)]), avoided_carbon_cost_cny=carbon, added_om_cny=om,
                             purchases_cny=costs(y, purchases) if purchases else 0.0, abatement_t=a_l[lever]))
    if end_year > y_n:
        life = inp.assets.set_index("technology").life_years
        last = {r["lever"]: r for r in rows if r["year"] == y_n}
        spent = capex[capex.capex_cny > 1e-6]
        vintages = {lever: list(zip(g.capex_cny, g.year, g.technology.map(life).fillna(1).astype(int)))
                    for lever, g in spent.groupby("lever", sort=False)}
        then = {lever: sum(c for c, v, n in vint if _alive(int(v), y_n, int(n))) for lever, vint in vintages.items()}
        for y in range(y_n + 1, end_year + 1):
            for lever in LEVERS:
                vint = vintages.get(lever)
                if not vint:
                    share = 1.0
                else:
                    now = sum(c for c, v, n in vint if _alive(int(v), y, int(n)))
                    share = now / then[lever] if then[lever] > 0 else 0.0
                row = dict(year=y, lever=lever, period="beyond horizon", capex_cny=0.0, subsidies_cny=0.0, bau_capex_avoided_cny=0.0)
                for col in OPERATING:
                    row[col] = float(last[lever][col]) * share
                rows.append(row)
    df = pd.DataFrame(rows)
    return finish_flows(df[df.lever != "total"], inp, terms)


def finish_flows(df: pd.DataFrame, inp: FinanceInputs, terms: Finance, capex: pd.DataFrame | None = None) -> pd.DataFrame:
    """From per-lever operating flows to the cash-flow table: income tax (``tax.apply_tax``:
    CFADS after tax), net cash flow, the 'total' lever, discounting. ``capex``: the capex
    table depreciation and the equipment credit follow (default the run's).

    Computed on the columns as numpy arrays (finance runs it once per downside case): the
    same operations, in the same order, as ``tax.apply_tax`` and pandas would do them; the
    totals are pandas' own groupby sums (compensated), over the rows in the order given."""
    ctx = inp.context
    keep = (df.lever != "total").to_numpy()
    year = df.year.to_numpy()[keep].astype(np.int64)
    lever = df.lever.to_numpy()[keep]
    period = df.period.to_numpy()[keep]
    col = {c: df[c].to_numpy(dtype=float)[keep] for c in (*FLOW_COLUMNS, "abatement_t")}
    dep, credit = tax_arrays(year, lever, inp.capex if capex is None else capex, terms)
    pre = col["energy_savings_cny"] + col["avoided_carbon_cost_cny"] - col["added_om_cny"] - col["purchases_cny"]
    income_tax = cit_rate(terms) * (pre - dep) - credit
    col.update(cfads_pre_tax_cny=pre, depreciation_cny=dep, equipment_credit_cny=credit, income_tax_cny=income_tax)
    col["cfads_cny"] = pre - income_tax
    col["net_cash_flow_cny"] = -col["capex_cny"] + col["subsidies_cny"] + col["bau_capex_avoided_cny"] + col["cfads_cny"]
    num = [*FLOW_COLUMNS, *TAX_COLUMNS, "cfads_cny", "net_cash_flow_cny", "abatement_t"]
    total = pd.DataFrame({"year": year, **{c: col[c] for c in num}}).groupby("year", sort=True).sum()
    t_year = total.index.to_numpy().astype(np.int64)
    first = dict(zip(year[::-1].tolist(), period[::-1].tolist()))  # each year's first period
    year = np.concatenate([year, t_year])
    lever = np.concatenate([lever, np.full(len(t_year), "total", dtype=object)])
    period = np.concatenate([period, np.array([first[y] for y in t_year.tolist()], dtype=object)])
    for c in num:
        col[c] = np.concatenate([col[c], total[c].to_numpy()])
    r, base = float(ctx["discount_rate"]), int(ctx["base_year"])
    col["discount_factor"] = discount_factors(year.tolist(), base, r)  # Python ints, as iterating a Series gives
    col["discounted_net_cash_flow_cny"] = col["net_cash_flow_cny"] * col["discount_factor"]
    rank = {lv: i for i, lv in enumerate([*LEVERS, "total"])}
    order = np.lexsort((year, np.array([rank.get(lv, len(rank)) for lv in lever])))
    cols = ["year", "lever", "period", *FLOW_COLUMNS, *TAX_COLUMNS, "cfads_cny", "net_cash_flow_cny", "discount_factor",
            "discounted_net_cash_flow_cny", "abatement_t"]
    out = {"year": year[order], "lever": lever[order], "period": period[order]}
    return pd.DataFrame({c: out[c] if c in out else col[c][order] for c in cols})


def project_metrics(cf: pd.DataFrame, rate: float, base_year: int, end_year: int | None = None,
                    levers: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per lever and total (or the ``levers`` given), over the appraisal years (<= end_year):

        NPV        = sum_y NCF(y) d(y)
        IRR        = ``irr`` of NCF (None with a reason where not defined)
        payback    = ``payback_years`` with investment I = capex - subsidies - bau_capex_avoided
                     and operating O = CFADS (simple, and discounted with d(y))
        LCOA       = -(NPV - sum_y avoided_carbon_cost(y) d(y)) / sum_y abatement_t(y) d(y)
                     CNY per tCO2, the levelised cost of abatement excluding the carbon price
                     it avoids (negative: the lever saves money); None if discounted abatement <= 0.
    """
    if end_year is not None:
        cf = cf[cf.year <= end_year]
    lever_of_row, year_of_row = cf.lever.to_numpy(), cf.year.to_numpy()
    col = {c: cf[c].to_numpy() for c in ("net_cash_flow_cny", "capex_cny", "subsidies_cny", "bau_capex_avoided_cny",
                                         "cfads_cny", "abatement_t", "avoided_carbon_cost_cny")}
    rows = []
    for lever in [*LEVERS, "total"] if levers is None else levers:
        idx = np.flatnonzero(lever_of_row == lever)
        if not idx.size:
            continue
        idx = idx[np.argsort(year_of_row[idx], kind="stable")]  # by year (one row per year and lever)
        d = {c: v[idx] for c, v in col.items()}
        yrs = year_of_row[idx]
        disc = discount_factors(yrs, base_year, rate)
        ncf = d["net_cash_flow_cny"]
        value = float(np.sum(ncf * disc))
        rate_irr, note = irr(ncf)
        if np.nansum(d["capex_cny"]) <= 1e-6 and np.nansum(d["bau_capex_avoided_cny"]) <= 1e-6:  # as pandas sums (NaN as 0)
            rate_irr, note = None, "not defined: no investment (a spend-only lever or unused)"
        inv = d["capex_cny"] - d["subsidies_cny"] - d["bau_capex_avoided_cny"]
        op = d["cfads_cny"]
        pb, pb_note = payback_years(inv, op)
        dpb, dpb_note = payback_years(inv, op, disc)
        ab = float(np.sum(d["abatement_t"] * disc))
        pv_carbon = float(np.sum(d["avoided_carbon_cost_cny"] * disc))
        lcoa = -(value - pv_carbon) / ab if ab > 1e-9 else None
        rows.append(dict(
            lever=lever, capex_cny=float(np.nansum(d["capex_cny"])), subsidies_cny=float(np.nansum(d["subsidies_cny"])),
            npv_cny=value, irr=rate_irr, irr_note=note, simple_payback_years=pb, discounted_payback_years=dpb,
            payback_note=pb_note or dpb_note, abatement_t=float(np.nansum(d["abatement_t"])), discounted_abatement_t=ab,
            lcoa_cny_per_t=lcoa,
            lcoa_note="" if lcoa is not None else f"not defined: discounted abatement is not positive ({ab:,.0f} t)",
            first_year=int(yrs.min()), last_year=int(yrs.max()),
        ))
    return pd.DataFrame(rows)


def compute_finance(inp: FinanceInputs, settings: Finance, case: str = "base",
                    cases: tuple[str, ...] | None = None) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Cash flows, metrics, KPI schedule and loan for one run, under ``case`` (``cases.CASES``;
    'base' the plan as solved), plus each of ``cases`` (default every downside case) as a
    re-valuation of the same plan: tables downside_cases and covenants.

    Rates: the plan's cash flows and the discount rate are real (base-year CNY, as the
    optimiser's objective); the loan is nominal. For the loan, CFADS_nom(y) = CFADS(y) x
    (1 + i)^(y - base), i = inflation_rate (Fisher: nominal = (1 + real)(1 + i) - 1).
    Returns (summary['loan'], tables finance, finance_metrics, loan_schedule, kpi_schedule,
    downside_cases, covenants, use_of_proceeds)."""
    terms = resolve_terms(settings)
    if case not in CASES:
        raise ValueError(f"unknown case '{case}'; expected one of {', '.join(CASES)}")
    cases = DOWNSIDE if cases is None else tuple(cases)
    ctx = inp.context
    rate, base = float(ctx["discount_rate"]), int(ctx["base_year"])
    infl = float(terms.inflation_rate)
    years_h = sorted(int(y) for y in inp.pathway.year)
    y_n = years_h[-1]
    app_end = appraisal_end_year(inp, terms)
    first_capex = inp.capex.loc[inp.capex.net_capex_cny > 1e-6, "year"]
    loan_end = int(first_capex.min()) + terms.tenor_years - 1 if not first_capex.empty else y_n
    cf_base = cash_flows(inp, terms, max(app_end, loan_end))

    def flows(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        if name == "base":
            return cf_base, inp.capex
        lv, cx = apply_case(cf_base, inp.capex, name)
        return finish_flows(lv, inp, terms, cx), cx

    cf, capex_case = flows(case)
    tot = cf[cf.lever == "total"].sort_values("year")
    years = tot.year.astype(int).tolist()
    pw = inp.pathway.set_index("year")
    pw_e, pw_q = dict(pw.emissions_t.items()), dict(pw.output.items())
    e = np.array([pw_e[min(y, y_n)] for y in years], dtype=float)
    q = np.array([pw_q[min(y, y_n)] for y in years], dtype=float)
    ab = inp.abatement[inp.abatement.lever.isin(["green_certificates", "green_power"])].groupby("year").abatement_t.sum()
    ab = dict(ab.items())
    instr = np.array([float(ab.get(min(y, y_n), 0.0)) for y in years])
    bp = inp.bau_pathway.set_index("year")
    bp_e = dict(bp.emissions_t.items())
    bp_q = dict(bp.output.items()) if "output" in bp.columns else None
    bau_e = np.array([float(bp_e[min(y, y_n)]) for y in years])
    bau_q = np.array([float(bp_q[min(y, y_n)]) if bp_q is not None else q[i] for i, y in enumerate(years)])
    kpi = kpi_schedule(years, e, q, float(ctx["baseline_emissions_t"]), float(ctx["base_output"]), base, terms, y_n,
                       instruments_t=instr, bau_emissions_t=bau_e, bau_output=bau_q)
    nom = nominal_factors(years, base, infl)

    def total_of(cf_c: pd.DataFrame) -> dict[str, np.ndarray]:
        """year, capex_cny and cfads_cny of the 'total' rows, by year."""
        rows = np.flatnonzero(cf_c.lever.to_numpy() == "total")
        rows = rows[np.argsort(cf_c.year.to_numpy()[rows], kind="stable")]
        return {c: cf_c[c].to_numpy()[rows] for c in ("year", "capex_cny", "cfads_cny")}

    def loan_of(cf_c: pd.DataFrame, cx: pd.DataFrame, t_c: dict[str, np.ndarray] | None = None):
        t_c = total_of(cf_c) if t_c is None else t_c
        sub = dict(cx.groupby("year").subsidy_cny.sum().items())
        net = t_c["capex_cny"] - np.array([float(sub.get(y, 0.0)) for y in years])
        return size_loan(years, net * nom, t_c["cfads_cny"] * nom, terms, kpi.interest_rate.to_numpy(),
                         kpi.margin_bp.to_numpy(), y_n)

    loan = loan_of(cf, capex_case)
    sll_saving = None
    if loan.debt_cny > 0:
        # interest on the same debt at the flat rate minus the SLL schedule's interest
        a = loan.availability_years
        flat = amortise(loan.schedule.drawdown_cny.to_numpy(), np.full(len(loan.schedule), terms.interest_rate),
                        terms.grace_years, terms.repayment, a, terms.idc, loan.schedule.cfads_cny.to_numpy(),
                        terms.min_dscr or 1.0)
        sll_saving = float(flat["interest"].sum() - loan.schedule.interest_cny.sum())
    metrics = project_metrics(cf, rate, base, app_end)
    kpi_out = kpi[kpi.year <= max(loan.final_year or y_n, y_n)].reset_index(drop=True)
    m_tot = metrics.set_index("lever").loc["total"]
    down_rows, cov = [], []
    sched = loan.schedule
    for name in ("base", *[c for c in cases if c != "base"]):
        cf_c, cx = (cf, capex_case) if name == case else flows(name)
        t_c = total_of(cf_c)
        ln = loan_of(cf_c, cx, t_c)
        cfads_by_year = dict(zip(t_c["year"].tolist(), t_c["cfads_cny"].tolist()))
        cf_nom = np.array([float(cfads_by_year.get(y, 0.0)) for y in sched.year]) * nominal_factors(sched.year, base, infl)
        d = dscr_under(sched, cf_nom) if len(sched) else np.array([])
        breach = np.isfinite(d) & (d < terms.min_dscr * (1 - 1e-9))
        fin_d = d[np.isfinite(d)]
        for i, (r_year, r_phase, r_ds) in enumerate(zip(sched.year.tolist(), sched.phase.tolist(),
                                                        sched.debt_service_cny.tolist())):
            cov.append(dict(case=name, year=int(r_year), phase=r_phase, cfads_cny=float(cf_nom[i]),
                            debt_service_cny=float(r_ds), dscr=float(d[i]),
                            covenant_dscr=terms.min_dscr,
                            headroom_share=float(d[i] / terms.min_dscr - 1.0) if terms.min_dscr > 0 else np.nan,
                            breach=bool(breach[i])))
        down_rows.append(dict(
            case=name, description=CASES[name], debt_cny=ln.debt_cny, binding=ln.binding, min_dscr_sized=ln.min_dscr,
            npv_cny=float(project_metrics(cf_c, rate, base, app_end, ("total",)).set_index("lever").loc["total", "npv_cny"]),
            base_loan_min_dscr=float(fin_d.min()) if fin_d.size else None,
            base_loan_breach_years=int(breach.sum()),
            first_breach_year=int(sched.year[breach].iloc[0]) if breach.any() else None,
        ))
    downside = pd.DataFrame(down_rows)
    covenants = pd.DataFrame(cov, columns=["case", "year", "phase", "cfads_cny", "debt_service_cny", "dscr",
                                           "covenant_dscr", "headroom_share", "breach"])
    uop, benefit = use_of_proceeds(inp, cf_base, loan, terms, app_end)

    def m(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    block = {
        "settings": {**terms.model_dump(), "discount_rate": rate},
        "case": case,
        "context": {k: ctx.get(k) for k in ("base_year", "target_year", "base_output", "output_unit",
                                               "baseline_emissions_t", "lump_sum_subsidy_cny")},
        "rates": {
            "discount_rate_real": rate, "inflation_rate": infl, "discount_rate_nominal": fisher_nominal(rate, infl),
            "interest_rate_nominal": terms.interest_rate, "interest_rate_real": fisher_real(terms.interest_rate, infl),
            "cit_rate": cit_rate(terms),
            "statement": "cash flows, NPV and IRR are real (base-year CNY, real discount rate, as the optimiser); "
                         "the loan schedule, CFADS for debt service, DSCR, LLCR and PLCR are nominal (CFADS x "
                         "(1 + inflation)^(year - base)); nominal = (1 + real)(1 + inflation) - 1 (Fisher)",
        },
        "horizon_end_year": y_n,
        "appraisal_end_year": app_end,
        "debt_cny": loan.debt_cny,
        "binding": loan.binding,
        "reason": loan.reason,
        "loan_to_cost_limit_cny": loan.ltc_limit_cny,
        "dscr_limit_cny": loan.dscr_limit_cny,
        "financed_capex_cny": loan.financed_capex_cny,
        "total_net_capex_cny": loan.total_net_capex_cny,
        "equity_cny": loan.equity_cny,
        "first_drawdown_year": loan.first_year,
        "availability_years": loan.availability_years,
        "first_repayment_year": loan.first_repayment_year,
        "final_year": loan.final_year,
        "capitalised_interest_cny": loan.capitalised_interest_cny,
        "total_interest_cny": float(loan.schedule.interest_cny.sum()) if len(loan.schedule) else 0.0,
        "sll_interest_saving_cny": sll_saving,
        "min_dscr": loan.min_dscr,
        "min_dscr_year": loan.min_dscr_year,
        "llcr": loan.llcr,
        "min_llcr": loan.min_llcr,
        "plcr": loan.plcr,
        "dsra_initial_cny": loan.dsra_initial_cny,
        "kpi_years_met": int(kpi_out.kpi_met.sum()),
        "kpi_years": int(len(kpi_out)),
        "cfads_beyond_horizon": CFADS_BEYOND_HORIZON,
        "downside_cases": {r["case"]: {k: m(v) for k, v in r.items() if k not in ("case", "description")}
                           for r in down_rows},
        "use_of_proceeds": benefit,
        "project": {
            "npv_cny": m(m_tot.npv_cny), "irr": m(m_tot.irr), "irr_note": m_tot.irr_note,
            "simple_payback_years": m(m_tot.simple_payback_years), "discounted_payback_years": m(m_tot.discounted_payback_years),
            "lcoa_cny_per_t": m(m_tot.lcoa_cny_per_t),
        },
        "by_lever": {
            r.lever: {"npv_cny": m(r.npv_cny), "irr": m(r.irr), "irr_note": r.irr_note, "capex_cny": r.capex_cny,
                      "simple_payback_years": m(r.simple_payback_years), "lcoa_cny_per_t": m(r.lcoa_cny_per_t)}
            for r in metrics.itertuples() if r.lever != "total"
        },
    }
    tables = {"finance": cf, "finance_metrics": metrics, "loan_schedule": loan.schedule, "kpi_schedule": kpi_out,
              "downside_cases": downside, "covenants": covenants, "use_of_proceeds": uop}
    return block, tables


def _equipment_subsidy(inp: FinanceInputs, years: list[int]) -> np.ndarray:
    """Per-kW subsidies by year (capex table), aligned to ``years`` (0 beyond the horizon)."""
    s = inp.capex.groupby("year").subsidy_cny.sum()
    return np.array([float(s.get(y, 0.0)) for y in years])


# ---------------------------------------------------------------------------------------
# glue: BAU reference, attaching finance to a run, reading saved results (lazy imports)
# ---------------------------------------------------------------------------------------












def inputs_from_tables(tables: dict[str, pd.DataFrame], context: dict) -> FinanceInputs:
    need = ("capex", "costs", "bau_costs", "bau_pathway", "energy_balance", "abatement", "pathway", "finance_assets", "capacity")
    missing = [n for n in need if n not in tables]
    if missing:
        raise KeyError(", ".join(missing))
    return FinanceInputs(tables["capex"], tables["costs"], tables["bau_costs"], tables["bau_pathway"],
                         tables["energy_balance"], tables["abatement"], tables["pathway"], tables["finance_assets"],
                         tables["capacity"], context)






def recompute_saved(summary: dict, tables: dict[str, pd.DataFrame], overrides: dict, case: str = "base",
                    cases: tuple[str, ...] | None = None) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Finance of a saved run with the saved settings, each overridden where given
    (raises pydantic.ValidationError on bad values)."""
    loan = summary.get("loan") or {}
    saved = {k: v for k, v in (loan.get("settings") or {}).items() if k in Finance.model_fields}
    settings = Finance(**{**saved, **{k: v for k, v in overrides.items() if v is not None}})
    context = {**loan.get("context", {}), "discount_rate": loan["settings"]["discount_rate"]}
    block, out = compute_finance(inputs_from_tables(tables, context), settings, case, cases)
    for k in ("bau_total_cost_npv_cny",):
        if k in loan:
            block[k] = loan[k]
    return json_safe(block), out


