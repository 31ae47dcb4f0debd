"""The business-as-usual cache: what finance needs from the BAU twin's solve (the tables
``bau_costs`` and ``bau_pathway`` of ``pathway.finance.bau.bau_tables``), stored once per
BAU twin so that re-running a scenario with a finance block does not solve BAU again.

Key: SHA-256 of the BAU twin scenario (``bau_twin``: the scenario with every lever off and
the replacement boiler sized from the run), the CSV inputs it names, the package code and
version, and the solver route, method and crossover. Two scenarios that differ only in what
BAU ignores (the target, the technologies offered) share one entry.

Where: ``$PATHWAY_CACHE_DIR/bau/<key>.json``, else ``$XDG_CACHE_HOME/pathway/bau`` or
``~/.cache/pathway/bau`` (the rule of the PV profile cache in ``pathway.inputs.profiles``);
``PATHWAY_CACHE_DIR=""`` turns the cache off. An entry is data only, never pickle, in the
checksummed format of the batch cache (``pathway.runs.cache``): a damaged, edited or foreign
entry is ignored with a ``CacheWarning`` and BAU solved again. A read-only cache folder is
not an error (BAU is then solved every time)."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import pandas as pd

from pathway import __version__
from pathway.files import atomic_write
from pathway.runs.cache import CacheWarning, code_fingerprint, decode_entry, encode_entry, input_files_sha256
from pathway.scenario.loader import LoadedScenario
from pathway.solve.options import SolverOptions

TABLES = ("bau_costs", "bau_pathway")


def cache_dir() -> Path | None:
    """The BAU cache folder, or None when ``PATHWAY_CACHE_DIR`` is set to an empty string."""
    root = os.environ.get("PATHWAY_CACHE_DIR")
    if root == "":
        return None
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pathway"
    return base / "bau"


def bau_key(twin: LoadedScenario, opts: SolverOptions) -> str:
    """Cache key of a BAU twin: its scenario, the CSVs it names, the code, the solver options."""
    blob = {"bau_scenario": twin.scenario.model_dump(mode="json"), "inputs": input_files_sha256(twin),
            "version": __version__, "code": code_fingerprint(), "route": opts.route, "method": opts.method,
            "crossover": opts.crossover}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()


def read_bau(key: str) -> dict[str, pd.DataFrame] | None:
    """The cached BAU tables of ``key``, or None (no cache, no entry, or an unsound entry)."""
    d = cache_dir()
    p = None if d is None else d / f"{key}.json"
    if p is None or not p.is_file():
        return None
    try:
        res = decode_entry(p.read_text(encoding="utf-8"), key)
        tables = res["tables"]
        if res["status"] != "optimal" or tables is None or set(tables) != set(TABLES):
            raise ValueError(f"expected the tables {', '.join(TABLES)}")
    except Exception as exc:  # noqa: BLE001 - a bad entry means solving BAU again, whatever is wrong with it
        warnings.warn(f"{p}: BAU cache entry ignored ({type(exc).__name__}: {exc}); BAU is solved again",
                      CacheWarning, stacklevel=2)
        return None
    return tables


def write_bau(key: str, tables: dict[str, pd.DataFrame]) -> None:
    """Store the BAU tables under ``key`` (atomic rename); an unwritable cache folder is skipped."""
    d = cache_dir()
    if d is None:
        return
    text = encode_entry(key, {"status": "optimal", "tables": {k: tables[k] for k in TABLES}})
    try:
        d.mkdir(parents=True, exist_ok=True)
        atomic_write(d / f"{key}.json", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError:
        pass
