"""Derived tables from a run's result tables, pandas only: the lever economics that the
MACC and finance share, and the readers that know where a number lives in the tables."""

from pathway.analysis.lever_economics import (
                                              Counterfactual,
                                              counterfactual,
                                              energy_savings_by_lever,
                                              fuel_costs,
                                              lever_costs,
                                              lever_savings,
                                              technology_annual_costs,
)

__all__ = ["Counterfactual", "counterfactual", "energy_savings_by_lever", "fuel_costs", "lever_costs", "lever_savings",
           "technology_annual_costs"]
