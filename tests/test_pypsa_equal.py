"""The equal-problem benchmark's two formulations (benchmarks/bench_pypsa.py): pathway and
a PyPSA network built from pathway's prepared numbers reach the same optimum.

The PyPSA tests skip when pypsa is not installed (it is only in the ``bench`` extra); the
shared problem's numbers are checked without it. The problem is cut to 15 calendar days
(every 26th, each weighing 365/15) over two planning years, so the suite stays fast; the
full hourly 1- and 5-year problems are compared by the benchmark itself."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from pathway.money import crf

from .conftest import ROOT

DAYS = list(range(0, 365, 26))  # 15 days, spread over the year


def _bench():
    spec = importlib.util.spec_from_file_location("bench_pypsa", ROOT / "benchmarks" / "bench_pypsa.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bench():
    return _bench()


@pytest.fixture(scope="module")
def md2(bench):
    return bench.load_model_data(2, days=DAYS)


def test_shared_problem_numbers(bench, md2):
    """Yearly demand is the base year's x growth (20,000 MWh x 1.01^t), also on the cut
    days; prices escalate 2 %/yr; the CO2 ceiling falls linearly from the 12,000 t baseline
    (20,000 MWh x 0.6 t/MWh) to 55 % of it in the target year; weights sum to 365 days."""
    d = bench.shared_problem(md2)
    assert d["years"] == [2026, 2027]
    assert d["weight"].shape == (15 * 24,) and d["weight"].sum() == pytest.approx(365 * 24)
    for i, t in enumerate((1, 2)):
        assert float(d["weight"] @ d["demand_mwh"][i]) == pytest.approx(20_000 * 1.01 ** t, rel=1e-12)
        assert d["discount"][i] == pytest.approx(1.06 ** -t, rel=1e-15)
    np.testing.assert_allclose(d["price_cny_per_mwh"][1], 1.02 * d["price_cny_per_mwh"][0], rtol=1e-14)
    assert d["co2_t_per_mwh"] == 0.6
    # base 2025, target 2027: C(2026) = B + (0.55 B - B) / 2, C(2027) = 0.55 B
    np.testing.assert_allclose(d["ceiling_t"], [12_000 * (1 - 0.45 / 2), 12_000 * 0.55], rtol=1e-12)
    assert d["pv"]["max_capacity"] == pytest.approx(50_000 * 0.2 / 1000)  # roof 50,000 m2 at 0.2 kWp/m2 (catalogue)


def test_shared_problem_refuses_what_pypsa_does_not_state(bench, md2):
    """A feature the PyPSA network has no counterpart for makes ``shared_problem`` refuse,
    so the benchmark never compares unequal problems."""
    from dataclasses import replace

    with pytest.raises(ValueError, match="a demand charge"):
        bench.shared_problem(replace(md2, demand_charge_cny_per_mw_yr=12_000.0))
    with pytest.raises(ValueError, match="PV degradation"):
        bench.shared_problem(replace(md2, pv_degradation_per_yr=0.005))
    with pytest.raises(ValueError, match="export"):
        bench.shared_problem(replace(md2, export_price_cny_per_mwh=300.0))
    grid = dict(md2.grid_market)
    grid[2027] = 0.5
    with pytest.raises(ValueError, match="grid CO2 factor"):
        bench.shared_problem(replace(md2, grid_market=grid))


def test_pypsa_annuity_is_pathways_crf():
    """PyPSA annuitises ``overnight_cost`` with the same capital recovery factor."""
    pypsa = pytest.importorskip("pypsa")
    for r, life in ((0.06, 25), (0.06, 12), (0.0, 10), (0.08, 1)):
        assert pypsa.costs.annuity(r, life) == pytest.approx(crf(r, life), rel=1e-14)


def test_pathway_and_pypsa_reach_the_same_optimum(bench, md2):
    """Same data, two formulations, one optimum: the objectives agree to 1e-6 (relative);
    the roof cap, the CO2 ceiling and the battery's 4-hour limit bind, so their PyPSA
    counterparts are exercised."""
    pytest.importorskip("pypsa")
    opts = bench.highs_solver_options("ipm", 1)
    pw = bench.solve_pathway(md2, "ipm", 1)
    ps = bench.solve_pypsa(bench.shared_problem(md2), opts)
    assert ps["objective_cny"] == pytest.approx(pw["objective_cny"], rel=1e-6)
    assert pw["pv_mw"] == pytest.approx(10.0, rel=1e-9) and ps["pv_mw"] == pytest.approx(10.0, rel=1e-9)
    assert pw["emissions_t"][2027] == pytest.approx(md2.ceiling_t[2027], rel=1e-9)
    assert pw["battery_mwh"] > 1 and pw["battery_mwh"] == pytest.approx(4 * pw["battery_mw"], rel=1e-9)

