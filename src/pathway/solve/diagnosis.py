"""Explain an unreachable target: the lowest emissions the catalogue reaches each year
and which limits bind, instead of a solver trace."""

from __future__ import annotations

from pathway.inputs.data import ModelData
from pathway.model import builder
from pathway.model.linear import value
from pathway.scenario.schema import MOBILE_FUELS
from pathway.solve.highs import solve
from pathway.solve.options import SolverOptions

TOL = 1e-6


def binding_limits(m, md: ModelData) -> list[dict]:
    """Upper limits at their bound in the solved (slack) model, by year."""
    out = []
    for k in m.K:
        b = m.blocks[k]
        if b.max_capacity is None:
            continue
        for y in m.Y:
            v = value(m.cap[k, y])
            if v >= b.max_capacity * (1 - 1e-6) - TOL:
                label = {"pv": "PV capacity (roof/land limit)"}.get(
                    k, f"{k} fully adopted" if k.startswith("eff_") else f"{k} capacity limit")
                out.append(dict(limit=label, year=y, value=v, bound=b.max_capacity, unit=b.unit))
    for _name, var, cap, label, unit in (
        ("green_power", m.gp, md.green_power_max_mwh, "green power purchases (annual availability)", "MWh"),
        ("green_certificates", m.gec, md.gec_max_mwh, "green certificates (annual availability)", "MWh"),
        ("offsets", m.off, md.offsets_max_t, "offsets (annual availability)", "t"),
        ("nature_removals", m.rem, md.removals_max_t, "nature-based removals (annual availability)", "t"),
    ):
        if cap is None:
            continue
        for y in m.Y:
            v = value(var[y])
            if v >= cap * (1 - 1e-6) - TOL and cap > 0:
                out.append(dict(limit=label, year=y, value=v, bound=cap, unit=unit))
    if md.rule.max_offset_share is not None:
        limit = md.rule.max_offset_share * md.baseline_t
        for y in m.Y:
            v = value(m.off[y]) + value(m.rem[y])
            if y >= md.target_year and v >= limit * (1 - 1e-6) - TOL:
                out.append(dict(limit=f"offset cap of the rule ({md.rule.max_offset_share:.0%} of baseline)", year=y,
                                value=v, bound=limit, unit="t"))
    for y in m.Y:
        if md.target_year > y and not md.rule.offsets_allowed_before_target_year and (md.offsets_enabled or md.removals_enabled):
            out.append(dict(limit="offsets not allowed before the target year", year=y, value=0.0, bound=0.0, unit="t"))
    if md.import_limit_mw is not None:
        for y in m.Y:
            peak = max(value(m.imp[y, p, h]) for p in m.P for h in m.H)
            if peak >= md.import_limit_mw - TOL:
                out.append(dict(limit="grid import limit", year=y, value=peak, bound=md.import_limit_mw, unit="MW"))
    for hl in md.heat_loads:
        if hl.existing_retire_year is not None:
            out.append(dict(limit=f"existing boiler of '{hl.name}' retires", year=hl.existing_retire_year, value=0.0,
                            bound=0.0, unit="-"))
    return out


def fixed_residuals(md: ModelData) -> list[dict]:
    """Emissions no lever of the enabled catalogue can touch, base-year t/yr (grows with
    output): heat loads no enabled heater reaches, process CO2 without CCUS, other fuel use."""
    out = []
    served = {l for ht in md.heat_techs.values() for l in ht.elec_per_heat}
    tes_ok = md.tes is not None
    heaters = {k: ht.max_temp_c for k, ht in md.heat_techs.items()}
    for hl in md.heat_loads:
        reachable = hl.name in served or (tes_ok and hl.temperature_c <= md.tes_max_temp_c)
        t = hl.demand_mwh_base * hl.existing_ef_t_per_mwh_heat
        if not reachable and t > 0:
            best = ", ".join(f"{k} up to {v:g} °C" for k, v in heaters.items()) or "no heat technology enabled"
            out.append(dict(source=f"heat load '{hl.name}' at {hl.temperature_c:g} °C ({hl.existing_fuel})", base_t=t,
                            why=f"no enabled technology reaches {hl.temperature_c:g} °C ({best})"))
    if md.process_co2_t > 0 and (md.ccus is None or "process" not in md.ccus_sources):
        out.append(dict(source="process CO2", base_t=md.process_co2_t,
                        why="no CCUS enabled for process CO2 (technologies.ccus)"))
    ccus_combustion = md.ccus is not None and "combustion" in md.ccus_sources
    for fuel, t in md.other_fuel_t.items():
        if t <= 0:
            continue
        if fuel in MOBILE_FUELS:
            out.append(dict(source=f"mobile {fuel} use (vehicles, generator sets)", base_t=t,
                            why="no lever of the model acts on mobile fuel"))
            continue
        why = ("no heater can replace it: it is not assigned to any heat load; give it a heat load in "
               "baseline.heat_loads (fuel_share) so the heat technologies can serve it")
        if ccus_combustion and fuel != "purchased_heat":
            why += " (CCUS on combustion CO2 can capture part of it)"
        out.append(dict(source=f"{fuel} not assigned to any heat load", base_t=t, why=why))
    return out


def unservable_electricity(md: ModelData) -> list[dict]:
    """Hours whose electricity demand no plan can serve, one (the worst) per year.

    With a grid connection limit L (MW) and no battery, hour (y,p,h) is unservable when even
    the lowest possible demand exceeds the most the grid and PV can deliver in it:

        D_e(y,p,h) x (1 - S_max) > L + X(p,h) + cf(p,h) x PV_max

    with D_e the baseline demand of the hour (MWh), S_max = min(1, sum of the saving shares
    of the electricity efficiency measures, all fully adopted), X the output of PV already on
    site, PV_max the new-PV limit (none: any hour with sunshine is servable). Heat pumps,
    electric boilers and CCUS only add to the demand, so the test can only under-report.
    Empty when there is no import limit or a battery can shift energy between hours."""
    if md.import_limit_mw is None or md.battery_energy is not None:
        return []
    s_max = min(1.0, sum(share for _, carrier, share in md.efficiency.values() if carrier == "electricity"))
    pv_max = None if md.pv is None else md.pv.max_capacity
    out = []
    for y in md.years:
        worst = None
        for p in range(md.elec_shape.shape[0]):
            for h in range(md.elec_shape.shape[1]):
                need = md.elec_demand_mwh_base * md.growth[y] * float(md.elec_shape[p, h]) * (1 - s_max)
                cf = float(md.pv_cf[p, h])
                if md.pv is not None and cf > 0 and pv_max is None:
                    continue  # unlimited new PV can cover a sunny hour
                supply = md.import_limit_mw + float(md.existing_pv_mwh[p, h]) + (cf * pv_max if md.pv is not None and cf > 0 else 0.0)
                gap = need - supply
                if gap > TOL and (worst is None or gap > worst["shortfall_mw"]):
                    worst = dict(year=y, period=p, hour=h, lowest_demand_mw=need, supply_limit_mw=supply,
                                 import_limit_mw=md.import_limit_mw, shortfall_mw=gap)
        if worst is not None:
            out.append(worst)
    return out


def _energy_reason(md: ModelData, unserved: list[dict]) -> str:
    """Why no plan exists, in words, from the worst unservable hour."""
    w = max(unserved, key=lambda r: r["shortfall_mw"])
    kw = 1000.0
    onsite = ("no PV and no battery are enabled" if md.pv is None else
              "PV gives nothing in that hour and no battery is enabled" if float(md.pv_cf[w["period"], w["hour"]]) <= 0
              else "PV is at its limit and no battery is enabled")
    return (f"electricity demand cannot be served, whatever the emission target: grid import is limited to "
            f"{w['import_limit_mw'] * kw:,.6g} kW (prices.import_limit_kw) and {onsite}, while the demand in "
            f"{w['year']} (period {w['period']}, hour {w['hour']}) is at least {w['lowest_demand_mw'] * kw:,.1f} kW "
            f"even with every efficiency measure adopted ({len(unserved)} of {len(md.years)} planning years short). "
            "Raise the import limit, or enable PV with a battery (technologies.pv, technologies.battery)")


def diagnose(md: ModelData, opts: SolverOptions) -> dict:
    """Re-solve with penalised slack on the ceilings and near-zero rules; report per year
    the lowest net emissions reached, the shortfall, and the limits that bind."""
    m = builder(opts.route)(md, ceiling_slack=True)
    out = solve(m, opts)
    if out.status != "optimal":
        unserved = unservable_electricity(md)
        if unserved:
            return {"status": "infeasible", "cause": "energy", "reason": _energy_reason(md, unserved),
                    "solver_status": out.status, "unservable_hours": unserved}
        heat = getattr(getattr(m, "lp", None), "trivially_infeasible", None)  # the direct route names the heat load
        if heat:
            return {"status": "infeasible", "cause": "heat", "reason": heat + "; enable a heat technology for it "
                    "(technologies.heat_pump_low / heat_pump_high / electric_boiler / gas_boiler / biomass_boiler, whose "
                    "maximum temperature reaches it) or keep the boiler longer "
                    "(baseline.heat_loads[].existing_boiler_retire_year)", "solver_status": out.status}
        return {
            "status": "infeasible",
            "reason": "the model is infeasible even with the emission targets relaxed: check heat loads whose "
                      "existing boiler retires without any heat technology able to serve them, and the import limit",
            "solver_status": out.status,
        }
    years = []
    for y in m.Y:
        net = value(m.emissions[y]) - value(m.off[y]) - value(m.rem[y])
        row = dict(
            year=y,
            lowest_net_emissions_t=net,
            emissions_t=value(m.emissions[y]),
            offsets_t=value(m.off[y]) + value(m.rem[y]),
            ceiling_t=md.ceiling_t.get(y),
            ceiling_shortfall_t=value(m.slack_ceiling[y]) if y in md.ceiling_t else 0.0,
        )
        if hasattr(m, "slack_own") and y in m.Y_TARGET:
            row["own_reduction_limit_t"] = (1 - md.rule.min_own_reduction_share) * md.baseline_t
            row["own_reduction_shortfall_t"] = value(m.slack_own[y])
        if hasattr(m, "slack_green") and y in m.Y_GREEN:
            row["green_electricity_shortfall_mwh"] = value(m.slack_green[y])
        years.append(row)
    short = [r for r in years if r["ceiling_shortfall_t"] > 1e-3 or r.get("own_reduction_shortfall_t", 0) > 1e-3
             or r.get("green_electricity_shortfall_mwh", 0) > 1e-3]
    return {
        "status": "infeasible_target",
        "baseline_emissions_t": md.baseline_t,
        "rule": md.rule.preset,
        "years": years,
        "years_missed": [r["year"] for r in short],
        "fixed_residuals": fixed_residuals(md),
        "binding_limits": binding_limits(m, md),
    }


def explain(diag: dict) -> str:
    """One readable paragraph (printed by the CLI, kept in diagnosis.json)."""
    if diag.get("status") != "infeasible_target":
        return "The scenario is infeasible: " + diag.get("reason", "unknown reason")
    lines = [f"The target ({diag['rule']}) cannot be met with this catalogue."]
    for r in diag["years"]:
        if r["year"] not in diag["years_missed"]:
            continue
        parts = [f"{r['year']}: lowest net emissions {r['lowest_net_emissions_t']:,.0f} t"
                 + (f" vs ceiling {r['ceiling_t']:,.0f} t" if r["ceiling_t"] is not None else "")]
        if r["lowest_net_emissions_t"] is not None and abs(r["lowest_net_emissions_t"]) < 0.5:
            parts[0] = parts[0].replace("-0 t", "0 t")
        if r["ceiling_shortfall_t"] > 1e-3:
            parts.append(f"short by {r['ceiling_shortfall_t']:,.0f} t")
        if r.get("own_reduction_shortfall_t", 0) > 1e-3:
            parts.append(f"own reduction short by {r['own_reduction_shortfall_t']:,.0f} t "
                         f"(limit {r['own_reduction_limit_t']:,.0f} t before offsets)")
        if r.get("green_electricity_shortfall_mwh", 0) > 1e-3:
            parts.append(f"green electricity short by {r['green_electricity_shortfall_mwh']:,.0f} MWh")
        lines.append("  " + "; ".join(parts))
    fixed = diag.get("fixed_residuals", [])
    if fixed:
        lines.append("Emissions no enabled lever can reduce (base year): " + "; ".join(
            f"{f['source']}: {f['base_t']:,.0f} t ({f['why']})" for f in fixed) + ".")
    seen = set()
    binding = []
    for b in diag["binding_limits"]:
        if b["limit"] not in seen:
            seen.add(b["limit"])
            binding.append(f"{b['limit']} ({b['bound']:,.4g} {b['unit']})" if b["unit"] != "-" else f"{b['limit']} in {b['year']}")
    if binding:
        lines.append("Limits that bind: " + "; ".join(binding) + ".")
    return "\n".join(lines)
