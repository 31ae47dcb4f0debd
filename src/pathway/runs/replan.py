"""``pathway replan``: re-optimise a plan's remaining years from what is already built.

The years with actuals (every year in which the actuals CSV has a month) are history: the
builds of those years are fixed to what was actually built (``BUILT.csv``: technology, year,
build in the capacity table's units; default: the plan's own builds of those years), and
their ceiling, own-reduction and green-share rules are dropped (they can no longer be
changed). The remaining years are re-optimised with everything else as in the plan's
scenario. The comparison tables ``replan_costs`` (cost of each remaining year, plan vs
re-plan, with the change) and ``replan_builds`` (builds of every year, plan vs re-plan) go
into the new run's tables; ``summary['replan']`` holds the remaining discounted totals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pathway.analysis.tracking import read_actuals
from pathway.errors import Problem, ScenarioError
from pathway.output.folder import ReportInputError, load_results


def read_built(path: str | Path, years: list[int], known: set[str]) -> pd.DataFrame:
    """BUILT.csv (technology, year, build): what was actually built in the fixed years."""
    name = str(path)
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise ScenarioError([Problem(name, "", "file not found")]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(name, "", f"expected a CSV with columns technology, year, build ({exc})")]) from None
    problems = [Problem(name, c, "required column missing") for c in ("technology", "year", "build") if c not in df.columns]
    if problems:
        raise ScenarioError(problems)
    for i, r in df.iterrows():
        line = i + 2
        if r["technology"] not in known:
            problems.append(Problem(name, "technology", f"row {line}: expected one of the plan's technologies "
                                    f"{', '.join(sorted(known))}, given {r['technology']!r}", line))
        y = pd.to_numeric(pd.Series([r["year"]]), errors="coerce").iloc[0]
        if pd.isna(y) or int(y) not in years:
            problems.append(Problem(name, "year", f"row {line}: expected a year with actuals ({', '.join(map(str, years))}), "
                                    f"given {r['year']!r}", line))
        b = pd.to_numeric(pd.Series([r["build"]]), errors="coerce").iloc[0]
        if pd.isna(b) or not np.isfinite(b) or b < 0:
            problems.append(Problem(name, "build", f"row {line}: expected a finite number >= 0, given {r['build']!r}", line))
    if problems:
        raise ScenarioError(problems)
    return df.assign(year=df["year"].astype(int), build=df["build"].astype(float))


def fixed_builds(plan_builds: pd.DataFrame, fixed_years: list[int], built: pd.DataFrame | None) -> dict[tuple[str, int], float]:
    """(technology, year) -> build for every technology of the plan in the fixed years: the
    plan's, replaced by BUILT.csv where it has a row."""
    sel = plan_builds[plan_builds["year"].isin(fixed_years)]
    out = {(str(r.technology), int(r.year)): float(r.build) for r in sel.itertuples()}
    if built is not None:
        for r in built.itertuples():
            out[(str(r.technology), int(r.year))] = float(r.build)
    return out


def _builder(fixed: dict[tuple[str, int], float], last_year: int):
    """build(md) -> model with the fixed years' builds fixed and their rules dropped."""
    from pathway.model import build_model

    def build(md):
        md.ceiling_t = {y: c for y, c in md.ceiling_t.items() if y > last_year}
        m = build_model(md)
        for (k, y), b in fixed.items():
            if k == "direct_line":
                m.dl_build[y].fix(b)
            elif k in m.K:
                m.build[k, y].fix(b)
        for name in ("own_reduction", "green_share", "dl_share_of_consumption"):
            con = getattr(m, name, None)
            if con is not None:
                for y in list(con.keys()):
                    if y <= last_year:
                        con[y].deactivate()
        return m

    return build


def comparison_tables(plan: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame], last_year: int) -> dict[str, pd.DataFrame]:
    """replan_costs (remaining years) and replan_builds (all years), plan vs re-plan."""
    def yearly(t):
        c = t["costs"]
        return c.groupby("year")[["cost_cny", "discounted_cost_cny"]].sum()

    p, n = yearly(plan), yearly(new)
    years = [y for y in n.index if y > last_year]
    costs = pd.DataFrame({
        "year": years,
        "plan_cost_cny": [float(p.loc[y, "cost_cny"]) for y in years],
        "replan_cost_cny": [float(n.loc[y, "cost_cny"]) for y in years],
        "plan_discounted_cost_cny": [float(p.loc[y, "discounted_cost_cny"]) for y in years],
        "replan_discounted_cost_cny": [float(n.loc[y, "discounted_cost_cny"]) for y in years],
    })
    costs["change_cny"] = costs["replan_cost_cny"] - costs["plan_cost_cny"]
    costs["discounted_change_cny"] = costs["replan_discounted_cost_cny"] - costs["plan_discounted_cost_cny"]
    b = plan["builds"].merge(new["builds"], on=["technology", "year", "unit"], how="outer", suffixes=("_plan", "_replan"))
    b = b.fillna({"build_plan": 0.0, "build_replan": 0.0})
    b["change"] = b["build_replan"] - b["build_plan"]
    b["fixed"] = b["year"] <= last_year
    builds = b[["technology", "year", "unit", "fixed", "build_plan", "build_replan", "change"]].sort_values(["technology", "year"])
    return {"replan_costs": costs, "replan_builds": builds.reset_index(drop=True)}


def replan(results_dir: str | Path, actuals_csv: str | Path, scenario_file: str | Path, out_dir: str | Path | None,
           built_csv: str | Path | None = None, opts=None, write: bool = True, report: bool = True):
    """Re-plan from the actual state (module docstring). Returns the new RunResult."""
    from pathway.reference.validate import load_scenario
    from pathway.runs.pipeline import run_loaded, write_outputs

    summary, tables = load_results(results_dir)
    if summary.get("status", "optimal") != "optimal" or "builds" not in tables:
        raise ReportInputError(f"{results_dir}: no optimal plan to re-plan (status {summary.get('status')!r})")
    loaded = load_scenario(scenario_file)
    if summary.get("scenario_sha256") and loaded.sha256 != summary["scenario_sha256"]:
        raise ScenarioError([Problem(str(scenario_file), "", "expected the scenario the plan was made from (its sha256 "
                                     f"{summary['scenario_sha256'][:12]}...), given a different one ({loaded.sha256[:12]}...)")])
    act = read_actuals(actuals_csv)
    plan_years = sorted(int(y) for y in tables["pathway"]["year"])
    fixed_years = sorted({int(y) for y in act["year"]})
    outside = [y for y in fixed_years if y not in plan_years]
    if outside:
        raise ScenarioError([Problem(str(actuals_csv), "month", f"expected months of the plan's years {plan_years[0]}-"
                                     f"{plan_years[-1]}, given {', '.join(map(str, outside))}")])
    last = fixed_years[-1]
    if last >= plan_years[-1]:
        raise ScenarioError([Problem(str(actuals_csv), "month", f"expected actuals ending before the plan's last year "
                                     f"{plan_years[-1]} (nothing left to re-plan), given months of {last}")])
    known = set(tables["builds"]["technology"])
    built = read_built(built_csv, fixed_years, known) if built_csv is not None else None
    fixed = fixed_builds(tables["builds"], [y for y in plan_years if y <= last], built)
    result = run_loaded(loaded, opts, build=_builder(fixed, last))
    comp = comparison_tables(tables, result.tables, last)
    result.tables.update(comp)
    c = comp["replan_costs"]
    result.summary["replan"] = {
        "fixed_years": [y for y in plan_years if y <= last],
        "remaining_years": [int(y) for y in c["year"]],
        "plan_remaining_discounted_cost_cny": float(c["plan_discounted_cost_cny"].sum()),
        "replan_remaining_discounted_cost_cny": float(c["replan_discounted_cost_cny"].sum()),
        "remaining_discounted_cost_change_cny": float(c["discounted_change_cny"].sum()),
        "builds_from": "BUILT.csv over the plan's builds" if built is not None else "the plan's builds",
    }
    if write and out_dir is not None:
        write_outputs(result, Path(out_dir), report=report, excel=False)
    return result
