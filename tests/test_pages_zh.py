"""The sweep, Monte Carlo and portfolio pages in Chinese: every fixed word (KPI labels,
section headings, captions, meta lines, figure titles, axes and legends) comes from the
``pages`` section of the message catalogue, so a zh page shows none of its English words.

Units (tCO2, CNY, P10/P50/P90, ...), user-given names, paths and parameter names, table
cells and the notes computed from data may stay English: they are taken out first."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from pathway.output import report
from pathway.output.messages import LANGS, catalogue, msg

from .test_batch import AUTO_27, _mc_file, book  # noqa: F401  (book: a fixture)

pytestmark = pytest.mark.slow

# units and acronyms allowed on Chinese pages
ALLOWED = {"cny", "tco2", "p10", "p50", "p90", "ccus", "cfads", "mwh", "dscr", "sll", "mac"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _english_words() -> set[str]:
    """Every word (3+ letters) of the English text of the ``pages`` entries, placeholders out."""
    words: set[str] = set()
    for texts in catalogue()["pages"].values():
        en = re.sub(r"\{[^}]*\}", " ", texts["en"])
        words |= {w.lower() for w in WORD.findall(en) if len(w) >= 3}
    return words - ALLOWED


def test_every_pages_entry_has_english_and_chinese():
    pages = catalogue()["pages"]
    assert len(pages) > 50
    for key, texts in pages.items():
        assert set(LANGS) <= set(texts), key
        assert texts["en"].strip() and texts["zh"].strip(), key
        # the same placeholders in both languages
        fields = [sorted(re.findall(r"\{(\w+)", texts[lg])) for lg in LANGS]
        assert fields[0] == fields[1], key
        zh = re.sub(r"\{[^}]*\}", " ", texts["zh"])
        assert not {w.lower() for w in WORD.findall(zh)} & _english_words(), key  # no English left in the zh text
    assert msg("pages", "tornado_title", "en", m="Total discounted cost") == "Tornado: Total discounted cost (million CNY)"


class _Recording(report._Figures):
    """Keeps every figure a page embeds, titles included (the page drops them)."""

    figures: list = []

    def __call__(self, fig, chart_id, keep_title=False):
        type(self).figures.append(fig)
        return super().__call__(fig, chart_id, keep_title)


@pytest.fixture
def recorded(monkeypatch):
    _Recording.figures = []
    monkeypatch.setattr(report, "_Figures", _Recording)
    return _Recording.figures


def _figure_texts(fig) -> list[str]:
    """Titles, axis titles, annotations, legend names and hover templates of a figure."""
    d = json.loads(fig.to_json())
    lay = d.get("layout", {})
    out = [((lay.get("title") or {}).get("text") or "")]
    for ax in ("xaxis", "yaxis"):
        out.append(((lay.get(ax) or {}).get("title") or {}).get("text") or "")
    out += [a.get("text") or "" for a in lay.get("annotations", [])]
    for tr in d.get("data", []):
        out.append(str(tr.get("name") or ""))
        out.append(re.sub(r"%\{[^}]*\}", " ", str(tr.get("hovertemplate") or "")))
    return out


def _visible_text(page: str) -> str:
    """The page's text as a reader sees it: no scripts, styles or table cells (data)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<td\b.*?</td>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return htmllib.unescape(page)


def _english_left(texts: list[str], data: list[str]) -> set[str]:
    """English catalogue words left in ``texts`` once the data strings are taken out."""
    text = " \n ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", t)) for t in texts)
    for s in sorted({str(x) for x in data if x}, key=len, reverse=True):
        text = text.replace(s, " ")
    return {w.lower() for w in WORD.findall(text)} & _english_words()


def _check(out, name: str, figures: list, data: list[str]) -> None:
    page = (out / name).read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in page
    assert figures, "no figure recorded"
    left = _english_left([_visible_text(page)], data)
    assert not left, f"English words on the zh page {name}: {sorted(left)}"
    left = _english_left([t for f in figures for t in _figure_texts(f)], data)
    assert not left, f"English words in the zh figures of {name}: {sorted(left)}"


def _data_strings(res, man: dict, extra=()) -> list[str]:
    out = [*man.get("notes", []), *extra, res.executor, str(res.wall_s)]
    for r in res.records:
        out += [r.label, r.path, r.status, r.error or "", *map(str, r.params)]
    return out


def test_zh_sweep_page_has_no_english_words(tmp_path, recorded):
    from pathway.runs.sweep import plan_sweep, run_sweep, write_sweep

    plan = plan_sweep(AUTO_27, {"prices.gec_cny_per_mwh": [2, 60], "time.representative_days": [2]},
                      one_at_a_time=True)
    res = run_sweep(plan, tmp_path / "sw", executor="serial", persistent=True)
    man = write_sweep(plan, res, tmp_path / "sw", lang="zh")
    data = _data_strings(res, man, [plan.path, *plan.params, *res.counts()])
    _check(tmp_path / "sw", "sweep.html", recorded, data)
    page = (tmp_path / "sw" / "sweep.html").read_text(encoding="utf-8")
    assert msg("pages", "sec_tornado", "zh") in page and msg("pages", "sec_pathways", "zh") in page
    assert "chart-tornado" in page and "chart-pathways" in page


def test_zh_montecarlo_page_has_no_english_words(write_yaml, tmp_path, recorded):
    from pathway.runs.montecarlo import plan_montecarlo, run_montecarlo, write_montecarlo

    plan = plan_montecarlo(_mc_file(write_yaml), 2)
    res = run_montecarlo(plan, tmp_path / "mc", executor="serial")
    man = write_montecarlo(plan, res, tmp_path / "mc", lang="zh")
    loan = man["loan_p90_capex"] or {}
    data = _data_strings(res, man, [plan.path, *plan.samples.columns, loan.get("note", "")])
    _check(tmp_path / "mc", "montecarlo.html", recorded, data)
    page = (tmp_path / "mc" / "montecarlo.html").read_text(encoding="utf-8")
    assert msg("pages", "kpi_p_target", "zh") in page and msg("pages", "sec_percentiles", "zh") in page


def test_zh_portfolio_page_has_no_english_words(book, tmp_path, recorded):  # noqa: F811
    from pathway.runs.portfolio import plan_portfolio, run_portfolio, write_portfolio

    specs = plan_portfolio([book])
    res = run_portfolio(specs, tmp_path / "pf", executor="serial")
    man = write_portfolio(res, tmp_path / "pf", lang="zh")
    _check(tmp_path / "pf", "portfolio.html", recorded, _data_strings(res, man, [str(book)]))
    page = (tmp_path / "pf" / "portfolio.html").read_text(encoding="utf-8")
    assert msg("pages", "sec_not_solved", "zh") in page and msg("pages", "kpi_loan_need", "zh") in page
