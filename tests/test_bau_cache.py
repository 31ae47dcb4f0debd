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


# ---------------------------------------------------------------------------------------
# BAU per worker (BauSession): shared, and re-solved warm, yet the tables of a fresh solve
# ---------------------------------------------------------------------------------------

# one change to each field BAU_IGNORED names (the set is checked: a new entry needs its change here)
IGNORED_CHANGES = {
    ("prices", "gec_cny_per_mwh"): {"prices": {"gec_cny_per_mwh": 77.0}},
    ("prices", "green_power_premium_cny_per_mwh"): {"prices": {"green_power_premium_cny_per_mwh": 55.0}},
    ("prices", "ccer_cny_per_t"): {"prices": {"ccer_cny_per_t": 99.0}},
    ("prices", "nature_removal_cny_per_t"): {"prices": {"nature_removal_cny_per_t": 333.0}},
    ("finance",): {"finance": {"loan_to_cost": 0.5, "tenor_years": 7, "lump_sum_subsidy_cny": 1.0e6}},
    ("uncertainty",): {"uncertainty": {"seed": 3, "parameters": {
        "prices.gec_cny_per_mwh": {"dist": "uniform", "low": 1, "high": 2}}}},
    ("name",): {"name": "another_name"},
    ("description",): {"description": "another description"},
}


def _twin(path, overrides=None):
    from pathway.finance.bau import bau_twin

    loaded = load_scenario(path, overrides=overrides)
    md = prepare(loaded)
    return loaded, md, bau_twin(loaded, md)


def _same_tables(got, want, exact=True):
    assert set(got) == set(want) == set(TABLES)
    for name in TABLES:
        if exact:
            pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)
        else:  # a warm re-solve from another basis: the same optimum to the solver's precision
            pd.testing.assert_frame_equal(got[name], want[name], check_exact=False, rtol=1e-9, atol=1e-6)


@pytest.fixture
def no_bau_cache(monkeypatch):
    from pathway.runs.bau_cache import clear_memory

    monkeypatch.setenv("PATHWAY_CACHE_DIR", "")
    clear_memory()
    yield
    clear_memory()


def test_the_fields_bau_ignores_are_not_read_by_bau(tmp_path, no_bau_cache):
    """Each field of BAU_IGNORED changed (a price of a purchase BAU cannot make, the finance
    and uncertainty blocks, the labels): the BAU twin solved fresh gives the same tables to
    the last bit, and the same key (so BauSession and the disk cache share them). A field BAU
    reads (the carbon price) changes both: the comparison can fail."""
    from pathway.runs.bau_cache import BAU_IGNORED

    assert set(IGNORED_CHANGES) == set(BAU_IGNORED)
    data = copy.deepcopy(RETIRING)
    data["technologies"]["offsets"] = {}  # CCER and removals on offer to the optimised plan
    data["prices"]["ccer_cny_per_t"] = 60.0
    data["prices"]["nature_removal_cny_per_t"] = 200.0
    path = _write(tmp_path, data)
    opts = SolverOptions()
    _, _, base_twin = _twin(path)
    base = pipeline._solve_bau(base_twin, opts)
    for field, change in IGNORED_CHANGES.items():
        _, _, twin = _twin(path, change)
        assert bau_key(twin, opts) == bau_key(base_twin, opts), field
        _same_tables(pipeline._solve_bau(twin, opts), base)
    _, _, dearer = _twin(path, {"prices": {"carbon_price_cny_per_t": 120.0}})
    assert bau_key(dearer, opts) != bau_key(base_twin, opts)
    other = pipeline._solve_bau(dearer, opts)["bau_costs"]
    assert not other.cost_cny.equals(base["bau_costs"].cost_cny)


def test_lean_bau_solve_equals_the_full_bau_run(tmp_path, no_bau_cache):
    """The BAU solve finance uses (no probes, duals, checks, inventory) gives the tables of a
    full run of the BAU twin, bit for bit."""
    from pathway.finance.bau import bau_tables

    loaded, md, twin = _twin(_write(tmp_path, RETIRING))
    full = pipeline.run_bau(loaded, md)
    _same_tables(pipeline._solve_bau(twin, SolverOptions()), bau_tables(full.tables, full.md))


def test_bau_session_carbon_sweep_warm_equals_fresh_solves(tmp_path, no_bau_cache):
    """A grid of certificate x carbon prices through one persistent BauSession: one BAU
    model built, re-solved warm for each new carbon price, shared (memory) where only the
    certificate price changed; every table equals a fresh BAU solve of that run's twin."""
    from pathway.runs.bau_cache import BauSession

    path = _write(tmp_path, RETIRING)
    opts = SolverOptions()
    session = BauSession(persistent=True)
    got = {}
    for gec in (2.0, 60.0):
        for cp in (0.0, 80.0, 160.0):
            loaded, md, twin = _twin(path, {"prices": {"gec_cny_per_mwh": gec, "carbon_price_cny_per_t": cp}})
            got[gec, cp] = pipeline.bau_reference(loaded, md, opts, session)
            _same_tables(got[gec, cp], pipeline._solve_bau(twin, opts), exact=False)
    assert session.solves == {"memory": 3, "disk": 0, "build": 1, "resolve": 2}
    for cp in (0.0, 80.0, 160.0):  # shared: the very numbers of the first solve
        _same_tables(got[60.0, cp], got[2.0, cp])
    carbon = [float(got[2.0, cp]["bau_costs"].query("category == 'carbon_price'").cost_cny.sum()) for cp in (0.0, 80.0, 160.0)]
    assert carbon[0] == 0.0 and 0.0 < carbon[1] < carbon[2]  # the re-solves had other cost coefficients
    assert carbon[2] == pytest.approx(2 * carbon[1], rel=1e-9)  # same plan, price doubled: cost doubled


def test_bau_solved_once_per_worker_across_tasks(tmp_path, no_bau_cache, monkeypatch):
    """Tasks of one worker (run_chunk, each its own run here, as in a portfolio or a rebuild
    sweep) share BAU: a twin met again is not solved again, and its run equals the first."""
    from pathway.runs import batch

    calls = []
    real = pipeline._solve_bau
    monkeypatch.setattr(pipeline, "_solve_bau", lambda *a, **k: calls.append(1) or real(*a, **k))
    path = _write(tmp_path, RETIRING)
    specs = [batch.RunSpec(str(path), {"prices": {"gec_cny_per_mwh": g}}) for g in (2.0, 30.0)]
    first = batch.run_chunk(specs[:1])[0]
    second = batch.run_chunk(specs[1:])[0]
    assert first["status"] == second["status"] == "optimal"
    assert len(calls) == 1
    _same_tables({k: second["tables"][k] for k in TABLES}, {k: first["tables"][k] for k in TABLES})
