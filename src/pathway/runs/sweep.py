"""Sensitivity sweeps: one scenario run over a grid (or one parameter at a time) of
values of dotted scenario fields (``pathway sweep FILE --set prices.gec_cny_per_mwh=2,5,10``).

Outputs (``write_sweep``): ``sweep.csv`` / ``sweep.xlsx`` (one row per run: the
parameters, status, cost, capex, emissions and marginal abatement cost by year, target
outcome, loan), ``sweep_by_year.csv`` (the same per year, long), ``tornado.csv``,
``sweep.html`` (tornado chart and the emissions pathways of every run overlaid; plotly.js
embedded), ``runs.jsonl`` (every run's summary or error), ``timings.csv`` and
``manifest.json`` (what ran how, and what the persistent re-solves saved).

Runs whose parameters are all in ``runs.mutable.MUTABLE_FIELDS`` (prices of green power,
certificates, CCER, carbon; technology capex and subsidies; finance terms) re-solve one
built model per chunk; any other swept field means a full rebuild for each run (the
notes say which).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from pathway.output.charts import plot_text
from pathway.output.messages import msg
from pathway.output.pages import Page, write_sheets
from pathway.reference.validate import load_scenario
from pathway.runs.batch import (
    BatchResult,
    RunRecord,
    RunSpec,
    is_mutable,
    persistent_saving,
    record_row,
    run_batch,
    timing_table,
    wall_summary,
    write_runs_jsonl,
    years_of,
)
from pathway.scenario.fields import check_path, overrides_for

METRICS = {"cost": ("total_cost_npv_cny", "Total discounted cost (CNY)"),
           "capex": ("capex_total_cny", "Total capex (CNY)")}
METRIC_KEYS = {"cost": "metric_cost", "capex": "metric_capex"}  # messages.yaml, section pages


@dataclass
class SweepPlan:
    """The runs of a sweep and how they will be solved."""

    path: str
    params: dict[str, list]  # varied parameters (>= 2 values each)
    fixed: dict  # parameters with one value, applied to every run
    one_at_a_time: bool
    specs: list[RunSpec]
    base_values: dict  # each varied parameter's value in the scenario as written (None: default)
    persistent_params: list[str] = field(default_factory=list)
    rebuild_params: list[str] = field(default_factory=list)

    def notes(self, persistent: bool) -> list[str]:
        out = []
        if not persistent:
            out.append("persistent re-solves off (--no-persistent): every run builds its own model")
            return out
        if self.persistent_params:
            out.append("persistent re-solve (model built once per chunk, cost coefficients updated, warm-started "
                       f"simplex) for: {', '.join(self.persistent_params)}")
        if self.rebuild_params:
            out.append(f"full rebuild for: {', '.join(self.rebuild_params)} (these fields change the model, not only "
                       "its cost coefficients; only prices, technology capex/subsidies and finance terms re-solve)")
        return out


def _get_path(data: dict, path: str):
    node = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict):
            if part in node:
                node = node[part]
            elif part.lstrip("-").isdigit() and int(part) in node:
                node = node[int(part)]
            else:
                return None
        else:
            return None
    return node


def _short(path: str) -> str:
    return path.split(".")[-1]


def plan_sweep(path: str | Path, assignments: dict[str, list], one_at_a_time: bool = False) -> SweepPlan:
    """The runs of a sweep. ``assignments`` maps dotted paths to their values; a path with
    one value is a fixed setting for every run. Grid: every combination, in the order the
    paths are given (the last varies fastest). One at a time: the base run (fixed settings
    only), then each parameter at each of its values, the others as in the scenario.
    Raises ScenarioError if the scenario is invalid, dotted.PathError for an unknown field."""
    for p in assignments:
        check_path(p)
    base = load_scenario(path)
    fixed = {p: v[0] for p, v in assignments.items() if len(v) == 1}
    varied = {p: list(v) for p, v in assignments.items() if len(v) > 1}
    base_values = {p: _get_path(base.data, p) for p in varied}
    specs: list[RunSpec] = []

    def spec(values: dict, label: str) -> RunSpec:
        ov = overrides_for(base.data, {**fixed, **values})
        return RunSpec(str(path), ov, label, dict(values))

    if one_at_a_time:
        specs.append(spec({}, "base"))
        for p, vals in varied.items():
            for v in vals:
                specs.append(spec({p: v}, f"{_short(p)}={v}"))
    else:
        for combo in itertools.product(*varied.values()):
            values = dict(zip(varied, combo))
            specs.append(spec(values, "; ".join(f"{_short(p)}={v}" for p, v in values.items()) or "base"))
    plan = SweepPlan(str(path), varied, fixed, one_at_a_time, specs, base_values)
    plan.persistent_params = [p for p in varied if is_mutable(p)]
    plan.rebuild_params = [p for p in varied if not is_mutable(p)]
    return plan


def sweep_table(plan: SweepPlan, records: list[RunRecord]) -> pd.DataFrame:
    """One row per run: parameters (each varied path a column; in one-at-a-time mode the
    column 'varied' names the parameter changed, the others show their scenario value),
    then the outcome columns of ``batch.record_row``."""
    years = years_of(records)
    rows = []
    for r in records:
        row = record_row(r, years)
        params = {p: r.params.get(p, plan.base_values.get(p) if plan.one_at_a_time else None) for p in plan.params}
        for p in params:
            row.pop(p, None)
        lead = {"run": row.pop("run"), "label": row.pop("label")}
        if plan.one_at_a_time:
            lead["varied"] = next(iter(r.params), None)
        rows.append({**lead, **params, **row})
    df = pd.DataFrame(rows)
    df["target_year"] = df["target_year"].astype("Int64")
    return df


def by_year_table(records: list[RunRecord]) -> pd.DataFrame:
    """Long table: run, label, year, emissions_t, offsets_t, ceiling_t, capex_cny,
    marginal_abatement_cost_cny_per_t (solved runs only)."""
    rows = []
    for r in records:
        s = r.summary
        if not r.ok or not s:
            continue
        for y in sorted(int(k) for k in s["emissions_t"]):
            k = str(y)
            rows.append({"run": r.index, "label": r.label, "year": y, "emissions_t": s["emissions_t"].get(k),
                         "offsets_t": (s.get("offsets_t") or {}).get(k), "ceiling_t": (s.get("ceiling_t") or {}).get(k),
                         "capex_cny": (s.get("capex_by_year_cny") or {}).get(k),
                         "marginal_abatement_cost_cny_per_t": (s.get("marginal_abatement_cost_cny_per_t") or {}).get(k)})
    return pd.DataFrame(rows, columns=["run", "label", "year", "emissions_t", "offsets_t", "ceiling_t", "capex_cny",
                                       "marginal_abatement_cost_cny_per_t"])


def tornado_table(plan: SweepPlan, table: pd.DataFrame, metric: str = "cost") -> pd.DataFrame:
    """Per varied parameter: the metric at its lowest and highest value and the swing.

    One at a time: the runs with that parameter at its low / high value against the base
    run. Grid: main effects — the mean over the grid runs with the parameter at its low
    (high) value, against the mean of all runs. Unsolved runs are left out."""
    col = METRICS[metric][0]
    ok = table[table.status == "optimal"]
    rows = []
    if plan.one_at_a_time:
        b = ok[ok.label == "base"][col]
        base = float(b.iloc[0]) if len(b) else float("nan")
    else:
        base = float(ok[col].mean()) if len(ok) else float("nan")
    for p, vals in plan.params.items():
        try:
            lo, hi = min(vals), max(vals)
        except TypeError:  # not orderable (text): first and last as given
            lo, hi = vals[0], vals[-1]
        sub = ok[ok.varied == p] if plan.one_at_a_time else ok

        def at(v):
            s = sub[sub[p] == v][col]
            return float(s.mean()) if len(s) else float("nan")

        m_lo, m_hi = at(lo), at(hi)
        rows.append({"parameter": p, "low_value": lo, "high_value": hi, f"base_{col}": base, f"low_{col}": m_lo,
                     f"high_{col}": m_hi, "swing": abs(m_hi - m_lo),
                     "method": "one at a time" if plan.one_at_a_time else "grid main effect"})
    return pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def tornado_figure(tornado: pd.DataFrame, metric: str = "cost", lang: str = "en") -> go.Figure:
    """Horizontal bars from the base value to the metric at each parameter's low (blue)
    and high (orange) value; widest swing on top. Million CNY."""
    col = METRICS[metric][0]
    name = msg("pages", METRIC_KEYS[metric], lang)
    t = tornado.iloc[::-1]
    base = float(t[f"base_{col}"].iloc[0]) / 1e6 if len(t) else 0.0
    fig = go.Figure()
    for side, colour in (("low", "#1565c0"), ("high", "#ef6c00")):
        vals = t[f"{side}_{col}"] / 1e6
        fig.add_trace(go.Bar(
            y=t.parameter, x=vals - base, base=base, orientation="h", name=msg("pages", f"{side}_value", lang), marker_color=colour,
            text=[f"{v}" for v in t[f"{side}_value"]], textposition="auto",
            customdata=list(zip(t[f"{side}_value"], vals)),
            hovertemplate="%{y} = %{customdata[0]}<br>" + name + ": %{customdata[1]:,.2f} M CNY<extra></extra>"))
    fig.add_vline(x=base, line_dash="dash", line_color="#263238",
                  annotation_text=msg("pages", "base_value", lang, v=f"{base:,.2f}"), annotation_position="top")
    fig.update_layout(barmode="overlay", title=msg("pages", "tornado_title", lang, m=name),
                      xaxis_title=msg("pages", "tornado_axis", lang, m=name), yaxis_title="", height=max(300, 90 + 60 * len(t)),
                      template="plotly_white", legend_orientation="h")
    return fig


def pathways_figure(by_year: pd.DataFrame, table: pd.DataFrame, highlight: str | None = "base",
                    lang: str = "en") -> go.Figure:
    """Emissions after capture, before offsets (tCO2/yr) of every solved run overlaid; the
    base run (or the first) in black, the ceiling of that run dashed red."""
    fig = go.Figure()
    cost = table.set_index("run").total_cost_npv_cny
    for run, g in by_year.groupby("run", sort=True):
        hi = g.label.iloc[0] == highlight
        lab = plot_text(g.label.iloc[0])  # plotly reads HTML in names and hover text
        fig.add_trace(go.Scatter(
            x=g.year, y=g.emissions_t, mode="lines+markers", name=lab, line_width=3 if hi else 1.2,
            line_color="#000000" if hi else None, opacity=1.0 if hi else 0.7,
            hovertemplate=f"{lab}<br>" + "%{x}: %{y:,.0f} t<br>" + msg("pages", "hover_cost", lang) + f" {(cost.get(run) or 0) / 1e6:,.2f} M CNY<extra></extra>"))
    if len(by_year):
        ref = by_year[by_year.label == highlight] if (by_year.label == highlight).any() else by_year[by_year.run == by_year.run.min()]
        fig.add_trace(go.Scatter(x=ref.year, y=ref.ceiling_t, mode="lines", name=msg("pages", "ceiling", lang),
                                 line_dash="dash", line_color="#d32f2f",
                                 hovertemplate=msg("pages", "ceiling", lang) + " %{x}: %{y:,.0f} t<extra></extra>"))
    fig.update_layout(title=msg("pages", "pathways_title", lang), xaxis_title=msg("pages", "ax_year", lang),
                      yaxis_title=msg("pages", "ax_emissions_before_offsets", lang), template="plotly_white",
                      height=480, showlegend=len(by_year.run.unique()) <= 30 if len(by_year) else True)
    fig.update_xaxes(dtick=1)
    return fig


def run_sweep(plan: SweepPlan, out_dir: str | Path, opts=None, *, persistent: bool = True, **batch_kw) -> BatchResult:
    """Run the plan's specs (``batch.run_batch``; ``persistent`` re-solves where the
    swept fields allow)."""
    return run_batch(plan.specs, out_dir, opts, persistent=persistent, **batch_kw)


def write_sweep(plan: SweepPlan, res: BatchResult, out_dir: str | Path, metric: str = "cost", lang: str = "en") -> dict:
    """Write the sweep's tables, workbook, page, audit trail and manifest; return the manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = sweep_table(plan, res.records)
    by_year = by_year_table(res.records)
    tornado = tornado_table(plan, table, metric) if plan.params else pd.DataFrame()
    saving = persistent_saving(res)
    notes = plan.notes(res.persistent)
    if saving:
        notes.append(f"measured: runs that re-solved took {saving['resolve_median_s']:.2f} s (median, whole run) against "
                     f"{saving['first_run_median_s']:.2f} s for the chunks' first runs that built the model "
                     f"({saving['saving_share']:.0%} less); model build + solve alone {saving['build_solve_resolve_median_s']:.3f} s "
                     f"against {saving['build_solve_first_median_s']:.3f} s")
    table.to_csv(out / "sweep.csv", index=False)
    by_year.to_csv(out / "sweep_by_year.csv", index=False)
    tornado.to_csv(out / "tornado.csv", index=False)
    timing_table(res).to_csv(out / "timings.csv", index=False)
    write_runs_jsonl(res.records, out / "runs.jsonl")
    about = pd.DataFrame({"note": [f"scenario: {plan.path}",
                                   f"mode: {'one at a time' if plan.one_at_a_time else 'full grid'}",
                                   *(f"fixed: {p} = {v}" for p, v in plan.fixed.items()), *notes,
                                   "emissions are after CCUS capture, before offsets (tCO2); MAC = dual value of the "
                                   "year's emissions ceiling (CNY/tCO2); costs are discounted totals (CNY)"]})
    write_sheets(out / "sweep.xlsx", {"runs": table, "by_year": by_year, "tornado": tornado, "about": about})
    def m(key: str, **fields) -> str:
        return msg("pages", key, lang, **fields)

    page = Page(f"{m('sweep_title')}: {Path(plan.path).stem}",
                [m("meta_scenario", path=plan.path), m("mode_oat") if plan.one_at_a_time else m("mode_grid"),
                 m("n_runs", n=len(res.records))], lang=lang)
    page.kpis([(m("kpi_runs"), f"{len(res.records)}", "", wall_summary(res).split(":")[-1].split(";")[0]),
               (m("kpi_target_met"), m("of", a=int(table.target_met.sum()), b=len(table)), "", m("sub_runs_meeting")),
               (m("kpi_cost_range"),
                f"{table.total_cost_npv_cny.min() / 1e6:,.1f}–{table.total_cost_npv_cny.max() / 1e6:,.1f}"
                if table.total_cost_npv_cny.notna().any() else "–", "M CNY", m("sub_discounted_total"))])
    if len(tornado):
        page.section(m("sec_tornado"), m("cap_tornado") + (m("cap_tornado_oat") if plan.one_at_a_time
                                                            else m("cap_tornado_grid")),
                     figure=tornado_figure(tornado, metric, lang), chart_id="tornado")
    page.section(m("sec_pathways"), m("cap_pathways"), figure=pathways_figure(by_year, table, lang=lang),
                 chart_id="pathways")
    cols = ["label", *plan.params, "status", "target_met", "total_cost_npv_cny", "capex_total_cny",
            "emissions_target_year_t", "mac_target_year_cny_per_t", "engine"]
    page.section(m("sec_runs"), "; ".join(notes), table=table[[c for c in cols if c in table]],
                 formats={"total_cost_npv_cny": ",.0f", "capex_total_cny": ",.0f", "emissions_target_year_t": ",.0f",
                          "mac_target_year_cny_per_t": ",.1f"})
    page.write(out / "sweep.html")
    manifest = {"command": "sweep", "scenario": plan.path, "mode": "one_at_a_time" if plan.one_at_a_time else "grid",
                "parameters": plan.params, "fixed": plan.fixed, "runs": len(res.records), "counts": res.counts(),
                "executor": res.executor, "workers": res.workers, "wall_s": res.wall_s, "cached": res.n_cached,
                "solved": res.n_run, "persistent": res.persistent, "persistent_params": plan.persistent_params,
                "rebuild_params": plan.rebuild_params, "persistent_saving": saving, "notes": notes,
                "metric": metric}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    return manifest
