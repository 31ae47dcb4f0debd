"""``pathway finance DIR``: recompute cash flows, loan sizing, the SLL KPI schedule, the
downside cases (``--case``, ``--cases all``), the covenant table and the use of proceeds from
a saved run (DIR/summary.json + DIR/tables/*.csv), without solving again.

Settings are those saved with the run (summary.json ``loan.settings``), each replaced by
the option given. Rewrites summary.json's ``loan`` block, tables/finance.csv,
finance_metrics.csv, loan_schedule.csv, kpi_schedule.csv, the finance section of
report.html and the bank sheet of results.xlsx (where those files exist).
"""

from __future__ import annotations

import json
import re
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from pydantic import ValidationError
from rich.table import Table

from pathway.cli.app import err, out
from pathway.errors import PathwayError
from pathway.files import atomic_write as _atomic_write

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd



class Repayment(str, Enum):
    annuity = "annuity"
    equal_principal = "equal_principal"
    sculpted = "sculpted"


def _user_error(message: str) -> None:
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(2)


def update_report(path: Path, section_html: str) -> bool:
    """Replace the finance section between the markers in report.html; False if absent."""
    from pathway.output.finance_section import REPORT_END, REPORT_START

    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    pat = re.compile(re.escape(REPORT_START) + ".*?" + re.escape(REPORT_END), re.S)
    if not pat.search(text):
        return False
    from pathway.output.report import with_csp

    new = with_csp(pat.sub(lambda _m: section_html, text, count=1))  # the new section's script needs its hash
    _atomic_write(path, lambda p: p.write_text(new, encoding="utf-8"))
    return True


def update_workbook(path: Path, summary: dict, tables: dict[str, pd.DataFrame]) -> bool:
    """Rewrite results.xlsx (where it exists) from the updated summary and tables, so the bank
    sheet keeps its live formulas (pathway.output.excel.write_workbook)."""
    if not path.exists():
        return False
    from pathway.output.excel import write_workbook

    _atomic_write(path, lambda tmp: write_workbook(tmp, summary, tables))
    return True


def finance(
    run_dir: Annotated[Path, typer.Argument(help="Output folder of `pathway run` (summary.json, tables/).")],
    loan_to_cost: Annotated[Optional[float], typer.Option("--loan-to-cost", help="Loan as a share of financed net capex, 0-1.")] = None,
    tenor_years: Annotated[Optional[int], typer.Option("--tenor-years", help="Loan tenor, years from the first drawdown.")] = None,
    interest_rate: Annotated[Optional[float], typer.Option("--interest-rate", help="Base interest rate, fraction per year.")] = None,
    grace_years: Annotated[Optional[int], typer.Option("--grace-years", help="Interest-only years at the start.")] = None,
    repayment: Annotated[Optional[Repayment], typer.Option("--repayment", help="annuity, equal_principal or sculpted (to the minimum DSCR).")] = None,
    min_dscr: Annotated[Optional[float], typer.Option("--min-dscr", help="Minimum debt service coverage ratio.")] = None,
    kpi_step_down_bp: Annotated[Optional[float], typer.Option("--kpi-step-down-bp", help="SLL margin cut when the KPI is met, bp.")] = None,
    kpi_step_up_bp: Annotated[Optional[float], typer.Option("--kpi-step-up-bp", help="SLL margin rise when the KPI is missed, bp.")] = None,
    appraisal_years: Annotated[Optional[int], typer.Option("--appraisal-years", help="Years of cash flows for NPV/IRR/payback.")] = None,
    availability_years: Annotated[Optional[int], typer.Option("--availability-years", help="Years from the first drawdown in which capex is drawn.")] = None,
    idc: Annotated[Optional[str], typer.Option("--idc", help="Interest during construction: capitalised or paid.")] = None,
    dsra_months: Annotated[Optional[float], typer.Option("--dsra-months", help="Debt-service reserve, months of next year's debt service.")] = None,
    income_tax: Annotated[Optional[str], typer.Option("--income-tax", help="standard (25 %), high_tech (15 %) or none.")] = None,
    case: Annotated[str, typer.Option("--case", help="Headline case: base, energy_price_minus_20, certificate_price_x3, "
                                                     "pv_p90, capex_plus_15 or delay_1yr (the plan fixed, re-valued).")] = "base",
    cases: Annotated[str, typer.Option("--cases", help="Downside cases written to tables/downside_cases.csv and "
                                                       "covenants.csv: 'all' or a comma-separated list.")] = "all",
    lang: Annotated[Optional[str], typer.Option("--lang", help="Language of the report's finance section: en or zh "
                                                "(default: the report's own).")] = None,
) -> None:
    """Recompute the loan, cash flows and SLL KPI schedule of a saved run with new loan terms."""
    import pandas as pd

    from pathway.finance import FINANCE_TABLES, RUN_TABLES, recompute_saved
    from pathway.output.finance_section import finance_html
    from pathway.output.folder import read_saved

    if not run_dir.is_dir():
        _user_error(f"{run_dir}: no such folder (expected the output folder of `pathway run`)")
    if not (run_dir / "summary.json").exists():
        _user_error(f"{run_dir}: no summary.json (expected the output folder of `pathway run`)")
    try:
        summary, tables = read_saved(run_dir)
    except PathwayError as exc:  # pathway.output.folder checks the files: regular, inside DIR, numeric, finite
        _user_error(str(exc))
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        _user_error(f"{run_dir}: cannot read the saved results: {exc}")
    missing = [n for n in ("capex", "costs", "energy_balance", "abatement", "pathway", "capacity", *RUN_TABLES) if n not in tables]
    if not summary.get("loan") or missing:
        what = f"missing tables/{', tables/'.join(missing)}.csv" if missing else "no 'loan' block in summary.json"
        _user_error(f"{run_dir}: the run has no finance results ({what}); the scenario needs a `finance:` block "
                    "(e.g. `finance: {loan_to_cost: 0.7}`) and `pathway run` again")
    overrides = dict(loan_to_cost=loan_to_cost, tenor_years=tenor_years, interest_rate=interest_rate,
                     grace_years=grace_years, repayment=None if repayment is None else repayment.value,
                     min_dscr=min_dscr, kpi_step_down_bp=kpi_step_down_bp, kpi_step_up_bp=kpi_step_up_bp,
                     appraisal_years=appraisal_years, availability_years=availability_years, idc=idc,
                     dsra_months=dsra_months, income_tax=income_tax)
    case_list = _cases(case, cases)
    try:
        block, new_tables = recompute_saved(summary, tables, overrides, case, case_list)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            name = ".".join(str(x) for x in e["loc"]) or "finance"
            lines.append(f"  --{name.replace('_', '-')}: {e['msg']}" if e["loc"] else f"  {e['msg']}")
        _user_error(f"{run_dir}: invalid loan terms (the options given over the settings saved in summary.json):\n"
                    + "\n".join(lines))
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, ArithmeticError) as exc:
        _user_error(f"{run_dir}: the saved results do not fit together ({type(exc).__name__}: {exc}); "
                    "re-run 'pathway run' to regenerate them")

    summary["loan"] = block
    tdir = run_dir / "tables"
    for name in FINANCE_TABLES:
        _atomic_write(tdir / f"{name}.csv", lambda p, n=name: new_tables[n].to_csv(p, index=False))
    _atomic_write(run_dir / "summary.json",
                  lambda p: p.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8"))
    all_tables = {**tables, **new_tables}
    wrote = ["summary.json", *(f"tables/{n}.csv" for n in FINANCE_TABLES)]
    if update_report(run_dir / "report.html", finance_html(all_tables, summary, lang=_section_lang(lang, run_dir / "report.html"))):
        wrote.append("report.html (finance section)")
    if update_workbook(run_dir / "results.xlsx", summary, all_tables):
        wrote.append("results.xlsx (bank and finance sheets)")
    _print(block, new_tables["loan_schedule"])
    _print_cases(new_tables["downside_cases"])
    out.print(f"wrote {run_dir}/" + f", {run_dir}/".join(wrote), highlight=False, markup=False)


def _cases(case: str, cases: str) -> tuple[str, ...]:
    """The --case and --cases options checked against pathway.finance.cases.CASES (exit 2 if unknown)."""
    from pathway.finance.cases import CASES, DOWNSIDE

    if case not in CASES:
        _user_error(f"--case: expected one of {', '.join(CASES)}; given '{case}'")
    if cases.strip() == "all":
        return DOWNSIDE
    chosen = tuple(c.strip() for c in cases.split(",") if c.strip())
    bad = [c for c in chosen if c not in CASES]
    if bad:
        _user_error(f"--cases: expected 'all' or a comma-separated list of {', '.join(CASES)}; given '{', '.join(bad)}'")
    return chosen


def _section_lang(lang: str | None, report: Path) -> str:
    """The finance section's language: --lang, else the language the report was written in."""
    if lang is not None:
        if lang not in ("en", "zh"):
            _user_error(f"--lang: expected en or zh, given {lang!r}")
        return lang
    try:
        with report.open(encoding="utf-8") as fh:
            head = fh.read(200)
    except OSError:
        return "en"
    return "zh" if "lang='zh-CN'" in head else "en"


def _print(block: dict, schedule: pd.DataFrame) -> None:
    import pandas as pd

    st = block["settings"]
    p = block["project"]
    irr = "n/a" if p["irr"] is None else f"{p['irr']:.1%}"
    out.print(f"loan {block['debt_cny'] / 1e6:,.2f} M CNY ({block['binding']} binds): {block['reason']}", highlight=False, markup=False)
    out.print(f"terms: {st['loan_to_cost']:.0%} loan-to-cost, {st['tenor_years']} years, {st['interest_rate']:.2%}, "
              f"grace {st['grace_years']}, {st['repayment']}, min DSCR {st['min_dscr']:g}; equity "
              f"{block['equity_cny'] / 1e6:,.2f} M CNY; minimum DSCR achieved "
              f"{'n/a' if block['min_dscr'] is None else format(block['min_dscr'], '.2f')}", highlight=False)
    out.print(f"project NPV {p['npv_cny'] / 1e6:,.2f} M CNY, IRR {irr}"
              + ("" if p["irr"] is not None else f" ({p['irr_note']})"), highlight=False)
    if len(schedule):
        t = Table(title="Loan schedule (CNY)")
        for c in ("year", "rate", "drawdown", "interest", "principal", "debt service", "closing balance", "CFADS", "DSCR"):
            t.add_column(c, justify="right")
        for r in schedule.itertuples():
            t.add_row(str(r.year), f"{r.interest_rate:.3%}", f"{r.drawdown_cny:,.0f}", f"{r.interest_cny:,.0f}",
                      f"{r.principal_cny:,.0f}", f"{r.debt_service_cny:,.0f}", f"{r.closing_balance_cny:,.0f}",
                      f"{r.cfads_cny:,.0f}", "" if pd.isna(r.dscr) else f"{r.dscr:.2f}")
        out.print(t)


def _print_cases(df: pd.DataFrame) -> None:
    import pandas as pd

    if not len(df):
        return
    t = Table(title="Downside cases (plan fixed): loan sized, and the base loan's covenant test")
    for c in ("case", "loan, M CNY", "binds", "base loan min DSCR", "breach years", "first breach"):
        t.add_column(c, justify="right")
    for r in df.itertuples():
        t.add_row(r.case, f"{r.debt_cny / 1e6:,.2f}", r.binding,
                  "n/a" if pd.isna(r.base_loan_min_dscr) else f"{r.base_loan_min_dscr:.2f}",
                  str(r.base_loan_breach_years), "" if pd.isna(r.first_breach_year) else f"{r.first_breach_year:.0f}")
    out.print(t)
