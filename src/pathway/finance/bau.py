"""The business-as-usual (BAU) twin of a scenario, as data: the scenario ``pathway.runs``
solves for the reference, and the tables finance keeps from that solve. Nothing here
solves anything."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from pathway.analysis.lookup import cost as _cost
from pathway.analysis.lookup import flow as _flow
from pathway.errors import Problem, ScenarioError
from pathway.inputs.data import ModelData, investable
from pathway.reference.catalogue import catalogue_value
from pathway.scenario.loader import LoadedScenario
from pathway.scenario.schema import Boiler, Scenario, Target, Technologies
from pathway.technologies import lever_of
from pathway.units import KW_PER_MW

BAU_CEILING_SHARE = 1000.0  # BAU ceiling = 1000 x baseline: no emissions limit in effect


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
    h = s.horizon
    kept: dict = {}
    if s.technologies.pv is not None and s.technologies.pv.enabled:
        kept["pv"] = s.technologies.pv.model_copy(update={"max_kw": 0.0, "roof_area_m2": None, "subsidy_cny_per_kw": 0.0})
    retire = [hl.existing_boiler_retire_year for hl in s.baseline.heat_loads
              if hl.existing_boiler_retire_year is not None and hl.existing_boiler_retire_year <= h.end_year]
    if retire:
        gb = s.technologies.gas_boiler or Boiler()
        kept["gas_boiler"] = gb.model_copy(update={"enabled": True, "first_build_year": min(retire),
                                                "max_kw_th": replacement_peak_mw * KW_PER_MW * (1 + 1e-9),
                                                "max_build_per_yr": None})
    target = Target(preset="custom", scope2_method=s.target.scope2_method,
                    trajectory={y: BAU_CEILING_SHARE for y in range(h.base_year + 1, h.end_year + 1)})
    return s.model_copy(update={"name": f"{s.name} (business as usual)", "technologies": Technologies(**kept),
                                "target": target})


def bau_twin(loaded: LoadedScenario, md: ModelData) -> LoadedScenario:
    """The loaded BAU twin of ``loaded`` (``bau_scenario``), ``md`` being the optimised run's
    model data (for the replacement boiler's peak). Raises ScenarioError when a retiring
    boiler's load is hotter than a gas boiler reaches (BAU could not replace it)."""
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
    return dataclasses.replace(loaded, scenario=bau_scenario(s, replacement_peak_mw(md)))


def finance_context(md: ModelData) -> dict:
    """The numbers of a run that finance needs besides its tables (saved in summary['loan'])."""
    s = md.scenario
    return dict(discount_rate=md.discount_rate, base_year=md.base_year, target_year=md.target_year,
                base_output=s.production.output_per_yr, output_unit=s.production.unit,
                baseline_emissions_t=md.baseline_t,
                lump_sum_subsidy_cny=s.finance.lump_sum_subsidy_cny if s.finance is not None else 0.0)


def replacement_peak_mw(md: ModelData) -> float:
    """Peak hourly heat (MW_th) of the loads whose existing boiler retires in the horizon: the
    largest hour of their summed demand (each load with its own shape) at the highest
    production index of the years they need the replacement."""
    end = md.years[-1]
    loads = [hl for hl in md.heat_loads if hl.existing_retire_year is not None and hl.existing_retire_year <= end]
    if not loads:
        return 0.0
    g = max(md.growth[y] for y in md.years if any(y >= hl.existing_retire_year for hl in loads))
    return float(np.max(sum(hl.demand_mwh_base * hl.shape for hl in loads)) * g)




def bau_tables(tables: dict[str, pd.DataFrame], md: ModelData) -> dict[str, pd.DataFrame]:
    """What finance needs from the BAU run, as two tables: bau_costs (year, category,
    cost_cny, discounted_cost_cny; the optimiser's cost categories plus 'upfront_capex')
    and bau_pathway (yearly emissions, grid import, PV used, heat supplied to process
    loads, the fuel cost of that heat and the electricity cost)."""
    t = tables
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


def assets_table(md: ModelData) -> pd.DataFrame:
    """technology, lever, life_years, fom_cny_per_unit_yr (per unit of the capacity table)."""
    rows = [dict(technology=k, lever=lever_of(k), life_years=b.life_years, fom_cny_per_unit_yr=b.fom_cny_per_unit_yr)
            for k, b in investable(md).items()]
    return pd.DataFrame(rows, columns=["technology", "lever", "life_years", "fom_cny_per_unit_yr"])
