"""Downside cases for the lender: each a re-valuation of the same plan (capacities and
dispatch fixed, nothing re-solved), applied to the per-lever cash flows before tax:

- energy_price_minus_20: every energy price 20 % lower. Savings are BAU minus plan energy
  cost with the same quantities, so each lever's energy savings x 0.8.
- certificate_price_x3: green-certificate and CCER (offset) prices x 3, so those purchases x 3.
- pv_p90: PV yields its one-year P90 (finance_defaults.csv pv_p90_p50_ratio, an estimate):
  the on-site PV lever's energy savings, avoided carbon cost and abatement x that ratio.
- capex_plus_15: every capex line x 1.15 (subsidies unchanged), so the loan's draws,
  depreciation and credit follow.
- delay_1yr: commissioning one year late: capex spent as planned, each lever's operating
  flows (savings, avoided carbon cost, O&M, purchases, abatement) shifted one year later
  (the first year earns nothing).

``pathway.finance.cashflows.compute_finance`` sizes a loan under each case and also tests
the headline loan (the base case's unless ``pathway finance --case`` picks another; its
debt service fixed) against each case's CFADS: the covenant table (columns base_loan_*).
"""

from __future__ import annotations

import pandas as pd

from pathway.finance.terms import default_value

CASES = {
    "base": "the optimised plan as solved",
    "energy_price_minus_20": "energy prices -20 % (energy savings x 0.8)",
    "certificate_price_x3": "green-certificate and CCER prices x 3 (those purchases x 3)",
    "pv_p90": "PV yield at P90 (PV lever savings and abatement x the P90/P50 ratio, an estimate)",
    "capex_plus_15": "capex +15 % (subsidies unchanged)",
    "delay_1yr": "one year of construction delay (operating flows one year later)",
}
DOWNSIDE = tuple(c for c in CASES if c != "base")
SHIFTED = ("energy_savings_cny", "avoided_carbon_cost_cny", "added_om_cny", "purchases_cny", "abatement_t")


def apply_case(cf: pd.DataFrame, capex: pd.DataFrame, case: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-lever cash flows, capex table) of ``case`` (module docstring); the caller re-runs
    tax and totals (``finish_flows``)."""
    if case not in CASES:
        raise ValueError(f"unknown case '{case}'; expected one of {', '.join(CASES)}")
    df = cf[cf.lever != "total"].copy()
    cx = capex.copy()
    if case == "energy_price_minus_20":
        df["energy_savings_cny"] *= 0.8
    elif case == "certificate_price_x3":
        m = df.lever.isin(["green_certificates", "offsets"])
        df.loc[m, "purchases_cny"] *= 3.0
    elif case == "pv_p90":
        k = default_value("pv_p90_p50_ratio")
        m = df.lever == "onsite_pv"
        for c in ("energy_savings_cny", "avoided_carbon_cost_cny", "abatement_t"):
            df.loc[m, c] *= k
    elif case == "capex_plus_15":
        df["capex_cny"] *= 1.15
        cx["capex_cny"] = cx.capex_cny * 1.15
        cx["net_capex_cny"] = cx.capex_cny - cx.subsidy_cny
    elif case == "delay_1yr":
        df = df.sort_values(["lever", "year"])
        for c in SHIFTED:
            df[c] = df.groupby("lever")[c].shift(1, fill_value=0.0)
    return df.reset_index(drop=True), cx
