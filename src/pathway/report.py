"""Self-contained HTML report (plotly.js embedded; opens offline)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio


def _pathway_figure(tables: dict[str, pd.DataFrame]) -> go.Figure:
    pw = tables["pathway"]
    fig = go.Figure()
    fig.add_bar(x=pw.year, y=pw.emissions_t, name="Emissions after capture (tCO2)")
    fig.add_bar(x=pw.year, y=-pw.offsets_t, name="Offsets (tCO2)")
    fig.add_scatter(x=pw.year, y=pw.ceiling_t, name="Ceiling (tCO2)", mode="lines+markers")
    fig.update_layout(title="Emissions pathway", xaxis_title="Year", yaxis_title="tCO2 per year", barmode="relative")
    return fig


def write_report(path: Path, summary: dict, tables: dict[str, pd.DataFrame]) -> None:
    figs = [_pathway_figure(tables)]
    parts = [f"<h1>pathway report: {html.escape(str(summary['scenario']))}</h1>"]
    for i, fig in enumerate(figs):
        parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=(i == 0)))
    parts.append(tables["pathway"].to_html(index=False))
    parts.append(f"<p>package {summary['package_version']} · scenario sha256 {summary['scenario_sha256']}</p>")
    path.write_text("<!doctype html><html><head><meta charset='utf-8'></head><body>" + "".join(parts) + "</body></html>",
                    encoding="utf-8")
