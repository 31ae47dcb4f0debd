"""The base-year CO2 inventory (算碳): scope 1 by fuel and process, scope 2 by method.

Each line is activity x factor, with the factor's name and source beside it, so a
verifier can recompute every tonne:

* scope 1, fuel f:      E_f = A_f [unit] x EF_f [tCO2/unit],  EF_f = NCV x CC x OF x 44/12
* scope 1, process:     E_p = measured process CO2 [t]
* scope 2, location:    E = (electricity - own PV) [MWh] x grid average [tCO2/MWh]
* scope 2, market:      E = (electricity - own PV - green power - GEC) x residual factor,
                        green power and GEC at 0 tCO2/MWh
* scope 2, heat:        E = purchased heat [GJ] x 0.11 tCO2/GJ (both methods)

Biomass CO2 is biogenic and counted as zero (reported as a memo line).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pathway.reference.factors import fuel_factor, grid_factor_series
from pathway.scenario.schema import FUEL_FIELDS, Scenario

COLUMNS = [
    "scope",
    "source",
    "method",
    "activity",
    "activity_unit",
    "factor_tco2_per_unit",
    "factor_name",
    "factor_source",
    "emissions_t",
]


@dataclass(frozen=True)
class Inventory:
    lines: pd.DataFrame
    totals: dict[str, float]
    output_per_yr: float
    output_unit: str
    year: int

    def totals_frame(self) -> pd.DataFrame:
        rows = [{"item": k, "value": v} for k, v in self.totals.items()]
        return pd.DataFrame(rows)


def baseline_inventory(scenario: Scenario) -> Inventory:
    """Compute the base-year inventory of ``scenario`` (see module docstring)."""
    b = scenario.baseline
    year = scenario.horizon.base_year
    rows: list[dict] = []

    for field, fuel in FUEL_FIELDS.items():
        amount = getattr(b.fuels, field)
        if amount <= 0:
            continue
        f = fuel_factor(scenario, fuel)
        note = " (biogenic, counted as zero)" if fuel == "biomass" else ""
        rows.append(
            dict(scope=1, source=f"fuel:{fuel}{note}", method="both", activity=amount,
                 activity_unit=field.rsplit("_", 1)[1], factor_tco2_per_unit=f.value,
                 factor_name=f.name, factor_source=f.source, emissions_t=amount * f.value)
        )
    if b.process_co2_t > 0:
        rows.append(
            dict(scope=1, source="process", method="both", activity=b.process_co2_t, activity_unit="tCO2",
                 factor_tco2_per_unit=1.0, factor_name="measured process CO2",
                 factor_source="scenario baseline.process_co2_t", emissions_t=b.process_co2_t)
        )

    grid_mwh = b.electricity_mwh - b.onsite_pv_mwh
    loc = grid_factor_series(scenario, "location")[year]
    rows.append(
        dict(scope=2, source="electricity:grid", method="location", activity=grid_mwh, activity_unit="MWh",
             factor_tco2_per_unit=loc.value, factor_name=loc.name, factor_source=loc.source,
             emissions_t=grid_mwh * loc.value)
    )
    res = grid_factor_series(scenario, "market")[year]
    uncovered = grid_mwh - b.green_power_mwh - b.green_certificates_mwh
    rows.append(
        dict(scope=2, source="electricity:grid (not covered by green power or GEC)", method="market",
             activity=uncovered, activity_unit="MWh", factor_tco2_per_unit=res.value, factor_name=res.name,
             factor_source=res.source, emissions_t=uncovered * res.value)
    )
    for label, mwh in (("electricity:green power (绿电交易)", b.green_power_mwh),
                       ("electricity:green certificates (GEC)", b.green_certificates_mwh)):
        if mwh > 0:
            rows.append(
                dict(scope=2, source=label, method="market", activity=mwh, activity_unit="MWh",
                     factor_tco2_per_unit=0.0, factor_name="renewable attribute, zero",
                     factor_source="NEA: GEC is the sole proof of renewable electricity use", emissions_t=0.0)
            )
    if b.purchased_heat_gj > 0:
        f = fuel_factor(scenario, "purchased_heat")
        rows.append(
            dict(scope=2, source="purchased heat/steam", method="both", activity=b.purchased_heat_gj,
                 activity_unit="GJ", factor_tco2_per_unit=f.value, factor_name=f.name,
                 factor_source=f.source, emissions_t=b.purchased_heat_gj * f.value)
        )

    lines = pd.DataFrame(rows, columns=COLUMNS)
    s1 = lines.loc[lines.scope == 1, "emissions_t"].sum()
    s2_loc = lines.loc[(lines.scope == 2) & lines.method.isin(["location", "both"]), "emissions_t"].sum()
    s2_mkt = lines.loc[(lines.scope == 2) & lines.method.isin(["market", "both"]), "emissions_t"].sum()
    out = scenario.production.output_per_yr
    totals = {
        "scope1_t": float(s1),
        "scope2_location_t": float(s2_loc),
        "scope2_market_t": float(s2_mkt),
        "total_location_t": float(s1 + s2_loc),
        "total_market_t": float(s1 + s2_mkt),
        "intensity_location_t_per_unit": float((s1 + s2_loc) / out),
        "intensity_market_t_per_unit": float((s1 + s2_mkt) / out),
    }
    return Inventory(lines, totals, out, scenario.production.unit, year)


def baseline_emissions_t(scenario: Scenario, method: str | None = None) -> float:
    """Base-year scope 1+2 emissions under the target's scope-2 method (or ``method``)."""
    inv = baseline_inventory(scenario)
    m = method or scenario.target.scope2_method
    return inv.totals["total_market_t" if m == "market" else "total_location_t"]
