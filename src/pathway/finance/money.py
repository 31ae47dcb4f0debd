"""Time value of money for finance: annuity payments, discount factors, NPV, IRR and
payback (the capital recovery factor itself is ``pathway.money.crf``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from pathway.money import crf, discount_factor

if TYPE_CHECKING:  # pragma: no cover

    pass


def annuity_payment(principal: float, rate: float, n: int) -> float:
    """Level payment that repays ``principal`` in ``n`` end-of-period payments:
    A = P r / (1 - (1 + r)^-n);  A = P / n when r = 0."""
    if n <= 0:
        raise ValueError("n must be positive")
    if rate == 0:
        return principal / n
    return principal * crf(rate, n)


def discount_factors(years: Iterable[int], base_year: int, rate: float) -> np.ndarray:
    """d(y) = (1 + r)^-(y - base_year)."""
    return np.array([discount_factor(rate, y - base_year) for y in years])


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
