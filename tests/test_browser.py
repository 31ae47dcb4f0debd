"""The report in a real browser: headless Chromium (Debian's package, installed by
`make test`) driven by Playwright, with every network request blocked.

Checks that every chart renders an SVG, that the page asks for nothing outside the file,
that the console stays free of errors, and keeps a screenshot in test-artifacts/.
Under CI=true a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pathway.output.report import write_comparison_report
from pathway.runs.pipeline import run_file, write_outputs

pytestmark = pytest.mark.slow  # see pyproject [tool.pytest.ini_options] markers

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"
ARTIFACTS = ROOT / "test-artifacts"
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
    write_comparison_report(d / "comparison.html", {"2027 target": (result.summary, result.tables),
                                                    "same, again": (result.summary, result.tables)})
    return {"report": d / "run" / "report.html", "comparison": d / "comparison.html"}


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
        assert page.locator(".kpi").count() == 7
        assert "met" in page.locator(".kpi.ok .value").inner_text()
        # the scope-2 buttons switch the pathway to location-based
        before = page.evaluate("() => document.getElementById('chart-pathway').data.filter(t => t.visible !== false).length")
        page.locator("#chart-pathway .updatemenu-button").nth(1).click()
        page.wait_for_timeout(200)
        vis = page.evaluate("() => document.getElementById('chart-pathway').data"
                            ".filter(t => t.visible !== false).map(t => (t.meta || {}).method || 'shared')")
        assert "location" in vis and "market" not in vis and before == len(vis)
        page.locator("#chart-pathway .updatemenu-button").nth(0).click()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        assert (ARTIFACTS / "report.png").stat().st_size > 50_000
        assert attempted == [], f"the report tried to reach the network: {attempted}"
        assert errors == [], errors
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
