"""Monotonic properties of the optimum, checked with hypothesis on a small plant.

A tighter target never lowers cost; a higher capex never raises that technology's
capacity; adding a technology never raises cost. Each example is a full solve, so the
example counts are small; the strategies span the interesting range.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathway.reference.validate import load_scenario
from pathway.runs.pipeline import run_loaded

SMALL = {
    "name": "property_plant",
    "factory": {"name": "Property plant", "sector": "electronics", "grid_region": "east",
                "latitude_deg": 31.3, "longitude_deg": 120.6},
    "horizon": {"base_year": 2025, "target_year": 2027, "end_year": 2027, "discount_rate": 0.06},
    "time": {"mode": "representative_days", "representative_days": 2},
    "production": {"output_per_yr": 1000, "unit": "t", "growth_per_yr": 0.02},
    "baseline": {
        "electricity_mwh": 5000,
        "electricity_profile": {"shape": "two_shift"},
        "fuels": {"natural_gas_m3": 200_000},
        "heat_loads": [{"name": "hot_water", "temperature_c": 60, "fuel": "natural_gas", "fuel_share": 1.0}],
    },
    "prices": {"tou_periods": [{"name": "valley", "hours": "0-8", "price_cny_per_kwh": 0.32},
                               {"name": "flat", "hours": "8-17", "price_cny_per_kwh": 0.65},
                               {"name": "peak", "hours": "17-24", "price_cny_per_kwh": 1.0}],
               "natural_gas_cny_per_m3": 3.6, "gec_cny_per_mwh": 30},
    "technologies": {"pv": {"max_kw": 2000}, "heat_pump_low": {}, "green_certificates": {}},
    "target": {"preset": "custom"},
}
SETTINGS = settings(max_examples=5, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def cost_and_caps(data: dict, write_yaml, name: str) -> tuple[float, dict]:
    r = run_loaded(load_scenario(write_yaml(data, name)))
    cap = r.tables["capacity"]
    last = cap[cap.year == cap.year.max()].set_index("technology")["capacity"].to_dict()
    return r.summary["total_cost_npv_cny"], last


@SETTINGS
@given(a=st.floats(0.0, 0.95), b=st.floats(0.0, 0.95))
def test_tighter_target_never_lowers_cost(write_yaml, a, b):
    lo, hi = sorted((a, b))
    d_lo, d_hi = copy.deepcopy(SMALL), copy.deepcopy(SMALL)
    d_lo["target"]["min_own_reduction_share"] = lo
    d_hi["target"]["min_own_reduction_share"] = hi
    c_lo, _ = cost_and_caps(d_lo, write_yaml, "lo.yaml")
    c_hi, _ = cost_and_caps(d_hi, write_yaml, "hi.yaml")
    assert c_hi >= c_lo * (1 - 1e-7)


@SETTINGS
@given(c1=st.floats(500, 8000), c2=st.floats(500, 8000))
def test_higher_capex_never_raises_capacity(write_yaml, c1, c2):
    cheap, dear = sorted((c1, c2))
    caps = []
    for c, name in ((cheap, "cheap.yaml"), (dear, "dear.yaml")):
        d = copy.deepcopy(SMALL)
        d["target"]["min_own_reduction_share"] = 0.5
        d["technologies"]["pv"]["capex_cny_per_kw"] = c
        caps.append(cost_and_caps(d, write_yaml, name)[1]["pv"])
    assert caps[1] <= caps[0] + 1e-6


@SETTINGS
@given(extra=st.sampled_from(["battery", "electric_boiler", "thermal_storage", "offsets", "eff_motors_vfd"]),
       share=st.floats(0.0, 0.9))
def test_adding_a_technology_never_raises_cost(write_yaml, extra, share):
    base = copy.deepcopy(SMALL)
    base["target"]["min_own_reduction_share"] = share
    more = copy.deepcopy(base)
    if extra.startswith("eff_"):
        more["technologies"]["efficiency"] = {extra: {}}
    elif extra == "thermal_storage":
        more["technologies"]["thermal_storage"] = {}
    else:
        more["technologies"][extra] = {}
    c_base, _ = cost_and_caps(base, write_yaml, "base.yaml")
    c_more, _ = cost_and_caps(more, write_yaml, "more.yaml")
    assert c_more <= c_base * (1 + 1e-7)
