"""The tracking page (``tracking.html``) that ``pathway track`` writes into a run folder,
and the writer of the tracking tables: a self-contained page through ``output.pages.Page``
(CSP, escaping, plotly.js embedded once)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pathway.output.tracking import (
    CAPTION,
    FORMATS,
    TRACKING_TABLES,
    _esc,
    _projection_table,
    _target,
    _variance_table,
    tracking_figure,
)

PAGE = "tracking.html"


def tracking_page(summary: Mapping, tables: Mapping[str, pd.DataFrame], warnings: list[str]) -> str:
    """The tracking page as one HTML string."""
    from pathway.output.pages import Page

    method = str(summary.get("scope2_method", "location"))
    s = tables["tracking_summary"]
    st = s[s["method"] == method]
    page = Page(f"Plan vs actual: {summary.get('scenario', '')}",
                meta=[f"scope 2: {method}-based", f"months reported: {len(_target(tables['tracking_monthly']))}"])
    last = st.iloc[-1]
    page.kpis([
        ("actual to date", f"{last['actual_to_date_t']:,.0f}", "tCO2", f"{int(last['year'])}, {int(last['months_reported'])} month(s)"),
        ("plan to date", f"{last['plan_to_date_t']:,.0f}", "tCO2", f"{int(last['year'])}"),
        ("projected year, net", f"{last['projected_net_t']:,.0f}", "tCO2", f"ceiling {last['ceiling_t']:,.0f} t"),
    ])
    text = "".join(f"<p class='warn'><b>Early warning:</b> {_esc(w)}</p>" for w in warnings) or \
        "<p>On track: the projected net emissions stay within the ceiling.</p>"
    page.section("Status", html_text=text)
    page.section("Plan vs actual", "Monthly emissions; the ceiling is the year's ceiling split by the plan's own monthly profile.",
                 figure=tracking_figure(tables["tracking_monthly"], method), chart_id="tracking")
    page.section("Variance to date, by cause", CAPTION, table=_variance_table(st))
    page.section("Year-end projection at the current run rate", table=_projection_table(st), formats=FORMATS)
    other = s[s["method"] != method]
    if not other.empty:
        page.section(f"The other scope-2 method ({other['method'].iloc[0]}-based, reported only)",
                     table=_variance_table(other))
    return page.html()


def write_tracking(out_dir: Path, summary: Mapping, tables: Mapping[str, pd.DataFrame], warnings: list[str]) -> list[Path]:
    """Write ``tables/tracking_*.csv`` and ``tracking.html`` into a run folder, each file
    atomically (written beside, then renamed). Returns the paths written."""
    from pathway.files import atomic_write, atomic_write_text

    out_dir = Path(out_dir)
    written = []
    for name in TRACKING_TABLES:
        p = out_dir / "tables" / f"{name}.csv"
        atomic_write(p, lambda tmp, df=tables[name]: df.to_csv(tmp, index=False))
        written.append(p)
    p = out_dir / PAGE
    atomic_write_text(p, tracking_page(summary, tables, warnings))
    written.append(p)
    return written
