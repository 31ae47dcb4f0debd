"""The BAU cache (pathway.runs.bau_cache): the business-as-usual twin is solved once per BAU
scenario and read back, bit for bit, afterwards; only when a finance block asks; a damaged
entry is solved again; PATHWAY_CACHE_DIR="" turns it off."""

from __future__ import annotations

import copy
import warnings

import pandas as pd
import pytest
import yaml

from pathway.inputs.prepare import prepare
from pathway.reference.validate import load_scenario
from pathway.runs import pipeline
from pathway.runs.bau_cache import TABLES, bau_key
from pathway.runs.cache import CacheWarning
from pathway.solve.options import SolverOptions
from tests.test_finance import RETIRING


def _write(tmp_path, data, name="retiring.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return p


def _no_solve(*a, **k):
    raise AssertionError("BAU solved although its cache entry exists")


def test_bau_solved_once_then_read_back_exactly(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHWAY_CACHE_DIR", str(tmp_path / "cache"))
    path = _write(tmp_path, RETIRING)
    first = pipeline.run_file(path)
    entries = list((tmp_path / "cache" / "bau").glob("*.json"))
    assert len(entries) == 1
    monkeypatch.setattr(pipeline, "_solve_bau", _no_solve)
    again = pipeline.run_file(path)
    assert again.summary["loan"] == first.summary["loan"]
    assert again.tables.keys() == first.tables.keys() and set(TABLES) <= set(first.tables)
    for name, df in first.tables.items():  # finance tables included: the same numbers to the last bit
        pd.testing.assert_frame_equal(again.tables[name], df, check_exact=True)


def test_no_finance_block_no_bau_solve(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHWAY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "_solve_bau", _no_solve)
    data = {k: v for k, v in copy.deepcopy(RETIRING).items() if k != "finance"}
    r = pipeline.run_file(_write(tmp_path, data))
    assert "loan" not in r.summary and "bau_costs" not in r.tables
    assert not (tmp_path / "cache" / "bau").exists()


def _key(tmp_path, data, name):
    loaded = load_scenario(_write(tmp_path, data, name))
    md = prepare(loaded)
    from pathway.finance.bau import bau_twin

    return bau_key(bau_twin(loaded, md), SolverOptions())


def test_key_follows_the_bau_twin_not_the_target(tmp_path):
    base = _key(tmp_path, RETIRING, "a.yaml")
    other_target = copy.deepcopy(RETIRING)
    other_target["target"]["min_own_reduction_share"] = 0.5  # BAU has no target: same entry
    dearer_gas = copy.deepcopy(RETIRING)
    dearer_gas["prices"]["natural_gas_cny_per_m3"] = 4.0  # BAU burns gas: a new entry
    assert _key(tmp_path, other_target, "b.yaml") == base
    assert _key(tmp_path, dearer_gas, "c.yaml") != base


def test_damaged_entry_is_solved_again(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHWAY_CACHE_DIR", str(tmp_path / "cache"))
    path = _write(tmp_path, RETIRING)
    first = pipeline.run_file(path)
    (entry,) = (tmp_path / "cache" / "bau").glob("*.json")
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace('"optimal"', '"optimal "', 1), encoding="utf-8")  # edited: checksum fails
    with pytest.warns(CacheWarning, match="BAU cache entry ignored"):
        again = pipeline.run_file(path)
    assert again.summary["loan"] == first.summary["loan"]
    assert entry.read_text(encoding="utf-8") == text  # rewritten, sound again
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        monkeypatch.setattr(pipeline, "_solve_bau", _no_solve)
        pipeline.run_file(path)


def test_empty_cache_dir_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHWAY_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    calls = []
    real = pipeline._solve_bau
    monkeypatch.setattr(pipeline, "_solve_bau", lambda *a, **k: calls.append(1) or real(*a, **k))
    path = _write(tmp_path, RETIRING)
    pipeline.run_file(path)
    pipeline.run_file(path)
    assert len(calls) == 2
    assert set(TABLES) == {"bau_costs", "bau_pathway"}
