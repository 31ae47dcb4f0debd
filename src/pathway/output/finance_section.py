"""The finance section of the report (HTML between REPORT_START and REPORT_END, which
``pathway finance`` replaces), the lender's bank sheet and the sensitivity figure."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from pathway.finance.loan import SCHEDULE_COLUMNS
from pathway.finance.terms import CFADS_BEYOND_HORIZON, finance_defaults  # noqa: F401  (its text: catalogue finance.cfads_beyond)
from pathway.output.labels import label
from pathway.output.messages import msg

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from pathway.output.figspec import FigureSpec



REPORT_START = "<!-- pathway-finance:start -->"  # `pathway finance` replaces what is between these


REPORT_END = "<!-- pathway-finance:end -->"


def _fmt(v, kind: str = "cny", lang: str = "en") -> str:
    """A finance figure as text: million CNY, a percentage, years or a ratio (words from the
    message catalogue, section "finance")."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return msg("finance", "n_a", lang)
    if kind == "cny":
        return msg("finance", "mcny_value", lang, v=v / 1e6)
    if kind == "pct":
        return f"{v:.1%}"
    if kind == "yr":
        return msg("finance", "years_value", lang, v=v)
    return f"{v:,.2f}"


def _display(df: pd.DataFrame, formats: dict[str, tuple[str, Callable]], lang: str = "en") -> str:
    """An HTML table of ``df`` with columns renamed and formatted: {column: (header key, fmt)};
    the header key is looked up in the "finance" section of the message catalogue."""
    import html as _html

    cols = [c for c in formats if c in df.columns]
    head = "".join(f"<th>{_html.escape(msg('finance', formats[c][0], lang))}</th>" for c in cols)
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


def finance_html(tables: dict[str, pd.DataFrame], summary: dict | None = None, lang: str = "en") -> str:
    """The report's finance section (HTML fragment between REPORT_START/REPORT_END, which
    ``pathway finance`` replaces), rendered by templates/finance_section.html.j2 from a list
    of blocks (heading, text, table): a new table is one more block. Its chart draws once
    plotly.js has loaded, wherever the report puts the script. Empty string without finance
    tables. Every word comes from the message catalogue (section "finance") in ``lang``."""
    from pathway.output.templating import Markup, render

    if "loan_schedule" not in tables or "finance_metrics" not in tables:
        return ""
    t = lambda key, **f: msg("finance", key, lang, **f)  # noqa: E731
    loan = (summary or {}).get("loan") or {}
    met = tables["finance_metrics"]
    mcny = lambda v: f"{v / 1e6:,.2f}"  # noqa: E731
    pct = lambda v: f"{v:.1%}"  # noqa: E731
    num = lambda v: f"{v:,.0f}"  # noqa: E731
    items: list[tuple[str, str]] = []
    blocks: list[dict] = []
    if loan:
        st = loan.get("settings", {})
        items = [
            (t("loan"), t("loan_value", debt=_fmt(loan.get("debt_cny"), lang=lang), binding=t(str(loan.get("binding"))))),
            (t("why"), str(loan.get("reason", "")) if lang == "en" else t(f"why_{loan.get('binding')}")),
            (t("equity"), _fmt(loan.get("equity_cny"), lang=lang)),
            (t("min_dscr"), t("min_dscr_value", v=_fmt(loan.get("min_dscr"), "x", lang), y=loan.get("min_dscr_year") or t("n_a"),
                              c=st.get("min_dscr"))),
            (t("terms"), t("terms_value", ltc=f"{st.get('loan_to_cost', 0):.0%}", n=st.get("tenor_years"),
                           r=f"{st.get('interest_rate', 0):.2%}", g=st.get("grace_years"), rep=t(str(st.get("repayment"))))),
            (t("cover"), t("cover_value", llcr=_fmt(loan.get("llcr"), "x", lang), plcr=_fmt(loan.get("plcr"), "x", lang),
                           y=loan.get("first_repayment_year") or t("n_a"), dsra=_fmt(loan.get("dsra_initial_cny"), lang=lang),
                           idc=_fmt(loan.get("capitalised_interest_cny"), lang=lang))),
            (t("rates"), str((loan.get("rates") or {}).get("statement", "")) if lang == "en" else t("rates_value")),
            (t("sll"), t("sll_value", down=f"{st.get('kpi_step_down_bp') or 0:g}", kpi=t(str(st.get("kpi_metric"))),
                         scope=t("kpi_all" if st.get("kpi_include_certificates") else "kpi_physical"),
                         target=(t("kpi_target_path") if st.get("kpi_reduction_per_yr") is None
                                 else t("kpi_target_rate", red=f"{st.get('kpi_reduction_per_yr'):.0%}")),
                         up=f"{st.get('kpi_step_up_bp') or 0:g}", met=loan.get("kpi_years_met"), n=loan.get("kpi_years"),
                         saved=_fmt(loan.get("sll_interest_saving_cny"), lang=lang))),
        ]
    if (met.lever == "total").any():
        tot = met[met.lever == "total"].iloc[0]
        blocks.append(dict(text=t("all_levers", a=int(tot.first_year), b=int(tot.last_year), npv=_fmt(tot.npv_cny, lang=lang),
                                  irr=_fmt(tot.irr, "pct", lang), pb=_fmt(tot.simple_payback_years, "yr", lang),
                                  dpb=_fmt(tot.discounted_payback_years, "yr", lang), lcoa=_fmt(tot.lcoa_cny_per_t, "x", lang))))
    view = met.assign(note=[n1 if isinstance(n1, str) and n1 else (n2 if isinstance(n2, str) else "")
                            for n1, n2 in zip(met.irr_note, met.lcoa_note)])
    view = view.assign(note=[_note(n, lang) if n else "" for n in view.note])
    view = view.assign(lever=[label(k, lang) if k != "total" else t("total") for k in view.lever])
    blocks.append(dict(heading=t("h_metrics"), table=Markup(_display(view, {
        "lever": ("c_lever", str), "capex_cny": ("c_capex", mcny), "npv_cny": ("c_npv", mcny),
        "irr": ("c_irr", pct), "simple_payback_years": ("c_payback", lambda v: f"{v:.1f}"),
        "discounted_payback_years": ("c_dpayback", lambda v: f"{v:.1f}"),
        "abatement_t": ("c_abatement", num), "lcoa_cny_per_t": ("c_lcoa", lambda v: f"{v:,.1f}"),
        "note": ("c_note", str)}, lang))))
    sched = tables["loan_schedule"]
    if len(sched):
        fig = _service_figure(tables, lang)
        # an id derived from the content (Python's hash() is salted per process): the report
        # is byte-identical across runs of the same inputs
        div = f"finance-cfads-{hashlib.sha256(fig.to_json().encode()).hexdigest()[:8]}"
        chart = (f"<div id='{div}' style='height:420px'></div><script>window.addEventListener('load',function(){{"
                 f"var f={fig.to_json()};if(window.Plotly){{Plotly.newPlot('{div}',f.data,f.layout);}}}});</script>")
        blocks.append(dict(chart=Markup(chart)))
        blocks.append(dict(heading=t("h_schedule"), table=Markup(_display(sched, {
            "year": ("c_year", lambda v: f"{int(v)}"), "interest_rate": ("c_rate", lambda v: f"{v:.3%}"),
            "drawdown_cny": ("c_drawdown", num), "interest_cny": ("c_interest", num), "principal_cny": ("c_principal", num),
            "debt_service_cny": ("c_debt_service", num), "closing_balance_cny": ("c_balance", num), "cfads_cny": ("c_cfads", num),
            "dscr": ("c_dscr", lambda v: f"{v:.2f}"), "period": ("c_period", lambda v: t(str(v)))}, lang))))
    if "kpi_schedule" in tables:
        k = tables["kpi_schedule"]
        blocks.append(dict(heading=t("h_kpi"), text=t("kpi_intro"), table=Markup(_display(k, {
            "year": ("c_year", lambda v: f"{int(v)}"), "emissions_t": ("c_emissions", num),
            "intensity_kg_per_unit": ("c_intensity", lambda v: f"{v:,.2f}"),
            "intensity_target_kg_per_unit": ("c_intensity_target", lambda v: f"{v:,.2f}"),
            "bau_intensity_kg_per_unit": ("c_bau_intensity", lambda v: f"{v:,.2f}"),
            "absolute_target_t": ("c_absolute_target", num),
            "kpi_met": ("c_kpi_met", lambda v: t("yes") if bool(v) else t("no")),
            "margin_bp": ("c_margin", lambda v: f"{v:+g}"), "basis": ("c_basis", lambda v: t(str(v)))}, lang))))
    blocks.extend(_bank_blocks(tables, lang))
    d = finance_defaults()
    notes = t("cfads_beyond") + " " + t("defaults_intro") + "; ".join(
        f"{r.item} = {r.value:g} {t('unit:' + str(r.unit))} ({t('estimate') if r.estimate else t('sourced')})"
        for r in d.itertuples())
    html_text = render("finance_section.html.j2", title=t("title"), items=items, blocks=blocks, notes=notes)
    return REPORT_START + html_text + REPORT_END


def _bank_blocks(tables: dict[str, pd.DataFrame], lang: str = "en") -> list[dict]:
    """Downside cases, the base covenant table and the use of proceeds, as blocks of the
    finance section (headers and words from the catalogue, section "finance")."""
    from pathway.output.templating import Markup

    t = lambda key, **f: msg("finance", key, lang, **f)  # noqa: E731
    out = []
    num = lambda v: f"{v:,.0f}"  # noqa: E731
    x2 = lambda v: f"{v:.2f}"  # noqa: E731
    yes_no = lambda v: t("yes") if bool(v) else t("no")  # noqa: E731
    if "downside_cases" in tables and len(tables["downside_cases"]):
        out.append(dict(heading=t("h_cases"), table=Markup(_display(tables["downside_cases"], {
            "case": ("c_case", lambda v: t("case:" + str(v))), "debt_cny": ("c_debt_sized", num),
            "min_dscr_sized": ("c_min_dscr_sized", x2), "base_loan_min_dscr": ("c_base_min_dscr", x2),
            "base_loan_breach_years": ("c_breach_years", str), "first_breach_year": ("c_first_breach", lambda v: f"{v:.0f}"),
            "npv_cny": ("c_npv_cny", num)}, lang))))
    if "covenants" in tables and len(tables["covenants"]):
        c = tables["covenants"]
        out.append(dict(heading=t("h_covenants"), table=Markup(_display(c[c.case == "base"], {
            "year": ("c_year", lambda v: f"{int(v)}"), "phase": ("c_phase", lambda v: t(str(v))),
            "cfads_cny": ("c_cfads_nominal", num), "debt_service_cny": ("c_debt_service", num), "dscr": ("c_dscr", x2),
            "covenant_dscr": ("c_covenant", x2), "headroom_share": ("c_headroom", lambda v: f"{v:+.1%}"),
            "breach": ("c_breach", yes_no)}, lang))))
    if "use_of_proceeds" in tables and len(tables["use_of_proceeds"]):
        u = tables["use_of_proceeds"]
        if lang != "en":  # the catalogue names are bilingual in data/taxonomy.csv: "中文 (English)"
            zh = lambda v: str(v).split(" (")[0]  # noqa: E731
            u = u.assign(pboc_crf_field=[zh(v) for v in u.pboc_crf_field], reason=[
                t("reason_no_item") if str(r.green_bond_2021_item).lower().startswith("none") else
                t("reason_not_positive", item=zh(r.green_bond_2021_item), lever=label(str(r.lever), lang),
                  a=f"{r.lever_abatement_appraisal_t:,.0f}") if r.abatement_not_positive else
                t("reason_eligible", item=zh(r.green_bond_2021_item), lever=label(str(r.lever), lang),
                  a=f"{r.lever_abatement_appraisal_t:,.0f}") for r in u.itertuples()])
        out.append(dict(heading=t("h_proceeds"), table=Markup(_display(u, {
            "technology": ("c_technology", lambda v: label(str(v), lang)), "loan_allocated_cny": ("c_loan_cny", num),
            "eligible": ("c_eligible", yes_no), "reason": ("c_reason", str),
            "pboc_crf_field": ("c_pboc_field", str)}, lang))))
    return out


def _note(note: str, lang: str) -> str:
    """A metric's note (from pathway.finance) in ``lang``: a catalogue entry, or a known
    pattern with its number kept."""
    import re

    m = re.match(r"not defined: discounted abatement is not positive \((.*)\)$", note)
    if m and lang != "en":
        return msg("finance", "note_abatement_not_positive", lang, v=m.group(1))
    return msg("finance", note, lang)


def _service_figure(tables: dict[str, pd.DataFrame], lang: str = "en") -> FigureSpec:
    """CFADS and debt service (bars, M CNY) and the DSCR (line, right axis) per loan year, as
    a FigureSpec with plotly's default template (``.figure()`` for a plotly Figure)."""
    from pathway.output.figspec import FigureSpec, set_template

    t = lambda key: msg("finance", key, lang)  # noqa: E731
    s = tables["loan_schedule"]
    fig = FigureSpec()
    set_template(fig.layout, "plotly")  # what a new plotly Figure carries
    fig.add_bar(x=s.year.to_numpy(), y=(s.cfads_cny / 1e6).to_numpy(), name=t("f_cfads"))
    fig.add_bar(x=s.year.to_numpy(), y=(s.debt_service_cny / 1e6).to_numpy(), name=t("f_debt_service"))
    fig.add_scatter(x=s.year.to_numpy(), y=s.dscr.to_numpy(), name="DSCR", yaxis="y2", mode="lines+markers")
    fig.update_layout(title=t("f_title"), barmode="group",
                      xaxis=dict(title=t("c_year"), tickmode="array", tickvals=list(s.year), tickformat="d"),
                      yaxis_title=t("f_mcny"), yaxis2=dict(title="DSCR", overlaying="y", side="right", rangemode="tozero"),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def bank_sheet(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One sheet for a lender: per year the loan schedule, the plan's total cash flows,
    the SLL KPI and the loan's DSCR under each downside case (dscr_<case>; years of the
    loan and of the horizon)."""
    if "finance" not in tables:
        return pd.DataFrame()
    tot = tables["finance"]
    tot = tot[tot.lever == "total"][[c for c in (
        "year", "period", "capex_cny", "subsidies_cny", "bau_capex_avoided_cny", "energy_savings_cny",
        "avoided_carbon_cost_cny", "added_om_cny", "purchases_cny", "cfads_pre_tax_cny", "depreciation_cny",
        "equipment_credit_cny", "income_tax_cny", "cfads_cny", "net_cash_flow_cny") if c in tot.columns]]
    # the loan's CFADS is nominal (the plan's cash flows are real): its own column
    sched = (tables.get("loan_schedule", pd.DataFrame(columns=SCHEDULE_COLUMNS)).drop(columns=["period"], errors="ignore")
             .rename(columns={"cfads_cny": "loan_cfads_nominal_cny"}))
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
