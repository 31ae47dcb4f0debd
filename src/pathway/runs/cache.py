"""The batch cache: a finished run is stored under DIR/cache/<key>.json, the key hashing the
scenario, the CSV inputs it names, the package code and the solver options.

An entry is data only, never pickle (a file dropped into the cache must not be able to run
code): one JSON file holding the cache key, the run's record (status, summary, error,
diagnosis, engine, timings...), each table as CSV text with its column dtypes, index and the
nulls of its text columns, and a SHA-256 of all that. On read the format, checksum and key
are checked; an entry failing any of them is ignored with a ``CacheWarning`` and the run is
recomputed. One file per entry, written by atomic rename, so a reader never sees half an
entry (a truncated one fails the checksum)."""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

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


# ---------------------------------------------------------------------------------------
# entries: data only (JSON + CSV text), never pickle
# ---------------------------------------------------------------------------------------

FORMAT = "pathway-cache/2"


class CacheWarning(UserWarning):
    """A cache entry was ignored (damaged, foreign, forged or left by an old version) and the run recomputed."""


def cache_path(out_dir: Path, key: str) -> Path:
    return Path(out_dir) / "cache" / f"{key}.json"


def _table_to_entry(df: pd.DataFrame) -> dict:
    """A DataFrame as CSV text plus what CSV loses: column dtypes, the index, nulls of text columns."""
    index_names: list[str] = []
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1 or df.index.name is not None:
        index_names = [str(n) if n is not None else f"__index_{i}__" for i, n in enumerate(df.index.names)]
        df = df.copy()
        df.index.names = index_names
        df = df.reset_index()
    cols = [str(c) for c in df.columns]
    if len(set(cols)) != len(cols):
        raise ValueError("duplicate column names")
    df = df.set_axis(cols, axis=1)
    nulls = {c: [int(i) for i in np.flatnonzero(df[c].isna().to_numpy())] for c in cols
             if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])) and df[c].isna().any()}
    return {"columns": cols, "dtypes": {c: str(df[c].dtype) for c in cols}, "index": index_names,
            "nulls": nulls, "csv": df.to_csv(index=False, lineterminator="\n")}


def _table_from_entry(t: dict) -> pd.DataFrame:
    cols, dtypes = t["columns"], t["dtypes"]
    numeric = {c for c in cols if dtypes[c].startswith(("int", "uint", "float", "bool", "Int", "UInt", "Float", "boolean"))}
    text = [c for c in cols if c not in numeric]
    df = pd.read_csv(io.StringIO(t["csv"]), float_precision="round_trip", keep_default_na=False,
                     na_values={c: [""] for c in numeric}, dtype={c: str for c in text})
    if [str(c) for c in df.columns] != cols:
        raise ValueError("columns differ from the entry's list")
    for c in cols:
        if c in numeric:
            df[c] = df[c].astype(dtypes[c])
        else:
            if c in t["nulls"]:
                df.loc[t["nulls"][c], c] = None
            if dtypes[c] in ("str", "object", "string"):
                df[c] = df[c].astype(dtypes[c])
    if t["index"]:
        df = df.set_index(t["index"])
        df.index.names = [None if n.startswith("__index_") else n for n in t["index"]]
    return df


def _plain(x):
    """numpy scalars and arrays as Python values (the record is otherwise plain JSON data)."""
    if hasattr(x, "tolist"):
        return x.tolist()
    raise TypeError(f"{type(x).__name__} is not JSON data")


def _checksum(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def encode_entry(key: str, res: dict) -> str:
    """The cache entry of ``res`` (a run_one result dict) as JSON text: the key, the record,
    each table as CSV text with its dtypes, and a SHA-256 of all of it."""
    record = {k: v for k, v in res.items() if k != "tables"}
    tables = {name: _table_to_entry(df) for name, df in (res.get("tables") or {}).items()}
    body = {"format": FORMAT, "key": key, "record": json.loads(json.dumps(record, default=_plain)),
            "tables": tables if res.get("tables") is not None else None}
    return json.dumps({**body, "sha256": _checksum(body)}, ensure_ascii=False)


def decode_entry(text: str, key: str) -> dict:
    """The result dict of a cache entry; ValueError if it is not a sound entry for ``key``."""
    entry = json.loads(text)
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        raise ValueError("not a pathway cache entry of this format")
    body = {k: v for k, v in entry.items() if k != "sha256"}
    if entry.get("sha256") != _checksum(body):
        raise ValueError("checksum mismatch (damaged or edited)")
    if entry.get("key") != key:
        raise ValueError(f"entry is for key {str(entry.get('key'))[:12]}…, not this run")
    res = dict(entry["record"])
    if not isinstance(res.get("status"), str):
        raise ValueError("no status")
    tabs = entry.get("tables")
    res["tables"] = None if tabs is None else {name: _table_from_entry(t) for name, t in tabs.items()}
    return res


def read_cache(out_dir: Path, key: str) -> dict | None:
    """The cached result dict of ``key``, or None (missing, or not a sound entry: a damaged,
    truncated, foreign or edited entry is ignored with a CacheWarning, and the run recomputed).
    Only JSON is read: a ``<key>.pkl`` left by an older version (pickle can run code) is never
    opened."""
    p = cache_path(out_dir, key)
    legacy = p.with_suffix(".pkl")
    if legacy.exists():
        warnings.warn(f"{legacy}: old pickle cache entry ignored (never unpickled); the run is recomputed",
                      CacheWarning, stacklevel=2)
    if not p.is_file():
        return None
    try:
        return decode_entry(p.read_text(encoding="utf-8"), key)
    except Exception as exc:  # noqa: BLE001 - a bad entry is recomputed, whatever is wrong with it
        warnings.warn(f"{p}: cache entry ignored ({type(exc).__name__}: {exc}); the run is recomputed",
                      CacheWarning, stacklevel=2)
        return None


def write_cache(out_dir: Path, key: str, res: dict) -> None:
    """Write a result dict atomically (temporary file, then rename) as a data-only entry."""
    p = cache_path(out_dir, key)
    p.parent.mkdir(parents=True, exist_ok=True)
    text = encode_entry(key, res)
    atomic_write(p, lambda tmp: tmp.write_text(text, encoding="utf-8"))
