"""The batch cache holds data only: a file dropped into DIR/cache can neither run code nor
pass for a result (pathway.runs.cache)."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pandas as pd
import pytest

from pathway.reference.validate import load_scenario
from pathway.runs.batch import RunSpec, run_batch, worker_options
from pathway.runs.cache import CacheWarning, cache_key, cache_path, read_cache

ROOT = Path(__file__).resolve().parents[1]
AUTO_27 = ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"
SMALL = {"time": {"representative_days": 2}, "finance": None}


def _spec() -> RunSpec:
    return RunSpec(str(AUTO_27), SMALL, "small")


def _key() -> str:
    return cache_key(load_scenario(AUTO_27, overrides=SMALL), worker_options(None), "rebuild")


class _Hostile:
    """Unpickling this creates the marker file (what an attacker's payload would do)."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.makedirs, (self.marker,))


def test_a_hostile_pickle_in_the_cache_is_never_executed(tmp_path):
    marker = tmp_path / "PWNED"
    key = _key()
    (tmp_path / "out" / "cache").mkdir(parents=True)
    (tmp_path / "out" / "cache" / f"{key}.pkl").write_bytes(pickle.dumps(_Hostile(marker)))
    with pytest.warns(CacheWarning, match="never unpickled"):
        res = run_batch([_spec()], tmp_path / "out", executor="serial")
    assert not marker.exists()
    assert res.n_cached == 0 and res.n_run == 1
    assert res.records[0].status == "optimal" and not res.records[0].cached


def test_cached_results_equal_the_uncached_run(tmp_path):
    first = run_batch([_spec()], tmp_path / "out", executor="serial")
    assert cache_path(tmp_path / "out", _key()).is_file()
    again = run_batch([_spec()], tmp_path / "out", executor="serial")
    assert again.n_cached == 1 and again.n_run == 0
    a, b = first.records[0], again.records[0]
    assert b.cached and b.status == a.status == "optimal"
    assert b.summary == a.summary
    assert b.summary["total_cost_npv_cny"] > 0
    assert sorted(b.tables) == sorted(a.tables) and len(a.tables) > 5
    for name, df in a.tables.items():
        pd.testing.assert_frame_equal(df, b.tables[name], check_exact=True)  # dtypes and values, bit for bit
    assert b.timings == a.timings and b.engine == a.engine == "rebuild"


def _entry(tmp_path) -> tuple[Path, dict]:
    run_batch([_spec()], tmp_path / "out", executor="serial")
    p = cache_path(tmp_path / "out", _key())
    return p, json.loads(p.read_text(encoding="utf-8"))


def test_a_forged_entry_is_ignored_and_recomputed(tmp_path):
    p, entry = _entry(tmp_path)
    true_cost = entry["record"]["summary"]["total_cost_npv_cny"]
    entry["record"]["summary"]["total_cost_npv_cny"] = 1.0  # edited; checksum left as it was
    p.write_text(json.dumps(entry), encoding="utf-8")
    with pytest.warns(CacheWarning, match="checksum"):
        assert read_cache(tmp_path / "out", _key()) is None
    with pytest.warns(CacheWarning, match="checksum"):
        res = run_batch([_spec()], tmp_path / "out", executor="serial")
    assert res.n_cached == 0 and res.n_run == 1
    assert res.records[0].summary["total_cost_npv_cny"] == pytest.approx(true_cost, rel=1e-6)


def test_a_foreign_entry_is_ignored(tmp_path):
    """A sound entry of another run, copied under this run's key, is not trusted."""
    p, entry = _entry(tmp_path)
    other = "0" * 64
    (p.parent / f"{other}.json").write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.warns(CacheWarning, match="not this run"):
        assert read_cache(tmp_path / "out", other) is None


def test_a_truncated_entry_is_recomputed(tmp_path):
    p, _ = _entry(tmp_path)
    text = p.read_text(encoding="utf-8")
    p.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.warns(CacheWarning, match="ignored"):
        res = run_batch([_spec()], tmp_path / "out", executor="serial")
    assert res.n_cached == 0 and res.n_run == 1 and res.records[0].status == "optimal"
    assert json.loads(p.read_text(encoding="utf-8"))["key"] == _key()  # rewritten whole
