"""The fuzz campaign (``make fuzz``): mutated bundled scenarios through ``pathway validate``
and ``pathway run``, counting tracebacks, hangs over the time limit and scenarios that
validate but that run then rejects with exit 2.

    python tests/fuzz_campaign.py [--validate 5000] [--run 300] [--cli-every 25] [--seed 0]

Validate runs in-process (typer's CliRunner, with an alarm as the time limit), and every
``--cli-every``-th mutant also through the ``pathway`` command in a subprocess; runs are
subprocesses of ``python -m pathway.cli run`` (report and workbook included) with a 60 s
timeout. One worker: the machine is shared. Counts and the first few defects go to
``benchmarks/results/fuzz.json`` (paths relative to the mutant folder); each defective
mutant is kept under ``out/fuzz-defects/`` to reproduce it."""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz_mutants import ROOT, classify_run, classify_validate, write_mutant  # noqa: E402

TIMEOUT_S = 60
RESULTS = ROOT / "benchmarks" / "results" / "fuzz.json"
DEFECTS = ROOT / "out" / "fuzz-defects"


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


def validate_in_process(path: Path) -> tuple[int, str, BaseException | None, float]:
    from typer.testing import CliRunner

    from pathway.cli import app

    t0 = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        r = CliRunner().invoke(app, ["validate", str(path)])
    except _Hang:
        return -1, "", None, time.perf_counter() - t0
    finally:
        signal.alarm(0)
    if isinstance(r.exception, _Hang):
        return -1, "", None, time.perf_counter() - t0
    return r.exit_code, r.stderr + r.stdout, r.exception, time.perf_counter() - t0


def cli(args: list[str], cwd: Path) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-m", "pathway.cli", *args], capture_output=True, text=True,
                           timeout=TIMEOUT_S, cwd=cwd, errors="replace")
    except subprocess.TimeoutExpired:
        return -1, "", time.perf_counter() - t0
    return p.returncode, p.stderr + p.stdout, time.perf_counter() - t0


def _keep(folder: Path, tag: str, seed: int) -> str:
    dest = DEFECTS / f"{tag}-{seed}"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("out"))
    return str(dest.relative_to(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--validate", type=int, default=5000)
    ap.add_argument("--run", type=int, default=300)
    ap.add_argument("--cli-every", type=int, default=25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--results", type=Path, default=RESULTS)
    a = ap.parse_args(argv)
    counts = {"validate_mutants": 0, "validate_cli_mutants": 0, "validate_exit_0": 0, "validate_exit_2": 0,
              "run_mutants": 0, "run_exit_0": 0, "run_exit_3": 0, "tracebacks": 0, "hangs_over_60_s": 0,
              "validate_passes_run_rejects": 0, "other_defects": 0}
    defects: list[dict] = []
    slowest = {"validate_s": 0.0, "run_s": 0.0}
    t_start = time.perf_counter()

    def record(kind: str, seed: int, folder: Path, what: str, text: str) -> None:
        key = ("hangs_over_60_s" if what == "hang" else "tracebacks" if what.startswith(("traceback", "exception"))
               else "validate_passes_run_rejects" if what.startswith("validate passes") else "other_defects")
        counts[key] += 1
        if len(defects) < 50:
            tail = [ln.replace(str(folder), "<mutant>").replace(str(ROOT), "<repo>")
                    for ln in text.strip().splitlines() if ln.strip()][-3:]  # no machine paths in the record
            defects.append({"stage": kind, "seed": seed, "defect": what[:300], "message": tail,
                            "kept": _keep(folder, kind, seed)})
        print(f"DEFECT {kind} seed={seed}: {what[:200]}", flush=True)

    def save(complete: bool) -> dict:
        result = {"what": "make fuzz: mutated bundled scenarios through pathway validate and pathway run",
                  "complete": complete, "seed": a.seed, "timeout_s": TIMEOUT_S, "counts": counts,
                  "slowest_s": {k: round(v, 2) for k, v in slowest.items()},
                  "wall_s": round(time.perf_counter() - t_start, 1), "defects": defects}
        a.results.parent.mkdir(parents=True, exist_ok=True)
        a.results.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return result

    attempts = 0

    def one_run(tmp: Path) -> None:
        """Mild mutants until one validates (at most 50 tries), then run it."""
        nonlocal attempts
        for _ in range(50):
            seed = a.seed * 1_000_000 + 500_000 + attempts
            attempts += 1
            folder = tmp / f"r{attempts}"
            path = write_mutant(folder, random.Random(seed), mild=True)
            code, text, exc, _ = validate_in_process(path)
            if code != 0 or exc is not None:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            counts["run_mutants"] += 1
            code, text, dt = cli(["run", "scenario.yaml", "--out", "out", "-q"], folder)
            slowest["run_s"] = max(slowest["run_s"], dt)
            what = "hang" if code == -1 else classify_run(code, text)
            if what:
                record("run", seed, folder, what, text)
            elif code == 0:
                counts["run_exit_0"] += 1
            else:
                counts["run_exit_3"] += 1
            shutil.rmtree(folder, ignore_errors=True)
            return

    # validate and run mutants interleaved (a run every validate/run mutants), so that the
    # counts saved along the way are a fair sample of both stages
    with tempfile.TemporaryDirectory(prefix="pathway-fuzz-") as tmp:
        tmp = Path(tmp)
        for i in range(max(a.validate, 1)):
            if i < a.validate:
                seed = a.seed * 1_000_000 + i
                folder = tmp / f"v{i}"
                path = write_mutant(folder, random.Random(seed))
                code, text, exc, dt = validate_in_process(path)
                slowest["validate_s"] = max(slowest["validate_s"], dt)
                counts["validate_mutants"] += 1
                what = "hang" if code == -1 else classify_validate(code, text, exc)
                if what is None and i % a.cli_every == 0:
                    counts["validate_cli_mutants"] += 1
                    code2, text2, dt2 = cli(["validate", "scenario.yaml"], folder)
                    what = "hang" if code2 == -1 else classify_validate(code2, text2)
                    if what is None and code2 != code:
                        what = f"CLI exit {code2} differs from in-process exit {code}"
                    text = text2
                if what:
                    record("validate", seed, folder, what, text)
                elif code == 0:
                    counts["validate_exit_0"] += 1
                else:
                    counts["validate_exit_2"] += 1
                shutil.rmtree(folder, ignore_errors=True)
            while counts["run_mutants"] < a.run * (i + 1) / max(a.validate, 1) and attempts < a.run * 50:
                one_run(tmp)
            if i % 100 == 0:
                save(False)
                print(f"{i}/{a.validate} {time.perf_counter() - t_start:.0f}s {counts}", flush=True)
    result = save(True)
    print(json.dumps(result["counts"]), flush=True)
    bad = counts["tracebacks"] + counts["hangs_over_60_s"] + counts["validate_passes_run_rejects"] + counts["other_defects"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
