"""The honest story of a run: how much of the reduction is physical, contractual or an
offset, what each scope-2 method says against the ceiling, and a comparison of runs on
the years they share. Pandas only; read from the result tables (in memory or CSV)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pathway.analysis.lookup import scope2_method_of

Tables = Mapping[str, pd.DataFrame]

# Which kind of reduction each lever of the abatement table is.
REDUCTION_KIND: dict[str, str] = {
    "efficiency": "physical",
    "electrification_and_fuel_switch": "physical",
    "onsite_pv": "physical",
    "storage": "physical",
    "ccus_net_of_penalty": "physical",
    "green_power": "contractual",
    "green_certificates": "contractual",
    "offsets": "offsets",
}

KINDS = ("physical", "contractual", "offsets")


def reduction_split(tables: Tables, year: int) -> dict[str, float]:
    """The reduction of ``year`` by kind, from the abatement table (sequential attribution
    in the scope-2 method of the target rule):

        bau_t        = baseline_t - growth_and_grid_factor      (no-action emissions in ``year``)
        total_t      = bau_t - net_t = physical_t + contractual_t + offsets_t
        physical_t   = efficiency + electrification + on-site PV + storage + CCUS (net)
        contractual_t= green power + green certificates
        offsets_t    = offsets (CCER, removals)

    Also ``baseline_t``, ``net_t`` (emissions after offsets) and each kind's share of the
    total (``*_share``; None when the total is 0)."""
    ab = tables["abatement"]
    ab = ab[ab["year"] == year]
    if ab.empty:
        raise ValueError(f"no abatement rows for year {year}")
    by = ab.set_index("lever")
    baseline = float(by.loc["baseline", "emissions_after_t"])
    bau = float(by.loc["growth_and_grid_factor", "emissions_after_t"])
    kinds = {k: 0.0 for k in KINDS}
    for lever, kind in REDUCTION_KIND.items():
        if lever in by.index:
            kinds[kind] += float(by.loc[lever, "abatement_t"])
    last = ab.sort_values("order").iloc[-1]
    net = float(last["emissions_after_t"])
    total = bau - net
    out = {"year": int(year), "baseline_t": baseline, "bau_t": bau, "net_t": net, "total_t": total,
           **{f"{k}_t": v for k, v in kinds.items()}}
    for k in KINDS:
        out[f"{k}_share"] = kinds[k] / total if abs(total) > 1e-9 else None
    return out


def scope2_verdicts(tables: Tables, summary: Mapping, year: int) -> dict[str, dict]:
    """For each scope-2 method, the emissions (after capture, before offsets), the offsets,
    the net emissions and the ceiling of ``year``; ``verdict`` ("met"/"missed") only for
    the method the target rule uses, None for the other (the rule does not judge it)."""
    pw = tables["pathway"].set_index("year")
    rule_method = summary.get("scope2_method") or scope2_method_of(tables)
    ceiling = pw.loc[year, "ceiling_t"] if "ceiling_t" in pw.columns else None
    ceiling = None if ceiling is None or pd.isna(ceiling) else float(ceiling)
    offsets = float(pw.loc[year, "offsets_t"])
    met = summary.get("target_met")
    out = {}
    for m in ("location", "market"):
        em = float(pw.loc[year, f"emissions_{m}_t"])
        net = em - offsets
        verdict = None
        if m == rule_method:
            ok = bool(met) if met is not None else (ceiling is None or net <= ceiling + 1e-6 * max(1.0, abs(ceiling)))
            verdict = "met" if ok else "missed"
        out[m] = {"emissions_t": em, "offsets_t": offsets, "net_t": net, "ceiling_t": ceiling, "verdict": verdict,
                  "rule_uses": m == rule_method}
    return out


def common_window(runs: Mapping[str, Tables]) -> list[int]:
    """The planning years every run has (sorted)."""
    sets = [set(int(y) for y in t["pathway"]["year"]) for t in runs.values()]
    return sorted(set.intersection(*sets)) if sets else []


def fair_comparison(runs: Mapping[str, Tables], summaries: Mapping[str, Mapping] | None = None) -> pd.DataFrame:
    """One row per run, on the years all runs share (the common window [first, last]):

        window_cost_cny              = sum over window years of costs.cost_cny          (undiscounted)
        window_discounted_cost_cny   = sum over window years of costs.discounted_cost_cny
        annualised_cost_cny_per_yr   = window_cost_cny / number of window years
        window_abatement_t           = sum over window years of (bau_t - net_t)   (reduction_split)
        window_physical_t, window_contractual_t, window_offsets_t = its three kinds (they sum to it)
        window_bau_cost_cny          = the same sum over bau_costs (business as usual; None without it)
        window_added_cost_cny        = window_cost_cny - window_bau_cost_cny
        cost_per_t_abated_cny_per_t  = window_added_cost_cny / window_abatement_t  (None if either is missing)

    plus each run's own horizon (``horizon_first_year``/``horizon_last_year``) and its
    total over that horizon (``horizon_cost_cny``), so the difference is visible."""
    window = common_window(runs)
    if not window:
        raise ValueError("the scenarios share no planning year: no common window to compare on")
    rows = []
    for name, t in runs.items():
        years = [int(y) for y in t["pathway"]["year"]]
        co = t["costs"]
        inw = co[co["year"].isin(window)]
        cost = float(inw["cost_cny"].sum())
        disc = float(inw["discounted_cost_cny"].sum())
        splits = [reduction_split(t, y) for y in window]
        abated = sum(r["total_t"] for r in splits)
        kinds = {f"window_{k}_t": float(sum(r[f"{k}_t"] for r in splits)) for k in KINDS}
        bau = t.get("bau_costs")
        bau_cost = None if bau is None or bau.empty else float(bau[bau["year"].isin(window)]["cost_cny"].sum())
        added = None if bau_cost is None else cost - bau_cost
        rows.append(dict(scenario=name, window_first_year=window[0], window_last_year=window[-1], window_years=len(window),
                         horizon_first_year=years[0], horizon_last_year=years[-1],
                         horizon_cost_cny=float(co["cost_cny"].sum()),
                         horizon_discounted_cost_cny=float(co["discounted_cost_cny"].sum()),
                         window_cost_cny=cost, window_discounted_cost_cny=disc,
                         annualised_cost_cny_per_yr=cost / len(window), window_abatement_t=float(abated),
                         **kinds, window_bau_cost_cny=bau_cost, window_added_cost_cny=added,
                         cost_per_t_abated_cny_per_t=added / abated if added is not None and abated > 1e-9 else None))
    return pd.DataFrame(rows)


def horizons_differ(table: pd.DataFrame) -> bool:
    """True when the runs of a :func:`fair_comparison` table do not all span the same years."""
    return table[["horizon_first_year", "horizon_last_year"]].drop_duplicates().shape[0] > 1
