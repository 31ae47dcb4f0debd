"""The business-as-usual cache: what finance needs from the BAU twin's solve (the tables
``bau_costs`` and ``bau_pathway`` of ``pathway.finance.bau.bau_tables``), stored once per
BAU twin so that re-running a scenario with a finance block does not solve BAU again.

Key: SHA-256 of the BAU twin scenario (``bau_twin``: the scenario with every lever off and
the replacement boiler sized from the run) without the fields its LP and tables cannot read
(``BAU_IGNORED``), the CSV inputs it names, the package code and version, and the solver
route, method and crossover. Two scenarios that differ only in what BAU ignores (the target,
the technologies offered, the prices of purchases BAU cannot make, finance terms, labels)
share one entry.

Per worker (``BauSession``): the tables of every BAU twin a worker process solves are kept
in its memory under that key, so the runs of a batch that share a BAU (a certificate-price
sweep: all of them) solve it once per worker, not once per run; with ``persistent`` the BAU
model itself is kept for the task and re-solved from its last basis when only its cost
coefficients change (a carbon-price sweep), like the optimised runs
(``pathway.solve.session``).

Where: ``$PATHWAY_CACHE_DIR/bau/<key>.json``, else ``$XDG_CACHE_HOME/pathway/bau`` or
``~/.cache/pathway/bau`` (the rule of the PV profile cache in ``pathway.inputs.profiles``);
``PATHWAY_CACHE_DIR=""`` turns the cache off. An entry is data only, never pickle, in the
checksummed format of the batch cache (``pathway.runs.cache``): a damaged, edited or foreign
entry is ignored with a ``CacheWarning`` and BAU solved again. A read-only cache folder is
not an error (BAU is then solved every time)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import warnings
from collections import OrderedDict
from pathlib import Path

import pandas as pd

from pathway import __version__
from pathway.files import atomic_write
from pathway.runs.cache import CacheWarning, code_fingerprint, decode_entry, encode_entry, input_files_sha256
from pathway.scenario.loader import LoadedScenario
from pathway.solve.options import SolverOptions

TABLES = ("bau_costs", "bau_pathway")

# Fields of the BAU twin scenario that neither its LP nor its tables read. Why each:
# - the prices of green power, certificates, CCER and nature-based removals: they multiply
#   only the purchase variables gp, gec, off, rem (model.objective.add_costs), which BAU
#   fixes at 0 (bau_scenario clears technologies.green_power / green_certificates /
#   offsets, so model.emissions.add_offsets fixes them): their cost rows are price x 0 = 0;
# - finance and uncertainty: read by finance and Monte Carlo after the solve, not by the LP
#   (prepare copies only finance.lump_sum_subsidy_cny, into the summary, not bau_tables);
# - name and description: labels.
# tests/test_bau_cache.py solves BAU twins that differ in each field and finds the same tables.
BAU_IGNORED = (
    ("prices", "gec_cny_per_mwh"),
    ("prices", "green_power_premium_cny_per_mwh"),
    ("prices", "ccer_cny_per_t"),
    ("prices", "nature_removal_cny_per_t"),
    ("finance",),
    ("uncertainty",),
    ("name",),
    ("description",),
)


def cache_dir() -> Path | None:
    """The BAU cache folder, or None when ``PATHWAY_CACHE_DIR`` is set to an empty string."""
    root = os.environ.get("PATHWAY_CACHE_DIR")
    if root == "":
        return None
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pathway"
    return base / "bau"


def bau_scenario_data(twin: LoadedScenario) -> dict:
    """The BAU twin scenario as JSON data without the fields BAU ignores (``BAU_IGNORED``)."""
    data = twin.scenario.model_dump(mode="json")
    for path in BAU_IGNORED:
        node = data
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return data


def bau_key(twin: LoadedScenario, opts: SolverOptions) -> str:
    """Cache key of a BAU twin: its scenario (``bau_scenario_data``), the CSVs it names, the
    code, the solver options."""
    blob = {"bau_scenario": bau_scenario_data(twin), "inputs": input_files_sha256(twin),
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


def bau_structure(twin: LoadedScenario) -> str:
    """Hash of what shapes the BAU twin's LP: its scenario without the fields BAU ignores and
    without the cost coefficients a persistent model updates (``runs.mutable.MUTABLE_FIELDS``), the
    CSVs it names, and the file's location (relative CSV paths resolve against it)."""
    from pathway.runs.mutable import strip_mutable
    from pathway.scenario.loader import canonical_sha256

    return canonical_sha256({"file": str(twin.path), "bau": strip_mutable(bau_scenario_data(twin)),
                             "inputs": input_files_sha256(twin)})


MEMORY_ENTRIES = 256  # BAU tables a worker keeps (a few kB each), least recently used dropped first
_MEMORY: OrderedDict[str, dict[str, pd.DataFrame]] = OrderedDict()


def clear_memory() -> None:
    """Forget the BAU tables this process keeps (``BauSession``)."""
    _MEMORY.clear()


class BauSession:
    """The BAU twins of one task (a worker's chunk of runs), solved once per worker.

    Tables: kept in this process's memory under their ``bau_key`` (for every task the worker
    runs, ``MEMORY_ENTRIES`` at most), so the runs that share a BAU twin (a certificate-price
    sweep: all of them) solve it once per worker. The key names the route the tables were
    solved by: ``options`` (the task's solver options; with ``persistent``, route
    'persistent'), so a persistent task never hands its tables to a compiler-route run.

    Model (``persistent`` only): the task's last BAU model is kept in HiGHS and re-solved from
    its basis when the next twin has the same structure (``bau_structure``) and differs only
    in cost coefficients (a carbon-price sweep), like the runs' own models
    (``pathway.solve.session``); it is dropped with the task. Tables handed out are copies
    (runs may change theirs)."""

    def __init__(self, persistent: bool = False) -> None:
        from pathway.solve.session import PersistentSession

        self.model = PersistentSession() if persistent else None
        self.solves = {"memory": 0, "disk": 0, "build": 0, "resolve": 0}  # where each BAU came from

    def options(self, opts: SolverOptions) -> SolverOptions:
        """The options the session solves BAU with: ``opts``, on route 'persistent' when the
        session keeps a model (a cold build is then exactly a ``--route persistent`` solve)."""
        return opts if self.model is None or opts.route == "persistent" else dataclasses.replace(opts, route="persistent")

    def get(self, key: str) -> dict[str, pd.DataFrame] | None:
        t = _MEMORY.get(key)
        if t is None:
            return None
        _MEMORY.move_to_end(key)
        return {k: v.copy() for k, v in t.items()}

    def put(self, key: str, tables: dict[str, pd.DataFrame]) -> None:
        _MEMORY[key] = {k: v.copy() for k, v in tables.items()}
        _MEMORY.move_to_end(key)
        while len(_MEMORY) > MEMORY_ENTRIES:
            _MEMORY.popitem(last=False)

    def hooks(self, twin: LoadedScenario) -> dict:
        """``build``/``solver`` for ``pathway.runs.pipeline``'s BAU solve ({} without ``persistent``)."""
        return {} if self.model is None else self.model.hooks(bau_structure(twin))

    @property
    def engine(self) -> str:
        """'build' (the last BAU was built and solved cold) or 'resolve' (re-solved warm)."""
        return "resolve" if self.model is not None and self.model.engine == "persistent-resolve" else "build"
