"""Equal-problem benchmark against PyPSA (issue 14, point 3): one hourly problem solved by
pathway and by PyPSA from the same numbers, objectives asserted equal, wall time and peak
memory compared.

    python benchmarks/bench_pypsa.py               # 1 year (3 runs of each side) and 5 years (1 run: ~65 min)
    python benchmarks/bench_pypsa.py --years 1     # the quick mode (about a minute)
    python benchmarks/bench_pypsa.py --years 1 5 --repeats 5 3 --method ipm --threads 1

Needs the ``bench`` extra (``pip install -e '.[bench]'``: pypsa, which brings linopy).
Writes benchmarks/results/pypsa.json (a case per horizon; running one horizon keeps the
others' figures) and prints a table with the goal (pathway at least 2x faster, at most 0.5x
the peak memory) met or not met.

The problem (benchmarks/pypsa_equal.yaml; the 5-year case is the same file with
``horizon.target_year = end_year = 2030``): an electricity-only plant, all 8,760 hours of
each planning year, with

- rooftop PV built in any year, its capacity in service capped by the roof;
- a battery whose energy (MWh) and power (MW) are sized and priced separately, with one AC
  power rating for charging and discharging, round-trip losses, a duration range (min_h x P
  <= E <= max_h x P) and a wear cost per MWh discharged;
- grid import at the time-of-use tariff, escalating yearly, up to the connection limit;
- a yearly CO2 ceiling on grid electricity (market-based factor), falling to the target.

pathway solves it from the scenario as usual (load, prepare, build, HiGHS). The PyPSA
network is built from pathway's prepared numbers (``ModelData``, via ``shared_problem``)
written to a file that the PyPSA process reads, so both solve the same data:

=====================================  ==============================================================
pathway (``pathway.model``)            PyPSA 1.4 (multi-investment, one investment period per year)
=====================================  ==============================================================
years y, weight (1+r)^-(y-y0)          investment periods, ``investment_period_weightings.objective``
                                       = pathway's discount factor, ``years`` = 1
period weight w_p (days)               ``snapshot_weightings`` objective and generators = w_p, stores = 1
                                       (the storage balance steps one hour, as in pathway)
build[k, v], capex(v) x CRF + fom      one asset per build year v (``build_year`` v, ``lifetime``),
counted in the years it serves         ``overnight_cost`` capex(v), ``discount_rate`` r, ``fom_cost``:
                                       PyPSA annuitises with the same formula (``pypsa.costs.annuity``)
cap[pv, y] <= roof                     GlobalConstraint ``tech_capacity_expansion_limit`` per period
pv_gen <= cf x cap                     Generator ``p_max_pu`` = cf (curtailment free in both)
imp <= limit, cost esc(y) x price      Generator ``grid``, ``p_nom`` = limit, ``marginal_cost`` by snapshot
soc, E = cap[battery_energy]           Store per build year, ``e_cyclic_per_period`` (cyclic over each year)
ch <= P, dis <= P, eta = sqrt(rt)      Links charger (AC -> battery) and discharger (battery -> AC), each
                                       with efficiency eta; one AC rating: p_nom(charger) = eta x
                                       p_nom(discharger) per build year (PyPSA-Eur's charger ratio)
min_h P <= E <= max_h P                on the capacities in service in each period
wear w x dis (CNY/MWh AC out)          discharger ``marginal_cost`` = w x eta (its flow is dis / eta)
E[y] = f x import <= C[y]              carrier ``co2_emissions`` = f, GlobalConstraint ``primary_energy``
                                       per period, constant C[y]
=====================================  ==============================================================

The two constraints PyPSA has no component attribute for (the charger ratio and the duration
range) are added through ``extra_functionality``, PyPSA's documented way to add constraints
(PyPSA-Eur states the charger ratio the same way). Everything else is a standard component.

What the shared problem leaves out (both sides; pypsa_equal.yaml says so too), because
PyPSA states it only with more custom constraints: no demand charge, no PV degradation, no
export, no heat, no green power, certificates or offsets, and a constant grid CO2 factor.
``shared_problem`` refuses a ModelData that has any of them, so the comparison is always of
equal problems.

Measured: each solve runs in a fresh Python process (its peak RSS is the child's own
``VmHWM`` from ``/proc/self/status``, read as it ends: the high-water mark of the memory of
the program it runs. ``os.wait4``'s ``ru_maxrss`` is kept as ``peak_rss_rusage_mb`` and is
only the fallback for a child killed at the time limit: Linux carries into it the parent's
resident size at the fork, which is what this process holds, not what the side needs),
pathway and PyPSA alternating, ``--repeats`` runs of each; the
table shows medians. Wall time is the whole process (interpreter start, imports, data,
model, solve, solution loaded back: pathway into its model, PyPSA into the
network); the phases inside are recorded too. Both sides use HiGHS (the same highspy),
threads (``--threads``, default 1) and random seed; PyPSA passes the model to HiGHS in
memory (linopy ``io_api='direct'``), as pathway does. PyPSA solves the LP with ``--method``
(default what pathway's 'auto' takes for the full hourly LP: IPX for one year, HiPO for
several, both interior point with crossover). pathway solves it as ``pathway run`` does
(``--decompose auto``): one hourly year by Benders decomposition over the investment plan
(``pathway.solve.by_year``: the years' dispatch LPs with the dual simplex, to a proven gap
of 1e-7), several years as the full LP with ``--method`` (there 'auto' takes the typical-day
plan, a feasible point, not the optimum the objectives must agree on). ``--decompose off``
makes the pathway side the same HiGHS run as PyPSA's. Each run's objective must equal
pathway's to 1e-6 (relative) or the benchmark fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "benchmarks" / "pypsa_equal.yaml"
RESULTS = ROOT / "benchmarks" / "results" / "pypsa.json"
RTOL = 1e-6  # objectives must agree to this (relative)
GOAL_SPEED = 2.0  # pathway at least this many times faster
GOAL_MEMORY = 0.5  # pathway at most this share of PyPSA's peak memory
HOURS_PER_DAY = 24


# ---------------------------------------------------------------------------------------
# the shared problem: pathway's prepared numbers, as plain arrays
# ---------------------------------------------------------------------------------------

def load_benchmark_scenario(years: int = 1):
    """The benchmark scenario over ``years`` planning years (the target year is the last one)."""
    from pathway.reference.validate import load_scenario

    return load_scenario(SCENARIO, overrides=horizon_override(years))


def load_model_data(years: int = 1, days: list[int] | None = None):
    """pathway's ``ModelData`` for the benchmark scenario over ``years`` planning years;
    with ``days``, only those calendar days (see ``chronological_days``)."""
    from pathway.inputs.prepare import prepare

    md = prepare(load_benchmark_scenario(years))
    return md if days is None else chronological_days(md, days)


def pathway_decompose(decompose: str, years: int) -> str:
    """What the pathway side runs with ``--decompose``: the product's own choice for one
    year ('auto': Benders decomposition to the proven optimum); the full LP for several
    years under 'auto' (there 'auto' takes the typical-day plan, a feasible point and not the
    optimum the objectives must agree on). 'plan' is refused for the same reason."""
    if decompose == "plan":
        raise ValueError("--decompose plan solves for a feasible point, not the optimum both sides must agree on")
    return "off" if decompose == "auto" and years > 1 else decompose


def horizon_override(years: int) -> dict:
    """The scenario overrides for ``years`` planning years after the 2025 base year."""
    if years < 1:
        raise ValueError(f"years must be >= 1, got {years}")
    return {"horizon": {"target_year": 2025 + years, "end_year": 2025 + years}}


def chronological_days(md, days: list[int]):
    """A copy of ``md`` that keeps only ``days`` (calendar days, in order), still chronological
    (storage links day to day, cyclic over the kept days), each day weighted 365 / len(days)
    and the load shape rescaled so that yearly demand is unchanged. A smaller problem of the
    same form, for the fast test; both sides solve the copy."""
    import copy
    from dataclasses import replace

    from pathway.inputs.periods import Periods

    idx = np.asarray(days, dtype=int)
    w = np.full(len(idx), 365.0 / len(idx))
    old = md.periods
    periods = Periods(weights=w, series={k: np.asarray(v)[idx] for k, v in old.series.items()},
                      day_of_period=np.asarray(old.day_of_period)[idx], mode="hourly")
    shape = np.asarray(md.elec_shape)[idx]
    shape = shape / float((w[:, None] * shape).sum())
    out = replace(md, periods=periods, elec_shape=shape, existing_pv_mwh=np.asarray(md.existing_pv_mwh)[idx],
                  pv_cf=np.asarray(md.pv_cf)[idx], price_cny_per_mwh=np.asarray(md.price_cny_per_mwh)[idx],
                  tou_period=np.asarray(md.tou_period)[idx])
    return copy.copy(out)


def unsupported(md) -> list[str]:
    """The features of ``md`` that the PyPSA network of ``build_network`` does not state (an
    empty list: the two problems are equal)."""
    out = []
    checks = {
        "heat loads or heat technologies": md.heat_loads or md.heat_techs or md.tes is not None,
        "efficiency measures": bool(md.efficiency),
        "CCUS": md.ccus is not None,
        "a direct green-power line": md.direct_line is not None,
        "a demand charge": md.demand_charge_cny_per_mw_yr > 0,
        "export": md.export_price_cny_per_mwh is not None,
        "PV degradation": md.pv is not None and md.pv_degradation_per_yr > 0,
        "PV already on site": float(np.asarray(md.existing_pv_mwh).sum()) > 0,
        "green power, certificates, offsets or removals": (md.green_power_enabled or md.gec_enabled
                                                           or md.offsets_enabled or md.removals_enabled),
        "other fuels or process CO2": bool(md.other_fuel_t) or bool(md.other_fuel_cost_cny) or md.process_co2_t > 0,
        "a carbon price": any(v for v in md.carbon_price.values()),
        "CBAM or ETS costs": md.exposure is not None and (md.exposure.ets is not None or bool(md.exposure.cbam)),
        "near-zero or green-share rules": (md.rule.min_own_reduction_share is not None
                                           or bool(md.rule.min_green_electricity_share)),
        "PV or battery build limits by year": any(
            b is not None and (b.max_build_per_yr is not None or b.first_build_year is not None)
            for b in (md.pv, md.battery_energy, md.battery_power)),
        "a battery energy or power cap": any(b is not None and b.max_capacity is not None
                                             for b in (md.battery_energy, md.battery_power)),
        "a lump-sum subsidy": md.lump_sum_subsidy_cny != 0,
    }
    out = [k for k, on in checks.items() if on]
    if md.battery_energy is not None and md.battery_energy.life_years != md.battery_power.life_years:
        out.append("battery energy and power lives that differ")
    factors = md.grid_market if md.scope2_method == "market" else md.grid_location
    if len({round(factors[y], 12) for y in md.years}) > 1:
        out.append("a grid CO2 factor that changes by year")
    return out


def shared_problem(md) -> dict:
    """The problem both sides solve, from pathway's prepared ``md``, as plain numbers: for
    year y (index i) and hour t of the kept days, demand[i, t] and price[i, t] (MWh and
    CNY/MWh, escalated), cf[t] (PV MWh per MW), weight[t] (days the hour stands for),
    discount[i], co2_t_per_mwh, ceiling_t[i] (NaN: none); PV and battery investment data
    by build year. Raises ValueError if ``md`` has a feature the PyPSA network lacks."""
    bad = unsupported(md)
    if bad:
        raise ValueError("the PyPSA network does not state: " + ", ".join(bad))
    years = list(md.years)
    shape = np.asarray(md.elec_shape, dtype=float).reshape(-1)
    price = np.asarray(md.price_cny_per_mwh, dtype=float).reshape(-1)
    factors = md.grid_market if md.scope2_method == "market" else md.grid_location

    def build(b):
        return {"capex_cny_per_unit": [float(b.capex_cny_per_unit[y]) for y in years],
                "fom_cny_per_unit_yr": float(b.fom_cny_per_unit_yr), "life_years": int(b.life_years),
                "max_capacity": None if b.max_capacity is None else float(b.max_capacity)}

    return {
        "name": md.name,
        "years": years,
        "discount_rate": float(md.discount_rate),
        "discount": np.array([md.discount[y] for y in years]),
        "weight": np.repeat(np.asarray(md.weights, dtype=float), HOURS_PER_DAY),
        "demand_mwh": np.array([md.elec_demand_mwh_base * md.growth[y] * shape for y in years]),
        "price_cny_per_mwh": np.array([md.energy_escalation[y] * price for y in years]),
        "cf": np.asarray(md.pv_cf, dtype=float).reshape(-1),
        "import_limit_mw": md.import_limit_mw,
        "co2_t_per_mwh": float(factors[years[0]]),
        "ceiling_t": np.array([md.ceiling_t.get(y, np.nan) for y in years]),
        "pv": None if md.pv is None else build(md.pv),
        "battery": None if md.battery_energy is None else {
            "energy": build(md.battery_energy), "power": build(md.battery_power),
            "eta": float(md.battery_eff), "min_h": float(md.battery_min_h or 0.0),
            "max_h": None if not md.battery_max_h else float(md.battery_max_h),
            "wear_cny_per_mwh": float(md.battery_degradation_cny_per_mwh)},
    }


def save_problem(data: dict, path: Path) -> None:
    """Write ``shared_problem`` output: arrays to an .npz, the rest as JSON inside it."""
    arrays = {k: v for k, v in data.items() if isinstance(v, np.ndarray)}
    rest = {k: v for k, v in data.items() if not isinstance(v, np.ndarray)}
    np.savez(path, meta=np.array(json.dumps(rest)), **arrays)


def read_problem(path: Path) -> dict:
    with np.load(path) as f:
        data = json.loads(str(f["meta"]))
        data.update({k: f[k] for k in f.files if k != "meta"})
    return data


# ---------------------------------------------------------------------------------------
# the PyPSA side
# ---------------------------------------------------------------------------------------

def build_network(data: dict):
    """The PyPSA network of ``data`` (``shared_problem``), multi-investment with one period
    per planning year (the table in the module docstring); returns (network, extra_functionality)."""
    import pandas as pd
    import pypsa

    pypsa.options.api.legacy_string_dtype = True  # PyPSA 1.x's behaviour, stated (silences its FutureWarning)
    years = data["years"]
    n_t = len(data["weight"])
    n = pypsa.Network(name=data["name"])
    n.set_snapshots(pd.MultiIndex.from_product([years, range(n_t)], names=["period", "timestep"]))
    n.investment_periods = years
    n.investment_period_weightings["objective"] = np.asarray(data["discount"], dtype=float)
    n.investment_period_weightings["years"] = 1.0
    w = np.tile(np.asarray(data["weight"], dtype=float), len(years))
    n.snapshot_weightings["objective"] = w
    n.snapshot_weightings["generators"] = w
    n.snapshot_weightings["stores"] = 1.0
    snaps = n.snapshots

    def series(a) -> pd.Series:
        return pd.Series(np.asarray(a, dtype=float).reshape(-1), index=snaps)

    n.add("Carrier", "grid", co2_emissions=data["co2_t_per_mwh"])
    n.add("Carrier", ["solar", "battery"])
    n.add("Bus", "AC", carrier="AC")
    n.add("Load", "demand", bus="AC", p_set=series(data["demand_mwh"]))
    limit = data["import_limit_mw"]
    n.add("Generator", "grid", bus="AC", carrier="grid", marginal_cost=series(data["price_cny_per_mwh"]),
          **({"p_nom": limit} if limit is not None else {"p_nom_extendable": True}))
    r = data["discount_rate"]

    def invest(b, i):
        return {"build_year": years[i], "lifetime": b["life_years"], "overnight_cost": b["capex_cny_per_unit"][i],
                "discount_rate": r, "fom_cost": b["fom_cny_per_unit_yr"]}

    pv = data["pv"]
    if pv is not None:
        cf = pd.Series(np.tile(np.asarray(data["cf"], dtype=float), len(years)), index=snaps)
        for i, y in enumerate(years):
            n.add("Generator", f"pv-{y}", bus="AC", carrier="solar", p_nom_extendable=True, p_max_pu=cf, **invest(pv, i))
        if pv["max_capacity"] is not None:
            for y in years:
                n.add("GlobalConstraint", f"roof-{y}", type="tech_capacity_expansion_limit", carrier_attribute="solar",
                      sense="<=", constant=pv["max_capacity"], investment_period=y)
    bat = data["battery"]
    if bat is not None:
        eta = bat["eta"]
        n.add("Bus", "battery", carrier="battery")
        for i, y in enumerate(years):
            n.add("Store", f"battery-{y}", bus="battery", carrier="battery", e_nom_extendable=True, e_cyclic=True,
                  e_cyclic_per_period=True, **invest(bat["energy"], i))
            n.add("Link", f"charger-{y}", bus0="AC", bus1="battery", carrier="battery", efficiency=eta,
                  p_nom_extendable=True, **invest(bat["power"], i))
            n.add("Link", f"discharger-{y}", bus0="battery", bus1="AC", carrier="battery", efficiency=eta,
                  p_nom_extendable=True, marginal_cost=bat["wear_cny_per_mwh"] * eta,
                  build_year=y, lifetime=bat["power"]["life_years"])
    for y, c in zip(years, data["ceiling_t"]):
        if np.isfinite(c):
            n.add("GlobalConstraint", f"co2-{y}", type="primary_energy", carrier_attribute="co2_emissions",
                  sense="<=", constant=float(c), investment_period=y)

    def extra_functionality(n, sns) -> None:
        """One AC power rating per battery build year, p_nom(charger) = eta x p_nom(discharger);
        in each period, min_h x P <= E <= max_h x P over the capacities in service."""
        if bat is None:
            return
        m = n.model
        p_link, e_store = m["Link-p_nom"], m["Store-e_nom"]
        ch = [f"charger-{y}" for y in years]
        dis = [f"discharger-{y}" for y in years]
        for y, c, d in zip(years, ch, dis):
            m.add_constraints(p_link.sel(name=c, drop=True) - eta * p_link.sel(name=d, drop=True) == 0, name=f"battery-one-ac-rating-{y}")
        for y in years:
            live = [i for i, v in enumerate(years) if v <= y < v + bat["power"]["life_years"]]
            p_in = p_link.loc[[ch[i] for i in live]].sum()
            e_in = e_store.loc[[f"battery-{years[i]}" for i in live]].sum()
            if bat["min_h"]:
                m.add_constraints(e_in - bat["min_h"] * p_in >= 0, name=f"battery-min-duration-{y}")
            if bat["max_h"] is not None:
                m.add_constraints(e_in - bat["max_h"] * p_in <= 0, name=f"battery-max-duration-{y}")

    return n, extra_functionality


def highs_solver_options(method: str, threads: int) -> dict:
    """The HiGHS options both sides set: pathway's own builder (``pathway.solve.options``),
    so PyPSA gets exactly what pathway passes (method, crossover after interior point,
    threads, random seed, no output)."""
    from pathway.solve.options import SolverOptions, highs_options

    return highs_options(SolverOptions(method=method, threads=threads), method=method)


def solve_pypsa(data: dict, options: dict) -> dict:
    """Build and optimise the PyPSA network (the steps of ``Network.optimize``, timed one by
    one); returns the objective (CNY) and the phase times."""
    t0 = time.perf_counter()
    n, extra = build_network(data)
    t1 = time.perf_counter()
    n.consistency_check(strict=["unknown_buses", "maintenance", "phase_shift_bounds"])
    # no asset is fixed with a capital cost, so PyPSA's objective constant is 0 either way
    m = n.optimize.create_model(multi_investment_periods=True, consistency_check=False, include_objective_constant=False)
    extra(n, n.snapshots)
    t2 = time.perf_counter()
    status, condition = m.solve(solver_name="highs", io_api="direct", **options)
    t3 = time.perf_counter()
    if status != "ok" or condition != "optimal":
        raise RuntimeError(f"PyPSA: {status} / {condition}")
    highs_s = float(m.solver_model.getRunTime())  # HiGHS's own run; the rest of solve_s is linopy's hand-over
    n.optimize.assign_solution()
    n.optimize.assign_duals(False)
    n.optimize.post_processing()
    t4 = time.perf_counter()
    return {"objective_cny": float(n.objective + n.objective_constant), "build_network_s": t1 - t0,
            "create_model_s": t2 - t1, "solve_s": t3 - t2, "highs_s": highs_s, "load_s": t4 - t3,
            "columns": int(m.nvars), "rows": int(m.ncons),
            "pv_mw": float(n.generators.p_nom_opt.filter(like="pv-").sum()),
            "battery_mwh": float(n.stores.e_nom_opt.sum())}  # built over the horizon (all in service: lives >= 12 y)


def solve_pathway(md, method: str, threads: int, route: str = "direct", loaded=None, decompose: str = "off") -> dict:
    """Build and solve pathway's model of ``md`` on ``route`` (default 'direct', as
    ``pathway run``: the LP built as arrays; 'compiler': the Pyomo model); returns the
    objective (CNY) and the phase times. With ``decompose`` not 'off' (and ``loaded``, the
    scenario of ``md``), the way ``pathway run`` solves a full-hourly model
    (``solve.by_year.solve_on_plan``, its methods chosen by 'auto'), the full LP with
    ``method`` where that does not apply."""
    from pathway.model import OBJ_SCALE, builder
    from pathway.model.linear import value
    from pathway.solve import SolverOptions, by_year, solve

    opts = SolverOptions(route=route, method=method, threads=threads)
    t0 = time.perf_counter()
    m = builder(route)(md)
    t1 = time.perf_counter()
    out = None
    if decompose != "off" and loaded is not None:
        dec_opts = SolverOptions(route=route, method="auto", threads=threads, decompose=decompose)
        if by_year.wanted(m, dec_opts):
            out = by_year.solve_on_plan(loaded, m, dec_opts)
    out = out or solve(m, opts)
    t2 = time.perf_counter()
    if out.status != "optimal":
        raise RuntimeError(f"pathway: {out.status} ({out.message})")
    last = md.years[-1]

    def cap(k):
        return float(value(m.cap[k, last]) or 0.0) if k in m.K else 0.0

    dec = out.decomposition or {}
    return {"objective_cny": out.objective / OBJ_SCALE, "build_model_s": t1 - t0, "solve_s": t2 - t1,
            "translate_s": out.seconds.get("translate"), "highs_s": out.seconds.get("solve"),
            "plan_s": out.seconds.get("plan"), "decomposition": dec.get("method"), "rounds": dec.get("rounds"),
            "proven_gap": dec.get("proven_gap"),
            "columns": int(m.nvariables()), "rows": int(m.nconstraints()),
            "pv_mw": cap("pv"), "battery_mwh": cap("battery_energy"), "battery_mw": cap("battery_power"),
            "emissions_t": {y: float(value(m.emissions[y])) for y in md.years}, "route": route}


# ---------------------------------------------------------------------------------------
# the measurement: each solve in a fresh process
# ---------------------------------------------------------------------------------------

def child_main(args) -> None:
    """One solve in this process; prints one JSON line."""
    t0 = time.perf_counter()
    if args.child == "pathway":
        import pathway.runs.pipeline  # noqa: F401  (the imports a run needs, timed as such)
        import pathway.solve  # noqa: F401

        t_import = time.perf_counter() - t0
        t = time.perf_counter()
        from pathway.inputs.prepare import prepare

        loaded = load_benchmark_scenario(args.years)
        md = prepare(loaded)
        row = {"import_s": t_import, "prepare_s": time.perf_counter() - t,
               **solve_pathway(md, args.method, args.threads, args.route, loaded, args.decompose)}
    else:
        import pypsa  # noqa: F401

        t_import = time.perf_counter() - t0
        t = time.perf_counter()
        data = read_problem(Path(args.data))
        opts = json.loads(args.options)
        row = {"import_s": t_import, "read_data_s": time.perf_counter() - t, **solve_pypsa(data, opts)}
    row["in_process_s"] = time.perf_counter() - t0
    row["vm_hwm_mb"] = vm_hwm_mb()
    print(json.dumps(row), flush=True)


def vm_hwm_mb() -> float | None:
    """This process's peak resident memory since it started its program (``VmHWM``), MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def run_child(side: str, years: int, method: str, threads: int, data_file: Path, options: dict,
              timeout_s: float | None = None, route: str = "direct", decompose: str = "off") -> dict:
    """Run one solve in a fresh interpreter; its wall time and its own peak RSS (os.wait4).
    A child still running after ``timeout_s`` is killed: the row says ``timed_out`` and holds
    the wall time and peak RSS up to then (lower bounds)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", side, "--route", route, "--years", str(years), "--method", method,
           "--threads", str(threads), "--data", str(data_file), "--options", json.dumps(options), "--decompose", decompose]
    timed_out = False
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout_s is not None and time.perf_counter() - t > timeout_s:
                proc.kill()
                timed_out = True
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    base = {"side": side, "years": years, "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime}
    if timed_out:
        return {**base, "timed_out": True, "timeout_s": timeout_s}
    if proc.returncode != 0:
        tail = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {proc.returncode}"
        raise RuntimeError(f"{side} ({years} y) failed: {tail.replace(str(ROOT) + '/', '')}")
    row = {**base, **json.loads(stdout.strip().splitlines()[-1])}
    row["peak_rss_rusage_mb"] = base["peak_rss_mb"]
    if row.get("vm_hwm_mb"):
        row["peak_rss_mb"] = row["vm_hwm_mb"]
    return row


def median(rows: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def compare(years: int, repeats: int, method: str, threads: int, timeout_s: float | None = None,
            route: str = "direct", decompose: str = "off") -> dict:
    """Alternate pathway and PyPSA runs for ``years`` planning years; check every finished
    run's objective against pathway's first; the medians and their ratios. When every PyPSA
    run timed out, the speed-up and memory ratio are bounds (``*_at_least`` / ``*_at_most``)."""
    md = load_model_data(years)
    data = shared_problem(md)
    options = highs_solver_options(method, threads)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        data_file = Path(tmp) / "problem.npz"
        save_problem(data, data_file)
        for i in range(repeats):
            for side in (("pathway", "pypsa") if i % 2 == 0 else ("pypsa", "pathway")):
                row = run_child(side, years, method, threads, data_file, options, timeout_s, route, decompose)
                row["run"] = i
                row["load_average_1min"] = os.getloadavg()[0]
                rows.append(row)
                if row.get("timed_out"):
                    print(f"  {years} y  {side:8s} run {i}: killed after {row['wall_s']:7.2f} s (--timeout-s)  "
                          f"peak {row['peak_rss_mb']:7.0f} MB", flush=True)
                else:
                    print(f"  {years} y  {side:8s} run {i}: wall {row['wall_s']:7.2f} s  solve {row['solve_s']:7.2f} s  "
                          f"peak {row['peak_rss_mb']:7.0f} MB  objective {row['objective_cny']:,.2f} CNY", flush=True)
    done = [r for r in rows if not r.get("timed_out")]
    sides = {s: [r for r in done if r["side"] == s] for s in ("pathway", "pypsa")}
    if not sides["pathway"]:
        raise RuntimeError(f"{years} y: no pathway run finished within --timeout-s {timeout_s}")
    ref = sides["pathway"][0]["objective_cny"]
    worst = max(abs(r["objective_cny"] - ref) / abs(ref) for r in done)
    if worst > RTOL:
        raise AssertionError(f"{years} y: objectives differ by {worst:.3e} (relative) > {RTOL:g}: "
                             + ", ".join(f"{r['side']} {r['objective_cny']!r}" for r in done))
    keys = ("wall_s", "in_process_s", "solve_s", "highs_s", "peak_rss_mb", "cpu_s", "import_s")
    med = {s: {k: median(rs, k) for k in keys} if rs else None for s, rs in sides.items()}
    out = {"years": years, "repeats": repeats, "timeout_s": timeout_s, "pathway_decompose": decompose,
           "pathway_decomposition": sides["pathway"][0].get("decomposition"),
           "objective_cny": ref, "objective_max_rel_diff": worst,
           "size": {s: {"columns": rs[0]["columns"], "rows": rs[0]["rows"]} if rs else None for s, rs in sides.items()},
           "median": med}
    pw = med["pathway"]
    if med["pypsa"] is not None:
        ps = med["pypsa"]
        speed, memory = ps["wall_s"] / pw["wall_s"], pw["peak_rss_mb"] / ps["peak_rss_mb"]
        out.update({"speedup_wall": speed, "speedup_solve": ps["solve_s"] / pw["solve_s"],
                    "speedup_highs": ps["highs_s"] / pw["highs_s"], "memory_ratio": memory,
                    "goal_speed_met": speed >= GOAL_SPEED, "goal_memory_met": memory <= GOAL_MEMORY})
    else:  # every PyPSA run was killed: its wall time and peak RSS so far are lower bounds
        killed = [r for r in rows if r["side"] == "pypsa"]
        speed = min(r["wall_s"] for r in killed) / pw["wall_s"]
        memory = pw["peak_rss_mb"] / max(r["peak_rss_mb"] for r in killed)
        out.update({"speedup_wall_at_least": speed, "memory_ratio_at_most": memory,
                    "goal_speed_met": True if speed >= GOAL_SPEED else None,
                    "goal_memory_met": True if memory <= GOAL_MEMORY else None})
    out["runs"] = rows
    return out


def print_table(results: list[dict]) -> None:
    def num(v, fmt):
        return format(v, fmt) if v is not None else "-"

    print()
    print(f"{'years':>5} {'side':8} {'wall s':>8} {'solve s':>8} {'HiGHS s':>8} {'peak MB':>8} {'columns':>9} {'rows':>9} "
          f"{'objective CNY':>18}")
    for r in results:
        for s in ("pathway", "pypsa"):
            md, size = r["median"][s], r["size"][s]
            if md is None:
                print(f"{r['years']:>5} {s:8} every run killed after --timeout-s {r['timeout_s']:g}")
                continue
            print(f"{r['years']:>5} {s:8} {md['wall_s']:8.2f} {md['solve_s']:8.2f} {num(md['highs_s'], '8.2f')} "
                  f"{md['peak_rss_mb']:8.0f} {size['columns']:>9,} {size['rows']:>9,} {r['objective_cny']:18,.2f}")
    print()
    print(f"{'years':>5} {'speed-up (wall)':>16} {'goal >= 2x':>11} {'memory ratio':>13} {'goal <= 0.5x':>13} {'max rel diff':>13}")
    word = {True: "met", False: "not met", None: "unknown"}
    for r in results:
        speed = f"{r['speedup_wall']:15.2f}x" if "speedup_wall" in r else f">= {r['speedup_wall_at_least']:.2f}x".rjust(16)
        memory = f"{r['memory_ratio']:12.2f}x" if "memory_ratio" in r else f"<= {r['memory_ratio_at_most']:.2f}x".rjust(13)
        print(f"{r['years']:>5} {speed} {word[r['goal_speed_met']]:>11} {memory} {word[r['goal_memory_met']]:>13} "
              f"{r['objective_max_rel_diff']:13.1e}")


def default_repeats(years: int) -> int:
    """Runs of each side when ``--repeats`` is not given: 3 up to 2 planning years, else 1
    (a 5-year hourly PyPSA solve took about an hour on one thread here)."""
    return 3 if years <= 2 else 1


def case_context(method: str, threads: int) -> dict:
    """What a case's figures depend on besides the code: versions, method, machine load."""
    import datetime

    import highspy
    import linopy
    import pypsa

    from pathway import __version__

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {"date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": commit or None,
            "method": method, "crossover": "on" if method in ("ipm", "ipx", "hipo") else None, "threads": threads,
            "pypsa_io_api": "direct",
            "versions": {"pathway": __version__, "pypsa": pypsa.__version__, "linopy": linopy.__version__,
                         "highspy": getattr(highspy, "__version__", None), "python": sys.version.split()[0]},
            "cpus": os.cpu_count()}


def write_results(path: Path, cases: list[dict]) -> None:
    """Write ``cases`` to ``path``, keeping the cases of other horizons already there (so
    ``--years 1`` does not drop the 5-year figures); sorted by years."""
    old = []
    if path.exists():
        try:
            old = json.loads(path.read_text()).get("results", [])
        except (OSError, ValueError):
            old = []
    mine = {c["years"] for c in cases}
    merged = sorted([c for c in old if c.get("years") not in mine] + cases, key=lambda c: c["years"])
    path.write_text(json.dumps({
        "what": "equal-problem benchmark against PyPSA (benchmarks/bench_pypsa.py): medians of alternating "
                "fresh-process runs; each case records its own date, commit, versions, method and load average",
        "scenario": SCENARIO.relative_to(ROOT).as_posix(),
        "goal": {"speedup_wall_min": GOAL_SPEED, "memory_ratio_max": GOAL_MEMORY, "objective_rtol": RTOL},
        "results": merged,
    }, indent=2) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description="Equal-problem benchmark against PyPSA: wall time, peak memory, objectives.")
    ap.add_argument("--years", type=int, nargs="*", default=[1, 5], help="planning years to compare (default 1 5)")
    ap.add_argument("--repeats", type=int, nargs="*", default=None,
                    help="runs of each side per case, alternating: one number for all cases or one per --years "
                         "(default 3 up to 2 years, 1 beyond: a 5-year PyPSA solve takes about an hour)")
    ap.add_argument("--method", default="auto", help="HiGHS LP method on both sides (default auto: what pathway's auto "
                    "takes for the hourly model: IPX for one year, HiPO for more, with crossover)")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads on both sides")
    ap.add_argument("--route", default="direct", choices=("direct", "compiler"),
                    help="pathway's route (default direct, as pathway run; compiler: the Pyomo model)")
    ap.add_argument("--timeout-s", type=float, default=7200.0,
                    help="kill a solve still running after this many seconds; recorded as a bound (default 7200; the 5-year PyPSA solve took 3,558 s here)")
    ap.add_argument("--decompose", default="auto", choices=("auto", "benders", "off"),
                    help="pathway side: auto (default) as pathway run for one year (Benders decomposition to the "
                         "proven optimum, its own methods) and the full LP with --method for several; benders: "
                         "always; off: the full LP with --method (the same HiGHS run as PyPSA's)")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--child", choices=("pathway", "pypsa"), help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--options", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        args.years = args.years[0] if isinstance(args.years, list) else args.years
        child_main(args)
        return
    if args.repeats is None:
        repeats = [default_repeats(y) for y in args.years]
    elif len(args.repeats) == 1:
        repeats = args.repeats * len(args.years)
    elif len(args.repeats) == len(args.years):
        repeats = args.repeats
    else:
        ap.error("--repeats: give one number, or one per --years")
    out = Path(args.out)
    from pathway.solve.options import HOURLY_MULTI_YEAR, HOURLY_ONE_YEAR, resolve_method

    print(f"load average before: {os.getloadavg()}; HiGHS method {args.method}, threads {args.threads}")
    results = []
    for years, reps in zip(args.years, repeats):
        # both sides' children get the method itself: for 'auto', what a pathway run of this model takes
        method = resolve_method(args.method, HOURLY_ONE_YEAR if years == 1 else HOURLY_MULTI_YEAR)
        ctx = {**case_context(method, args.threads), "load_average_start": os.getloadavg()}
        case = compare(years, reps, method, args.threads, args.timeout_s, args.route, pathway_decompose(args.decompose, years))
        results.append({**case, **ctx, "load_average_end": os.getloadavg()})
        write_results(out, results)  # after each case: a run cut short keeps what it finished
    print_table(results)
    shown = out.resolve().relative_to(ROOT) if out.resolve().is_relative_to(ROOT) else out.name
    print(f"\nwrote {shown}")


if __name__ == "__main__":
    main()
