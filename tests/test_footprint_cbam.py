"""Product footprint, CBAM and national-ETS exposure (pathway.analysis.footprint / cbam):
small cases derived by hand."""

from __future__ import annotations

import pytest

from pathway.analysis.cbam import (
    CbamProduct,
    cbam_category,
    cbam_cost_cny,
    cbam_table,
    ets_position,
    ets_table,
    load_cbam_data,
)
from pathway.analysis.footprint import Material, PlantYear, Product, allocation_shares, footprint_table
from pathway.reference.data import read_data_csv

# Two products, mass allocation, one purchased material (into A):
#   A: 1000 units x 2 t = 2000 t;  B: 3000 units x 1 t = 3000 t  -> shares 0.4 / 0.6
#   plant: S1 500 t, S2 location 1000 t, S2 market 250 t
#   A gate-to-gate location = 0.4 x (500 + 1000) / 1000 units = 0.6 t = 600 kg/unit
#   A gate-to-gate market   = 0.4 x (500 + 250)  / 1000       = 0.3 t = 300 kg/unit
#   B location = 0.6 x 1500 / 3000 = 0.3 t = 300 kg; market = 0.6 x 750 / 3000 = 150 kg
#   material: 1500 kg of steel per unit of A x 2.0 kgCO2e/kg = 3000 kg/unit
#   A cradle-to-gate = 600 + 3000 = 3600 (location), 300 + 3000 = 3300 (market)
PLANT = [PlantYear(2027, scope1_t=500.0, scope2_location_t=1000.0, scope2_market_t=250.0)]
PRODUCTS = [Product("A", "piece", {2027: 1000.0}, mass_t_per_unit=2.0, value_cny_per_unit=100.0),
            Product("B", "piece", {2027: 3000.0}, mass_t_per_unit=1.0, value_cny_per_unit=100.0)]
STEEL = Material("steel", "A", quantity_per_unit=1500.0, quantity_unit="kg", factor_kgco2e_per_quantity_unit=2.0)


def test_two_product_footprint_mass_allocation_with_one_material():
    fp = footprint_table(PLANT, PRODUCTS, "mass", [STEEL]).set_index("product")
    assert fp.loc["A", "allocation_share"] == pytest.approx(0.4)
    assert fp.loc["B", "allocation_share"] == pytest.approx(0.6)
    assert fp.loc["A", "gate_to_gate_location_kgco2e_per_unit"] == pytest.approx(600.0)
    assert fp.loc["A", "gate_to_gate_market_kgco2e_per_unit"] == pytest.approx(300.0)
    assert fp.loc["B", "gate_to_gate_location_kgco2e_per_unit"] == pytest.approx(300.0)
    assert fp.loc["B", "gate_to_gate_market_kgco2e_per_unit"] == pytest.approx(150.0)
    assert fp.loc["A", "materials_kgco2e_per_unit"] == pytest.approx(3000.0)
    assert fp.loc["B", "materials_kgco2e_per_unit"] == 0.0
    assert fp.loc["A", "cradle_to_gate_location_kgco2e_per_unit"] == pytest.approx(3600.0)
    assert fp.loc["A", "cradle_to_gate_market_kgco2e_per_unit"] == pytest.approx(3300.0)
    # identity: allocated emissions add back up to the plant's
    assert fp["scope1_t"].sum() == pytest.approx(500.0)
    assert (fp.gate_to_gate_location_kgco2e_per_unit * fp.output_units).sum() / 1000 == pytest.approx(1500.0)


def test_economic_and_metered_rules():
    # equal value per unit: shares follow units, 1000 : 3000
    assert allocation_shares(PRODUCTS, "economic", 2027) == pytest.approx({"A": 0.25, "B": 0.75})
    metered = [Product("A", "t", {2027: 1.0}, metered_share=0.7), Product("B", "t", {2027: 1.0}, metered_share=0.3)]
    assert allocation_shares(metered, "metered", 2027) == pytest.approx({"A": 0.7, "B": 0.3})
    bad = [Product("A", "t", {2027: 1.0}, metered_share=0.7), Product("B", "t", {2027: 1.0}, metered_share=0.2)]
    with pytest.raises(ValueError, match="sum to 0.9"):
        allocation_shares(bad, "metered", 2027)
    with pytest.raises(ValueError, match="value_cny_per_unit"):
        allocation_shares([Product("A", "t", {2027: 1.0}, mass_t_per_unit=1.0)], "economic", 2027)


# A steel part (CN 7318, iron and steel: direct emissions only). One product, 10 000 parts
# of 0.5 t = 5000 t; plant S1 2000 t, S2 location 3000 t -> direct 0.4 t/t, indirect 0.6 t/t
# (not counted). 4000 parts = 2000 t exported -> embedded 800 t.
# EU price 80 EUR/t x 8 CNY/EUR = 640 CNY/t.
#   2027: 800 x 640 x 0.05  = 25 600 CNY;  with the plant paying 60 CNY/t in China on T = 500 t,
#         the export's share 0.4 x 1 x 500 = 200 t: - 200 x 60 = 13 600
#   2030: 800 x 640 x 0.485 = 248 320 CNY; with the same deduction: 236 320
def _steel_case(plant_paid_t: float):
    data = load_cbam_data(eu_ets_eur_per_t={2027: 80.0, 2030: 80.0}, cny_per_eur=8.0)
    plant = [PlantYear(y, 2000.0, 3000.0, 1000.0) for y in (2027, 2030)]
    part = Product("bolt", "piece", {2027: 10_000.0, 2030: 10_000.0}, mass_t_per_unit=0.5)
    fp = footprint_table(plant, [part], "mass")
    cb = CbamProduct("bolt", cbam_category("7318 15 90", data), 0.5, {2027: 4000.0, 2030: 4000.0})
    return cbam_table(fp, [cb], data, {2027: 60.0, 2030: 60.0}, {2027: plant_paid_t, 2030: plant_paid_t}).set_index("year")


def test_cbam_cost_steel_part_2027_and_2030():
    t = _steel_case(0.0)
    assert t.loc[2027, "category"] == "iron_and_steel" and not t.loc[2027, "indirect_counted"]
    assert t.loc[2027, "embedded_t_per_t"] == pytest.approx(0.4)
    assert t.loc[2027, "embedded_exported_t"] == pytest.approx(800.0)
    assert t.loc[2027, "cbam_cost_cny"] == pytest.approx(25_600.0)
    assert t.loc[2030, "cbam_cost_cny"] == pytest.approx(248_320.0)
    paid = _steel_case(500.0)
    assert paid.loc[2027, "china_paid_t"] == pytest.approx(200.0)
    assert paid.loc[2027, "cbam_cost_cny"] == pytest.approx(13_600.0)
    assert paid.loc[2030, "cbam_cost_cny"] == pytest.approx(236_320.0)


def test_cbam_cost_never_negative_and_indirect_counted_for_cement():
    assert cbam_cost_cny(10.0, 100.0, 0.05, 100.0, 10.0) == 0.0  # 50 due, 1000 paid
    data = load_cbam_data()
    assert cbam_category("2523 29 00", data) == "cement" and data.indirect_counted["cement"]
    assert cbam_category("7616 99 90", data) == "aluminium" and not data.indirect_counted["aluminium"]
    assert cbam_category("8708 99 97", data) is None  # a car part: out of scope


def test_bundled_cbam_phase_in_and_price_path():
    data = load_cbam_data()
    want = {2025: 0.0, 2026: 0.025, 2027: 0.05, 2028: 0.10, 2029: 0.225, 2030: 0.485, 2031: 0.61, 2032: 0.735,
            2033: 0.86, 2034: 1.0, 2040: 1.0}
    assert {y: data.share(y) for y in want} == pytest.approx(want)
    assert data.eu_price_cny(2030) == pytest.approx(75.0 * 8.1)  # 2025 average held flat x the estimated rate
    for name in ("cbam.csv", "cbam_goods.csv", "ets_sectors.csv", "material_factors.csv"):
        df = read_data_csv(name)
        assert df["source"].str.contains("http").all(), name
        assert df[[c for c in ("year", "source_year") if c in df][0]].notna().all(), name


def test_ets_shortfall_cost():
    # benchmark 1.8 t/t x 100 000 t = 180 000 t allocated; 190 000 t emitted -> 10 000 t short
    # x 62.36 CNY/t (the 2025 CEA average in prices.csv) = 623 600 CNY
    pos = ets_position(190_000.0, 1.8, 100_000.0, 62.36)
    assert (pos.allocation_t, pos.shortfall_t) == pytest.approx((180_000.0, 10_000.0))
    assert pos.cost_cny == pytest.approx(623_600.0)
    surplus = ets_table({2027: 170_000.0}, {2027: 100_000.0}, 1.8, {2027: 62.36}).iloc[0]
    assert surplus.shortfall_t == pytest.approx(-10_000.0) and surplus.ets_cost_cny == pytest.approx(-623_600.0)


# ---- the scenario block, the CLI and the bundled scenario ---------------------------------------

import copy  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from pathway.analysis.exposure import exposure_tables  # noqa: E402
from pathway.cli import app  # noqa: E402
from pathway.errors import ScenarioError  # noqa: E402
from pathway.reference.validate import load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FASTENERS = ROOT / "scenarios" / "ningbo_fasteners_2027.yaml"


def _fake_tables() -> dict[str, pd.DataFrame]:
    """A solved run's tables reduced to what exposure_tables reads: base year 2025
    (inventory), plan years 2026-2027 (emissions, pathway)."""
    inv = pd.DataFrame([dict(scope=1, source="fuel", method="both", emissions_t=3000.0),
                        dict(scope=2, source="grid", method="location", emissions_t=9000.0),
                        dict(scope=2, source="grid", method="market", emissions_t=10_000.0)])
    em = pd.DataFrame([dict(year=y, source=s, scope=sc, method=m, emissions_t=v)
                       for y in (2026, 2027)
                       for s, sc, m, v in (("fuel", 1, "both", 2500.0), ("grid", 2, "location", 8000.0),
                                           ("grid", 2, "market", 1000.0 * (2028 - y)))])
    pw = pd.DataFrame({"year": [2026, 2027], "output": [30_900.0, 31_827.0]})
    return {"inventory": inv, "emissions": em, "pathway": pw}


FULL_BLOCK = {
    "allocation": "mass",
    "products": [{"name": "bolts", "output_units_per_yr": 18000, "growth_per_yr": 0.02, "mass_t_per_unit": 1.0,
                  "cn_code": "7318 15 90", "eu_export_share": 0.4},
                 {"name": "nuts", "output_units_per_yr": 12000, "mass_t_per_unit": 0.8, "cn_code": "7318 16 91",
                  "eu_export_share": 0.25}],
    "materials": [{"name": "rod", "product": "bolts", "quantity_per_unit": 1050, "factor_kgco2e_per_quantity_unit": 2.0,
                   "cbam_precursor_kgco2e_per_quantity_unit": 1.5},
                  {"name": "rod", "product": "nuts", "quantity_per_unit": 900, "factor_id": "crude_steel_world_average"}],
    "cbam": {"eu_ets_eur_per_t": {2026: 70, 2027: 80}, "cny_per_eur": 8.0},
    "ets": {"benchmark_tco2_per_unit": 0.05, "price_cny_per_t": {2025: 60, 2027: 70}},
}


def _write(tmp_path: Path, block: dict, name: str = "s") -> Path:
    data = yaml.safe_load(FASTENERS.read_text(encoding="utf-8"))
    data["footprint"] = block
    f = tmp_path / f"{name}.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return f


def _outputs(path: Path) -> dict[str, pd.DataFrame]:
    loaded = load_scenario(path)
    return exposure_tables(loaded.scenario, _fake_tables(), path.parent, str(path))


def test_footprint_fields_take_effect_or_are_refused(tmp_path):
    """Every numeric field of the footprint: block changes what pathway footprint writes
    (the LP ignores the block: tests/test_no_dead_fields.py exempts it for this test)."""
    from pathway.scenario.schema import Scenario
    from tests.test_no_dead_fields import _instances, _label, _new_value, _numeric_paths, _set

    f0 = _write(tmp_path, FULL_BLOCK, "base")
    out0 = _outputs(f0)
    dumped = load_scenario(f0).scenario.model_dump()
    checked = 0
    for spath in _numeric_paths(Scenario):
        if spath[0] != "footprint":
            continue
        for i, (path, value) in enumerate(_instances(dumped, spath)):
            if value is None:
                continue  # unset alternatives (e.g. factor_id vs factor; metered_share under mass): refused if given, below
            block = copy.deepcopy(FULL_BLOCK)
            _set({"footprint": block}, path, _new_value(path, value))
            out = _outputs(_write(tmp_path, block, f"v{checked}_{i}"))
            checked += 1
            assert any(not out[k].equals(out0[k]) for k in out0), f"{_label(path)} changes nothing"
    assert checked >= 12
    for bad, field in ((dict(metered_share=0.5), "metered_share"), (dict(value_cny_per_unit=9.0), "value_cny_per_unit")):
        block = copy.deepcopy(FULL_BLOCK)
        block["products"][0].update(bad)
        with pytest.raises(ScenarioError, match=field):
            load_scenario(_write(tmp_path, block, f"bad_{field}"))


def test_exposure_tables_hand_checked(tmp_path):
    """The fake plant of _fake_tables with FULL_BLOCK, year 2027:
    bolts 18000 x 1.02^2 = 18727.2 t, nuts 12000 x 1.03^2 x 0.8 t = 10185.12 t (mass shares);
    ETS: covered 2500 t, allocation 0.05 x 31827 = 1591.35 t, shortfall 908.65 t x 70 = 63 605.5 CNY;
    CBAM bolts: direct = share x 2500 / 18727.2 t, plus the wire rod precursor 1050 kg x 1.5 = 1.575 t/t;
    exported 0.4 x 18727.2 t;
    China-paid tonnes for the bolts: 0.4 x share x 908.65; cost = E x 640 x 0.05 - 70 x those."""
    out = _outputs(_write(tmp_path, FULL_BLOCK))
    ets = out["ets"].set_index("year")
    assert ets.loc[2027, "allocation_t"] == pytest.approx(1591.35)
    assert ets.loc[2027, "shortfall_t"] == pytest.approx(908.65)
    assert ets.loc[2027, "ets_cost_cny"] == pytest.approx(63_605.5)
    assert ets.loc[2025, "price_cny_per_t"] == 60 and ets.loc[2026, "price_cny_per_t"] == 60
    mb, mn = 18000 * 1.02 ** 2, 12000 * 1.03 ** 2 * 0.8
    share_b = mb / (mb + mn)
    fp = out["footprint"].set_index(["product", "year"])
    assert fp.loc[("bolts", 2027), "allocation_share"] == pytest.approx(share_b)
    assert fp.loc[("bolts", 2027), "gate_to_gate_location_kgco2e_per_unit"] == pytest.approx(1000 * share_b * 10_500 / mb)
    assert fp.loc[("nuts", 2027), "materials_kgco2e_per_unit"] == pytest.approx(900 * 1.92)
    cb = out["cbam"].set_index(["product", "year"])
    assert cb.loc[("bolts", 2027), "precursor_t_per_t"] == pytest.approx(1.575)
    e = (share_b * 2500 / mb + 1.575) * 0.4 * mb
    assert cb.loc[("bolts", 2027), "embedded_exported_t"] == pytest.approx(e)
    assert cb.loc[("bolts", 2027), "cbam_cost_cny"] == pytest.approx(e * 640 * 0.05 - 70 * 0.4 * share_b * 908.65)
    assert cb.loc[("bolts", 2025), "cbam_cost_cny"] == 0.0  # transitional period: nothing payable


def test_footprint_cli_bad_input_exit_2(tmp_path):
    block = copy.deepcopy(FULL_BLOCK)
    block["materials"][1]["factor_id"] = "no_such_factor"
    r = CliRunner().invoke(app, ["footprint", str(_write(tmp_path, block)), "--out", str(tmp_path / "o"),
                                 "--run", str(tmp_path)])
    assert r.exit_code == 2
    text = r.output.replace("\n", "")
    assert "footprint.materials[1].factor_id" in text and "no_such_factor" in text
    assert not (tmp_path / "o").exists()  # no partial output
    no_block = yaml.safe_load(FASTENERS.read_text(encoding="utf-8"))
    del no_block["footprint"]
    f = tmp_path / "none.yaml"
    f.write_text(yaml.safe_dump(no_block), encoding="utf-8")
    r = CliRunner().invoke(app, ["footprint", str(f), "--out", str(tmp_path / "o2")])
    assert r.exit_code == 2 and "footprint" in r.output


def test_bundled_fasteners_footprint_matches_its_run(tmp_path):
    """pathway footprint on the bundled exporter: per-unit footprints times output add back
    up to the run's own scope 1 + 2 (both methods) every year, and the CBAM rows follow
    the formula from the footprint rows."""
    r = CliRunner().invoke(app, ["footprint", str(FASTENERS), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    fp = pd.read_csv(tmp_path / "footprint.csv")
    cb = pd.read_csv(tmp_path / "cbam.csv")
    pinned = pd.read_csv(ROOT / "tests" / "pinned" / "ningbo_fasteners_2027" / "pathway.csv").set_index("year")
    for y, g in fp[fp.year > 2025].groupby("year"):
        loc = (g.gate_to_gate_location_kgco2e_per_unit * g.output_units).sum() / 1000
        mkt = (g.gate_to_gate_market_kgco2e_per_unit * g.output_units).sum() / 1000
        assert loc == pytest.approx(pinned.loc[y, "emissions_location_t"], rel=1e-6)
        assert mkt == pytest.approx(pinned.loc[y, "emissions_market_t"], rel=1e-6)
    row = cb[(cb["product"] == "bolts") & (cb.year == 2030)].iloc[0]
    assert row.embedded_exported_t * row.eu_ets_cny_per_t * 0.485 == pytest.approx(row.cbam_cost_cny)
    assert row.eu_ets_cny_per_t == pytest.approx(75.0 * 8.1)


def test_cbam_counts_purchased_heat_as_direct():
    """Steel case with 500 t of purchased steam inside scope 2 (both methods): CBAM direct =
    (2000 + 500) / 5000 = 0.5 t/t; indirect (electricity) = (3000 - 500) / 5000 = 0.5 t/t.
    2027 cost: 0.5 x 2000 t x 640 x 0.05 = 32 000 CNY."""
    data = load_cbam_data(eu_ets_eur_per_t={2027: 80.0}, cny_per_eur=8.0)
    plant = [PlantYear(2027, 2000.0, 3000.0, 1000.0, scope2_heat_t=500.0)]
    part = Product("bolt", "piece", {2027: 10_000.0}, mass_t_per_unit=0.5)
    fp = footprint_table(plant, [part], "mass")
    t = cbam_table(fp, [CbamProduct("bolt", "iron_and_steel", 0.5, {2027: 4000.0})], data, {}, {}).iloc[0]
    assert (t.direct_t_per_t, t.indirect_t_per_t) == pytest.approx((0.5, 0.5))
    assert t.cbam_cost_cny == pytest.approx(32_000.0)


# ---- prices.cbam / prices.ets: the costs in the objective ---------------------------------------


def test_exposure_coefficients_by_hand(tmp_path):
    """One exported product (bolts, CN 7318: direct only), x = 0.4, allocation share 1,
    2027: F = 0.05, P_eu = 80 EUR x 8 = 640 CNY/t -> k1 = kh = 0.4 x 0.05 x 640 = 12.8 CNY/t
    before the China deduction, ke = 0 (indirect not counted); rod 1050 kg x 1.5 kg/kg = 1.575 t/t on
    18000 x 1.02^2 t of bolts exported at 0.4 -> 0.4 x 18727.2 x 1.575 x 32 = 377 540.35 CNY.
    ETS: benchmark 0.05 t/t x 31 827 t = 1591.35 t at 70 CNY/t."""
    from pathway.inputs.exposure import exposure_coefficients

    block = copy.deepcopy(FULL_BLOCK)
    block["products"] = block["products"][:1]
    block["materials"] = block["materials"][:1]
    data = yaml.safe_load(FASTENERS.read_text(encoding="utf-8"))
    data["footprint"] = block
    data["prices"]["cbam"] = True
    f = tmp_path / "c.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    s = load_scenario(f).scenario
    out = {2027: 31_827.0}
    ex = exposure_coefficients(s, [2027], out)
    assert ex.ets is None and len(ex.cbam) == 1
    c = ex.cbam[0]
    # FULL_BLOCK's plant is in the ETS (70 CNY/t in 2027): the deduction 70 x 0.4 per t of S1 and
    # 70 x 0.4 x B Q = 70 x 0.4 x 1591.35 come with it
    assert (c.s1[2027], c.heat[2027], c.elec[2027]) == pytest.approx((12.8 - 28.0, 12.8, 0.0))
    precursor = 0.4 * 18000 * 1.02 ** 2 * 1.575 * 32  # 1050 kg of rod x 1.5 kg/kg = 1.575 t/t
    assert c.const[2027] == pytest.approx(precursor + 28.0 * 1591.35)
    # at S1 = 2000 t, H = 0: L = -15.2 x 2000 + 377 540.35 + 44 557.8 CNY
    assert c.value(2027, 2000.0, 0.0, 0.0) == pytest.approx(-15.2 * 2000 + precursor + 28.0 * 1591.35)
    s_ets = s.model_copy(update={"prices": s.prices.model_copy(update={"ets": True})})
    e = exposure_coefficients(s_ets, [2027], out).ets
    assert (e.s1[2027], e.heat[2027], e.const[2027]) == pytest.approx((70.0, 0.0, -70 * 1591.35))
    assert e.value(2027, 2500.0, 0.0, 0.0) == pytest.approx(63_605.5)  # the ETS shortfall cost of test_exposure_tables_hand_checked
    off = s.model_copy(update={"prices": s.prices.model_copy(update={"cbam": False})})
    assert exposure_coefficients(off, [2027], out).cbam == ()


def test_switches_need_their_data(tmp_path):
    data = yaml.safe_load(FASTENERS.read_text(encoding="utf-8"))
    data["prices"]["ets"] = True  # the fastener plant has no footprint.ets
    f = tmp_path / "e.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError, match="footprint.ets"):
        load_scenario(f)
    del data["footprint"]
    data["prices"] = {**data["prices"], "ets": False, "cbam": True}
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError, match="prices.cbam"):
        load_scenario(f)


@pytest.mark.slow  # two solves of the fastener plant, about 6 s
def test_cbam_in_the_objective(tmp_path):
    """prices.cbam: true adds the CBAM cost to the objective. Identities: the cost table's
    cbam_ets row equals pathway footprint's CBAM total (no floor binds here); the optimum
    with it costs at least the optimum without it, and at most that plan's cost plus its
    CBAM cost (the old plan is still feasible)."""
    from pathway.runs.pipeline import run_file

    data = yaml.safe_load(FASTENERS.read_text(encoding="utf-8"))
    data["prices"]["cbam"] = True
    f = tmp_path / "on.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    off = run_file(FASTENERS)
    on = run_file(f)
    c_on = on.tables["costs"]
    cbam_rows = c_on[c_on.category == "cbam_ets"].set_index("year")
    exp_on = exposure_tables(on.loaded.scenario, on.tables, f.parent, str(f))["cbam"]
    by_year = exp_on[exp_on.year > 2025].groupby("year")["cbam_cost_cny"].sum()
    assert (by_year > 0).all()
    for y, v in by_year.items():
        assert cbam_rows.loc[y, "cost_cny"] == pytest.approx(v, rel=1e-9)
    exp_off = exposure_tables(on.loaded.scenario, off.tables, f.parent, str(f))["cbam"]
    disc = {y: off.md.discount[y] for y in off.md.years}
    extra = sum(disc[y] * v for y, v in exp_off[exp_off.year > 2025].groupby("year")["cbam_cost_cny"].sum().items())
    npv_on, npv_off = on.summary["total_cost_npv_cny"], off.summary["total_cost_npv_cny"]
    assert npv_off - 1e-6 * npv_off <= npv_on <= npv_off + extra + 1e-6 * npv_off
    c_off = off.tables["costs"]
    assert (c_off[c_off.category == "cbam_ets"].cost_cny == 0).all()


def test_report_section_numbers_and_escaping(tmp_path):
    """The report's footprint/CBAM section shows the tables' values, escaped."""
    from pathway.output.exposure_section import exposure_html, exposure_section_data

    block = copy.deepcopy(FULL_BLOCK)
    block["products"][0]["name"] = "<script>bolts</script>"
    block["materials"][0]["product"] = "<script>bolts</script>"
    out = _outputs(_write(tmp_path, block))
    data = exposure_section_data(out)
    fp = out["footprint"]
    assert [r[2] for r in data["footprint"]] == list(fp.gate_to_gate_location_kgco2e_per_unit)
    assert [r[5] for r in data["footprint"]] == list(fp.cradle_to_gate_market_kgco2e_per_unit)
    assert [r[2] for r in data["cbam"]] == pytest.approx(list(out["cbam"].groupby("year").cbam_cost_cny.sum()))
    assert [r[3] for r in data["ets"]] == list(out["ets"].ets_cost_cny)
    page = exposure_html(out, "zh")
    assert "<script" not in page and "&lt;script&gt;bolts&lt;/script&gt;" in page and "产品碳足迹" in page
    assert f"{fp.gate_to_gate_market_kgco2e_per_unit.iloc[0]:,.1f}" in page
    assert exposure_html({k: v for k, v in _fake_tables().items()}) == ""  # no footprint: no section


@pytest.mark.slow  # one solve of the fastener plant
def test_ets_in_the_objective(tmp_path):
    """prices.ets: true with a benchmark of 0.01 t/t: the cost table's cbam_ets row is the
    ETS cost P x (S1 - 0.01 x output) of each year, as pathway footprint reports it (the
    plant stays short of allowances here, so no floor binds)."""
    from pathway.runs.pipeline import run_file

    data = yaml.safe_load(FASTENERS.read_text(encoding="utf-8"))
    data["footprint"]["ets"] = {"benchmark_tco2_per_unit": 0.01, "price_cny_per_t": {2025: 62.36}}
    data["prices"]["ets"] = True
    f = tmp_path / "ets.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    r = run_file(f)
    ets = r.tables["ets"].set_index("year")
    costs = r.tables["costs"]
    rows = costs[costs.category == "cbam_ets"].set_index("year")
    for y in r.md.years:
        assert ets.loc[y, "shortfall_t"] > 0
        assert ets.loc[y, "allocation_t"] == pytest.approx(0.01 * 30_000 * 1.03 ** (y - 2025))
        assert rows.loc[y, "cost_cny"] == pytest.approx(62.36 * ets.loc[y, "shortfall_t"], rel=1e-9)
