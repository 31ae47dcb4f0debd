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
#   2027: 800 x 640 x 0.05  = 25 600 CNY;  with 25 % paid in China at 60 CNY/t: - 200 x 60 = 13 600
#   2030: 800 x 640 x 0.485 = 248 320 CNY; with the same deduction: 236 320
def _steel_case(paid_share: float):
    data = load_cbam_data(eu_ets_eur_per_t={2027: 80.0, 2030: 80.0}, cny_per_eur=8.0)
    plant = [PlantYear(y, 2000.0, 3000.0, 1000.0) for y in (2027, 2030)]
    part = Product("bolt", "piece", {2027: 10_000.0, 2030: 10_000.0}, mass_t_per_unit=0.5)
    fp = footprint_table(plant, [part], "mass")
    cb = CbamProduct("bolt", cbam_category("7318 15 90", data), 0.5, {2027: 4000.0, 2030: 4000.0})
    return cbam_table(fp, [cb], data, {2027: 60.0, 2030: 60.0}, {2027: paid_share, 2030: paid_share}).set_index("year")


def test_cbam_cost_steel_part_2027_and_2030():
    t = _steel_case(0.0)
    assert t.loc[2027, "category"] == "iron_and_steel" and not t.loc[2027, "indirect_counted"]
    assert t.loc[2027, "embedded_t_per_t"] == pytest.approx(0.4)
    assert t.loc[2027, "embedded_exported_t"] == pytest.approx(800.0)
    assert t.loc[2027, "cbam_cost_cny"] == pytest.approx(25_600.0)
    assert t.loc[2030, "cbam_cost_cny"] == pytest.approx(248_320.0)
    paid = _steel_case(0.25)
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
