"""Every page pathway writes carries a Content-Security-Policy: nothing loads from the
network, and only the page's own inline scripts run (each allowed by its SHA-256), so an
injected script or inline event handler is refused by the browser. (tests/test_browser.py
renders the reports in chromium under this policy.)"""

from __future__ import annotations

import base64
import hashlib
import re

from pathway.output.report import with_csp

CSP = re.compile(r"<meta http-equiv='Content-Security-Policy' content=\"([^\"]*)\">")
SCRIPT = re.compile(r"<script(?:\s[^>]*)?>(.*?)</script>", re.S | re.I)


def _check(page: str) -> str:
    found = CSP.findall(page)
    assert len(found) == 1, "exactly one CSP meta tag"
    csp = found[0]
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src and "http" not in script_src
    for body in SCRIPT.findall(page):
        h = "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        assert h in script_src
    assert page.index("Content-Security-Policy") < page.index("<script")
    return csp


def test_report_has_a_strict_policy(tmp_path):
    from pathway.runs.pipeline import run_file

    from .conftest import SCENARIOS

    run_file(SCENARIOS / "jiangsu_auto_parts_2027.yaml", out_dir=tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    _check(page)
    # an injected handler or script is not among the allowed hashes
    evil = "<script>alert(1)</script>"
    h = "'sha256-" + base64.b64encode(hashlib.sha256(b"alert(1)").digest()).decode() + "'"
    assert h not in _check(page) and evil not in page


def test_policy_is_recomputed_when_a_section_changes():
    page = ("<!doctype html><html><head><meta charset='utf-8'></head><body><script>var a=1;</script></body></html>")
    first = with_csp(page)
    changed = with_csp(first.replace("var a=1;", "var a=2;"))
    _check(changed)
    assert CSP.findall(first) != CSP.findall(changed)
