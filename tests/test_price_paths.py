"""Prices that change by year in data/prices.csv reach the model year by year."""

from __future__ import annotations

import pytest

from pathway.reference.catalogue import default_price
from pathway.reference.validate import load_scenario
from pathway.runs.pipeline import run_loaded


def test_certificate_price_follows_its_path(minimal, write_yaml):
    """Certificates of year y cost the price of year y (vintage rule): with base year 2023
    the plan buys 2024 certificates at the 2024 price and 2025 ones at the 2025 price."""
    s = minimal
    s["horizon"] = {"base_year": 2023, "target_year": 2025, "end_year": 2025, "discount_rate": 0.05}
    s["grid"] = {"factor_year": 2023}
    s["prices"] = {"flat_electricity_cny_per_kwh": 0.6, "demand_charge_cny_per_kw_month": 0.0}
    s["technologies"] = {"green_certificates": {}}
    s["target"] = {"preset": "custom", "max_net_emissions_share": 0.5}
    r = run_loaded(load_scenario(write_yaml(s)))
    c = r.tables["costs"].query("category == 'green_certificates'").set_index("year").cost_cny
    bought = r.tables["pathway"].set_index("year")
    p24, p25 = default_price("gec_cny_per_mwh", 2024), default_price("gec_cny_per_mwh", 2025)
    assert p24 != p25, "the bundled path should differ between 2024 and 2025 for this test to mean anything"
    f = 0.6096  # residual mix 2023, held flat
    for y, p in ((2024, p24), (2025, p25)):
        gec_mwh = (1000 * f - bought.loc[y, "emissions_t"]) / f  # certificates bought, from the emissions they cut
        assert gec_mwh > 0
        assert c[y] == pytest.approx(p * gec_mwh, rel=1e-9)
