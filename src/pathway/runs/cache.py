"""The batch cache: a finished run is stored under DIR/cache/<key>.pkl, the key hashing the
scenario, the CSV inputs it names, the package code and the solver options."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

from pathway import __version__
from pathway.files import atomic_write
from pathway.scenario.loader import LoadedScenario
from pathway.solve.options import SolverOptions

_CODE_FINGERPRINT: str | None = None


def code_fingerprint() -> str:
    """SHA-256 of the package's source and data files: a cached result is reused only by
    the code that made it (the version number alone does not change with every commit)."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        root = Path(__file__).parents[1]  # the pathway package
        h = hashlib.sha256()
        for f in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".csv", ".yaml") and "__pycache__" not in p.parts):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
        _CODE_FINGERPRINT = h.hexdigest()
    return _CODE_FINGERPRINT


def input_files_sha256(loaded: LoadedScenario) -> dict[str, str]:
    """SHA-256 of the CSV files the scenario names (profiles): their content is not in the
    scenario hash. Paths resolve against each file of the extends chain."""
    found: dict[str, str] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "csv" and isinstance(v, str):
                    for base in [loaded.path, *loaded.files]:
                        f = (Path(base).parent / v)
                        if f.is_file():
                            found[v] = hashlib.sha256(f.read_bytes()).hexdigest()
                            break
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(loaded.data)
    return found


def cache_key(loaded: LoadedScenario, opts: SolverOptions, engine: str) -> str:
    """Key of a run in the cache: the scenario hash, the CSV inputs it names, the package
    code, the solver options and the engine."""
    blob = {"scenario": loaded.sha256, "inputs": input_files_sha256(loaded), "version": __version__,
            "code": code_fingerprint(), "route": opts.route, "method": opts.method, "crossover": opts.crossover,
            "time_limit_s": opts.time_limit_s, "engine": engine}
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


def cache_path(out_dir: Path, key: str) -> Path:
    return Path(out_dir) / "cache" / f"{key}.pkl"


def read_cache(out_dir: Path, key: str) -> dict | None:
    """The cached result dict of ``key``, or None (missing or unreadable)."""
    p = cache_path(out_dir, key)
    if not p.is_file():
        return None
    try:
        with p.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own cache, in the user's output folder
    except Exception:  # noqa: BLE001 - a damaged entry is recomputed
        return None


def write_cache(out_dir: Path, key: str, res: dict) -> None:
    """Write a result dict atomically (temporary file, then rename)."""
    p = cache_path(out_dir, key)
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(p, lambda tmp: tmp.write_bytes(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL)))
