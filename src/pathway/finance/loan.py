"""One loan facility over a plan's capex: drawdowns as capex is spent during the availability
period, interest during construction (IDC, capitalised or paid), grace, then repayment
(annuity, equal principal, or sculpted to the minimum DSCR); sizing to the lesser of the
loan-to-cost limit and the largest debt meeting the minimum DSCR every year; LLCR, PLCR,
the debt-service reserve account (DSRA) and the covenant table.

All rates and cash flows here are nominal (CNY of each year); ``cashflows`` converts the
plan's real cash flows before calling ``size_loan``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pathway.finance.money import annuity_payment
from pathway.scenario.schema import Finance

REPAYMENTS = ("annuity", "equal_principal", "sculpted")


def amortise(draws: np.ndarray, rates: np.ndarray, grace_years: int, repayment: str, availability_years: int = 1,
             idc: str = "paid", cfads: np.ndarray | None = None, target_dscr: float = 1.0) -> dict[str, np.ndarray]:
    """Schedule of a loan over its tenor n = len(draws), year t = 0 .. n-1.

    Draws D_t (only in the availability period t < A) are spent evenly through year t, so
    they bear half a year's interest in that year. Repayment starts at R = max(G, 1)
    (``repayment_start``; G = grace_years, counted from the first drawdown); a draw after R
    joins the balance and is repaid over the remaining years:

        opening B0_t = B_{t-1};  Bs_t = B0_t + D_t;  interest I_t = r_t (B0_t + D_t / 2)
        t < R, t < A (construction): IDC capitalised -> B_t = Bs_t + I_t, nothing paid
                                     IDC paid        -> B_t = Bs_t,  DS_t = I_t
        t < R, t >= A (grace):       B_t = B0_t, DS_t = I_t (interest only)
        t >= R, m = n - t payments left:
            annuity          P_t = Bs_t r_t / (1 - (1 + r_t)^-m) - r_t Bs_t   (re-solved each year)
            equal_principal  P_t = Bs_t / m
            sculpted         s_t = max(CFADS_t, 0) / target_dscr, PV_t = sum_{u>=t} s_u prod_{v=t..u} (1 + r_v)^-1,
                             P_t = Bs_t s_t / PV_t - r_t Bs_t  (re-solved each year: with no
                             later draws, DS_t = k s_t, k = B_R / PV_R, so DSCR_t = target / k)
            DS_t = I_t + P_t;  B_t = Bs_t - P_t;  B_{n-1} = 0.

    Every output is linear in the draws, which ``size_loan`` uses.
    """
    n = len(draws)
    if not 0 <= grace_years < n:
        raise ValueError(f"grace_years ({grace_years}) must be less than the tenor ({n})")
    if not 1 <= availability_years < n:
        raise ValueError(f"the availability period ({availability_years} years) must be shorter than the tenor ({n})")
    if repayment not in REPAYMENTS:
        raise ValueError(f"repayment must be one of {', '.join(REPAYMENTS)}, got '{repayment}'")
    if idc not in ("capitalised", "paid"):
        raise ValueError(f"idc must be 'capitalised' or 'paid', got '{idc}'")
    rates = np.asarray(rates, dtype=float)
    a = availability_years
    r0 = repayment_start(a, grace_years, repayment)
    keys = ("opening", "drawdown", "interest", "capitalised_interest", "principal", "debt_service", "closing")
    out = {k: np.zeros(n) for k in keys}
    b = 0.0
    for t in range(n):
        out["opening"][t] = b
        if t >= a and abs(float(draws[t])) > 0:
            raise ValueError(f"a drawdown in year {t} is after the availability period ({a} years)")
        d = float(draws[t])
        r = float(rates[t])
        bs = b + d
        interest = r * (b + d / 2.0)
        cap = interest if (t < a and t < r0 and idc == "capitalised") else 0.0
        if t < r0:
            principal, ds = 0.0, interest - cap
        else:
            m = n - t
            if repayment == "annuity":
                principal = annuity_payment(bs, r, m) - r * bs
            elif repayment == "equal_principal":
                principal = bs / m
            else:
                shape = np.clip(np.asarray(cfads, dtype=float)[t:], 0.0, None) / target_dscr
                pv = float(np.sum(shape * np.cumprod(1.0 / (1.0 + rates[t:]))))
                if pv <= 0 and bs > 0:
                    raise ValueError("cannot sculpt: cash flow available for debt service is not positive in any "
                                     "remaining repayment year")
                principal = (bs * shape[0] / pv - r * bs) if pv > 0 else 0.0
            ds = interest + principal
        b = bs + cap - principal
        out["drawdown"][t] = d
        out["interest"][t] = interest
        out["capitalised_interest"][t] = cap
        out["principal"][t] = principal
        out["debt_service"][t] = ds
        out["closing"][t] = b if abs(b) > 1e-9 * max(1.0, abs(bs)) else 0.0
        b = out["closing"][t]
    return out


def repayment_start(availability_years: int, grace_years: int, repayment: str) -> int:
    """First repayment year (index from the first drawdown): after the first (construction)
    year and the grace years (the same for every repayment profile)."""
    return max(grace_years, 1)


def cover_ratios(opening: np.ndarray, cfads: np.ndarray, rates: np.ndarray, n_loan: int) -> tuple[np.ndarray, np.ndarray]:
    """Loan-life and project-life cover ratios at the start of each loan year t (B0_t > 0):

        LLCR_t = sum_{s=t}^{n-1} CFADS_s prod_{u=t..s} (1 + r_u)^-1 / B0_t
        PLCR_t = the same sum to the end of ``cfads`` (the appraisal) / B0_t

    discounting at the loan's own yearly rates (CFADS at the end of each year; beyond the
    loan, the last loan year's rate)."""
    cf = np.asarray(cfads, dtype=float)
    r = np.concatenate([np.asarray(rates, dtype=float)[:n_loan],
                        np.full(max(len(cf) - n_loan, 0), float(rates[n_loan - 1]))])[: len(cf)]
    llcr, plcr = np.full(n_loan, np.nan), np.full(n_loan, np.nan)
    for t in range(n_loan):
        if opening[t] <= 1e-9:
            continue
        disc = np.cumprod(1.0 / (1.0 + r[t:]))
        pv = cf[t:] * disc
        llcr[t] = float(pv[: n_loan - t].sum()) / opening[t]
        plcr[t] = float(pv.sum()) / opening[t]
    return llcr, plcr


@dataclass
class LoanResult:
    debt_cny: float  # sum of drawdowns (capitalised IDC comes on top)
    binding: str  # 'loan_to_cost', 'dscr' or 'none'
    reason: str
    ltc_limit_cny: float
    dscr_limit_cny: float | None  # None: no DSCR limit (min_dscr = 0 or no debt service)
    financed_capex_cny: float  # net capex in the availability period
    total_net_capex_cny: float
    equity_cny: float
    first_year: int | None
    final_year: int | None
    schedule: pd.DataFrame
    min_dscr: float | None
    min_dscr_year: int | None
    availability_years: int = 0
    first_repayment_year: int | None = None
    capitalised_interest_cny: float = 0.0
    llcr: float | None = None  # at the first repayment year
    plcr: float | None = None
    min_llcr: float | None = None
    dsra_initial_cny: float = 0.0


SCHEDULE_COLUMNS = ["year", "phase", "interest_rate", "margin_bp", "opening_balance_cny", "drawdown_cny", "interest_cny",
                    "capitalised_interest_cny", "principal_cny", "debt_service_cny", "closing_balance_cny", "cfads_cny",
                    "dscr", "covenant_dscr", "headroom_share", "llcr", "plcr", "dsra_balance_cny", "dsra_funding_cny",
                    "period"]


def availability(net_capex: np.ndarray, i0: int, terms: Finance) -> int:
    """Years of the availability period from the first drawdown: the setting if given, else
    up to the last year with capex inside the tenor, leaving at least one repayment year."""
    n = terms.tenor_years
    if terms.availability_years is not None:
        return min(terms.availability_years, n - 1)
    pos = np.flatnonzero(np.asarray(net_capex[i0: i0 + n - 1], dtype=float) > 1e-6)
    return max(1, int(pos[-1]) + 1) if pos.size else 1


def size_loan(years: list[int], net_capex: np.ndarray, cfads: np.ndarray, terms: Finance,
              rates: np.ndarray | None = None, margin_bp: np.ndarray | None = None,
              horizon_end: int | None = None) -> LoanResult:
    """Size the loan and build its schedule.

    Loan years: y0 .. y0 + tenor - 1, y0 the first year with net capex > 0. Each year's
    net capex (after per-kW subsidies) in the availability period (``availability``) is
    financed as it is spent, D_y = L x K_y / K, K = that period's net capex; capex after
    it is equity. With ds_y the debt service per unit of loan (``amortise`` of the draw
    shares; linear in L):

        L_ltc  = loan_to_cost x K
        L_dscr = min over years with ds_y > 0 of CFADS_y / (min_dscr x ds_y)
                 (0 if any such CFADS_y <= 0; no limit if min_dscr = 0)
        L      = min(L_ltc, L_dscr)   -> binding: 'loan_to_cost' if L_ltc <= L_dscr else 'dscr'
        equity = total net capex - L,  DSCR_y = CFADS_y / DS_y,  headroom_y = DSCR_y / min_dscr - 1.

    Sculpted repayment (target DSCR = min_dscr) makes the DSCR constant over the repayment
    years; at L_dscr it equals min_dscr. The DSRA holds dsra_months/12 of the next year's
    debt service from the first repayment year, funded by equity, released in the final year.
    ``cfads`` may run past the loan (to the appraisal end): PLCR uses it.
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
    if n < 2:
        raise ValueError("tenor_years must be at least 2 (one year of drawdown, then repayment)")
    if i0 + n > len(years):
        raise ValueError(f"cash flows end in {years[-1]}, before the loan's final year {y0 + n - 1}")
    idx = np.arange(i0, i0 + n)
    a = availability(net_capex, i0, terms)
    k_y = np.zeros(n)
    k_y[:a] = np.clip(net_capex[idx][:a], 0.0, None)
    k = float(k_y.sum())
    shares = k_y / k
    cf = cfads[idx]
    kw = dict(availability_years=a, idc=terms.idc, cfads=cf, target_dscr=terms.min_dscr or 1.0)
    unit = amortise(shares, rates[idx], terms.grace_years, terms.repayment, **kw)
    ds = unit["debt_service"]
    l_ltc = terms.loan_to_cost * k
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
    later = float(np.clip(net_capex[i0 + a:], 0.0, None).sum())
    if later > 1e-6:
        reason += (f"; capex after the {a}-year availability period ({later:,.0f} CNY, from "
                   f"{years[i0 + a]}) is funded by equity")
    if debt > 0:
        sched = amortise(shares * debt, rates[idx], terms.grace_years, terms.repayment, **kw)
    else:
        sched = {k_: np.zeros(n) for k_ in unit}
    with np.errstate(divide="ignore", invalid="ignore"):
        dscr = np.where(sched["debt_service"] > 1e-9, cf / sched["debt_service"], np.nan)
    r0 = repayment_start(a, terms.grace_years, terms.repayment)
    llcr, plcr = cover_ratios(sched["opening"], cfads[i0:], rates[i0:], n)
    llcr[:r0], plcr[:r0] = np.nan, np.nan  # cover ratios from the first repayment year
    nxt = np.append(sched["debt_service"][1:], 0.0)
    dsra = np.where(np.arange(n) >= r0 - 1, terms.dsra_months / 12.0 * nxt, 0.0) if r0 >= 1 else np.zeros(n)
    dsra[-1] = 0.0
    dsra_flow = dsra - np.concatenate([[0.0], dsra[:-1]])
    phase = ["repayment" if t >= r0 else "construction" if t < a else "grace" for t in range(n)]
    period = ["horizon" if horizon_end is None or years[i] <= horizon_end else "beyond horizon" for i in idx]
    cov = terms.min_dscr
    schedule = pd.DataFrame({
        "year": [years[i] for i in idx], "phase": phase, "interest_rate": rates[idx], "margin_bp": margin_bp[idx],
        "opening_balance_cny": sched["opening"], "drawdown_cny": sched["drawdown"], "interest_cny": sched["interest"],
        "capitalised_interest_cny": sched["capitalised_interest"], "principal_cny": sched["principal"],
        "debt_service_cny": sched["debt_service"], "closing_balance_cny": sched["closing"], "cfads_cny": cf,
        "dscr": dscr, "covenant_dscr": cov,
        "headroom_share": dscr / cov - 1.0 if cov > 0 else np.nan,
        "llcr": llcr, "plcr": plcr, "dsra_balance_cny": dsra, "dsra_funding_cny": dsra_flow, "period": period,
    }, columns=SCHEDULE_COLUMNS)
    finite = np.isfinite(dscr)
    min_dscr = float(np.min(dscr[finite])) if finite.any() else None
    min_year = int(schedule.year[finite].iloc[int(np.argmin(dscr[finite]))]) if finite.any() else None
    fl = np.isfinite(llcr)
    return LoanResult(debt, binding, reason, l_ltc, l_dscr, k, total, total - debt, y0, y0 + n - 1, schedule,
                      min_dscr, min_year, a, y0 + r0 if r0 < n else None, float(sched["capitalised_interest"].sum()),
                      float(llcr[r0]) if r0 < n and np.isfinite(llcr[r0]) else None,
                      float(plcr[r0]) if r0 < n and np.isfinite(plcr[r0]) else None,
                      float(np.min(llcr[fl])) if fl.any() else None, float(dsra[r0 - 1]) if r0 >= 1 else 0.0)


def dscr_under(schedule: pd.DataFrame, cfads: np.ndarray) -> np.ndarray:
    """DSCR of a fixed loan schedule (its debt service) under other CFADS, year by year."""
    ds = schedule.debt_service_cny.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ds > 1e-9, np.asarray(cfads, dtype=float) / ds, np.nan)
