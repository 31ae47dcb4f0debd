"""Finance: time value of money against numpy-financial and by hand, loan sizing with the
DSCR or the loan-to-cost limit binding (arithmetic written out), a plan whose savings never
repay its capex, an energy-price sensitivity, and `pathway run` / `pathway finance` end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from pathway import finance as fin
from pathway.cli import app
from pathway.output.finance_section import REPORT_END, REPORT_START, sensitivity_figure
from pathway.output.folder import read_saved
from pathway.runs.sensitivity import energy_price_sensitivity
from pathway.scenario.schema import Finance

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"
YEARS = [2026, 2027, 2028, 2029, 2030]

# A small plant whose gas boiler retires in 2027 and whose cheapest way to its target is an
# electric boiler on 0.6 CNY/kWh power: heat costs more than from gas, so savings never
# repay the capex.
RETIRING = {
    "name": "retiring_boiler",
    "factory": {"name": "Test plant", "sector": "machinery", "grid_region": "east", "latitude_deg": 31.3, "longitude_deg": 120.6},
    "horizon": {"base_year": 2025, "target_year": 2027, "end_year": 2028, "discount_rate": 0.05},
    "time": {"mode": "representative_days", "representative_days": 3},
    "production": {"output_per_yr": 1000, "unit": "t", "growth_per_yr": 0.02},
    "baseline": {
        "electricity_mwh": 2000,
        "fuels": {"natural_gas_m3": 200000},
        "heat_loads": [{"name": "process_steam", "temperature_c": 150, "fuel": "natural_gas", "fuel_share": 1.0,
                        "boiler_efficiency": 0.85, "existing_boiler_retire_year": 2027}],
    },
    "prices": {"flat_electricity_cny_per_kwh": 0.6, "natural_gas_cny_per_m3": 3.5},
    "technologies": {"pv": {"max_kw": 500}, "electric_boiler": {}, "green_certificates": {}},
    "target": {"preset": "custom", "min_own_reduction_share": 0.3},
    "finance": {"loan_to_cost": 0.8, "tenor_years": 3, "min_dscr": 1.3},
}


# ---------------------------------------------------------------------------------------
# fixtures: one optimiser run of the bundled scenario, one of the small plant
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fin") / "jiangsu"
    res = CliRunner().invoke(app, ["run", str(SCENARIO), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def saved(run_dir):
    return read_saved(run_dir)


@pytest.fixture(scope="module")
def retiring(tmp_path_factory):
    from pathway.runs.pipeline import run_file

    d = tmp_path_factory.mktemp("ret")
    path = d / "retiring.yaml"
    path.write_text(yaml.safe_dump(RETIRING, sort_keys=False), encoding="utf-8")
    return run_file(path, d / "out")


def terms(**kw) -> Finance:
    base = dict(loan_to_cost=0.7, tenor_years=5, interest_rate=0.05, grace_years=0, repayment="annuity", min_dscr=1.2,
                kpi_step_down_bp=0.0, kpi_step_up_bp=0.0)
    return Finance(**{**base, **kw})


# ---------------------------------------------------------------------------------------
# time value of money
# ---------------------------------------------------------------------------------------


def test_levers_are_the_results_levers():
    from pathway.technologies import LEVER_ORDER

    assert LEVER_ORDER == LEVER_ORDER


def test_annuity_against_numpy_financial_and_by_hand():
    # A = 1000 x 0.05 / (1 - 1.05^-5) = 50 / (1 - 0.783526) = 50 / 0.216474 = 230.9748
    assert fin.annuity_payment(1000, 0.05, 5) == pytest.approx(230.9748, abs=1e-4)
    for p, r, n in ((1000, 0.05, 5), (5.4e7, 0.031, 3), (1.0, 0.12, 20)):
        assert fin.annuity_payment(p, r, n) == pytest.approx(-npf.pmt(r, n, p), rel=1e-12)
    assert fin.annuity_payment(900, 0.0, 3) == 300.0


def test_npv_against_numpy_financial():
    flows = [-1000.0, 300.0, 400.0, 500.0, 200.0]
    assert fin.npv(0.06, flows, first_t=0) == pytest.approx(npf.npv(0.06, flows), rel=1e-12)
    # the model's convention: the first flow is one year after the base year
    assert fin.npv(0.06, flows) == pytest.approx(npf.npv(0.06, [0.0, *flows]), rel=1e-12)
    # by hand: -100/1.1 + 121/1.21 = -90.909 + 100 = 9.0909
    assert fin.npv(0.1, [-100, 121]) == pytest.approx(100 - 100 / 1.1, rel=1e-12)


def test_irr_against_numpy_financial_and_by_hand():
    assert fin.irr([-100, 110])[0] == pytest.approx(0.10, abs=1e-12)  # 110 / 100 - 1
    # -100 + 60/(1+r) + 60/(1+r)^2 = 0  ->  x = 1/(1+r): 60x^2 + 60x - 100 = 0, x = 0.8844
    # r = 1/0.884437 - 1 = 0.13066
    assert fin.irr([-100, 60, 60])[0] == pytest.approx(0.130662, abs=1e-6)
    for flows in ([-1000, 300, 400, 500, 200], [-500, -300, 250, 250, 250, 250], [-77.4e6, 18.8e6, 25.6e6, 26.5e6, 26.8e6]):
        r, note = fin.irr(flows)
        assert r == pytest.approx(npf.irr(flows), abs=1e-9)
        assert note == ""


def test_irr_not_defined_with_reason():
    r, note = fin.irr([-1000, 10, 10, 10])
    assert r is None and "never repay" in note and "-970" in note
    r, note = fin.irr([0, 5, 5])
    assert r is None and "no investment" in note
    r, note = fin.irr([-5, -5])
    assert r is None and "never positive" in note


def test_payback_by_hand():
    # 100 spent at the start of year 1, 40 a year: cumulative -60, -20, +20 -> 2 + 20/40 = 2.5 years
    assert fin.payback_years([100, 0, 0], [40, 40, 40]) == (2.5, "")
    # discounted at 10% (flows of year t x 1.1^-t): -100/1.1 + 40/1.1 + 40/1.21 = -90.909 + 36.364 + 33.058
    # = -21.488 left, recovered from 40/1.331 = 30.053 -> 2 + 21.488/30.053 = 2.7150 years
    pb, _ = fin.payback_years([100, 0, 0], [40, 40, 40], [1 / 1.1, 1 / 1.21, 1 / 1.331])
    assert pb == pytest.approx(2 + (100 / 1.1 - 40 / 1.1 - 40 / 1.21) / (40 / 1.331), rel=1e-12)
    assert pb == pytest.approx(2.7150, abs=1e-4)
    # 30 a year never repays 100 in three years
    pb, note = fin.payback_years([100, 0, 0], [30, 30, 30])
    assert pb is None and "not repaid" in note
    # capex again in year 3 pushes the crossing later: -60, -20, then -20 - 50 + 40 = -30, then +10
    assert fin.payback_years([100, 0, 50, 0], [40, 40, 40, 40]) == (3 + 30 / 40, "")
    assert fin.payback_years([0, 0], [1, 1])[0] is None


# ---------------------------------------------------------------------------------------
# loan schedule and sizing
# ---------------------------------------------------------------------------------------


def test_amortise_by_hand():
    # 1000 drawn through 2026 at 5 %, 5-year tenor, IDC paid: half a year's interest in the draw
    # year (5 % x 500 = 25), repayment from the next year: annuity 1000 x 0.05/(1-1.05^-4) = 282.0118
    s = fin.amortise(np.array([1000.0, 0, 0, 0, 0]), np.full(5, 0.05), 0, "annuity", idc="paid")
    assert s["debt_service"] == pytest.approx([25.0, *[282.0118] * 4], abs=1e-4)
    assert s["principal"][0] == 0.0 and s["principal"].sum() == pytest.approx(1000.0) and s["closing"][-1] == 0.0
    # IDC capitalised: balance 1025 after 2026, nothing paid; annuity 1025 x 0.2820118 = 289.0621
    s = fin.amortise(np.array([1000.0, 0, 0, 0, 0]), np.full(5, 0.05), 0, "annuity", idc="capitalised")
    assert s["debt_service"] == pytest.approx([0.0, *[289.0621] * 4], abs=1e-4)
    assert s["capitalised_interest"][0] == pytest.approx(25.0)
    # equal principal: 250 a year over 4 years; interest 5 % of 1000, 750, 500, 250
    s = fin.amortise(np.array([1000.0, 0, 0, 0, 0]), np.full(5, 0.05), 0, "equal_principal", idc="paid")
    assert s["principal"][1:] == pytest.approx(np.full(4, 250.0))
    assert s["interest"] == pytest.approx([25, 50, 37.5, 25, 12.5])
    # two years without principal (grace 2): 2027 interest only (50), then an annuity over 3: 367.2086
    s = fin.amortise(np.array([1000.0, 0, 0, 0, 0]), np.full(5, 0.05), 2, "annuity", idc="paid")
    assert s["debt_service"] == pytest.approx([25.0, 50.0, 367.2086, 367.2086, 367.2086], abs=1e-4)


def test_multi_year_drawdown_with_capitalised_idc_by_hand():
    # draws 600 (2026) and 400 (2027), availability 2 years, 2 years before repayment, 5 %, IDC capitalised:
    #   2026: I = 5 % x 600/2 = 15        -> balance 615
    #   2027: I = 5 % x (615 + 400/2) = 40.75 -> balance 615 + 400 + 40.75 = 1055.75
    #   2028-2030: annuity 1055.75 x 0.05/(1-1.05^-3) = 387.6804
    s = fin.amortise(np.array([600.0, 400, 0, 0, 0]), np.full(5, 0.05), 2, "annuity", availability_years=2,
                     idc="capitalised")
    assert s["interest"][:2] == pytest.approx([15.0, 40.75])
    assert s["closing"][1] == pytest.approx(1055.75)
    assert s["debt_service"] == pytest.approx([0, 0, 387.6804, 387.6804, 387.6804], abs=1e-4)
    # the same through size_loan: each year's capex is financed as spent (LTC 50 % of 1000 = 500: draws
    # 300 and 200); IDC 5 % x 150 = 7.5 and 5 % x (307.5 + 100) = 20.375 capitalised
    r = fin.size_loan(YEARS, np.array([600.0, 400, 0, 0, 0]), np.full(5, 1000.0), terms(loan_to_cost=0.5, grace_years=2))
    assert r.schedule.drawdown_cny.to_numpy() == pytest.approx([300, 200, 0, 0, 0])
    assert r.availability_years == 2 and r.first_repayment_year == 2028
    assert r.capitalised_interest_cny == pytest.approx(7.5 + 20.375)
    assert r.schedule.phase.tolist() == ["construction", "construction", "repayment", "repayment", "repayment"]
    assert (r.financed_capex_cny, r.equity_cny) == pytest.approx((1000.0, 500.0))
    # grace 0: repayment from 2027, the 2027 draw joins the balance: 2026 IDC 7.5 capitalised -> 307.5;
    # 2027 Bs = 507.5, interest 5 % x (307.5 + 100) = 20.375 paid, principal 507.5 x (0.2820118 - 0.05)
    r = fin.size_loan(YEARS, np.array([600.0, 400, 0, 0, 0]), np.full(5, 1000.0), terms(loan_to_cost=0.5))
    s = r.schedule
    assert r.first_repayment_year == 2027 and r.capitalised_interest_cny == pytest.approx(7.5)
    assert s.interest_cny.iloc[1] == pytest.approx(20.375)
    assert s.principal_cny.iloc[1] == pytest.approx(507.5 * (0.2820118 - 0.05), abs=1e-4)
    assert s.closing_balance_cny.iloc[-1] == 0.0 and s.principal_cny.sum() == pytest.approx(507.5)


def test_later_capex_is_financed_with_grace_zero():
    # the old bug: with grace 0 only 2026's capex was financed. Capex 600, 400, 0, 100 (2029):
    # availability runs to 2029 (the last capex year inside the 5-year tenor, one repayment year left)
    r = fin.size_loan(YEARS, np.array([600.0, 400, 0, 100, 0]), np.full(5, 1e6), terms(loan_to_cost=0.5))
    assert r.schedule.drawdown_cny.to_numpy() == pytest.approx([300, 200, 0, 50, 0])
    assert (r.financed_capex_cny, r.total_net_capex_cny, r.equity_cny) == pytest.approx((1100.0, 1100.0, 550.0))
    # an explicit 2-year availability period leaves 2029's capex to equity, and says so
    r = fin.size_loan(YEARS, np.array([600.0, 400, 0, 100, 0]), np.full(5, 1e6), terms(loan_to_cost=0.5, availability_years=2))
    assert r.equity_cny == pytest.approx(600.0) and "funded by equity" in r.reason


def test_dscr_binds_by_hand():
    # capex 1000 in 2026, CFADS 100 a year, 5 years at 5 %, IDC paid, annuity, min DSCR 1.2, LTC 70 %:
    #   per CNY of loan: 2026 interest 0.025, then 0.05/(1-1.05^-4) = 0.2820118 a year
    #   L_dscr = 100 / (1.2 x 0.2820118) = 295.49;  L_ltc = 700  ->  the DSCR binds
    r = fin.size_loan(YEARS, np.array([1000.0, 0, 0, 0, 0]), np.full(5, 100.0), terms(idc="paid"))
    assert r.binding == "dscr"
    assert r.debt_cny == pytest.approx(100 / (1.2 * 0.2820118), rel=1e-6)
    assert r.schedule.dscr.to_numpy()[1:] == pytest.approx(np.full(4, 1.2))
    assert r.schedule.headroom_share.to_numpy()[1:] == pytest.approx(np.zeros(4), abs=1e-9)
    assert r.schedule.closing_balance_cny.iloc[-1] == 0.0


def test_sculpting_to_the_dscr_by_hand():
    # CFADS 100 (2026, construction), then 120, 240, 120, 240; target DSCR 1.2 -> shape 100, 200, 100, 200
    # PV at 5 %: 100/1.05 + 200/1.05^2 + 100/1.05^3 + 200/1.05^4 = 527.5682 -> the largest sculpted loan
    # (draw-year interest 0.025 per CNY is covered: 100 / (1.2 x 0.025) = 3333 > 527.57)
    cf = np.array([100.0, 120, 240, 120, 240])
    r = fin.size_loan(YEARS, np.array([1000.0, 0, 0, 0, 0]), cf, terms(idc="paid", repayment="sculpted"))
    assert r.binding == "dscr" and r.debt_cny == pytest.approx(527.5682, abs=1e-4)
    assert r.schedule.dscr.to_numpy()[1:] == pytest.approx(np.full(4, 1.2))
    assert r.schedule.debt_service_cny.to_numpy()[1:] == pytest.approx([100, 200, 100, 200])
    assert r.schedule.closing_balance_cny.iloc[-1] == 0.0
    # LTC 40 % (400) binds: payments scale by 400/527.57, the DSCR is 1.2 x 527.57/400 = 1.5827 every year
    r = fin.size_loan(YEARS, np.array([1000.0, 0, 0, 0, 0]), cf, terms(idc="paid", repayment="sculpted", loan_to_cost=0.4))
    assert r.binding == "loan_to_cost"
    assert r.schedule.dscr.to_numpy()[1:] == pytest.approx(np.full(4, 1.2 * 527.5682 / 400), rel=1e-6)
    # a later draw (400 in 2027) is re-sculpted over the remaining years: at the DSCR limit the tightest
    # year sits exactly at 1.2, no year below it, and the loan is repaid
    r = fin.size_loan(YEARS, np.array([600.0, 400, 0, 0, 0]), cf, terms(idc="paid", repayment="sculpted", loan_to_cost=1.0))
    assert r.binding == "dscr" and r.min_dscr == pytest.approx(1.2)
    assert (r.schedule.dscr.dropna() >= 1.2 - 1e-9).all() and r.schedule.closing_balance_cny.iloc[-1] == 0.0


def test_llcr_plcr_and_loan_to_cost_by_hand():
    # CFADS 300 a year for 7 years, loan 700 (LTC binds: 300/(1.2 x 0.2820118) = 886.47 > 700), IDC paid.
    # At the first repayment year (2027) the balance is 700:
    #   LLCR = 300 x (1.05^-1 + .. + 1.05^-4) / 700 = 1.519693   (the loan's 4 remaining years)
    #   PLCR = 300 x (1.05^-1 + .. + 1.05^-6) / 700 = 2.175297   (to the end of the cash flows)
    years = [*YEARS, 2031, 2032]
    r = fin.size_loan(years, np.array([1000.0, 0, 0, 0, 0, 0, 0]), np.full(7, 300.0), terms(idc="paid"))
    assert r.binding == "loan_to_cost" and r.debt_cny == pytest.approx(700.0)
    assert r.llcr == pytest.approx(1.519693, abs=1e-6)
    assert r.plcr == pytest.approx(2.175297, abs=1e-6)
    assert r.min_dscr == pytest.approx(300 / (700 * 0.2820118), rel=1e-6)
    # DSRA of 6 months: half of the next year's debt service (700 x 0.2820118 / 2 = 98.70), funded before 2027
    r = fin.size_loan(years, np.array([1000.0, 0, 0, 0, 0, 0, 0]), np.full(7, 300.0), terms(idc="paid", dsra_months=6))
    assert r.dsra_initial_cny == pytest.approx(700 * 0.2820118 / 2, rel=1e-6)
    assert r.schedule.dsra_balance_cny.iloc[-1] == 0.0


def test_tax_depreciation_and_equipment_credit_by_hand():
    # eff_motors_vfd (tax life 10 years, on the energy-saving equipment catalogue): net capex 1000 in 2026,
    # pre-tax CFADS 300: depreciation 100, credit 10 % x 1000 = 100
    #   standard:  tax = 25 % x (300 - 100) - 100 = -50  -> CFADS 350
    #   high_tech: tax = 15 % x 200 - 100 = -70          -> CFADS 370;   2027 (no credit): 15 % x 200 = 30
    #   pv (not on the catalogue): tax = 25 % x 200 = 50 -> CFADS 250
    from pathway.finance.tax import apply_tax

    def flows(lever):
        return pd.DataFrame({"year": [2026, 2027], "lever": lever, "energy_savings_cny": 300.0,
                             "avoided_carbon_cost_cny": 0.0, "added_om_cny": 0.0, "purchases_cny": 0.0})

    def capex(tech):
        return pd.DataFrame({"technology": [tech], "year": [2026], "capex_cny": [1000.0], "subsidy_cny": [0.0],
                             "net_capex_cny": [1000.0]})

    d = apply_tax(flows("efficiency"), capex("eff_motors_vfd"), terms())
    assert d.depreciation_cny.tolist() == pytest.approx([100, 100])
    assert d.equipment_credit_cny.tolist() == pytest.approx([100, 0])
    assert d.income_tax_cny.tolist() == pytest.approx([-50, 50]) and d.cfads_cny.tolist() == pytest.approx([350, 250])
    d = apply_tax(flows("efficiency"), capex("eff_motors_vfd"), terms(income_tax="high_tech"))
    assert d.income_tax_cny.tolist() == pytest.approx([-70, 30])
    d = apply_tax(flows("onsite_pv"), capex("pv"), terms())
    assert d.income_tax_cny.tolist() == pytest.approx([50, 50]) and d.cfads_cny.tolist() == pytest.approx([250, 250])
    d = apply_tax(flows("onsite_pv"), capex("pv"), terms(income_tax="none"))
    assert d.cfads_cny.tolist() == pytest.approx([300, 300])


def test_fisher_conversion():
    from pathway.finance.tax import fisher_nominal, fisher_real

    assert fisher_nominal(0.06, 0.02) == pytest.approx(0.0812)
    assert fisher_real(0.0812, 0.02) == pytest.approx(0.06)


def test_every_technology_has_a_sourced_taxonomy_row():
    from pathway.finance.tax import taxonomy
    from pathway.technologies import TECHNOLOGIES

    t = taxonomy()
    assert sorted(t.technology) == sorted(TECHNOLOGIES)
    assert t.source.str.contains("http").all() and t.year.notna().all()
    assert (t.tax_life_years > 0).all()


def test_no_debt_capacity_when_cfads_is_not_positive():
    r = fin.size_loan(YEARS, np.array([1000.0, 0, 0, 0, 0]), np.array([50.0, -10, 50, 50, 50]), terms())
    assert r.debt_cny == 0.0 and r.binding == "dscr"
    assert "not positive in 2027" in r.reason
    r = fin.size_loan(YEARS, np.zeros(5), np.full(5, 50.0), terms())
    assert (r.debt_cny, r.binding, r.reason) == (0.0, "none", "no capex to finance")


def test_kpi_schedule_by_hand():
    # baseline 1000 t on 100 units (10 t/unit = 10,000 kg/unit), KPI -5 % a year: targets 9,500 and
    # 9,025 kg/unit (2026, 2027), 8,573.75 (2028). Physical emissions = 900, 960, 850 t (certificates
    # excluded). Met, missed, met; the margin follows the year before (one-period verification lag):
    # 2026 none yet (0), 2027 -10 bp (2026 met), 2028 +5 bp (2027 missed)
    k = fin.kpi_schedule([2026, 2027, 2028], np.array([900.0, 960.0, 850.0]), np.full(3, 100.0), 1000.0, 100.0, 2025,
                         terms(kpi_step_down_bp=10, kpi_step_up_bp=5, kpi_reduction_per_yr=0.05, interest_rate=0.032))
    assert k.intensity_target_kg_per_unit.to_numpy() == pytest.approx([9500, 9025, 8573.75])
    assert k.intensity_kg_per_unit.to_numpy() == pytest.approx([9000, 9600, 8500])
    assert k.kpi_met.tolist() == [True, False, True]
    assert k.margin_bp.tolist() == [0, -10, 5]
    assert k.interest_rate.to_numpy() == pytest.approx([0.032, 0.031, 0.0325])
    # certificates excluded by default: 100 t credited to certificates in 2026 count back in (1000 t)
    k = fin.kpi_schedule([2026], np.array([900.0]), np.array([100.0]), 1000.0, 100.0, 2025,
                         terms(kpi_reduction_per_yr=0.05), instruments_t=np.array([100.0]),
                         bau_emissions_t=np.array([1250.0]))
    assert k.emissions_t.iloc[0] == pytest.approx(1000.0) and not k.kpi_met.iloc[0]
    assert k.reduction_vs_bau_share.iloc[0] == pytest.approx(0.2)
    k = fin.kpi_schedule([2026], np.array([900.0]), np.array([100.0]), 1000.0, 100.0, 2025,
                         terms(kpi_reduction_per_yr=0.05, kpi_include_certificates=True), instruments_t=np.array([100.0]))
    assert k.emissions_t.iloc[0] == pytest.approx(900.0) and k.kpi_met.iloc[0]
    # no kpi_reduction_per_yr: the target is the plan's own path, met by the plan itself
    k = fin.kpi_schedule([2026, 2027], np.array([900.0, 700.0]), np.full(2, 100.0), 1000.0, 100.0, 2025, terms())
    assert k.intensity_target_kg_per_unit.to_numpy() == pytest.approx([9000, 7000]) and k.kpi_met.all()


def test_defaults_file_is_sourced():
    d = fin.finance_defaults()
    assert list(d.columns) == ["item", "value", "unit", "source", "year", "estimate", "note"]
    assert d.source.notna().all() and (d.source.str.len() > 10).all()
    assert d.estimate.isin([True, False]).all()
    t = fin.resolve_terms(Finance())
    # kpi_reduction_per_yr stays unset: the KPI target is the optimised path (issue 16)
    assert (t.kpi_step_down_bp, t.kpi_step_up_bp, t.kpi_reduction_per_yr, t.inflation_rate) == (10.0, 0.0, None, 0.02)


# ---------------------------------------------------------------------------------------
# the bundled scenario: run, identities, CLI
# ---------------------------------------------------------------------------------------


def test_run_writes_loan_block_and_tables(run_dir):
    s = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    loan = s["loan"]
    assert loan["binding"] in ("loan_to_cost", "dscr")
    assert loan["debt_cny"] == pytest.approx(min(loan["loan_to_cost_limit_cny"], loan["dscr_limit_cny"]))
    assert loan["equity_cny"] == pytest.approx(loan["total_net_capex_cny"] - loan["debt_cny"])
    sched = pd.read_csv(run_dir / "tables" / "loan_schedule.csv")
    assert len(sched) == 5 and sched.principal_cny.sum() == pytest.approx(loan["debt_cny"] + loan["capitalised_interest_cny"])
    assert sched.closing_balance_cny.iloc[-1] == pytest.approx(0.0, abs=1e-3)
    assert sched.dscr.min() == pytest.approx(loan["min_dscr"]) and loan["min_dscr"] >= 1.2 - 1e-9
    for name in ("finance", "finance_metrics", "kpi_schedule", "bau_costs", "bau_pathway", "finance_assets"):
        assert (run_dir / "tables" / f"{name}.csv").exists(), name
    assert loan["project"]["irr"] is not None and loan["project"]["npv_cny"] > 0


def test_savings_add_up_and_match_the_objectives(run_dir, saved):
    summary, t = saved
    f = pd.read_csv(run_dir / "tables" / "finance.csv")
    hz = f[f.period == "horizon"]
    tot = hz[hz.lever == "total"].set_index("year")
    levers = hz[hz.lever != "total"].groupby("year")[["energy_savings_cny", "net_cash_flow_cny", "capex_cny"]].sum()
    assert levers.to_numpy() == pytest.approx(tot[["energy_savings_cny", "net_cash_flow_cny", "capex_cny"]].to_numpy())
    cats = ["grid_energy", "demand_charge", "export_revenue", "fuel"]
    bau = t["bau_costs"][t["bau_costs"].category.isin(cats)].groupby("year").cost_cny.sum()
    opt = t["costs"][t["costs"].category.isin(cats)].groupby("year").cost_cny.sum()
    assert tot.energy_savings_cny.to_numpy() == pytest.approx((bau - opt).to_numpy())
    # independent route: discounted pre-tax CFADS minus the plan's capex annuities = BAU objective - optimised
    # objective (the optimiser's objective has no income tax)
    ann = t["costs"][t["costs"].category == "capex_annuity"].discounted_cost_cny.sum()
    lhs = float((tot.cfads_pre_tax_cny * tot.discount_factor).sum() - ann)
    # and after tax: CFADS = pre-tax CFADS - tax, tax = 25 % x (pre-tax CFADS - depreciation) - credit
    assert tot.cfads_cny.to_numpy() == pytest.approx((tot.cfads_pre_tax_cny - tot.income_tax_cny).to_numpy())
    assert tot.income_tax_cny.to_numpy() == pytest.approx(
        (0.25 * (tot.cfads_pre_tax_cny - tot.depreciation_cny) - tot.equipment_credit_cny).to_numpy())
    assert lhs == pytest.approx(summary["loan"]["bau_total_cost_npv_cny"] - summary["total_cost_npv_cny"], rel=1e-9)


def test_kpi_schedule_follows_the_pathway(run_dir, saved):
    summary, t = saved
    k = pd.read_csv(run_dir / "tables" / "kpi_schedule.csv").set_index("year")
    pw = t["pathway"].set_index("year")
    # physical KPI (default): the pathway's emissions plus what certificates and green power were credited with
    ab = t["abatement"]
    instr = ab[ab.lever.isin(["green_certificates", "green_power"])].groupby("year").abatement_t.sum()
    phys = pw.emissions_t.reindex(k.index) + instr.reindex(k.index).fillna(0.0)
    assert k.emissions_t.to_numpy() == pytest.approx(phys.to_numpy())
    assert k.intensity_kg_per_unit.to_numpy() == pytest.approx((1000 * phys / pw.output.reindex(k.index)).to_numpy())
    # no kpi_reduction_per_yr in the scenario: the target is the optimised path itself, met every year
    assert k.intensity_target_kg_per_unit.to_numpy() == pytest.approx(k.intensity_kg_per_unit.to_numpy())
    assert k.kpi_met.all()
    # the margin steps follow the year before (one-period lag): none in the first year, -10 bp after
    assert k.margin_bp.tolist() == [0.0] + [-10.0] * (len(k) - 1)
    rates = pd.read_csv(run_dir / "tables" / "loan_schedule.csv").set_index("year").interest_rate
    assert rates.to_numpy() == pytest.approx(0.032 + k.margin_bp.reindex(rates.index).to_numpy() / 1e4)


def test_pathway_finance_recomputes_with_new_tenor(run_dir, tmp_path):
    d = tmp_path / "copy"
    shutil.copytree(run_dir, d)
    before = pd.read_csv(d / "tables" / "loan_schedule.csv")
    res = CliRunner().invoke(app, ["finance", str(d), "--tenor-years", "3"])
    assert res.exit_code == 0, res.output
    after = pd.read_csv(d / "tables" / "loan_schedule.csv")
    assert len(before) == 5 and len(after) == 3
    first_rep = lambda d: d[d.phase == "repayment"].debt_service_cny.iloc[0]  # noqa: E731
    assert first_rep(after) > first_rep(before)
    s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    assert s["loan"]["settings"]["tenor_years"] == 3 and s["loan"]["final_year"] == 2028
    assert s["loan"]["settings"]["interest_rate"] == 0.032  # saved settings kept where not overridden
    # the report's finance section and the bank sheet follow
    html = (d / "report.html").read_text(encoding="utf-8")
    section = html[html.index(REPORT_START):html.index(REPORT_END)]
    assert "3 years" in section and "5 years, 3.20%" not in section
    bank = pd.read_excel(d / "results.xlsx", sheet_name="bank")
    assert bank.debt_service_cny.notna().sum() == 3


def test_report_section_and_bank_sheet(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert html.count(REPORT_START) == 1 and html.count(REPORT_END) == 1
    section = html[html.index(REPORT_START):html.index(REPORT_END)]
    for text in ("Loan schedule", "Sustainability-linked loan KPI schedule", "Metrics by lever", "loan_to_cost binds"):
        assert text in section, text
    bank = pd.read_excel(run_dir / "results.xlsx", sheet_name="bank")
    sched = pd.read_csv(run_dir / "tables" / "loan_schedule.csv")
    assert bank.year.tolist() == YEARS
    assert bank.debt_service_cny.to_numpy() == pytest.approx(sched.debt_service_cny.to_numpy())
    assert bank.kpi_met.tolist() == [True] * 5
    # each downside case's DSCR of the loan, per year, from tables/covenants.csv
    cov = pd.read_csv(run_dir / "tables" / "covenants.csv")
    e20 = cov[cov.case == "energy_price_minus_20"].set_index("year").dscr
    assert bank.set_index("year").dscr_energy_price_minus_20.dropna().to_numpy() == pytest.approx(e20.dropna().to_numpy())
    for text in ("Downside cases", "Covenant table", "Use of proceeds"):
        assert text in section, text


def test_pathway_finance_user_errors(run_dir, tmp_path):
    def run(*args):
        r = CliRunner().invoke(app, ["finance", *map(str, args)])
        return r.exit_code, " ".join(r.output.split())  # rich wraps long lines

    code, text = run(tmp_path / "nowhere")
    assert code == 2 and "no such folder" in text and "Traceback" not in text
    d = tmp_path / "copy"
    shutil.copytree(run_dir, d)
    code, text = run(d, "--grace-years", "5")
    assert code == 2 and "grace_years (5) must be less than tenor_years (5)" in text
    code, text = run(d, "--loan-to-cost", "1.5")
    assert code == 2 and "--loan-to-cost" in text and "less than or equal to 1" in text
    s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    del s["loan"]
    (d / "summary.json").write_text(json.dumps(s), encoding="utf-8")
    code, text = run(d)
    assert code == 2 and "no finance results" in text and "Traceback" not in text


def test_bau_scenario_has_no_investment_and_no_target():
    from pathway.reference.validate import load_scenario

    s = load_scenario(SCENARIO).scenario
    b = fin.bau_scenario(s)
    tech = b.technologies
    assert tech.pv is not None and tech.pv.max_kw == 0.0  # kept at zero size: same representative days
    assert all(getattr(tech, k) is None for k in ("battery", "heat_pump_low", "electric_boiler", "gas_boiler",
                                                  "green_power", "green_certificates", "offsets"))
    assert tech.efficiency == {}
    assert b.target.preset == "custom" and set(b.target.trajectory.values()) == {fin.BAU_CEILING_SHARE}
    assert (b.baseline, b.prices, b.production) == (s.baseline, s.prices, s.production)


# ---------------------------------------------------------------------------------------
# a plan whose savings never repay the capex; a boiler that retires
# ---------------------------------------------------------------------------------------


def test_savings_never_repay_the_capex(retiring):
    loan = retiring.summary["loan"]
    # the electric boiler makes heat dearer than gas: CFADS turns negative once the gas boiler retires
    assert loan["project"]["irr"] is None
    assert "never repay" in loan["project"]["irr_note"]
    assert loan["project"]["npv_cny"] < 0 and loan["project"]["simple_payback_years"] is None
    assert loan["debt_cny"] == 0.0
    assert "not positive" in loan["reason"]
    assert loan["equity_cny"] == pytest.approx(loan["total_net_capex_cny"])


def test_bau_replaces_a_retiring_boiler_like_for_like(retiring):
    bc = retiring.tables["bau_costs"]
    capex = bc[bc.category == "upfront_capex"].set_index("year").cost_cny
    assert capex[2026] == 0.0 and capex[2027] > 0.0  # gas boiler built when the old one retires (2027)
    # gas boiler at 250 CNY/kW_th (catalogue), sized to the retiring load's peak heat, not more:
    # capacity <= peak = 1875.2 MWh x 1.02^3 x max(shape) -> capex <= 250e3 CNY/MW x peak
    f = retiring.tables["finance"]
    avoided = f[(f.lever == "electrification_and_fuel_switch")].set_index("year").bau_capex_avoided_cny
    assert avoided.loc[[2027, 2028]].sum() == pytest.approx(capex.sum())
    md = retiring.md
    peak = fin.replacement_peak_mw(md)
    assert capex.sum() <= 250e3 * peak * (1 + 1e-6)


# ---------------------------------------------------------------------------------------
# energy-price sensitivity
# ---------------------------------------------------------------------------------------


def test_energy_price_sensitivity_and_figure():
    # three escalation cases, minimum DSCR 1.3 (CFADS is after tax since issue 16), 4 representative days for speed
    cases = [-0.10, 0.0, 0.05]
    df = energy_price_sensitivity(SCENARIO, cases, overrides={"finance": {"min_dscr": 1.3},
                                                                    "time": {"representative_days": 4}})
    assert df.energy_price_growth_per_yr.tolist() == cases
    # prices falling 10 %/yr shrink the savings: the DSCR binds (min DSCR = 1.3) and the loan is
    # smaller; with flat or rising prices the loan sits at the loan-to-cost limit and the
    # minimum DSCR rises with the price path
    assert df.binding.tolist() == ["dscr", "loan_to_cost", "loan_to_cost"]
    assert df.min_dscr.iloc[0] == pytest.approx(1.3)
    assert 1.3 < df.min_dscr.iloc[1] < df.min_dscr.iloc[2]
    assert df.debt_cny.iloc[0] < 0.8 * df.debt_cny.iloc[1]
    # at the loan-to-cost limit: 70 % of the capex drawn in the availability period
    assert df.debt_cny.iloc[1:].to_numpy() == pytest.approx(df.loan_to_cost_limit_cny.iloc[1:].to_numpy())
    assert df.npv_cny.is_monotonic_increasing
    fig = sensitivity_figure(df)
    bars, line = fig.data
    assert list(bars.x) == df.case.tolist()
    assert np.asarray(bars.y) == pytest.approx(df.debt_cny.to_numpy() / 1e6)
    assert np.asarray(line.y) == pytest.approx(df.min_dscr.to_numpy())
    assert line.yaxis == "y2"


def test_pathway_finance_cases_all_without_solving(run_dir, tmp_path):
    # `pathway finance DIR --cases all` from a saved run, in a process where Pyomo cannot be imported
    # (sys.modules['pyomo'] = None): the plan is re-valued, never re-solved
    import subprocess
    import sys

    d = tmp_path / "copy"
    shutil.copytree(run_dir, d)
    for n in ("downside_cases", "covenants", "use_of_proceeds"):
        (d / "tables" / f"{n}.csv").unlink()
    code = ("import sys; sys.modules['pyomo'] = None; sys.modules['pyomo.environ'] = None; sys.modules['highspy'] = None\n"
            "from pathway.cli import app\n"
            f"app([\"finance\", {str(d)!r}, \"--cases\", \"all\", \"--case\", \"energy_price_minus_20\"], standalone_mode=False)\n"
            "assert not any(m.startswith('pyomo') and sys.modules[m] is not None for m in sys.modules)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    cases = pd.read_csv(d / "tables" / "downside_cases.csv")
    assert cases.case.tolist() == ["base", "energy_price_minus_20", "certificate_price_x3", "pv_p90", "capex_plus_15",
                                   "delay_1yr"]
    cov = pd.read_csv(d / "tables" / "covenants.csv")
    assert set(cov.case) == set(cases.case) and (cov.groupby("case").size() == 5).all()
    # headroom = DSCR / covenant - 1, and a breach is a DSCR below the covenant
    rep = cov[cov.debt_service_cny > 0]
    assert rep.headroom_share.to_numpy() == pytest.approx((rep.dscr / rep.covenant_dscr - 1).to_numpy())
    assert (rep.breach == (rep.dscr < rep.covenant_dscr - 1e-9)).all()
    # the headline is the chosen case: energy savings x 0.8 against the saved base run
    s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    assert s["loan"]["case"] == "energy_price_minus_20"
    f0 = pd.read_csv(run_dir / "tables" / "finance.csv")
    f1 = pd.read_csv(d / "tables" / "finance.csv")
    assert f1.energy_savings_cny.to_numpy() == pytest.approx(0.8 * f0.energy_savings_cny.to_numpy())
    # -20 % energy prices: the sized loan falls, and the base loan is tested against the lower CFADS
    assert cases.set_index("case").loc["energy_price_minus_20", "debt_cny"] < cases.set_index("case").loc["base", "debt_cny"]
    res = CliRunner().invoke(app, ["finance", str(d), "--case", "nope"])
    assert res.exit_code == 2 and "--case" in res.output


def test_demo_use_of_proceeds_splits_with_a_reason(run_dir):
    u = pd.read_csv(run_dir / "tables" / "use_of_proceeds.csv")
    s = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["loan"]
    assert u.loan_allocated_cny.sum() == pytest.approx(s["debt_cny"])
    assert u.eligible.any() and (~u.eligible).any() and u.reason.str.len().gt(20).all()
    # the battery abates nothing over the appraisal in the demo: flagged and not eligible
    bat = u[u.technology.str.startswith("battery")]
    assert len(bat) and bat.abatement_not_positive.all() and not bat.eligible.any()
    b = s["use_of_proceeds"]
    assert b["eligible_loan_cny"] + b["not_eligible_loan_cny"] == pytest.approx(s["debt_cny"])
    assert b["pboc_relending_cny"] == pytest.approx(0.6 * b["pboc_facility_eligible_loan_cny"])
    assert b["co2_avoided_loan_life_t"] > 0
