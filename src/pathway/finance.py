"""Project finance from an optimised pathway: cash flows against business as usual (BAU),
NPV / IRR / payback / levelised cost of abatement per lever and in total, loan sizing
(loan-to-cost and DSCR), and the KPI schedule of a sustainability-linked loan (SLL).

The finance logic is pure functions on numbers and pandas tables, with no Pyomo, so a
bank can recompute it from saved results (``pathway finance DIR``). The glue at the end
of the module (building and solving the BAU reference, attaching finance to a run,
reading a saved run) imports the optimiser lazily.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .levers import LEVER_ORDER as LEVERS
from .levers import lever_of as _lever_of
from .schema import Finance

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from .loader import LoadedScenario
    from .run import RunResult
    from .schema import Scenario
    from .solve import SolverOptions

SPEND_ONLY = ("green_power", "green_certificates", "offsets")
DEFAULTS_CSV = Path(__file__).parent / "data" / "finance_defaults.csv"
BAU_CEILING_SHARE = 1000.0  # BAU ceiling = 1000 x baseline: no emissions limit in effect
FINANCE_TABLES = ("finance", "finance_metrics", "loan_schedule", "kpi_schedule")
REPORT_START = "<!-- pathway-finance:start -->"  # `pathway finance` replaces what is between these
REPORT_END = "<!-- pathway-finance:end -->"
RUN_TABLES = ("bau_costs", "bau_pathway", "finance_assets")  # written at run time, read back by `pathway finance`
CFADS_BEYOND_HORIZON = (
    "Beyond the optimiser's horizon, each lever's operating cash flow (energy savings, avoided carbon cost, "
    "added O&M, purchases) and abatement are held at the last horizon year's level (nominal, no escalation), "
    "scaled by the share of that lever's capex still in service (no reinvestment); green power, certificates "
    "and offsets are held flat. CFADS = energy savings + avoided carbon cost - added O&M - purchases "
    "(subsidies and capex excluded)."
)


# ---------------------------------------------------------------------------------------
# technologies -> levers, defaults
# ---------------------------------------------------------------------------------------


def lever_of(tech: str) -> str:
    """Lever of a technology key: eff_* -> efficiency; heat_pump_*, electric_boiler,
    thermal_storage, gas_boiler, biomass_boiler -> electrification_and_fuel_switch;
    pv -> onsite_pv; battery_* -> storage; ccus* -> ccus_net_of_penalty."""
    lever = _lever_of(tech)
    if lever is None:
        raise ValueError(f"no lever for technology '{tech}'")
    return lever


@cache
def finance_defaults() -> pd.DataFrame:
    """data/finance_defaults.csv: item, value, unit, source, year, estimate, note."""
    return pd.read_csv(DEFAULTS_CSV)


def default_value(item: str) -> float:
    hit = finance_defaults().loc[lambda d: d["item"] == item, "value"]
    if hit.empty:
        raise KeyError(f"finance_defaults.csv has no row '{item}'")
    return float(hit.iloc[0])


def resolve_terms(f: Finance | None) -> Finance:
    """The finance settings with every unset (None) SLL field taken from finance_defaults.csv."""
    f = f or Finance()
    upd = {k: default_value(k) for k in ("kpi_reduction_per_yr", "kpi_step_down_bp", "kpi_step_up_bp") if getattr(f, k) is None}
    return f.model_copy(update=upd)


# ---------------------------------------------------------------------------------------
# time value of money
# ---------------------------------------------------------------------------------------


def annuity_payment(principal: float, rate: float, n: int) -> float:
    """Level payment that repays ``principal`` in ``n`` end-of-period payments:
    A = P r / (1 - (1 + r)^-n);  A = P / n when r = 0."""
    if n <= 0:
        raise ValueError("n must be positive")
    if rate == 0:
        return principal / n
    return principal * rate / (1.0 - (1.0 + rate) ** -n)


def discount_factors(years: Iterable[int], base_year: int, rate: float) -> np.ndarray:
    """d(y) = (1 + r)^-(y - base_year)."""
    return np.array([(1.0 + rate) ** -(y - base_year) for y in years])


def npv(rate: float, flows: Iterable[float], first_t: int = 1) -> float:
    """NPV = sum_i CF_i (1 + r)^-(first_t + i); with first_t = 1 the first flow is one
    year after the base year (the model's convention). numpy-financial's npv is the
    first_t = 0 case."""
    cf = np.asarray(list(flows), dtype=float)
    t = np.arange(first_t, first_t + len(cf))
    return float(np.sum(cf * (1.0 + rate) ** -t))


def irr(flows: Iterable[float]) -> tuple[float | None, str]:
    """Internal rate of return: the r > -1 with sum_t CF_t (1 + r)^-t = 0 (t = 0, 1, ...;
    a constant shift of t does not change the root). Solved as the real positive roots
    x = 1/(1+r) of the polynomial sum_t CF_t x^t (as numpy-financial does); with several
    roots the one nearest 0 is returned and the note lists the others above -50 %.

    Returns (rate, note). The rate is None, with the reason in the note, when there is no
    outflow (nothing invested), no inflow, or the undiscounted flows never repay the
    outlay (sum < 0): a savings stream that never pays back the capex has no meaningful
    positive IRR; the note gives the negative rate if one solves NPV = 0.
    """
    cf = np.asarray(list(flows), dtype=float)
    scale = float(np.max(np.abs(cf))) if cf.size else 0.0
    if scale == 0 or not (cf < -1e-9 * scale).any():
        return None, "not defined: no investment (no negative cash flow)"
    if not (cf > 1e-9 * scale).any():
        return None, "not defined: cash flows are never positive (savings never repay the capex)"
    nz = np.flatnonzero(np.abs(cf) > 1e-12 * scale)
    c = cf[nz[0]: nz[-1] + 1] / scale
    roots = np.roots(c[::-1])
    x = roots[(np.abs(roots.imag) < 1e-9) & (roots.real > 0)].real
    rates = sorted({round(float(1.0 / xi - 1.0), 12) for xi in x}, key=abs)
    rates = [_polish_irr(c, r) for r in rates]
    if float(cf.sum()) < 0:
        neg = f"; the rate that sets NPV to 0 is {rates[0]:.2%}" if rates else ""
        return None, f"not defined: savings never repay the capex (undiscounted sum {cf.sum():,.0f} CNY){neg}"
    if not rates:
        return None, "not defined: no real rate sets NPV to 0"
    others = [r for r in rates[1:] if r > -0.5]  # roots near -100 % of long, high-degree series carry no meaning
    note = "" if not others else "several rates set NPV to 0: " + ", ".join(f"{r:.2%}" for r in [rates[0], *others])
    return rates[0], note


def _polish_irr(c: np.ndarray, r: float) -> float:
    """A few Newton steps on f(r) = sum_t c_t (1+r)^-t to remove root-finding noise."""
    t = np.arange(len(c))
    for _ in range(20):
        if r <= -1:
            break
        v = (1.0 + r) ** -t
        f = float(np.sum(c * v))
        df = float(np.sum(-t * c * v / (1.0 + r)))
        if df == 0:
            break
        step = f / df
        r -= step
        if abs(step) < 1e-14:
            break
    return float(r)


def payback_years(investment: Iterable[float], operating: Iterable[float],
                  discount: Iterable[float] | None = None) -> tuple[float | None, str]:
    """Payback period, years from the start of the first year with investment.

    Investment I_t is spent at the start of year t, the operating flow O_t accrues evenly
    over it (t = 1 is the first year with I_t != 0). With C_0 = 0, S_t = C_{t-1} - I_t
    (cumulative just after year t's investment) and C_t = S_t + O_t, the payback is the
    last crossing from negative to non-negative, interpolated within the year:

        payback = (t - 1) + (-S_t) / O_t      for the last t with S_t < 0 <= C_t,

    provided C stays >= 0 to the end; else None ("not repaid"). The discounted payback
    uses I_t d_t and O_t d_t, d_t the discount factors.
    """
    inv = np.asarray(list(investment), dtype=float)
    op = np.asarray(list(operating), dtype=float)
    if discount is not None:
        d = np.asarray(list(discount), dtype=float)
        inv, op = inv * d, op * d
    nz = np.flatnonzero(np.abs(inv) > 1e-9)
    if nz.size == 0 or inv[inv > 0].sum() <= 0:
        return None, "not defined: no investment"
    inv, op = inv[nz[0]:], op[nz[0]:]
    c = 0.0
    payback = None
    for t in range(len(inv)):
        s = c - inv[t]
        c = s + op[t]
        if s < 0 <= c:
            payback = t + (-s) / op[t]
        elif c < 0:
            payback = None
    if payback is None:
        return None, "not repaid within the appraisal period"
    return float(payback), ""


# ---------------------------------------------------------------------------------------
# loan
# ---------------------------------------------------------------------------------------


def amortise(draws: np.ndarray, rates: np.ndarray, grace_years: int, repayment: str) -> dict[str, np.ndarray]:
    """Schedule of a loan over its tenor n = len(draws), year t = 0 .. n-1:

        opening B0_t = B_{t-1};  draw D_t at the start of year t;  Bs_t = B0_t + D_t
        interest I_t = r_t Bs_t (paid in year t, not capitalised)
        grace (t < G): principal P_t = 0
        repayment, m = n - t payments left:
            annuity          A_t = Bs_t r_t / (1 - (1 + r_t)^-m),  P_t = A_t - I_t
            equal_principal  P_t = Bs_t / m
        closing B_t = Bs_t - P_t  (B_{n-1} = 0);  debt service DS_t = I_t + P_t.

    Re-solving the annuity each year on the remaining balance keeps the payment level
    when rates are constant and all draws are in the first year, and amortises later
    draws (or margin changes) over the remaining years. Every output is linear in the
    draws, which ``size_loan`` uses.
    """
    n = len(draws)
    if not 0 <= grace_years < n:
        raise ValueError(f"grace_years ({grace_years}) must be less than the tenor ({n})")
    out = {k: np.zeros(n) for k in ("opening", "drawdown", "interest", "principal", "debt_service", "closing")}
    b = 0.0
    for t in range(n):
        out["opening"][t] = b
        bs = b + float(draws[t])
        r = float(rates[t])
        interest = r * bs
        if t < grace_years:
            principal = 0.0
        elif repayment == "annuity":
            principal = annuity_payment(bs, r, n - t) - interest
        elif repayment == "equal_principal":
            principal = bs / (n - t)
        else:
            raise ValueError(f"repayment must be 'annuity' or 'equal_principal', got '{repayment}'")
        b = bs - principal
        out["drawdown"][t] = draws[t]
        out["interest"][t] = interest
        out["principal"][t] = principal
        out["debt_service"][t] = interest + principal
        out["closing"][t] = b if abs(b) > 1e-9 * max(1.0, bs) else 0.0
    return out


@dataclass
class LoanResult:
    debt_cny: float
    binding: str  # 'loan_to_cost', 'dscr' or 'none'
    reason: str
    ltc_limit_cny: float
    dscr_limit_cny: float | None  # None: no DSCR limit (min_dscr = 0 or no debt service)
    financed_capex_cny: float  # net capex in the drawdown years
    total_net_capex_cny: float
    equity_cny: float
    first_year: int | None
    final_year: int | None
    schedule: pd.DataFrame
    min_dscr: float | None
    min_dscr_year: int | None


SCHEDULE_COLUMNS = ["year", "interest_rate", "margin_bp", "opening_balance_cny", "drawdown_cny", "interest_cny",
                    "principal_cny", "debt_service_cny", "closing_balance_cny", "cfads_cny", "dscr", "period"]


def size_loan(years: list[int], net_capex: np.ndarray, cfads: np.ndarray, terms: Finance,
              rates: np.ndarray | None = None, margin_bp: np.ndarray | None = None,
              horizon_end: int | None = None) -> LoanResult:
    """Size the loan and build its schedule.

    Loan years: y0 .. y0 + tenor - 1, y0 the first year with net capex > 0. Drawdowns
    follow the capex of the years y0 .. y0 + grace (the availability period):
    D_y = L x K_y / K, K = sum of those years' net capex (after per-kW subsidies); capex
    after that is funded by equity. With ds_y the debt service per unit of loan
    (``amortise`` of the draw shares; linear in L):

        L_ltc  = loan_to_cost x K
        L_dscr = min over years with ds_y > 0 of CFADS_y / (min_dscr x ds_y)
                 (0 if any such CFADS_y <= 0; no limit if min_dscr = 0)
        L      = min(L_ltc, L_dscr)   -> binding: 'loan_to_cost' if L_ltc <= L_dscr else 'dscr'
        equity = total net capex - L,  DSCR_y = CFADS_y / DS_y.

    ``years`` must cover the loan years (the caller extends CFADS beyond the horizon).
    ``rates`` are the yearly rates (base + SLL margin); default: terms.interest_rate.
    """
    years = list(years)
    net_capex = np.asarray(net_capex, dtype=float)
    cfads = np.asarray(cfads, dtype=float)
    rates = np.full(len(years), terms.interest_rate) if rates is None else np.asarray(rates, dtype=float)
    margin_bp = np.zeros(len(years)) if margin_bp is None else np.asarray(margin_bp, dtype=float)
    total = float(net_capex[net_capex > 0].sum())
    empty = pd.DataFrame(columns=SCHEDULE_COLUMNS)
    pos = np.flatnonzero(net_capex > 1e-6)
    if pos.size == 0:
        return LoanResult(0.0, "none", "no capex to finance", 0.0, None, 0.0, total, total, None, None, empty, None, None)
    i0 = int(pos[0])
    y0 = years[i0]
    n = terms.tenor_years
    if i0 + n > len(years):
        raise ValueError(f"cash flows end in {years[-1]}, before the loan's final year {y0 + n - 1}")
    idx = np.arange(i0, i0 + n)
    avail = np.zeros(n, dtype=bool)
    avail[: terms.grace_years + 1] = True
    k_y = np.where(avail, np.clip(net_capex[idx], 0.0, None), 0.0)
    k = float(k_y.sum())
    shares = k_y / k
    unit = amortise(shares, rates[idx], terms.grace_years, terms.repayment)
    ds = unit["debt_service"]
    l_ltc = terms.loan_to_cost * k
    cf = cfads[idx]
    reason = ""
    l_dscr: float | None
    due = ds > 1e-12
    if terms.min_dscr == 0 or not due.any():
        l_dscr = None
    elif (cf[due] <= 0).any():
        j = int(np.flatnonzero(due & (cf <= 0))[0])
        l_dscr = 0.0
        reason = (f"no debt capacity: cash flow available for debt service is not positive in {years[idx[j]]} "
                  f"({cf[j]:,.0f} CNY) while debt service is due")
    else:
        l_dscr = float(np.min(cf[due] / (terms.min_dscr * ds[due])))
    if l_dscr is None or l_ltc <= l_dscr:
        debt, binding = l_ltc, "loan_to_cost"
        if l_dscr is None:
            why = "no DSCR covenant applies (min_dscr = 0)" if terms.min_dscr == 0 else "no debt service is due"
            reason = f"the loan-to-cost limit ({terms.loan_to_cost:.0%} of {k:,.0f} CNY) sets the loan: {why}"
        else:
            reason = reason or (f"the loan-to-cost limit ({terms.loan_to_cost:.0%} of {k:,.0f} CNY) is below the "
                                f"DSCR capacity ({l_dscr:,.0f} CNY)")
    else:
        debt, binding = l_dscr, "dscr"
        if not reason:
            j = int(np.argmin(np.where(due, cf / np.where(due, ds, 1.0), np.inf)))
            reason = (f"the minimum DSCR {terms.min_dscr:g} binds in {years[idx[j]]} "
                      f"(CFADS {cf[j]:,.0f} CNY); the loan-to-cost limit would allow {l_ltc:,.0f} CNY")
    sched = amortise(shares * debt, rates[idx], terms.grace_years, terms.repayment)
    with np.errstate(divide="ignore", invalid="ignore"):
        dscr = np.where(sched["debt_service"] > 1e-9, cf / sched["debt_service"], np.nan)
    period = ["horizon" if horizon_end is None or years[i] <= horizon_end else "beyond horizon" for i in idx]
    schedule = pd.DataFrame({
        "year": [years[i] for i in idx], "interest_rate": rates[idx], "margin_bp": margin_bp[idx],
        "opening_balance_cny": sched["opening"], "drawdown_cny": sched["drawdown"], "interest_cny": sched["interest"],
        "principal_cny": sched["principal"], "debt_service_cny": sched["debt_service"],
        "closing_balance_cny": sched["closing"], "cfads_cny": cf, "dscr": dscr, "period": period,
    }, columns=SCHEDULE_COLUMNS)
    finite = np.isfinite(dscr)
    min_dscr = float(np.min(dscr[finite])) if finite.any() else None
    min_year = int(schedule.year[finite].iloc[int(np.argmin(dscr[finite]))]) if finite.any() else None
    return LoanResult(debt, binding, reason, l_ltc, l_dscr, k, total, total - debt, y0, y0 + n - 1, schedule, min_dscr, min_year)


# ---------------------------------------------------------------------------------------
# sustainability-linked loan KPI schedule
# ---------------------------------------------------------------------------------------


def kpi_schedule(years: list[int], emissions_t: np.ndarray, output: np.ndarray, baseline_t: float, base_output: float,
                 base_year: int, terms: Finance, horizon_end: int | None = None) -> pd.DataFrame:
    """KPI schedule of a sustainability-linked loan, one row per year:

        intensity(y)        = E(y) / output(y)                 (tCO2 per unit; E after capture, before offsets)
        intensity_target(y) = (B / Q0) x (1 - k)^(y - base)   (B baseline t, Q0 base-year output)
        absolute_target(y)  = B x (1 - k)^(y - base)
        met(y)              = KPI metric <= its target        (terms.kpi_metric)
        margin_bp(y)        = -step_down if met else +step_up

    k = kpi_reduction_per_yr (default 5% a year, from the Industrial Bank SLL: -10 bp when
    the verified annual reduction reaches 5% of emissions; see finance_defaults.csv).
    Years beyond the horizon hold E and output at the last horizon year's values.
    """
    t = resolve_terms(terms)
    k, down, up = t.kpi_reduction_per_yr, t.kpi_step_down_bp, t.kpi_step_up_bp
    years = list(years)
    e = np.asarray(emissions_t, dtype=float)
    q = np.asarray(output, dtype=float)
    steps = np.array([(1.0 - k) ** (y - base_year) for y in years])
    b_int = baseline_t / base_output if base_output else float("nan")
    intensity = np.divide(e, q, out=np.full(len(e), np.nan), where=q > 0)
    tgt_i = b_int * steps
    tgt_a = baseline_t * steps
    tol = 1e-9
    met_i = intensity <= tgt_i * (1 + tol) + tol
    met_a = e <= tgt_a * (1 + tol) + tol
    met = met_i if t.kpi_metric == "intensity" else met_a
    return pd.DataFrame({
        "year": years,
        "output": q,
        "emissions_t": e,
        "intensity_t_per_unit": intensity,
        "baseline_intensity_t_per_unit": b_int,
        "intensity_target_t_per_unit": tgt_i,
        "intensity_kpi_met": met_i,
        "absolute_target_t": tgt_a,
        "absolute_kpi_met": met_a,
        "reduction_vs_baseline_share": 1.0 - e / baseline_t if baseline_t else np.nan,
        "kpi_metric": t.kpi_metric,
        "kpi_met": met,
        "margin_bp": np.where(met, -down, up),
        "interest_rate": t.interest_rate + np.where(met, -down, up) / 1e4,
        "verification": "annual emissions report verified by a third party or carbon exchange",
        "basis": ["optimised pathway" if horizon_end is None or y <= horizon_end else f"held at {horizon_end} level"
                  for y in years],
    })


# ---------------------------------------------------------------------------------------
# cash flows against BAU
# ---------------------------------------------------------------------------------------


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
OPERATING = ["energy_savings_cny", "avoided_carbon_cost_cny", "added_om_cny", "purchases_cny", "abatement_t"]


def _cost(df: pd.DataFrame, y: int, *cats: str) -> float:
    sel = df[(df.year == y) & df.category.isin(cats)]
    return float(sel.cost_cny.sum())


def _flow(eb: pd.DataFrame, carrier: str, flow: str) -> float:
    sel = eb[(eb.carrier == carrier) & (eb.flow == flow)]
    return float(sel.energy_mwh.sum())


def energy_savings_by_lever(y: int, inp: FinanceInputs, built: set[str]) -> dict[str, float]:
    """Energy-cost saving of year y against BAU, attributed to levers (the documented rule).

    Totals (exact, from the cost tables): electricity dC_e = BAU - optimised
    (grid_energy + demand_charge + export_revenue) and fuel dF = BAU - optimised fuel.
    Unit values from BAU: c_e = BAU (grid_energy + demand_charge) / BAU grid import
    (all-in CNY per grid MWh) and c_h = BAU heat-fuel cost / BAU heat supplied to process
    loads (CNY per MWh_th). Quantities from the optimised energy balance:

        efficiency      = c_e x ES_e + c_h x ES_h             (electricity and heat saved)
        ccus            = -c_e x E_ccus - c_h x H_regen,fuel  (its electricity and fuel-fired regeneration heat)
        onsite_pv       = c_e x (PV used - BAU PV used) + export revenue
        electrification = (dF - c_h x ES_h + c_h x H_regen,fuel) - c_e x E_heat
                          (all other fuel saved, less the electricity for process heat and thermal storage)
        timing residual = dC_e - (c_e ES_e - c_e E_heat - c_e E_ccus + PV part)

    The timing residual is the value of when electricity is bought (TOU arbitrage, lower
    demand charge, net of battery losses) that average-price valuation cannot place. It
    goes to storage if storage was built, else on-site PV, else electrification, else
    efficiency. So the levers sum exactly to dC_e + dF; green power, certificates and
    offsets save no energy cost.
    """
    bp = inp.bau_pathway.set_index("year").loc[y]
    eb = inp.energy_balance[inp.energy_balance.year == y]
    imp_b = float(bp.grid_import_mwh)
    heat_b = float(bp.heat_supplied_mwh)
    c_e = float(bp.electricity_cost_cny) / imp_b if imp_b > 0 else 0.0
    c_h = float(bp.heat_fuel_cost_cny) / heat_b if heat_b > 0 else 0.0
    elec_cats = ("grid_energy", "demand_charge", "export_revenue")
    d_e = _cost(inp.bau_costs, y, *elec_cats) - _cost(inp.costs, y, *elec_cats)
    d_f = _cost(inp.bau_costs, y, "fuel") - _cost(inp.costs, y, "fuel")
    export_revenue = -_cost(inp.costs, y, "export_revenue")
    es_e = -_flow(eb, "electricity", "use: efficiency savings")
    heat_carriers = [c for c in eb.carrier.unique() if c.startswith("heat:") and c != "heat:ccus_regeneration"]
    es_h = -sum(_flow(eb, c, "use: efficiency savings") for c in heat_carriers)
    e_heat = _flow(eb, "electricity", "use: heat for process loads") + _flow(eb, "electricity", "use: thermal storage charge")
    e_ccus = (_flow(eb, "electricity", "use: CCUS regeneration heat")
              + _flow(eb, "electricity", "use: CCUS compression and auxiliaries"))
    h_regen_fuel = sum(_flow(eb, "heat:ccus_regeneration", f"supply: {k}") for k in ("gas_boiler", "biomass_boiler"))
    pv_new = _flow(eb, "electricity", "supply: PV") - _flow(eb, "electricity", "use: PV export") - float(bp.pv_used_mwh)
    out = dict.fromkeys(LEVERS, 0.0)
    out["efficiency"] = c_e * es_e + c_h * es_h
    out["ccus_net_of_penalty"] = -c_e * e_ccus - c_h * h_regen_fuel
    out["onsite_pv"] = c_e * pv_new + export_revenue
    out["electrification_and_fuel_switch"] = (d_f - c_h * es_h + c_h * h_regen_fuel) - c_e * e_heat
    residual = d_e - (c_e * es_e - c_e * e_heat - c_e * e_ccus + out["onsite_pv"])
    for lever in ("storage", "onsite_pv", "electrification_and_fuel_switch", "efficiency"):
        if lever in built or lever == "efficiency":
            out[lever] += residual
            break
    return out


def _alive(v: int, y: int, life: int) -> bool:
    return v <= y < v + life


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
        energy_savings   ``energy_savings_by_lever``
        avoided_carbon_cost  (BAU - optimised carbon cost) x a_L / sum_L' a_L', a_L the lever's
                         abatement (abatement table; offsets excluded: the carbon price is on
                         emissions before offsets)
        added_om         fixed O&M of L's capacity (capacity x O&M rate) + CCUS variable cost
                         (CCUS lever) - BAU fixed O&M (electrification lever)
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
    built = set(capex.loc[capex.capex_cny > 1e-6, "lever"])
    capex_by_lever = capex.groupby("lever").capex_cny.sum().reindex(list(LEVERS), fill_value=0.0)
    ab = inp.abatement[inp.abatement.lever.isin(LEVERS)]
    lump = float(ctx.get("lump_sum_subsidy_cny", 0.0) or 0.0)
    if capex_by_lever.sum() > 0:
        lump_share = capex_by_lever / capex_by_lever.sum()
    else:
        pos = ab.groupby("lever").abatement_t.sum().clip(lower=0).reindex(list(LEVERS), fill_value=0.0)
        lump_share = pos / pos.sum() if pos.sum() > 0 else pd.Series(0.0, index=list(LEVERS))
    lump_year = int(ctx.get("target_year", y_n))
    lump_year = min(max(lump_year, years[0]), y_n)
    fom_rate = inp.assets.set_index("technology").fom_cny_per_unit_yr
    cap = inp.capacity.assign(lever=inp.capacity.technology.map(lambda t: lever_of(t)))
    cap["fom"] = cap.capacity * cap.technology.map(fom_rate).fillna(0.0)
    rows = []
    for y in years:
        cy = capex[capex.year == y]
        c_l = cy.groupby("lever").capex_cny.sum()
        s_l = cy.groupby("lever").subsidy_cny.sum()
        sav = energy_savings_by_lever(y, inp, built)
        a_l = ab[ab.year == y].set_index("lever").abatement_t.reindex(list(LEVERS), fill_value=0.0).astype(float)
        a_c = a_l.drop("offsets")
        d_cp = _cost(inp.bau_costs, y, "carbon_price") - _cost(inp.costs, y, "carbon_price")
        fom_l = cap[cap.year == y].groupby("lever").fom.sum()
        fom_total = _cost(inp.costs, y, "fixed_om")
        if fom_l.sum() > 0:
            fom_l = fom_l * (fom_total / fom_l.sum())
        bau_fom = _cost(inp.bau_costs, y, "fixed_om")
        bau_capex = _cost(inp.bau_costs, y, "upfront_capex")
        for lever in LEVERS:
            sub = float(s_l.get(lever, 0.0)) + (lump * float(lump_share[lever]) if y == lump_year else 0.0)
            carbon = d_cp * float(a_c[lever]) / float(a_c.sum()) if lever in a_c.index and abs(a_c.sum()) > 1e-9 else 0.0
            om = float(fom_l.get(lever, 0.0))
            if lever == "ccus_net_of_penalty":
                om += _cost(inp.costs, y, "ccus_variable")
            if lever == "electrification_and_fuel_switch":
                om -= bau_fom
            purchases = {"green_power": _cost(inp.costs, y, "green_power_premium"),
                         "green_certificates": _cost(inp.costs, y, "green_certificates"),
                         "offsets": _cost(inp.costs, y, "offsets")}.get(lever, 0.0)
            rows.append(dict(year=y, lever=lever, period="horizon", capex_cny=float(c_l.get(lever, 0.0)), subsidies_cny=sub,
                             bau_capex_avoided_cny=bau_capex if lever == "electrification_and_fuel_switch" else 0.0,
                             energy_savings_cny=sav[lever], avoided_carbon_cost_cny=carbon, added_om_cny=om,
                             purchases_cny=purchases, abatement_t=float(a_l[lever])))
    df = pd.DataFrame(rows)
    if end_year > y_n:
        life = inp.assets.set_index("technology").life_years
        last = df[df.year == y_n].set_index("lever")
        ext = []
        for y in range(y_n + 1, end_year + 1):
            for lever in LEVERS:
                vint = capex[(capex.lever == lever) & (capex.capex_cny > 1e-6)]
                if vint.empty:
                    share = 1.0
                else:
                    lv = vint.technology.map(life).fillna(1).astype(int)
                    now = sum(c for c, v, n in zip(vint.capex_cny, vint.year, lv) if _alive(int(v), y, int(n)))
                    then = sum(c for c, v, n in zip(vint.capex_cny, vint.year, lv) if _alive(int(v), y_n, int(n)))
                    share = now / then if then > 0 else 0.0
                row = dict(year=y, lever=lever, period="beyond horizon", capex_cny=0.0, subsidies_cny=0.0, bau_capex_avoided_cny=0.0)
                for col in OPERATING:
                    row[col] = float(last.loc[lever, col]) * share
                ext.append(row)
        df = pd.concat([df, pd.DataFrame(ext)], ignore_index=True)
    df["cfads_cny"] = df.energy_savings_cny + df.avoided_carbon_cost_cny - df.added_om_cny - df.purchases_cny
    df["net_cash_flow_cny"] = -df.capex_cny + df.subsidies_cny + df.bau_capex_avoided_cny + df.cfads_cny
    num = [*FLOW_COLUMNS, "cfads_cny", "net_cash_flow_cny", "abatement_t"]
    total = df.groupby("year", as_index=False)[num].sum()
    total["lever"] = "total"
    total["period"] = total.year.map(df.drop_duplicates("year").set_index("year").period)
    df = pd.concat([df, total], ignore_index=True)
    r, base = float(ctx["discount_rate"]), int(ctx["base_year"])
    df["discount_factor"] = (1.0 + r) ** -(df.year - base)
    df["discounted_net_cash_flow_cny"] = df.net_cash_flow_cny * df.discount_factor
    order = {lv: i for i, lv in enumerate([*LEVERS, "total"])}
    df = df.sort_values(["lever", "year"], key=lambda s: s.map(order) if s.name == "lever" else s).reset_index(drop=True)
    cols = ["year", "lever", "period", *FLOW_COLUMNS, "cfads_cny", "net_cash_flow_cny", "discount_factor",
            "discounted_net_cash_flow_cny", "abatement_t"]
    return df[cols]


def project_metrics(cf: pd.DataFrame, rate: float, base_year: int, end_year: int | None = None) -> pd.DataFrame:
    """Per lever and total, over the appraisal years (<= end_year):

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
    rows = []
    for lever in [*LEVERS, "total"]:
        d = cf[cf.lever == lever].sort_values("year")
        if d.empty:
            continue
        disc = (1.0 + rate) ** -(d.year.to_numpy() - base_year)
        ncf = d.net_cash_flow_cny.to_numpy()
        value = float(np.sum(ncf * disc))
        rate_irr, note = irr(ncf)
        if d.capex_cny.sum() <= 1e-6 and d.bau_capex_avoided_cny.sum() <= 1e-6:
            rate_irr, note = None, "not defined: no investment (a spend-only lever or unused)"
        inv = (d.capex_cny - d.subsidies_cny - d.bau_capex_avoided_cny).to_numpy()
        op = d.cfads_cny.to_numpy()
        pb, pb_note = payback_years(inv, op)
        dpb, dpb_note = payback_years(inv, op, disc)
        ab = float(np.sum(d.abatement_t.to_numpy() * disc))
        pv_carbon = float(np.sum(d.avoided_carbon_cost_cny.to_numpy() * disc))
        lcoa = -(value - pv_carbon) / ab if ab > 1e-9 else None
        rows.append(dict(
            lever=lever, capex_cny=float(d.capex_cny.sum()), subsidies_cny=float(d.subsidies_cny.sum()),
            npv_cny=value, irr=rate_irr, irr_note=note, simple_payback_years=pb, discounted_payback_years=dpb,
            payback_note=pb_note or dpb_note, abatement_t=float(d.abatement_t.sum()), discounted_abatement_t=ab,
            lcoa_cny_per_t=lcoa,
            lcoa_note="" if lcoa is not None else f"not defined: discounted abatement is not positive ({ab:,.0f} t)",
            first_year=int(d.year.min()), last_year=int(d.year.max()),
        ))
    return pd.DataFrame(rows)


def compute_finance(inp: FinanceInputs, settings: Finance) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Cash flows, metrics, KPI schedule and loan for one run. Returns (summary['loan'],
    tables finance, finance_metrics, loan_schedule, kpi_schedule)."""
    terms = resolve_terms(settings)
    ctx = inp.context
    rate, base = float(ctx["discount_rate"]), int(ctx["base_year"])
    years_h = sorted(int(y) for y in inp.pathway.year)
    y_n = years_h[-1]
    app_end = appraisal_end_year(inp, terms)
    first_capex = inp.capex.loc[inp.capex.net_capex_cny > 1e-6, "year"]
    loan_end = int(first_capex.min()) + terms.tenor_years - 1 if not first_capex.empty else y_n
    cf = cash_flows(inp, terms, max(app_end, loan_end))
    tot = cf[cf.lever == "total"].sort_values("year")
    years = tot.year.astype(int).tolist()
    pw = inp.pathway.set_index("year")
    e = np.array([pw.loc[min(y, y_n), "emissions_t"] for y in years], dtype=float)
    q = np.array([pw.loc[min(y, y_n), "output"] for y in years], dtype=float)
    kpi = kpi_schedule(years, e, q, float(ctx["baseline_emissions_t"]), float(ctx["base_output"]), base, terms, y_n)
    net_capex = tot.capex_cny.to_numpy() - _equipment_subsidy(inp, years)
    loan = size_loan(years, net_capex, tot.cfads_cny.to_numpy(), terms, kpi.interest_rate.to_numpy(),
                     kpi.margin_bp.to_numpy(), y_n)
    sll_saving = None
    if loan.debt_cny > 0:
        # interest on the same debt at the flat rate minus the SLL schedule's interest
        flat = amortise(loan.schedule.drawdown_cny.to_numpy(), np.full(len(loan.schedule), terms.interest_rate),
                        terms.grace_years, terms.repayment)
        sll_saving = float(flat["interest"].sum() - loan.schedule.interest_cny.sum())
    metrics = project_metrics(cf, rate, base, app_end)
    kpi_out = kpi[kpi.year <= max(loan.final_year or y_n, y_n)].reset_index(drop=True)
    m_tot = metrics.set_index("lever").loc["total"]

    def m(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    block = {
        "settings": {**terms.model_dump(), "discount_rate": rate},
        "context": {k: ctx.get(k) for k in ("base_year", "target_year", "base_output", "output_unit",
                                               "baseline_emissions_t", "lump_sum_subsidy_cny")},
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
        "final_year": loan.final_year,
        "total_interest_cny": float(loan.schedule.interest_cny.sum()) if len(loan.schedule) else 0.0,
        "sll_interest_saving_cny": sll_saving,
        "min_dscr": loan.min_dscr,
        "min_dscr_year": loan.min_dscr_year,
        "kpi_years_met": int(kpi_out.kpi_met.sum()),
        "kpi_years": int(len(kpi_out)),
        "cfads_beyond_horizon": CFADS_BEYOND_HORIZON,
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
    tables = {"finance": cf, "finance_metrics": metrics, "loan_schedule": loan.schedule, "kpi_schedule": kpi_out}
    return block, tables


def _equipment_subsidy(inp: FinanceInputs, years: list[int]) -> np.ndarray:
    """Per-kW subsidies by year (capex table), aligned to ``years`` (0 beyond the horizon)."""
    s = inp.capex.groupby("year").subsidy_cny.sum()
    return np.array([float(s.get(y, 0.0)) for y in years])


# ---------------------------------------------------------------------------------------
# presentation: report section, bank sheet, sensitivity figure
# ---------------------------------------------------------------------------------------


def _fmt(v, kind: str = "cny") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if kind == "cny":
        return f"{v / 1e6:,.2f} M CNY"
    if kind == "pct":
        return f"{v:.1%}"
    if kind == "yr":
        return f"{v:.1f} years"
    return f"{v:,.2f}"


def _display(df: pd.DataFrame, formats: dict[str, tuple[str, Callable]]) -> str:
    """An HTML table of ``df`` with columns renamed and formatted: {column: (header, fmt)}."""
    import html as _html

    cols = [c for c in formats if c in df.columns]
    head = "".join(f"<th>{_html.escape(formats[c][0])}</th>" for c in cols)
    body = []
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            txt = "" if v is None or (isinstance(v, float) and math.isnan(v)) else formats[c][1](v)
            cells.append(f"<td>{_html.escape(str(txt))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return ("<div style='overflow-x:auto'><table><thead><tr>" + head + "</tr></thead><tbody>" + "".join(body)
            + "</tbody></table></div>")


def finance_html(tables: dict[str, pd.DataFrame], summary: dict | None = None) -> str:
    """The report's finance section (HTML fragment between REPORT_START/REPORT_END, which
    ``pathway finance`` replaces). Its chart draws once plotly.js has loaded, wherever the
    report puts the script. Empty string without finance tables."""
    import html as _html

    if "loan_schedule" not in tables or "finance_metrics" not in tables:
        return ""
    esc = _html.escape
    loan = (summary or {}).get("loan") or {}
    met = tables["finance_metrics"]
    mcny = lambda v: f"{v / 1e6:,.2f}"  # noqa: E731
    pct = lambda v: f"{v:.1%}"  # noqa: E731
    num = lambda v: f"{v:,.0f}"  # noqa: E731
    parts = [REPORT_START, "<section id='finance'><h2>Finance: savings against business as usual, loan, SLL KPIs</h2>"]
    if loan:
        st = loan.get("settings", {})
        items = [
            ("Loan", f"{_fmt(loan.get('debt_cny'))} ({loan.get('binding')} binds)"),
            ("Why", str(loan.get("reason", ""))),
            ("Equity needed", _fmt(loan.get("equity_cny"))),
            ("Minimum DSCR", f"{_fmt(loan.get('min_dscr'), 'x')} in {loan.get('min_dscr_year') or 'n/a'} "
                             f"(covenant {st.get('min_dscr')})"),
            ("Terms", f"{st.get('loan_to_cost', 0):.0%} of financed capex, {st.get('tenor_years')} years, "
                      f"{st.get('interest_rate', 0):.2%}, {st.get('grace_years')} grace year(s), {st.get('repayment')}"),
            ("Sustainability-linked margin", f"-{st.get('kpi_step_down_bp'):g} bp when the {st.get('kpi_metric')} KPI is met "
                                             f"(-{st.get('kpi_reduction_per_yr', 0):.0%}/yr from the baseline), "
                                             f"+{st.get('kpi_step_up_bp'):g} bp when missed; met in {loan.get('kpi_years_met')} "
                                             f"of {loan.get('kpi_years')} years; interest saved {_fmt(loan.get('sll_interest_saving_cny'))}"),
        ]
        parts.append("<table>" + "".join(f"<tr><td><b>{esc(a)}</b></td><td>{esc(b)}</td></tr>" for a, b in items) + "</table>")
    if (met.lever == "total").any():
        tot = met[met.lever == "total"].iloc[0]
        parts.append(f"<p>All levers, {int(tot.first_year)}-{int(tot.last_year)}: NPV {_fmt(tot.npv_cny)}, "
                     f"IRR {_fmt(tot.irr, 'pct')}, payback {_fmt(tot.simple_payback_years, 'yr')} "
                     f"(discounted {_fmt(tot.discounted_payback_years, 'yr')}), levelised cost of abatement "
                     f"{_fmt(tot.lcoa_cny_per_t, 'x')} CNY/t (negative: saves money).</p>")
    view = met.assign(note=[n1 if isinstance(n1, str) and n1 else (n2 if isinstance(n2, str) else "")
                            for n1, n2 in zip(met.irr_note, met.lcoa_note)])
    parts.append("<h3>Metrics by lever</h3>" + _display(view, {
        "lever": ("lever", str), "capex_cny": ("capex, M CNY", mcny), "npv_cny": ("NPV, M CNY", mcny),
        "irr": ("IRR", pct), "simple_payback_years": ("payback, years", lambda v: f"{v:.1f}"),
        "discounted_payback_years": ("discounted payback, years", lambda v: f"{v:.1f}"),
        "abatement_t": ("abatement, tCO2", num), "lcoa_cny_per_t": ("levelised cost, CNY/tCO2", lambda v: f"{v:,.1f}"),
        "note": ("note", str)}))
    sched = tables["loan_schedule"]
    if len(sched):
        fig = _service_figure(tables)
        div = f"finance-cfads-{abs(hash(fig.to_json())) % 10**8}"
        parts.append(f"<div id='{div}' style='height:420px'></div><script>window.addEventListener('load',function(){{"
                     f"var f={fig.to_json()};if(window.Plotly){{Plotly.newPlot('{div}',f.data,f.layout);}}}});</script>")
        parts.append("<h3>Loan schedule (CNY)</h3>" + _display(sched, {
            "year": ("year", str), "interest_rate": ("rate", lambda v: f"{v:.3%}"), "drawdown_cny": ("drawdown", num),
            "interest_cny": ("interest", num), "principal_cny": ("principal", num), "debt_service_cny": ("debt service", num),
            "closing_balance_cny": ("closing balance", num), "cfads_cny": ("CFADS", num), "dscr": ("DSCR", lambda v: f"{v:.2f}"),
            "period": ("period", str)}))
    if "kpi_schedule" in tables:
        k = tables["kpi_schedule"]
        parts.append("<h3>Sustainability-linked loan KPI schedule</h3><p>KPI verified each year by a third party "
                     "or carbon exchange (annual emissions report); emissions after capture, before offsets.</p>"
                     + _display(k, {
                         "year": ("year", str), "emissions_t": ("emissions, tCO2", num),
                         "intensity_t_per_unit": ("intensity, tCO2/unit", lambda v: f"{v:.5f}"),
                         "intensity_target_t_per_unit": ("intensity target", lambda v: f"{v:.5f}"),
                         "absolute_target_t": ("absolute target, tCO2", num),
                         "kpi_met": ("KPI met", lambda v: "yes" if bool(v) else "no"),
                         "margin_bp": ("margin, bp", lambda v: f"{v:+g}"), "basis": ("basis", str)}))
    d = finance_defaults()
    parts.append("<p><small>" + esc(CFADS_BEYOND_HORIZON) + " Savings per lever: see pathway.finance."
                 "energy_savings_by_lever. Default SLL terms (data/finance_defaults.csv): "
                 + esc("; ".join(f"{r.item} = {r.value:g} {r.unit} ({'estimate' if r.estimate else 'sourced'})"
                                 for r in d.itertuples()))
                 + "</small></p></section>")
    parts.append(REPORT_END)
    return "".join(parts)


def _service_figure(tables: dict[str, pd.DataFrame]) -> go.Figure:
    import plotly.graph_objects as go

    s = tables["loan_schedule"]
    fig = go.Figure()
    fig.add_bar(x=s.year, y=s.cfads_cny / 1e6, name="CFADS (M CNY)")
    fig.add_bar(x=s.year, y=s.debt_service_cny / 1e6, name="Debt service (M CNY)")
    fig.add_scatter(x=s.year, y=s.dscr, name="DSCR", yaxis="y2", mode="lines+markers")
    fig.update_layout(title="Cash flow available for debt service (CFADS) and debt service", barmode="group",
                      xaxis=dict(title="Year", tickmode="array", tickvals=list(s.year), tickformat="d"),
                      yaxis_title="M CNY", yaxis2=dict(title="DSCR", overlaying="y", side="right", rangemode="tozero"),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def bank_sheet(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One sheet for a lender: per year the loan schedule, the plan's total cash flows
    and the SLL KPI (years of the loan and of the horizon)."""
    if "finance" not in tables:
        return pd.DataFrame()
    tot = tables["finance"]
    tot = tot[tot.lever == "total"][["year", "period", "capex_cny", "subsidies_cny", "energy_savings_cny",
                                     "avoided_carbon_cost_cny", "added_om_cny", "purchases_cny", "cfads_cny",
                                     "net_cash_flow_cny"]]
    sched = tables.get("loan_schedule", pd.DataFrame(columns=SCHEDULE_COLUMNS)).drop(columns=["cfads_cny", "period"], errors="ignore")
    kpi = tables.get("kpi_schedule", pd.DataFrame(columns=["year"]))
    kpi = kpi[[c for c in ("year", "emissions_t", "intensity_t_per_unit", "intensity_target_t_per_unit",
                           "absolute_target_t", "kpi_met") if c in kpi.columns]]
    years = sorted(set(sched.year.astype(int)) | set(kpi.year.astype(int)))
    out = pd.DataFrame({"year": years})
    out = out.merge(tot, on="year", how="left").merge(sched, on="year", how="left").merge(kpi, on="year", how="left")
    return out


def sensitivity_figure(df: pd.DataFrame) -> go.Figure:
    """Loan size (bars, M CNY) and minimum DSCR (line, right axis) across price cases;
    ``df`` as returned by ``energy_price_sensitivity`` (case, debt_cny, min_dscr, binding)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_bar(x=df.case, y=df.debt_cny / 1e6, name="Loan (M CNY)", text=df.binding)
    fig.add_scatter(x=df.case, y=df.min_dscr, name="Minimum DSCR", yaxis="y2", mode="lines+markers")
    fig.update_layout(title="Loan size and minimum DSCR by energy-price case", xaxis_title="Energy-price case",
                      yaxis_title="Loan (M CNY)", yaxis2=dict(title="Minimum DSCR", overlaying="y", side="right"))
    return fig


# ---------------------------------------------------------------------------------------
# glue: BAU reference, attaching finance to a run, reading saved results (lazy imports)
# ---------------------------------------------------------------------------------------


def bau_scenario(s: Scenario, replacement_peak_mw: float = 0.0) -> Scenario:
    """The business-as-usual twin of a scenario: same factory, baseline, growth, prices and
    grid factors; no new investment, purchases or offsets, and no target:

    - technologies cleared, except (1) PV kept with max_kw = 0 when the scenario has PV,
      so the representative days are chosen from the same series (the PV profile is one
      of tsam's inputs) and (2) the gas_boiler as a like-for-like replacement only when
      an existing boiler retires inside the horizon: enabled from the first retirement
      year, capacity capped at ``replacement_peak_mw`` (the retiring loads' peak hourly
      heat). Within that cap the LP may also run it for other loads when cheaper.
    - target: preset 'custom' with no rules and a ceiling of 1000 x baseline every year
      (no limit in effect), same scope-2 method.
    """
    from .schema import Boiler, Target, Technologies

    h = s.horizon
    kept: dict = {}
    if s.technologies.pv is not None and s.technologies.pv.enabled:
        kept["pv"] = s.technologies.pv.model_copy(update={"max_kw": 0.0, "roof_area_m2": None, "subsidy_cny_per_kw": 0.0})
    retire = [hl.existing_boiler_retire_year for hl in s.baseline.heat_loads
              if hl.existing_boiler_retire_year is not None and hl.existing_boiler_retire_year <= h.end_year]
    if retire:
        gb = s.technologies.gas_boiler or Boiler()
        kept["gas_boiler"] = gb.model_copy(update={"enabled": True, "first_build_year": min(retire),
                                                "max_kw_th": replacement_peak_mw * 1000.0 * (1 + 1e-9),
                                                "max_build_per_yr": None})
    target = Target(preset="custom", scope2_method=s.target.scope2_method,
                    trajectory={y: BAU_CEILING_SHARE for y in range(h.base_year + 1, h.end_year + 1)})
    return s.model_copy(update={"name": f"{s.name} (business as usual)", "technologies": Technologies(**kept),
                                "target": target})


def _replacement_peak_mw(md) -> float:
    """Peak hourly heat (MW_th) of the loads whose existing boiler retires in the horizon."""
    end = md.years[-1]
    loads = [hl for hl in md.heat_loads if hl.existing_retire_year is not None and hl.existing_retire_year <= end]
    if not loads:
        return 0.0
    g = max(md.growth[y] for y in md.years if any(y >= hl.existing_retire_year for hl in loads))
    return float(sum(hl.demand_mwh_base for hl in loads) * g * float(np.max(md.heat_shape)))


def run_bau(loaded: LoadedScenario, md, opts: SolverOptions | None = None) -> RunResult:
    """Solve the BAU twin of ``loaded`` (see ``bau_scenario``); ``md`` is the optimised
    run's model data (for the replacement boiler's peak)."""
    import dataclasses

    from .catalogue import catalogue_value
    from .errors import InfeasibleTargetError, Problem, ScenarioError, SolverError
    from .run import run_loaded

    s = loaded.scenario
    for hl in md.heat_loads:
        r = hl.existing_retire_year
        if r is not None and r <= md.years[-1]:
            gb = s.technologies.gas_boiler
            cap_t = gb.max_temp_c if gb is not None and gb.max_temp_c is not None else None
            tmax = cap_t if cap_t is not None else catalogue_value("gas_boiler", "max_temp_c", md.base_year)
            if hl.temperature_c > tmax:
                raise ScenarioError([Problem(str(loaded.path), f"baseline.heat_loads.{hl.name}.existing_boiler_retire_year",
                                             f"the business-as-usual reference replaces a retiring boiler with a gas boiler, "
                                             f"which reaches {tmax:g} °C, below the load's {hl.temperature_c:g} °C")])
    bau = dataclasses.replace(loaded, scenario=bau_scenario(s, _replacement_peak_mw(md)))
    try:
        return run_loaded(bau, opts)
    except InfeasibleTargetError as exc:
        raise SolverError(f"the business-as-usual reference could not be solved: {exc}") from None


def bau_tables(bau: RunResult) -> dict[str, pd.DataFrame]:
    """What finance needs from the BAU run, as two tables: bau_costs (year, category,
    cost_cny, discounted_cost_cny; the optimiser's cost categories plus 'upfront_capex')
    and bau_pathway (yearly emissions, grid import, PV used, heat supplied to process
    loads, the fuel cost of that heat and the electricity cost)."""
    md = bau.md
    t = bau.tables
    costs = t["costs"][["year", "category", "cost_cny", "discounted_cost_cny"]].copy()
    cap = t["capex"].groupby("year").capex_cny.sum().reindex(md.years, fill_value=0.0)
    costs = pd.concat([costs, pd.DataFrame({"year": md.years, "category": "upfront_capex", "cost_cny": cap.to_numpy(),
                                            "discounted_cost_cny": [cap[y] * md.discount[y] for y in md.years]})],
                      ignore_index=True)
    eb = t["energy_balance"]
    pw = t["pathway"].set_index("year")
    rows = []
    for y in md.years:
        e = eb[eb.year == y]
        heat = e[e.carrier.str.startswith("heat:") & (e.carrier != "heat:ccus_regeneration") & e.flow.str.startswith("supply:")]
        other_fuel = md.energy_escalation[y] * sum(md.other_fuel_cost_cny.values()) * md.growth[y]
        rows.append(dict(
            year=y, emissions_t=float(pw.loc[y, "emissions_t"]), grid_import_mwh=float(pw.loc[y, "grid_import_mwh"]),
            pv_used_mwh=_flow(e, "electricity", "supply: PV") - _flow(e, "electricity", "use: PV export"),
            heat_supplied_mwh=float(heat.energy_mwh.sum()),
            heat_fuel_cost_cny=_cost(costs, y, "fuel") - other_fuel,
            electricity_cost_cny=_cost(costs, y, "grid_energy", "demand_charge"),
            output=float(pw.loc[y, "output"]),
        ))
    return {"bau_costs": costs, "bau_pathway": pd.DataFrame(rows)}


def assets_table(md) -> pd.DataFrame:
    """technology, lever, life_years, fom_cny_per_unit_yr (per unit of the capacity table)."""
    from .model.sets import investable

    rows = [dict(technology=k, lever=lever_of(k), life_years=b.life_years, fom_cny_per_unit_yr=b.fom_cny_per_unit_yr)
            for k, b in investable(md).items()]
    return pd.DataFrame(rows, columns=["technology", "lever", "life_years", "fom_cny_per_unit_yr"])


def inputs_from_tables(tables: dict[str, pd.DataFrame], context: dict) -> FinanceInputs:
    need = ("capex", "costs", "bau_costs", "bau_pathway", "energy_balance", "abatement", "pathway", "finance_assets", "capacity")
    missing = [n for n in need if n not in tables]
    if missing:
        raise KeyError(", ".join(missing))
    return FinanceInputs(tables["capex"], tables["costs"], tables["bau_costs"], tables["bau_pathway"],
                         tables["energy_balance"], tables["abatement"], tables["pathway"], tables["finance_assets"],
                         tables["capacity"], context)


def attach_finance(result: RunResult, opts: SolverOptions | None = None,
                   progress: Callable[[str], None] | None = None) -> None:
    """Solve BAU, compute finance and add its tables and summary['loan'] to ``result``
    (only when the scenario has a finance block)."""
    s = result.loaded.scenario
    if s.finance is None:
        return
    if progress:
        progress("finance")
    bau = run_bau(result.loaded, result.md, opts)
    result.tables.update(bau_tables(bau))
    result.tables["finance_assets"] = assets_table(result.md)
    md = result.md
    context = dict(discount_rate=md.discount_rate, base_year=md.base_year, target_year=md.target_year,
                   base_output=s.production.output_per_yr, output_unit=s.production.unit,
                   baseline_emissions_t=md.baseline_t, lump_sum_subsidy_cny=s.finance.lump_sum_subsidy_cny)
    block, tables = compute_finance(inputs_from_tables(result.tables, context), s.finance)
    block["bau_total_cost_npv_cny"] = float(result.tables["bau_costs"].query("category != 'upfront_capex'").discounted_cost_cny.sum())
    result.tables.update(tables)
    from .run import _clean

    result.summary["loan"] = _clean(block)


def read_saved(out_dir: Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """summary.json and the tables finance needs from a saved run folder."""
    import json

    out_dir = Path(out_dir)
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    names = ("capex", "costs", "energy_balance", "abatement", "pathway", "capacity", *RUN_TABLES)
    tables = {n: pd.read_csv(out_dir / "tables" / f"{n}.csv") for n in names if (out_dir / "tables" / f"{n}.csv").exists()}
    return summary, tables


def recompute_saved(summary: dict, tables: dict[str, pd.DataFrame], overrides: dict) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Finance of a saved run with the saved settings, each overridden where given
    (raises pydantic.ValidationError on bad values)."""
    loan = summary.get("loan") or {}
    saved = {k: v for k, v in (loan.get("settings") or {}).items() if k in Finance.model_fields}
    settings = Finance(**{**saved, **{k: v for k, v in overrides.items() if v is not None}})
    context = {**loan.get("context", {}), "discount_rate": loan["settings"]["discount_rate"]}
    block, out = compute_finance(inputs_from_tables(tables, context), settings)
    for k in ("bau_total_cost_npv_cny",):
        if k in loan:
            block[k] = loan[k]
    from .run import _clean

    return _clean(block), out


def energy_price_sensitivity(path: str | Path, growth_rates: Iterable[float], overrides: dict | None = None,
                             opts: SolverOptions | None = None) -> pd.DataFrame:
    """Re-optimise the scenario (and its BAU) for each energy-price escalation rate
    (prices.energy_price_growth_per_yr) and size the loan: one row per case with
    debt_cny, binding, min_dscr, npv_cny, irr."""
    from .loader import deep_merge
    from .run import run_file

    rows = []
    for g in growth_rates:
        ov = deep_merge(overrides or {}, {"prices": {"energy_price_growth_per_yr": float(g)}})
        res = run_file(path, None, opts, overrides=ov)
        loan = res.summary.get("loan")
        if loan is None:
            raise ValueError("the scenario has no finance block")
        rows.append(dict(case=f"{g:+.0%}/yr", energy_price_growth_per_yr=float(g), debt_cny=loan["debt_cny"],
                         binding=loan["binding"], min_dscr=loan["min_dscr"], npv_cny=loan["project"]["npv_cny"],
                         irr=loan["project"]["irr"], capex_cny=res.summary["capex_total_cny"]))
    return pd.DataFrame(rows)
