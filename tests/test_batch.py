"""Sweeps, Monte Carlo, portfolios and their execution (pathway.batch and friends).

Small scenarios throughout: the bundled Jiangsu plant on 2 representative days."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pathway.errors import ScenarioError
from pathway.reference.validate import load_scenario
from pathway.runs import batch
from pathway.runs.batch import RunSpec
from pathway.scenario.fields import (
    PathError,
    check_path,
    overrides_for,
    parse_assignment,
)

pytestmark = pytest.mark.slow  # see pyproject [tool.pytest.ini_options] markers

ROOT = Path(__file__).resolve().parents[1]
AUTO_27 = ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"
AUTO_30 = ROOT / "scenarios" / "jiangsu_auto_parts_2030.yaml"
SMALL = {"time": {"representative_days": 2}}
NO_FINANCE = {"time": {"representative_days": 2}, "finance": None}


def _close(a, b, rel=1e-6, abs_=1e-3):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def _same_summary(a: dict, b: dict, rel=1e-6) -> None:
    assert a["status"] == b["status"] == "optimal"
    assert a["target_met"] == b["target_met"]
    assert _close(a["total_cost_npv_cny"], b["total_cost_npv_cny"], rel)
    assert _close(a["baseline_emissions_t"], b["baseline_emissions_t"], 1e-12)
    for y, v in a["emissions_t"].items():
        assert _close(v, b["emissions_t"][y], 1e-5, 1e-2), (y, v, b["emissions_t"][y])
    for y, v in a["capex_by_year_cny"].items():
        assert _close(v, b["capex_by_year_cny"][y], 1e-5, 1.0), (y, v, b["capex_by_year_cny"][y])
    for y, v in a["marginal_abatement_cost_cny_per_t"].items():
        assert _close(v, b["marginal_abatement_cost_cny_per_t"][y], 1e-5, 1e-3), y


def _self_contained(page: str) -> None:
    """plotly.js embedded exactly once; nothing loaded from anywhere."""
    assert len(re.findall(r"<script>/\*\*\s*\* plotly\.js v", page)) == 1
    assert not re.search(r"<script[^>]+src=", page, re.I)
    assert not re.search(r"<link[^>]*>", page, re.I)
    assert "cdn.plot.ly" not in page.split("plotly.js v")[0]


# ---------------------------------------------------------------------------------------
# dotted paths and the uncertainty block
# ---------------------------------------------------------------------------------------


def test_dotted_paths_and_overrides():
    assert check_path("prices.gec_cny_per_mwh") == "float"
    assert check_path("time.representative_days") == "int"
    assert check_path("baseline.heat_loads.0.fuel_share") == "float"
    assert check_path("technologies.efficiency.eff_lighting.capex_cny_per_mwh_saved_yr") == "float"
    with pytest.raises(PathError, match="did you mean 'prices'"):
        check_path("pricez.gec_cny_per_mwh")
    with pytest.raises(PathError, match="no field 'gec'"):
        check_path("prices.gec")
    base = load_scenario(AUTO_27).data
    ov = overrides_for(base, {"prices.gec_cny_per_mwh": 5, "baseline.heat_loads.1.fuel_share": 0.3,
                              "target.trajectory.2026": 0.9})
    assert ov["prices"] == {"gec_cny_per_mwh": 5}
    loads = ov["baseline"]["heat_loads"]  # a list item: the whole list, that item changed
    assert [hl["fuel_share"] for hl in loads] == [0.6, 0.3] and loads[0]["name"] == "paint_ovens"
    assert ov["target"]["trajectory"] == {2026: 0.9}
    loaded = load_scenario(AUTO_27, overrides=ov)
    assert loaded.scenario.baseline.heat_loads[1].fuel_share == 0.3
    assert loaded.scenario.target.trajectory == {2026: 0.9}
    assert parse_assignment("prices.gec_cny_per_mwh=2, 5,10") == ("prices.gec_cny_per_mwh", [2, 5, 10])
    with pytest.raises(PathError):
        parse_assignment("prices.gec_cny_per_mwh")


def test_uncertainty_block_validation(write_yaml):
    good = {"extends": str(AUTO_27), "uncertainty": {"seed": 42, "parameters": {
        "prices.gec_cny_per_mwh": {"dist": "triangular", "low": 1, "mode": 5, "high": 11}}}}
    loaded = load_scenario(write_yaml(good))
    assert loaded.scenario.uncertainty.parameters["prices.gec_cny_per_mwh"].mode == 5
    bad = {"extends": str(AUTO_27), "uncertainty": {"seed": 42, "parameters": {
        "prices.gec_cny_per_mwh": {"dist": "triangular", "low": 1, "mode": 15, "high": 11},
        "prices.gecc": {"dist": "uniform", "low": 1, "high": 2},
        "factory.sector": {"dist": "uniform", "low": 1, "high": 2},
        "prices.ccer_cny_per_t": {"dist": "normal", "mean": 60},
        "prices.carbon_price_cny_per_t": {"dist": "lognormal", "median": 60, "sigma": 0.2, "low": 3},
        "prices.diesel_cny_per_t": {"dist": "gamma", "low": 1, "high": 2}}}}
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_yaml(bad))
    text = str(exc.value)
    assert "low <= mode <= high" in text
    assert "prices has no field 'gecc'" in text
    assert "'factory.sector' is not a numeric field" in text
    assert "needs mean, sd; missing sd" in text
    assert "remove low" in text
    assert "uncertainty.parameters.prices.diesel_cny_per_t.dist" in text
    with pytest.raises(ScenarioError, match="seed"):
        load_scenario(write_yaml({"extends": str(AUTO_27), "uncertainty": {"parameters": {
            "prices.gec_cny_per_mwh": {"dist": "uniform", "low": 1, "high": 2}}}}))


def test_inverse_cdfs():
    from pathway.runs.montecarlo import inverse_cdf
    from pathway.scenario.schema import Distribution

    u = (np.arange(20000) + 0.5) / 20000
    tri = inverse_cdf(Distribution(dist="triangular", low=1, mode=5, high=11), u)
    assert tri.min() >= 1 and tri.max() <= 11 and abs(tri.mean() - 17 / 3) < 1e-3
    uni = inverse_cdf(Distribution(dist="uniform", low=2, high=4), u)
    assert abs(uni.mean() - 3) < 1e-9
    ln = inverse_cdf(Distribution(dist="lognormal", median=60, sigma=0.3), u)
    assert abs(np.median(ln) - 60) < 0.01 and abs(np.log(ln).std() - 0.3) < 1e-3
    tn = inverse_cdf(Distribution(dist="normal", mean=10, sd=5, low=0), u)
    assert tn.min() >= 0 and abs(np.median(inverse_cdf(Distribution(dist="normal", mean=10, sd=5), u)) - 10) < 1e-3


def test_mutable_fields_and_structural_key():
    assert batch.is_mutable("prices.gec_cny_per_mwh")
    assert batch.is_mutable("technologies.pv.capex_cny_per_kw")
    assert batch.is_mutable("technologies.efficiency.eff_lighting.capex_cny_per_mwh_saved_yr")
    assert batch.is_mutable("finance.interest_rate")
    assert not batch.is_mutable("time.representative_days")
    assert not batch.is_mutable("technologies.pv.max_kw")
    a = load_scenario(AUTO_27, overrides={**SMALL, "prices": {"gec_cny_per_mwh": 3}})
    b = load_scenario(AUTO_27, overrides={**SMALL, "prices": {"gec_cny_per_mwh": 30, "carbon_price_cny_per_t": 80}})
    c = load_scenario(AUTO_27, overrides={"time": {"representative_days": 3}})
    assert a.sha256 != b.sha256
    assert batch.structural_key(a) == batch.structural_key(b) != batch.structural_key(c)


# ---------------------------------------------------------------------------------------
# sweeps
# ---------------------------------------------------------------------------------------


def test_sweep_rows_equal_the_same_runs_one_by_one(tmp_path):
    """A 2 x 2 grid of prices re-solved on one persistent model (1 build + 3 re-solves)
    gives the rows of the four scenarios each run on its own with `run_file`."""
    from pathway.runs.pipeline import run_file
    from pathway.runs.sweep import plan_sweep, run_sweep, write_sweep

    plan = plan_sweep(AUTO_27, {"prices.gec_cny_per_mwh": [2, 60], "prices.carbon_price_cny_per_t": [0, 150],
                                "time.representative_days": [2]})
    assert len(plan.specs) == 4 and plan.persistent_params == ["prices.gec_cny_per_mwh", "prices.carbon_price_cny_per_t"]
    assert plan.rebuild_params == []
    res = run_sweep(plan, tmp_path / "sw", executor="serial", persistent=True)
    assert [r.engine for r in res.records] == ["persistent-build"] + ["persistent-resolve"] * 3
    for rec, spec in zip(res.records, plan.specs):
        alone = run_file(spec.path, overrides=spec.overrides)
        _same_summary(rec.summary, alone.summary)
        assert _close(rec.summary["loan"]["debt_cny"], alone.summary["loan"]["debt_cny"], 1e-5, 1.0)
        assert rec.summary["scenario_sha256"] == alone.summary["scenario_sha256"]
    costs = [r.summary["total_cost_npv_cny"] for r in res.records]
    assert costs[0] < costs[1] and costs[0] < costs[2]  # dearer certificates / carbon cost more
    man = write_sweep(plan, res, tmp_path / "sw")
    table = pd.read_csv(tmp_path / "sw" / "sweep.csv")
    assert list(table["prices.gec_cny_per_mwh"]) == [2, 2, 60, 60]
    assert {"total_cost_npv_cny", "capex_total_cny", "target_met", "emissions_2027_t", "mac_2027_cny_per_t"} <= set(table)
    tornado = pd.read_csv(tmp_path / "sw" / "tornado.csv")
    assert set(tornado.parameter) == {"prices.gec_cny_per_mwh", "prices.carbon_price_cny_per_t"}
    assert man["persistent_saving"]["resolves"] == 3
    assert any("persistent re-solve" in n for n in man["notes"])
    html = (tmp_path / "sw" / "sweep.html").read_text(encoding="utf-8")
    assert "chart-tornado" in html and "chart-pathways" in html
    _self_contained(html)
    assert (tmp_path / "sw" / "sweep.xlsx").stat().st_size > 0


def test_persistent_sweep_tables_equal_the_rebuilt_runs():
    """Every table of every run re-solved on a persistent model (primal simplex from the last
    basis; probes from the optimal basis; BAU shared or re-solved warm) equals the same run
    rebuilt from scratch, including the grid's price ties (certificates at the green-power
    premium's price: two optimal vertices, the cold solve's kept)."""
    from pathway.runs.sweep import plan_sweep, run_sweep

    plan = plan_sweep(AUTO_30, {"prices.gec_cny_per_mwh": [2, 10, 30], "prices.carbon_price_cny_per_t": [0, 100],
                                "time.representative_days": [2]})
    warm = run_sweep(plan, None, executor="serial", persistent=True, use_cache=False, chunk_size=6)
    cold = run_sweep(plan, None, executor="serial", persistent=False, use_cache=False)
    assert [r.engine for r in warm.records] == ["persistent-build"] + ["persistent-resolve"] * 5
    for w, c in zip(warm.records, cold.records):
        assert w.ok and c.ok and w.tables.keys() == c.tables.keys()
        _same_summary(w.summary, c.summary, rel=1e-9)
        for name, df in c.tables.items():
            num = df.select_dtypes("number").columns
            x, y = df[num].to_numpy(float), w.tables[name][num].to_numpy(float)
            scale = float(np.nanmax(np.abs(x))) if x.size else 0.0
            assert np.allclose(y, x, rtol=1e-6, atol=1e-6 * scale + 1e-6, equal_nan=True), (w.label, name)


def test_sweep_structural_field_falls_back_to_rebuild_and_says_so(tmp_path):
    from pathway.runs.sweep import plan_sweep, run_sweep

    plan = plan_sweep(AUTO_27, {"time.representative_days": [2, 3], "finance": [None]}, one_at_a_time=True)
    assert [s.label for s in plan.specs] == ["base", "representative_days=2", "representative_days=3"]
    assert plan.rebuild_params == ["time.representative_days"]
    assert any("full rebuild for: time.representative_days" in n for n in plan.notes(True))
    res = run_sweep(plan, None, executor="serial", persistent=True)
    # each structure is its own model: every run built, none re-solved
    assert {r.engine for r in res.records} == {"persistent-build"}
    assert all(r.ok for r in res.records)


# ---------------------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------------------


def _mc_file(write_yaml, seed=42):
    return write_yaml({"extends": str(AUTO_30), "time": {"representative_days": 2},
                       "uncertainty": {"seed": seed, "parameters": {
                           "prices.gec_cny_per_mwh": {"dist": "triangular", "low": 1, "mode": 5, "high": 60},
                           "prices.carbon_price_cny_per_t": {"dist": "uniform", "low": 0, "high": 150},
                           "technologies.pv.capex_cny_per_kw": {"dist": "lognormal", "median": 3000, "sigma": 0.2}}}},
                      f"mc{seed}.yaml")


def test_montecarlo_same_seed_same_results_other_seed_differs(write_yaml, tmp_path):
    from pathway.runs.montecarlo import (
        plan_montecarlo,
        run_montecarlo,
        write_montecarlo,
    )

    f = _mc_file(write_yaml)
    p1, p2 = plan_montecarlo(f, 3), plan_montecarlo(f, 3)
    pd.testing.assert_frame_equal(p1.samples, p2.samples)
    assert plan_montecarlo(f, 5).samples.iloc[:3].equals(p1.samples)  # more samples keep the first ones
    other = plan_montecarlo(f, 3, seed=7).samples
    assert not np.allclose(other.to_numpy(), p1.samples.to_numpy())
    assert plan_montecarlo(_mc_file(write_yaml, 7), 3).samples.equals(other)  # --seed = the block's seed
    r1 = run_montecarlo(p1, tmp_path / "a", executor="serial")
    r2 = run_montecarlo(p2, tmp_path / "b", executor="serial")
    m1 = write_montecarlo(p1, r1, tmp_path / "a")
    m2 = write_montecarlo(p2, r2, tmp_path / "b")
    for name in ("percentiles.csv", "samples.csv"):
        a = pd.read_csv(tmp_path / "a" / name)
        b = pd.read_csv(tmp_path / "b" / name)
        pd.testing.assert_frame_equal(a, b)
    assert m1["outcome"] == m2["outcome"] and m1["loan_p90_capex"] == m2["loan_p90_capex"]
    pct = pd.read_csv(tmp_path / "a" / "percentiles.csv")
    cost = pct[pct.quantity == "total_cost_npv_cny"].iloc[0]
    assert cost.p10 <= cost.p50 <= cost.p90 and cost.n == 3
    assert {"capex_cny", "emissions_t"} <= set(pct.quantity)
    assert m1["outcome"]["p_target_met"] == 1.0
    loan = m1["loan_p90_capex"]
    debts = sorted(r.summary["loan"]["debt_cny"] for r in r1.records)
    assert loan["debt_cny"] >= loan["p50_capex_debt_cny"] > 0
    assert loan["debt_cny"] >= debts[1] - 1.0  # P90 capex sizes at least the median sample's loan
    html = (tmp_path / "a" / "montecarlo.html").read_text(encoding="utf-8")
    assert "chart-fan-emissions" in html and "chart-fan-capex" in html
    _self_contained(html)


# ---------------------------------------------------------------------------------------
# portfolios and execution
# ---------------------------------------------------------------------------------------


@pytest.fixture
def book(tmp_path) -> Path:
    """Two good factories (one with finance), one broken file, one unreachable target."""
    d = tmp_path / "book"
    d.mkdir()
    base = yaml.safe_load(AUTO_27.read_text(encoding="utf-8"))
    base["time"] = {"representative_days": 2}
    (d / "a_plant.yaml").write_text(yaml.safe_dump(base), encoding="utf-8")
    b = {**base, "name": "b_plant", "baseline": {**base["baseline"], "electricity_mwh": 45000}}
    b.pop("finance")
    (d / "b_plant.yaml").write_text(yaml.safe_dump(b), encoding="utf-8")
    (d / "c_broken.yaml").write_text("name: broken\nfactory: {name: x, grid_region: east}\n", encoding="utf-8")
    dead = {**b, "name": "d_unreachable", "technologies": {"pv": {"enabled": False}}}
    (d / "d_unreachable.yaml").write_text(yaml.safe_dump(dead), encoding="utf-8")
    return d


def test_portfolio_reports_the_broken_scenario_and_completes_the_rest(book, tmp_path):
    from pathway.runs.portfolio import plan_portfolio, run_portfolio, write_portfolio

    specs = plan_portfolio([book])
    assert [s.label for s in specs] == ["a_plant", "b_plant", "c_broken", "d_unreachable"]
    res = run_portfolio(specs, tmp_path / "pf", executor="serial")
    st = {r.label: r.status for r in res.records}
    assert st == {"a_plant": "optimal", "b_plant": "optimal", "c_broken": "bad_input", "d_unreachable": "infeasible"}
    broken = res.records[2]
    assert "factory.sector" in broken.error and "required field is missing" in broken.error
    assert res.records[3].diagnosis and "explanation" in res.records[3].diagnosis
    man = write_portfolio(res, tmp_path / "pf")
    fac = pd.read_csv(tmp_path / "pf" / "factories.csv")
    assert list(fac.status) == ["optimal", "optimal", "bad_input", "infeasible"]
    assert fac.loc[0, "loan_debt_cny"] > 0 and pd.isna(fac.loc[1, "loan_debt_cny"])
    assert man["target"]["met"] == 2 and man["target"]["share_of_all"] == 0.5
    assert man["target"]["share_of_decided"] == pytest.approx(2 / 3)
    tot = pd.read_csv(tmp_path / "pf" / "totals_by_year.csv").set_index("year")
    a, b = res.records[0].summary, res.records[1].summary
    for y in (2026, 2027, 2030):
        assert tot.loc[y, "factories"] == 2
        assert tot.loc[y, "capex_cny"] == pytest.approx(a["capex_by_year_cny"][str(y)] + b["capex_by_year_cny"][str(y)])
        assert tot.loc[y, "emissions_t"] == pytest.approx(a["emissions_t"][str(y)] + b["emissions_t"][str(y)])
    sched = res.records[0].tables["loan_schedule"]
    assert tot.loan_drawdown_cny.sum() == pytest.approx(sched.drawdown_cny.sum()) == pytest.approx(a["loan"]["debt_cny"])
    html = (tmp_path / "pf" / "portfolio.html").read_text(encoding="utf-8")
    assert "c_broken" in html and "chart-money" in html
    _self_contained(html)
    lines = (tmp_path / "pf" / "runs.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["status"] for x in lines] == list(st.values())


def test_cache_skips_finished_runs(book, tmp_path, monkeypatch):
    from pathway.runs.portfolio import plan_portfolio, run_portfolio

    specs = plan_portfolio([book])
    first = run_portfolio(specs, tmp_path / "pf", executor="serial")
    assert first.n_run == 3 and first.n_cached == 0  # the broken file never reaches a worker
    assert len(list((tmp_path / "pf" / "cache").glob("*.json"))) == 3  # optimal and infeasible are cached

    def no_solver(*a, **k):
        raise AssertionError("the solver was called for a cached run")

    monkeypatch.setattr("pathway.runs.pipeline.solve", no_solver)
    monkeypatch.setattr("pathway.runs.batch.run_chunk", no_solver)
    again = run_portfolio(specs, tmp_path / "pf", executor="serial")
    assert again.n_run == 0 and again.n_cached == 3
    assert [r.status for r in again.records] == [r.status for r in first.records]
    for a, b in zip(first.records, again.records):
        assert b.cached == (b.status != "bad_input")
        if a.ok:
            assert a.summary == b.summary


def test_dask_local_cluster_equals_local_pool(book, tmp_path):
    """Two spawned workers of the local pool and a real dask LocalCluster (2 processes x 1
    thread) give the same results for a small portfolio (failures included)."""
    distributed = pytest.importorskip("distributed")
    from pathway.runs.portfolio import plan_portfolio, run_portfolio

    specs = plan_portfolio([book], {"finance": None})
    local = run_portfolio(specs, None, executor="local", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask = run_portfolio(specs, None, scheduler=cluster.scheduler_address)  # as with --scheduler tcp://…
    assert dask.executor.startswith("dask scheduler tcp://") and dask.workers == 2
    assert "local process pool, 2" in local.executor
    assert [r.status for r in local.records] == [r.status for r in dask.records] == \
        ["optimal", "optimal", "bad_input", "infeasible"]
    for a, b in zip(local.records, dask.records):
        if a.ok:
            _same_summary(a.summary, b.summary, rel=1e-9)
            assert a.summary["scenario_sha256"] == b.summary["scenario_sha256"]
            assert a.summary["solver"]["threads"] == 1


def test_cli_sweep_one_at_a_time(tmp_path):
    from typer.testing import CliRunner

    from pathway.cli import app

    out = tmp_path / "cli"
    r = CliRunner().invoke(app, ["sweep", str(AUTO_27), "--set", "prices.ccer_cny_per_t=20,120", "--set",
                                 "time.representative_days=2", "--set", "finance=null", "--one-at-a-time",
                                 "--metric", "capex", "--serial", "--quiet", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "persistent re-solve" in r.output
    t = pd.read_csv(out / "sweep.csv")
    assert list(t.label) == ["base", "ccer_cny_per_t=20", "ccer_cny_per_t=120"]
    assert list(t.varied.fillna("")) == ["", "prices.ccer_cny_per_t", "prices.ccer_cny_per_t"]
    assert (t.status == "optimal").all()
    bad = CliRunner().invoke(app, ["sweep", str(AUTO_27), "--set", "prices.gecc=1,2", "--out", str(out)])
    assert bad.exit_code == 2 and "no field 'gecc'" in " ".join(bad.output.split())
    none = CliRunner().invoke(app, ["montecarlo", str(AUTO_27), "--out", str(out), "--samples", "2"])
    assert none.exit_code == 2 and "no uncertainty block" in " ".join(none.output.split())


def test_solver_time_out_is_recorded_not_raised():
    from pathway.solve import SolverOptions

    spec = RunSpec(str(AUTO_27), NO_FINANCE, "slow")
    res = batch.run_one(spec, SolverOptions(time_limit_s=1e-9))
    assert res["status"] == "time_limit" and "time limit (1e-09 s)" in res["error"]  # a row status, never a hang
    ok = batch.run_one(spec, None)
    assert ok["status"] == "optimal" and ok["summary"]["solver"]["threads"] == 1  # one HiGHS thread per worker
