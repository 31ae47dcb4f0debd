"""The workbook and the self-contained HTML page that sweep, Monte Carlo and portfolio
write (plotly.js embedded, no network request)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pathway import __version__
from pathway.files import atomic_write


def write_sheets(path: Path, sheets: dict) -> None:
    """An xlsx workbook, one formatted sheet per DataFrame (bold frozen header, widths,
    thousands format on money / tonnes columns), written atomically."""
    import pandas as pd

    from pathway.output.excel import _format_sheet

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, df in sheets.items():
                sheet = name[:31]
                df.to_excel(xl, sheet_name=sheet, index=False)
                _format_sheet(xl.sheets[sheet], df)

    atomic_write(path, write)


class Page:
    """A self-contained HTML page in the report's style (templates/page.html.j2): plotly.js
    embedded once, inline CSS, no request of any kind when opened. ``lang`` picks the
    catalogue language of its fixed words and its font stack."""

    def __init__(self, title: str, meta: Iterable[str] = (), lang: str = "en"):
        from pathway.output.messages import check_lang
        from pathway.output.report import _Figures

        check_lang(lang)
        self.title = title
        self.meta = list(meta)
        self.lang = lang
        self.parts: list[str] = []
        self._fig = _Figures()

    def section(self, heading: str, caption: str = "", *, figure=None, table=None, formats=None, html_text: str = "",
                chart_id: str = "") -> None:
        from pathway.output.report import html_table
        from pathway.output.templating import Markup, macro

        body = []
        if figure is not None:
            body.append(self._fig(figure, chart_id or f"c{len(self.parts)}", keep_title=False))
        if table is not None:
            table = table.astype({c: "float64" for c in table.columns if str(table[c].dtype) == "Int64"})  # NA -> '–'
            fmt = {c: ".0f" for c in table.columns if c == "year" or c.endswith("_year")} | dict(formats or {})
            if self.lang != "en":  # columns without a "headers" entry: the pages section's col_<name>
                from pathway.output.messages import has, msg

                names = {c: msg("pages", f"col_{c}", self.lang) for c in table.columns
                         if not has("headers", c) and has("pages", f"col_{c}")}
                table = table.rename(columns=names)
                fmt = {names.get(c, c): f for c, f in fmt.items()}
            body.append(f"<div style='overflow-x:auto'>{html_table(table, fmt, lang=self.lang)}</div>")
        body.append(html_text)
        self.parts.append(macro("section", dict(id="", title=heading, caption=caption, body=Markup("".join(body)))))

    def kpis(self, items: Iterable[tuple[str, str, str, str]]) -> None:
        """A strip of key figures: (label, value, unit, sub) each."""
        from pathway.output.report import _kpi
        from pathway.output.templating import macro

        self.parts.append(macro("kpis", [_kpi(*it) for it in items]))

    def html(self) -> str:
        from pathway.output.messages import msg
        from pathway.output.report import _page

        return _page(self.title, self.title, self.meta, self.parts, msg("report", "generated_by", self.lang, v=__version__),
                     self.lang)

    def write(self, path: Path) -> None:
        Path(path).write_text(self.html(), encoding="utf-8")
