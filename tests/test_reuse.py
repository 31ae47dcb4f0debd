"""What a process reuses from one run to the next gives what computing it again gives:
parsed YAML (a copy, re-parsed when the file changes, its errors raised every time),
catalogue look-ups, and the garbage collector left as it was found (paused while a model is
built, frozen during a persistent task)."""

from __future__ import annotations

import copy
import gc

import pytest
import yaml

from pathway.errors import ScenarioError
from pathway.scenario.loader import read_yaml
from tests.test_finance import RETIRING


def test_parsed_yaml_is_a_copy_and_follows_the_file(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("a: 1\nb: {c: [1, 2]}\n", encoding="utf-8")
    data, lines = read_yaml(p)
    assert data == {"a": 1, "b": {"c": [1, 2]}} and lines[("b", "c")] == 2
    data["b"]["c"].append(3)  # a caller changes what it got: the next read does not see it
    lines.clear()
    again, lines2 = read_yaml(p)
    assert again == {"a": 1, "b": {"c": [1, 2]}} and lines2[("b", "c")] == 2
    p.write_text("a: 2\n", encoding="utf-8")
    assert read_yaml(p)[0] == {"a": 2}
    p.write_text("a: 1\na: 2\n", encoding="utf-8")
    for _ in range(2):  # refused every time, never remembered
        with pytest.raises(ScenarioError, match="duplicate key"):
            read_yaml(p)


def test_catalogue_lookups_equal_a_fresh_lookup():
    from pathway.reference import catalogue as cat

    for tech, param, year in (("pv", "capex_cny_per_kw", 2027), ("battery", "life_years", 2031),
                              ("heat_pump_low", "fom_cny_per_kw_yr", 2026)):
        assert cat.catalogue_value(tech, param, year) == cat.catalogue_value.__wrapped__(tech, param, year)
    assert cat.default_price("natural_gas_cny_per_m3", 2026, "Jiangsu") == \
        cat.default_price.__wrapped__("natural_gas_cny_per_m3", 2026, "Jiangsu")
    cops = cat.catalogue_params("heat_pump_low", "cop_at_")
    assert cops
    cops.clear()  # the caller's copy
    assert cat.catalogue_params("heat_pump_low", "cop_at_")


def test_gc_paused_is_reentrant_and_restores_the_collector():
    from pathway.runs.pipeline import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()


def test_persistent_task_leaves_the_collector_as_found(tmp_path, monkeypatch):
    from pathway.runs import batch
    from pathway.runs.bau_cache import clear_memory

    monkeypatch.setenv("PATHWAY_CACHE_DIR", "")
    clear_memory()
    p = tmp_path / "retiring.yaml"
    p.write_text(yaml.safe_dump(copy.deepcopy(RETIRING), sort_keys=False), encoding="utf-8")
    specs = [batch.RunSpec(str(p), {"prices": {"carbon_price_cny_per_t": cp}}) for cp in (0.0, 90.0)]
    out = batch.run_chunk(specs, persistent=True)
    assert [r["status"] for r in out] == ["optimal", "optimal"]
    assert [r["engine"] for r in out] == ["persistent-build", "persistent-resolve"]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    clear_memory()


def test_pathway_run_in_a_callers_process_leaves_the_collector_as_found(tmp_path, monkeypatch):
    """``pathway run`` freezes the run's objects out of the collector only in the process's own
    entry point (which ends with os._exit); called in-process (CliRunner, a notebook) it must
    leave them collectable: the freeze count is what it was."""
    from typer.testing import CliRunner

    from pathway.cli import app

    monkeypatch.setenv("PATHWAY_CACHE_DIR", "")
    p = tmp_path / "retiring.yaml"
    p.write_text(yaml.safe_dump(copy.deepcopy(RETIRING), sort_keys=False), encoding="utf-8")
    before = gc.get_freeze_count()
    r = CliRunner().invoke(app, ["run", str(p), "--out", str(tmp_path / "out"), "-q", "--no-report", "--no-xlsx"])
    assert r.exit_code == 0, r.output
    assert gc.isenabled() and gc.get_freeze_count() == before
