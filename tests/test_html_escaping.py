"""User strings (scenario, factory and heat-load names) never reach the HTML pages as markup:
the report, the comparison and the batch pages escape them, in the page and in the charts."""

from __future__ import annotations

import copy
import re

import pytest

from pathway.output.pages import Page
from pathway.output.report import comparison_html, report_html
from pathway.reference.validate import load_scenario
from pathway.runs.pipeline import run_loaded

from .test_optimiser import FLAT

PAYLOAD = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>'
RAW = "<img src=x onerror="


def _scenario(write_yaml, name: str, file: str):
    data = copy.deepcopy(FLAT)
    data["name"] = name
    data["factory"]["name"] = "F " + PAYLOAD
    data["baseline"]["fuels"] = {"natural_gas_m3": 100000}
    data["baseline"]["heat_loads"] = [{"name": "H " + PAYLOAD, "temperature_c": 120, "fuel": "natural_gas",
                                       "fuel_share": 1.0, "boiler_efficiency": 0.9}]
    return load_scenario(write_yaml(data, file))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("xss")

    def write_yaml(data, name):
        import yaml

        p = d / name
        p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return p

    out = {}
    for label, file in ((PAYLOAD, "a.yaml"), ("plain", "b.yaml")):
        loaded = _scenario(write_yaml, label, file)
        assert loaded.scenario.name == label and loaded.scenario.baseline.heat_loads[0].name == "H " + PAYLOAD
        r = run_loaded(loaded)
        out[label] = (r.summary, r.tables)
    return out


def _assert_inert(page: str) -> None:
    assert RAW not in page  # nowhere, not even inside a script (where </script> would end it)
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S)
    outside = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"<script\b[^>]*>\s*alert", page)  # no script of the payload's own
    for s in scripts:
        assert "</script" not in s.lower()
    for tag in re.findall(r"<[a-zA-Z][^>]*>", outside):  # every tag is one of ours
        assert not re.search(r"\sonerror\s*=", tag, re.I), tag


def test_the_report_escapes_user_strings(runs):
    summary, tables = runs[PAYLOAD]
    assert summary["scenario"] == PAYLOAD
    page = report_html(summary, tables)
    _assert_inert(page)
    # shown, as text (Jinja2 writes the quote as &#34;, html.escape as &quot;: the same character)
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page.replace("&#34;", "&quot;")


def test_the_comparison_escapes_scenario_names_in_tables_and_charts(runs):
    page = comparison_html(runs, links={PAYLOAD: "javascript:alert(3)", "plain": "plain/report.html"})
    _assert_inert(page)
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page.replace("&#34;", "&quot;")
    assert "href='javascript:" not in page
    ids = re.findall(r"<div id=\"([^\"]*)\" class=\"plotly-graph-div\"", page)
    assert len(ids) == 3 and all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)


def test_batch_pages_escape_titles_meta_and_chart_ids(runs):
    import plotly.graph_objects as go

    p = Page("Sweep: " + PAYLOAD, ["scenario " + PAYLOAD])
    p.section("S " + PAYLOAD, "C " + PAYLOAD, figure=go.Figure(go.Scatter(x=[1], y=[2], name=PAYLOAD)), chart_id=PAYLOAD)
    _assert_inert(p.html())
