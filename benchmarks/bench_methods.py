"""Which HiGHS LP method is fastest for which class of pathway model: the campaign behind
``solve.options.resolve_method`` (method 'auto').

    python benchmarks/bench_methods.py                 # representative days + hourly 1-2 years (minutes)
    python benchmarks/bench_methods.py --heavy         # + the hourly automotive plant, 2 and 5 years (about an hour)
    python benchmarks/bench_methods.py --methods simplex hipo --repeats 1

Each case is one scenario in one time mode; each (case, method) solve runs in a fresh
Python process that builds the LP on the direct route (as ``pathway run`` does) and hands
it to HiGHS with that method and crossover on (the optimum must be a vertex with a basis:
the MAC probes re-solve warm from it). Methods alternate within a case, ``--repeats``
rounds, medians reported. Measured per solve: HiGHS seconds (``h.run()`` alone), its
iterations, the objective and the child's own peak memory (``VmHWM``).

Classes:

* ``representative_days``: the bundled scenarios as written (typical days, each day cyclic);
* ``representative_days_48``: two of them with 48 typical days (the largest the schema
  suggests for a quick run);
* ``hourly_one_year``: 8,760 chronological hours (storage linked day to day), one year:
  the PyPSA equal problem (PV + battery + TOU + ceiling), and three bundled plants
  (automotive, data centre, electronics) cut to 2026;
* ``hourly_year_dispatch``: one year's 8,760 hours with the investment plan fixed at the
  typical-day optimum (``solve.by_year``, how ``pathway run`` solves a full-hourly model of
  several years): four bundled plants, one year each;
* ``hourly_multi_year``: the same over several years: the PyPSA equal problem over 2
  years, and with ``--heavy`` the automotive plant (PV, battery, heat pump, electric
  boiler, existing gas boilers) over its 2027-target and 2030-target horizons (2026-2030
  and 2026-2032 modelled).

``--only TEXT`` re-measures the cases whose label contains TEXT and keeps the other
recorded cases of methods.json.

A method that reaches ``--time-limit`` is recorded as such (its time is then a lower
bound). Every method's objective must agree to 1e-6 (relative) within a case, or the
script exits 1. Writes benchmarks/results/methods.json (no absolute paths): per case the
medians, the fastest method, and what 'auto' picks and how far that is from the fastest;
per class the summed times, mean peak memory and the choice: the least summed time, where
totals within 5 % tie, the least memory among them (``choose``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from pathway.solve.options import HOURLY_MULTI_YEAR, HOURLY_ONE_YEAR, HOURLY_YEAR_DISPATCH  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "methods.json"
METHODS = ("simplex", "ipx", "hipo")

CHILD = r"""
import json, sys, time
cfg = json.loads(sys.argv[1])
sys.path.insert(0, cfg["bench_dir"])
from pathway.model.direct import build_direct
from pathway.solve.highs import _highs_model
from pathway.solve.options import SolverOptions
opts = SolverOptions(method=cfg["method"], time_limit_s=cfg["time_limit_s"])
if cfg["scenario"] == "pypsa_equal":
    from bench_pypsa import load_model_data
    md = load_model_data(cfg["years"])
else:
    from pathway.inputs.prepare import prepare
    from pathway.reference.validate import load_scenario
    loaded = load_scenario(cfg["scenario"], overrides=cfg["overrides"])
    md = prepare(loaded)
m = build_direct(md)
if cfg.get("dispatch_year") is None:
    a = m.lp.assemble()
    h = _highs_model(opts, a.cost, a.col_lower, a.col_upper, a.row_lower, a.row_upper, a.start, a.index, a.value,
                     a.integer)
    n, nr = int(a.col_ids.size), int(a.row_ids.size)
    del a, m
else:  # one year's hours on the typical-day plan, as pathway.solve.by_year solves it
    import numpy as np
    from pathway.solve import by_year
    from pathway.solve.highs import solve
    from pathway.solve.options import HOURLY_YEAR_DISPATCH
    split = by_year.split_by_year(m.lp, list(md.years))
    plan_model = build_direct(prepare(by_year.plan_twin(loaded)))
    solve(plan_model, SolverOptions())
    blocks = by_year.plan_blocks(m, split)
    d = by_year.Decomposition(m, blocks, split)
    k = d.plan_vector(m.lp, by_year.plan_of(plan_model, blocks, m))
    i = list(md.years).index(cfg["dispatch_year"])
    h = _highs_model(opts, *d.arrays(i, d.bounds(i, k)), np.zeros(0, dtype=int), HOURLY_YEAR_DISPATCH)
    n, nr = int(d.cols[i].size), int(d.kept[i].size)
    del d, m, plan_model
t = time.perf_counter()
h.run()
secs = time.perf_counter() - t
info = h.getInfo()
print(json.dumps({"highs_s": secs, "status": h.modelStatusToString(h.getModelStatus()),
                  "objective": info.objective_function_value, "columns": n, "rows": nr,
                  "simplex_iterations": info.simplex_iteration_count, "ipm_iterations": info.ipm_iteration_count,
                  "crossover_iterations": info.crossover_iteration_count,
                  "peak_rss_mb": next(int(ln.split()[1]) / 1024 for ln in open("/proc/self/status")
                                      if ln.startswith("VmHWM:"))}))
"""


def cases(heavy: bool) -> list[dict]:
    """The campaign's cases: (class, label, scenario, overrides, years)."""
    out = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        out.append({"class": "representative_days", "label": path.stem, "scenario": str(path), "overrides": {}})
    for stem in ("jiangsu_auto_parts_2030", "shaoguan_data_centre_2030"):
        out.append({"class": "representative_days_48", "label": f"{stem} (48 days)",
                    "scenario": str(ROOT / "scenarios" / f"{stem}.yaml"),
                    "overrides": {"time": {"mode": "representative_days", "representative_days": 48}}})
    for years in (1, 2):
        out.append({"class": HOURLY_ONE_YEAR if years == 1 else HOURLY_MULTI_YEAR, "label": f"pypsa_equal {years}-year",
                    "scenario": "pypsa_equal", "years": years, "overrides": {}})
    for stem in ("jiangsu_auto_parts_2027", "shaoguan_data_centre_2027", "suzhou_electronics_2027"):
        out.append({"class": HOURLY_ONE_YEAR, "label": f"{stem} hourly, 2026 only",
                    "scenario": str(ROOT / "scenarios" / f"{stem}.yaml"),
                    "overrides": {"time": {"mode": "hourly"}, "horizon": {"target_year": 2026, "end_year": 2026}}})
    for stem, year in (("jiangsu_auto_parts_2027", 2026), ("jiangsu_auto_parts_2030", 2032),
                       ("shaoguan_data_centre_2030", 2026), ("suzhou_electronics_2030", 2030)):
        out.append({"class": HOURLY_YEAR_DISPATCH, "label": f"{stem} hourly, {year} on the typical-day plan",
                    "scenario": str(ROOT / "scenarios" / f"{stem}.yaml"), "overrides": {"time": {"mode": "hourly"}},
                    "dispatch_year": year})
    if heavy:
        for stem, years in (("jiangsu_auto_parts_2027", 2), ("jiangsu_auto_parts_2030", 5)):  # years to the target
            out.append({"class": HOURLY_MULTI_YEAR, "label": f"{stem} hourly ({years}-year target)",
                        "scenario": str(ROOT / "scenarios" / f"{stem}.yaml"), "overrides": {"time": {"mode": "hourly"}},
                        "heavy": True})
    return out


def run_child(case: dict, method: str, time_limit_s: float) -> dict:
    cfg = {**case, "method": method, "time_limit_s": time_limit_s, "bench_dir": str(ROOT / "benchmarks")}
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cfg)], capture_output=True, text=True, env=env,
                       timeout=time_limit_s * 3 + 600)
    if p.returncode != 0:
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"}
    row = json.loads(p.stdout.strip().splitlines()[-1])
    row["wall_s"] = time.perf_counter() - t
    return row


def measure(case: dict, methods: tuple, repeats: int, time_limit_s: float) -> dict:
    runs: dict[str, list[dict]] = {mt: [] for mt in methods}
    for r in range(repeats):
        order = methods if r % 2 == 0 else tuple(reversed(methods))  # alternate: both ends see the same load
        for mt in order:
            runs[mt].append(run_child(case, mt, time_limit_s))
    med, size = {}, (None, None)
    for mt, rows in runs.items():
        ok = [x for x in rows if "error" not in x]
        if not ok:
            med[mt] = {"error": rows[0]["error"]}
            continue
        med[mt] = {"highs_s": statistics.median(x["highs_s"] for x in ok), "status": ok[0]["status"],
                   "objective": ok[0]["objective"], "peak_rss_mb": statistics.median(x["peak_rss_mb"] for x in ok),
                   "simplex_iterations": ok[0]["simplex_iterations"], "ipm_iterations": ok[0]["ipm_iterations"],
                   "crossover_iterations": ok[0]["crossover_iterations"]}
        size = (ok[0]["columns"], ok[0]["rows"])
    optimal = {mt: v for mt, v in med.items() if v.get("status") == "Optimal"}
    objs = [v["objective"] for v in optimal.values()]
    spread = (max(objs) - min(objs)) / max(1.0, abs(max(objs))) if objs else None
    fastest = min(optimal, key=lambda mt: optimal[mt]["highs_s"]) if optimal else None
    return {"class": case["class"], "case": case["label"], "columns": size[0], "rows": size[1], "repeats": repeats,
            "methods": med, "fastest": fastest, "objective_rel_spread": spread}


def auto_pick(row: dict) -> str:
    """What method 'auto' takes for a case of this class (48 typical days are typical days)."""
    from pathway.solve.options import REPRESENTATIVE_DAYS, resolve_method

    cls = REPRESENTATIVE_DAYS if row["class"].startswith(REPRESENTATIVE_DAYS) else row["class"]
    return resolve_method("auto", cls)


TIE = 0.05  # summed times this close count as equal (run-to-run spread on this machine is a few per cent)


def choose(total_s: dict, mean_peak_rss_mb: dict) -> str:
    """The class's method: the least summed HiGHS time; methods within ``TIE`` of it are a tie,
    broken by the least mean peak memory (the issue's second target)."""
    best = min(total_s.values())
    tied = [mt for mt, t in total_s.items() if t <= best * (1 + TIE)]
    return min(tied, key=lambda mt: (mean_peak_rss_mb[mt], total_s[mt]))


def summarise(rows: list[dict], methods: tuple) -> dict:
    """Per class: cases, summed HiGHS seconds and mean peak memory per method (cases where
    every method found an optimum), the choice (``choose``), auto's pick and how it fared."""
    by_class: dict[str, dict] = {}
    for r in rows:
        c = by_class.setdefault(r["class"], {"cases": 0, "auto_fastest": 0, "worst_auto_vs_fastest": 1.0,
                                             "total_s": {mt: 0.0 for mt in methods},
                                             "mean_peak_rss_mb": {mt: 0.0 for mt in methods}, "auto": r["auto"]})
        if r["fastest"] is None:  # no optimum (an unreachable target): nothing to compare
            continue
        c["cases"] += 1
        c["auto_fastest"] += int(r["fastest"] == r["auto"])
        c["worst_auto_vs_fastest"] = max(c["worst_auto_vs_fastest"], r["auto_vs_fastest"] or 1.0)
        for mt, v in r["methods"].items():
            c["total_s"][mt] += v.get("highs_s", float("nan"))
            c["mean_peak_rss_mb"][mt] += v.get("peak_rss_mb", float("nan"))
    for c in by_class.values():
        c["mean_peak_rss_mb"] = {mt: v / max(1, c["cases"]) for mt, v in c["mean_peak_rss_mb"].items()}
        c["choice"] = choose(c["total_s"], c["mean_peak_rss_mb"])
    return by_class


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--heavy", action="store_true", help="add the hourly automotive plant, 2 and 5 years")
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--repeats", type=int, default=3, help="rounds per case (heavy cases: 1)")
    ap.add_argument("--time-limit", type=float, default=1200.0, help="HiGHS seconds per solve")
    ap.add_argument("--only", help="only the cases whose label contains this text")
    args = ap.parse_args()
    rows = []
    for case in cases(args.heavy):
        if args.only and args.only not in case["label"]:
            continue
        reps = 1 if case.get("heavy") else args.repeats
        print(f"{case['class']:<24}{case['label']:<46}", end="", flush=True)
        row = measure(case, tuple(args.methods), reps, args.time_limit)
        row["auto"] = auto_pick(row)
        best = row["methods"].get(row["fastest"], {}).get("highs_s")
        picked = row["methods"].get(row["auto"], {}).get("highs_s")
        row["auto_vs_fastest"] = picked / best if best and picked else None
        rows.append(row)
        cells = "  ".join(f"{mt} {v['highs_s']:7.2f}s" + ("*" if v.get("status") != "Optimal" else "")
                          if "highs_s" in v else f"{mt} error" for mt, v in row["methods"].items())
        print(f"{str(row['columns']):>8} cols  {cells}  fastest {row['fastest']}  auto {row['auto']}"
              f" ({row['auto_vs_fastest'] or float('nan'):.2f}x)", flush=True)
    if args.only and OUT.is_file():  # a partial campaign: keep the recorded cases it did not re-measure
        known = {c["label"]: c["class"] for c in cases(heavy=True)}
        done = {r["case"] for r in rows}
        kept = [c for c in json.loads(OUT.read_text())["cases"] if c["case"] not in done and c["case"] in known]
        for c in kept:
            c["class"] = known[c["case"]]
            c["auto"] = auto_pick(c)
            best = c["methods"].get(c["fastest"], {}).get("highs_s")
            picked = c["methods"].get(c["auto"], {}).get("highs_s")
            c["auto_vs_fastest"] = picked / best if best and picked else None
        order = list(known)
        rows = sorted(kept + rows, key=lambda r: order.index(r["case"]))
    bad = [r for r in rows if r["objective_rel_spread"] is not None and r["objective_rel_spread"] > 1e-6]
    for r in bad:
        print(f"objectives disagree in {r['case']}: relative spread {r['objective_rel_spread']:.2e}")
    by_class = summarise(rows, tuple(args.methods))
    print(f"\nper class: summed HiGHS seconds and mean peak memory per method; the choice is the least total"
          f" time, totals within {TIE:.0%} of it counting as a tie broken by the least mean peak memory")
    for name, c in by_class.items():
        tot = "  ".join(f"{mt} {c['total_s'][mt]:8.1f}s {c['mean_peak_rss_mb'][mt]:5.0f}MB" for mt in c["total_s"])
        print(f"  {name:<24} {c['cases']:>2} cases  {tot}  choice {c['choice']}, auto {c['auto']}; auto fastest in"
              f" {c['auto_fastest']}/{c['cases']}, at worst {c['worst_auto_vs_fastest']:.2f}x the fastest")
    import highspy

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "what": "HiGHS LP method per model class (benchmarks/bench_methods.py): HiGHS seconds of the direct-route LP, "
                "crossover on, medians of alternating fresh-process runs",
        "date": time.strftime("%Y-%m-%d"), "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                                                    capture_output=True, text=True).stdout.strip(),
        "highspy": highspy.__version__ if hasattr(highspy, "__version__") else None,
        "python": platform.python_version(), "cpus": os.cpu_count(), "load_average": os.getloadavg(),
        "time_limit_s": args.time_limit, "tie": TIE, "classes": by_class, "cases": rows}, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
