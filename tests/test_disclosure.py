"""pathway disclose: every number of the disclosure is a value of the run's tables (or of
the user's certificate records); user text is escaped; en and zh; HTML and docx."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from pathway.cli import app
from pathway.output.disclosure import LEVER_PATH, PATH_ORDER, _num, build_document, render_html
from pathway.output.folder import load_results
from pathway.reference.validate import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FASTENERS = ROOT / "scenarios" / "ningbo_fasteners_2027.yaml"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("disclose")
    r = CliRunner().invoke(app, ["run", str(FASTENERS), "--out", str(d / "run"), "--no-report", "--no-xlsx", "-q"])
    assert r.exit_code == 0, r.output
    return d / "run"


def _tables_of(doc) -> dict:
    return {tb.key: tb for s in doc.sections for tb in s.tables}


def test_every_number_matches_the_run_tables(run):
    summary, tables = load_results(run)
    s = load_scenario(FASTENERS).scenario
    doc = build_document(summary, tables, s.disclosure, s.factory, "en")
    t = _tables_of(doc)
    inv = tables["inventory"]
    assert [[r[3], r[5]] for r in t["inventory"].rows] == [[float(a), float(e)] for a, e in zip(inv.activity, inv.emissions_t)]
    pw = tables["pathway"]
    assert [r[0] for r in t["years"].rows] == list(pw.year)
    for col, name in ((1, "emissions_location_t"), (2, "emissions_market_t"), (3, "offsets_t"), (4, "net_emissions_t"),
                      (5, "ceiling_t")):
        assert [r[col] for r in t["years"].rows] == [float(v) for v in pw[name]], name
    ab = tables["abatement"]
    ab = ab[ab.year == summary["target_year"]]
    for (label, value), path in zip(t["paths"].rows, PATH_ORDER, strict=True):
        levers = [k for k, p in LEVER_PATH.items() if p == path]
        assert value == pytest.approx(float(ab[ab.lever.isin(levers)].abatement_t.sum())), label
    # identity: the paths add up to base-year emissions minus the target-year emissions after all levers
    last = ab.sort_values("order").iloc[-1].emissions_after_t
    assert sum(v for _l, v in t["paths"].rows) == pytest.approx(summary["baseline_emissions_t"] - last, rel=1e-9)
    fac = inv.drop_duplicates("factor_name")
    assert [r[1] for r in t["factors"].rows] == [float(v) for v in fac.factor_tco2_per_unit]
    assert t["certificates"].rows == [["gec", "China Green Certificate Trading Platform", "GEC-ILLUSTRATIVE-0001 to 4000",
                                       4000.0, "MWh", 2026]]
    checks = tables["checks"]
    assert t["quality"].rows[0][1] == f"{int(checks.passed.sum())} / {len(checks)}"
    # and each number is printed in the page
    page = render_html(doc)
    for tb in t.values():
        for row in tb.rows:
            for c in row:
                if isinstance(c, float):
                    assert f">{_num(c)}<" in page, (tb.key, c)


def test_user_text_is_escaped_and_no_script_runs(run, tmp_path):
    data = yaml.safe_load(FASTENERS.read_text(encoding="utf-8"))
    data["disclosure"]["boundary"] = "<script>alert(1)</script> & <img src=x onerror=alert(2)>"
    data["disclosure"]["certificates"][0]["serial"] = "<b>S-1</b>"
    f = tmp_path / "evil.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = CliRunner().invoke(app, ["disclose", str(run), "--scenario", str(f), "-o", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "o" / "disclosure_en.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img" in page and "&lt;b&gt;S-1&lt;/b&gt;" in page
    csp = re.search(r"Content-Security-Policy' content=\"([^\"]*)\"", page).group(1)
    assert "script-src 'none'" in csp and "default-src 'none'" in csp


def test_zh_and_docx(run, tmp_path):
    import docx

    r = CliRunner().invoke(app, ["disclose", str(run), "--scenario", str(FASTENERS), "--lang", "zh", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "disclosure_zh.html").read_text(encoding="utf-8")
    assert "零碳工厂信息披露" in page and "lang='zh-CN'" in page and "GB/T 32150-2015" in page
    d = docx.Document(str(tmp_path / "disclosure_zh.docx"))
    cells = {c.text for tb in d.tables for row in tb.rows for c in row.cells}
    summary, tables = load_results(run)
    for v in tables["pathway"].emissions_market_t:
        assert _num(float(v)) in cells
    assert "GEC-ILLUSTRATIVE-0001 to 4000" in cells
    heads = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert heads[:3] == ["一、核算边界", "二、核算方法与排放因子", "三、基准年排放清单"]


def test_without_scenario_and_bad_input(run, tmp_path):
    r = CliRunner().invoke(app, ["disclose", str(run), "-o", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "a" / "disclosure_en.html").read_text(encoding="utf-8")
    assert "No retired certificates" in page and "not verified" in page
    r = CliRunner().invoke(app, ["disclose", str(tmp_path / "nowhere")])
    assert r.exit_code == 2
    other = ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"
    r = CliRunner().invoke(app, ["disclose", str(run), "--scenario", str(other), "-o", str(tmp_path / "b")])
    assert r.exit_code == 2 and not (tmp_path / "b").exists()


def test_disclosure_fields_take_effect(run, tmp_path):
    """The numeric fields of the disclosure: block (quantity, vintage_year) change the
    document (the LP ignores the block: tests/test_no_dead_fields.py exempts it)."""
    summary, tables = load_results(run)
    s0 = load_scenario(FASTENERS).scenario
    base = render_html(build_document(summary, tables, s0.disclosure, s0.factory))
    for field, value in (("quantity", 3999.0), ("vintage_year", 2027)):
        spec = copy.deepcopy(s0.disclosure)
        setattr(spec.certificates[0], field, value)
        assert render_html(build_document(summary, tables, spec, s0.factory)) != base, field
    assert isinstance(tables["pathway"], pd.DataFrame)
