"""The finance section of the report (HTML between REPORT_START and REPORT_END, which
``pathway finance`` replaces), the lender's bank sheet and the sensitivity figure."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from pathway.finance.loan import SCHEDULE_COLUMNS
from pathway.finance.terms import CFADS_BEYOND_HORIZON, finance_defaults

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go



REPORT_START = "<!-- pathway-finance:start -->"  # `pathway finance` replaces what is between these


REPORT_END = "<!-- pathway-finance:end -->"


def _fmt(v, kind: str = "cny") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if kind == "cny":
        return f"{v / 1e6:,.2f} M CNY"
    if kind == "pct":
        return f"{v:.1%}"
    if kind == "yr":
        return f"{v:.1f} years"
    return f"{v:,.2f}"


def _display(df: pd.DataFrame, formats: dict[str, tuple[str, Callable]]) -> str:
    """An HTML table of ``df`` with columns renamed and formatted: {column: (header, fmt)}."""
    import html as _html

    cols = [c for c in formats if c in df.columns]
    head = "".join(f"<th>{_html.escape(formats[c][0])}</th>" for c in cols)
    body = []
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            txt = "" if v is None or (isinstance(v, float) and math.isnan(v)) else formats[c][1](v)
            cells.append(f"<td>{_html.escape(str(txt))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return ("<div style='overflow-x:auto'><table><thead><tr>" + head + "</tr></thead><tbody>" + "".join(body)
            + "</tbody></table></div>")


def finance_html(tables: dict[str, pd.DataFrame], summary: dict | None = None) -> str:
    """The report's finance section (HTML fragment between REPORT_START/REPORT_END, which
    ``pathway finance`` replaces). Its chart draws once plotly.js has loaded, wherever the
    report puts the script. Empty string without finance tables."""
    import html as _html

    if "loan_schedule" not in tables or "finance_metrics" not in tables:
        return ""
    esc = _html.escape
    loan = (summary or {}).get("loan") or {}
    met = tables["finance_metrics"]
    mcny = lambda v: f"{v / 1e6:,.2f}"  # noqa: E731
    pct = lambda v: f"{v:.1%}"  # noqa: E731
    num = lambda v: f"{v:,.0f}"  # noqa: E731
    parts = [REPORT_START, "<section id='finance'><h2>Finance: savings against business as usual, loan, SLL KPIs</h2>"]
    if loan:
        st = loan.get("settings", {})
        items = [
            ("Loan", f"{_fmt(loan.get('debt_cny'))} ({loan.get('binding')} binds)"),
            ("Why", str(loan.get("reason", ""))),
            ("Equity needed", _fmt(loan.get("equity_cny"))),
            ("Minimum DSCR", f"{_fmt(loan.get('min_dscr'), 'x')} in {loan.get('min_dscr_year') or 'n/a'} "
                             f"(covenant {st.get('min_dscr')})"),
            ("Terms", f"{st.get('loan_to_cost', 0):.0%} of financed capex, {st.get('tenor_years')} years, "
                      f"{st.get('interest_rate', 0):.2%}, {st.get('grace_years')} grace year(s), {st.get('repayment')}"),
            ("Cover ratios", f"LLCR {_fmt(loan.get('llcr'), 'x')} and PLCR {_fmt(loan.get('plcr'), 'x')} at the first "
                             f"repayment year ({loan.get('first_repayment_year') or 'n/a'}); DSRA {_fmt(loan.get('dsra_initial_cny'))}; "
                             f"capitalised interest {_fmt(loan.get('capitalised_interest_cny'))}"),
            ("Rates", str((loan.get("rates") or {}).get("statement", ""))),
            ("Sustainability-linked margin", f"-{st.get('kpi_step_down_bp') or 0:g} bp when the {st.get('kpi_metric')} KPI "
                                             f"({'all instruments' if st.get('kpi_include_certificates') else 'physical'}) "
                                             f"is met, applied the year after verification "
                                             f"(target: {'the optimised path' if st.get('kpi_reduction_per_yr') is None else format(st.get('kpi_reduction_per_yr'), '.0%') + '/yr from the baseline'}), "
                                             f"+{st.get('kpi_step_up_bp') or 0:g} bp when missed; met in {loan.get('kpi_years_met')} "
                                             f"of {loan.get('kpi_years')} years; interest saved {_fmt(loan.get('sll_interest_saving_cny'))}"),
        ]
        parts.append("<table>" + "".join(f"<tr><td><b>{esc(a)}</b></td><td>{esc(b)}</td></tr>" for a, b in items) + "</table>")
    if (met.lever == "total").any():
        tot = met[met.lever == "total"].iloc[0]
        parts.append(f"<p>All levers, {int(tot.first_year)}-{int(tot.last_year)}: NPV {_fmt(tot.npv_cny)}, "
                     f"IRR {_fmt(tot.irr, 'pct')}, payback {_fmt(tot.simple_payback_years, 'yr')} "
                     f"(discounted {_fmt(tot.discounted_payback_years, 'yr')}), levelised cost of abatement "
                     f"{_fmt(tot.lcoa_cny_per_t, 'x')} CNY/t (negative: saves money).</p>")
    view = met.assign(note=[n1 if isinstance(n1, str) and n1 else (n2 if isinstance(n2, str) else "")
                            for n1, n2 in zip(met.irr_note, met.lcoa_note)])
    parts.append("<h3>Metrics by lever</h3>" + _display(view, {
        "lever": ("lever", str), "capex_cny": ("capex, M CNY", mcny), "npv_cny": ("NPV, M CNY", mcny),
        "irr": ("IRR", pct), "simple_payback_years": ("payback, years", lambda v: f"{v:.1f}"),
        "discounted_payback_years": ("discounted payback, years", lambda v: f"{v:.1f}"),
        "abatement_t": ("abatement, tCO2", num), "lcoa_cny_per_t": ("levelised cost, CNY/tCO2", lambda v: f"{v:,.1f}"),
        "note": ("note", str)}))
    sched = tables["loan_schedule"]
    if len(sched):
        fig = _service_figure(tables)
        # an id derived from the content (Python's hash() is salted per process): the report
        # is byte-identical across runs of the same inputs
        div = f"finance-cfads-{hashlib.sha256(fig.to_json().encode()).hexdigest()[:8]}"
        parts.append(f"<div id='{div}' style='height:420px'></div><script>window.addEventListener('load',function(){{"
                     f"var f={fig.to_json()};if(window.Plotly){{Plotly.newPlot('{div}',f.data,f.layout);}}}});</script>")
        parts.append("<h3>Loan schedule (CNY)</h3>" + _display(sched, {
            "year": ("year", str), "interest_rate": ("rate", lambda v: f"{v:.3%}"), "drawdown_cny": ("drawdown", num),
            "interest_cny": ("interest", num), "principal_cny": ("principal", num), "debt_service_cny": ("debt service", num),
            "closing_balance_cny": ("closing balance", num), "cfads_cny": ("CFADS", num), "dscr": ("DSCR", lambda v: f"{v:.2f}"),
            "period": ("period", str)}))
    if "kpi_schedule" in tables:
        k = tables["kpi_schedule"]
        parts.append("<h3>Sustainability-linked loan KPI schedule</h3><p>KPI verified each year by a third party "
                     "or carbon exchange (annual emissions report); emissions after capture, before offsets.</p>"
                     + _display(k, {
                         "year": ("year", str), "emissions_t": ("emissions, tCO2", num),
                         "intensity_kg_per_unit": ("intensity, kgCO2/unit", lambda v: f"{v:,.2f}"),
                         "intensity_target_kg_per_unit": ("intensity target, kgCO2/unit", lambda v: f"{v:,.2f}"),
                         "bau_intensity_kg_per_unit": ("BAU intensity, kgCO2/unit", lambda v: f"{v:,.2f}"),
                         "absolute_target_t": ("absolute target, tCO2", num),
                         "kpi_met": ("KPI met", lambda v: "yes" if bool(v) else "no"),
                         "margin_bp": ("margin, bp", lambda v: f"{v:+g}"), "basis": ("basis", str)}))
    parts.extend(_bank_tables(tables, esc))
    d = finance_defaults()
    parts.append("<p><small>" + esc(CFADS_BEYOND_HORIZON) + " Savings per lever: see pathway.finance."
                 "energy_savings_by_lever. Default SLL terms (data/finance_defaults.csv): "
                 + esc("; ".join(f"{r.item} = {r.value:g} {r.unit} ({'estimate' if r.estimate else 'sourced'})"
                                 for r in d.itertuples()))
                 + "</small></p></section>")
    parts.append(REPORT_END)
    return "".join(parts)


def _bank_tables(tables: dict[str, pd.DataFrame], esc) -> list[str]:
    """Downside cases, the base covenant table and the use of proceeds, as HTML."""
    out = []
    num = lambda v: f"{v:,.0f}"  # noqa: E731
    x2 = lambda v: f"{v:.2f}"  # noqa: E731
    if "downside_cases" in tables and len(tables["downside_cases"]):
        out.append("<h3>Downside cases (the plan fixed, re-valued)</h3>" + _display(tables["downside_cases"], {
            "case": ("case", str), "description": ("what changes", str), "debt_cny": ("loan sized, CNY", num),
            "min_dscr_sized": ("min DSCR of that loan", x2), "base_loan_min_dscr": ("base loan's min DSCR", x2),
            "base_loan_breach_years": ("covenant breaches, years", str), "first_breach_year": ("first breach", lambda v: f"{v:.0f}"),
            "npv_cny": ("NPV, CNY", num)}))
    if "covenants" in tables and len(tables["covenants"]):
        c = tables["covenants"]
        out.append("<h3>Covenant table, base case</h3>" + _display(c[c.case == "base"], {
            "year": ("year", str), "phase": ("phase", str), "cfads_cny": ("CFADS, nominal CNY", num),
            "debt_service_cny": ("debt service, CNY", num), "dscr": ("DSCR", x2), "covenant_dscr": ("covenant", x2),
            "headroom_share": ("headroom", lambda v: f"{v:+.1%}"), "breach": ("breach", lambda v: "yes" if bool(v) else "no")}))
    if "use_of_proceeds" in tables and len(tables["use_of_proceeds"]):
        out.append("<h3>Use of proceeds: eligibility (data/taxonomy.csv)</h3>" + _display(tables["use_of_proceeds"], {
            "technology": ("technology", str), "loan_allocated_cny": ("loan, CNY", num),
            "eligible": ("eligible", lambda v: "yes" if bool(v) else "no"), "reason": ("reason", str),
            "pboc_crf_field": ("PBoC facility field", str)}))
    return out


def _service_figure(tables: dict[str, pd.DataFrame]) -> go.Figure:
    import plotly.graph_objects as go

    s = tables["loan_schedule"]
    fig = go.Figure()
    fig.add_bar(x=s.year, y=s.cfads_cny / 1e6, name="CFADS (M CNY)")
    fig.add_bar(x=s.year, y=s.debt_service_cny / 1e6, name="Debt service (M CNY)")
    fig.add_scatter(x=s.year, y=s.dscr, name="DSCR", yaxis="y2", mode="lines+markers")
    fig.update_layout(title="Cash flow available for debt service (CFADS) and debt service", barmode="group",
                      xaxis=dict(title="Year", tickmode="array", tickvals=list(s.year), tickformat="d"),
                      yaxis_title="M CNY", yaxis2=dict(title="DSCR", overlaying="y", side="right", rangemode="tozero"),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def bank_sheet(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One sheet for a lender: per year the loan schedule, the plan's total cash flows,
    the SLL KPI and the loan's DSCR under each downside case (dscr_<case>; years of the
    loan and of the horizon)."""
    if "finance" not in tables:
        return pd.DataFrame()
    tot = tables["finance"]
    tot = tot[tot.lever == "total"][["year", "period", "capex_cny", "subsidies_cny", "energy_savings_cny",
                                     "avoided_carbon_cost_cny", "added_om_cny", "purchases_cny", "cfads_cny",
                                     "net_cash_flow_cny"]]
    sched = tables.get("loan_schedule", pd.DataFrame(columns=SCHEDULE_COLUMNS)).drop(columns=["cfads_cny", "period"], errors="ignore")
    kpi = tables.get("kpi_schedule", pd.DataFrame(columns=["year"]))
    kpi = kpi[[c for c in ("year", "emissions_t", "intensity_kg_per_unit", "intensity_target_kg_per_unit",
                           "absolute_target_t", "kpi_met") if c in kpi.columns]]
    years = sorted(set(sched.year.astype(int)) | set(kpi.year.astype(int)))
    out = pd.DataFrame({"year": years})
    out = out.merge(tot, on="year", how="left").merge(sched, on="year", how="left").merge(kpi, on="year", how="left")
    cov = tables.get("covenants")
    if cov is not None and len(cov):
        # the loan's DSCR under each downside case (the plan fixed), one column per case
        wide = cov[cov.case != "base"].pivot(index="year", columns="case", values="dscr")
        wide.columns = [f"dscr_{c}" for c in wide.columns]
        out = out.merge(wide.reset_index(), on="year", how="left")
    return out


def sensitivity_figure(df: pd.DataFrame) -> go.Figure:
    """Loan size (bars, M CNY) and minimum DSCR (line, right axis) across price cases;
    ``df`` as returned by ``energy_price_sensitivity`` (case, debt_cny, min_dscr, binding)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_bar(x=df.case, y=df.debt_cny / 1e6, name="Loan (M CNY)", text=df.binding)
    fig.add_scatter(x=df.case, y=df.min_dscr, name="Minimum DSCR", yaxis="y2", mode="lines+markers")
    fig.update_layout(title="Loan size and minimum DSCR by energy-price case", xaxis_title="Energy-price case",
                      yaxis_title="Loan (M CNY)", yaxis2=dict(title="Minimum DSCR", overlaying="y", side="right"))
    return fig
