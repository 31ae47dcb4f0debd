"""The zero-carbon factory disclosure document (``pathway disclose DIR``): one structure
built from a run's ``summary.json`` and tables, rendered to HTML and to docx, en or zh.

Structure (the guidance's "offset and disclose" path): boundary; methodology (GB/T
32150-2015 / ISO 14064-1:2018, both scope-2 methods, the factors used); base-year
inventory; emissions by year; reduction by path (the guidance's paths, from the levers of
the abatement table); offsets and certificates with the registry identifiers the user
supplies (``disclosure.certificates``); data quality; verification status.

Every number in the document is a value of the run's tables (or of the user's
certificate records), kept raw in :class:`Table` rows so a test can compare each one;
formatting happens only when rendering. All user text is escaped (HTML) and the page
carries a Content-Security-Policy that allows no script and no request.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# lever (abatement table) -> the guidance's path it belongs to
LEVER_PATH = {
    "efficiency": "reduce",
    "electrification_and_fuel_switch": "reduce",
    "onsite_pv": "reduce",
    "storage": "reduce",
    "green_power": "cooperate",
    "green_certificates": "cooperate",
    "ccus_net_of_penalty": "offset",
    "offsets": "offset",
    "growth_and_grid_factor": "external",
}
PATH_ORDER = ("reduce", "cooperate", "offset", "external")

TEXT = {
    "en": {
        "title": "Zero-carbon factory disclosure",
        "s_boundary": "1. Boundary", "s_method": "2. Methodology and factors", "s_inventory": "3. Base-year inventory",
        "s_years": "4. Emissions by year", "s_paths": "5. Reduction by path", "s_offsets": "6. Offsets and certificates",
        "s_quality": "7. Data quality", "s_verify": "8. Verification status",
        "scenario": "Scenario", "factory": "Factory", "sector": "Sector", "province": "Province", "base_year": "Base year", "target_year": "Target year", "rule": "Rule",
        "scope2": "Scope-2 method of the target", "boundary_none": "No boundary statement was supplied (disclosure.boundary).",
        "method_text": ("Greenhouse gas accounting follows GB/T 32150-2015 (industrial enterprises) and ISO 14064-1:2018: "
                        "scope 1 = fuel combustion and process CO2 inside the site, net of CCUS capture; scope 2 = purchased "
                        "electricity and heat, reported location-based (grid average factor) and market-based (residual-mix "
                        "factor for electricity not covered by green power or certificates). Offsets are reported separately "
                        "and never netted from the inventory. Years after the base year are the optimised plan, not metered data."),
        "factor": "Factor", "value": "Value, tCO2 per unit", "source": "Source",
        "scope": "Scope", "emission_source": "Source", "method": "Method", "activity": "Activity", "unit": "Unit",
        "emissions_t": "Emissions, tCO2",
        "year": "Year", "location_t": "Location-based, tCO2", "market_t": "Market-based, tCO2", "offsets_t": "Offsets, tCO2e",
        "net_t": "Net, tCO2e", "ceiling_t": "Ceiling (control path), tCO2",
        "path": "Path", "abatement_t": "Abatement in the target year, tCO2",
        "p_reduce": "Reduce (减碳): efficiency, electrification, on-site PV, storage",
        "p_cooperate": "Cooperate (协同减碳): green power, green certificates",
        "p_offset": "Offset and remove (抵消): CCUS net of its energy penalty, offsets",
        "p_external": "Not a lever: output growth and grid-factor change",
        "planned_offsets": "Offsets in the plan, by year (pathway table)",
        "kind": "Kind", "registry": "Registry", "serial": "Serial", "quantity": "Quantity", "vintage": "Vintage",
        "no_certs": "No retired certificates or offsets were supplied (disclosure.certificates).",
        "checks": "Post-solve identity checks passed", "time_mode": "Time resolution", "by_year": "; capacities from the {days}-typical-day plan, each year's hours solved on it", "by_benders": "; the optimum by Benders decomposition over the investment plan, proven gap {gap}", "estimates": "Inventory factors",
        "quality_text": "The plan is a model result; each factor's source is listed in section 2.",
        "status": "Status", "verifier": "Verifier", "standard": "Standard", "date": "Statement date",
        "not_verified": "not verified", "in_progress": "verification in progress", "verified": "verified", "none": "—",
    },
    "zh": {
        "title": "零碳工厂信息披露",
        "s_boundary": "一、核算边界", "s_method": "二、核算方法与排放因子", "s_inventory": "三、基准年排放清单",
        "s_years": "四、逐年排放", "s_paths": "五、分路径减排", "s_offsets": "六、抵消与证书",
        "s_quality": "七、数据质量", "s_verify": "八、核查状态",
        "scenario": "情景", "factory": "工厂", "sector": "行业", "province": "省份", "base_year": "基准年", "target_year": "目标年", "rule": "评价规则",
        "scope2": "目标采用的范围二方法", "boundary_none": "未提供边界说明(disclosure.boundary)。",
        "method_text": ("温室气体核算依据 GB/T 32150-2015《工业企业温室气体排放核算和报告通则》与 ISO 14064-1:2018:"
                        "范围一为厂区内化石燃料燃烧和工业过程二氧化碳排放(扣除CCUS捕集量);范围二为外购电力和热力,"
                        "分别按基于位置的方法(电网平均排放因子)和基于市场的方法(未被绿电、绿证覆盖电量采用剔除市场化"
                        "非化石电量的排放因子)报告。抵消量单独报告,不从清单中扣减。基准年之后各年为优化规划结果,非计量数据。"),
        "factor": "因子", "value": "数值(tCO2/单位)", "source": "来源",
        "scope": "范围", "emission_source": "排放源", "method": "方法", "activity": "活动水平", "unit": "单位",
        "emissions_t": "排放量(tCO2)",
        "year": "年份", "location_t": "基于位置(tCO2)", "market_t": "基于市场(tCO2)", "offsets_t": "抵消量(tCO2e)",
        "net_t": "净排放(tCO2e)", "ceiling_t": "控碳上限(tCO2)",
        "path": "路径", "abatement_t": "目标年减排量(tCO2)",
        "p_reduce": "减碳:能效、电气化、厂内光伏、储能",
        "p_cooperate": "协同减碳:绿电交易、绿证",
        "p_offset": "抵消与清除:CCUS(扣除能耗排放)、核证减排量",
        "p_external": "非措施因素:产量增长与电网因子变化",
        "planned_offsets": "规划中的逐年抵消量(路径表)",
        "kind": "类型", "registry": "登记机构", "serial": "编号", "quantity": "数量", "vintage": "生产年份",
        "no_certs": "未提供已注销的证书或减排量(disclosure.certificates)。",
        "checks": "求解后恒等式校验通过", "time_mode": "时间分辨率", "by_year": "；装机容量取自{days}个典型日的规划，各年逐时运行在其上分别求解", "by_benders": "；按投资规划的Benders分解求得最优解，已证明的最优性间隙 {gap}", "estimates": "清单因子",
        "quality_text": "规划为模型结果;各因子来源见第二部分。",
        "status": "状态", "verifier": "核查机构", "standard": "核查标准", "date": "核查声明日期",
        "not_verified": "未核查", "in_progress": "核查中", "verified": "已核查", "none": "—",
    },
}


@dataclass
class Table:
    """A table of the document: header labels and raw cell values (numbers stay numbers)."""

    key: str
    header: list[str]
    rows: list[list[object]]


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Document:
    title: str
    lang: str
    sections: list[Section]


def _num(x: object) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return str(x)
    return f"{x:,.1f}" if abs(x) >= 100 else f"{x:,.4g}"


def build_document(summary: Mapping, tables: Mapping[str, pd.DataFrame], spec=None, factory=None, lang: str = "en") -> Document:
    """The disclosure of one run. ``spec`` is the scenario's ``disclosure`` block (or None),
    ``factory`` its ``factory`` block (or None: the scenario name stands for it)."""
    t = TEXT[lang]
    secs: list[Section] = []
    base, target = int(summary["base_year"]), int(summary["target_year"])

    # 1. boundary
    rows: list[list[object]] = [[t["scenario"], str(summary["scenario"])]]
    if factory is not None:
        rows += [[t["factory"], factory.name], [t["sector"], factory.sector.value], [t["province"], factory.province or t["none"]]]
    rows += [[t["base_year"], base], [t["target_year"], target], [t["rule"], str(summary.get("rule", ""))],
             [t["scope2"], str(summary.get("scope2_method", ""))]]
    boundary = spec.boundary if spec is not None and spec.boundary else t["boundary_none"]
    secs.append(Section(t["s_boundary"], [boundary], [Table("boundary", ["", ""], rows)]))

    # 2. methodology and factors
    inv = tables["inventory"]
    fac = inv.drop_duplicates("factor_name")
    secs.append(Section(t["s_method"], [t["method_text"]], [Table(
        "factors", [t["factor"], t["value"], t["source"]],
        [[str(r.factor_name), float(r.factor_tco2_per_unit), str(r.factor_source)] for r in fac.itertuples(index=False)])]))

    # 3. base-year inventory
    secs.append(Section(t["s_inventory"], [], [Table(
        "inventory", [t["scope"], t["emission_source"], t["method"], t["activity"], t["unit"], t["emissions_t"]],
        [[int(r.scope), str(r.source), str(r.method), float(r.activity), str(r.activity_unit), float(r.emissions_t)]
         for r in inv.itertuples(index=False)])]))

    # 4. emissions by year
    pw = tables["pathway"]
    secs.append(Section(t["s_years"], [], [Table(
        "years", [t["year"], t["location_t"], t["market_t"], t["offsets_t"], t["net_t"], t["ceiling_t"]],
        [[int(r.year), float(r.emissions_location_t), float(r.emissions_market_t), float(r.offsets_t),
          float(r.net_emissions_t), float(r.ceiling_t)] for r in pw.itertuples(index=False)])]))

    # 5. reduction by path (target year)
    ab = tables["abatement"]
    ab = ab[(ab.year == target) & ab.lever.isin(list(LEVER_PATH))]
    by_path = ab.assign(path=ab.lever.map(LEVER_PATH)).groupby("path")["abatement_t"].sum()
    secs.append(Section(t["s_paths"], [], [Table(
        "paths", [t["path"], t["abatement_t"]],
        [[t[f"p_{p}"], float(by_path.get(p, 0.0))] for p in PATH_ORDER])]))

    # 6. offsets and certificates
    certs = list(spec.certificates) if spec is not None else []
    off = Section(t["s_offsets"], [t["planned_offsets"]], [Table(
        "planned_offsets", [t["year"], t["offsets_t"]], [[int(r.year), float(r.offsets_t)] for r in pw.itertuples(index=False)])])
    if certs:
        off.tables.append(Table("certificates", [t["kind"], t["registry"], t["serial"], t["quantity"], t["unit"], t["vintage"]],
                                [[c.kind, c.registry, c.serial, float(c.quantity), c.unit, int(c.vintage_year)] for c in certs]))
    else:
        off.paragraphs.append(t["no_certs"])
    secs.append(off)

    # 7. data quality
    checks = tables.get("checks")
    passed = int(checks["passed"].astype(str).str.lower().eq("true").sum()) if checks is not None else 0
    total = int(len(checks)) if checks is not None else 0
    secs.append(Section(t["s_quality"], [t["quality_text"]], [Table(
        "quality", ["", ""], [[t["checks"], f"{passed} / {total}"],
                              [t["time_mode"], _time_mode(summary, t)]])]))

    # 8. verification
    v = spec.verification if spec is not None else None
    secs.append(Section(t["s_verify"], [], [Table("verification", ["", ""], [
        [t["status"], t[v.status] if v else t["not_verified"]],
        [t["verifier"], (v.verifier if v and v.verifier else t["none"])],
        [t["standard"], (v.standard if v and v.standard else t["none"])],
        [t["date"], (v.statement_date if v and v.statement_date else t["none"])]])]))
    return Document(t["title"], lang, secs)


CSS = ("body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:60rem;margin:2rem auto;"
       "color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #bbb;padding:.25rem .5rem;"
       "text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}")


def render_html(doc: Document) -> str:
    """The document as one self-contained HTML page (every text escaped; CSP: no scripts,
    no requests)."""
    e = html.escape
    parts = [f"<h1>{e(doc.title)}</h1>"]
    for s in doc.sections:
        parts.append(f"<section><h2>{e(s.title)}</h2>")
        parts += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        for tb in s.tables:
            head = "".join(f"<th>{e(h)}</th>" for h in tb.header) if any(tb.header) else ""
            body = "".join("<tr>" + "".join(
                f"<td class='n'>{e(_num(c))}</td>" if isinstance(c, (int, float)) and not isinstance(c, bool)
                else f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in tb.rows)
            parts.append(f"<table data-key='{e(tb.key)}'>" + (f"<thead><tr>{head}</tr></thead>" if head else "")
                         + f"<tbody>{body}</tbody></table>")
        parts.append("</section>")
    style_hash = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode()
    csp = (f"default-src 'none'; script-src 'none'; style-src 'sha256-{style_hash}'; img-src data:; "
           "connect-src 'none'; base-uri 'none'; form-action 'none'")
    return (f"<!doctype html><html lang='{'zh-CN' if doc.lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\"><title>{e(doc.title)}</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")


def write_docx(doc: Document, path: Path) -> None:
    """The document as a Word file (python-docx), CJK text in an East Asian font."""
    import docx
    from docx.oxml.ns import qn

    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.name = "Calibri"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    d.add_heading(doc.title, level=0)
    for s in doc.sections:
        d.add_heading(s.title, level=1)
        for p in s.paragraphs:
            d.add_paragraph(p)
        for tb in s.tables:
            has_head = any(tb.header)
            table = d.add_table(rows=len(tb.rows) + (1 if has_head else 0), cols=len(tb.header))
            table.style = "Table Grid"
            r0 = 0
            if has_head:
                for j, h in enumerate(tb.header):
                    table.cell(0, j).text = h
                r0 = 1
            for i, row in enumerate(tb.rows):
                for j, c in enumerate(row):
                    table.cell(i + r0, j).text = _num(c)
    d.save(str(path))


def write_disclosure(out_dir: Path, summary: Mapping, tables: Mapping[str, pd.DataFrame], spec=None, factory=None,
                     lang: str = "en") -> tuple[Path, Path]:
    """Write ``disclosure_<lang>.html`` and ``disclosure_<lang>.docx`` into ``out_dir``."""
    doc = build_document(summary, tables, spec, factory, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    h = out_dir / f"disclosure_{lang}.html"
    w = out_dir / f"disclosure_{lang}.docx"
    h.write_text(render_html(doc), encoding="utf-8")
    write_docx(doc, w)
    return h, w


def _time_mode(summary: dict, t: dict) -> str:
    """The time resolution as run: mode (periods), and for a full-hourly run solved year by
    year (``solve.by_year``) where its capacities came from."""
    text = f"{summary.get('time_mode', '')} ({summary.get('periods', '')})"
    dec = (summary.get("solver") or {}).get("decomposition")
    if not dec:
        return text
    if dec.get("method") == "benders":
        return text + t["by_benders"].format(gap="–" if dec["proven_gap"] is None else f"{dec['proven_gap']:.1e}")
    return text + t["by_year"].format(days=dec["plan_typical_days"])
