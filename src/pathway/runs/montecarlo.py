"""Monte Carlo over the scenario's ``uncertainty`` block (``pathway montecarlo FILE
--samples N --out DIR``).

Sampling. Each parameter has its own random stream, seeded by (seed, CRC-32 of its dotted
path), and sample i takes the i-th uniform number u of that stream through the inverse of
the parameter's distribution:

    uniform      x = low + u (high - low)
    triangular   x = low + sqrt(u (high - low)(mode - low))           if u < (mode - low)/(high - low)
                 x = high - sqrt((1 - u)(high - low)(high - mode))    otherwise
    normal       x = mean + sd Phi^-1(a + u (b - a)),  a = Phi((low - mean)/sd) (0 if no low),
                                                       b = Phi((high - mean)/sd) (1 if no high)
    lognormal    x = median exp(sigma Phi^-1(u))

so the same seed gives the same samples, adding a parameter leaves the others' draws
alone, and raising N keeps the first N samples (and their cached runs). Integer fields
are rounded. Parameters are drawn independently.

Statistics (``summarise``): P10/P50/P90 (numpy linear interpolation) of the total
discounted cost, the capex in total and by year, the emissions by year (after capture,
before offsets), the loan of each sample; over the solved samples. The probability that
the target is met = samples meeting every rule / samples that reached an outcome (solved
or proven unreachable); failed runs are counted apart.

Loan on P90 capex (``p90_loan``): ``finance.size_loan`` on each year's P90 net capex
(capex - per-kW subsidies) with each year's median (P50) cash flow available for debt
service, under the scenario's finance terms. The yearly P90s add up to more than the P90
of the total: a deliberately conservative case.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pathway.errors import Problem, ScenarioError
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
from pathway.scenario.loader import LoadedScenario
from pathway.scenario.schema import Distribution, Uncertainty

PCTS = (10, 50, 90)


def _uniforms(seed: int, path: str, n: int) -> np.ndarray:
    ss = np.random.SeedSequence([int(seed), zlib.crc32(path.encode("utf-8"))])
    return np.random.default_rng(ss).random(n)


def inverse_cdf(d: Distribution, u: np.ndarray) -> np.ndarray:
    """Values of distribution ``d`` at probabilities ``u`` (see the module doc)."""
    from scipy.special import ndtr, ndtri

    u = np.asarray(u, dtype=float)
    if d.dist == "uniform":
        return d.low + u * (d.high - d.low)
    if d.dist == "triangular":
        lo, mo, hi = d.low, d.mode, d.high
        fc = (mo - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (mo - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mo))
        return np.where(u < fc, left, right)
    if d.dist == "normal":
        a = ndtr((d.low - d.mean) / d.sd) if d.low is not None else 0.0
        b = ndtr((d.high - d.mean) / d.sd) if d.high is not None else 1.0
        q = np.clip(a + u * (b - a), 1e-15, 1 - 1e-15)
        x = d.mean + d.sd * ndtri(q)
        if d.low is not None:
            x = np.maximum(x, d.low)
        if d.high is not None:
            x = np.minimum(x, d.high)
        return x
    if d.dist == "lognormal":
        return d.median * np.exp(d.sigma * ndtri(np.clip(u, 1e-15, 1 - 1e-15)))
    raise ValueError(f"unknown distribution {d.dist!r}")


def draw_samples(unc: Uncertainty, n: int, seed: int | None = None) -> pd.DataFrame:
    """``n`` samples (rows) of every uncertain parameter (columns, dotted paths)."""
    seed = unc.seed if seed is None else seed
    cols = {}
    for path, d in unc.parameters.items():
        x = inverse_cdf(d, _uniforms(seed, path, n))
        if check_path(path) == "int":
            x = np.rint(x).astype(int)
        cols[path] = x
    df = pd.DataFrame(cols)
    df.index.name = "sample"
    return df


@dataclass
class MonteCarloPlan:
    path: str
    seed: int
    samples: pd.DataFrame
    specs: list[RunSpec]
    fixed: dict
    base: LoadedScenario

    @property
    def n(self) -> int:
        return len(self.samples)


def plan_montecarlo(path: str | Path, n: int | None = None, seed: int | None = None,
                    fixed: dict | None = None) -> MonteCarloPlan:
    """Samples and run specs. ``fixed`` ({dotted path: value}) applies to every sample
    (e.g. ``time.representative_days``). Raises ScenarioError if the scenario has no
    uncertainty block or is invalid."""
    base = load_scenario(path)
    unc = base.scenario.uncertainty
    if unc is None:
        raise ScenarioError([Problem(str(base.path), "uncertainty",
                                     "no uncertainty block: add one, e.g. uncertainty: {seed: 42, parameters: "
                                     "{prices.gec_cny_per_mwh: {dist: triangular, low: 1, mode: 5, high: 11}}}")])
    n = n or unc.samples
    if not n or n < 1:
        raise ScenarioError([Problem(str(base.path), "uncertainty.samples",
                                     "how many samples? give --samples N or uncertainty.samples")])
    seed = unc.seed if seed is None else seed
    fixed = dict(fixed or {})
    for p in fixed:
        check_path(p)
    draws = draw_samples(unc, n, seed)
    specs = []
    for i, row in enumerate(draws.itertuples(index=False)):
        values = {p: (v.item() if hasattr(v, "item") else v) for p, v in zip(draws.columns, row)}
        ov = overrides_for(base.data, {**fixed, **values})
        specs.append(RunSpec(str(path), ov, f"sample{i:04d}", values))
    return MonteCarloPlan(str(path), seed, draws, specs, fixed, base)


def _pct(x) -> dict:
    x = np.asarray([v for v in x if v is not None and np.isfinite(v)], dtype=float)
    if x.size == 0:
        return {"p10": None, "p50": None, "p90": None, "mean": None, "n": 0}
    p = np.percentile(x, PCTS)
    return {"p10": float(p[0]), "p50": float(p[1]), "p90": float(p[2]), "mean": float(x.mean()), "n": int(x.size)}


def summarise(records: list[RunRecord]) -> tuple[pd.DataFrame, dict]:
    """Percentile table (quantity, year, p10, p50, p90, mean, n) and the outcome counts
    with the probability that the target is met."""
    ok = [r for r in records if r.ok]
    years = years_of(records)
    rows = []

    def add(q: str, year, vals) -> None:
        rows.append({"quantity": q, "year": year, **_pct(vals)})

    add("total_cost_npv_cny", None, [r.summary["total_cost_npv_cny"] for r in ok])
    cum = {r.index: np.cumsum([(r.summary.get("capex_by_year_cny") or {}).get(str(y)) or 0.0 for y in years]) for r in ok}
    add("capex_total_cny", None, [r.summary["capex_total_cny"] for r in ok])
    add("loan_debt_cny", None, [(r.summary.get("loan") or {}).get("debt_cny") for r in ok])
    for q, key in (("capex_cny", "capex_by_year_cny"), ("emissions_t", "emissions_t"), ("offsets_t", "offsets_t"),
                   ("marginal_abatement_cost_cny_per_t", "marginal_abatement_cost_cny_per_t")):
        for y in years:
            add(q, y, [(r.summary.get(key) or {}).get(str(y)) for r in ok])
    for j, y in enumerate(years):
        add("capex_cumulative_cny", y, [c[j] for c in cum.values()])
    met = sum(1 for r in ok if r.summary.get("target_met"))
    infeasible = sum(1 for r in records if r.status == "infeasible")
    decided = len(ok) + infeasible
    outcome = {"samples": len(records), "solved": len(ok), "infeasible": infeasible,
               "failed": len(records) - decided, "target_met": met,
               "p_target_met": met / decided if decided else None}
    df = pd.DataFrame(rows, columns=["quantity", "year", "p10", "p50", "p90", "mean", "n"])
    df["year"] = df["year"].astype("Int64")
    return df, outcome


def p90_loan(plan: MonteCarloPlan, records: list[RunRecord]) -> tuple[dict | None, pd.DataFrame | None]:
    """Loan sized on each year's P90 net capex with the median CFADS (finance.size_loan);
    (None, None) with a reason in the dict when the scenario has no finance block."""
    from pathway.finance import resolve_terms, size_loan

    fin = plan.base.scenario.finance
    if fin is None:
        return {"note": "no finance block in the scenario: no loan sized"}, None
    ok = [r for r in records if r.ok and r.tables and "finance" in r.tables]
    if not ok:
        return {"note": "no solved sample with finance tables"}, None
    frames = []
    for r in ok:
        tot = r.tables["finance"].query("lever == 'total'")[["year", "capex_cny", "cfads_cny"]].copy()
        sub = r.tables["capex"].groupby("year").subsidy_cny.sum()
        tot["net_capex_cny"] = tot.capex_cny - tot.year.map(sub).fillna(0.0)
        tot["sample"] = r.index
        frames.append(tot)
    df = pd.concat(frames, ignore_index=True)
    net = df.pivot_table(index="sample", columns="year", values="net_capex_cny", aggfunc="sum")
    cf = df.pivot_table(index="sample", columns="year", values="cfads_cny", aggfunc="sum")
    years = [int(y) for y in net.columns]
    net_p90 = np.nanpercentile(net.fillna(0.0).to_numpy(), 90, axis=0)
    net_p50 = np.nanpercentile(net.fillna(0.0).to_numpy(), 50, axis=0)
    cf_p50 = np.nanpercentile(cf.to_numpy(), 50, axis=0)
    horizon_end = max(int(y) for r in ok for y in r.summary["emissions_t"])
    terms = resolve_terms(fin)
    out: dict = {"basis": "each year's P90 net capex (capex - per-kW subsidies) with each year's median CFADS; "
                          "scenario finance terms (flat rate, no SLL margin)"}
    try:
        lp90 = size_loan(years, net_p90, cf_p50, terms, horizon_end=horizon_end)
        lp50 = size_loan(years, net_p50, cf_p50, terms, horizon_end=horizon_end)
    except ValueError as exc:
        return {"note": f"loan not sized: {exc}"}, None
    out.update(debt_cny=lp90.debt_cny, binding=lp90.binding, reason=lp90.reason, equity_cny=lp90.equity_cny,
               total_net_capex_cny=lp90.total_net_capex_cny, min_dscr=lp90.min_dscr,
               p50_capex_debt_cny=lp50.debt_cny, first_drawdown_year=lp90.first_year, final_year=lp90.final_year)
    by_year = pd.DataFrame({"year": years, "net_capex_p50_cny": net_p50, "net_capex_p90_cny": net_p90,
                            "cfads_p50_cny": cf_p50})
    sched = lp90.schedule.copy()
    last = max([horizon_end, *(sched.year.tolist() if len(sched) else [])])
    return out, by_year[by_year.year <= last].merge(sched, on="year", how="left")


def fan_figure(pct: pd.DataFrame, quantity: str, title: str, unit_label: str, scale: float = 1.0,
               ceiling: dict | None = None, bars: bool = False, lang: str = "en") -> go.Figure:
    """A fan chart: the P10-P90 band shaded, the P50 line (bars for capex), by year."""
    d = pct[pct.quantity == quantity].dropna(subset=["p50"]).sort_values("year")
    fig = go.Figure()
    x = d.year.astype(int)
    fig.add_trace(go.Scatter(x=x, y=d.p90 / scale, mode="lines", line_width=0, showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=d.p10 / scale, mode="lines", line_width=0, fill="tonexty",
                             fillcolor="rgba(21,101,192,0.22)", name="P10–P90", hoverinfo="skip"))
    hover = "%{x}<br>P50 %{y:,.2f}<br>P10 %{customdata[0]:,.2f}<br>P90 %{customdata[1]:,.2f}<extra></extra>"
    cd = np.column_stack([d.p10 / scale, d.p90 / scale]) if len(d) else None
    if bars:
        fig.add_trace(go.Bar(x=x, y=d.p50 / scale, name="P50", marker_color="rgba(21,101,192,0.55)", customdata=cd,
                             hovertemplate=hover))
        fig.add_trace(go.Scatter(x=x, y=d.p90 / scale, mode="markers", marker_symbol="line-ew-open", marker_size=18,
                                 marker_color="#ef6c00", name="P90", hovertemplate="%{x}: P90 %{y:,.2f}<extra></extra>"))
    else:
        fig.add_trace(go.Scatter(x=x, y=d.p50 / scale, mode="lines+markers", line_color="#1565c0", name="P50",
                                 customdata=cd, hovertemplate=hover))
    if ceiling:
        ys = sorted(int(y) for y in ceiling if ceiling[y] is not None)
        fig.add_trace(go.Scatter(x=ys, y=[ceiling[str(y)] / scale for y in ys], mode="lines", line_dash="dash",
                                 line_color="#d32f2f", name=msg("pages", "ceiling", lang)))
    fig.update_layout(title=title, xaxis_title=msg("pages", "ax_year", lang), yaxis_title=unit_label, template="plotly_white", height=420,
                      legend_orientation="h")
    fig.update_xaxes(dtick=1)
    return fig


def capex_figure(pct: pd.DataFrame, lang: str = "en") -> go.Figure:
    """Capex fan: the cumulative capex P10-P90 band and P50 line, with each year's capex as
    P50 bars and P10-P90 whiskers. Million CNY."""
    fig = fan_figure(pct, "capex_cumulative_cny", msg("pages", "capex_fan_title", lang), msg("pages", "million_cny", lang),
                     1e6, lang=lang)
    d = pct[pct.quantity == "capex_cny"].dropna(subset=["p50"]).sort_values("year")
    fig.add_trace(go.Bar(x=d.year.astype(int), y=d.p50 / 1e6, name=msg("pages", "capex_year_bar", lang),
                         marker_color="rgba(239,108,0,0.6)",
                         error_y=dict(type="data", symmetric=False, array=(d.p90 - d.p50) / 1e6,
                                      arrayminus=(d.p50 - d.p10) / 1e6, color="#bf360c"),
                         customdata=np.column_stack([d.p10 / 1e6, d.p90 / 1e6]) if len(d) else None,
                         hovertemplate="%{x}: P50 %{y:,.2f}, P10 %{customdata[0]:,.2f}, P90 %{customdata[1]:,.2f} M CNY<extra></extra>"))
    return fig


def cost_figure(records: list[RunRecord], lang: str = "en") -> go.Figure:
    """Histogram of the total discounted cost of the solved samples, P10/P50/P90 marked."""
    v = np.array([r.summary["total_cost_npv_cny"] / 1e6 for r in records if r.ok])
    fig = go.Figure(go.Histogram(x=v, nbinsx=min(40, max(5, len(v) // 3)), marker_color="#1565c0",
                                  name=msg("pages", "samples", lang)))
    if len(v):
        for q, colour in zip(np.percentile(v, PCTS), ("#2e7d32", "#263238", "#ef6c00")):
            fig.add_vline(x=float(q), line_dash="dash", line_color=colour)
        for name, q in zip(("P10", "P50", "P90"), np.percentile(v, PCTS)):
            fig.add_annotation(x=float(q), y=1.02, yref="paper", text=f"{name} {q:,.1f}", showarrow=False)
    fig.update_layout(title=msg("pages", "cost_title", lang), xaxis_title=msg("pages", "cost_axis", lang),
                      yaxis_title=msg("pages", "samples", lang), template="plotly_white", height=380, showlegend=False)
    return fig


def write_montecarlo(plan: MonteCarloPlan, res: BatchResult, out_dir: str | Path, lang: str = "en") -> dict:
    """Write samples, percentiles, loan, workbook, fan-chart page, audit trail, manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    years = years_of(res.records)
    samples = pd.DataFrame([record_row(r, years) for r in res.records])
    samples["target_year"] = samples["target_year"].astype("Int64")
    pct, outcome = summarise(res.records)
    loan, loan_years = p90_loan(plan, res.records)
    saving = persistent_saving(res)
    samples.to_csv(out / "samples.csv", index=False)
    pct.to_csv(out / "percentiles.csv", index=False)
    if loan_years is not None:
        loan_years.to_csv(out / "loan_p90.csv", index=False)
    timing_table(res).to_csv(out / "timings.csv", index=False)
    write_runs_jsonl(res.records, out / "runs.jsonl")
    unc = plan.base.scenario.uncertainty
    dists = pd.DataFrame([{"parameter": p, **d.model_dump(exclude_none=True),
                           "engine": "persistent re-solve" if (res.persistent and is_mutable(p)) else "full rebuild"}
                          for p, d in unc.parameters.items()])
    notes = [f"seed {plan.seed}, {plan.n} samples, parameters drawn independently (inverse CDF, one stream per parameter)",
             "percentiles over solved samples; P(target met) over samples solved or proven unreachable",
             *(f"fixed: {p} = {v}" for p, v in plan.fixed.items())]
    if res.persistent and not all(is_mutable(p) for p in unc.parameters):
        notes.append("full rebuild for: " + ", ".join(p for p in unc.parameters if not is_mutable(p))
                     + " (these fields change the model; only prices, capex/subsidies and finance terms re-solve)")
    if saving:
        notes.append(f"measured: re-solves {saving['resolve_median_s']:.2f} s per run (median) against "
                     f"{saving['first_run_median_s']:.2f} s for runs that built the model ({saving['saving_share']:.0%} less)")
    sheets = {"percentiles": pct, "samples": samples, "distributions": dists,
              "outcome": pd.DataFrame([outcome]), "about": pd.DataFrame({"note": notes})}
    if loan_years is not None:
        sheets["loan_p90"] = loan_years
    write_sheets(out / "montecarlo.xlsx", sheets)
    def m(key: str, **fields) -> str:
        return msg("pages", key, lang, **fields)

    def why(lo: dict) -> str:  # the loan's reason: computed English text; the catalogue's line on Chinese pages
        if lang == "en" or "binding" not in lo:
            return str(lo.get("reason", ""))
        return msg("finance", f"why_{lo['binding']}", lang)

    page = Page(f"{m('mc_title')}: {Path(plan.path).stem}", lang=lang,
                meta=[m("meta_scenario", path=plan.path), m("meta_seed", seed=plan.seed), m("n_samples", n=plan.n)])
    cost = pct[pct.quantity == "total_cost_npv_cny"].iloc[0]
    ptm = outcome["p_target_met"]
    page.kpis([
        (m("kpi_p_target"), "–" if ptm is None else f"{ptm:.0%}", "",
         m("of_samples", a=outcome["target_met"], b=outcome["solved"] + outcome["infeasible"])),
        (m("kpi_cost_p50"), "–" if cost.p50 is None else f"{cost.p50 / 1e6:,.1f}", "M CNY",
         "–" if cost.p10 is None else f"P10 {cost.p10 / 1e6:,.1f} · P90 {cost.p90 / 1e6:,.1f}"),
        (m("kpi_loan_p90"), f"{loan['debt_cny'] / 1e6:,.1f}" if loan and "debt_cny" in loan else "–", "M CNY",
         (loan or {}).get("binding", (loan or {}).get("note", "")) if lang == "en" or not loan or "binding" not in loan
         else why(loan)),
        (m("kpi_failed"), f"{outcome['failed']}", "", m("sub_failed")),
    ])
    base_ceiling = next((r.summary.get("ceiling_t") for r in res.records if r.ok), None)
    page.section(m("sec_emissions"), m("cap_mc_emissions"),
                 figure=fan_figure(pct, "emissions_t", m("fan_emissions_title"), m("unit_tco2_yr"), ceiling=base_ceiling,
                                   lang=lang), chart_id="fan-emissions")
    page.section(m("sec_capex"), m("cap_mc_capex"), figure=capex_figure(pct, lang), chart_id="fan-capex")
    page.section(m("sec_cost"), m("cap_mc_cost"), figure=cost_figure(res.records, lang), chart_id="cost")
    if loan_years is not None:
        basis = m("loan_basis") if loan.get("basis") == msg("pages", "loan_basis") else loan.get("basis", "")
        page.section(m("sec_loan_p90"), basis + ("。" if lang == "zh" else ". ") + why(loan), table=loan_years,
                     formats={c: ",.0f" for c in loan_years.columns if c.endswith("_cny")})
    page.section(m("sec_percentiles"), "; ".join(notes), table=pct, formats={"p10": ",.1f", "p50": ",.1f", "p90": ",.1f",
                                                                              "mean": ",.1f", "n": ",.0f"})
    page.write(out / "montecarlo.html")
    manifest = {"command": "montecarlo", "scenario": plan.path, "seed": plan.seed, "samples": plan.n,
                "parameters": list(unc.parameters), "fixed": plan.fixed, "outcome": outcome,
                "cost": {k: cost[k] for k in ("p10", "p50", "p90", "mean")}, "loan_p90_capex": loan,
                "executor": res.executor, "workers": res.workers, "wall_s": res.wall_s, "cached": res.n_cached,
                "solved": res.n_run, "persistent": res.persistent, "persistent_saving": saving, "notes": notes,
                "summary": wall_summary(res)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    return manifest


def run_montecarlo(plan: MonteCarloPlan, out_dir: str | Path | None, opts=None, *, persistent: bool = True,
                   **batch_kw) -> BatchResult:
    """Run the plan's samples (``batch.run_batch``)."""
    return run_batch(plan.specs, out_dir, opts, persistent=persistent, **batch_kw)
