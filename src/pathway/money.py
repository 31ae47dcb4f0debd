"""Time value of money shared by the model's objective, the result tables and the lever
economics: one capital recovery factor and one discount factor. Core layer."""

from __future__ import annotations


def crf(rate: float, life_years: float) -> float:
    """Capital recovery factor: the level yearly payment per unit of capital over
    ``life_years`` at ``rate``: CRF = r / (1 - (1 + r)^-n); 1 / n when r = 0."""
    if life_years <= 0:
        raise ValueError(f"life_years must be positive, got {life_years}")
    if abs(rate) < 1e-12:
        return 1.0 / life_years
    return rate / (1.0 - (1.0 + rate) ** -life_years)


def discount_factor(rate: float, years_after_base: float) -> float:
    """d = (1 + r)^-t for a flow t years after the base year (start-of-year convention as
    in the objective: a flow of year y is discounted by (1 + r)^-(y - base))."""
    return (1.0 + rate) ** -years_after_base
