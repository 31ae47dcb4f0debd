"""Identities that must hold after every solve. Any failure raises CheckError.

Each check recomputes a quantity from the extracted solution arrays and the model data
(results.py) and compares it with an independent route: the Pyomo expressions the
solver optimised, or the solver's own objective value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pathway.errors import CheckError
from pathway.inputs.data import ModelData
from pathway.model.linear import value
from pathway.model.rules import OBJ_SCALE
from pathway.results.extract import Arrays, demand_arrays, wsum

ABS_TOL_MWH = 1e-4
REL_TOL = 1e-6
NOISE_MWH = 1e-3 * ABS_TOL_MWH  # an imbalance below this is solver noise when the worst hour is picked


def worst_hour(lhs: np.ndarray, rhs: np.ndarray) -> tuple:
    """Index of the hour with the largest |lhs - rhs|, imbalances below ``NOISE_MWH`` (a
    thousandth of the check's tolerance) counted as 0, so that a balance that holds to the
    solver's feasibility tolerance (1e-15 from float rounding, ~1e-9 from HiGHS's primal
    tolerance, different with another LP route, row order or HiGHS version) reports the
    first hour; ties go to the first hour."""
    diff = np.abs(lhs - rhs)
    return np.unravel_index(np.argmax(np.where(diff < NOISE_MWH, 0.0, diff)), lhs.shape)


def run_checks(m, md: ModelData, a: Arrays, tables: dict[str, pd.DataFrame],
               objective: float) -> pd.DataFrame:
    rows: list[dict] = []

    def add(check: str, year, lhs: float, rhs: float, scale: float | None = None):
        err = abs(lhs - rhs)
        tol = max(ABS_TOL_MWH, REL_TOL * max(abs(lhs), abs(rhs), scale or 0.0, 1.0))
        rows.append(dict(check=check, year=year, lhs=float(lhs), rhs=float(rhs), abs_error=float(err), tolerance=tol,
                         passed=bool(err <= tol)))

    years = md.years
    dem = demand_arrays(md, a, m.blocks)
    # 1. electricity balance, every hour (worst hour per year reported)
    heat_e = sum((md.heat_techs[k].elec_per_heat[l] * arr for (k, l), arr in a.q.items()), np.zeros_like(a.t["imp"]))
    supply = a.t["imp"] + a.t["pv_gen"] + a.t["dis"] + a.t.get("dl_use", 0.0)
    use = (dem["elec_demand"] - dem["elec_saving"] + a.t["ch"] + a.t["exp"] + heat_e + a.t["tes_ch"]
           + md.ccus_elec_mwh_per_t * a.t["capture"])
    for i, y in enumerate(years):
        j = worst_hour(supply[i], use[i])
        add("electricity balance closes (worst hour, MWh)", y, supply[i][j], use[i][j], float(use[i].max()))
    # 2. heat balance per load, every hour
    for hl in md.heat_loads:
        s = a.qx[hl.name] + sum((arr for (k, l), arr in a.q.items() if l == hl.name), np.zeros_like(a.t["imp"]))
        if hl.name in a.tes_dis:
            s = s + a.tes_dis[hl.name]
        d = dem[f"heat_demand:{hl.name}"] - dem[f"heat_saving:{hl.name}"]
        for i, y in enumerate(years):
            j = worst_hour(s[i], d[i])
            add(f"heat balance closes: {hl.name} (worst hour, MWh)", y, s[i][j], d[i][j], float(d[i].max()))
    # 3. CCUS penalty heat supplied = GJ/t x captured
    if md.ccus is not None:
        regen = sum((arr for (k, l), arr in a.q.items() if l == "ccus_regeneration"), np.zeros_like(a.t["imp"]))
        lhs, rhs = wsum(md, regen), md.ccus_heat_mwh_per_t * wsum(md, a.t["capture"])
        for i, y in enumerate(years):
            add("CCUS regeneration heat = heat per t x captured (MWh)", y, lhs[i], rhs[i])
    # 4. emissions add up: sources (tables) vs the optimised expression, and by scope
    pw = tables["pathway"].set_index("year")
    em = tables["emissions"]
    method = md.scope2_method
    for y in years:
        add("emissions by source = model emissions (t)", y, pw.loc[y, "emissions_t"], value(m.emissions[y]))
        sel = em[(em.year == y) & em.method.isin(["both", method])]
        by_scope = sel.groupby("scope")["emissions_t"].sum().sum()
        add("scope 1 + scope 2 = total (t)", y, by_scope, pw.loc[y, "emissions_t"])
        if y in md.ceiling_t:
            add("net emissions within ceiling (t)", y, min(pw.loc[y, "net_emissions_t"], md.ceiling_t[y]),
                pw.loc[y, "net_emissions_t"], md.baseline_t)
    # 5. abatement levers sum from the baseline to the residual
    ab = tables["abatement"]
    for y in years:
        last = ab[(ab.year == y) & (ab.lever == "offsets")]["emissions_after_t"].iloc[0]
        add("baseline - levers = net emissions (t)", y, last, pw.loc[y, "net_emissions_t"], md.baseline_t)
    # 6. never import and export in the same hour (model.electricity.add_grid_exclusivity;
    #    fails if a model with binaries was solved as its LP relaxation)
    if m.has_export:
        both = np.minimum(a.t["imp"], a.t["exp"])
        for i, y in enumerate(years):
            add("import and export never in the same hour (worst hour, MWh)", y, float(both[i].max()), 0.0)
    # 6b. a direct green-power line keeps the notice's shares (model.direct_line)
    dl = md.direct_line
    if dl is not None:
        g1 = float((md.weights[:, None] * dl.cf).sum())
        use_y = wsum(md, a.t["dl_use"])
        feed_y = wsum(md, a.t["dl_feed"])
        cons_y = pw["electricity_use_mwh"].reindex(years).to_numpy()
        for i, y in enumerate(years):
            avail = g1 * a.y["dl_cap"][i]
            add("direct line: self-consumption >= min share of available generation (MWh)", y,
                min(use_y[i], dl.min_self_consumption_share * avail), dl.min_self_consumption_share * avail, max(avail, 1.0))
            add("direct line: feed-in <= max share of available generation (MWh)", y,
                max(feed_y[i], dl.max_feed_in_share * avail), dl.max_feed_in_share * avail, max(avail, 1.0))
            con = getattr(m, "dl_share_of_consumption", None)
            if con is not None and y in con and not con[y].active:
                continue  # a year whose rule was dropped (pathway replan: a year already past)
            need = dl.min_share_of_consumption[y] * cons_y[i]
            add("direct line: share of consumption >= minimum (MWh)", y, min(use_y[i], need), need, max(cons_y[i], 1.0))
    # 7. costs add up to the objective
    total = tables["costs"]["discounted_cost_cny"].sum()
    add("discounted costs = solver objective (CNY)", None, total, objective / OBJ_SCALE)
    df = pd.DataFrame(rows, columns=["check", "year", "lhs", "rhs", "abs_error", "tolerance", "passed"])
    failed = df[~df.passed]
    if not failed.empty:
        lines = [f"{r.check} [{r.year}]: {r.lhs:.6g} vs {r.rhs:.6g} (error {r.abs_error:.3g} > {r.tolerance:.3g})"
                 for r in failed.itertuples()]
        raise CheckError("post-solve checks failed:\n  " + "\n  ".join(lines))
    return df
