"""The marginal abatement cost (measured by re-solving, not read from a dual), the price of
the marginal offset and the binding rule, per year."""

from __future__ import annotations

from pathway.inputs.data import ModelData
from pathway.model.linear import value
from pathway.model.rules import OBJ_SCALE, probe_delta_t
from pathway.technologies import (
    LEVER_ORDER,  # noqa: F401  (re-exported: the attribution order)
)


def marginal_abatement_costs(m, md: ModelData, objective: float, probe_objectives: dict) -> dict:
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


def binding_rule(m, md: ModelData, y: int) -> str:
    """The rule that binds in year y: the first tight one of own_reduction (own emissions at
    their limit), ceiling (net emissions at the ceiling), green_share, offset_cap; 'none'."""
    for name in RULE_ORDER:
        con = getattr(m, {"own_reduction": "own_reduction", "ceiling": "ceiling", "green_share": "green_share",
                          "offset_cap": "offset_cap"}[name], None)
        if con is None or y not in con:
            continue
        c = con[y]
        body = value(c.body)
        tol = 1e-6 * max(1.0, abs(md.baseline_t))
        if (c.has_ub() and body >= value(c.upper) - tol) or (c.has_lb() and body <= value(c.lower) + tol):
            return name
    return "none"
