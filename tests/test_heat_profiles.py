"""Defect 6: each heat load has its own hourly profile (default: the plant's shift shape),
and heat-pump COP beyond the tabulated temperatures follows a fitted Carnot fraction."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from pathway.errors import ScenarioError
from pathway.inputs.prepare import prepare
from pathway.reference.validate import load_scenario


def _heat_plant(minimal: dict, **load) -> dict:
    minimal["baseline"] = {
        "electricity_mwh": 1000, "electricity_profile": {"shape": "two_shift"},
        "fuels": {"natural_gas_m3": 100_000},
        "heat_loads": [{"name": "hot_water", "temperature_c": 60, "fuel": "natural_gas", "fuel_share": 1.0, **load}],
    }
    minimal["prices"]["natural_gas_cny_per_m3"] = 3.5
    minimal["prices"]["demand_charge_cny_per_kw_month"] = 0
    minimal["time"] = {"mode": "hourly"}
    return minimal


def _csv(path, values):
    path.write_text("hour,heat_kw\n" + "\n".join(f"{i},{v}" for i, v in enumerate(values)) + "\n")


def test_heat_load_takes_its_own_profile(minimal, write_yaml):
    """A flat heat load beside a two-shift plant: every hour carries 1/8760 of the year's
    heat (weights are 1 in hourly mode), while electricity keeps its shift shape."""
    md = prepare(load_scenario(write_yaml(_heat_plant(minimal, profile={"shape": "flat"}))))
    (hl,) = md.heat_loads
    assert hl.shape.shape == (365, 24)
    np.testing.assert_allclose(hl.shape, 1 / 8760, rtol=1e-12)
    assert md.elec_shape.max() > 2 * md.elec_shape.min()  # two shifts: 1 vs 0.35 by day


def test_heat_profile_defaults_to_the_electricity_profile(minimal, write_yaml):
    md = prepare(load_scenario(write_yaml(_heat_plant(minimal))))
    np.testing.assert_array_equal(md.heat_loads[0].shape, md.elec_shape)


def test_heat_profile_csv_resolves_from_the_file_that_names_it(minimal, write_yaml, tmp_path):
    base_dir = tmp_path / "plants"
    base_dir.mkdir()
    values = np.where(np.arange(8760) % 24 < 6, 4.0, 1.0)  # night-heavy heat
    _csv(base_dir / "heat.csv", values)
    data = _heat_plant(minimal, profile={"shape": "csv", "csv": "heat.csv", "column": "heat_kw"})
    (base_dir / "base.yaml").write_text(yaml.safe_dump(data))
    child = write_yaml({"extends": "plants/base.yaml", "name": "child"}, "child.yaml")
    md = prepare(load_scenario(child))
    assert md.heat_loads[0].shape[0, 0] == pytest.approx(4.0 / values.sum(), rel=1e-12)
    assert md.heat_loads[0].shape[0, 12] == pytest.approx(1.0 / values.sum(), rel=1e-12)


def test_missing_heat_profile_csv_is_reported_at_load(minimal, write_yaml):
    data = _heat_plant(minimal, profile={"shape": "csv", "csv": "nowhere.csv"})
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(data))
    (p,) = info.value.problems
    assert p.field == "baseline.heat_loads[0].profile.csv" and "profile CSV not found" in p.message


def test_distinct_heat_profiles_are_clustered_with_the_other_series(minimal, write_yaml, tmp_path, monkeypatch):
    """Representative days: a heat profile unlike the electricity one is one of tsam's
    series (so the typical days represent it and keep its annual energy), and a new
    profile is a new cache key, never a stale hit."""
    monkeypatch.setenv("PATHWAY_CACHE_DIR", str(tmp_path / "cache"))
    data = _heat_plant(minimal, profile={"shape": "one_shift"})
    data["baseline"]["electricity_profile"] = {"shape": "three_shift"}
    data["time"] = {"mode": "representative_days", "representative_days": 3}
    md = prepare(load_scenario(write_yaml(data, "a.yaml")))
    assert "heat_0" in md.periods.series
    w = md.weights
    shape = md.heat_loads[0].shape
    assert (w[:, None] * shape).sum() == pytest.approx(1.0, rel=1e-12)
    assert not np.allclose(shape, md.elec_shape)
    # weekdays work 8-17 h at 1, other hours 0.25: the typical days keep that pattern
    assert shape[:, 12].max() == pytest.approx(4 * shape[:, 3].max(), rel=1e-9)
    data["baseline"]["heat_loads"][0]["profile"] = {"shape": "flat"}
    md2 = prepare(load_scenario(write_yaml(data, "b.yaml")))
    assert md2.heat_loads[0].shape.max() == pytest.approx(md2.heat_loads[0].shape.min(), rel=1e-12)
    # the same shape as the electricity profile is not clustered twice
    data["baseline"]["heat_loads"][0]["profile"] = {"shape": "three_shift"}
    md3 = prepare(load_scenario(write_yaml(data, "c.yaml")))
    assert "heat_0" not in md3.periods.series
    np.testing.assert_array_equal(md3.heat_loads[0].shape, md3.elec_shape)


def test_heat_balance_follows_the_loads_own_shape(minimal, write_yaml):
    """The existing boiler retires in 2026 and an electric boiler takes over: with a flat
    heat profile its capacity is the mean hourly heat, Q / 8760 (by hand: 100,000 m3 x
    0.038931 GJ/m3 x 0.9 / 3.6 GJ/MWh = 973.3 MWh_th, so 0.1111 MW_th), not the peak of the
    plant's two-shift electricity shape (which would need 0.171 MW_th)."""
    from pathway.runs.pipeline import run_loaded

    data = _heat_plant(minimal, profile={"shape": "flat"}, existing_boiler_retire_year=2026)
    data["technologies"] = {"electric_boiler": {}}
    data["time"] = {"mode": "representative_days", "representative_days": 4}
    r = run_loaded(load_scenario(write_yaml(data)))
    q = r.md.heat_loads[0].demand_mwh_base
    assert q == pytest.approx(100_000 * 0.038931 * 0.9 / 3.6, rel=1e-3)
    cap = r.tables["capacity"].query("technology == 'electric_boiler' and year == 2026").capacity.iloc[0]
    assert cap == pytest.approx(q / 8760, rel=1e-6)
    checks = r.tables["checks"]
    assert checks[checks.check.str.startswith("heat balance")].passed.all()


def test_bau_replacement_peak_uses_each_loads_own_shape(minimal, write_yaml):
    """Two retiring loads, one flat and one one-shift: the replacement boiler's peak is the
    largest hour of their sum, each with its own shape."""
    from pathway.finance.bau import replacement_peak_mw

    data = _heat_plant(minimal, fuel_share=0.5, profile={"shape": "flat"}, existing_boiler_retire_year=2027)
    data["baseline"]["heat_loads"].append({"name": "ovens", "temperature_c": 150, "fuel": "natural_gas", "fuel_share": 0.5,
                                           "profile": {"shape": "one_shift"}, "existing_boiler_retire_year": 2027})
    md = prepare(load_scenario(write_yaml(data)))
    a, b = md.heat_loads
    expected = np.max(a.demand_mwh_base * a.shape + b.demand_mwh_base * b.shape)
    assert replacement_peak_mw(md) == pytest.approx(expected, rel=1e-12)
    # not the electricity shape's peak (two shifts), which the heat used to follow
    assert replacement_peak_mw(md) != pytest.approx((a.demand_mwh_base + b.demand_mwh_base) * md.elec_shape.max(), rel=1e-3)


def test_heat_pump_cop_beyond_the_table_follows_a_carnot_fraction():
    """Catalogue heat_pump_low: COP 3.5 at 60 °C and 2.6 at 80 °C. By hand, in kelvin:
    COP = eta T / (T - Ts) through both points gives 3.5 (333.15 - Ts) / 333.15 =
    2.6 (353.15 - Ts) / 353.15, so Ts = 286.30 K and eta = 3.5 x 46.85 / 333.15 = 0.4922;
    at 90 °C: 0.4922 x 363.15 / (363.15 - 286.30) = 2.326 (clamped interpolation gave 2.6)."""
    from pathway.inputs.prepare import carnot_fit, cop_at

    points = {60.0: 3.5, 80.0: 2.6}
    eta, t_src = carnot_fit(points)
    assert t_src == pytest.approx(286.30, abs=0.02)
    assert eta == pytest.approx(0.4922, abs=2e-4)
    assert cop_at(points, 90.0) == pytest.approx(2.326, abs=2e-3)
    assert cop_at(points, 70.0) == pytest.approx(3.05, rel=1e-12)  # linear inside the table, as before
    assert cop_at(points, 80.0) == pytest.approx(2.6, rel=1e-12)


def test_heat_pump_low_serves_a_90c_load_at_cop_2_3(minimal, write_yaml):
    data = _heat_plant(minimal, temperature_c=90)
    data["technologies"] = {"heat_pump_low": {}}
    md = prepare(load_scenario(write_yaml(data)))
    assert 1 / md.heat_techs["heat_pump_low"].elec_per_heat["hot_water"] == pytest.approx(2.326, abs=2e-3)
