"""Loan sizing and amortisation: the debt is the lesser of the loan-to-cost limit and the
largest loan whose CFADS meets the minimum DSCR every year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pathway.finance.money import annuity_payment
from pathway.scenario.schema import Finance

if TYPE_CHECKING:  # pragma: no cover

    pass


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
