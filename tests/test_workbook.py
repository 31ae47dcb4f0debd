"""results.xlsx (XlsxWriter): readable summary rows with units and number formats, and the bank
sheet whose identities, totals and DSCR are live formulas that a formula engine recomputes to
the Python values."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest

from pathway.output import excel
from pathway.output.finance_section import bank_sheet


def test_flatten_nested_summary_into_dotted_rows():
    s = {"a_cny": 1.5, "loan": {"settings": {"tenor_years": 5, "min_dscr": 1.3}, "years": [2026, 2027]},
         "cases": [{"name": "low"}]}
    assert excel.flatten(s) == [("a_cny", 1.5), ("loan.settings.tenor_years", 5), ("loan.settings.min_dscr", 1.3),
                                ("loan.years", "2026, 2027"), ("cases.0.name", "low")]
    rows = excel.summary_rows(s)
    assert rows.to_dict("records")[2] == {"field": "loan.settings.min_dscr", "value": 1.3, "unit": "x (CFADS / debt service)",
                                          "description": "Loan, Settings, Min DSCR"}
    assert not rows.value.map(lambda v: isinstance(v, (dict, list))).any()
    custom = excel.summary_rows({"emissions_t": {"2027": 3.0}}, label=lambda k: {"emissions_t": "排放"}.get(k, k))
    assert custom.description.tolist() == ["排放, 2027"] and custom.unit.tolist() == ["tCO2"]


def test_number_formats_follow_the_unit():
    assert excel.number_format("capex_cny") == "#,##0"
    assert excel.number_format("own_reduction_share_target_year") == "0.00%"
    assert excel.number_format("interest_rate") == "0.00%"
    assert excel.number_format("dscr") == '0.00"x"'
    assert excel.number_format("loan.settings.min_dscr") == '0.00"x"'
    assert excel.number_format("year") == "0"
    assert excel.number_format("emissions_t.2027") == "#,##0.0"
    assert excel.number_format("scenario") is None


def test_bank_formulas_are_written_only_where_they_reproduce_the_values():
    # hand case: 2 years, 1,000 drawn at 5 % (half a year's interest in the year drawn: 500 x 5 % = 25,
    # paid), 400 repaid a year; the loan's CFADS 600 and 500
    b = pd.DataFrame({"year": [2026, 2027], "loan_cfads_nominal_cny": [600.0, 500.0], "interest_rate": [0.05, 0.05],
                      "opening_balance_cny": [0.0, 600.0], "drawdown_cny": [1000.0, 0.0], "interest_cny": [25.0, 30.0],
                      "capitalised_interest_cny": [0.0, 0.0], "principal_cny": [400.0, 400.0],
                      "debt_service_cny": [425.0, 430.0], "closing_balance_cny": [600.0, 200.0],
                      "dscr": [600 / 425, 500 / 430]})
    cells = excel.bank_formula_cells(b)
    # columns A..K: year, loan CFADS, rate, opening, drawdown, interest, capitalised interest, principal,
    # debt service, closing, dscr
    assert cells[(0, "debt_service_cny")] == "F2+H2-G2"
    assert cells[(1, "opening_balance_cny")] == "J2"
    assert cells[(1, "interest_cny")] == "(D3+E3/2)*C3"
    assert cells[(0, "closing_balance_cny")] == "D2+E2+G2-H2"
    assert cells[(0, "dscr")] == 'IF(I2>0,B2/I2,"")'
    assert (0, "opening_balance_cny") not in cells  # no year before the first
    b.loc[1, "interest_cny"] = 31.0  # a convention the rule does not follow: the column stays values
    assert not any(col == "interest_cny" for _, col in excel.bank_formula_cells(b))


@pytest.fixture(scope="module")
def finance_run(auto_parts_result):
    t = auto_parts_result.tables
    assert {"finance", "loan_schedule"} <= set(t)
    return auto_parts_result.summary, {k: t[k] for k in ("finance", "loan_schedule", "kpi_schedule") if k in t}


def test_summary_and_bank_sheets_formats(finance_run, tmp_path):
    summary, tables = finance_run
    path = tmp_path / "r.xlsx"
    excel.write_workbook(path, summary, tables)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["summary", *tables, "bank", "bank_totals"]
    ws = wb["summary"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert not [r[0].value for r in rows.values() if isinstance(r[1].value, str) and r[1].value.startswith("{")]
    assert rows["total_cost_npv_cny"][1].number_format == "#,##0" and rows["total_cost_npv_cny"][2].value == "CNY"
    assert rows["own_reduction_share_target_year"][1].number_format == "0.00%"
    assert rows["total_cost_npv_cny"][3].value == "Total cost NPV"
    bank = wb["bank"]
    head = [c.value for c in bank[1]]
    dscr = head.index("dscr") + 1
    assert all(bank.cell(r, dscr).data_type == "f" and bank.cell(r, dscr).number_format == '0.00"x"'
               for r in range(2, bank.max_row + 1) if bank.cell(r, dscr).value is not None)


@pytest.mark.slow
def test_formula_engine_reproduces_the_python_values_and_follows_an_edit(finance_run, tmp_path):
    import formulas

    summary, tables = finance_run
    path = tmp_path / "bank.xlsx"
    excel.write_workbook(path, summary, tables)
    wb = openpyxl.load_workbook(path)
    model = formulas.ExcelModel().loads(str(path)).finish()
    sol = model.calculate()

    def cell(solution, sheet, ref):
        return solution[f"'[bank.xlsx]{sheet.upper()}'!{ref}"].value[0][0]

    bank = bank_sheet(dict(tables))
    sched = tables["loan_schedule"].set_index("year")
    head = [c.value for c in wb["bank"][1]]
    col = {h: openpyxl.utils.get_column_letter(j + 1) for j, h in enumerate(head)}
    n_formulas = 0
    for i, year in enumerate(bank.year):
        for name in ("dscr", "debt_service_cny", "interest_cny", "closing_balance_cny", "opening_balance_cny", "cfads_cny"):
            c = wb["bank"][f"{col[name]}{i + 2}"]
            if c.data_type != "f":
                continue
            n_formulas += 1
            want = bank[name].iloc[i]  # the loan's columns are loan_schedule.csv's (cfads_cny: the plan's, real)
            if name != "cfads_cny" and year in sched.index:
                assert want == pytest.approx(sched.loc[year, name], rel=1e-12, nan_ok=True)
            assert cell(sol, "bank", f"{col[name]}{i + 2}") == pytest.approx(want, rel=1e-6, abs=1e-6), (year, name)
    loan_years = len(sched)
    assert n_formulas >= 5 * loan_years  # dscr, debt service, interest, closing (and opening from year 2), cfads
    tot = {r[1].value: (r[0].value, r[2]) for r in wb["bank_totals"].iter_rows(min_row=2)}
    assert tot["debt_service_cny"][1].data_type == "f"
    total_row = list(tot).index("debt_service_cny") + 2
    assert cell(sol, "bank_totals", f"C{total_row}") == pytest.approx(sched.debt_service_cny.sum(), rel=1e-9)
    min_row = [r[0].value for r in wb["bank_totals"].iter_rows(min_row=2)].index("minimum DSCR") + 2
    assert cell(sol, "bank_totals", f"C{min_row}") == pytest.approx(sched.dscr.min(), rel=1e-9)

    # an analyst raises the first repayment year's principal by 1,000,000 CNY: debt service, DSCR and the
    # totals follow (a construction year has no DSCR: nothing is due)
    y0 = sched.index[sched.debt_service_cny.to_numpy() > 0][0]
    i0 = int(bank.index[bank.year == y0][0]) + 2
    edited = {f"'[bank.xlsx]BANK'!{col['principal_cny']}{i0}": float(sched.loc[y0, "principal_cny"]) + 1e6}
    sol2 = model.calculate(inputs=edited)
    ds = sched.loc[y0, "interest_cny"] + sched.loc[y0, "principal_cny"] + 1e6 - sched.loc[y0, "capitalised_interest_cny"]
    assert cell(sol2, "bank", f"{col['debt_service_cny']}{i0}") == pytest.approx(ds, rel=1e-9)
    cfads = bank.loc[bank.year == y0, "loan_cfads_nominal_cny"].iloc[0]
    assert cell(sol2, "bank", f"{col['dscr']}{i0}") == pytest.approx(cfads / ds, rel=1e-9)
    # and the chain is live: 1,000,000 less owed from the next year on, so each later year's
    # interest falls by 1,000,000 x its rate
    later_interest_saved = 1e6 * sched.interest_rate[sched.index > y0].sum()
    assert later_interest_saved > 0
    assert cell(sol2, "bank_totals", f"C{total_row}") == pytest.approx(
        sched.debt_service_cny.sum() + 1e6 - later_interest_saved, rel=1e-9)
    assert not math.isclose(cell(sol2, "bank", f"{col['dscr']}{i0}"), sched.loc[y0, "dscr"])


def test_workbook_labels_follow_lang(finance_run, tmp_path):
    # --lang zh: the summary sheet's descriptions come from the message catalogue
    summary, tables = finance_run
    path = tmp_path / "zh.xlsx"
    excel.write_workbook(path, summary, tables, label=excel.catalogue_label("zh"))
    rows = {r[0].value: r[3].value for r in openpyxl.load_workbook(path)["summary"].iter_rows(min_row=2)}
    assert rows["scenario"] == "情景" and rows["target_year"] == "目标年"
    assert excel.catalogue_label("zh")("capex_cny_no_such_key") == excel.default_label("capex_cny_no_such_key")
