"""The figures carry the numbers of the result tables (one solve of the 2027 demo per module)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml

from pathway.analysis import lever_economics as economics
from pathway.money import crf
from pathway.output import charts
from pathway.output.folder import read_tables
from pathway.runs.pipeline import run_file, write_outputs
from pathway.technologies import LEVER_ORDER

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "jiangsu_auto_parts_2027.yaml"


@pytest.fixture(scope="module")
def solved():
    return run_file(SCENARIO)


@pytest.fixture(scope="module")
def tables(solved):
    return solved.tables


@pytest.fixture(scope="module")
def csv_tables(solved, tmp_path_factory):
    """The same tables after a round trip through tables/*.csv (what `pathway report` reads)."""
    out = tmp_path_factory.mktemp("run")
    write_outputs(solved, out, report=False, excel=False)
    return read_tables(out)


def _meta(trace) -> dict:
    return dict(trace.meta or {})


def _traces(fig: go.Figure, **match) -> list:
    return [t for t in fig.data if all(_meta(t).get(k) == v for k, v in match.items())]


def _by_year(trace) -> dict[int, float]:
    return {int(x): float(y) for x, y in zip(trace.x, trace.y)}


# ---------------------------------------------------------------------------------------
def test_pathway_bars_equal_emissions_table(tables):
    fig = charts.emissions_pathway(tables, base_year=2025)
    pw = tables["pathway"].set_index("year")
    em = tables["emissions"]
    years = charts.years_of(tables)
    capture = _traces(fig, kind="source", group="ccus_capture")
    for method in ("market", "location"):
        bars = _traces(fig, kind="source", method=method) + capture
        assert bars, method
        total = {y: sum(_by_year(t).get(y, 0.0) for t in bars) for y in years}
        table = em[em.method.isin(["both", method])].groupby("year")["emissions_t"].sum()
        for y in years:
            assert total[y] == pytest.approx(pw.loc[y, f"emissions_{method}_t"], rel=1e-9, abs=1e-6)
            assert total[y] == pytest.approx(table[y], rel=1e-9, abs=1e-6)
        # the base-year bar is the inventory of that method and equals its baseline
        inv = tables["inventory"]
        base_bar = sum(_by_year(t).get(2025, 0.0) for t in bars)
        assert base_bar == pytest.approx(inv[inv.method.isin(["both", method])]["emissions_t"].sum(), rel=1e-9)
        # own reduction fills each bar up to the baseline; net = emissions - offsets
        own = _traces(fig, kind="own_reduction", method=method)[0]
        base = _traces(fig, kind="baseline", method=method)[0].y[0]
        for y, v in _by_year(own).items():
            assert v == pytest.approx(max(base - (total[y] + 0.0 - sum(_by_year(t).get(y, 0.0) for t in capture)), 0.0), abs=1e-6)
        net = _by_year(_traces(fig, kind="net", method=method)[0])
        for y in years:
            assert net[y] == pytest.approx(pw.loc[y, f"emissions_{method}_t"] - pw.loc[y, "offsets_t"], abs=1e-6)
    assert _traces(fig, kind="baseline", method="market")[0].y[0] == pytest.approx(charts.baseline_of(tables))
    off = _by_year(_traces(fig, kind="offsets")[0])
    ceil = _by_year(_traces(fig, kind="ceiling")[0])
    for y in years:
        assert off[y] == pytest.approx(-pw.loc[y, "offsets_t"])
        assert ceil[y] == pytest.approx(pw.loc[y, "ceiling_t"])


def test_pathway_buttons_switch_scope2_method(tables):
    fig = charts.emissions_pathway(tables)
    (menu,) = fig.layout.updatemenus
    assert [b.label for b in menu.buttons] == ["Scope 2 market-based", "Scope 2 location-based"]  # target's method first
    for button, method in zip(menu.buttons, ("market", "location")):
        vis = button.args[0]["visible"]
        for t, v in zip(fig.data, vis):
            m = _meta(t).get("method")
            assert v == (m is None or m == method)
    # the figure opens on the target's method
    assert all(t.visible in (None, True) for t in fig.data if _meta(t).get("method") in (None, "market"))
    assert all(t.visible is False for t in fig.data if _meta(t).get("method") == "location")
    # target-year marker
    assert any(s.type == "line" and s.x0 == 2027 for s in fig.layout.shapes)


def test_waterfall_steps_sum_from_baseline_to_residual(tables):
    for year in charts.years_of(tables):
        fig = charts.abatement_waterfall(tables, year=year, drop_zero=False)
        steps = _traces(fig, kind="step")
        base = _traces(fig, kind="total", key="baseline")[0]
        resid = _traces(fig, kind="total", key="residual")[0]
        baseline = base.customdata[0][1]
        deltas = [t.customdata[0][0] for t in steps]
        residual = resid.customdata[0][1]
        assert baseline == pytest.approx(charts.baseline_of(tables))
        assert baseline + sum(deltas) == pytest.approx(residual, abs=1e-6)
        pw = tables["pathway"].set_index("year")
        assert residual == pytest.approx(pw.loc[year, "net_emissions_t"], abs=1e-6)
        sub = _traces(fig, kind="subtotal")[0]
        assert sub.customdata[0][1] == pytest.approx(pw.loc[year, "emissions_t"], abs=1e-6)
        assert [_meta(t)["key"] for t in steps] == ["growth_and_grid_factor", *LEVER_ORDER]
        # bars span exactly the step: base .. base + delta
        for t in steps:
            delta, after = t.customdata[0]
            assert t.y[0] == pytest.approx(abs(delta))
            assert t.base[0] == pytest.approx(min(after, after - delta))


def test_waterfall_drops_only_zero_steps_and_still_sums(tables):
    fig = charts.abatement_waterfall(tables)
    keys = [_meta(t)["key"] for t in _traces(fig, kind="step")]
    ab = tables["abatement"]
    ab = ab[(ab.year == 2027) & (ab.order > 0)]
    assert keys == [r.lever for r in ab.itertuples() if r.abatement_t != 0.0]
    baseline = _traces(fig, key="baseline")[0].customdata[0][1]
    assert baseline + sum(t.customdata[0][0] for t in _traces(fig, kind="step")) == pytest.approx(
        _traces(fig, key="residual")[0].customdata[0][1], abs=1e-6)


def test_lever_costs_split_the_cost_categories_exactly(tables):
    costs = tables["costs"]
    for year in charts.years_of(tables):
        tech = economics.technology_annual_costs(tables, year)
        by_cat = costs[costs.year == year].set_index("category")["cost_cny"]
        assert tech["capex_annuity_cny"].sum() == pytest.approx(by_cat["capex_annuity"], rel=1e-9)
        assert tech["fixed_om_cny"].sum() == pytest.approx(by_cat["fixed_om"], rel=1e-9)
        assert tech["discount_rate"].iloc[0] == 0.06  # the scenario's, from the assumptions table
        # before scaling to the total, CRF(6 %, life) x capex in service already matches the model's annuity
        capex = tables["capex"]
        own = sum(crf(0.06, r.life_years) * capex[(capex.technology == r.technology) & (capex.year <= year)
                                                  & (capex.year + r.life_years > year)].net_capex_cny.sum()
                  for r in tech.itertuples())
        assert own == pytest.approx(by_cat["capex_annuity"], rel=1e-9)
    lc = economics.lever_costs(tables, 2027).set_index("lever")
    assert list(lc.index) == list(LEVER_ORDER)
    ab = tables["abatement"]
    ab = ab[ab.year == 2027].set_index("lever")["abatement_t"]
    for lever in LEVER_ORDER:
        assert lc.loc[lever, "abatement_t"] == pytest.approx(ab[lever])
    # hand checks: offsets cost their price per tonne; a GEC costs its price per MWh / grid factor
    a = tables["assumptions"]
    ccer = a[a["item"] == "ccer_cny_per_t"]["value"].iloc[0]
    gec = a[a["item"] == "gec_cny_per_mwh"]["value"].iloc[0]
    f = a[(a["item"] == "grid factor (market) tCO2/MWh") & (a["year"] == 2027)]["value"].iloc[0]
    assert lc.loc["offsets", "average_cost_cny_per_t"] == pytest.approx(ccer, rel=1e-6)
    assert lc.loc["green_certificates", "average_cost_cny_per_t"] == pytest.approx(gec / f, rel=1e-6)
    # efficiency: the electricity it saves at the business-as-usual all-in grid price
    # (the run has a finance block, so its BAU twin was solved); no heat-side measure here
    eb = tables["energy_balance"]
    eb = eb[eb.year == 2027].set_index(["carrier", "flow"])["energy_mwh"]
    bau = tables["bau_pathway"].set_index("year").loc[2027]
    c_e = bau.electricity_cost_cny / bau.grid_import_mwh
    assert set(lc["savings_basis"]) == {"business as usual"}
    assert lc.loc["efficiency", "energy_savings_cny"] == pytest.approx(-eb[("electricity", "use: efficiency savings")] * c_e,
                                                                       rel=1e-9)
    # the fuel category split by source: sums exactly, and at the scenario's own prices (no escalation)
    fc = economics.fuel_costs(tables, 2027)
    assert fc["cost_cny"].sum() == pytest.approx(costs[(costs.year == 2027) & (costs.category == "fuel")]["cost_cny"].iloc[0])
    assert fc["escalation"].iloc[0] == pytest.approx(1.0, rel=1e-9)
    diesel = fc[fc.fuel == "diesel"].iloc[0]
    assert diesel.cost_cny == pytest.approx(80 * 1.03 ** 2 * 7800, rel=1e-9)  # 80 t/yr x growth x 7,800 CNY/t
    # levers without positive abatement have no average cost
    assert lc["average_cost_cny_per_t"].isna().tolist() == (lc["abatement_t"] <= 1e-9).tolist()


def test_macc_and_finance_read_one_lever_savings_table(tables):
    """The MACC's energy savings per lever are the finance cash flows' energy savings, year by
    year; against BAU they add up to the whole saving BAU - plan of electricity and fuel."""
    fin = tables["finance"]
    elec = ("grid_energy", "demand_charge", "export_revenue", "fuel")
    for year in charts.years_of(tables):
        lc = economics.lever_costs(tables, year).set_index("lever")
        f = fin[(fin.year == year) & (fin.lever != "total")].set_index("lever")
        for lever in LEVER_ORDER:
            assert lc.loc[lever, "energy_savings_cny"] == pytest.approx(f.loc[lever, "energy_savings_cny"], rel=1e-12, abs=1e-6)
        bau = tables["bau_costs"]
        total = (bau[(bau.year == year) & bau.category.isin(elec)].cost_cny.sum()
                 - tables["costs"][(tables["costs"].year == year) & tables["costs"].category.isin(elec)].cost_cny.sum())
        assert lc["energy_savings_cny"].sum() == pytest.approx(total, rel=1e-9)


def test_lever_savings_without_a_bau_use_the_plans_own_prices(tables):
    """A run without a finance block has no BAU twin: savings are valued at the plan's
    all-in grid price and the existing boilers' fuel cost per MWh of heat."""
    plan = {k: v for k, v in tables.items() if k not in ("bau_costs", "bau_pathway")}
    sav = economics.lever_savings(plan, [2027]).set_index("lever")
    assert set(sav["basis"]) == {"plan prices"}
    eb = plan["energy_balance"]
    eb = eb[eb.year == 2027].set_index(["carrier", "flow"])["energy_mwh"]
    c = plan["costs"]
    c = c[c.year == 2027].set_index("category")["cost_cny"]
    c_e = (c["grid_energy"] + c.get("demand_charge", 0.0)) / eb[("electricity", "supply: grid import")]
    assert sav.loc["efficiency", "energy_savings_cny"] == pytest.approx(-eb[("electricity", "use: efficiency savings")] * c_e,
                                                                        rel=1e-9)
    # storage carries the battery's time-shift value: sum of weight x price x (discharge - charge)
    d = plan["dispatch"]
    d = d[d.year == 2027]
    shift = (d.weight_days * d.price_cny_per_mwh * (d.battery_discharge_mwh - d.battery_charge_mwh)).sum()
    assert sav.loc["storage", "energy_savings_cny"] == pytest.approx(shift, rel=1e-9)


def test_macc_bars_are_levers_ranked_by_cost_with_widths_in_tonnes(tables):
    fig = charts.macc(tables)
    bars = _traces(fig, kind="lever")
    lc = economics.lever_costs(tables, 2027).set_index("lever")
    shown = lc[lc.abatement_t > 1e-9]
    assert sorted(_meta(t)["lever"] for t in bars) == sorted(shown.index)
    heights = [t.y[0] for t in bars]
    assert heights == sorted(heights)  # cheapest (negative) on the left
    total = shown.abatement_t.sum()
    lim = charts.macc_clip_limit(shown.average_cost_cny_per_t, shown.abatement_t,
                                 tables["pathway"].set_index("year").loc[2027, "marginal_abatement_cost_cny_per_t"])
    x0 = 0.0
    for t in bars:
        lever = _meta(t)["lever"]
        tonnes, cost = shown.loc[lever, "abatement_t"], shown.loc[lever, "average_cost_cny_per_t"]
        # width = t/yr, at least the minimum visible share of the total; the true tonnes stay in customdata
        assert t.width[0] == pytest.approx(max(tonnes, charts.MACC_MIN_WIDTH_SHARE * total))
        assert t.customdata[0][0] == pytest.approx(tonnes) and t.customdata[0][4] == pytest.approx(cost)
        assert t.x[0] == pytest.approx(x0 + t.width[0] / 2)
        assert t.y[0] == pytest.approx(min(max(cost, -lim), lim))  # clipped to the axis limit
        x0 += t.width[0]
        # every bar is labelled with its lever and CNY/t; a clipped one also carries an arrow with its value
        names = {a.name: a for a in fig.layout.annotations}
        assert f"{cost:,.0f} CNY/t" in names[f"label:{lever}"].text and charts.label(lever) in names[f"label:{lever}"].text
        assert (f"clipped:{lever}" in names) == (abs(cost) > lim)
        if abs(cost) > lim:
            assert names[f"clipped:{lever}"].showarrow and f"{cost:,.0f}" in names[f"clipped:{lever}"].text
    mac = _traces(fig, kind="mac")[0]
    assert list(mac.y) == pytest.approx([tables["pathway"].set_index("year").loc[2027, "marginal_abatement_cost_cny_per_t"]] * 2)
    # levers left off the curve are named under it
    assert any("Storage" in (a.text or "") for a in fig.layout.annotations)


def test_macc_clip_limit_by_hand():
    # levers of >= 5 % of the tonnes: only the 5 CNY/t one (990 of 1000 t); floor 100, MAC 300 x 1.3 = 390
    assert charts.macc_clip_limit([5, 1000], [990, 10], 300) == pytest.approx(390)
    assert charts.macc_clip_limit([5, 1000], [990, 10], None) == pytest.approx(100)
    # both big: the axis holds the larger one whole
    assert charts.macc_clip_limit([5, 1000], [900, 100], None) == pytest.approx(1000)
    # nothing to clip: the limit is the largest |cost|
    assert charts.macc_clip_limit([-50, 40], [10, 10], None) == pytest.approx(50)
    # the case: a 95 t lever at -5,943 CNY/t beside 25,540 t of certificates at 5 CNY/t is clipped at 100
    assert charts.macc_clip_limit([-5943, 5], [95, 25540], 9.0) == pytest.approx(100)


def test_capex_bars_equal_capex_table(tables, solved):
    fig = charts.capex_schedule(tables)
    capex = tables["capex"]
    for t in _traces(fig, kind="technology"):
        k = _meta(t)["technology"]
        table = capex[capex.technology == k].set_index("year")["capex_cny"]
        for y, v in _by_year(t).items():
            assert v * 1e6 == pytest.approx(table[y], rel=1e-12, abs=1e-6)
        assert t.marker.color == charts.PALETTE[k]
    total = sum(np.array(t.y) for t in _traces(fig, kind="technology"))
    assert total.sum() * 1e6 == pytest.approx(capex.capex_cny.sum(), rel=1e-12)
    cum = _traces(fig, kind="cumulative")[0]
    assert cum.y[-1] * 1e6 == pytest.approx(solved.summary["capex_total_cny"], rel=1e-12)
    by_year = capex.groupby("year")["capex_cny"].sum()
    assert np.allclose(np.array(cum.y) * 1e6, by_year.cumsum().to_numpy())


def test_energy_mix(tables):
    mix = charts.energy_mix_table(tables).pivot(index="year", columns="carrier", values="energy_mwh")
    pw = tables["pathway"].set_index("year")
    elec = mix[["grid_electricity", "green_power", "green_certificates", "onsite_pv"]].sum(axis=1)
    assert np.allclose(elec, pw["electricity_use_mwh"].reindex(mix.index))
    # green MWh = share x (use - battery losses) + losses (the share counts the battery's
    # losses as lost PV, the mix shows PV used gross); GEC MWh = GEC cost / GEC price
    green = mix[["green_power", "green_certificates", "onsite_pv"]].sum(axis=1)
    loss = pw["battery_losses_mwh"]
    assert np.allclose(green, (pw["green_electricity_share"] * (pw["electricity_use_mwh"] - loss) + loss).reindex(mix.index))
    # gas: the fuel of the existing boilers = heat delivered / boiler efficiency (independent route)
    sc = yaml.safe_load(SCENARIO.read_text())
    eff = {h["name"]: h["boiler_efficiency"] for h in sc["baseline"]["heat_loads"]}
    eb = tables["energy_balance"]
    for y in mix.index:
        fuel = sum(eb[(eb.year == y) & (eb.carrier == f"heat:{n}") & (eb.flow == "supply: existing natural_gas")]["energy_mwh"].sum() / e
                   for n, e in eff.items())
        assert mix.loc[y, "natural_gas"] == pytest.approx(fuel, rel=1e-6)
    # diesel: 80 t/yr x growth x NCV 42.652 GJ/t
    g = sc["production"]["growth_per_yr"]
    for y in mix.index:
        assert mix.loc[y, "other_fuels"] == pytest.approx(80 * (1 + g) ** (y - 2025) * 42.652 / 3.6, rel=1e-6)
    fig = charts.energy_mix(tables)
    for t in _traces(fig, kind="carrier"):
        c = _meta(t)["carrier"]
        assert np.allclose(t.y, mix[c].to_numpy())


def test_dispatch_day_balances_every_hour(tables):
    fig = charts.dispatch_day(tables)
    d = tables["dispatch"]
    w = d[d.year == 2027].groupby("period")["weight_days"].first()
    period = int(w.idxmax())
    assert f"period {period}" in fig.layout.title.text
    d = d[(d.year == 2027) & (d.period == period)].sort_values("hour")
    flows = {(_meta(t)["key"]): np.array(t.y) for t in _traces(fig, kind="flow")}
    assert np.allclose(flows["grid_electricity"], d.grid_import_mwh)
    assert np.allclose(flows["battery_charge"], -d.battery_charge_mwh)  # charging below zero
    supply_net = sum(flows.values())  # above zero minus below zero
    load = _traces(fig, kind="load") or _traces(fig, kind="demand")
    assert np.allclose(supply_net, np.array(load[0].y), atol=1e-6)
    price = _traces(fig, kind="price")[0]
    assert price.yaxis == "y2" and np.allclose(price.y, d.price_cny_per_mwh)
    # the price axis's zero sits level with the power axis's zero
    r1, r2 = fig.layout.yaxis.range, fig.layout.yaxis2.range
    assert r1[0] / r1[1] == pytest.approx(r2[0] / r2[1])
    with pytest.raises(ValueError):
        charts.dispatch_day(tables, year=2027, period=999)


def test_capacity_timeline_equals_capacity_table(tables):
    fig = charts.capacity_timeline(tables)
    cap = tables["capacity"]
    seen = set()
    for t in _traces(fig, kind="capacity"):
        k, unit = _meta(t)["technology"], _meta(t)["unit"]
        table = cap[cap.technology == k].set_index("year")["capacity"] * (100 if unit == "share" else 1)
        assert np.allclose(t.y, table.to_numpy())
        seen.add(k)
    used = cap.groupby("technology")["capacity"].apply(lambda s: (s.abs() > 1e-9).any())
    assert seen == set(used[used].index)
    titles = [fig.layout[a].title.text for a in fig.layout if a.startswith("yaxis")]
    assert any("(MW)" in s for s in titles) and any("(MWh)" in s for s in titles) and any("%" in s for s in titles)


def test_scenario_comparison(tables, solved):
    other = {k: v.copy() for k, v in tables.items()}
    other["pathway"] = other["pathway"].assign(emissions_t=other["pathway"]["emissions_t"] * 1.5)
    runs = {"A": tables, "B": other}
    summaries = {"A": solved.summary}
    fig = charts.scenario_comparison(runs, summaries)
    for name, t in runs.items():
        (line,) = _traces(fig, kind="pathway", scenario=name)
        assert np.allclose(line.y, t["pathway"]["emissions_t"])
        (pt,) = _traces(fig, kind="cost_vs_emissions", scenario=name)
        assert pt.x[0] == pytest.approx(t["pathway"].set_index("year").loc[2027, "emissions_t"])
    assert _traces(fig, kind="cost_vs_emissions", scenario="A")[0].y[0] * 1e6 == pytest.approx(solved.summary["total_cost_npv_cny"])
    # without a summary the cost is the sum of the discounted costs (the same NPV)
    assert _traces(fig, kind="cost_vs_emissions", scenario="B")[0].y[0] * 1e6 == pytest.approx(solved.summary["total_cost_npv_cny"], rel=1e-9)
    assert _traces(fig, kind="pathway", scenario="A")[0].line.color != _traces(fig, kind="pathway", scenario="B")[0].line.color


def test_every_axis_has_a_unit_and_every_hover_a_unit(tables):
    figs = charts.all_figures(tables, base_year=2025)
    figs["compare"] = charts.scenario_comparison({"A": tables, "B": tables})
    units = ("tCO2", "CNY", "MWh", "MW", "%", "h", "Year", "year")
    for name, fig in figs.items():
        for ax in [a for a in fig.layout if a.startswith(("xaxis", "yaxis"))]:
            title = fig.layout[ax].title.text
            if name == "waterfall" and ax == "xaxis":  # categorical: the levers
                continue
            if name == "capacity" and ax.startswith("xaxis") and ax != "xaxis4" and not title:
                continue  # shared x axes: the bottom one carries the title
            assert title and any(u in title for u in units), (name, ax, title)
        for t in fig.data:
            ht = t.hovertemplate or ""
            assert any(u in ht for u in ("tCO2", "CNY", "MWh", "MW", "%", " t")), (name, t.name, ht)


def test_colours_are_fixed_across_charts(tables):
    wf = charts.abatement_waterfall(tables)
    mc = charts.macc(tables)
    for t in _traces(mc, kind="lever"):
        lever = _meta(t)["lever"]
        (w,) = _traces(wf, kind="step", key=lever)
        assert t.marker.color == w.marker.color == charts.PALETTE[lever]
    cx = charts.capex_schedule(tables)
    cp = charts.capacity_timeline(tables)
    for t in _traces(cx, kind="technology"):
        k = _meta(t)["technology"]
        assert all(c.marker.color == t.marker.color for c in _traces(cp, technology=k))
    assert charts.colour("heat_pump_medium") == charts.PALETTE["heat_pump_low"]  # family fallback
    assert charts.colour("something_new") == charts.colour("something_new")


def test_chinese_labels(tables):
    figs = charts.all_figures(tables, lang="zh")
    assert figs["pathway"].layout.title.text == "排放路径"
    assert "边际减排成本曲线" in figs["macc"].layout.title.text
    assert figs["pathway"].layout.yaxis.title.text == "排放量（tCO2/年）"
    names = {t.name for t in figs["waterfall"].data}
    assert {"基准排放", "节能提效", "厂内光伏"} <= names
    assert charts.label("no_such_key", "zh") == "no such key"
    for key in charts.LABELS["en"]:
        assert key in charts.LABELS["zh"], key
    with pytest.raises(ValueError, match="lang"):
        charts.emissions_pathway(tables, lang="fr")


def test_figures_from_csv_equal_figures_from_memory(tables, csv_tables):
    for name in ("waterfall", "macc", "capex", "energy_mix", "pathway"):
        a = charts.all_figures(tables, base_year=2025)[name]
        b = charts.all_figures(csv_tables, base_year=2025)[name]
        assert len(a.data) == len(b.data), name
        for ta, tb in zip(a.data, b.data):
            ya = np.asarray(ta.y, dtype=float)
            yb = np.asarray(tb.y, dtype=float)
            assert np.allclose(ya, yb, rtol=1e-9, atol=1e-6, equal_nan=True), (name, ta.name)
    assert charts.target_year_of(csv_tables) == 2027
    assert charts.scope2_method_of(csv_tables) == "market"
    pd.testing.assert_frame_equal(economics.lever_costs(tables).reset_index(drop=True),
                                  economics.lever_costs(csv_tables).reset_index(drop=True), rtol=1e-9, atol=1e-6)


def test_every_registered_technology_has_a_colour_and_labels():
    """The registry (pathway.technologies) is the one list of technologies; the charts carry
    presentation for each of them, in both languages."""
    from pathway.technologies import LEVER_ORDER as levers
    from pathway.technologies import TECHNOLOGIES

    for key in [*TECHNOLOGIES, *levers]:
        assert key in charts.LABELS["en"] and key in charts.LABELS["zh"], key
        assert charts.colour(key).startswith("#"), key
