"""An XSS payload in every user string (scenario, factory and heat-load names) stays inert
when the pages are rendered by headless chromium: no dialog opens, no element of the
payload exists in the DOM, no script error, and the payload is shown as text. Pages: the
report, the comparison, and a batch page (``pathway.output.pages.Page``, which sweep,
montecarlo and portfolio pages are built from) carrying the payload in its title, meta
line, section, chart trace and chart id."""

from __future__ import annotations

import pytest

from pathway.output.pages import Page
from pathway.output.report import comparison_html, report_html

from .test_browser import _open, browser  # noqa: F401 - the chromium fixture
from .test_html_escaping import PAYLOAD, runs  # noqa: F401 - the solved runs carrying the payload

pytestmark = pytest.mark.slow


def _pages(runs) -> dict[str, str]:  # noqa: F811
    import plotly.graph_objects as go

    summary, tables = runs[PAYLOAD]
    p = Page("Sweep: " + PAYLOAD, ["scenario " + PAYLOAD])
    p.section("S " + PAYLOAD, "C " + PAYLOAD, figure=go.Figure(go.Scatter(x=[1], y=[2], name=PAYLOAD)), chart_id=PAYLOAD)
    return {"report": report_html(summary, tables),
            "comparison": comparison_html(runs, links={PAYLOAD: "javascript:alert(3)", "plain": "plain/report.html"}),
            "batch": p.html()}


@pytest.mark.parametrize("which", ["report", "comparison", "batch"])
def test_payload_is_inert_in_chromium(browser, runs, tmp_path, which):  # noqa: F811
    path = tmp_path / f"{which}.html"
    path.write_text(_pages(runs)[which], encoding="utf-8")
    dialogs: list[str] = []
    page, attempted, errors = _open(browser, path)
    try:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.wait_for_timeout(500)
        for a in page.locator("a").all():  # a javascript: link would run on click
            href = a.get_attribute("href") or ""
            assert not href.lower().startswith("javascript:"), href
        assert page.evaluate("document.querySelectorAll('img[src=\"x\"], img[onerror]').length") == 0
        assert page.evaluate("[...document.querySelectorAll('*')].filter(e => e.getAttribute('onerror')).length") == 0
        assert "onerror=alert(1)" in page.evaluate("document.body.innerText")  # shown, as text
        assert dialogs == [] and not attempted
        assert not [e for e in errors if "alert" in e], errors
    finally:
        page.close()


def test_the_check_sees_a_raw_payload(browser, tmp_path):  # noqa: F811
    """The control: the same payload pasted raw into a page does create the element the
    test above looks for (so that test can fail)."""
    path = tmp_path / "raw.html"
    path.write_text(f"<html><body><p>{PAYLOAD}</p></body></html>", encoding="utf-8")
    page, _attempted, _errors = _open(browser, path)
    try:
        assert page.evaluate("document.querySelectorAll('img[src=\"x\"], img[onerror]').length") == 1
    finally:
        page.close()
