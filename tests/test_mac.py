"""The marginal abatement cost (MAC) is the cost of one more tonne of the plant's OWN
reduction, measured by re-solving with the own-emission rules tightened (offsets held
fixed), so it is right when the LP is degenerate and when offsets are bought. Each case
here has an optimum that can be derived on paper. Also: the rule switches on whether
contractual instruments count as own reduction."""

from __future__ import annotations

import pytest

from pathway.errors import InfeasibleTargetError
from pathway.money import crf
from pathway.reference.validate import load_scenario
from pathway.runs.pipeline import run_loaded

F_MKT = 0.6  # residual-mix factor, tCO2/MWh (overridden so the numbers are round)
GEC_CNY_PER_MWH = 6.0
ELECTRICITY_MWH = 1000.0


def _certificate_plant(minimal: dict, **target) -> dict:
    """An all-electric plant whose only lever is green certificates: E = F_MKT x (import - gec)."""
    s = minimal
    s["horizon"] = {"base_year": 2025, "target_year": 2026, "end_year": 2026, "discount_rate": 0.05}
    s["production"]["growth_per_yr"] = 0.0
    s["baseline"] = {"electricity_mwh": ELECTRICITY_MWH}
    s["grid"] = {"location_tco2_per_mwh": 0.5, "residual_mix_tco2_per_mwh": F_MKT}
    s["prices"] = {"flat_electricity_cny_per_kwh": 0.6, "gec_cny_per_mwh": GEC_CNY_PER_MWH, "ccer_cny_per_t": 70.0,
                   "demand_charge_cny_per_kw_month": 0.0}
    s["technologies"] = {"green_certificates": {}}
    s["target"] = {"preset": "custom", **target}
    return s


def _solve(write_yaml, data: dict):
    return run_loaded(load_scenario(write_yaml(data)))


def test_certificate_only_plant_reports_the_certificate_cost_per_tonne(minimal, write_yaml):
    """Own-reduction rule and net ceiling both at 50 % of the baseline, no offsets: the two
    rules are tight at the same point, so the duals can split between them in any way
    (degenerate). One more tonne of own reduction needs 1 / F_MKT MWh more certificates:
    MAC = 6 / 0.6 = 10 CNY/t, whatever the solver's basis."""
    r = _solve(write_yaml, _certificate_plant(minimal, min_own_reduction_share=0.5, max_net_emissions_share=0.5))
    s = r.summary
    baseline = ELECTRICITY_MWH * F_MKT
    assert s["baseline_emissions_t"] == pytest.approx(baseline)
    assert s["emissions_t"]["2026"] == pytest.approx(0.5 * baseline, rel=1e-9)
    assert s["marginal_abatement_cost_cny_per_t"]["2026"] == pytest.approx(GEC_CNY_PER_MWH / F_MKT, rel=1e-6)
    assert s["offset_price_cny_per_t"]["2026"] is None
    assert s["binding_rule"]["2026"] == "own_reduction"


def test_offsets_bought_mac_is_still_the_own_cost_and_the_offset_price_is_beside_it(minimal, write_yaml):
    """Net ceiling 0 with offsets allowed: certificates (10 CNY/t) are cheaper than CCERs
    (70 CNY/t), so certificates cover the grid import up to their cap of 400 MWh and offsets
    the rest. Before, the MAC read the ceiling's dual, the offset price (70). Now: the offset
    price is reported as such and the MAC is the cost of one more own tonne, 10 CNY/t,
    while certificates are not exhausted; once they are (cap reached), no own reduction is
    left: MAC None."""
    data = _certificate_plant(minimal, max_net_emissions_share=0.0, offsets_allowed_before_target_year=True)
    data["technologies"]["offsets"] = {}
    data["technologies"]["green_certificates"] = {"max_mwh_per_yr": 400.0}
    r = _solve(write_yaml, data)
    s = r.summary
    assert s["offsets_t"]["2026"] == pytest.approx((ELECTRICITY_MWH - 400.0) * F_MKT, rel=1e-9)
    assert s["offset_price_cny_per_t"]["2026"] == pytest.approx(70.0)
    assert s["binding_rule"]["2026"] == "ceiling"
    assert s["marginal_abatement_cost_cny_per_t"]["2026"] is None  # certificates at their cap: nothing own left
    data["technologies"]["green_certificates"] = {"max_mwh_per_yr": 2000.0}
    data["prices"]["gec_cny_per_mwh"] = 60.0  # 100 CNY/t: dearer than a CCER, so offsets cover everything
    s = _solve(write_yaml, data).summary
    assert s["offsets_t"]["2026"] == pytest.approx(ELECTRICITY_MWH * F_MKT, rel=1e-9)
    assert s["marginal_abatement_cost_cny_per_t"]["2026"] == pytest.approx(60.0 / F_MKT, rel=1e-6)
    assert s["offset_price_cny_per_t"]["2026"] == pytest.approx(70.0)


def test_ccus_as_the_marginal_lever_reports_its_cost_per_tonne(minimal, write_yaml):
    """Process CO2 only (10,000 t/yr), own reduction >= 40 %, the rest offset (CCER 70 CNY/t,
    net ceiling 0): the old MAC, the ceiling's dual, was the CCER price. CCUS is the only
    own lever; the grid
    is carbon-free here (factors 0) so its energy penalty adds cost but no CO2, and the
    electric boiler for regeneration heat is free to build. One planning year, so a tonne
    captured needs capture capacity for that year alone. On paper, per tonne:

        capex: CRF(5 %, 20 yr) x 1,000 CNY/(t/yr) = 80.24
        opex + transport and storage:        50 + 100 = 150
        compression: 0.1 MWh x 600 CNY/MWh             = 60
        regeneration: 3.6 GJ = 1 MWh_th / 0.9 x 600    = 666.67
        MAC = 956.91 CNY/t
    """
    s = minimal
    s["horizon"] = {"base_year": 2025, "target_year": 2026, "end_year": 2026, "discount_rate": 0.05}
    s["production"]["growth_per_yr"] = 0.0
    s["baseline"] = {"electricity_mwh": 100.0, "process_co2_t": 10_000.0}
    s["grid"] = {"location_tco2_per_mwh": 0.0, "residual_mix_tco2_per_mwh": 0.0}
    s["prices"] = {"flat_electricity_cny_per_kwh": 0.6, "ccer_cny_per_t": 70.0, "demand_charge_cny_per_kw_month": 0.0}
    s["technologies"] = {
        "offsets": {},
        "ccus": {"variant": "ccus_small", "capex_cny_per_t_yr": 1000.0, "opex_cny_per_t": 50.0,
                 "transport_storage_cny_per_t": 100.0, "capture_rate": 0.9, "heat_gj_per_t": 3.6,
                 "elec_kwh_per_t": 100.0, "life_years": 20, "sources": ["process"]},
        "electric_boiler": {"capex_cny_per_kw_th": 0.0, "fom_cny_per_kw_yr": 0.0, "efficiency": 0.9},
    }
    s["target"] = {"preset": "custom", "min_own_reduction_share": 0.4, "max_net_emissions_share": 0.0,
                   "offsets_allowed_before_target_year": True}
    r = _solve(write_yaml, s)
    out = r.summary
    assert out["emissions_t"]["2026"] == pytest.approx(6_000.0, rel=1e-9)
    assert out["offsets_t"]["2026"] == pytest.approx(6_000.0, rel=1e-9)
    assert out["offset_price_cny_per_t"]["2026"] == pytest.approx(70.0)
    expected = crf(0.05, 20) * 1000.0 + 50.0 + 100.0 + 0.1 * 600.0 + 1.0 / 0.9 * 600.0
    assert expected == pytest.approx(956.91, abs=0.01)
    assert out["marginal_abatement_cost_cny_per_t"]["2026"] == pytest.approx(expected, rel=1e-6)
    assert out["binding_rule"]["2026"] == "own_reduction"


def test_no_rule_no_mac(minimal, write_yaml):
    """A custom target with no numbers limits nothing: MAC 0, binding rule 'none'."""
    r = _solve(write_yaml, _certificate_plant(minimal))
    assert r.summary["marginal_abatement_cost_cny_per_t"]["2026"] == 0.0
    assert r.summary["binding_rule"]["2026"] == "none"


def test_certificates_need_not_count_as_own_reduction(minimal, write_yaml):
    """With certificates_count_as_own_reduction false, the own-reduction rule measures
    emissions before certificates: a plant whose only lever is certificates cannot meet a
    50 % own reduction (the ceiling still takes them, market-based). The preset's default
    (true) is reported in the summary."""
    data = _certificate_plant(minimal, min_own_reduction_share=0.5)
    r = _solve(write_yaml, data)
    assert r.summary["certificates_count_as_own_reduction"] is True
    assert r.summary["own_reduction_share_target_year"] == pytest.approx(0.5, rel=1e-9)
    data["target"]["certificates_count_as_own_reduction"] = False
    with pytest.raises(InfeasibleTargetError) as info:
        _solve(write_yaml, data)
    assert "own reduction" in info.value.diagnosis["explanation"]
    # with only a market-based ceiling (no own-reduction rule) certificates still meet it
    data["target"] = {"preset": "custom", "max_net_emissions_share": 0.5, "certificates_count_as_own_reduction": False}
    r = _solve(write_yaml, data)
    assert r.summary["emissions_t"]["2026"] == pytest.approx(0.5 * ELECTRICITY_MWH * F_MKT, rel=1e-9)
    assert r.summary["own_reduction_share_target_year"] == pytest.approx(0.0, abs=1e-9)  # none of it is own


def test_green_power_switch(minimal, write_yaml):
    """The same for green power: not counting, a green-power-only plant cannot cut its own
    emissions; counting, it meets the rule with 500 MWh of green power."""
    data = _certificate_plant(minimal, min_own_reduction_share=0.5)
    data["technologies"] = {"green_power": {}}
    data["prices"]["green_power_premium_cny_per_mwh"] = 30.0
    r = _solve(write_yaml, data)
    assert r.tables["costs"].query("category == 'green_power_premium'").cost_cny.sum() == pytest.approx(500 * 30.0, rel=1e-9)
    assert r.summary["marginal_abatement_cost_cny_per_t"]["2026"] == pytest.approx(30.0 / F_MKT, rel=1e-6)
    data["target"]["green_power_counts_as_own_reduction"] = False
    with pytest.raises(InfeasibleTargetError):
        _solve(write_yaml, data)


@pytest.mark.parametrize("route", ["compiler", "persistent"])
def test_integer_models_are_solved_then_fixed_for_duals_and_probes(route):
    """A model with a binary (the export/import switch is one): the MIP optimum, then the
    LP with the integers fixed gives duals and probe objectives, on both routes.
    min x + 5u  s.t.  x <= 10u,  x >= 3.5:  u = 1, x = 3.5, cost 8.5, dual of x >= 3.5 is 1;
    a probe fixing x changes nothing (8.5); the binary is left unfixed and binary after."""
    import pyomo.environ as pyo

    from pathway.solve.highs import solve
    from pathway.solve.options import SolverOptions

    m = pyo.ConcreteModel()
    m.has_integers = True
    m.x = pyo.Var(domain=pyo.NonNegativeReals)
    m.u = pyo.Var(domain=pyo.Binary)
    m.c1 = pyo.Constraint(expr=m.x <= 10 * m.u)
    m.c2 = pyo.Constraint(expr=m.x >= 3.5)
    m.obj = pyo.Objective(expr=m.x + 5 * m.u)
    out = solve(m, SolverOptions(route=route), want_duals=(m.c2,), probes={"fix x": ([], [m.x])})
    assert out.status == "optimal" and out.objective == pytest.approx(8.5)
    assert pyo.value(m.u) == pytest.approx(1.0) and pyo.value(m.x) == pytest.approx(3.5)
    assert list(out.duals.values()) == [pytest.approx(1.0)]
    assert out.probe_objectives == {"fix x": pytest.approx(8.5)}
    assert m.u.domain is pyo.Binary and not m.u.fixed


def test_cement_2030_mac_is_the_own_abatement_cost_not_the_ccer_price():
    """The bundled cement plant in 2030: the own-reduction rule binds with CCUS as the
    marginal lever while CCERs cover the rest; the MAC is CCUS's cost per tonne (several
    hundred CNY/t), reported beside the CCER price, not equal to it."""
    from pathway.runs.pipeline import run_file

    from .conftest import SCENARIOS

    s = run_file(SCENARIOS / "huzhou_cement_ccus_2030.yaml").summary
    assert s["binding_rule"]["2030"] == "own_reduction"
    ccer = s["offset_price_cny_per_t"]["2030"]
    assert ccer == pytest.approx(70.76)
    assert s["marginal_abatement_cost_cny_per_t"]["2030"] > 5 * ccer
