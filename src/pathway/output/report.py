"""Self-contained HTML reports: one run (``report.html``) and a comparison of runs.

The file opens offline: plotly.js is embedded once, the CSS is inline, fonts are the
system's — the page makes no request of any kind. Every number on it comes from the
summary and the result tables (see charts.py for how each figure reads them).
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pathway.output import charts
from pathway.output.figspec import FigureSpec
from pathway.output.messages import by_lang, font_stack, has, msg
from pathway.output.templating import Markup, render
from pathway.technologies import LEVER_ORDER

if TYPE_CHECKING:
    import plotly.graph_objects as go

# the page texts of the message catalogue (messages.yaml, section "report"), by language
TEXT: dict[str, dict[str, str]] = by_lang("report")

CSS = """
:root{--ink:#263238;--muted:#607d8b;--line:#e0e6ea;--bg:#f5f7f8;--accent:#1565c0;--ok:#2e7d32;--bad:#c62828}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 __FONT__}
header{background:#263238;color:#fff;padding:22px 32px 18px}
header h1{margin:0 0 4px;font-size:22px;font-weight:600}
header .meta{color:#b0bec5;font-size:13px}
header .meta span{margin-right:18px}
main{max-width:1240px;margin:0 auto;padding:20px 24px 40px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:0 0 22px}
.kpi{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px;border-top:3px solid var(--accent)}
.kpi .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.kpi .value{font-size:24px;font-weight:600;margin:2px 0;white-space:nowrap}
.kpi .value small{font-size:13px;font-weight:400;color:var(--muted);margin-left:3px}
.kpi .sub{color:var(--muted);font-size:12px}
.kpi.ok{border-top-color:var(--ok)} .kpi.ok .value{color:var(--ok)}
.kpi.bad{border-top-color:var(--bad)} .kpi.bad .value{color:var(--bad)}
.kpi.physical{border-top-color:#2e7d32} .kpi.contractual{border-top-color:#4db6ac} .kpi.offsets{border-top-color:#1565c0}
.kpi.info{border-top-color:#b0bec5}
nav{margin:0 0 18px;font-size:13px}
nav a{color:var(--accent);text-decoration:none;margin-right:14px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:0 0 18px}
section h2{font-size:17px;margin:0 0 4px;font-weight:600}
section p.caption{color:var(--muted);margin:0 0 8px;font-size:13px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
@media (max-width:1000px){.grid2{grid-template-columns:1fr}}
.chart{min-height:300px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0 16px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eceff1;font-weight:600;position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:600;border-top:2px solid #b0bec5}
h3{font-size:14px;margin:14px 0 2px}
details summary{cursor:pointer;color:var(--accent);margin:8px 0}
td.src{font-size:11.5px;color:#455a64;word-break:break-word;max-width:640px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:10px 0 30px;word-break:break-all}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff}
.badge.ok{background:var(--ok)} .badge.bad{background:var(--bad)}
"""

PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"],
               "toImageButtonOptions": {"format": "png", "scale": 2}}


def _t(key: str, lang: str, **fmt) -> str:
    charts._check_lang(lang)
    text = TEXT[lang].get(key) or TEXT["en"][key]
    return text.format(**fmt) if fmt else text


def _get(d: Mapping | None, year) -> float | None:
    """summary dicts are keyed by int in memory and by str after a JSON round trip."""
    if not d:
        return None
    v = d.get(year, d.get(str(year)))
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _esc(x) -> str:
    return html.escape(str(x))


def safe_id(x: str) -> str:
    """``x`` as an HTML id / JS string safe anywhere: letters, digits, '_' and '-' kept, any
    other character replaced, plus a short hash of ``x`` when something was replaced (so
    different names stay different ids)."""
    s = re.sub(r"[^A-Za-z0-9_-]", "_", str(x))
    return s if s == str(x) else f"{s[:40]}-{hashlib.sha256(str(x).encode()).hexdigest()[:8]}"


def safe_href(href: str) -> str:
    """A link target for a page: relative paths and http(s)/file URLs; any other scheme
    (javascript:, data:) becomes '#'."""
    h = str(href).strip()
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", h) and not re.match(r"^(https?|file):", h, re.I) \
            and not re.match(r"^[A-Za-z]:[\\/]", h):  # a Windows drive is a path
        return "#"
    return h


_MINUS_ZERO = re.compile(r"^[-−]0(?:[.,]0*)?(?:\s*%)?$")


def _num(x, fmt: str = ",.0f") -> str:
    """``x`` formatted with ``fmt``: '–' when missing, integers for a 'd' format (2027.0 ->
    2027), never '-0' (a value that rounds to zero prints without its sign)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    try:
        v = float(x)
        text = format(int(round(v)), fmt) if fmt.endswith("d") else format(v, fmt)
    except (TypeError, ValueError):
        return _esc(x)
    return text[1:] if _MINUS_ZERO.match(text) else text


_URL = re.compile(r"(https?://[^\s;,()<>\"'，；）]+|(?<![\w./@-])(?:[a-z][a-z0-9-]*\.)+[a-z]{2,6}/[^\s;,()<>\"'，；）]*)", re.IGNORECASE)


def linkify(text: str) -> str:
    """Escape ``text`` and make every web address in it a link (a bare ``host.tld/path`` gets
    https://), so a client can open each source from the appendix."""
    out, last = [], 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".")
        end = m.start() + len(url)
        href = url if url.lower().startswith("http") else "https://" + url
        out.append(_esc(text[last:m.start()]))
        out.append(f"<a href='{_esc(href)}' target='_blank' rel='noopener noreferrer'>{_esc(url)}</a>")
        last = end
    out.append(_esc(text[last:]))
    return "".join(out)


def html_table(df: pd.DataFrame, formats: Mapping[str, str] | None = None, total_row: bool = False,
               src_cols: tuple[str, ...] = (), lang: str | None = None) -> str:
    """A plain HTML table; numeric columns right-aligned with the given format spec (years,
    and columns named ``*_year``, as integers). With ``lang``, headers are the catalogue's
    display labels with units (section "headers") and value words are translated (section
    "values"); without it, headers are shown as given."""
    formats = dict(formats or {})
    for c in df.columns:
        if (str(c) == "year" or str(c).endswith("_year")) and c not in formats:
            formats[c] = "d"

    def head(c) -> str:
        return msg("headers", c, lang) if lang and has("headers", c) else str(c)

    def word(v) -> str:
        return msg("values", v, lang) if lang and isinstance(v, str) and has("values", v) else str(v)

    head_html = "".join(f"<th class='num'>{_esc(head(c))}</th>" if pd.api.types.is_numeric_dtype(df[c]) else f"<th>{_esc(head(c))}</th>"
                        for c in df.columns)
    body = []
    for i, row in enumerate(df.itertuples(index=False)):
        cells = []
        for c, v in zip(df.columns, row):
            if c in src_cols:
                cells.append(f"<td class='src'>{linkify('' if pd.isna(v) else str(v))}</td>")
            elif pd.api.types.is_numeric_dtype(df[c]) and not isinstance(v, bool):
                cells.append(f"<td class='num'>{_num(v, formats.get(c, ',.2f'))}</td>")
            else:
                cells.append(f"<td>{_esc('' if v is None or (isinstance(v, float) and math.isnan(v)) else word(v))}</td>")
        cls = " class='total'" if total_row and i == len(df) - 1 else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head_html}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Figures:
    """Embeds figures; plotly.js goes in once, with the first figure."""

    def __init__(self) -> None:
        self.first = True

    def __call__(self, fig: go.Figure | FigureSpec, chart_id: str, keep_title: bool = False) -> str:
        import plotly.io as pio

        chart_id = safe_id(chart_id)  # plotly writes the div id into HTML and JS unescaped
        if isinstance(fig, FigureSpec):  # plain dicts: serialised as they are, no plotly Figure built
            layout = dict(fig.layout)
            if not keep_title:
                layout["title"] = {**layout.get("title", {}), "text": ""}
                layout["margin"] = {**layout.get("margin", {}), "t": 60 if layout.get("updatemenus") else 30}
            height = layout.get("height")
            fig = {"data": fig.data, "layout": layout}
            validate = False
        else:
            if not keep_title:  # the section heading names the chart
                import plotly.graph_objects as go

                fig = go.Figure(fig)
                fig.update_layout(title_text="", margin_t=60 if fig.layout.updatemenus else 30)
            height = fig.layout.height
            validate = True
        div = pio.to_html(fig, full_html=False, include_plotlyjs=self.first, include_mathjax=False, validate=validate,
                          div_id=f"chart-{chart_id}", config=charts.plot_config(chart_id, PLOT_CONFIG), default_width="100%",
                          default_height=f"{int(height or 460)}px")
        self.first = False
        return f"<div class='chart' data-chart='{_esc(chart_id)}'>{div}</div>"


def _kpi(label: str, value: str, unit: str = "", sub: str = "", cls: str = "") -> dict:
    """One KPI tile (rendered by the ``kpi`` macro of templates/macros.html.j2; every field escaped)."""
    return dict(label=label, value=value, unit=unit, sub=sub, cls=cls)


def kpi_values(summary: Mapping, tables: Mapping[str, pd.DataFrame]) -> dict:
    """The headline numbers of the KPI strip (also used by tests)."""
    ty = int(summary.get("target_year") or charts.target_year_of(tables))
    base = float(summary.get("baseline_emissions_t") or charts.baseline_of(tables))
    pw = tables["pathway"].set_index("year")
    em = _get(summary.get("emissions_t"), ty)
    em = float(pw.loc[ty, "emissions_t"]) if em is None else float(em)
    off = _get(summary.get("offsets_t"), ty)
    off = float(pw.loc[ty, "offsets_t"]) if off is None else float(off)
    green = _get(summary.get("green_electricity_share"), ty)
    green = float(pw.loc[ty, "green_electricity_share"]) if green is None else float(green)
    mac = _get(summary.get("marginal_abatement_cost_cny_per_t"), ty)
    if mac is None and "marginal_abatement_cost_cny_per_t" in pw:
        v = pw.loc[ty, "marginal_abatement_cost_cny_per_t"]
        mac = None if pd.isna(v) else float(v)
    cost = summary.get("total_cost_npv_cny")
    cost = float(tables["costs"]["discounted_cost_cny"].sum()) if cost is None else float(cost)
    capex = summary.get("capex_total_cny")
    capex = float(tables["capex"]["capex_cny"].sum()) if capex is None else float(capex)
    checks = tables.get("checks")
    met = summary.get("target_met")
    if met is None and checks is not None:
        met = bool(checks["passed"].all())
    from pathway.analysis.story import reduction_split, scope2_verdicts

    split = reduction_split(tables, ty) if "abatement" in tables else {}
    return dict(target_year=ty, baseline_t=base, emissions_t=em, offsets_t=off, reduction_share=1 - em / base if base else None,
                bau_t=split.get("bau_t"), total_reduction_t=split.get("total_t"), physical_t=split.get("physical_t"),
                contractual_t=split.get("contractual_t"), offsets_reduction_t=split.get("offsets_t"),
                verdicts=scope2_verdicts(tables, summary, ty),
                green_share=green, mac_cny_per_t=mac, total_cost_npv_cny=cost, capex_total_cny=capex, target_met=bool(met),
                checks_passed=None if checks is None else int(checks["passed"].astype(bool).sum()),
                checks_total=None if checks is None else len(checks))


def _kpi_strip(summary: Mapping, tables: Mapping[str, pd.DataFrame], lang: str) -> list[dict]:
    """The headline: cost and capex; the reduction against business as usual split into its
    three kinds (physical on-site, contractual instruments, offsets; they sum to the total);
    net emissions under both scope-2 methods against the ceiling, with the verdict only for
    the method the target rule uses; the green share and the marginal abatement cost."""
    k = kpi_values(summary, tables)
    y = k["target_year"]
    years = charts.years_of(tables)
    mc = _t("mcny", lang)
    parts = [
        _kpi(_t("kpi_cost", lang), _num(k["total_cost_npv_cny"] / 1e6, ",.1f"), mc, _t("npv_sub", lang)),
        _kpi(_t("kpi_capex", lang), _num(k["capex_total_cny"] / 1e6, ",.1f"), mc, _t("capex_sub", lang, y0=years[0], y1=years[-1])),
    ]
    total = k.get("total_reduction_t")
    if total is not None:
        def pct(v: float) -> str:
            return _num(100 * v / total, ".1f") if abs(total) > 1e-9 else "–"

        parts += [
            _kpi(_t("kpi_total_red", lang, y=y), _num(total, ",.0f"), "tCO2",
                 _t("kpi_total_red_sub", lang, bau=k["bau_t"], b=k["baseline_t"]), "story"),
            _kpi(_t("kpi_physical", lang, y=y), _num(k["physical_t"], ",.0f"), "tCO2",
                 _t("kpi_physical_sub", lang, p=pct(k["physical_t"])), "story physical"),
            _kpi(_t("kpi_contractual", lang, y=y), _num(k["contractual_t"], ",.0f"), "tCO2",
                 _t("kpi_contractual_sub", lang, p=pct(k["contractual_t"])), "story contractual"),
            _kpi(_t("kpi_offsets", lang, y=y), _num(k["offsets_reduction_t"], ",.0f"), "tCO2",
                 _t("kpi_offsets_kind_sub", lang, p=pct(k["offsets_reduction_t"])), "story offsets"),
        ]
    for m, v in sorted(k["verdicts"].items(), key=lambda mv: not mv[1]["rule_uses"]):
        ceiling = "–" if v["ceiling_t"] is None else _num(v["ceiling_t"], ",.0f")
        if v["rule_uses"]:
            word = _t("met", lang) if v["verdict"] == "met" else _t("missed", lang)
            sub = _t("kpi_rule_sub", lang, net=_num(v["net_t"], ",.0f"), c=ceiling)
            if k["checks_total"]:
                sub += " · " + _t("checks_sub", lang, n=k["checks_passed"], m=k["checks_total"])
            parts.append(_kpi(_t("kpi_target_m", lang, y=y, m=_t(f"m_{m}", lang)), word, "", sub,
                              ("ok" if v["verdict"] == "met" else "bad") + " kpi-verdict"))
        else:
            parts.append(_kpi(_t("kpi_other_m", lang, y=y, m=_t(f"m_{m}", lang)), _num(v["net_t"], ",.0f"), "tCO2",
                              _t("kpi_other_sub", lang, c=ceiling), "info"))
    parts += [
        _kpi(_t("kpi_green", lang, y=y), _num(100 * k["green_share"], ".1f"), "%", _t("green_sub", lang)),
        _kpi(_t("kpi_mac", lang, y=y), _num(k["mac_cny_per_t"], ",.1f"), "CNY/tCO2", _t("kpi_mac_sub", lang, y=y)),
    ]
    return parts


def _macc_lever_table(tables: Mapping[str, pd.DataFrame], year: int, lang: str) -> str:
    """The levers of the MACC under the chart: lever, kind of reduction, t/yr, CNY/t, net cost."""
    mt = charts.macc_table(tables, year)
    if mt.empty:
        return ""
    view = pd.DataFrame({
        _t("lever", lang): [charts.label(k, lang) for k in mt["lever"]],
        _t("kind", lang): [charts.label(k, lang) for k in mt["kind"]],
        _t("h_abatement", lang, y=year): mt["abatement_t"].to_numpy(),
        _t("h_avg_cost", lang): mt["average_cost_cny_per_t"].to_numpy(),
        _t("h_net_cost", lang): mt["net_cost_cny"].to_numpy() / 1e6,
    })
    cols = list(view.columns)
    return "<div class='scroll macc-table'>" + html_table(view, {cols[2]: ",.0f", cols[3]: ",.1f", cols[4]: ",.2f"}) + "</div>"


def _key_tables(summary: Mapping, tables: Mapping[str, pd.DataFrame], lang: str) -> str:
    ty = int(summary.get("target_year") or charts.target_year_of(tables))
    out = []
    pw = tables["pathway"].copy()
    cols = ["year", "emissions_t", "emissions_location_t", "emissions_market_t", "offsets_t", "net_emissions_t", "ceiling_t",
            "captured_t", "green_electricity_share", "marginal_abatement_cost_cny_per_t"]
    pw = pw[[c for c in cols if c in pw.columns]]
    if "green_electricity_share" in pw:
        pw = pw.assign(green_electricity_share=100 * pw["green_electricity_share"]).rename(
            columns={"green_electricity_share": "green_electricity_share_pct"})
    fm = {c: ",.0f" for c in pw.columns}
    fm.update(year="d", green_electricity_share_pct=".1f", marginal_abatement_cost_cny_per_t=",.1f")
    out.append(f"<h3>{_esc(_t('t_pathway', lang))}</h3><div class='scroll'>" + html_table(pw, fm, lang=lang) + "</div>")
    out.append(_kinds_table(tables, lang))

    lc = charts.lever_costs(tables, ty)
    lc = lc[(lc["abatement_t"].abs() > 1e-9) | (lc["net_cost_cny"].abs() > 1e-6)].copy()
    lc["lever"] = lc["lever"].map(lambda k: charts.label(k, lang))
    out.append(f"<h3>{_esc(_t('t_levers', lang, y=ty))}</h3>" + html_table(
        lc, {"abatement_t": ",.0f", "capex_annuity_cny": ",.0f", "fixed_om_cny": ",.0f", "purchases_cny": ",.0f",
             "energy_savings_cny": ",.0f", "net_cost_cny": ",.0f", "average_cost_cny_per_t": ",.1f"}, lang=lang))

    cx = tables["capex"]
    piv = cx.pivot_table(index="technology", columns="year", values="capex_cny", aggfunc="sum", sort=False) / 1e6
    piv = piv[piv.abs().sum(axis=1) > 0]
    if not piv.empty:
        piv[_t("total", lang)] = piv.sum(axis=1)
        piv.loc[_t("total", lang)] = piv.sum(axis=0)
        piv.index = [charts.label(k, lang) if k in charts.LABELS["en"] else k for k in piv.index]
        piv = piv.reset_index().rename(columns={"index": _t("technology", lang)})
        piv.columns = [str(c) for c in piv.columns]
        out.append(f"<h3>{_esc(_t('t_capex', lang))}</h3>" + html_table(piv, {c: ",.2f" for c in piv.columns}, total_row=True))

    co = tables["costs"]
    piv = co.pivot_table(index="category", columns="year", values="cost_cny", aggfunc="sum", sort=False) / 1e6
    piv.index = [msg("categories", k, lang) for k in piv.index]
    piv.index.name = "category"
    disc = co.groupby("category", sort=False)["discounted_cost_cny"].sum() / 1e6
    piv[_t("discounted_total", lang)] = disc
    piv = piv[piv.abs().sum(axis=1) > 0]
    piv.loc[_t("total", lang)] = piv.sum(axis=0)
    piv = piv.reset_index().rename(columns={"category": _t("category", lang), "index": _t("category", lang)})
    piv.columns = [str(c) for c in piv.columns]
    out.append(f"<h3>{_esc(_t('t_costs', lang))}</h3>" + html_table(piv, {c: ",.2f" for c in piv.columns}, total_row=True))

    b = tables.get("builds")
    if b is not None and not b.empty:
        used = b.groupby("technology", sort=False)["build"].apply(lambda v: (v.abs() > 1e-9).any())
        bb = b[b["technology"].map(used)]
        if not bb.empty:
            piv = bb.pivot_table(index=["technology", "unit"], columns="year", values="build", aggfunc="sum", sort=False)
            piv = piv.reset_index()
            piv["technology"] = piv["technology"].map(lambda k: charts.label(k, lang))
            piv.columns = [str(c) for c in piv.columns]
            out.append(f"<h3>{_esc(_t('t_builds', lang))}</h3>" + html_table(piv, {c: ",.3f" for c in piv.columns}, lang=lang))

    ch = tables.get("checks")
    if ch is not None and not ch.empty:
        failed = ch[~ch["passed"].astype(bool)]
        if failed.empty:
            out.append(f"<p>✔ {_esc(_t('all_checks_pass', lang, n=len(ch)))}</p>")
        else:
            out.append(f"<h3>{_esc(_t('t_checks', lang))}</h3>" + html_table(failed, {"year": "d"}, lang=lang))
    return "".join(out)


def _kinds_table(tables: Mapping[str, pd.DataFrame], lang: str) -> str:
    """Per year: the reduction against business as usual and its three kinds (they sum to it)."""
    from pathway.analysis.story import reduction_split

    if "abatement" not in tables:
        return ""
    rows = []
    for y in charts.years_of(tables):
        r = reduction_split(tables, y)
        rows.append({"year": y, "total_reduction_t": r["total_t"], "physical_t": r["physical_t"],
                     "contractual_t": r["contractual_t"], "offsets_reduction_t": r["offsets_t"]})
    df = pd.DataFrame(rows)
    return (f"<h3>{_esc(_t('t_kinds', lang))}</h3><div class='scroll'>"
            + html_table(df, {c: ",.0f" for c in df.columns if c != "year"}, lang=lang) + "</div>")


def _appendix(tables: Mapping[str, pd.DataFrame], lang: str) -> str:
    out = []
    inv = tables.get("inventory")
    if inv is not None and not inv.empty:
        cols = [c for c in ("scope", "source", "method", "activity", "activity_unit", "factor_tco2_per_unit", "emissions_t",
                            "factor_name", "factor_source") if c in inv.columns]
        out.append(f"<h3>{_esc(_t('t_inventory', lang))}</h3>" + html_table(
            inv[cols], {"scope": "d", "activity": ",.2f", "factor_tco2_per_unit": ".6g", "emissions_t": ",.1f"},
            src_cols=("factor_name", "factor_source"), lang=lang))
    a = tables.get("assumptions")
    if a is not None and not a.empty:
        a = _group_assumptions(a)
        out.append(f"<details open><summary>{_esc(_t('t_assumptions', lang))} ({len(a)})</summary>"
                   + html_table(a, src_cols=("source",), lang=lang) + "</details>")
    return "".join(out)


def _group_assumptions(a: pd.DataFrame) -> pd.DataFrame:
    """One row per (item, source): the years as a range and the values in year order."""
    rows = []
    for (item, source), g in a.groupby(["item", "source"], sort=False, dropna=False):
        g = g.sort_values("year")
        ys = [int(y) for y in g["year"] if pd.notna(y)]
        vals = [f"{float(v):,.6g}" for v in g["value"] if pd.notna(v)]
        if len(set(vals)) == 1:
            vals = vals[:1]
        years = "" if not ys else (str(ys[0]) if len(ys) == 1 else f"{ys[0]}–{ys[-1]}")
        rows.append({"item": item, "year": years, "value": "; ".join(vals), "source": "" if pd.isna(source) else source})
    return pd.DataFrame(rows, columns=["item", "year", "value", "source"])


_SCRIPT = re.compile(r"<script(?:\s[^>]*)?>(.*?)</script>", re.S | re.I)
_CSP_META = re.compile(r"<meta http-equiv='Content-Security-Policy' content=\"[^\"]*\">")


def content_security_policy(html_text: str) -> str:
    """The page's Content-Security-Policy: nothing loads from anywhere (no network request
    of any kind), scripts run only if they are the page's own inline blocks (each allowed by
    its SHA-256; inline event handlers and injected scripts are refused), styles inline,
    images and fonts from data: URIs only."""
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode("utf-8")).digest()).decode() + "'"
                     for m in _SCRIPT.finditer(html_text)})
    return ("default-src 'none'; script-src " + (" ".join(hashes) or "'none'") + "; style-src 'unsafe-inline'; "
            "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")


def with_csp(html_text: str) -> str:
    """``html_text`` with its CSP meta tag (re)computed for the scripts it now holds (after
    ``pathway finance`` replaces a section, say)."""
    html_text = _CSP_META.sub("", html_text)
    meta = f"<meta http-equiv='Content-Security-Policy' content=\"{content_security_policy(html_text)}\">"
    return html_text.replace("<meta charset='utf-8'>", "<meta charset='utf-8'>" + meta, 1)


def page_css(lang: str) -> Markup:
    """The inline stylesheet of a page in ``lang`` (our own constant: Markup, not escaped)."""
    return Markup(CSS.replace("__FONT__", font_stack(lang)))


def render_page(template: str, lang: str, **context) -> str:
    """Render a page template (base.html.j2 and its children) with the CSS of ``lang`` and add
    its Content-Security-Policy."""
    return with_csp(render(template, html_lang="zh-CN" if lang == "zh" else "en", css=page_css(lang), **context))


def _page(title: str, heading: str, meta: list[str], parts: list[str], footer: str, lang: str) -> str:
    """A generic page (sweep, Monte Carlo, portfolio): ``parts`` are HTML this package built."""
    return render_page("page.html.j2", lang, title=title, heading=heading, meta=meta, footer=footer,
                       parts=[Markup(p) for p in parts])


def report_html(summary: Mapping, tables: Mapping[str, pd.DataFrame], lang: str = "en") -> str:
    """The single-run report as one HTML string."""
    charts._check_lang(lang)
    ty = int(summary.get("target_year") or charts.target_year_of(tables))
    base_year = summary.get("base_year")
    method = summary.get("scope2_method") or charts.scope2_method_of(tables)
    figs = charts.all_specs(tables, lang=lang, target_year=ty, base_year=int(base_year) if base_year else None)
    embed = _Figures()
    name = summary.get("scenario", "")
    plant = summary.get("factory_name") or name
    meta = [(_t("scenario", lang), name), (_t("base_year", lang), base_year or "–"), (_t("target_year", lang), ty),
            (_t("rule", lang), summary.get("rule", "–")), (_t("scope2", lang), msg("values", method, lang))]
    if dec := (summary.get("solver") or {}).get("decomposition"):  # solve.by_year: the capacities are the typical days'
        if dec.get("method") == "benders":
            gap = "–" if dec["proven_gap"] is None else f"{dec['proven_gap']:.1e}"
            meta.append((_t("time_res", lang), _t("by_benders", lang, n=dec["years_solved_separately"], g=gap)))
        else:
            meta.append((_t("time_res", lang), _t("by_year", lang, n=dec["years_solved_separately"], d=dec["plan_typical_days"])))
    sec = [("pathway", "s_pathway", _t("c_pathway", lang, m=charts.label(method, lang))),
           ("waterfall", "s_waterfall", _t("c_waterfall", lang, order=" → ".join(charts.label(k, lang) for k in LEVER_ORDER))),
           ("macc", "s_macc", _t("c_macc", lang, y=ty)),
           ("capex", "s_capex", _t("c_capex", lang)),
           ("energy_mix", "s_energy", _t("c_energy", lang)),
           ("dispatch", "s_dispatch", _t("c_dispatch", lang, y=ty)),
           ("capacity", "s_capacity", _t("c_capacity", lang))]
    nav = [(f"sec-{k}", _t(s, lang)) for k, s, _ in sec] + [("sec-tables", _t("s_tables", lang)),
                                                            ("sec-appendix", _t("s_appendix", lang))]
    sections = []
    for key, title, caption in sec:
        extra = _macc_lever_table(tables, ty, lang) if key == "macc" else ""
        sections.append(dict(id=f"sec-{key}", title=_t(title, lang), caption=caption,
                             body=Markup(embed(figs[key], key) + extra)))
    from pathway.output.exposure_section import exposure_html  # product footprint / CBAM / ETS: empty without them
    from pathway.output.finance_section import (
        finance_html,  # finance section: empty unless the run has finance tables
    )
    from pathway.output.tracking import tracking_section  # plan vs actual: empty unless `pathway track` ran

    tail = [dict(id="sec-tables", title=_t("s_tables", lang), caption="", body=Markup(_key_tables(summary, tables, lang))),
            dict(id="sec-appendix", title=_t("s_appendix", lang), caption="", body=Markup(_appendix(tables, lang)))]
    footer = _t("footer", lang, v=summary.get("package_version", "?"), h=summary.get("scenario_sha256", "?"))
    return render_page("report.html.j2", lang, title=f"{_t('title', lang)}: {plant}", heading=f"{plant} · {_t('title', lang)}",
                       meta=meta, kpi_items=_kpi_strip(summary, tables, lang), nav=nav, sections=sections,
                       finance=Markup(finance_html(dict(tables), dict(summary), lang=lang) + exposure_html(tables, lang)
                                      + tracking_section(tables, method, embed, html_table)),
                       tail=tail, footer=footer)


def write_report(path: Path, summary: dict, tables: dict[str, pd.DataFrame], lang: str = "en") -> None:
    """Write the self-contained single-run report (plotly.js embedded, no external request)."""
    Path(path).write_text(report_html(summary, tables, lang), encoding="utf-8")


# ---------------------------------------------------------------------------------------
# comparison of runs
# ---------------------------------------------------------------------------------------
def comparison_html(runs: Mapping[str, tuple[Mapping, Mapping[str, pd.DataFrame]]], lang: str = "en",
                    links: Mapping[str, str] | None = None) -> str:
    """A report comparing runs: ``runs`` maps a scenario label to (summary, tables)."""
    charts._check_lang(lang)
    tables = {k: t for k, (_s, t) in runs.items()}
    summaries = {k: dict(s) for k, (s, _t2) in runs.items()}
    embed = _Figures()
    cmp = charts.comparison_table(tables, summaries)
    view = cmp.assign(own_reduction_pct=100 * cmp["own_reduction_share"],
                      green_electricity_share_target_year_pct=100 * cmp["green_electricity_share_target_year"],
                      total_cost_npv_mcny=cmp["total_cost_npv_cny"] / 1e6, capex_total_mcny=cmp["capex_total_cny"] / 1e6,
                      target_met=[_t("met", lang) if summaries[k].get("target_met") else _t("missed", lang) for k in cmp["scenario"]])
    fm = {"target_year": "d", "target_met": "", "baseline_t": ",.0f", "target_year_emissions_t": ",.0f",
          "own_reduction_pct": ".1f", "target_year_offsets_t": ",.0f", "target_year_net_t": ",.0f",
          "green_electricity_share_target_year_pct": ".1f", "total_cost_npv_mcny": ",.2f", "capex_total_mcny": ",.2f",
          "marginal_abatement_cost_target_year_cny_per_t": ",.1f"}
    # metrics as rows, scenarios as columns (any number of scenarios stays readable)
    cells = {name: [v if f == "" else _num(v, f) for v, f in zip(row, fm.values())]
             for name, row in zip(view["scenario"], view[list(fm)].itertuples(index=False))}
    view = pd.DataFrame({_t("metric", lang): [msg("headers", k, lang) for k in fm], **cells})
    sections = [dict(id="sec-compare", title=_t("cmp_title", lang), caption=_t("cmp_c", lang),
                     body=Markup(embed(charts.scenario_comparison(tables, summaries, lang=lang), "compare"))),
                _window_section(tables, lang),
                dict(id="", title=_t("cmp_table", lang), caption="", body=Markup(f"<div class='scroll'>{html_table(view)}</div>"))]
    pairs = []
    for name, (s, t) in runs.items():
        ty = int(s.get("target_year") or charts.target_year_of(t))
        by = s.get("base_year")
        fig = charts.emissions_pathway(t, lang=lang, target_year=ty, base_year=int(by) if by else None)
        fig.update_layout(title_text=charts.plot_text(name), height=420)
        pairs.append(embed(fig, f"pathway-{name}", keep_title=True))
    sections.append(dict(id="", title=_t("s_pathway", lang), caption="", body=Markup(f"<div class='grid2'>{''.join(pairs)}</div>")))
    link_items = [(name, safe_href(href)) for name, href in (links or {}).items()]
    foot = " · ".join(f"{k}: {s.get('scenario_sha256', '?')}" for k, (s, _t2) in runs.items())
    version = next(iter(runs.values()))[0].get("package_version", "?") if runs else "?"
    return render_page("comparison.html.j2", lang, title=_t("cmp_title", lang), heading=_t("cmp_title", lang),
                       meta=list(runs), sections=sections, links=link_items, links_title=_t("cmp_reports", lang),
                       footer=f"pathway {version} · SHA-256 {foot}")


def _window_section(tables: Mapping[str, Mapping[str, pd.DataFrame]], lang: str) -> dict:
    """The comparison on the years every scenario shares (pathway.analysis.story.fair_comparison),
    with a warning when the horizons differ."""
    from pathway.analysis.story import fair_comparison, horizons_differ

    fc = fair_comparison(tables)
    first, last = int(fc["window_first_year"].iloc[0]), int(fc["window_last_year"].iloc[0])
    rows = {
        _t("w_horizon", lang): [f"{int(a)}–{int(b)}" for a, b in zip(fc["horizon_first_year"], fc["horizon_last_year"])],
        _t("w_horizon_cost", lang): [_num(v / 1e6, ",.2f") for v in fc["horizon_discounted_cost_cny"]],
        _t("w_cost", lang): [_num(v / 1e6, ",.2f") for v in fc["window_cost_cny"]],
        _t("w_disc_cost", lang): [_num(v / 1e6, ",.2f") for v in fc["window_discounted_cost_cny"]],
        _t("w_annual", lang): [_num(v / 1e6, ",.2f") for v in fc["annualised_cost_cny_per_yr"]],
        _t("w_abated", lang): [_num(v, ",.0f") for v in fc["window_abatement_t"]],
        msg("headers", "physical_t", lang): [_num(v, ",.0f") for v in fc["window_physical_t"]],
        msg("headers", "contractual_t", lang): [_num(v, ",.0f") for v in fc["window_contractual_t"]],
        msg("headers", "offsets_reduction_t", lang): [_num(v, ",.0f") for v in fc["window_offsets_t"]],
        _t("w_added", lang): [_num(None if v is None else v / 1e6, ",.2f") for v in fc["window_added_cost_cny"]],
        _t("w_per_t", lang): [_num(v, ",.1f") for v in fc["cost_per_t_abated_cny_per_t"]],
    }
    view = pd.DataFrame({_t("metric", lang): list(rows), **{name: [rows[k][i] for k in rows]
                                                          for i, name in enumerate(fc["scenario"])}})
    note = _t("w_differ", lang, a=first, b=last) if horizons_differ(fc) else _t("w_same", lang, a=first, b=last)
    return dict(id="sec-window", title=_t("w_title", lang, a=first, b=last), caption=note, caption_cls="window-note",
                body=Markup(f"<div class='scroll'>{html_table(view)}</div>"))


def write_comparison_report(path: Path, runs: Mapping[str, tuple[Mapping, Mapping[str, pd.DataFrame]]], lang: str = "en",
                            links: Mapping[str, str] | None = None) -> None:
    Path(path).write_text(comparison_html(runs, lang, links), encoding="utf-8")


# ---------------------------------------------------------------------------------------
# reading a results folder back
# ---------------------------------------------------------------------------------------
