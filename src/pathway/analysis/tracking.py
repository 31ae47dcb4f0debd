"""Plan vs actual (控碳): metered monthly data against the plan's monthly path, pandas only.

Reads a run's tables (``pathway``, ``emissions``, ``dispatch``, ``assumptions``) and an
actuals CSV (format in ``ACTUALS_COLUMNS`` and the README, "Tracking a plan"). Every
figure is in tCO2 unless its name says otherwise.

**The plan's monthly path.** A run has representative days (or all 365 days), each with a
weight in days and a calendar day that stands for it (``dispatch.day_of_year``). The
periods are laid along the calendar in the order of their representative day, each covering
as many consecutive days as its weight (hourly mode: every day is itself, so the layout is
exact; representative days: an approximation that keeps the weights and the seasons).
Quantities the plan has per hour (grid import, on-site PV used) are split into months by
that layout; green power and certificates in proportion to the grid import they cover;
yearly quantities (output, fuels and process CO2, offsets) by days of the month (365-day
year). The monthly emissions then sum
to the plan's yearly emissions exactly, and the yearly ceiling is split in proportion to
the plan's own monthly emissions under the scenario's scope-2 method (by days when the
plan's year is zero).

**Emissions.** For either scope-2 method ``E = S + (U - Z) f`` with ``S`` the emissions
that do not depend on the method (fuels, process, purchased heat, minus CCUS capture),
``U`` the electricity used (grid import + on-site PV used + direct line), ``Z`` the
zero-carbon electricity (location: on-site PV + direct line; market: also green power and
certificates, together at most the grid import), ``f`` the grid factor.

**Variance decomposition** (per month, then summed; sequential, so the four parts sum
exactly to actual - plan):
  ``E1 = (Q_a/Q_p) E_p``                              activity      = E1 - E_p
  ``E2 = S_a + (U_a - (Q_a/Q_p) Z_p) f_p``           intensity     = E2 - E1
  ``E3 = S_a + (U_a - Z_a) f_p``                      late levers   = E3 - E2
  ``E4 = S_a + (U_a - Z_a) f_a = E_a``                grid factor   = E4 - E3
with ``Q`` the output, ``_p`` plan and ``_a`` actual. Activity is the plan's emissions
scaled to the actual output; intensity the change in fuel and electricity use per unit of
output (an efficiency measure built late shows here); late levers the zero-carbon
electricity the plan counted on (scaled to the actual output) that did not arrive; grid
factor the published factor's difference from the plan's (zero when the actuals give none).

**Year-end projection at the current run rate**, seasonally adjusted by the plan's own
profile: ``projected = actual_to_date / (plan_to_date / plan_year)``; the projected net
emissions are that minus the offsets retired to date, and a warning is raised when they
exceed the year's ceiling (or the net emissions to date already do).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pathway.errors import Problem, ScenarioError
from pathway.reference.factors import default_fuel_factor, fuel_factors

MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)  # 365-day year, as the model
MONTH_START = np.concatenate([[0.0], np.cumsum(MONTH_DAYS)])
METHODS = ("location", "market")
PARTS = ("activity_t", "intensity_t", "late_levers_t", "grid_factor_t")
REL_TOL = 1e-9


def _fuel_columns() -> dict[str, tuple[str, float]]:
    """``<fuel>_<unit>`` column -> (fuel, tCO2 per unit), from the bundled GB/T 32150 factors."""
    cols = {}
    for fuel, row in fuel_factors().iterrows():
        cols[f"{fuel}_{str(row['unit']).lower()}"] = (str(fuel), default_fuel_factor(str(fuel)).value)
    return cols


def actuals_columns() -> dict[str, str]:
    """Every column an actuals CSV may have, with its meaning (README table)."""
    cols = {
        "month": "YYYY-MM (required); each year's months from January on, without gaps",
        "output": "production in the scenario's output unit (required)",
        "grid_mwh": "electricity metered from the grid, green power bought through the grid included (required)",
        "pv_mwh": "on-site PV used on site (exports excluded)",
        "green_ppa_mwh": "green power (绿电交易) delivered in the month, part of grid_mwh",
        "direct_line_mwh": "electricity from a direct green-power line (绿电直连), metered separately from the grid",
        "certificates_mwh": "green certificates (GEC) retired for the month's consumption",
        "offsets_t": "offsets and removals retired (CCER etc.), tCO2",
        "process_co2_t": "process CO2, tCO2 (required when the plan has process emissions)",
        "ccus_captured_t": "CO2 captured and stored, tCO2",
        "grid_factor_location_t_per_mwh": "published location-based grid factor (blank: the plan's)",
        "grid_factor_market_t_per_mwh": "market-based residual grid factor (blank: the plan's)",
    }
    for col, (fuel, ef) in _fuel_columns().items():
        cols[col] = f"{fuel} used, {col.rsplit('_', 1)[1]} (GB/T 32150 default {ef:.5g} tCO2 per unit)"
    return cols


REQUIRED = ("month", "output", "grid_mwh")
FACTOR_COLUMNS = ("grid_factor_location_t_per_mwh", "grid_factor_market_t_per_mwh")


def read_actuals(path: str | Path, needs_process: bool = False) -> pd.DataFrame:
    """The actuals CSV as floats, one row per month sorted by month, with ``year`` and
    ``month`` (1-12) columns; missing optional quantities are 0, missing grid factors NaN.
    Every problem is reported at once (ScenarioError, exit 2) with file, row, column,
    what was expected and what was given."""
    path = Path(path)
    name = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise ScenarioError([Problem(name, "", "file not found")]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(name, "", f"expected a CSV file with a header row, given unreadable text ({exc})")]) from None
    known = actuals_columns()
    problems: list[Problem] = []
    raw.columns = [str(c).strip() for c in raw.columns]
    for c in raw.columns:
        if c not in known:
            problems.append(Problem(name, c, f"unknown column; expected one of {', '.join(known)}"))
    for c in REQUIRED:
        if c not in raw.columns:
            problems.append(Problem(name, c, "required column missing"))
    if needs_process and "process_co2_t" not in raw.columns:
        problems.append(Problem(name, "process_co2_t", "required column missing: the plan has process emissions"))
    if raw.empty and not problems:
        problems.append(Problem(name, "", "expected at least one month of data, given none"))
    if problems:
        raise ScenarioError(problems)
    out = pd.DataFrame(index=raw.index)
    years, months = [], []
    for i, v in enumerate(raw["month"]):
        line = i + 2
        mt = re.fullmatch(r"(\d{4})-(\d{2})", v.strip())
        if not mt or not 1 <= int(mt.group(2)) <= 12:
            problems.append(Problem(name, "month", f"row {line}: expected YYYY-MM, given {v!r}", line))
            years.append(0)
            months.append(0)
        else:
            years.append(int(mt.group(1)))
            months.append(int(mt.group(2)))
    out["year"] = years
    out["month"] = months
    for c in known:
        if c == "month":
            continue
        if c not in raw.columns:
            out[c] = np.nan if c in FACTOR_COLUMNS else 0.0
            continue
        vals = []
        for i, v in enumerate(raw[c]):
            line = i + 2
            s = v.strip()
            if s == "" and c in FACTOR_COLUMNS:
                vals.append(np.nan)
                continue
            if s == "" and c not in REQUIRED:
                vals.append(0.0)
                continue
            try:
                x = float(s)
            except ValueError:
                x = math.nan
            if not math.isfinite(x) or x < 0:
                problems.append(Problem(name, c, f"row {line}: expected a finite number >= 0, given {v!r}", line))
                x = 0.0
            vals.append(x)
        out[c] = vals
    if not problems:
        keys = list(zip(out.year, out.month))
        seen: set = set()
        for i, k in enumerate(keys):
            if k in seen:
                problems.append(Problem(name, "month", f"row {i + 2}: expected each month once, given {k[0]}-{k[1]:02d} again", i + 2))
            seen.add(k)
        for y in sorted({k[0] for k in keys}):
            ms = sorted(m for yy, m in keys if yy == y)
            if ms != list(range(1, len(ms) + 1)):
                problems.append(Problem(name, "month", f"expected the months of {y} from January on without gaps, given "
                                        + ", ".join(f"{y}-{m:02d}" for m in ms)))
    if problems:
        raise ScenarioError(problems)
    return out.sort_values(["year", "month"]).reset_index(drop=True)


# ---- the plan's months ------------------------------------------------------------------

def month_overlap_days(day_of_period: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(P, 12) days of each month that each period covers, laying the periods along the
    calendar in the order of their representative day, each over ``weight`` days."""
    order = np.argsort(np.asarray(day_of_period), kind="stable")
    w = np.asarray(weights, float)
    ends = np.cumsum(w[order])
    starts = ends - w[order]
    ov = np.zeros((len(w), 12))
    for j, p in enumerate(order):
        ov[p] = np.clip(np.minimum(ends[j], MONTH_START[1:]) - np.maximum(starts[j], MONTH_START[:-1]), 0.0, None)
    return ov


def _assumption(assumptions: pd.DataFrame, item: str, years: list[int]) -> np.ndarray:
    sel = assumptions[assumptions["item"] == item]
    s = pd.Series(pd.to_numeric(sel["value"]).to_numpy(), index=sel["year"].astype(int))
    return np.array([float(s.get(y, np.nan)) for y in years])


def plan_months(tables: dict[str, pd.DataFrame], scope2_method: str) -> pd.DataFrame:
    """One row per (plan year, month): output, S (method-independent emissions), grid import,
    PV used, green power + certificates, offsets, grid factors, the plan's emissions under
    both methods and the month's share of the yearly ceiling."""
    pw = tables["pathway"].set_index("year")
    years = [int(y) for y in pw.index]
    em = tables["emissions"]
    s_year = em[em["method"] == "both"].groupby("year")["emissions_t"].sum().reindex(years).fillna(0.0).to_numpy()
    f_loc = _assumption(tables["assumptions"], "grid factor (location) tCO2/MWh", years)
    f_mkt = _assumption(tables["assumptions"], "grid factor (market) tCO2/MWh", years)
    imp_y = pw["grid_import_mwh"].to_numpy(float)
    pv_y = pw["electricity_use_mwh"].to_numpy(float) - imp_y
    mkt_grid = em[em["method"] == "market"].groupby("year")["emissions_t"].sum().reindex(years).fillna(0.0).to_numpy()
    covered_y = np.where(f_mkt > 0, imp_y - np.divide(mkt_grid, f_mkt, out=np.zeros_like(imp_y), where=f_mkt > 0), 0.0)
    d = tables["dispatch"]
    has_dl = "direct_line_mwh" in d.columns
    dl_y = (d.assign(e=d["direct_line_mwh"] * d["weight_days"]).groupby("year")["e"].sum().reindex(years).fillna(0.0).to_numpy()
            if has_dl else np.zeros(len(years)))
    pv_y = pv_y - dl_y  # electricity_use_mwh = import + PV used + direct line
    rows = []
    for i, y in enumerate(years):
        dy = d[d["year"] == y]
        per = dy.assign(dl=dy["direct_line_mwh"] if has_dl else 0.0).groupby("period").agg(
            weight=("weight_days", "first"), day=("day_of_year", "first"), imp=("grid_import_mwh", "sum"),
            pv=("pv_mwh", "sum"), exp=("pv_export_mwh", "sum"), dl=("dl", "sum"))
        ov = month_overlap_days(per["day"].to_numpy(), per["weight"].to_numpy())
        imp_m = ov.T @ per["imp"].to_numpy()
        pv_m = ov.T @ (per["pv"] - per["exp"]).to_numpy()
        dl_m = ov.T @ per["dl"].to_numpy()
        # sum(ov[p]) = weight[p], so the months already sum to the year; the rescale only
        # removes the rounding of the CSV round trip (pathway table vs dispatch table)
        imp_m = imp_m * (imp_y[i] / imp_m.sum()) if imp_m.sum() > 0 else MONTH_DAYS / 365 * imp_y[i]
        pv_m = pv_m * (pv_y[i] / pv_m.sum()) if pv_m.sum() > 0 else MONTH_DAYS / 365 * pv_y[i]
        share = MONTH_DAYS / 365.0
        for m in range(12):
            rows.append(dict(year=y, month=m + 1, days=MONTH_DAYS[m], output=pw.loc[y, "output"] * share[m],
                             s_t=s_year[i] * share[m], grid_mwh=imp_m[m], pv_mwh=pv_m[m], direct_line_mwh=dl_m[m],
                             covered_mwh=covered_y[i] * imp_m[m] / imp_y[i] if imp_y[i] > 0 else 0.0, offsets_t=pw.loc[y, "offsets_t"] * share[m],
                             f_location=f_loc[i], f_market=f_mkt[i]))
    pm = pd.DataFrame(rows)
    e_loc, e_mkt = _emissions(pm["s_t"], pm["grid_mwh"], pm["pv_mwh"], pm["direct_line_mwh"], pm["covered_mwh"],
                              pm["f_location"], pm["f_market"])
    pm["emissions_location_t"] = e_loc
    pm["emissions_market_t"] = e_mkt
    target = pm[f"emissions_{scope2_method}_t"]
    total = target.groupby(pm["year"]).transform("sum")
    pm["profile_share"] = np.where(total > 0, target / total.where(total > 0, 1.0), pm["days"] / 365.0)
    ceiling = pw["ceiling_t"].reindex(pm["year"]).to_numpy(float)
    pm["ceiling_t"] = ceiling * pm["profile_share"].to_numpy()
    return pm


def _emissions(s, grid, pv, dl, covered, f_loc, f_mkt):
    """``E = S + (U - Z) f`` under both methods; covered is capped at the grid import."""
    e_loc = s + grid * f_loc
    e_mkt = s + (grid - np.minimum(covered, grid)) * f_mkt
    return e_loc, e_mkt


# ---- actuals against the plan ------------------------------------------------------------

def actual_quantities(act: pd.DataFrame) -> pd.DataFrame:
    """S (fuels, purchased heat, process, minus capture), U, Z by method, per actual month."""
    s = act["process_co2_t"] - act["ccus_captured_t"]
    for col, (_fuel, ef) in _fuel_columns().items():
        s = s + act[col] * ef
    q = pd.DataFrame({"year": act["year"], "month": act["month"], "output": act["output"], "s_t": s,
                      "grid_mwh": act["grid_mwh"], "pv_mwh": act["pv_mwh"], "direct_line_mwh": act["direct_line_mwh"],
                      "covered_mwh": act["green_ppa_mwh"] + act["certificates_mwh"], "offsets_t": act["offsets_t"],
                      "f_location_actual": act["grid_factor_location_t_per_mwh"],
                      "f_market_actual": act["grid_factor_market_t_per_mwh"]})
    return q


def decompose(q_p, s_p, u_p, z_p, f_p, q_a, s_a, u_a, z_a, f_a) -> dict[str, float]:
    """The four parts of actual - plan (module docstring); they sum to it exactly."""
    e_p = s_p + (u_p - z_p) * f_p
    e_a = s_a + (u_a - z_a) * f_a
    r = q_a / q_p if q_p > 0 else 1.0
    e1 = r * e_p
    e2 = s_a + (u_a - r * z_p) * f_p
    e3 = s_a + (u_a - z_a) * f_p
    return {"plan_t": e_p, "actual_t": e_a, "variance_t": e_a - e_p, "activity_t": e1 - e_p, "intensity_t": e2 - e1,
            "late_levers_t": e3 - e2, "grid_factor_t": e_a - e3}


@dataclass
class Tracking:
    """The tables ``pathway track`` writes and the warnings it prints."""

    monthly: pd.DataFrame  # year, month, method, plan/actual/variance + parts, ceiling, net
    summary: pd.DataFrame  # year, method: to date, projection, ceiling, warning
    warnings: list[str] = field(default_factory=list)


def track(tables: dict[str, pd.DataFrame], scope2_method: str, act: pd.DataFrame, actuals_name: str = "actuals") -> Tracking:
    """Actual emissions under both methods against the plan's monthly path, the variance
    decomposition, and the year-end projection with its warning."""
    pm = plan_months(tables, scope2_method).set_index(["year", "month"])
    plan_years = sorted({y for y, _ in pm.index})
    outside = sorted(set(act["year"]) - set(plan_years))
    if outside:
        raise ScenarioError([Problem(actuals_name, "month", f"expected months of the plan's years {plan_years[0]}-{plan_years[-1]}, "
                                     f"given {', '.join(map(str, outside))}")])
    qa = actual_quantities(act)
    rows = []
    for _, a in qa.iterrows():
        y, m = int(a["year"]), int(a["month"])
        p = pm.loc[(y, m)]
        for method in METHODS:
            f_p = float(p[f"f_{method}"])
            f_a = float(a[f"f_{method}_actual"]) if pd.notna(a[f"f_{method}_actual"]) else f_p
            u_p = p["grid_mwh"] + p["pv_mwh"] + p["direct_line_mwh"]
            u_a = a["grid_mwh"] + a["pv_mwh"] + a["direct_line_mwh"]
            z_p = p["pv_mwh"] + p["direct_line_mwh"]
            z_a = a["pv_mwh"] + a["direct_line_mwh"]
            if method == "market":
                z_p += min(p["covered_mwh"], p["grid_mwh"])
                z_a += min(a["covered_mwh"], a["grid_mwh"])
            parts = decompose(p["output"], p["s_t"], u_p, z_p, f_p, a["output"], a["s_t"], u_a, z_a, f_a)
            is_target = method == scope2_method
            rows.append(dict(year=y, month=m, method=method, plan_output=p["output"], actual_output=a["output"], **parts,
                             plan_ceiling_t=p["ceiling_t"] if is_target else np.nan,
                             offsets_retired_t=a["offsets_t"],
                             actual_net_t=parts["actual_t"] - a["offsets_t"]))
    monthly = pd.DataFrame(rows)
    summary_rows, warnings = [], []
    for (y, method), g in monthly.groupby(["year", "method"], sort=True):
        plan_year = float(pm.loc[y][f"emissions_{method}_t"].sum())
        n = len(g)
        plan_ytd = float(g["plan_t"].sum())
        actual_ytd = float(g["actual_t"].sum())
        share = plan_ytd / plan_year if plan_year > 0 else float(MONTH_DAYS[:n].sum() / 365.0)
        projected = actual_ytd / share if share > 0 else np.nan
        offsets = float(g["offsets_retired_t"].sum())
        is_target = method == scope2_method
        ceiling = float(tables["pathway"].set_index("year").loc[y, "ceiling_t"]) if is_target else np.nan
        ceiling_ytd = float(g["plan_ceiling_t"].sum()) if is_target else np.nan
        net_ytd = actual_ytd - offsets
        projected_net = projected - offsets
        tol = REL_TOL * max(1.0, abs(ceiling)) if is_target and np.isfinite(ceiling) else 0.0
        warn = bool(is_target and np.isfinite(ceiling) and (projected_net > ceiling + tol or net_ytd > ceiling + tol))
        row = dict(year=int(y), method=method, months_reported=n, plan_to_date_t=plan_ytd, actual_to_date_t=actual_ytd,
                   variance_to_date_t=actual_ytd - plan_ytd, **{k: float(g[k].sum()) for k in PARTS},
                   plan_year_t=plan_year, plan_share_to_date=share, projected_year_t=projected,
                   offsets_retired_to_date_t=offsets, projected_net_t=projected_net, ceiling_t=ceiling,
                   ceiling_to_date_t=ceiling_ytd, net_to_date_t=net_ytd,
                   projected_over_ceiling_t=projected_net - ceiling if is_target else np.nan, warning=warn)
        summary_rows.append(row)
        if warn:
            if net_ytd > ceiling + tol:
                warnings.append(f"{y}: the ceiling of {ceiling:,.0f} t ({method}-based) is already exceeded: "
                                f"net emissions to date {net_ytd:,.0f} t after {n} month(s)")
            else:
                warnings.append(f"{y}: at the current run rate the year ends at {projected_net:,.0f} t net ({method}-based), "
                                f"{projected_net - ceiling:,.0f} t over the ceiling of {ceiling:,.0f} t "
                                f"({n} month(s) reported, {share:.1%} of the plan's year)")
    summary = pd.DataFrame(summary_rows)
    return Tracking(monthly=monthly, summary=summary, warnings=warnings)
