"""The report's product-footprint and CBAM / ETS section: a self-contained HTML fragment
(every value escaped) from the ``footprint``, ``cbam`` and ``ets`` tables that a run
writes when its scenario has a ``footprint:`` block; empty otherwise."""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd

TEXT = {
    "en": {"title": "Product carbon footprint, CBAM and national ETS",
           "caption": ("Footprint per unit of each product, kgCO2e per unit ({std}), allocated by {rule}. "
                       "Gate-to-gate = the plant's scope 1 + 2; cradle-to-gate adds purchased materials."),
           "product": "Product", "year": "Year", "g2g_loc": "Gate-to-gate, location-based", "g2g_mkt": "Gate-to-gate, market-based",
           "c2g_loc": "Cradle-to-gate, location-based", "c2g_mkt": "Cradle-to-gate, market-based",
           "cbam": "EU CBAM certificate cost, CNY", "embedded": "Embedded emissions exported, tCO2e",
           "ets": "National ETS: allocation, shortfall (negative: surplus) and cost",
           "alloc": "Allocation, tCO2", "short": "Shortfall, tCO2", "cost": "Cost, CNY"},
    "zh": {"title": "产品碳足迹、欧盟碳边境调节机制与全国碳市场",
           "caption": "各产品单位碳足迹(kgCO2e/单位,{std}),按{rule}分配。门到门 = 工厂范围一 + 范围二;摇篮到大门另计外购原材料。",
           "product": "产品", "year": "年份", "g2g_loc": "门到门(基于位置)", "g2g_mkt": "门到门(基于市场)",
           "c2g_loc": "摇篮到大门(基于位置)", "c2g_mkt": "摇篮到大门(基于市场)",
           "cbam": "欧盟CBAM证书成本(元)", "embedded": "出口隐含排放(tCO2e)",
           "ets": "全国碳市场:配额、缺口(负值为盈余)及成本",
           "alloc": "配额(tCO2)", "short": "缺口(tCO2)", "cost": "成本(元)"},
}


def _table(header: list[str], rows: list[list[object]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(c if isinstance(c, str) else f'{c:,.1f}')}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def exposure_section_data(tables: Mapping[str, pd.DataFrame]) -> dict[str, list[list[object]]]:
    """The section's rows, straight from the tables: footprint per product and year, CBAM
    cost and embedded emissions by year, the ETS position by year."""
    fp = tables.get("footprint")
    if fp is None or fp.empty:
        return {}
    out = {"footprint": [[str(r.product), str(int(r.year)), float(r.gate_to_gate_location_kgco2e_per_unit),
                          float(r.gate_to_gate_market_kgco2e_per_unit), float(r.cradle_to_gate_location_kgco2e_per_unit),
                          float(r.cradle_to_gate_market_kgco2e_per_unit)] for r in fp.itertuples(index=False)]}
    cb = tables.get("cbam")
    if cb is not None and not cb.empty:
        g = cb.groupby("year")[["embedded_exported_t", "cbam_cost_cny"]].sum()
        out["cbam"] = [[str(int(y)), float(r.embedded_exported_t), float(r.cbam_cost_cny)] for y, r in g.iterrows()]
    ets = tables.get("ets")
    if ets is not None and not ets.empty:
        out["ets"] = [[str(int(r.year)), float(r.allocation_t), float(r.shortfall_t), float(r.ets_cost_cny)]
                      for r in ets.itertuples(index=False)]
    return out


def exposure_html(tables: Mapping[str, pd.DataFrame], lang: str = "en") -> str:
    """The HTML fragment (a <section>), or '' when the run has no footprint table."""
    data = exposure_section_data(tables)
    if not data:
        return ""
    t = TEXT[lang]
    fp = tables["footprint"]
    cap = t["caption"].format(std=str(fp["standard"].iloc[0]) if "standard" in fp else "ISO 14067",
                              rule=str(fp["allocation_rule"].iloc[0]))
    parts = [f"<section id='sec-footprint'><h2>{html.escape(t['title'])}</h2><p class='caption'>{html.escape(cap)}</p>",
             _table([t["product"], t["year"], t["g2g_loc"], t["g2g_mkt"], t["c2g_loc"], t["c2g_mkt"]], data["footprint"])]
    if "cbam" in data:
        parts.append(f"<h3>{html.escape(t['cbam'])}</h3>" + _table([t["year"], t["embedded"], t["cbam"]], data["cbam"]))
    if "ets" in data:
        parts.append(f"<h3>{html.escape(t['ets'])}</h3>" + _table([t["year"], t["alloc"], t["short"], t["cost"]], data["ets"]))
    parts.append("</section>")
    return "".join(parts)
