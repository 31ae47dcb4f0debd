"""Units and fixed counts, one home for each: the calendar of a model year, energy and
power conversions, and the seeds that make runs reproducible. Core layer: no imports."""

from __future__ import annotations

HOURS_PER_DAY = 24
DAYS_PER_YEAR = 365  # a model year: 365 days (no leap day), 2025-01-01 a Wednesday
HOURS_PER_YEAR = HOURS_PER_DAY * DAYS_PER_YEAR  # 8760
DAYS_PER_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
FIRST_WEEKDAY = 2  # index of 2025-01-01 in Mon..Sun

KW_PER_MW = 1000.0  # also kWh per MWh and kg per t
GJ_PER_MWH = 3.6
CO2_PER_C = 44.0 / 12.0  # tCO2 per tC
W_PER_M2_STC = 1000.0  # irradiance at standard test conditions (PV rating)

PV_WEATHER_SEED = 2025  # seed of the synthetic daily clearness index of PV profiles
SOLVER_SEED = 123  # HiGHS random_seed: the same LP gives the same solution run after run
