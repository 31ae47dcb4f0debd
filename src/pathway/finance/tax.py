"""Corporate income tax (CIT) on the plan's incremental profit: straight-line tax
depreciation over each asset's tax life and the 10 % special-equipment investment credit.

Ordering, each year y and lever L (CNY of year y; the ordering CFADS follows):

    CFADS_pre  = energy savings + avoided carbon cost - added O&M - purchases
    taxable    = CFADS_pre - depreciation
    tax        = CIT rate x taxable - equipment credit
    CFADS      = CFADS_pre - tax

- The factory is taken to be profitable on its other business, so the plan's tax is
  incremental: a negative taxable amount lowers the factory's tax (tax < 0 is a saving)
  and the credit is used in the year of purchase.
- Interest is not deducted (unlevered tax): CFADS does not depend on the loan it sizes,
  and the interest tax shield is left out, which is conservative for the lender.
- Depreciation basis and credit basis: net capex (capex less fiscal subsidies, which are
  not taxed; 财税〔2008〕48号), no residual value, over data/taxonomy.csv tax_life_years.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from pathway.finance.terms import default_value
from pathway.scenario.schema import Finance
from pathway.technologies import lever_of

TAXONOMY_CSV = Path(__file__).parents[1] / "data" / "taxonomy.csv"


@cache
def taxonomy() -> pd.DataFrame:
    """data/taxonomy.csv: one row per technology key (green-bond catalogue item, PBoC
    facility field, transition catalogue, equipment credit, tax life, source, year)."""
    return pd.read_csv(TAXONOMY_CSV)


@cache
def _tax_terms() -> dict[str, tuple]:
    """technology -> (tax_life_years, equipment_credit) as taxonomy.csv gives them."""
    t = taxonomy()
    if not t["technology"].is_unique:
        raise ValueError("taxonomy.csv: a technology has more than one row")
    return {k: (life, credit) for k, life, credit in zip(t["technology"], t["tax_life_years"], t["equipment_credit"])}


def cit_rate(terms: Finance) -> float:
    """25 % (standard), 15 % (high_tech) or 0 (none), from finance_defaults.csv."""
    return {"standard": default_value("cit_rate_standard"), "high_tech": default_value("cit_rate_high_tech"),
            "none": 0.0}[terms.income_tax]


def depreciation_and_credit(capex: pd.DataFrame, years: list[int], terms: Finance) -> pd.DataFrame:
    """year, lever, depreciation_cny, equipment_credit_cny for ``years``:

        depreciation(y, L) = sum over L's capex rows (technology k, year v) with v <= y < v + T_k
                             of net_capex / T_k            (T_k = tax_life_years)
        credit(y, L)       = share x sum of net_capex of L's rows in year y with equipment_credit
                             (share = 10 %; 0 when income_tax is none)
    """
    rows = _depreciation_and_credit(capex, years, terms)
    return pd.DataFrame([(y, lv, d, c) for (y, lv), (d, c) in rows.items()],
                        columns=["year", "lever", "depreciation_cny", "equipment_credit_cny"])


def _depreciation_and_credit(capex: pd.DataFrame, years: list[int], terms: Finance) -> dict[tuple[int, str], tuple[float, float]]:
    """``depreciation_and_credit`` as {(year, lever): (depreciation, credit)}."""
    tax = _tax_terms()
    share = default_value("equipment_credit_share") if terms.income_tax != "none" else 0.0
    rows: dict[tuple[int, str], tuple[float, float]] = {}
    for tech, v, base in zip(capex.technology, capex.year, capex.net_capex_cny):
        base = float(base)
        if base <= 1e-9:
            continue
        tax_life, credit = tax[tech]
        life = int(tax_life)
        lever = lever_of(tech)
        v = int(v)
        for y in years:
            d, c = rows.get((y, lever), (0.0, 0.0))
            if v <= y < v + life:
                d += base / life
            if y == v and bool(credit):
                c += share * base
            rows[(y, lever)] = (d, c)
    return rows


def tax_arrays(year: np.ndarray, lever: np.ndarray, capex: pd.DataFrame, terms: Finance) -> tuple[np.ndarray, np.ndarray]:
    """(depreciation_cny, equipment_credit_cny) of each row (year, lever) of a cash-flow
    table: ``depreciation_and_credit`` looked up, 0 where it has no row (or NaN), as
    ``apply_tax``'s left merge and fillna give them."""
    dc = _depreciation_and_credit(capex, sorted({int(y) for y in year.tolist()}), terms)
    got = [dc.get(k, (0.0, 0.0)) for k in zip([int(y) for y in year.tolist()], list(lever))]
    dep = np.array([d for d, _ in got], dtype=float).reshape(len(got))
    credit = np.array([c for _, c in got], dtype=float).reshape(len(got))
    return np.where(np.isnan(dep), 0.0, dep), np.where(np.isnan(credit), 0.0, credit)


def apply_tax(df: pd.DataFrame, capex: pd.DataFrame, terms: Finance) -> pd.DataFrame:
    """Add cfads_pre_tax_cny, depreciation_cny, equipment_credit_cny, income_tax_cny and the
    after-tax cfads_cny to a per-lever cash-flow table (module docstring's ordering)."""
    df = df.drop(columns=[c for c in ("depreciation_cny", "equipment_credit_cny") if c in df.columns]).reset_index(drop=True)
    dep, credit = tax_arrays(df.year.to_numpy(), df.lever.to_numpy(), capex, terms)
    df = df.assign(depreciation_cny=dep, equipment_credit_cny=credit)
    rate = cit_rate(terms)
    df["cfads_pre_tax_cny"] = df.energy_savings_cny + df.avoided_carbon_cost_cny - df.added_om_cny - df.purchases_cny
    df["income_tax_cny"] = rate * (df.cfads_pre_tax_cny - df.depreciation_cny) - df.equipment_credit_cny
    df["cfads_cny"] = df.cfads_pre_tax_cny - df.income_tax_cny
    return df


def fisher_real(nominal: float, inflation: float) -> float:
    """Real rate of a nominal one: (1 + n) / (1 + i) - 1."""
    return (1.0 + nominal) / (1.0 + inflation) - 1.0


def fisher_nominal(real: float, inflation: float) -> float:
    """Nominal rate of a real one: (1 + r)(1 + i) - 1."""
    return (1.0 + real) * (1.0 + inflation) - 1.0


def nominal_factors(years, base_year: int, inflation: float) -> np.ndarray:
    """(1 + i)^(y - base): CNY of base-year prices -> CNY of year y."""
    return np.array([(1.0 + inflation) ** (int(y) - base_year) for y in years])
