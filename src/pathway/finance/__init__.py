"""Transition finance from an optimised plan: cash flows against business as usual, NPV,
IRR, payback, levelised cost of abatement, loan sizing and the SLL KPI schedule.

Pure numbers and tables: this package never runs the optimiser. ``bau`` describes the
business-as-usual twin as data; ``pathway.runs`` solves it and hands the tables back.

- ``terms``: settings and their sourced defaults;
- ``money``: annuity, discounting, NPV, IRR, payback;
- ``loan``: amortisation and loan sizing (loan-to-cost and DSCR);
- ``kpi``: the sustainability-linked-loan KPI schedule;
- ``cashflows``: cash flows by lever against BAU, metrics, ``compute_finance``;
- ``bau``: the BAU scenario and the tables finance keeps from its solve.
"""

from pathway.finance.bau import (
                                       BAU_CEILING_SHARE,
                                       assets_table,
                                       bau_scenario,
                                       bau_tables,
                                       replacement_peak_mw,
)
from pathway.finance.cashflows import (
                                       FINANCE_TABLES,
                                       FLOW_COLUMNS,
                                       OPERATING,
                                       RUN_TABLES,
                                       FinanceInputs,
                                       appraisal_end_year,
                                       cash_flows,
                                       compute_finance,
                                       inputs_from_tables,
                                       lever_of,
                                       project_metrics,
                                       recompute_saved,
)
from pathway.finance.kpi import kpi_schedule
from pathway.finance.loan import SCHEDULE_COLUMNS, LoanResult, amortise, size_loan
from pathway.finance.money import (
                                       annuity_payment,
                                       discount_factors,
                                       irr,
                                       npv,
                                       payback_years,
)
from pathway.finance.terms import (
                                       CFADS_BEYOND_HORIZON,
                                       SPEND_ONLY,
                                       default_value,
                                       finance_defaults,
                                       resolve_terms,
)

__all__ = ["BAU_CEILING_SHARE", "CFADS_BEYOND_HORIZON", "FINANCE_TABLES", "FLOW_COLUMNS", "OPERATING", "RUN_TABLES",
           "SCHEDULE_COLUMNS", "SPEND_ONLY", "FinanceInputs", "LoanResult", "amortise", "annuity_payment",
           "appraisal_end_year", "assets_table", "bau_scenario", "bau_tables", "cash_flows", "compute_finance",
           "default_value", "discount_factors", "finance_defaults", "inputs_from_tables", "irr", "kpi_schedule", "lever_of",
           "npv", "payback_years", "project_metrics", "recompute_saved", "replacement_peak_mw", "resolve_terms", "size_loan"]
