"""Plotly figures from the result tables.

Every function takes the tables of one run — the dict of DataFrames that
``results.build_tables`` returns, or the same read back from ``DIR/tables/*.csv``
(see :func:`read_tables`) — and returns a ``plotly.graph_objects.Figure``. Nothing here
solves or re-derives the model: the figures only re-arrange the tables, so a number on a
chart can always be found in a CSV.

Conventions shared by all figures:

* one colour per lever, technology and energy source (:data:`PALETTE`), the same on
  every chart;
* every axis title carries its unit, and hovering shows each value with its unit;
* labels in English or Chinese (``lang='en'|'zh'``, :data:`LABELS`).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pathway.analysis.lever_economics import _FUEL_RE, _fuel_mwh_per_tco2, lever_costs
from pathway.analysis.lookup import (
    baseline_of,
    scope2_method_of,
    target_year_of,
    years_of,
)
from pathway.analysis.lookup import catalogue_param as _param
from pathway.output.figspec import FigureSpec, set_template
from pathway.output.figspec import bar as _bar
from pathway.output.figspec import scatter as _scatter
from pathway.output.labels import FONT, LABELS, LANGS, PALETTE, SCENARIO_COLOURS, _check_lang, colour, label  # noqa: F401

if TYPE_CHECKING:
    import plotly.graph_objects as go

# ---------------------------------------------------------------------------------------
# colours: fixed per lever / technology / energy source, identical across all charts
# ---------------------------------------------------------------------------------------




# ---------------------------------------------------------------------------------------
# labels (English / Chinese)
# ---------------------------------------------------------------------------------------






# ---------------------------------------------------------------------------------------
# helpers shared by the figures
# ---------------------------------------------------------------------------------------


def _figure_function(build: Callable[..., FigureSpec]) -> Callable[..., go.Figure]:
    """The public chart function of a spec builder: same arguments, returns the
    ``plotly.graph_objects.Figure``; ``.spec`` is the builder itself (the report serialises
    its dict without building a Figure, see pathway.output.figspec)."""

    @functools.wraps(build)
    def figure(*args, **kwargs) -> go.Figure:
        return build(*args, **kwargs).figure()

    figure.spec = build  # type: ignore[attr-defined]
    return figure


def _layout(fig, title: str, **kw):
    """The layout every chart shares (title, template, fonts, legend below, margins, height);
    ``fig`` is a FigureSpec or a plotly Figure."""
    if isinstance(fig, FigureSpec):
        set_template(fig.layout)
    else:
        kw["template"] = "plotly_white"
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=17)),
        font=dict(family=FONT, size=12, color="#263238"),
        legend=kw.pop("legend", dict(orientation="h", yanchor="top", y=-0.14, x=0, xanchor="left", traceorder="normal")),
        margin=kw.pop("margin", dict(l=70, r=30, t=70, b=60)),
        hoverlabel=dict(font=dict(family=FONT)),
        height=kw.pop("height", 460),
        **kw,
    )
    return fig


def source_group(source: str) -> str:
    """Emission source of the emissions table -> group key (colour and legend entry)."""
    s = source.lower()
    if s.startswith("grid electricity"):
        return "grid_electricity"
    if s.startswith("ccus capture"):
        return "ccus_capture"
    if s.startswith("process"):
        return "process"
    if s.startswith("purchased heat") or "purchased_heat" in s:
        return "purchased_heat"
    if "natural_gas" in s or s == "new gas_boiler":
        return "natural_gas"
    return "other_fuels"


SOURCE_ORDER = ("grid_electricity", "purchased_heat", "natural_gas", "other_fuels", "process")


def _hover(unit: str, fmt: str = ",.0f") -> str:
    return "%{fullData.name}<br>%{x}: <b>%{y:" + fmt + "} " + unit + "</b><extra></extra>"


# ---------------------------------------------------------------------------------------
# 1. emissions pathway
# ---------------------------------------------------------------------------------------
def pathway_data(tables: Mapping[str, pd.DataFrame], method: str) -> pd.DataFrame:
    """Emissions by source group and year for one scope-2 method (``location``/``market``):
    columns year, group, emissions_t. Capture is negative, as in the emissions table."""
    em = tables["emissions"]
    sel = em[em["method"].isin(["both", method])].copy()
    sel["group"] = sel["source"].map(source_group)
    return sel.groupby(["year", "group"], as_index=False)["emissions_t"].sum()


def _inventory_groups(inv: pd.DataFrame, method: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in inv.itertuples():
        if r.method not in ("both", method):
            continue
        src = str(r.source)
        if src.startswith("electricity"):
            g = "grid_electricity"
        elif src.startswith("fuel:natural_gas"):
            g = "natural_gas"
        elif "heat" in src:
            g = "purchased_heat"
        elif src.startswith("process"):
            g = "process"
        else:
            g = "other_fuels"
        out[g] = out.get(g, 0.0) + float(r.emissions_t)
    return out


@_figure_function
def emissions_pathway(tables: Mapping[str, pd.DataFrame], lang: str = "en", method: str | None = None,
                      target_year: int | None = None, base_year: int | None = None) -> FigureSpec:
    """One bar per year, stacked by emission source (tCO2/yr), for both scope-2 methods.

    Above zero: the sources before capture, then a light "own reduction vs baseline"
    segment that fills the bar up to the baseline of that method. Below zero: CCUS
    capture and offsets, each its own colour. Lines: the yearly ceiling (it binds the
    target's method), the baseline, net emissions after offsets; a vertical marker at the
    target year. Buttons switch between location- and market-based scope 2 (the
    target's method is shown first). With ``base_year`` and an inventory table, the
    base-year inventory is drawn as the first bar.
    """
    _check_lang(lang)
    method = method or scope2_method_of(tables)
    target_year = target_year or target_year_of(tables)
    pw = tables["pathway"].set_index("year")
    years = years_of(tables)
    inv = tables.get("inventory")
    base_t = {m: None for m in ("location", "market")}
    if inv is not None and not inv.empty:
        for m in base_t:
            base_t[m] = sum(_inventory_groups(inv, m).values())
    else:
        base_t[method] = baseline_of(tables)
    base_t[method] = baseline_of(tables)  # the abatement table's baseline is authoritative
    show_base = base_year is not None and inv is not None and not inv.empty
    fig = FigureSpec()
    methods = ("market", "location") if method == "market" else ("location", "market")
    traces_of: dict[str, list[int]] = {m: [] for m in methods}
    shared: list[int] = []

    def add(tr, m: str | None):
        fig.add_trace(tr)
        (traces_of[m] if m else shared).append(len(fig.data) - 1)

    for m in methods:
        data = pathway_data(tables, m)
        visible = m == method
        inv_g = _inventory_groups(inv, m) if show_base else {}
        gross = np.zeros(len(years))
        for g in SOURCE_ORDER:
            vals = data[data.group == g].set_index("year")["emissions_t"].reindex(years).fillna(0.0).to_numpy()
            if not vals.any() and not inv_g.get(g):
                continue
            gross += vals
            x = ([base_year] if show_base else []) + years
            y = ([inv_g.get(g, 0.0)] if show_base else []) + list(vals)
            add(_bar(x=x, y=y, name=label(g, lang), marker_color=colour(g), legendgroup=g, visible=visible,
                       hovertemplate=_hover("tCO2"), meta=dict(kind="source", group=g, method=m)), m)
        if base_t[m] is not None:
            own = np.clip(base_t[m] - gross, 0.0, None)
            add(_bar(x=years, y=own, name=label("own_reduction", lang), legendgroup="own_reduction", visible=visible,
                       marker=dict(color="rgba(200,230,201,0.55)", line=dict(color="#66bb6a", width=1),
                                   pattern=dict(shape="/", fgcolor="#66bb6a", size=6)),
                       customdata=base_t[m] - gross,
                       hovertemplate="%{fullData.name}<br>%{x}: <b>%{customdata:,.0f} tCO2</b><extra></extra>",
                       meta=dict(kind="own_reduction", method=m)), m)
            add(_scatter(x=([base_year] if show_base else []) + years, y=[base_t[m]] * (len(years) + show_base),
                           name=f"{label('baseline', lang)} ({base_year})" if base_year else label("baseline", lang),
                           mode="lines", line=dict(color=colour("baseline"), dash="dot", width=1.5), visible=visible,
                           hovertemplate=_hover("tCO2"), meta=dict(kind="baseline", method=m)), m)
        col = f"emissions_{m}_t"
        net = pw[col].reindex(years).to_numpy() - pw["offsets_t"].reindex(years).to_numpy()
        add(_scatter(x=years, y=net, name=label("net_emissions", lang), mode="markers",
                       marker=dict(symbol="diamond", size=10, color=colour("net_emissions"), line=dict(color="white", width=1)),
                       visible=visible, hovertemplate=_hover("tCO2"), meta=dict(kind="net", method=m)), m)

    capture = pathway_data(tables, method)
    cap = capture[capture.group == "ccus_capture"].set_index("year")["emissions_t"].reindex(years).fillna(0.0)
    if (cap.abs() > 1e-9).any():
        add(_bar(x=years, y=cap.to_numpy(), name=label("ccus_capture", lang), marker_color=colour("ccus_capture"),
                   marker_pattern_shape="x", hovertemplate=_hover("tCO2"), meta=dict(kind="source", group="ccus_capture")), None)
    off = pw["offsets_t"].reindex(years).to_numpy()
    if (np.abs(off) > 1e-9).any():
        add(_bar(x=years, y=-off, name=label("offsets", lang), marker_color=colour("offsets"), marker_pattern_shape=".",
                   hovertemplate=_hover("tCO2"), meta=dict(kind="offsets")), None)
    # the ceiling belongs to the rule's method only: the other view shows no ceiling and no verdict
    add(_scatter(x=years, y=pw["ceiling_t"].reindex(years).to_numpy(), mode="lines+markers",
                   name=f"{label('ceiling', lang)} ({label(method, lang)})", line=dict(color=colour("ceiling"), width=2.5, dash="dash"),
                   hovertemplate=_hover("tCO2"), meta=dict(kind="ceiling", method=method)), method)

    n = len(fig.data)
    year_note = dict(x=target_year, y=1.0, yref="paper", text=f"{label('target_year', lang)} {target_year}",
                     showarrow=False, yanchor="bottom", font=dict(size=11))

    def method_note(m: str) -> dict:
        text = label("rule_method_note", lang) if m == method else label("other_method_note", lang)
        return dict(x=0, xref="paper", y=1.0, yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                    text=f"{label(m, lang)}: {text}", font=dict(size=11, color="#c62828" if m != method else "#263238"))

    buttons = []
    for m in methods:
        vis = [i in shared or i in traces_of[m] for i in range(n)]
        buttons.append(dict(label=label(m, lang), method="update",
                            args=[{"visible": vis}, {"annotations": [year_note, method_note(m)]}]))
    fig.add_vline(x=target_year, line=dict(color="#263238", width=1.5, dash="dashdot"))
    fig.add_annotation(**year_note)
    fig.add_annotation(**method_note(method))
    _layout(fig, label("t_pathway", lang), barmode="relative",
            xaxis=dict(title=label("ax_year", lang), dtick=1, tickformat="d"),
            yaxis=dict(title=label("ax_tco2", lang), tickformat=",.0f", zeroline=True, zerolinecolor="#90a4ae"),
            updatemenus=[dict(type="buttons", direction="right", x=1.0, xanchor="right", y=1.13, yanchor="bottom",
                              buttons=buttons, showactive=True, bgcolor="#eceff1", font=dict(size=11))])
    return fig


# ---------------------------------------------------------------------------------------
# 2. abatement waterfall
# ---------------------------------------------------------------------------------------
def waterfall_steps(tables: Mapping[str, pd.DataFrame], year: int | None = None) -> pd.DataFrame:
    """The waterfall of one year: rows (key, delta_t, level_after_t) from the abatement
    table — baseline, growth and grid factor, then the levers in LEVER_ORDER (offsets
    last). ``delta_t`` is the change in emissions (``-abatement_t``), so
    ``baseline + sum(delta) = residual`` exactly."""
    year = year or target_year_of(tables)
    ab = tables["abatement"]
    rows = ab[ab["year"] == year].sort_values("order")
    if rows.empty:
        raise ValueError(f"no abatement rows for year {year}")
    out = []
    for r in rows.itertuples():
        if r.lever == "baseline":
            out.append(dict(key="baseline", delta_t=float(r.emissions_after_t), level_after_t=float(r.emissions_after_t)))
        else:
            out.append(dict(key=r.lever, delta_t=-float(r.abatement_t), level_after_t=float(r.emissions_after_t)))
    return pd.DataFrame(out)


@_figure_function
def abatement_waterfall(tables: Mapping[str, pd.DataFrame], year: int | None = None, lang: str = "en",
                        drop_zero: bool = True) -> FigureSpec:
    """Waterfall from the baseline to the net residual of ``year`` (default: the target
    year): growth and grid factor, then each lever's attributed abatement in the fixed
    sequential order of the abatement table, a subtotal before offsets, offsets, and the
    residual. One bar per step in the lever's own colour, its tick naming its kind of
    reduction (physical on-site, contractual, offsets); steps of exactly zero are left
    out (``drop_zero``). Each step's signed change (tCO2) is in its trace's ``customdata``.
    """
    _check_lang(lang)
    year = year or target_year_of(tables)
    st = waterfall_steps(tables, year)
    fig = FigureSpec()
    level = 0.0
    xs: list[str] = []
    levels: list[float] = []
    baseline = float(st.iloc[0]["delta_t"])
    scale = max(abs(baseline), 1.0)

    def bar(key: str, x: str, base: float, delta: float, kind: str):
        lo, hi = min(base, base + delta), max(base, base + delta)
        fig.add_trace(_bar(
            x=[x], y=[hi - lo], base=[lo], name=x, marker_color=colour(key), showlegend=False,
            customdata=[[delta, base + delta]], meta=dict(kind=kind, key=key),
            hovertemplate=(f"<b>{x}</b><br>" + ("%{customdata[1]:,.0f} tCO2" if kind != "step" else
                           "change %{customdata[0]:+,.0f} tCO2<br>after: %{customdata[1]:,.0f} tCO2") + "<extra></extra>"),
            text=[f"{delta:+,.0f}" if kind == "step" else f"{base + delta:,.0f}"], textposition="outside",
            cliponaxis=False))

    for r in st.itertuples():
        key, delta = r.key, float(r.delta_t)
        if key == "baseline":
            bar(key, f"{label('baseline', lang)}", 0.0, delta, "total")
            level = delta
        else:
            if key == "offsets":
                bar("emissions_before_offsets", label("emissions_before_offsets", lang), 0.0, level, "subtotal")
                xs.append(label("emissions_before_offsets", lang))
                levels.append(level)
            if drop_zero and abs(delta) <= 1e-9 * scale:
                continue
            bar(key, label(key, lang), level, delta, "step")
            level += delta
        xs.append(fig.data[-1]["x"][0])
        levels.append(level)
    bar("residual", label("residual", lang), 0.0, level, "total")
    xs.append(label("residual", lang))
    levels.append(level)
    # each lever's tick names its kind of reduction: physical on-site, contractual, offsets
    from pathway.analysis.story import REDUCTION_KIND

    kind_of = {label(k, lang): label(v, lang) for k, v in REDUCTION_KIND.items()}
    ticks = [f"{x}<br><i>{kind_of[x]}</i>" if kind_of.get(x, x) != x else x for x in xs]
    # connector lines between steps
    for i in range(len(xs) - 1):
        fig.add_shape(type="line", x0=i + 0.4, x1=i + 0.6, y0=levels[i], y1=levels[i], xref="x", yref="y",
                      line=dict(color="#90a4ae", width=1, dash="dot"))
    _layout(fig, label("t_waterfall", lang, year=year), barmode="overlay", bargap=0.2, showlegend=False,
            xaxis=dict(title="", type="category", categoryorder="array", categoryarray=xs, tickangle=-25,
                       tickmode="array", tickvals=xs, ticktext=ticks),
            yaxis=dict(title=label("ax_tco2", lang), tickformat=",.0f"), margin=dict(l=70, r=30, t=70, b=140))
    return fig


# ---------------------------------------------------------------------------------------
# 3. MACC
# ---------------------------------------------------------------------------------------


















MACC_MIN_WIDTH_SHARE = 0.025  # every bar at least 2.5 % of the curve's total abatement wide
MACC_OUTLIER_SHARE = 0.05  # a bar narrower than 5 % of the total abatement may be clipped as an outlier


def macc_clip_limit(costs_cny_per_t, widths_t, mac: float | None = None) -> float:
    """The y-axis limit of the MACC (CNY/tCO2): the largest |average cost| of the levers that
    abate at least ``MACC_OUTLIER_SHARE`` of the total (so every big lever is drawn whole),
    and at least 1.3 x |MAC| and 100 CNY/t; never more than the largest |cost|. Small levers
    beyond it are outliers: drawn to the limit and marked with an arrow and their value."""
    c = np.abs(np.asarray(costs_cny_per_t, dtype=float))
    w = np.asarray(widths_t, dtype=float)
    if not len(c) or c.max() <= 0:
        return 100.0
    big = c[w >= MACC_OUTLIER_SHARE * w.sum()]
    lim = max(float(big.max()) if len(big) else 0.0, 1.3 * abs(mac) if mac is not None and np.isfinite(mac) else 0.0, 100.0)
    return float(min(lim, c.max()))


@_figure_function
def macc(tables: Mapping[str, pd.DataFrame], year: int | None = None, lang: str = "en") -> FigureSpec:
    """Marginal abatement cost curve of ``year`` (default: the target year).

    Levers sorted by average abatement cost (CNY/tCO2, :func:`lever_costs`), cheapest —
    negative costs — on the left; each bar's width is the lever's abatement (tCO2/yr in
    ``year``), at least ``MACC_MIN_WIDTH_SHARE`` of the total so every bar is visible (the
    true tonnes are in the hover, the label and the table under the chart), and its height
    the average cost, clipped to :func:`macc_clip_limit` (a clipped bar carries an arrow
    with its true value). Each bar is labelled with its lever and CNY/t. The horizontal
    line is the year's marginal abatement cost, the dual value of the emissions ceiling
    (``pathway.marginal_abatement_cost_cny_per_t``). Levers with no positive abatement
    are listed under the chart, not drawn.
    """
    _check_lang(lang)
    year = year or target_year_of(tables)
    lc = lever_costs(tables, year)
    on = lc[lc["abatement_t"] > 1e-9].sort_values("average_cost_cny_per_t", kind="stable")
    off = lc[~(lc["abatement_t"] > 1e-9)]
    pw = tables["pathway"].set_index("year")
    mac = pw.loc[year, "marginal_abatement_cost_cny_per_t"] if year in pw.index else None
    mac = None if mac is None or pd.isna(mac) else float(mac)
    total = float(on["abatement_t"].sum())
    min_w = MACC_MIN_WIDTH_SHARE * total
    lim = macc_clip_limit(on["average_cost_cny_per_t"], on["abatement_t"], mac)
    fig = FigureSpec()
    x0 = 0.0
    annotations = []
    for r in on.itertuples():
        w = float(r.abatement_t)
        shown_w = max(w, min_w)
        cost = float(r.average_cost_cny_per_t)
        h = float(np.clip(cost, -lim, lim))
        clipped = h != cost
        fig.add_trace(_bar(
            x=[x0 + shown_w / 2], y=[h], width=[shown_w], name=label(r.lever, lang),
            marker=dict(color=colour(r.lever), line=dict(color="white", width=1)),
            customdata=[[w, r.net_cost_cny / 1e6, x0, x0 + shown_w, cost]],
            meta=dict(kind="lever", lever=r.lever, abatement_t=w, average_cost_cny_per_t=cost, clipped=clipped),
            hovertemplate=(f"<b>{label(r.lever, lang)}</b><br>%{{customdata[4]:,.1f}} CNY/tCO2<br>%{{customdata[0]:,.0f}} tCO2/yr"
                           f"<br>{label('net_cost', lang)} %{{customdata[1]:,.2f}} {label('mcny_per_yr', lang)}<extra></extra>")))
        text = f"<b>{label(r.lever, lang)}</b><br>{cost:,.0f} CNY/t · {w:,.0f} t"
        narrow = shown_w < 0.08 * max(total, 1e-9)
        # above a bar that costs money; inside (centred) a bar that saves money, so it stays in the plot
        annotations.append(dict(x=x0 + shown_w / 2, y=h if h >= 0 else h / 2, text=text, showarrow=False, font=dict(size=10),
                                textangle=-90 if narrow else 0, yanchor="bottom" if h >= 0 else "middle",
                                xanchor="center", yshift=4 if h >= 0 else 0, name=f"label:{r.lever}",
                                bgcolor="rgba(255,255,255,0.7)"))
        if clipped:  # the arrow points past the axis end, with the true value
            annotations.append(dict(x=x0 + shown_w / 2, y=h, ax=0, ay=-50 if h < 0 else 50, showarrow=True, arrowhead=2,
                                    arrowwidth=2, arrowcolor="#c62828", text=f"{cost:,.0f} CNY/t",
                                    font=dict(size=10, color="#c62828"), bgcolor="rgba(255,255,255,0.85)",
                                    name=f"clipped:{r.lever}"))
        x0 += shown_w
    if mac is not None:
        fig.add_trace(_scatter(x=[0, max(x0, 1.0)], y=[mac, mac], mode="lines", name=f"{label('marginal_abatement_cost', lang)} {year}",
                                 line=dict(color=colour("marginal_abatement_cost"), dash="dash", width=2),
                                 hovertemplate="%{y:,.1f} CNY/tCO2<extra>" + label("marginal_abatement_cost", lang) + "</extra>",
                                 meta=dict(kind="mac")))
    for a in annotations:
        fig.add_annotation(**a)
    if not off.empty:
        items = ", ".join(f"{label(r.lever, lang)} ({r.abatement_t:,.0f} t)" for r in off.itertuples() if abs(r.abatement_t) > 1e-9
                          or r.net_cost_cny > 1e-6)
        if items:
            fig.add_annotation(text=label("not_shown", lang, year=year, items=items), xref="paper", yref="paper",
                               x=0, y=-0.30, showarrow=False, xanchor="left", font=dict(size=10, color="#607d8b"))
    lo = -lim * 1.45 if (on["average_cost_cny_per_t"] < 0).any() else 0.0
    hi = lim * 1.45 if (on["average_cost_cny_per_t"] > 0).any() or mac else lim * 0.2
    _layout(fig, label("t_macc", lang, year=year), barmode="overlay", bargap=0, showlegend=False,
            xaxis=dict(title=label("ax_tco2_cum", lang), tickformat=",.0f", range=[0, max(x0, 1.0)]),
            yaxis=dict(title=label("ax_cny_per_t", lang), tickformat=",.0f", zeroline=True, zerolinecolor="#263238",
                       range=[lo, hi]),
            margin=dict(l=70, r=30, t=70, b=120))
    return fig


def macc_table(tables: Mapping[str, pd.DataFrame], year: int | None = None) -> pd.DataFrame:
    """The levers of the MACC, in its order: lever, kind of reduction (physical /
    contractual / offsets), abatement (tCO2/yr), average cost (CNY/tCO2), net cost
    (CNY/yr; negative saves money)."""
    from pathway.analysis.story import REDUCTION_KIND

    year = year or target_year_of(tables)
    lc = lever_costs(tables, year)
    on = lc[lc["abatement_t"] > 1e-9].sort_values("average_cost_cny_per_t", kind="stable")
    return pd.DataFrame({"lever": on["lever"], "kind": on["lever"].map(REDUCTION_KIND), "abatement_t": on["abatement_t"],
                         "average_cost_cny_per_t": on["average_cost_cny_per_t"], "net_cost_cny": on["net_cost_cny"]})


# ---------------------------------------------------------------------------------------
# 4. capex schedule
# ---------------------------------------------------------------------------------------
@_figure_function
def capex_schedule(tables: Mapping[str, pd.DataFrame], lang: str = "en") -> FigureSpec:
    """Upfront capex per year stacked by technology (million CNY, ``capex_cny`` of the
    capex table, i.e. before subsidies), the cumulative total as a line, and subsidies as
    negative bars when there are any."""
    _check_lang(lang)
    capex = tables["capex"]
    years = years_of(tables)
    fig = FigureSpec()
    for k in dict.fromkeys(capex["technology"]):
        c = capex[capex["technology"] == k].groupby("year")["capex_cny"].sum().reindex(years).fillna(0.0)
        if not (c.abs() > 0).any():
            continue
        fig.add_bar(x=years, y=c.to_numpy() / 1e6, name=label(k, lang), marker_color=colour(k),
                    hovertemplate=_hover("million CNY", ",.2f"), meta=dict(kind="technology", technology=k))
    sub = capex.groupby("year")["subsidy_cny"].sum().reindex(years).fillna(0.0)
    if (sub.abs() > 0).any():
        fig.add_bar(x=years, y=-sub.to_numpy() / 1e6, name=label("subsidy", lang), marker_color=colour("subsidy"),
                    hovertemplate=_hover("million CNY", ",.2f"), meta=dict(kind="subsidy"))
    total = capex.groupby("year")["capex_cny"].sum().reindex(years).fillna(0.0)
    fig.add_scatter(x=years, y=total.cumsum().to_numpy() / 1e6, name=label("cumulative", lang), mode="lines+markers",
                    line=dict(color=colour("cumulative"), width=2), hovertemplate=_hover("million CNY", ",.2f"),
                    meta=dict(kind="cumulative"))
    _layout(fig, label("t_capex", lang), barmode="relative",
            xaxis=dict(title=label("ax_year", lang), dtick=1, tickformat="d"),
            yaxis=dict(title=label("ax_mcny", lang), tickformat=",.1f"))
    return fig


# ---------------------------------------------------------------------------------------
# 5. energy mix
# ---------------------------------------------------------------------------------------




def energy_mix_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Final energy use per year and carrier (MWh/yr): columns year, carrier, energy_mwh.

    Electricity: grid purchases not covered by green power or certificates, green power,
    green certificates (green MWh = green share x electricity use - on-site PV used,
    split by the two purchase costs over their unit prices in the assumptions table; if
    the prices are missing the two are one carrier), on-site PV used (generation - export).
    Fuels: fuel energy (net calorific value) = combustion CO2 of the emissions table /
    (emission factor / NCV) of the fuel; biomass = heat delivered / boiler efficiency;
    a heat source without a fuel factor (purchased heat) is shown as the heat delivered. Fuel for existing boilers and new
    gas boilers is natural gas when so named; everything else is "other fuels".
    """
    years = years_of(tables)
    pw = tables["pathway"].set_index("year")
    eb = tables["energy_balance"]
    em = tables["emissions"]
    inv = tables.get("inventory")
    costs = tables["costs"]
    a = tables.get("assumptions")
    rows = []

    def flow(y, carrier, name):
        s = eb[(eb["year"] == y) & (eb["carrier"] == carrier) & (eb["flow"] == name)]["energy_mwh"]
        return float(s.sum())

    price = {}
    for item, key in (("green_power_premium_cny_per_mwh", "green_power_premium"), ("gec_cny_per_mwh", "green_certificates")):
        if a is not None:
            hit = a[a["item"] == item]
            price[key] = float(hit.iloc[0]["value"]) if not hit.empty and pd.notna(hit.iloc[0]["value"]) else None
    for y in years:
        imp = flow(y, "electricity", "supply: grid import")
        pv_used = flow(y, "electricity", "supply: PV") - flow(y, "electricity", "use: PV export")
        use = float(pw.loc[y, "electricity_use_mwh"])
        loss = float(pw.loc[y, "battery_losses_mwh"]) if "battery_losses_mwh" in pw.columns else 0.0
        # the share is of consumption net of battery losses, which count as lost PV
        green = max(float(pw.loc[y, "green_electricity_share"]) * (use - loss) - (pv_used - loss), 0.0)
        c = costs[costs["year"] == y].set_index("category")["cost_cny"]
        gp = gec = None
        if price.get("green_power_premium") and price.get("green_certificates"):
            gp = float(c.get("green_power_premium", 0.0)) / price["green_power_premium"]
            gec = float(c.get("green_certificates", 0.0)) / price["green_certificates"]
            if gp + gec > 0:
                k = green / (gp + gec)  # reconcile to the share exactly
                gp, gec = gp * k, gec * k
        rows.append(dict(year=y, carrier="grid_electricity", energy_mwh=max(imp - green, 0.0)))
        if gp is None:
            rows.append(dict(year=y, carrier="green_power_and_certificates", energy_mwh=green))
        else:
            rows.append(dict(year=y, carrier="green_power", energy_mwh=gp))
            rows.append(dict(year=y, carrier="green_certificates", energy_mwh=gec))
        rows.append(dict(year=y, carrier="onsite_pv", energy_mwh=pv_used))
        gas = other = 0.0
        for r in em[(em["year"] == y)].itertuples():
            s = str(r.source)
            if s.startswith("existing boiler"):
                m = _FUEL_RE.search(s)
                fuel = m.group(1) if m else ""
            elif s.startswith("other fuel use: "):
                fuel = s.split(": ", 1)[1]
            elif s == "new gas_boiler":
                fuel = "natural_gas"
            else:
                continue
            k = _fuel_mwh_per_tco2(fuel, inv)
            mwh = float(r.emissions_t) * k if k else 0.0
            if fuel == "natural_gas":
                gas += mwh
            else:
                other += mwh
        # zero-CO2 or unknown fuels: the heat their boilers deliver
        sup = eb[(eb["year"] == y) & eb["carrier"].str.startswith("heat:") & eb["flow"].str.startswith("supply: ")]
        for r in sup.itertuples():
            what = r.flow[len("supply: "):]
            what = what[len("existing "):] if what.startswith("existing ") else what
            if what == "biomass_boiler":
                other += float(r.energy_mwh) / (_param(a, "biomass_boiler", "efficiency") or 1.0)
            elif r.flow.startswith("supply: existing ") and _fuel_mwh_per_tco2(what, inv) is None and what != "natural_gas":
                other += float(r.energy_mwh)
        rows.append(dict(year=y, carrier="natural_gas", energy_mwh=gas))
        rows.append(dict(year=y, carrier="other_fuels", energy_mwh=other))
    return pd.DataFrame(rows, columns=["year", "carrier", "energy_mwh"])


@_figure_function
def energy_mix(tables: Mapping[str, pd.DataFrame], lang: str = "en") -> FigureSpec:
    """Final energy use per year stacked by carrier (MWh/yr): grid electricity, green
    power, green certificates, on-site PV, natural gas, other fuels (see
    :func:`energy_mix_table` for how each is derived), with the green electricity share
    (%) on a second axis. Certificates are not a source: their MWh are drawn as a hatched
    part of the grid-electricity bar (grid colour), named as grid electricity with certificates."""
    _check_lang(lang)
    mix = energy_mix_table(tables)
    years = years_of(tables)
    fig = FigureSpec.subplots(secondary_y=True)
    carriers = list(dict.fromkeys(mix["carrier"]))
    if "green_certificates" in carriers:  # certificates sit on the grid bar they are bought against
        carriers.remove("green_certificates")
        carriers.insert(carriers.index("grid_electricity") + 1, "green_certificates")
    for carrier in carriers:
        v = mix[mix["carrier"] == carrier].set_index("year")["energy_mwh"].reindex(years).fillna(0.0)
        if not (v.abs() > 1e-9).any():
            continue
        if carrier == "green_certificates":
            # an attribute of grid electricity, not a source: grid colour, hatched
            marker = dict(color=colour("grid_electricity"), pattern=dict(shape="/", fgcolor=colour("green_certificates"),
                                                                         size=7, solidity=0.5))
            name = label("grid_with_certificates", lang)
        else:
            marker = dict(color=colour(carrier if carrier != "green_power_and_certificates" else "green_power"))
            name = label(carrier, lang)
        fig.add_trace(_bar(x=years, y=v.to_numpy(), name=name, marker=marker, legendgroup="grid" if carrier in
                             ("grid_electricity", "green_certificates") else carrier,
                             hovertemplate=_hover("MWh"), meta=dict(kind="carrier", carrier=carrier)), secondary_y=False)
    share = tables["pathway"].set_index("year")["green_electricity_share"].reindex(years) * 100
    fig.add_trace(_scatter(x=years, y=share.to_numpy(), mode="lines+markers", name="Green electricity share (%)" if lang == "en" else "绿电占比（%）",
                             line=dict(color="#00695c", width=2, dash="dot"), hovertemplate=_hover("%", ".1f"),
                             meta=dict(kind="share")), secondary_y=True)
    _layout(fig, label("t_energy_mix", lang), barmode="stack",
            xaxis=dict(title=label("ax_year", lang), dtick=1, tickformat="d"))
    fig.update_yaxes(title_text=label("ax_mwh", lang), tickformat=",.0f", secondary_y=False)
    fig.update_yaxes(title_text="Green electricity share (%)" if lang == "en" else "绿电占比（%）", range=[0, 105],
                     tickvals=[0, 20, 40, 60, 80, 100], showgrid=False, secondary_y=True)
    return fig


# ---------------------------------------------------------------------------------------
# 6. typical-day dispatch
# ---------------------------------------------------------------------------------------
def default_period(tables: Mapping[str, pd.DataFrame], year: int) -> int:
    """The period of ``year`` with the largest weight (the most typical day)."""
    d = tables["dispatch"]
    d = d[d["year"] == year]
    w = d.groupby("period")["weight_days"].first()
    return int(w.idxmax())


@_figure_function
def dispatch_day(tables: Mapping[str, pd.DataFrame], year: int | None = None, period: int | None = None,
                 lang: str = "en") -> FigureSpec:
    """Hourly electricity dispatch of one representative day (MWh in each hour, i.e. MW).

    Stacked above zero: grid import, PV generation, battery discharge. Below zero: battery
    charging and PV export. Lines: process demand (after efficiency) and the total electric
    load (plus electricity for heat and CCUS); the time-of-use price on the second axis
    (CNY/MWh). Supply above zero equals total load + charging + export in every hour.
    Defaults: the target year, and its period with the largest weight.
    """
    _check_lang(lang)
    year = year or target_year_of(tables)
    d = tables["dispatch"]
    if period is None:
        period = default_period(tables, year)
    d = d[(d["year"] == year) & (d["period"] == period)].sort_values("hour")
    if d.empty:
        raise ValueError(f"no dispatch rows for year {year}, period {period}")
    h = d["hour"].to_numpy()
    fig = FigureSpec.subplots(secondary_y=True)
    series = [("grid_electricity", d["grid_import_mwh"]), ("pv", d["pv_mwh"]), ("battery_discharge", d["battery_discharge_mwh"]),
              ("battery_charge", -d["battery_charge_mwh"]), ("pv_export", -d["pv_export_mwh"])]
    for key, v in series:
        v = v.to_numpy()
        if not (np.abs(v) > 1e-9).any() and key not in ("grid_electricity",):
            continue
        fig.add_trace(_bar(x=h, y=v, name=label(key if key != "pv" else "onsite_pv", lang), marker_color=colour(key),
                             hovertemplate="%{fullData.name}<br>%{x}:00: <b>%{y:,.2f} MWh</b><extra></extra>",
                             meta=dict(kind="flow", key=key)), secondary_y=False)
    demand = d["demand_mwh"].to_numpy()
    load = demand + d["electricity_for_heat_and_ccus_mwh"].to_numpy()
    fig.add_trace(_scatter(x=h, y=demand, name=label("demand", lang), mode="lines", line=dict(color=colour("demand"), width=2, shape="hvh"),
                             hovertemplate="%{fullData.name}<br>%{x}:00: <b>%{y:,.2f} MWh</b><extra></extra>",
                             meta=dict(kind="demand")), secondary_y=False)
    if (np.abs(load - demand) > 1e-9).any():
        fig.add_trace(_scatter(x=h, y=load, name=label("total_load", lang), mode="lines",
                                 line=dict(color=colour("total_load"), width=2, dash="dash", shape="hvh"),
                                 hovertemplate="%{fullData.name}<br>%{x}:00: <b>%{y:,.2f} MWh</b><extra></extra>",
                                 meta=dict(kind="load")), secondary_y=False)
    fig.add_trace(_scatter(x=h, y=d["price_cny_per_mwh"].to_numpy(), name=label("price", lang), mode="lines",
                             line=dict(color=colour("price"), width=1.5, shape="hv", dash="dot"),
                             hovertemplate="%{fullData.name}<br>%{x}:00: <b>%{y:,.0f} CNY/MWh</b><extra></extra>",
                             meta=dict(kind="price")), secondary_y=True)
    days = float(d["weight_days"].iloc[0])
    # align the price axis's zero with the power axis's zero
    up = float(np.maximum(d["grid_import_mwh"] + d["pv_mwh"] + d["battery_discharge_mwh"], load).max()) or 1.0
    down = float((d["battery_charge_mwh"] + d["pv_export_mwh"]).max())
    lo, hi = -down * 1.08, up * 1.08
    p_hi = float(d["price_cny_per_mwh"].max()) * 1.15 or 1.0
    _layout(fig, label("t_dispatch", lang, year=year, period=period, days=days), barmode="relative", bargap=0.05,
            xaxis=dict(title=label("ax_hour", lang), dtick=2, range=[-0.5, 23.5]))
    fig.update_yaxes(title_text=label("ax_mw", lang), tickformat=",.1f", secondary_y=False, zeroline=True, zerolinecolor="#263238",
                     range=[lo, hi])
    fig.update_yaxes(title_text=label("ax_price", lang), tickformat=",.0f", showgrid=False, secondary_y=True,
                     range=[p_hi * lo / hi, p_hi])
    return fig


# ---------------------------------------------------------------------------------------
# 7. capacity build-out
# ---------------------------------------------------------------------------------------
@_figure_function
def capacity_timeline(tables: Mapping[str, pd.DataFrame], lang: str = "en") -> FigureSpec:
    """Capacity in service per technology and year, one panel per unit (MW, MWh, MW_th,
    tCO2/yr, and efficiency measures as the share of their potential adopted). Hover
    shows the capacity and what was built that year."""
    _check_lang(lang)
    cap = tables["capacity"]
    builds = tables.get("builds")
    years = years_of(tables)
    used = cap.groupby("technology")["capacity"].apply(lambda s: (s.abs() > 1e-9).any())
    techs = [k for k in dict.fromkeys(cap["technology"]) if used.get(k, False)]
    units = list(dict.fromkeys(cap[cap["technology"].isin(techs)]["unit"])) or ["MW"]
    fig = FigureSpec.subplots(rows=len(units), shared_xaxes=True, vertical_spacing=0.08)
    for i, unit in enumerate(units, start=1):
        for k in techs:
            c = cap[(cap["technology"] == k) & (cap["unit"] == unit)]
            if c.empty:
                continue
            v = c.set_index("year")["capacity"].reindex(years).fillna(0.0)
            b = (builds[builds["technology"] == k].set_index("year")["build"].reindex(years).fillna(0.0)
                 if builds is not None else pd.Series(0.0, index=years))
            scale, u = (100.0, "%") if unit == "share" else (1.0, unit)
            fig.add_trace(_bar(x=years, y=v.to_numpy() * scale, name=label(k, lang), marker_color=colour(k),
                                 customdata=b.to_numpy() * scale, meta=dict(kind="capacity", technology=k, unit=unit),
                                 hovertemplate=(f"%{{fullData.name}}<br>%{{x}}: <b>%{{y:,.2f}} {u}</b> in service"
                                                f"<br>built this year: %{{customdata:,.2f}} {u}<extra></extra>")), row=i, col=1)
        title = label(f"unit_{unit}", lang).replace("share of potential", "% of potential").replace("占潜力", "占潜力%")
        fig.update_yaxes(title_text=title, row=i, col=1, tickformat=",.1f")
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_xaxes(title_text=label("ax_year", lang), row=len(units), col=1)
    height = max(320, 200 * len(units) + 140)
    _layout(fig, label("t_capacity", lang), barmode="group", height=height,
            legend=dict(orientation="h", yanchor="top", y=-60 / height, x=0, xanchor="left", traceorder="normal"))
    return fig


# ---------------------------------------------------------------------------------------
# 8. scenario comparison
# ---------------------------------------------------------------------------------------
def comparison_table(runs: Mapping[str, Mapping[str, pd.DataFrame]],
                     summaries: Mapping[str, dict] | None = None) -> pd.DataFrame:
    """One row per scenario: target year, total discounted cost (sum of the costs table's
    ``discounted_cost_cny``), capex, emissions in the target year before and after offsets."""
    rows = []
    for name, t in runs.items():
        s = (summaries or {}).get(name) or {}
        ty = int(s.get("target_year") or target_year_of(t))
        pw = t["pathway"].set_index("year")
        cost = s.get("total_cost_npv_cny")
        if cost is None:
            cost = float(t["costs"]["discounted_cost_cny"].sum())
        base = baseline_of(t)
        em_t = float(pw.loc[ty, "emissions_t"])
        rows.append(dict(scenario=name, target_year=ty, baseline_t=base, target_year_emissions_t=em_t,
                         target_year_offsets_t=float(pw.loc[ty, "offsets_t"]), target_year_net_t=float(pw.loc[ty, "net_emissions_t"]),
                         own_reduction_share=1 - em_t / base if base else float("nan"),
                         total_cost_npv_cny=float(cost), capex_total_cny=float(t["capex"]["capex_cny"].sum()),
                         green_electricity_share_target_year=float(pw.loc[ty, "green_electricity_share"]),
                         marginal_abatement_cost_target_year_cny_per_t=pw.loc[ty, "marginal_abatement_cost_cny_per_t"]))
    return pd.DataFrame(rows)


def plot_text(x) -> str:
    """A user string (scenario, factory, heat-load name) as plotly text: plotly.js reads a
    subset of HTML in trace names, titles and hover text, so it is escaped (shown literally;
    plotly turns the entities back into the characters); "%{" is broken so a name is not read as a hover-template field."""
    return html.escape(str(x), quote=False).replace("%{", "%&#123;")


def scenario_comparison(runs: Mapping[str, Mapping[str, pd.DataFrame]], summaries: Mapping[str, dict] | None = None,
                        lang: str = "en") -> go.Figure:
    """Two or more runs side by side. Left: the pathways overlaid (emissions after capture,
    solid; ceiling, dashed; tCO2/yr). Right: total discounted cost (million CNY) against
    emissions in each scenario's target year (tCO2/yr), one marker per scenario."""
    _check_lang(lang)
    if len(runs) < 1:
        raise ValueError("scenario_comparison needs at least one run")
    from plotly.subplots import make_subplots

    table = comparison_table(runs, summaries)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.12,
                        subplot_titles=(label("t_pathway", lang), label("ax_cost_mcny", lang).split(" (")[0]
                                        if lang == "en" else "折现总成本"))
    for i, (scen, t) in enumerate(runs.items()):
        name = plot_text(scen)  # shown by plotly, which reads HTML in it; meta keeps the name as given
        c = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        pw = t["pathway"]
        fig.add_trace(_scatter(x=pw["year"], y=pw["emissions_t"], name=name, legendgroup=name, mode="lines+markers",
                                 line=dict(color=c, width=2.5), hovertemplate=f"{name}<br>%{{x}}: <b>%{{y:,.0f}} tCO2</b><extra></extra>",
                                 meta=dict(kind="pathway", scenario=scen)), row=1, col=1)
        fig.add_trace(_scatter(x=pw["year"], y=pw["ceiling_t"], name=f"{name}: {label('ceiling', lang)}", legendgroup=name,
                                 mode="lines", line=dict(color=c, width=1.5, dash="dash", shape="hv"), showlegend=False,
                                 hovertemplate=f"{name} {label('ceiling', lang)}<br>%{{x}}: <b>%{{y:,.0f}} tCO2</b><extra></extra>",
                                 meta=dict(kind="ceiling", scenario=scen)), row=1, col=1)
        r = table.iloc[i]
        fig.add_trace(_scatter(x=[r.target_year_emissions_t], y=[r.total_cost_npv_cny / 1e6], name=name, legendgroup=name,
                                 mode="markers+text", text=[f"{name} ({int(r.target_year)})"], textposition="top center",
                                 cliponaxis=False,  # a label near the plot edge is drawn whole
                                 marker=dict(color=c, size=14, line=dict(color="white", width=1)), showlegend=False,
                                 hovertemplate=(f"<b>{name}</b><br>target year {int(r.target_year)}: %{{x:,.0f}} tCO2"
                                                "<br>total discounted cost %{y:,.2f} million CNY<extra></extra>"),
                                 meta=dict(kind="cost_vs_emissions", scenario=scen)), row=1, col=2)
    fig.update_xaxes(title_text=label("ax_year", lang), dtick=1, tickformat="d", row=1, col=1)
    fig.update_yaxes(title_text=label("ax_tco2", lang), tickformat=",.0f", row=1, col=1)
    x_hi = float(table["target_year_emissions_t"].max()) * 1.3 or 1.0
    y_hi = float(table["total_cost_npv_cny"].max()) / 1e6 * 1.25 or 1.0  # head room for the labels above the markers
    fig.update_xaxes(title_text=label("ax_target_em", lang), tickformat=",.0f", range=[0, x_hi], row=1, col=2)
    fig.update_yaxes(title_text=label("ax_cost_mcny", lang), tickformat=",.1f", range=[0, y_hi], row=1, col=2)
    _layout(fig, label("t_compare", lang), height=480)
    return fig


# ---------------------------------------------------------------------------------------
def all_specs(tables: Mapping[str, pd.DataFrame], lang: str = "en", target_year: int | None = None,
              base_year: int | None = None) -> dict[str, FigureSpec]:
    """Every single-run figure as a FigureSpec (plain dicts, what the report embeds), keyed by
    a stable id."""
    ty = target_year or target_year_of(tables)
    return {
        "pathway": emissions_pathway.spec(tables, lang=lang, target_year=ty, base_year=base_year),
        "waterfall": abatement_waterfall.spec(tables, year=ty, lang=lang),
        "macc": macc.spec(tables, year=ty, lang=lang),
        "capex": capex_schedule.spec(tables, lang=lang),
        "energy_mix": energy_mix.spec(tables, lang=lang),
        "dispatch": dispatch_day.spec(tables, year=ty, lang=lang),
        "capacity": capacity_timeline.spec(tables, lang=lang),
    }


def all_figures(tables: Mapping[str, pd.DataFrame], lang: str = "en", target_year: int | None = None,
                base_year: int | None = None) -> dict[str, go.Figure]:
    """Every single-run figure, keyed by a stable id (the report's, as plotly Figures)."""
    return {k: spec.figure() for k, spec in all_specs(tables, lang, target_year, base_year).items()}


# ---------------------------------------------------------------------------------------
# file names and the toolbar's download button
# ---------------------------------------------------------------------------------------
CHART_FILE_NAMES = {  # key in all_figures -> file name stem (download button, `pathway export`)
    "pathway": "emissions_pathway",
    "waterfall": "abatement_waterfall",
    "macc": "macc",
    "capex": "capex_schedule",
    "energy_mix": "energy_mix",
    "dispatch": "dispatch_day",
    "capacity": "capacity_timeline",
}


def chart_file_name(key: str) -> str:
    """The file name stem of a chart: the meaningful name for the report's keys, else the key
    itself reduced to [a-z0-9_] (never empty)."""
    if key in CHART_FILE_NAMES:
        return CHART_FILE_NAMES[key]
    stem = "".join(c if c.isalnum() else "_" for c in str(key).lower()).strip("_")
    return stem or "chart"


def plot_config(key: str, base: Mapping | None = None) -> dict:
    """The plotly config of one chart: ``base`` with the toolbar's download named after the
    chart (``emissions_pathway.png``, not ``newplot.png``)."""
    cfg = dict(base or {})
    cfg["toImageButtonOptions"] = {"format": "png", "scale": 2, **dict(cfg.get("toImageButtonOptions") or {}),
                                   "filename": chart_file_name(key)}
    return cfg
