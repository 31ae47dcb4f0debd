"""Static export of a saved run: every chart as its own PNG/SVG/PDF file, and the report as a
print-ready A4 PDF. Nothing is solved again: the charts are rebuilt from summary.json and
tables/*.csv exactly as the report builds them.

Backends, both offline: kaleido (>= 1.0) renders the static charts through a Chromium it
finds on the machine, and the PDF of the report is Chromium's own print-to-PDF of the report
page, with the print stylesheet (templates/print.css: A4, charts never split across pages, no
toolbar, tables wrapped). In that printed page every chart is a static PNG image, so what is
printed is what kaleido drew, and a chart's placement on the pages can be checked in the PDF.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pathway.errors import PathwayError
from pathway.output import charts

FORMATS = ("png", "svg", "pdf")
CHART_WIDTH_PX = 1000  # static charts: width in CSS px (height: the chart's own layout height)
PRINT_CHART_WIDTH_PX = 900  # charts embedded in the printed report (scaled to the A4 text width)
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge")
BROWSER_ENV = ("PATHWAY_BROWSER", "BROWSER_PATH")  # an explicit browser path wins over the PATH search
PRINT_TIMEOUT_S = 120


class ExportError(PathwayError):
    """The export cannot be made from this page (a chart of the report not found): exit 1."""

    exit_code = 1


class ExportBackendError(ExportError):
    """No way to draw static images here (no Chromium, or kaleido missing or failing): exit 1,
    with what to install."""

    exit_code = 1


def find_browser() -> str | None:
    """The Chromium/Chrome executable: $PATHWAY_BROWSER or $BROWSER_PATH if set, else the
    first of BROWSER_NAMES on PATH; None if there is none."""
    for var in BROWSER_ENV:
        if os.environ.get(var):
            return shutil.which(os.environ[var]) or (os.environ[var] if Path(os.environ[var]).is_file() else None)
    for name in BROWSER_NAMES:
        if path := shutil.which(name):
            return path
    return None


def _require_backend() -> str:
    try:
        import kaleido  # noqa: F401  (declared dependency; checked so the message can say what to do)
    except ImportError:
        raise ExportBackendError("static export needs the 'kaleido' package (pip install 'kaleido>=1.0')") from None
    browser = find_browser()
    if browser is None:
        raise ExportBackendError(
            "static export needs Chromium or Google Chrome and none was found (looked for $PATHWAY_BROWSER, $BROWSER_PATH, "
            f"then {', '.join(BROWSER_NAMES)} on PATH); install one, e.g. 'apt-get install chromium' on Debian/Ubuntu")
    os.environ.setdefault("BROWSER_PATH", browser)  # kaleido's browser finder reads it
    return browser


def report_figures(summary: Mapping, tables: Mapping[str, pd.DataFrame], lang: str = "en") -> dict:
    """The report's charts, keyed as in the report, built as report_html builds them."""
    ty = int(summary.get("target_year") or charts.target_year_of(tables))
    base_year = summary.get("base_year")
    return charts.all_figures(tables, lang=lang, target_year=ty, base_year=int(base_year) if base_year else None)


def _height(fig) -> int:
    return int(fig.layout.height or 460)


def _render(figs: Mapping[str, object], folder: Path, fmt: str, width: int, scale: float = 1.0) -> dict[str, Path]:
    """Write each figure to folder/<chart file name>.<fmt> in one kaleido session."""
    import plotly.io as pio

    paths = {k: folder / f"{charts.chart_file_name(k)}.{fmt}" for k in figs}
    if len(set(paths.values())) != len(paths):
        raise ValueError(f"two charts share a file name: {sorted(p.name for p in paths.values())}")
    try:
        pio.write_images(fig=list(figs.values()), file=list(paths.values()), format=fmt, width=width,
                         height=[_height(f) for f in figs.values()], scale=scale)
    except Exception as exc:  # kaleido reports a missing/broken browser in many ways
        raise ExportBackendError(f"kaleido could not draw the charts ({type(exc).__name__}: {exc})") from None
    return paths


_CHART_DIV = r"<div id=\"chart-{key}\" class=\"plotly-graph-div\"[^>]*></div>"


def print_page(report_html_text: str, images: Mapping[str, bytes], alt: Mapping[str, str] | None = None) -> str:
    """The report page for printing: each chart div ``chart-<key>`` whose key is in ``images``
    replaced by its static PNG (as a data: URI, which the page's CSP allows). The plotting script
    of a replaced chart finds no div and draws nothing; any other chart stays live."""
    out = report_html_text
    for key, png in images.items():
        src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        label = (alt or {}).get(key, charts.chart_file_name(key))
        img = f"<img class='chart-print' data-chart='{key}' alt='{label}' src='{src}'>"
        out, n = re.subn(_CHART_DIV.format(key=re.escape(key)), lambda _m: img, out, count=1)
        if n != 1:
            raise ExportError(f"the report has no chart '{key}' to print (no div 'chart-{key}' in the page)")
    return out


def print_pdf(html_path: Path, pdf_path: Path, browser: str) -> None:
    """Chromium's headless print-to-PDF of a local page; the page's @page rule sets A4."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions", "--no-first-run",
           "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw", "--virtual-time-budget=15000",
           f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
    with tempfile.TemporaryDirectory(prefix="pathway-chromium-") as profile:
        try:
            proc = subprocess.run([*cmd[:1], f"--user-data-dir={profile}", *cmd[1:]], capture_output=True, text=True,
                                  timeout=PRINT_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExportBackendError(f"{browser} could not print the report ({type(exc).__name__}: {exc})") from None
    if proc.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise ExportBackendError(f"{browser} could not print the report (exit {proc.returncode}): {' / '.join(tail)}")


def export_run(summary: Mapping, tables: Mapping[str, pd.DataFrame], out_dir: Path, fmt: str, lang: str = "en") -> list[Path]:
    """Write every chart of the run as out_dir/<name>.<fmt>, and with fmt 'pdf' also
    out_dir/report.pdf (A4). Files appear only when all of them were drawn. Returns their paths."""
    import plotly.graph_objects as go

    from pathway.output.report import report_html

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    charts._check_lang(lang)
    browser = _require_backend()
    figs = report_figures(summary, tables, lang)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=out_dir) as tmp:
        tmp = Path(tmp)
        written = list(_render(figs, tmp, fmt, CHART_WIDTH_PX).values())
        if fmt == "pdf":
            untitled = {}
            for k, f in figs.items():  # the section heading names the chart, as on the page
                g = go.Figure(f)
                g.update_layout(title_text="", margin_t=60 if g.layout.updatemenus else 30)
                untitled[k] = g
            (tmp / "png").mkdir()
            pngs = _render(untitled, tmp / "png", "png", PRINT_CHART_WIDTH_PX, scale=2)
            page = print_page(report_html(summary, tables, lang), {k: p.read_bytes() for k, p in pngs.items()})
            (tmp / "report_print.html").write_text(page, encoding="utf-8")
            print_pdf(tmp / "report_print.html", tmp / "report.pdf", browser)
            written.append(tmp / "report.pdf")
        final = []
        for p in written:
            dest = out_dir / p.name
            os.replace(p, dest)
            final.append(dest)
    return final
