"""The run summary (``summary.json``) and the assumptions table: every number a user acts
on, with what it means, and every factor, price and cost used, with its source."""

from __future__ import annotations

import os

import pandas as pd

from pathway import __version__
from pathway.files import json_safe
from pathway.inputs.data import ModelData
from pathway.scenario.loader import LoadedScenario
from pathway.solve.options import SolverOptions, model_class, resolve_method


def assumptions_table(md: ModelData) -> pd.DataFrame:
    """Every factor, price and cost used, with where it came from."""
    from pathway.reference.catalogue import catalogue, price_table
    from pathway.reference.factors import grid_factor_series

    rows = [dict(item=r["item"], year=r["year"], value=r["value"], source=r["source"]) for r in md.sources]
    cat = catalogue()
    pt = price_table()
    for r in rows:
        if r["source"] == "catalogue":
            tech, param = r["item"].split(".", 1)
            hit = cat[(cat.technology == tech) & (cat.parameter == param)]
            if not hit.empty:
                r["source"] = f"catalogue: {hit.iloc[0]['source']}" + (" [estimate]" if str(hit.iloc[0].get('estimate')).lower() == "true" else "")
        elif r["source"] == "prices.csv":
            item = r["item"]
            hit = pt[pt["item"] == item]
            if not hit.empty:
                r["source"] = f"prices: {hit.iloc[0]['source']}" + (" [estimate]" if str(hit.iloc[0].get('estimate')).lower() == "true" else "")
    s = md.scenario
    for method in ("location", "market"):
        for y, f in grid_factor_series(s, method).items():
            rows.append(dict(item=f"grid factor ({method}) tCO2/MWh", year=y, value=f.value, source=f"{f.name}; {f.source}"))
    rows.append(dict(item="target rule", year=md.target_year, value=None, source=f"{md.rule.preset}: {md.rule.source}"))
    rows.append(dict(item="discount_rate", year=md.base_year, value=md.discount_rate, source="scenario: horizon.discount_rate"))
    df = pd.DataFrame(rows, columns=["item", "year", "value", "source"])
    return df.drop_duplicates(subset=["item", "year", "source"])


def make_summary(md: ModelData, loaded: LoadedScenario, tables: dict, objective: float, opts: SolverOptions, m,
                 method: str = "", decomposition: dict | None = None) -> dict:
    """The run's summary.json. ``decomposition``: how a full-hourly model of several years was
    solved year by year on its typical-day plan (``solve.by_year``), None for one LP."""
    from pathway.model.rules import OBJ_SCALE

    pw = tables["pathway"].set_index("year")
    capex = tables["capex"].groupby("year")["capex_cny"].sum()
    y_t = md.target_year
    return json_safe({
        "scenario": md.name,
        "factory_name": md.scenario.factory.name,  # heads the report
        "status": "optimal",
        "target_year": y_t,
        "base_year": md.base_year,
        "rule": md.rule.preset,
        "scope2_method": md.scope2_method,
        "time_mode": md.periods.mode,
        "periods": md.n_periods,
        "baseline_emissions_t": md.baseline_t,
        "emissions_t": {y: pw.loc[y, "emissions_t"] for y in md.years},
        "emissions_location_t": {y: pw.loc[y, "emissions_location_t"] for y in md.years},
        "emissions_market_t": {y: pw.loc[y, "emissions_market_t"] for y in md.years},
        "offsets_t": {y: pw.loc[y, "offsets_t"] for y in md.years},
        "ceiling_t": {y: md.ceiling_t.get(y) for y in md.years},
        "target_met": bool(tables["checks"].passed.all()),
        "own_reduction_share_target_year": 1 - pw.loc[y_t, "own_emissions_t"] / md.baseline_t if md.baseline_t else None,
        "green_electricity_share": {y: pw.loc[y, "green_electricity_share"] for y in md.years},
        "total_cost_npv_cny": objective / OBJ_SCALE,
        "capex_total_cny": float(capex.sum()),
        "capex_by_year_cny": {y: float(capex.get(y, 0.0)) for y in md.years},
        "lump_sum_subsidy_cny": md.lump_sum_subsidy_cny,
        "marginal_abatement_cost_cny_per_t": {y: pw.loc[y, "marginal_abatement_cost_cny_per_t"] for y in md.years},
        "offset_price_cny_per_t": {y: pw.loc[y, "offset_price_cny_per_t"] for y in md.years},
        "binding_rule": {y: pw.loc[y, "binding_rule"] for y in md.years},
        "certificates_count_as_own_reduction": md.rule.certificates_count_as_own_reduction,
        "green_power_counts_as_own_reduction": md.rule.green_power_counts_as_own_reduction,
        "solver": {"route": opts.route, "method": method or resolve_method(opts.method, model_class(m)), "threads": opts.threads,
                   "decomposition": _decomposition(decomposition)},
        "model_size": {"variables": m.nvariables(), "constraints": m.nconstraints()},
        "package_version": __version__,
        "scenario_sha256": loaded.sha256,
        # the extends chain, relative to the scenario's folder (no machine paths in outputs)
        "scenario_files": [os.path.relpath(p, loaded.path.parent) for p in loaded.files],
    })


def _decomposition(info: dict | None) -> dict | None:
    """summary.json's account of a year-by-year solve (None: the model was solved as one LP)."""
    from pathway.model.rules import OBJ_SCALE

    if info is None:
        return None
    common = {
        "years_solved_separately": info["years"],
        "plan_typical_days": info["plan_days"],
        "plan_blocks": info["linking_blocks"],
        "plan_total_cost_npv_cny": info["plan_objective"] / OBJ_SCALE,
        "marginal_abatement_cost_from": "the typical-day plan model (its investment may change)",
        "year_solve_s": info["year_solve_s"],
        "workers": info["workers"],
    }
    if info.get("method") == "benders":
        lower = info["lower_bound"]
        return {
            "kind": "Benders decomposition: the investment plan in a master, each hourly year a subproblem, "
                    "started from the typical-day plan",
            "method": "benders",
            "rounds": info["rounds"],
            "proven_gap": info["proven_gap"],
            "lower_bound_total_cost_npv_cny": None if lower is None else lower / OBJ_SCALE,
            "start_total_cost_npv_cny": info["start_objective"] / OBJ_SCALE,
            "stopped_by": info["stopped_by"],
            "optimality": ("the full hourly LP's optimum to the proven gap (total cost minus the lower bound, over "
                           "the total cost)" if info["stopped_by"] == "gap" else
                           f"stopped by the {info['stopped_by']} before the gap closed: a feasible plan of the full "
                           "hourly LP, " + ("within the proven gap of its optimum" if info["proven_gap"] is not None
                                            else "with no lower bound proved yet")),
            **common,
        }
    return {
        "kind": "investment plan from typical days, each hourly year solved on it",
        "method": "plan",
        "optimality": "a feasible plan of the full hourly LP, not its proven optimum; pathway run --decompose off "
                      "or benders solves for the optimum",
        **common,
    }

