"""Time load, build, solve and result extraction of one scenario, per time mode, solver
route and LP method, each configuration in a fresh process (so peak memory is its own).

    python benchmarks/bench_run.py                 # everything (hourly runs take minutes each)
    python benchmarks/bench_run.py --quick         # representative days only
    python benchmarks/bench_run.py --scenario scenarios/x.yaml --days 12

Writes benchmarks/results/run.json and prints a table. Compare rows within one run: one
machine's absolute seconds mean little, ratios between configurations do.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rel(path: str | Path) -> str:
    """``path`` relative to the repository root (the results must not record this machine's folders)."""
    p = Path(path).resolve()
    try:
        return p.relative_to(ROOT).as_posix()
    except ValueError:
        return p.name


def scrub(text: str) -> str:
    """An error message with the repository root and temporary folders taken out."""
    return text.replace(str(ROOT) + "/", "").replace(tempfile.gettempdir() + "/", "<tmp>/")
CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from pathway.runs.pipeline import run_file
from pathway.solve import SolverOptions
t_import = time.perf_counter() - t0
cfg = json.loads(sys.argv[1])
ov = {"time": {"mode": cfg["mode"], "representative_days": cfg["days"]}}
opts = SolverOptions(route=cfg["route"], method=cfg["method"], crossover=cfg["crossover"], threads=cfg.get("threads"))
t = time.perf_counter()
r = run_file(cfg["scenario"], None, opts, overrides=ov)
total = time.perf_counter() - t
tm = r.timings_s
print(json.dumps({
    "import_s": t_import, "total_s": total, **{k + "_s": v for k, v in tm.items()},
    "objective_cny": r.summary["total_cost_npv_cny"], "variables": r.summary["model_size"]["variables"],
    "constraints": r.summary["model_size"]["constraints"],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def run_config(cfg: dict) -> dict:
    """Run ``cfg`` in a child process; the row records the scenario relative to the repository root."""
    env = dict(os.environ)
    child = {**cfg, "scenario": str(Path(cfg["scenario"]).resolve())}
    res = subprocess.run([sys.executable, "-c", CHILD, json.dumps(child)], capture_output=True, text=True, env=env)
    row = {**cfg, "scenario": rel(cfg["scenario"])}
    if res.returncode != 0:
        return {**row, "error": scrub(res.stderr.strip().splitlines()[-1]) if res.stderr.strip() else f"exit {res.returncode}"}
    return {**row, **json.loads(res.stdout.strip().splitlines()[-1])}


def cli_seconds(scenario: str, cache_dir: str | None) -> float:
    env = dict(os.environ)
    if cache_dir is not None:
        env["PATHWAY_CACHE_DIR"] = cache_dir
    exe = Path(sys.executable).with_name("pathway")
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run([str(exe), "run", scenario, "--out", out, "-q"], check=True, capture_output=True, env=env)
        return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"))
    ap.add_argument("--days", type=int, default=12)
    ap.add_argument("--quick", action="store_true", help="representative days only")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "run.json"))
    args = ap.parse_args()
    base = {"scenario": args.scenario, "days": args.days, "crossover": "on"}
    configs = []
    for route in ("compiler", "persistent"):
        for method in ("ipm", "simplex"):
            configs.append({**base, "mode": "representative_days", "route": route, "method": method})
    if not args.quick:
        configs += [
            {**base, "mode": "hourly", "route": "compiler", "method": "ipm"},
            {**base, "mode": "hourly", "route": "compiler", "method": "ipm", "crossover": "off"},
            {**base, "mode": "hourly", "route": "compiler", "method": "simplex"},
            {**base, "mode": "hourly", "route": "persistent", "method": "ipm"},
        ]
    rows = []
    print(f"load average before: {os.getloadavg()}")
    for cfg in configs:
        print(f"running {cfg['mode']} {cfg['route']} {cfg['method']} crossover={cfg['crossover']} ...", flush=True)
        rows.append(run_config(cfg))
        r = rows[-1]
        if "error" in r:
            print("  error:", r["error"])
            continue
        share = (r.get("build_s", 0) + r.get("results_s", 0) + r.get("checks_s", 0)) / r["total_s"]
        print(f"  total {r['total_s']:.2f}s build {r['build_s']:.2f}s solve {r['solve_s']:.2f}s "
              f"results {r['results_s']:.2f}s (build+extraction {share:.1%}) objective {r['objective_cny']:.6e} "
              f"peak {r['peak_rss_mb']:.0f} MB", flush=True)
    with tempfile.TemporaryDirectory() as cold:
        cli_cold = cli_seconds(args.scenario, cold)
        cli_warm = cli_seconds(args.scenario, cold)
    print(f"CLI end to end, {args.days} representative days: {cli_cold:.2f}s cold cache, {cli_warm:.2f}s warm cache")
    hourly = [r for r in rows if r.get("mode") == "hourly" and "error" not in r]
    rep = [r for r in rows if r.get("mode") == "representative_days" and r.get("route") == "compiler"
           and r.get("method") == "ipm" and "error" not in r]
    gap = None
    if hourly and rep:
        gap = abs(rep[0]["objective_cny"] - hourly[0]["objective_cny"]) / hourly[0]["objective_cny"]
        print(f"representative-day cost vs hourly cost: {gap:.4%} apart")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"rows": rows, "cli_cold_s": cli_cold, "cli_warm_s": cli_warm,
                                          "rep_vs_hourly_cost_gap": gap, "load_average": os.getloadavg(),
                                          "self_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024},
                                         indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
