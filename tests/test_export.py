"""``pathway export``: one named static file per chart, the A4 report PDF with no chart across a
page break, the print stylesheet, the toolbar's download name, and the errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pathway.cli import app
from pathway.output import charts, export

runner = CliRunner()
NAMES = ["emissions_pathway", "abatement_waterfall", "macc", "capex_schedule", "energy_mix", "dispatch_day",
         "capacity_timeline"]
A4_PT = (595.28, 841.89)  # 210 x 297 mm at 72 pt/in


@pytest.fixture(scope="module")
def run_dir(auto_parts_result, tmp_path_factory) -> Path:
    from pathway.runs.pipeline import write_outputs

    d = tmp_path_factory.mktemp("export") / "demo"
    write_outputs(auto_parts_result, d, excel=False)
    return d


needs_browser = pytest.mark.skipif(export.find_browser() is None, reason="no Chromium (make test installs it)")


def test_chart_file_names_are_meaningful_and_unique():
    figs_keys = ["pathway", "waterfall", "macc", "capex", "energy_mix", "dispatch", "capacity"]
    assert [charts.chart_file_name(k) for k in figs_keys] == NAMES
    assert charts.chart_file_name("Loan & DSCR!") == "loan___dscr"
    assert charts.chart_file_name("!!!") == "chart"


def test_download_button_uses_the_charts_name():
    cfg = charts.plot_config("macc", {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}})
    assert cfg == {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "macc"}}


def test_report_page_names_downloads_and_carries_the_print_stylesheet(run_dir):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    for name in NAMES:
        assert f'"filename": "{name}"' in page, name
    assert page.count('"toImageButtonOptions"') == page.count('"filename": "') == len(NAMES)  # none left as newplot.png
    css = (Path(charts.__file__).parent / "templates" / "print.css").read_text(encoding="utf-8")
    # the base template includes both files whole (Jinja drops one trailing newline)
    assert f"<style media='print'>{css.rstrip(chr(10))}</style>" in page
    js = (Path(charts.__file__).parent / "templates" / "print.js").read_text(encoding="utf-8")
    assert f"<script>{js.rstrip(chr(10))}</script>" in page and "beforeprint" in js  # charts redrawn at the A4 width to print
    for rule in ("size: A4", "break-inside: avoid", ".modebar", "table-layout: fixed", "word-break: break-word"):
        assert rule in css, rule


def test_print_page_swaps_each_chart_for_its_image():
    page = ("<div class='chart' data-chart='macc'><div id=\"chart-macc\" class=\"plotly-graph-div\" style=\"height:460px;\"></div>"
            "<script>if (document.getElementById(\"chart-macc\")) {}</script></div>")
    out = export.print_page(page, {"macc": b"\x89PNG"})
    assert "plotly-graph-div" not in out and "<img class='chart-print' data-chart='macc'" in out
    assert "src='data:image/png;base64,iVBORw=='" in out
    with pytest.raises(export.ExportError, match="no chart 'capex'"):
        export.print_page(page, {"capex": b""})


def test_export_refuses_a_folder_that_is_not_a_run(tmp_path):
    r = runner.invoke(app, ["export", str(tmp_path / "nope"), "--format", "svg"])
    assert r.exit_code == 2 and "no such results folder" in " ".join(r.output.split())
    (tmp_path / "empty").mkdir()
    r = runner.invoke(app, ["export", str(tmp_path / "empty"), "--format", "svg"])
    assert r.exit_code == 2 and "summary.json:missing" in "".join(r.output.split())
    r = runner.invoke(app, ["export", str(tmp_path / "empty"), "--format", "gif"])
    assert r.exit_code == 2
    assert not list((tmp_path / "empty").iterdir())  # nothing written


def test_export_says_what_to_install_without_a_browser(run_dir, tmp_path, monkeypatch):
    for var in export.BROWSER_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium anywhere
    r = runner.invoke(app, ["export", str(run_dir), "--format", "svg", "--out", str(tmp_path / "x")])
    text = " ".join(r.output.split())
    assert r.exit_code == 1 and "needs Chromium or Google Chrome" in text and "apt-get install chromium" in text
    assert not (tmp_path / "x").exists() or not list((tmp_path / "x").iterdir())


@pytest.mark.slow
@needs_browser
def test_export_svg_writes_one_named_file_per_chart(run_dir, tmp_path):
    out = tmp_path / "svg"
    r = runner.invoke(app, ["export", str(run_dir), "--format", "svg", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.svg" for n in NAMES)
    for n in NAMES:
        text = (out / f"{n}.svg").read_text(encoding="utf-8")
        assert text.startswith("<svg") and 'width="1000"' in text, n
    assert "Marginal abatement cost" in (out / "macc.svg").read_text(encoding="utf-8")


@pytest.mark.slow
@needs_browser
def test_export_pdf_is_a4_and_no_chart_crosses_a_page_break(run_dir, tmp_path):
    """Every chart is one image placed once, wholly inside one A4 page's printable area."""
    import pdfplumber

    d = tmp_path / "run"
    shutil.copytree(run_dir, d)
    r = runner.invoke(app, ["export", str(d), "--format", "pdf", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    out = d / "export"
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{n}.pdf" for n in NAMES] + ["report.pdf"])
    with pdfplumber.open(out / "report.pdf") as pdf:
        assert len(pdf.pages) >= 2
        placed = []
        for i, page in enumerate(pdf.pages):
            assert (page.width, page.height) == pytest.approx(A4_PT, abs=1.0), i  # A4, not Letter
            for im in page.images:
                placed.append(i)
                # inside the page, clear of the 12-16 mm margins: an image cut by a page break
                # would be drawn on two pages, each time reaching past the page edge
                assert im["x0"] >= 30 and im["x1"] <= page.width - 30, (i, im["x0"], im["x1"])
                assert im["top"] >= 35 and im["bottom"] <= page.height - 40, (i, im["top"], im["bottom"])
                assert im["x1"] - im["x0"] > 400  # the chart spans the text width
        assert len(placed) == len(NAMES)  # each chart exactly once
        text = "".join(p.extract_text() or "" for p in pdf.pages[:2])
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] in text
    with pdfplumber.open(out / "macc.pdf") as one:
        assert len(one.pages) == 1
