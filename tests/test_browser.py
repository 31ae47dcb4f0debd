"""The report in a real browser: headless Chromium (Debian's package, installed by
`make test`) driven by Playwright, with every network request blocked.

Checks that every chart renders an SVG, that the page asks for nothing outside the file,
that the console stays free of errors, and keeps a screenshot in test-artifacts/.
Under CI=true a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from pathway.output.report import write_comparison_report, write_report
from pathway.runs.pipeline import run_file, write_outputs

pytestmark = pytest.mark.slow  # see pyproject [tool.pytest.ini_options] markers

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"
ARTIFACTS = ROOT / "test-artifacts"
DOCS = ROOT / "docs"  # the committed screenshots of the en and zh report (docs/report_en.png, docs/report_zh.png)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CI = os.environ.get("CI", "").lower() == "true"


def _chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        msg = "chromium not found (make test installs Debian's package: apt-get install -y chromium)"
        if CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        msg = "playwright is not installed (pip install -e '.[dev]')"
        if CI:
            pytest.fail(msg)
        pytest.skip(msg)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    result = run_file(SCENARIO)
    d = tmp_path_factory.mktemp("browser")
    write_outputs(result, d / "run", excel=False)
    write_report(d / "run" / "report_zh.html", result.summary, result.tables, lang="zh")
    write_comparison_report(d / "comparison.html", {"2027 target": (result.summary, result.tables),
                                                    "same, again": (result.summary, result.tables)})
    write_comparison_report(d / "comparison_zh.html", {"2027 target": (result.summary, result.tables),
                                                       "same, again": (result.summary, result.tables)}, lang="zh")
    return {"report": d / "run" / "report.html", "report_zh": d / "run" / "report_zh.html", "comparison": d / "comparison.html",
            "comparison_zh": d / "comparison_zh.html", "summary": result.summary}


def _open(browser, path: Path, width: int = 1280, height: int = 1000):
    """Open a file with every non-file request aborted; return (page, attempted, errors)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    attempted: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: None if r.url.startswith("file://") else attempted.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, attempted, errors


def _wait_for_charts(page) -> int:
    n = page.locator("div.chart").count()
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.chart')].every(d => d.querySelector('svg.main-svg'))", timeout=20_000)
    return n


def test_report_renders_every_chart_offline(browser, reports):
    page, attempted, errors = _open(browser, reports["report"])
    try:
        n = _wait_for_charts(page)
        assert n == 7
        ids = page.eval_on_selector_all("div.chart", "els => els.map(e => e.dataset.chart)")
        assert ids == ["pathway", "waterfall", "macc", "capex", "energy_mix", "dispatch", "capacity"]
        for cid in ids:
            assert page.locator(f"div.chart[data-chart='{cid}'] svg.main-svg").count() >= 1, cid
            # plotly drew the data: at least one bar/scatter trace group in the plot
            assert page.locator(f"#chart-{cid} g.trace").count() >= 1, cid
        assert page.locator(".kpi").count() == 10
        # one verdict, for the rule's method (market-based on the demo); the other method has none
        assert page.locator(".kpi-verdict").count() == 1
        assert "met" in page.locator(".kpi.ok .value").inner_text()
        assert "market-based" in page.locator(".kpi-verdict .label").text_content()
        assert "no verdict" in page.locator(".kpi.info .sub").inner_text()
        # the headline's three kinds of reduction sum to the total (each shown rounded to 1 t)
        total, physical, contractual, offsets = (_kpi_number(page, sel) for sel in (
            ".kpi.story:not(.physical):not(.contractual):not(.offsets)", ".kpi.physical", ".kpi.contractual", ".kpi.offsets"))
        assert physical > 0 and contractual > 0 and offsets > 0
        assert abs(physical + contractual + offsets - total) <= 2
        # the scope-2 buttons switch the pathway to location-based
        before = page.evaluate("() => document.getElementById('chart-pathway').data.filter(t => t.visible !== false).length")
        page.locator("#chart-pathway .updatemenu-button").nth(1).click()
        page.wait_for_timeout(200)
        vis = page.evaluate("() => document.getElementById('chart-pathway').data"
                            ".filter(t => t.visible !== false).map(t => (t.meta || {}).method || 'shared')")
        # the location view drops the market-based ceiling (the rule judges market-based only) and says so
        assert "location" in vis and "market" not in vis and before == len(vis) + 1
        kinds = page.evaluate("() => document.getElementById('chart-pathway').data"
                              ".filter(t => t.visible !== false).map(t => (t.meta || {}).kind)")
        assert "ceiling" not in kinds
        assert "no verdict" in page.locator("#chart-pathway .annotation-text").all_text_contents()[-1]
        page.locator("#chart-pathway .updatemenu-button").nth(0).click()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        assert (ARTIFACTS / "report.png").stat().st_size > 50_000
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / "report_en.png"), full_page=False)
        assert attempted == [], f"the report tried to reach the network: {attempted}"
        assert errors == [], errors
    finally:
        page.close()


def _kpi_number(page, selector: str) -> float:
    return float(page.locator(f"{selector} .value").inner_text().split("tCO2")[0].replace(",", "").strip())


# ASCII words a Chinese page may show: units, codes and abbreviations used in Chinese
# technical writing as they are, and the product's name. Anything else is an untranslated UI string.
ALLOWED_ASCII = {"tCO2", "CO2", "CNY", "MWh", "MW", "kWh", "kW", "GJ", "MWh_th", "MW_th", "t", "h", "x", "PV", "CCUS",
                 "CCER", "GEC", "DSCR", "CFADS", "SHA", "pathway", "TOU", "HVAC", "NCV", "Plotly"}


def _visible_words(page) -> list[str]:
    """The ASCII words a reader sees: the page's visible text and the charts' SVG text, less
    the appendix's source citations (documents cited in their own language) and the footer."""
    text = page.evaluate("""() => {
        const skip = new Set([...document.querySelectorAll('td.src, footer, .modebar, script, style')]);
        const out = [];
        const walk = (n) => {
            if (n.nodeType === 1) {
                if (skip.has(n)) return;
                const cs = getComputedStyle(n);
                if (cs.display === 'none' || cs.visibility === 'hidden') return;
            }
            if (n.nodeType === 3) out.push(n.textContent);
            for (const c of n.childNodes) walk(c);
        };
        walk(document.body);
        return out.join(' ');
    }""")
    return re.findall(r"[A-Za-z][A-Za-z0-9_.:/'-]*", text)


def _english_words(page, user_text: str) -> list[str]:
    """Visible ASCII words that are neither codes, allowed units nor words of user names."""
    user = set(re.findall(r"[A-Za-z0-9]+", user_text))
    bad = []
    for w in _visible_words(page):
        if any(ch in w for ch in "_.:/") or any(ch.isdigit() for ch in w):
            continue  # codes: parameter ids (pv.capex_cny_per_kw), files, identifiers
        if w in ALLOWED_ASCII or w in user:
            continue
        bad.append(w)
    return bad


def test_zh_comparison_has_no_english_ui_string(browser, reports):
    page, attempted, errors = _open(browser, reports["comparison_zh"])
    try:
        assert _wait_for_charts(page) == 3
        bad = _english_words(page, "2027 target same, again")  # the scenario labels given
        assert bad == [], f"English UI strings on the zh comparison: {sorted(set(bad))}"
        assert attempted == [] and errors == [], (attempted, errors)
    finally:
        page.close()


def test_zh_report_renders_and_has_no_english_ui_string(browser, reports):
    page, attempted, errors = _open(browser, reports["report_zh"])
    try:
        assert _wait_for_charts(page) == 7
        page.wait_for_timeout(300)  # the finance chart draws on load
        s = reports["summary"]
        # user names (the plant, the scenario id, the rule preset) are shown as given
        bad = _english_words(page, f"{s.get('factory_name', '')} {s['scenario']} {s.get('rule', '')}")
        assert bad == [], f"English UI strings on the zh page: {sorted(set(bad))}"
        family = page.evaluate("() => getComputedStyle(document.body).fontFamily")
        for font in ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei"):
            assert font in family, font
        assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / "report_zh.png"), full_page=False)
        assert attempted == [] and errors == [], (attempted, errors)
    finally:
        page.close()


def test_comparison_report_renders_offline(browser, reports):
    page, attempted, errors = _open(browser, reports["comparison"])
    try:
        assert _wait_for_charts(page) == 3
        page.screenshot(path=str(ARTIFACTS / "comparison.png"), full_page=True)
        assert attempted == [] and errors == [], (attempted, errors)
    finally:
        page.close()


def test_network_blocking_is_effective(browser, tmp_path):
    """The guard itself: a page that does reach out is caught."""
    p = tmp_path / "leaky.html"
    p.write_text("<!doctype html><html><body><img src='http://example.invalid/x.png'></body></html>", encoding="utf-8")
    page, attempted, _errors = _open(browser, p)
    try:
        page.wait_for_timeout(100)
        assert any("example.invalid" in u for u in attempted)
    finally:
        page.close()
