"""Batch throughput against a baseline measured in the same run: a price sweep re-solved on
one persistent model, the BAU twin per worker, and a portfolio of factories.

    python benchmarks/bench_batch.py --base 13924d2                  # 100 factories, 16-run sweep
    python benchmarks/bench_batch.py --base 13924d2 --factories 20 --repeats 3
    python benchmarks/bench_batch.py                                 # this tree only, no baseline

``--base REV``: the baseline is that commit, checked out once as a detached worktree
``/tmp/base-bench-<rev>`` (``git worktree add --detach``); every measurement runs in a fresh
Python process on one tree's ``src`` (PYTHONPATH), base and this tree alternating
(``--repeats`` rounds, medians reported), each with a fresh cache folder
(``PATHWAY_CACHE_DIR``) that holds the book's PV profiles and representative days computed
beforehand, and no BAU or batch cache: every BAU twin and every run is solved.

Targets (issue 14, point 4):

* **sweep**: the 16-run certificate x carbon price grid on the Jiangsu 2030 plant
  (``pathway sweep``'s persistent re-solve route, one task of 16 runs in this process):
  seconds per run after the first, (wall - first run) / 15, at most 0.3 s;
* **BAU per worker**: BAU twins built (cold) per worker in that sweep: 1 (the others
  re-solved warm or shared), and the share of a re-solved run spent on BAU;
* **portfolio**: ``--factories`` variants of the bundled scenarios (scenarios/*.yaml, taken
  in turn, baseline and production scaled by a seeded factor in [0.6, 1.4]) on the local
  process pool with 2 workers: CPU seconds per factory (this process and its workers, worker
  start-up included) at most 1.0, i.e. 1,000 factories in at most ~8.3 min on 2 free cores.

Identity: the sweep's runs re-solved persistently against the same runs rebuilt one by one
(this tree), and this tree's rebuilt runs against the baseline's (every table, every run:
the largest difference relative to the table's largest value), and the portfolio's costs.

Writes benchmarks/results/batch.json (no absolute paths) and prints a table. Other work on
the machine skews the seconds: the load average and what two processes get from the machine
(a pure-Python loop on 1 and on 2 processes; 2.0x on two free cores) are recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
SWEEP_SCENARIO = "scenarios/jiangsu_auto_parts_2030.yaml"
SWEEP_SETS = {"prices.gec_cny_per_mwh": [2, 10, 30, 60], "prices.carbon_price_cny_per_t": [0, 50, 100, 150]}
TARGETS = {"sweep_s_per_run_after_first": 0.3, "portfolio_cpu_s_per_factory": 1.0, "bau_builds_per_worker": 1}
BASELINE_SCALED = ("electricity_mwh", "purchased_heat_gj", "process_co2_t", "green_power_mwh", "green_certificates_mwh",
                   "onsite_pv_mwh")


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _burn(n: int = 20_000_000) -> float:
    t = time.perf_counter()
    s = 0
    for i in range(n):
        s += i
    return time.perf_counter() - t


def machine_parallelism() -> float:
    """What 2 processes get from this machine right now: the time of one pure-Python loop
    alone x 2 / the wall time of two such loops at once (2.0 on two free cores; less when
    other work holds a core)."""
    import multiprocessing

    one = _burn()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_burn, [1000, 1000])  # start-up outside the timing
        t = time.perf_counter()
        pool.map(_burn, [20_000_000, 20_000_000])
        two = time.perf_counter() - t
    return 2 * one / two


# ---------------------------------------------------------------------------------------
# the book of factories
# ---------------------------------------------------------------------------------------


def make_book(folder: Path, n: int, seed: int = 2026, days: int | None = None, root: Path = ROOT) -> list[Path]:
    """``n`` scaled variants of the bundled scenarios of ``root`` as YAML files in ``folder``."""
    from pathway.reference.validate import load_scenario

    templates = sorted((root / "scenarios").glob("*.yaml"))
    rng = np.random.default_rng(seed)
    files = []
    for i in range(n):
        t = templates[i % len(templates)]
        f = float(rng.uniform(0.6, 1.4))
        merged = load_scenario(t).data  # the bundled file may extend another: the merged numbers
        base = merged["baseline"]
        ov_base = {k: base[k] * f for k in BASELINE_SCALED if isinstance(base.get(k), (int, float)) and base[k]}
        fuels = {k: v * f for k, v in (base.get("fuels") or {}).items() if isinstance(v, (int, float)) and v}
        if fuels:
            ov_base["fuels"] = fuels
        doc = {"extends": str(t), "name": f"{merged['name']}_v{i:03d}",
               "baseline": ov_base, "production": {"output_per_yr": merged["production"]["output_per_yr"] * f}}
        if days:
            doc["time"] = {"mode": "representative_days", "representative_days": days}
        p = folder / f"f{i:03d}_{t.stem}.yaml"
        p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        files.append(p)
    return files


def warm_inputs(files: list[Path], cache: Path) -> None:
    """PV profiles and representative days of every factory (and of the sweep's plant) into
    ``cache``: computed once here, copied into each measurement's fresh cache folder."""
    from pathway.errors import PathwayError
    from pathway.inputs.prepare import prepare
    from pathway.reference.validate import load_scenario

    os.environ["PATHWAY_CACHE_DIR"] = str(cache)
    for f in [*files, ROOT / SWEEP_SCENARIO]:
        try:
            prepare(load_scenario(f))
        except PathwayError:
            pass  # a factory the portfolio reports as failed


def fresh_cache(warm: Path) -> Path:
    d = Path(tempfile.mkdtemp(prefix="pathway-bench-cache-"))
    for sub in ("pv", "periods"):
        if (warm / sub).is_dir():
            shutil.copytree(warm / sub, d / sub)
    return d


# ---------------------------------------------------------------------------------------
# measurements, each in a fresh process on one tree (``--child``)
# ---------------------------------------------------------------------------------------


def child_sweep(root: Path, persistent: bool, dump: str | None) -> dict:
    """The 16-run sweep in this process (serial executor, one task of 16 runs), BAU solves
    counted and timed."""
    import pathway.runs.pipeline as pipeline
    from pathway.runs.sweep import plan_sweep, run_sweep

    bau = {"cold": 0, "warm": 0, "seconds": 0.0}
    real_solve, real_ref = pipeline._solve_bau, pipeline.bau_reference

    def counted_solve(*a, **k):
        out = real_solve(*a, **k)
        session = a[2] if len(a) > 2 else k.get("session")  # a BauSession (this tree), none (the baseline)
        bau["warm" if getattr(session, "engine", "build") == "resolve" else "cold"] += 1
        return out

    def timed_ref(*a, **k):
        t = time.perf_counter()
        try:
            return real_ref(*a, **k)
        finally:
            bau["seconds"] += time.perf_counter() - t

    pipeline._solve_bau, pipeline.bau_reference = counted_solve, timed_ref
    plan = plan_sweep(root / SWEEP_SCENARIO, SWEEP_SETS)
    t = time.perf_counter()
    res = run_sweep(plan, None, persistent=persistent, executor="serial", use_cache=False, chunk_size=len(plan.specs))
    wall = time.perf_counter() - t
    recs = res.records
    again = [r for r in recs[1:] if r.ok]
    if dump:
        with open(dump, "wb") as fh:
            pickle.dump([(r.status, r.summary, r.tables) for r in recs], fh)
    return {"runs": len(recs), "counts": res.counts(), "wall_s": wall, "first_run_s": recs[0].seconds,
            "s_per_run_after_first": (wall - recs[0].seconds) / (len(recs) - 1),
            "run_median_after_first_s": statistics.median(r.seconds for r in again),
            "build_plus_solve_median_after_first_s": statistics.median(r.timings.get("build", 0) + r.timings.get("solve", 0)
                                                                       for r in again),
            "engines": sorted({r.engine for r in recs}), "bau_cold": bau["cold"], "bau_warm": bau["warm"],
            "bau_s": bau["seconds"], "bau_share_of_run_time": bau["seconds"] / sum(r.seconds for r in recs),
            "costs": [r.summary["total_cost_npv_cny"] if r.summary else None for r in recs]}


def child_portfolio(files: list[str], workers: int) -> dict:
    """The book on the local pool: wall and CPU seconds (this process and its workers)."""
    import resource

    from pathway.runs.batch import RunSpec, run_batch

    def cpu(who) -> float:
        u = resource.getrusage(who)
        return u.ru_utime + u.ru_stime

    c0, k0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = run_batch([RunSpec(f, {}, Path(f).stem) for f in files], None, executor="local", workers=workers,
                    persistent=False, use_cache=False)
    wall = time.perf_counter() - t
    cpu_s = cpu(resource.RUSAGE_SELF) - c0 + cpu(resource.RUSAGE_CHILDREN) - k0  # the pool's workers have exited
    per = [r.seconds for r in res.records if r.ok]
    return {"factories": len(files), "workers": workers, "wall_s": wall, "cpu_s": cpu_s, "cpu_s_per_factory": cpu_s / len(files),
            "counts": res.counts(), "run_median_s": statistics.median(per) if per else None,
            "costs": [r.summary["total_cost_npv_cny"] if r.summary else None for r in res.records]}


def run_child(src: Path, kind: str, cache: Path, **kw) -> dict:
    """``kind`` measured in a fresh process on ``src`` (its spawned workers import it too)."""
    env = {**os.environ, "PYTHONPATH": str(src), "PATHWAY_CACHE_DIR": str(cache)}
    cmd = [sys.executable, __file__, "--child", kind, "--child-args", json.dumps(kw)]
    la0 = loadavg()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=str(src.parent))
    if out.returncode != 0:
        raise RuntimeError(f"{kind} on {src} failed:\n{out.stderr[-3000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res.update(loadavg_before=la0, loadavg_after=loadavg())
    shutil.rmtree(cache, ignore_errors=True)
    return res


# ---------------------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------------------


def max_differences(a_file: str, b_file: str) -> dict[str, float]:
    """Largest |a - b| / max|a| per table (and summary field) over the runs of two sweeps."""
    with open(a_file, "rb") as fa, open(b_file, "rb") as fb:
        a, b = pickle.load(fa), pickle.load(fb)
    worst: dict[str, float] = {}

    def upd(k, x, y):
        x, y = np.asarray(x, float), np.asarray(y, float)
        if x.shape != y.shape:
            worst[k] = float("inf")
            return
        if not x.size:
            return
        scale = max(float(np.nanmax(np.abs(x))), 1e-9)
        worst[k] = max(worst.get(k, 0.0), float(np.nanmax(np.abs(x - y))) / scale)

    for (sa, ma, ta), (sb, mb, tb) in zip(a, b):
        if sa != sb or (ma is None) != (mb is None):
            worst["status"] = float("inf")
            continue
        if ma is None:
            continue
        upd("summary:total_cost_npv_cny", [ma["total_cost_npv_cny"]], [mb["total_cost_npv_cny"]])
        for k in ("emissions_t", "capex_by_year_cny", "marginal_abatement_cost_cny_per_t"):
            upd(f"summary:{k}", [ma[k][y] or 0.0 for y in ma[k]], [mb[k].get(y) or 0.0 for y in ma[k]])
        if "loan" in ma:
            upd("summary:loan.debt_cny", [ma["loan"]["debt_cny"]], [mb["loan"]["debt_cny"]])
        for n, df in ta.items():
            if n not in tb:
                worst[f"table:{n}"] = float("inf")
                continue
            num = df.select_dtypes("number").columns
            upd(f"table:{n}", df[num].to_numpy(float), tb[n].reindex(columns=num).to_numpy(float))
    return dict(sorted(worst.items(), key=lambda kv: -kv[1]))


def same_costs(a: list, b: list, rel: float = 1e-9) -> bool:
    return len(a) == len(b) and all((x is None and y is None) or (x is not None and y is not None and abs(x - y) <= rel * abs(x))
                                    for x, y in zip(a, b))


def base_tree(rev: str) -> tuple[Path, str]:
    """The src folder of ``rev`` in a detached worktree /tmp/base-bench-<short rev> (made once)."""
    full = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    short = full[:7]
    tree = Path(tempfile.gettempdir()) / f"base-bench-{short}"
    if not (tree / "src" / "pathway").is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), full], cwd=ROOT, check=True, capture_output=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tree, capture_output=True, text=True, check=True).stdout.strip()
    if head != full:
        raise SystemExit(f"{tree} is at {head[:7]}, not {short}: remove it (git worktree remove) and run again")
    return tree / "src", short


# ---------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default=None, help="Baseline commit (a detached worktree under /tmp); none: this tree only.")
    ap.add_argument("--factories", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1, help="Rounds of base/this-tree measurements (medians).")
    ap.add_argument("--days", type=int, default=None, help="Representative days of the book (default: each scenario's own).")
    ap.add_argument("--skip-portfolio", action="store_true")
    ap.add_argument("--skip-identity", action="store_true", help="No rebuilt sweeps (the identity checks).")
    ap.add_argument("--speedup", action="store_true", help="Also run this tree's book on 1 worker (speed-up 1 -> 2 workers).")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-args", default="{}", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:  # a measurement process: PYTHONPATH names the tree
        kw = json.loads(args.child_args)
        root = Path(os.environ["PYTHONPATH"]).parent
        res = child_sweep(root, **kw) if args.child == "sweep" else child_portfolio(**kw)
        print(json.dumps(res, default=str))
        return

    sys.path.insert(0, str(ROOT / "src"))
    from pathway import __version__

    trees = {"new": ROOT / "src"}
    info = {"package_version": __version__, "python": sys.version.split()[0], "platform": platform.platform(),
            "cpus": os.cpu_count(), "loadavg_start": loadavg(), "machine_parallelism_start": machine_parallelism()}
    info["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True).stdout.strip()
    if args.base:
        trees["base"], info["base_commit"] = base_tree(args.base)
    order = [k for k in ("base", "new") if k in trees]
    work = Path(tempfile.mkdtemp(prefix="pathway-bench-"))
    warm = work / "warm-cache"
    book = make_book(work, args.factories, days=args.days) if not args.skip_portfolio else []
    t0 = time.perf_counter()
    warm_inputs(book, warm)
    info["warm_inputs_s"] = time.perf_counter() - t0
    meas: dict[str, dict[str, list]] = {k: {"sweep": [], "portfolio": []} for k in trees}
    dumps = {k: str(work / f"sweep-persistent-{k}.pkl") for k in trees}
    for rep in range(args.repeats):
        for k in (order if rep % 2 == 0 else order[::-1]):  # alternate which tree goes first
            meas[k]["sweep"].append(run_child(trees[k], "sweep", fresh_cache(warm), persistent=True,
                                              dump=dumps[k] if rep == 0 else None))
            if book:
                meas[k]["portfolio"].append(run_child(trees[k], "portfolio", fresh_cache(warm), files=[str(f) for f in book],
                                                      workers=args.workers))
    identity: dict = {}
    if not args.skip_identity:
        rebuilt = {k: str(work / f"sweep-rebuild-{k}.pkl") for k in trees}
        for k in order:
            identity[f"rebuild_{k}"] = {kk: v for kk, v in run_child(trees[k], "sweep", fresh_cache(warm), persistent=False,
                                                                    dump=rebuilt[k]).items() if kk != "costs"}
        identity["persistent_vs_rebuild_new"] = max_differences(rebuilt["new"], dumps["new"])
        if "base" in trees:
            identity["rebuild_new_vs_rebuild_base"] = max_differences(rebuilt["base"], rebuilt["new"])
            identity["persistent_new_vs_persistent_base"] = max_differences(dumps["base"], dumps["new"])
    speedup = None
    if args.speedup and book:
        one = run_child(trees["new"], "portfolio", fresh_cache(warm), files=[str(f) for f in book], workers=1)
        one.pop("costs", None)
        two = statistics.median(m["wall_s"] for m in meas["new"]["portfolio"])
        speedup = {"one_worker": one, "speedup_1_to_2_workers": one["wall_s"] / two}
    info["machine_parallelism_end"] = machine_parallelism()
    info["loadavg_end"] = loadavg()

    def med(k: str, what: str, field: str):
        vals = [m[field] for m in meas[k][what] if m.get(field) is not None]
        return statistics.median(vals) if vals else None

    rows, targets = [], {}

    def target(name: str, label: str, unit: str, what: str, field: str, limit: float, fmt: str) -> None:
        new, base = med("new", what, field), med("base", what, field) if "base" in trees else None
        ratio = base / new if base and new else None
        met = new is not None and new <= limit
        targets[name] = {"measured": new, "baseline": base, "ratio_baseline_over_new": ratio, "target": limit, "met": met}
        rows.append((label, f"{new:{fmt}} {unit}" if new is not None else "-",
                     f"{base:{fmt}} {unit}" if base is not None else "-", f"{ratio:.2f}x" if ratio else "-",
                     f"<= {limit:g} {unit}", "met" if met else "NOT met"))

    target("sweep_s_per_run_after_first", "sweep: s per run after the first", "s", "sweep", "s_per_run_after_first",
           TARGETS["sweep_s_per_run_after_first"], ".3f")
    bau_builds = [(m["bau_cold"], m["bau_warm"]) for m in meas["new"]["sweep"]]
    target("bau_builds_per_worker", "sweep: BAU twins solved cold (1 worker)", "", "sweep", "bau_cold",
           TARGETS["bau_builds_per_worker"], ".0f")
    targets["bau_builds_per_worker"]["note"] = ("BAU solves from scratch in the 16-run sweep on one worker; the other "
                                                "carbon prices' BAU twins are re-solved warm (bau_warm), the certificate "
                                                "prices share them (BAU ignores them)")
    if book:
        target("portfolio_cpu_s_per_factory", f"portfolio: CPU s per factory ({args.factories}, {args.workers} workers)", "s",
               "portfolio", "cpu_s_per_factory", TARGETS["portfolio_cpu_s_per_factory"], ".2f")
    new_sweep = meas["new"]["sweep"][0]
    info_rows = [("sweep: run median after the first", med("new", "sweep", "run_median_after_first_s"),
                  med("base", "sweep", "run_median_after_first_s") if "base" in trees else None, "s"),
                 ("sweep: BAU share of the runs' time", med("new", "sweep", "bau_share_of_run_time"),
                  med("base", "sweep", "bau_share_of_run_time") if "base" in trees else None, ""),
                 ("sweep: BAU twins re-solved warm", med("new", "sweep", "bau_warm"),
                  med("base", "sweep", "bau_warm") if "base" in trees else None, ""),
                 ("sweep: build+solve median after the first", med("new", "sweep", "build_plus_solve_median_after_first_s"),
                  med("base", "sweep", "build_plus_solve_median_after_first_s") if "base" in trees else None, "s")]
    if book:
        for field, label in (("wall_s", "portfolio: wall"), ("run_median_s", "portfolio: run median")):
            info_rows.append((label, med("new", "portfolio", field), med("base", "portfolio", field) if "base" in trees else None, "s"))
        cpu = med("new", "portfolio", "cpu_s_per_factory")
        info["extrapolated_1000_factories_2_free_cores_min"] = cpu * 1000 / 2 / 60 if cpu else None
    same = {}
    if "base" in trees:
        same["sweep_costs_new_vs_base"] = same_costs(meas["base"]["sweep"][0]["costs"], new_sweep["costs"])
        if book:
            same["portfolio_costs_new_vs_base"] = same_costs(meas["base"]["portfolio"][0]["costs"], meas["new"]["portfolio"][0]["costs"])
    for k in trees:
        for what in ("sweep", "portfolio"):
            for m in meas[k][what]:
                m.pop("costs", None)
    result = {"machine": info, "book": {"factories": args.factories, "days": args.days or "each scenario's own",
                                        "workers": args.workers, "repeats": args.repeats},
              "sweep": {"scenario": SWEEP_SCENARIO, "sets": SWEEP_SETS, "runs": 16, "chunk_size": 16, "executor": "serial"},
              "targets": targets, "bau_cold_warm_new": bau_builds, "portfolio_speedup": speedup, "same_costs": same, "identity_max_rel_difference": identity,
              "measurements": meas}
    out = ROOT / "benchmarks" / "results" / "batch.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)

    print(f"pathway {__version__} · {info['git_commit']} vs base {info.get('base_commit', '-')} · {info['cpus']} cpus · "
          f"load average {info['loadavg_start']} -> {info['loadavg_end']} · 2 processes got "
          f"{info['machine_parallelism_start']:.2f}x / {info['machine_parallelism_end']:.2f}x · medians of {args.repeats}")
    head = ("target", "this tree", "baseline", "ratio", "target", "")
    w = [max(len(str(r[i])) for r in [head, *rows]) for i in range(6)]
    for r in [head, *rows]:
        print("  ".join(f"{str(c):<{w[i]}}" for i, c in enumerate(r)))
    for label, new, base, unit in info_rows:
        print(f"  {label}: {new if new is None else f'{new:.3f}'} {unit} (baseline {base if base is None else f'{base:.3f}'} {unit})")
    if "extrapolated_1000_factories_2_free_cores_min" in info and info["extrapolated_1000_factories_2_free_cores_min"]:
        print(f"  1,000 factories on 2 free cores (CPU / 2): {info['extrapolated_1000_factories_2_free_cores_min']:.1f} min")
    if speedup:
        print(f"  portfolio speed-up 1 -> {args.workers} workers: {speedup['speedup_1_to_2_workers']:.2f}x")
    for k, v in same.items():
        print(f"  {k}: {v}")
    for k, v in identity.items():
        if k in ("rebuild_base", "rebuild_new"):
            continue
        top = list(v.items())[:3]
        print(f"  {k}: largest relative differences " + ", ".join(f"{n} {d:.1e}" for n, d in top))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
