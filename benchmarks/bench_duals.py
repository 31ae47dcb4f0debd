"""Issue 14, lever "interior point without crossover": on the 2-year full-hourly automotive
case, solve once with dual simplex (crossover irrelevant) and once with HiGHS interior
point and no crossover, each in a fresh process, and compare the objective and the yearly
marginal abatement cost (from the CO2 ceiling duals) to 1e-6 relative.

    python benchmarks/bench_duals.py

Writes benchmarks/results/duals.json (no paths) and prints the comparison. Minutes per
solve; never run by the tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/jiangsu_auto_parts_2027.yaml"
CHILD = r"""
import json, resource, sys, time
from pathway.reference.validate import load_scenario
from pathway.runs.pipeline import run_loaded
from pathway.solve import SolverOptions
method, crossover, scenario = sys.argv[1], sys.argv[2], sys.argv[3]
l = load_scenario(scenario, overrides={"time": {"mode": "hourly"}, "horizon": {"end_year": 2027}})
t = time.perf_counter()
r = run_loaded(l, SolverOptions(method=method, crossover=crossover))
print(json.dumps({"method": method, "crossover": crossover, "wall_s": time.perf_counter() - t,
                  "timings_s": r.timings_s, "objective_cny": r.summary["total_cost_npv_cny"],
                  "mac_cny_per_t": r.summary["marginal_abatement_cost_cny_per_t"],
                  "variables": r.summary["model_size"]["variables"],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def solve(method: str, crossover: str) -> dict:
    res = subprocess.run([sys.executable, "-c", CHILD, method, crossover, SCENARIO], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def rel_diff(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return 0.0 if a == b else float("inf")
    return abs(a - b) / max(abs(b), 1.0)


def main() -> None:
    load_start = os.getloadavg()
    simplex, ipm = solve("simplex", "on"), solve("ipm", "off")
    obj = rel_diff(ipm["objective_cny"], simplex["objective_cny"])
    mac = {y: rel_diff(ipm["mac_cny_per_t"][y], v) for y, v in simplex["mac_cny_per_t"].items()}
    ok = obj <= 1e-6 and all(d <= 1e-6 for d in mac.values())
    print(f"objective rel. diff {obj:.2e}; MAC (ceiling duals) rel. diff per year {mac}; agree to 1e-6: {ok}")
    print(f"wall simplex {simplex['wall_s']:.1f} s, ipm without crossover {ipm['wall_s']:.1f} s "
          f"(ratio {ipm['wall_s'] / simplex['wall_s']:.2f}); peak {simplex['peak_rss_mb']:.0f} / {ipm['peak_rss_mb']:.0f} MB")
    out = ROOT / "benchmarks" / "results" / "duals.json"
    out.write_text(json.dumps({"scenario": SCENARIO, "case": "hourly, 2026-2027", "simplex": simplex, "ipm_no_crossover": ipm,
                               "objective_rel_diff": obj, "mac_rel_diff": mac, "agree_1e-6": ok,
                               "load_average_start": load_start, "load_average_end": os.getloadavg()}, indent=2))
    print("wrote benchmarks/results/duals.json")


if __name__ == "__main__":
    main()
