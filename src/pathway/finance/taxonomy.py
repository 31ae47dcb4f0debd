"""Use of proceeds: which of the loan's spend is eligible for green or transition finance
(data/taxonomy.csv, one sourced row per technology), and the environmental-benefit
indicators banks disclose (tCO2 avoided, tce saved)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pathway.finance.tax import taxonomy
from pathway.finance.terms import default_value
from pathway.scenario.schema import Finance
from pathway.technologies import lever_of

if TYPE_CHECKING:  # pragma: no cover
    from pathway.finance.loan import LoanResult

TCE_PER_MWH = 0.1229  # GB/T 2589-2020 综合能耗计算通则: electricity 0.1229 kgce/kWh (calorific equivalent, 当量值)

USE_OF_PROCEEDS_COLUMNS = ["technology", "lever", "financed_capex_cny", "loan_share", "loan_allocated_cny",
                           "green_bond_2021_item", "pboc_crf_field", "transition_catalogue", "lever_abatement_appraisal_t",
                           "abatement_not_positive", "eligible", "reason", "source"]


def use_of_proceeds(inp, cf: pd.DataFrame, loan: LoanResult, terms: Finance,
                    app_end: int) -> tuple[pd.DataFrame, dict]:
    """``inp``: the run's ``FinanceInputs`` (capex, pathway, bau_pathway, energy_balance).
    One row per technology with net capex in the loan's availability period:

        loan_allocated = debt x (its net capex there) / (all net capex there)
        eligible       = a green-bond catalogue item exists (taxonomy.csv) and the lever's
                         abatement summed over the appraisal (finance table) is > 0
        reason         = the catalogue item, or why not (no item; abatement <= 0)

    and the benefit block: tCO2 avoided by the eligible levers each loan year (mean) and
    over the loan life; tce saved over the loan life = (grid import avoided + heat from the
    existing fuel boilers avoided, MWh) x 0.1229 tce/MWh (GB/T 2589-2020; fuel heat counted
    as heat delivered, boiler losses not added: a lower bound); the PBoC carbon-reduction
    facility refinancing (60 % of the eligible loan with a facility field, at the relending rate).
    """
    tax = taxonomy().set_index("technology")
    empty = pd.DataFrame(columns=USE_OF_PROCEEDS_COLUMNS)
    if loan.first_year is None or loan.debt_cny <= 0:
        return empty, {"eligible_loan_cny": 0.0, "not_eligible_loan_cny": 0.0}
    years = list(range(loan.first_year, loan.first_year + loan.availability_years))
    cx = inp.capex[inp.capex.year.isin(years) & (inp.capex.net_capex_cny > 1e-6)]
    by_tech = cx.groupby("technology").net_capex_cny.sum()
    k = float(by_tech.sum())
    tot = cf[(cf.year <= app_end) & (cf.lever != "total")].groupby("lever").abatement_t.sum()
    rows = []
    for tech, c in by_tech.items():
        lever = lever_of(tech)
        t = tax.loc[tech]
        a = float(tot.get(lever, 0.0))
        item = str(t.green_bond_2021_item)
        has_item = not item.lower().startswith("none")
        if not has_item:
            ok, why = False, f"no green-bond catalogue item: {item}"
        elif a <= 0:
            ok, why = False, (f"catalogue item {item}, but the {lever} lever's abatement over the appraisal is "
                              f"{a:,.0f} tCO2 (not positive)")
        else:
            ok, why = True, f"green-bond catalogue 2021: {item}; {lever} abates {a:,.0f} tCO2 over the appraisal"
        share = c / k
        rows.append(dict(technology=tech, lever=lever, financed_capex_cny=float(c), loan_share=share,
                         loan_allocated_cny=loan.debt_cny * share, green_bond_2021_item=item,
                         pboc_crf_field=t.pboc_crf_field, transition_catalogue=t.transition_catalogue,
                         lever_abatement_appraisal_t=a, abatement_not_positive=a <= 0, eligible=ok, reason=why,
                         source=t.source))
    uop = pd.DataFrame(rows, columns=USE_OF_PROCEEDS_COLUMNS)
    eligible_levers = set(uop.lever[uop.eligible])
    loan_years = range(loan.first_year, (loan.final_year or loan.first_year) + 1)
    lv = cf[(cf.lever.isin(eligible_levers)) & cf.year.isin(loan_years)]
    avoided = float(lv.abatement_t.sum())
    pw = inp.pathway.set_index("year")
    bp = inp.bau_pathway.set_index("year")
    eb = inp.energy_balance
    y_n = int(pw.index.max())

    existing_heat = (eb.carrier.str.startswith("heat:") & eb.flow.str.startswith("supply: existing")).to_numpy()
    eb_year, eb_mwh = eb.year.to_numpy(), eb.energy_mwh.to_numpy()

    def fuel_heat(y: int) -> float:
        return float(np.nansum(eb_mwh[(eb_year == y) & existing_heat]))  # the rows, in order, a filtered frame sums

    mwh = 0.0
    for y in loan_years:
        yy = min(y, y_n)
        mwh += float(bp.loc[yy, "grid_import_mwh"] - pw.loc[yy, "grid_import_mwh"])
        mwh += float(bp.loc[yy, "heat_supplied_mwh"]) - fuel_heat(yy)
    crf_loan = float(uop.loan_allocated_cny[uop.eligible & (uop.pboc_crf_field.str.lower() != "none")].sum())
    benefit = {
        "eligible_loan_cny": float(uop.loan_allocated_cny[uop.eligible].sum()),
        "not_eligible_loan_cny": float(uop.loan_allocated_cny[~uop.eligible].sum()),
        "levers_abatement_not_positive": sorted(set(uop.lever[uop.abatement_not_positive])),
        "co2_avoided_t_per_yr": avoided / len(loan_years),
        "co2_avoided_loan_life_t": avoided,
        "tce_saved_loan_life": mwh * TCE_PER_MWH,
        "pboc_facility_eligible_loan_cny": crf_loan,
        "pboc_relending_share": 0.6,
        "pboc_relending_rate": default_value("pboc_carbon_reduction_relending_rate"),
        "pboc_relending_cny": 0.6 * crf_loan,
        "note": "tCO2 avoided: abatement of the levers whose spend is eligible, over the loan years (beyond the "
                "horizon held as in the cash flows); tce saved: grid import and fuel-boiler heat avoided x 0.1229 "
                "tce/MWh (GB/T 2589-2020), a lower bound; the PBoC facility refinances the lender (60 % of eligible "
                "principal at the relending rate), not the borrower's rate.",
    }
    return uop, benefit


