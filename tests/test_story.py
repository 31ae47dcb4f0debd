"""The honest story: the three kinds of reduction sum to the total, the headline shows
both scope-2 methods but a verdict only for the rule's, and `pathway compare` compares
scenarios over the years they share (checked against each run's costs.csv)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pathway.analysis.story import REDUCTION_KIND, fair_comparison, reduction_split, scope2_verdicts

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def _tables(rows: list[tuple[str, float, float]], year: int = 2030) -> dict[str, pd.DataFrame]:
    ab = pd.DataFrame([dict(year=year, order=i, lever=lever, abatement_t=a, emissions_after_t=e)
                       for i, (lever, a, e) in enumerate(rows)])
    return {"abatement": ab}


def test_reduction_split_by_hand():
    # baseline 1000; growth +100 -> BAU 1100; efficiency 50, PV 150 (physical 200),
    # certificates 600 + green power 100 (contractual 700), offsets 200 -> net 0
    t = _tables([("baseline", float("nan"), 1000), ("growth_and_grid_factor", -100, 1100), ("efficiency", 50, 1050),
                 ("electrification_and_fuel_switch", 0, 1050), ("onsite_pv", 150, 900), ("storage", 0, 900),
                 ("green_power", 100, 800), ("green_certificates", 600, 200), ("ccus_net_of_penalty", 0, 200),
                 ("offsets", 200, 0)])
    s = reduction_split(t, 2030)
    assert (s["bau_t"], s["net_t"], s["total_t"]) == (1100, 0, 1100)
    assert (s["physical_t"], s["contractual_t"], s["offsets_t"]) == (200, 700, 200)
    assert s["contractual_share"] == pytest.approx(700 / 1100)
    assert set(REDUCTION_KIND.values()) == {"physical", "contractual", "offsets"}


@pytest.mark.slow
def test_demo_headline_three_kinds_sum_to_total_and_verdict_only_for_rule_method(auto_parts_result):
    from pathway.output.report import kpi_values, report_html

    r = auto_parts_result
    t, s = r.tables, r.summary
    split = reduction_split(t, 2027)
    assert split["physical_t"] + split["contractual_t"] + split["offsets_t"] == pytest.approx(split["total_t"], rel=1e-9)
    pw = t["pathway"].set_index("year")
    bau = t["bau_pathway"].set_index("year").loc[2027, "emissions_t"]
    assert split["total_t"] == pytest.approx(bau - pw.loc[2027, "net_emissions_t"], abs=1e-3)
    # the demo's story: certificates dominate, physical reduction is the smaller part
    assert split["contractual_t"] > split["physical_t"] > 0
    v = scope2_verdicts(t, s, 2027)
    assert v["market"]["verdict"] == "met" and v["location"]["verdict"] is None  # the rule uses market
    assert v["location"]["net_t"] == pytest.approx(pw.loc[2027, "emissions_location_t"] - pw.loc[2027, "offsets_t"])
    k = kpi_values(s, t)
    assert k["physical_t"] + k["contractual_t"] + k["offsets_t"] == pytest.approx(k["total_reduction_t"], rel=1e-9)
    page = report_html(s, t)
    # the headline: three kinds, both methods, one verdict
    head = page.split("<nav>")[0]
    for word in ("Physical on-site", "Contractual instruments", "Offsets", "location-based", "market-based"):
        assert word in head, word
    assert f"{split['physical_t']:,.0f}" in head and f"{split['contractual_t']:,.0f}" in head
    assert head.count("kpi-verdict") == 1
    # the pathway toggle: the location view carries no ceiling and no verdict
    from pathway.output import charts

    fig = charts.emissions_pathway(t, target_year=2027)
    ceil = [tr for tr in fig.data if (tr.meta or {}).get("kind") == "ceiling"]
    assert ceil and all(tr.meta.get("method") == "market" for tr in ceil)
    loc_button = [b for b in fig.layout.updatemenus[0].buttons if "location" in b.label][0]
    texts = " ".join(a["text"] for a in loc_button.args[1]["annotations"])
    assert not re.search(r"\bmet\b", texts)
    assert "no verdict" in texts


@pytest.mark.slow
def test_compare_twins_over_their_common_window(tmp_path):
    out = tmp_path / "cmp"
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "compare", str(SCENARIOS / "jiangsu_auto_parts_2027.yaml"),
                          str(SCENARIOS / "jiangsu_auto_parts_2030.yaml"), "--out", str(out), "-q"],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "horizons differ" in text and "2026-2030" in text
    win = pd.read_csv(out / "comparison_window.csv").set_index("scenario")
    for name in ("jiangsu_auto_parts_2027", "jiangsu_auto_parts_2030"):
        costs = pd.read_csv(out / name / "tables" / "costs.csv")
        inw = costs[costs.year.between(2026, 2030)]
        row = win.loc[name]
        assert (row.window_first_year, row.window_last_year, row.window_years) == (2026, 2030, 5)
        assert row.window_cost_cny == pytest.approx(inw.cost_cny.sum(), rel=1e-12)
        assert row.window_discounted_cost_cny == pytest.approx(inw.discounted_cost_cny.sum(), rel=1e-12)
        assert row.annualised_cost_cny_per_yr == pytest.approx(inw.cost_cny.sum() / 5, rel=1e-12)
        assert row.horizon_discounted_cost_cny == pytest.approx(costs.discounted_cost_cny.sum(), rel=1e-12)
        bau = pd.read_csv(out / name / "tables" / "bau_costs.csv")
        added = inw.cost_cny.sum() - bau[bau.year.between(2026, 2030)].cost_cny.sum()
        assert row.window_added_cost_cny == pytest.approx(added, rel=1e-9)
        assert row.cost_per_t_abated_cny_per_t == pytest.approx(added / row.window_abatement_t, rel=1e-9)
        kinds = row.window_physical_t + row.window_contractual_t + row.window_offsets_t
        assert kinds == pytest.approx(row.window_abatement_t, rel=1e-9)
        # the reduction over the window = BAU emissions - net emissions, summed from the run's own tables
        bau_pw = pd.read_csv(out / name / "tables" / "bau_pathway.csv")
        pw = pd.read_csv(out / name / "tables" / "pathway.csv")
        bau_sum = bau_pw[bau_pw.year.between(2026, 2030)].emissions_t.sum()
        assert row.window_abatement_t == pytest.approx(bau_sum - pw[pw.year.between(2026, 2030)].net_emissions_t.sum(), rel=1e-6)
        assert f"{inw.cost_cny.sum() / 1e6:,.2f} M CNY" in text
    # the 2030 twin's own horizon runs to 2032: its whole-horizon total is larger than its window total
    r30 = win.loc["jiangsu_auto_parts_2030"]
    assert r30.horizon_last_year == 2032 and r30.horizon_discounted_cost_cny > r30.window_discounted_cost_cny
    page = (out / "comparison.html").read_text(encoding="utf-8")
    assert "common window 2026–2030" in page and "planning horizons differ" in page
    assert re.search(r"sec-window", page)


def test_fair_comparison_refuses_disjoint_horizons():
    a = {"pathway": pd.DataFrame({"year": [2026]}), "costs": pd.DataFrame(columns=["year", "cost_cny", "discounted_cost_cny"])}
    b = {"pathway": pd.DataFrame({"year": [2030]}), "costs": a["costs"]}
    with pytest.raises(ValueError, match="common window"):
        fair_comparison({"a": a, "b": b})


def test_every_page_or_workbook_command_takes_lang():
    from typer.testing import CliRunner

    from pathway.cli import app

    runner = CliRunner()
    for cmd in ("run", "report", "compare", "sweep", "montecarlo", "portfolio", "finance"):
        res = runner.invoke(app, [cmd, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
        assert res.exit_code == 0, cmd
        assert "--lang" in res.output, cmd


def test_page_in_chinese_declares_cjk_fonts_and_translates_headers():
    from pathway.output.messages import CJK_FONT_STACK, catalogue
    from pathway.output.pages import Page

    page = Page("<b>x</b>", ["m"], lang="zh")
    page.section("s", table=pd.DataFrame({"year": [2027.0], "emissions_t": [-0.0001]}))
    html = page.html()
    assert "<html lang='zh-CN'>" in html and CJK_FONT_STACK in html
    for font in ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei"):
        assert font in CJK_FONT_STACK
    assert "&lt;b&gt;x&lt;/b&gt;" in html  # the title escaped by the template
    assert "年份" in html and "捕集后排放（tCO2）" in html  # display headers with units
    body = html.split("<tbody>")[1]
    assert ">2027<" in body and ">0.00<" in body and "-0" not in body  # integer years, no "-0"
    assert "由 pathway" in html
    # every catalogue entry has both languages
    for section, entries in catalogue().items():
        for key, texts in entries.items():
            assert texts.get("en") and texts.get("zh"), (section, key)
