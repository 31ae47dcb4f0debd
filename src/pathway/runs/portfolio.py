"""A bank's book of factories (``pathway portfolio FILES_OR_DIR --out DIR``).

Every scenario is one run (``batch.run_batch``); a broken or infeasible factory is a row
with its error, and the rest complete. Outputs:

* ``factories.csv`` — one row per factory: status and error, target year and outcome,
  baseline and target-year emissions, cost, capex, loan (debt, binding limit, equity),
  marginal abatement cost;
* ``totals_by_year.csv`` — by calendar year over the solved factories: capex, loan need
  (drawdowns of the sized loans), debt service, baseline, emissions (after capture, before
  offsets), reduction against the baseline, abatement by the levers (against each
  factory's grown baseline, the sequential attribution of the run), offsets, factories;
* ``abatement_by_lever.csv`` — the levers' abatement summed by year;
* ``portfolio.html`` (self-contained), ``portfolio.xlsx``, ``runs.jsonl`` (every run's
  summary or error: the audit trail with scenario hashes), ``manifest.json``.

The share of factories meeting their target is given over all factories (a failed run
counts as not met) and over those with an outcome.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from pathway.errors import Problem, ScenarioError
from pathway.output.messages import msg
from pathway.output.pages import Page, write_sheets
from pathway.runs.batch import (
    BatchResult,
    RunRecord,
    RunSpec,
    run_batch,
    timing_table,
    wall_summary,
    write_runs_jsonl,
)
from pathway.scenario.fields import overrides_for
from pathway.technologies import LEVER_ORDER

SUFFIXES = (".yaml", ".yml")


def collect_files(items: list[str | Path]) -> list[Path]:
    """Scenario files from files and folders (a folder: its *.yaml / *.yml, sorted, not
    recursive). A named file that does not exist is kept (its run reports it)."""
    out: list[Path] = []
    for it in items:
        p = Path(it)
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES and f.is_file()))
        else:
            out.append(p)
    if not out:
        raise ScenarioError([Problem(", ".join(map(str, items)), "", "no scenario files (*.yaml, *.yml) found")])
    return out


def plan_portfolio(items: list[str | Path], fixed: dict | None = None) -> list[RunSpec]:
    """One spec per factory, labelled by file name (parent folder added when names repeat);
    ``fixed`` ({dotted path: value}) applies to every factory."""
    from pathway.reference.validate import load_scenario

    files = collect_files(items)
    stems = [f.stem for f in files]
    specs = []
    for f in files:
        label = f.stem if stems.count(f.stem) == 1 else f"{f.parent.name}/{f.stem}"
        ov: dict = {}
        if fixed:
            try:
                base = load_scenario(f).data
            except ScenarioError:
                base = {}
            ov = overrides_for(base, fixed)
        specs.append(RunSpec(str(f), ov, label, {}))
    return specs


def factory_table(records: list[RunRecord]) -> pd.DataFrame:
    """One row per factory (see the module doc)."""
    rows = []
    for r in records:
        s = r.summary or {}
        loan = s.get("loan") or {}
        ty = s.get("target_year")
        e_t = (s.get("emissions_t") or {}).get(str(ty)) if ty else None
        base = s.get("baseline_emissions_t")
        rows.append({
            "factory": r.label, "file": r.path, "scenario": s.get("scenario"), "status": r.status,
            "target_met": bool(s.get("target_met")) if r.ok else False, "target_year": ty, "rule": s.get("rule"),
            "baseline_emissions_t": base, "emissions_target_year_t": e_t,
            "reduction_target_year_share": (1 - e_t / base) if (e_t is not None and base) else None,
            "offsets_target_year_t": (s.get("offsets_t") or {}).get(str(ty)) if ty else None,
            "total_cost_npv_cny": s.get("total_cost_npv_cny"), "capex_total_cny": s.get("capex_total_cny"),
            "loan_debt_cny": loan.get("debt_cny"), "loan_binding": loan.get("binding"), "equity_cny": loan.get("equity_cny"),
            "first_drawdown_year": loan.get("first_drawdown_year"), "loan_final_year": loan.get("final_year"),
            "min_dscr": loan.get("min_dscr"),
            "mac_target_year_cny_per_t": (s.get("marginal_abatement_cost_cny_per_t") or {}).get(str(ty)) if ty else None,
            "error": (r.error or "").splitlines()[0] if r.error else None,
            "scenario_sha256": s.get("scenario_sha256") or r.scenario_sha256,
        })
    df = pd.DataFrame(rows)
    for c in ("target_year", "first_drawdown_year", "loan_final_year"):
        df[c] = df[c].astype("Int64")
    return df


def totals_by_year(records: list[RunRecord]) -> pd.DataFrame:
    """Sums by calendar year over the solved factories (see the module doc)."""
    acc: dict[int, dict] = {}

    def add(y: int, k: str, v) -> None:
        if v is None:
            return
        row = acc.setdefault(int(y), {})
        row[k] = row.get(k, 0.0) + float(v)

    for r in records:
        if not r.ok:
            continue
        s = r.summary
        base = float(s["baseline_emissions_t"])
        for y, e in s["emissions_t"].items():
            add(y, "factories", 1)
            add(y, "capex_cny", (s.get("capex_by_year_cny") or {}).get(y))
            add(y, "baseline_emissions_t", base)
            add(y, "emissions_t", e)
            add(y, "reduction_vs_baseline_t", base - float(e))
            add(y, "offsets_t", (s.get("offsets_t") or {}).get(y))
        t = r.tables or {}
        if "abatement" in t:
            ab = t["abatement"]
            ab = ab[ab.lever.isin([lv for lv in LEVER_ORDER if lv != "offsets"])]
            for y, v in ab.groupby("year").abatement_t.sum().items():
                add(y, "abatement_by_levers_t", v)
        if "loan_schedule" in t and len(t["loan_schedule"]):
            ls = t["loan_schedule"]
            for row in ls.itertuples():
                add(row.year, "loan_drawdown_cny", row.drawdown_cny)
                add(row.year, "debt_service_cny", row.debt_service_cny)
                add(row.year, "loan_outstanding_cny", row.closing_balance_cny)
    cols = ["year", "factories", "capex_cny", "loan_drawdown_cny", "debt_service_cny", "loan_outstanding_cny",
            "baseline_emissions_t", "emissions_t", "reduction_vs_baseline_t", "abatement_by_levers_t", "offsets_t"]
    df = pd.DataFrame([{"year": y, **v} for y, v in sorted(acc.items())], columns=cols)
    money = ["capex_cny", "loan_drawdown_cny", "debt_service_cny", "loan_outstanding_cny"]
    df[money] = df[money].fillna(0.0)  # loans run past the planning horizons
    df["factories"] = df["factories"].fillna(0).astype(int)  # factories whose horizon covers the year
    return df


def abatement_by_lever(records: list[RunRecord]) -> pd.DataFrame:
    """year, lever, abatement_t summed over the solved factories (levers in LEVER_ORDER)."""
    frames = [r.tables["abatement"] for r in records if r.ok and r.tables and "abatement" in r.tables]
    if not frames:
        return pd.DataFrame(columns=["year", "lever", "abatement_t"])
    ab = pd.concat(frames, ignore_index=True)
    ab = ab[ab.lever.isin(LEVER_ORDER)]
    out = ab.groupby(["year", "lever"], sort=False).abatement_t.sum().reset_index()
    out["order"] = out.lever.map({lv: i for i, lv in enumerate(LEVER_ORDER)})
    return out.sort_values(["year", "order"]).drop(columns="order").reset_index(drop=True)


def target_share(table: pd.DataFrame) -> dict:
    """Factories meeting their target: over all, and over those with an outcome."""
    n = len(table)
    decided = int(table.status.isin(["optimal", "infeasible"]).sum())
    met = int(table.target_met.sum())
    return {"factories": n, "with_outcome": decided, "met": met, "share_of_all": met / n if n else None,
            "share_of_decided": met / decided if decided else None}


def _money_figure(tot: pd.DataFrame, lang: str = "en") -> go.Figure:
    def m(key: str) -> str:
        return msg("pages", key, lang)

    fig = go.Figure()
    fig.add_trace(go.Bar(x=tot.year, y=tot.capex_cny / 1e6, name=m("tr_capex"), marker_color="#1565c0",
                         hovertemplate="%{x}: " + m("tr_capex") + " %{y:,.1f} M CNY<extra></extra>"))
    fig.add_trace(go.Bar(x=tot.year, y=tot.loan_drawdown_cny / 1e6, name=m("tr_drawdown"), marker_color="#ef6c00",
                         hovertemplate="%{x}: " + m("hv_drawdown") + " %{y:,.1f} M CNY<extra></extra>"))
    fig.add_trace(go.Scatter(x=tot.year, y=tot.debt_service_cny / 1e6, name=m("tr_debt_service"),
                             mode="lines+markers", line_color="#263238",
                             hovertemplate="%{x}: " + m("tr_debt_service") + " %{y:,.1f} M CNY<extra></extra>"))
    fig.update_layout(title=m("money_title"), barmode="group", xaxis_title=m("ax_year"),
                      yaxis_title=m("million_cny"), template="plotly_white", height=420, legend_orientation="h")
    fig.update_xaxes(dtick=1)
    return fig


def _emissions_figure(tot: pd.DataFrame, ab: pd.DataFrame, lang: str = "en") -> go.Figure:
    from pathway.output.charts import PALETTE, label

    def m(key: str) -> str:
        return msg("pages", key, lang)

    fig = go.Figure()
    fig.add_trace(go.Bar(x=tot.year, y=tot.emissions_t, name=m("tr_emissions"),
                         marker_color="#90a4ae", hovertemplate=m("hv_emissions") + " %{x}: %{y:,.0f} t<extra></extra>"))
    for lv in LEVER_ORDER:
        d = ab[ab.lever == lv]
        if len(d) and d.abatement_t.abs().sum() > 0:
            sign = -1.0 if lv == "offsets" else 1.0  # offsets act after the emissions shown: drawn below zero
            fig.add_trace(go.Bar(x=d.year, y=sign * d.abatement_t, name=label(lv, lang) + (m("below_zero") if sign < 0 else ""),
                                 marker_color=PALETTE.get(lv),
                                 hovertemplate=f"{label(lv, lang)} " + "%{x}: %{customdata:,.0f} t<extra></extra>",
                                 customdata=d.abatement_t))
    fig.add_trace(go.Scatter(x=tot.year, y=tot.baseline_emissions_t, name=m("tr_baseline"), mode="lines",
                             line_dash="dash", line_color="#263238"))
    fig.update_layout(title=m("pf_emissions_title"), barmode="relative", xaxis_title=m("ax_year"),
                      yaxis_title=m("unit_tco2_yr"), template="plotly_white", height=460, legend_orientation="h")
    fig.update_xaxes(dtick=1)
    return fig


def write_portfolio(res: BatchResult, out_dir: str | Path, sources: list[str] | None = None, lang: str = "en") -> dict:
    """Write the portfolio's tables, workbook, report, audit trail and manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fac = factory_table(res.records)
    tot = totals_by_year(res.records)
    ab = abatement_by_lever(res.records)
    share = target_share(fac)
    fails = fac[fac.status != "optimal"][["factory", "file", "status", "error"]]
    full_errors = pd.DataFrame([{"factory": r.label, "status": r.status, "error": r.error} for r in res.records
                                if not r.ok])
    fac.to_csv(out / "factories.csv", index=False)
    tot.to_csv(out / "totals_by_year.csv", index=False)
    ab.to_csv(out / "abatement_by_lever.csv", index=False)
    timing_table(res).to_csv(out / "timings.csv", index=False)
    write_runs_jsonl(res.records, out / "runs.jsonl")
    notes = ["emissions after CCUS capture, before offsets (tCO2); reduction = baseline - emissions; abatement by "
             "levers = the runs' sequential attribution against each factory's grown baseline, offsets apart",
             "loan need = drawdowns of each factory's loan sized by pathway.finance (factories with a finance block)",
             "share meeting target: failed runs count as not met in 'share_of_all'"]
    write_sheets(out / "portfolio.xlsx", {"factories": fac, "totals_by_year": tot, "abatement_by_lever": ab,
                                          "failures": full_errors if len(full_errors) else fails,
                                          "about": pd.DataFrame({"note": notes + [wall_summary(res)]})})
    ok = fac[fac.status == "optimal"]
    def m(key: str, **fields) -> str:
        return msg("pages", key, lang, **fields)

    page = Page(m("portfolio_title"), lang=lang,
                meta=[m("n_factories", n=len(fac)), m("runs_in", n=len(res.records), s=res.wall_s)])
    page.kpis([
        (m("kpi_factories"), f"{len(fac)}", "", m("sub_solved_not", a=len(ok), b=len(fac) - len(ok))),
        (m("kpi_meeting_target"), "–" if share["share_of_all"] is None else f"{share['share_of_all']:.0%}", "",
         m("sub_met_of", a=share["met"], b=share["factories"])),
        (m("kpi_total_capex"), f"{ok.capex_total_cny.sum() / 1e6:,.1f}", "M CNY", m("sub_solved_factories")),
        (m("kpi_loan_need"), f"{ok.loan_debt_cny.fillna(0).sum() / 1e6:,.1f}", "M CNY", m("sub_sum_loans")),
        (m("kpi_baseline"), f"{ok.baseline_emissions_t.sum():,.0f}", "tCO2", m("sub_solved_factories")),
    ])
    if len(tot):
        page.section(m("sec_money"), m("cap_money"), figure=_money_figure(tot, lang), chart_id="money")
        page.section(m("sec_pf_emissions"), m("cap_pf_emissions") + m("note_pf_emissions"),
                     figure=_emissions_figure(tot, ab, lang), chart_id="emissions")
        page.section(m("sec_totals"), "", table=tot, formats={c: ",.0f" for c in tot.columns if c != "year"} | {"year": "d"})
    if len(fails):
        page.section(m("sec_not_solved"), m("cap_not_solved"), table=fails)
    page.section(m("sec_factories"), "", table=fac.drop(columns=["file", "scenario_sha256", "error"]),
                 formats={"baseline_emissions_t": ",.0f", "emissions_target_year_t": ",.0f",
                          "reduction_target_year_share": ".1%", "offsets_target_year_t": ",.0f",
                          "total_cost_npv_cny": ",.0f", "capex_total_cny": ",.0f", "loan_debt_cny": ",.0f",
                          "equity_cny": ",.0f", "min_dscr": ".2f", "mac_target_year_cny_per_t": ",.1f",
                          "target_year": "d", "first_drawdown_year": ".0f", "loan_final_year": ".0f"})
    page.write(out / "portfolio.html")
    manifest = {"command": "portfolio", "inputs": sources or [], "factories": len(fac), "counts": res.counts(),
                "target": share, "capex_total_cny": float(ok.capex_total_cny.sum()),
                "loan_total_cny": float(ok.loan_debt_cny.fillna(0).sum()), "executor": res.executor,
                "workers": res.workers, "wall_s": res.wall_s, "cached": res.n_cached, "solved": res.n_run,
                "summary": wall_summary(res)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    return manifest


def run_portfolio(specs: list[RunSpec], out_dir: str | Path | None, opts=None, **batch_kw) -> BatchResult:
    """Run every factory (``batch.run_batch``, one task each)."""
    return run_batch(specs, out_dir, opts, persistent=False, **batch_kw)
