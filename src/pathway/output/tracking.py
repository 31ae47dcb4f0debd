"""Plan vs actual: the chart, the tracking page (``tracking.html``, written by ``pathway
track`` beside the run's report) and the report section shown when a run folder holds
tracking tables (``tables/tracking_monthly.csv``, ``tables/tracking_summary.csv``).
The page itself is in ``output.tracking_page`` (through ``output.pages.Page``: CSP,
escaping, plotly.js embedded once); the report section uses the report's own embedder."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

TRACKING_TABLES = ("tracking_monthly", "tracking_summary")


def _target(monthly: pd.DataFrame) -> pd.DataFrame:
    """The rows of the scenario's scope-2 method (the one the ceiling applies to)."""
    return monthly[monthly["plan_ceiling_t"].notna()].copy()


def tracking_figure(monthly: pd.DataFrame, method: str):
    """Monthly plan and actual emissions (bars) and the plan's monthly ceiling (line), tCO2
    per month, under the scenario's scope-2 method."""
    import plotly.graph_objects as go

    t = _target(monthly)
    x = [f"{int(y)}-{int(m):02d}" for y, m in zip(t["year"], t["month"])]
    fig = go.Figure()
    fig.add_bar(x=x, y=t["plan_t"], name="plan", marker_color="#9bbbd4")
    fig.add_bar(x=x, y=t["actual_t"], name="actual", marker_color="#d46a4c")
    fig.add_scatter(x=x, y=t["plan_ceiling_t"], name="ceiling (plan's monthly split)", mode="lines+markers",
                    line=dict(color="#333", dash="dash"))
    fig.update_layout(title_text=f"Plan vs actual emissions ({method}-based scope 2)", barmode="group",
                      xaxis_title="month", yaxis_title="emissions (tCO2 per month)", height=420,
                      legend=dict(orientation="h", y=-0.2))
    return fig


def _variance_table(summary_t: pd.DataFrame) -> pd.DataFrame:
    cols = {"year": "year", "months_reported": "months reported", "plan_to_date_t": "plan to date (tCO2)",
            "actual_to_date_t": "actual to date (tCO2)", "activity_t": "activity (tCO2)", "intensity_t": "intensity (tCO2)",
            "late_levers_t": "late levers (tCO2)", "grid_factor_t": "grid factor (tCO2)",
            "variance_to_date_t": "variance (tCO2)"}
    return summary_t[list(cols)].rename(columns=cols)


def _projection_table(summary_t: pd.DataFrame) -> pd.DataFrame:
    cols = {"year": "year", "plan_share_to_date": "plan's share of the year to date",
            "projected_year_t": "projected year (tCO2)", "offsets_retired_to_date_t": "offsets retired (tCO2)",
            "projected_net_t": "projected net (tCO2)", "ceiling_t": "ceiling (tCO2)",
            "projected_over_ceiling_t": "over ceiling (tCO2)", "warning": "warning"}
    df = summary_t[list(cols)].rename(columns=cols)
    df["warning"] = df["warning"].map(lambda w: "CEILING WILL BE MISSED" if bool(w) else "on track")
    return df


FORMATS = {"plan's share of the year to date": ".1%"}
CAPTION = ("Sequential decomposition: activity (plan scaled to actual output), intensity (fuel and electricity per "
           "unit), late levers (zero-carbon electricity the plan counted on that did not arrive), grid factor "
           "(published factor vs the plan's); the four parts sum to actual - plan. Projection: actual to date divided "
           "by the plan's share of its year to date, minus the offsets retired.")


def _esc(x) -> str:
    import html

    return html.escape(str(x))


def tracking_section(tables: Mapping[str, pd.DataFrame], method: str, embed, html_table) -> str:
    """The report's plan-vs-actual section: empty unless the run folder has tracking tables.
    ``embed`` and ``html_table`` are the report's own, passed in: this module imports
    nothing of the report, which imports it."""
    if any(t not in tables for t in TRACKING_TABLES):
        return ""
    s = tables["tracking_summary"]
    st = s[s["method"] == method]
    warn = "".join(f"<p class='warn'><b>Early warning:</b> {int(r.year)}: projected net {r.projected_net_t:,.0f} t, "
                   f"ceiling {r.ceiling_t:,.0f} t</p>" for r in st.itertuples() if bool(r.warning))
    return (f"<section id='sec-tracking'><h2>Plan vs actual</h2><p class='caption'>{_esc(CAPTION)}</p>{warn}"
            f"{embed(tracking_figure(tables['tracking_monthly'], method), 'tracking')}"
            f"<div style='overflow-x:auto'>{html_table(_variance_table(st), {'year': '.0f'})}</div></section>")
