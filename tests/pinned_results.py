"""Pinned results of the bundled scenarios: how they are stored, compared and regenerated.

Every bundled scenario's ``summary.json`` and its tables (all but ``dispatch``, the
largest and fully determined by the others' inputs) are stored under
``tests/pinned/<scenario>/``. ``tests/test_scenarios.py`` re-solves each scenario and
compares with :func:`compare_run` to 1e-6 relative. A commit that changes these numbers
on purpose regenerates them (``python tests/pinned_results.py``) and says why.

Fields that describe the machine or the package rather than the result
(``package_version``, ``scenario_files``) are not pinned.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PINNED = Path(__file__).resolve().parent / "pinned"
SKIP_TABLES = {"dispatch"}
SKIP_KEYS = {"package_version", "scenario_files"}
RTOL = 1e-6


def _summary(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in SKIP_KEYS}


def store(name: str, summary: dict, tables: dict[str, pd.DataFrame]) -> None:
    folder = PINNED / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    (folder / "summary.json").write_text(json.dumps(_summary(summary), indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    for t, df in tables.items():
        if t not in SKIP_TABLES:
            df.to_csv(folder / f"{t}.csv", index=False)


def _close(a, b, scale: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a == b
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) + 1e-9 * scale + 1e-9


def _diff_json(a, b, path: str, out: list[str], scale: float) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: {'missing now' if k not in b else 'new'}")
            else:
                _diff_json(a[k], b[k], f"{path}.{k}", out, scale)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} -> {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _diff_json(x, y, f"{path}[{i}]", out, scale)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if not _close(a, b, scale):
            out.append(f"{path}: pinned {a!r}, now {b!r}")
    elif a != b:
        out.append(f"{path}: pinned {a!r}, now {b!r}")


def _diff_table(name: str, pinned: pd.DataFrame, now: pd.DataFrame, out: list[str]) -> None:
    if list(pinned.columns) != list(now.columns):
        out.append(f"{name}: columns {list(pinned.columns)} -> {list(now.columns)}")
        return
    if len(pinned) != len(now):
        out.append(f"{name}: {len(pinned)} rows pinned, {len(now)} now")
        return
    for col in pinned.columns:
        a, b = pinned[col], now[col]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x, y = a.to_numpy(float), b.to_numpy(float)
            scale = float(np.nanmax(np.abs(x))) if np.isfinite(x).any() else 0.0
            atol = 1e-9 * scale + 1e-9
            if name == "checks" and col == "abs_error" and "tolerance" in pinned.columns:
                # a check's error is float rounding of the solver and numpy (1e-16 .. 1e-7 of the
                # compared sums), which moves with their versions: pinned to a millionth of what
                # the check allows (lhs, rhs, tolerance and passed stay pinned to 1e-6 relative)
                atol = np.maximum(atol, RTOL * pinned["tolerance"].to_numpy(float))
            ok = np.isclose(x, y, rtol=RTOL, atol=atol, equal_nan=True)
            if not ok.all():
                i = int(np.argmin(ok))
                out.append(f"{name}.{col}: {int((~ok).sum())} values differ, first row {i}: pinned {x[i]!r}, now {y[i]!r}")
        else:
            sa, sb = a.astype(str).where(a.notna(), ""), b.astype(str).where(b.notna(), "")
            bad = sa.to_numpy() != sb.to_numpy()
            if bad.any():
                i = int(np.argmax(bad))
                out.append(f"{name}.{col}: {int(bad.sum())} values differ, first row {i}: pinned {sa.iloc[i]!r}, now {sb.iloc[i]!r}")


def compare_run(name: str, summary: dict, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Differences between a fresh run and its pins, one readable line each (empty: equal)."""
    import io

    folder = PINNED / name
    if not folder.exists():
        return [f"no pinned results for {name}: run python tests/pinned_results.py"]
    out: list[str] = []
    pinned = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    now = json.loads(json.dumps(_summary(summary), ensure_ascii=False))
    _diff_json(pinned, now, "summary", out, float(abs(summary.get("total_cost_npv_cny") or 1.0)))
    names = {p.stem for p in folder.glob("*.csv")}
    now_names = {t for t in tables if t not in SKIP_TABLES}
    for t in sorted(names ^ now_names):
        out.append(f"table {t}: {'missing now' if t in names else 'new, not pinned'}")
    for t in sorted(names & now_names):
        buf = io.StringIO()
        tables[t].to_csv(buf, index=False)  # the same round trip through CSV as the pins
        buf.seek(0)
        _diff_table(t, pd.read_csv(folder / f"{t}.csv"), pd.read_csv(buf), out)
    return out


def compare_diagnosis(name: str, diagnosis: dict) -> list[str]:
    """Differences between an infeasible run's diagnosis and its pin."""
    path = PINNED / name / "diagnosis.json"
    if not path.exists():
        return [f"no pinned diagnosis for {name}: run python tests/pinned_results.py"]
    out: list[str] = []
    now = json.loads(json.dumps(diagnosis, ensure_ascii=False))
    _diff_json(json.loads(path.read_text(encoding="utf-8")), now, "diagnosis", out, 1.0)
    return out


def regenerate(paths: list[Path]) -> None:
    from pathway.errors import InfeasibleTargetError
    from pathway.runs.pipeline import run_file

    for p in paths:
        try:
            r = run_file(p)
        except InfeasibleTargetError as exc:
            folder = PINNED / p.stem
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "diagnosis.json").write_text(json.dumps(exc.diagnosis, indent=1, sort_keys=True, ensure_ascii=False)
                                                   + "\n", encoding="utf-8")
            print(f"{p.stem}: infeasible, diagnosis pinned")
            continue
        store(p.stem, r.summary, r.tables)
        print(f"{p.stem}: pinned ({len(r.tables)} tables)")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]] or sorted((ROOT / "scenarios").glob("*.yaml"))
    regenerate(args)
