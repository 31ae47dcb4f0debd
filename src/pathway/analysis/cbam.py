"""EU CBAM and China national ETS exposure of a plant's products, pandas only.

CBAM (Regulation (EU) 2023/956), per exported product p and year y:

- embedded emissions per tonne ``e_p = d_p + (i_p if the category counts indirect
  emissions, Annex II) + r_p``, t CO2 per t of product, where d_p / i_p are the product's
  allocated direct emissions (scope 1 plus purchased heat, which CBAM counts as direct,
  Implementing Regulation (EU) 2023/1773 Annex III) / location-based scope 2 of electricity,
  divided by its mass (the footprint's
  allocation, :mod:`pathway.analysis.footprint`) and r_p the embedded emissions of its
  precursors (Annex IV: a complex good carries its precursors', e.g. the wire rod of a bolt);
- embedded emissions exported ``E = e_p * X_p`` (X tonnes exported to the EU);
- CBAM cost ``C = max(0, E * P_eu * F_y - P_cn * E_paid)``: P_eu the EU ETS price in
  CNY/t, F_y the payable share (1 - the CBAM factor on free allocation, Directive
  (EU) 2023/959 art. 10a(1a): 0.025 in 2026 ... 1 from 2034), P_cn the Chinese carbon
  price effectively paid and E_paid the tonnes of E on which it was paid (art. 9).

National ETS (MEE, 2025 expansion to steel, cement, aluminium), per year:

- allocation ``A = B * Q`` (B the intensity benchmark, t CO2 per unit; Q output);
- shortfall ``S = E_cov - A`` (negative: a surplus);
- cost ``K = S * P_cn`` (negative: the value of the surplus at the same price).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from pathway.reference.cbam import CbamData, cbam_category, load_cbam_data

__all__ = ["CbamData", "CbamProduct", "cbam_category", "cbam_cost_cny", "cbam_table", "embedded_t_per_t", "ets_position",
           "ets_table", "load_cbam_data"]

CBAM_COLUMNS = ["product", "year", "category", "exported_t", "direct_t_per_t", "indirect_t_per_t", "indirect_counted",
                "precursor_t_per_t", "embedded_t_per_t", "embedded_exported_t", "eu_ets_cny_per_t", "payable_share",
                "china_price_cny_per_t", "china_paid_t", "cbam_cost_cny"]
ETS_COLUMNS = ["year", "output_units", "benchmark_tco2_per_unit", "allocation_t", "covered_emissions_t", "shortfall_t",
               "price_cny_per_t", "ets_cost_cny"]


# ---- pure formulas ----------------------------------------------------------------------------


def embedded_t_per_t(direct_t_per_t: float, indirect_t_per_t: float, indirect_counted: bool,
                     precursor_t_per_t: float = 0.0) -> float:
    """``e = d + i + r`` when the category counts indirect emissions, else ``e = d + r``."""
    return direct_t_per_t + (indirect_t_per_t if indirect_counted else 0.0) + precursor_t_per_t


def cbam_cost_cny(embedded_t: float, eu_price_cny_per_t: float, payable_share: float,
                  china_price_cny_per_t: float = 0.0, china_paid_t: float = 0.0) -> float:
    """``C = max(0, E * P_eu * F - P_cn * E_paid)``, CNY (never negative: the deduction
    of art. 9 cannot exceed the certificates due)."""
    return max(0.0, embedded_t * eu_price_cny_per_t * payable_share - china_price_cny_per_t * china_paid_t)


@dataclass(frozen=True)
class EtsPosition:
    """A plant's national-ETS position in one year."""

    allocation_t: float
    shortfall_t: float
    cost_cny: float


def ets_position(covered_emissions_t: float, benchmark_tco2_per_unit: float, output_units: float,
                 price_cny_per_t: float) -> EtsPosition:
    """``A = B * Q``, ``S = E - A``, ``K = S * P`` (a surplus is a negative shortfall and cost)."""
    allocation = benchmark_tco2_per_unit * output_units
    shortfall = covered_emissions_t - allocation
    return EtsPosition(allocation_t=allocation, shortfall_t=shortfall, cost_cny=shortfall * price_cny_per_t)


# ---- tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CbamProduct:
    """An exported product: its category, mass, the units exported to the EU per year and
    its precursors' embedded emissions, t CO2 per t of product."""

    name: str
    category: str
    mass_t_per_unit: float
    exported_units: Mapping[int, float]
    precursor_t_per_t: float = 0.0


def cbam_table(footprint: pd.DataFrame, products: list[CbamProduct], data: CbamData,
               china_price_cny_per_t: Mapping[int, float], plant_paid_t: Mapping[int, float]) -> pd.DataFrame:
    """One row per CBAM product and year of the footprint table. ``plant_paid_t[y]`` is T,
    the tonnes on which the plant paid the Chinese carbon price (its ETS shortfall, or its
    scope 1 under a plain carbon price); the product's exports carry ``x_p a_p T`` of it
    (export share of output x allocation share)."""
    rows = []
    for p in products:
        fp = footprint[footprint["product"] == p.name]
        for r in fp.itertuples(index=False):
            y = int(r.year)
            mass_t = r.output_units * p.mass_t_per_unit
            d = (r.scope1_t + r.scope2_heat_t) / mass_t if mass_t else 0.0
            i = (r.scope2_location_t - r.scope2_heat_t) / mass_t if mass_t else 0.0
            counted = bool(data.indirect_counted.get(p.category, True))
            e = embedded_t_per_t(d, i, counted, p.precursor_t_per_t)
            exported_t = float(p.exported_units.get(y, 0.0)) * p.mass_t_per_unit
            emb = e * exported_t
            eu = data.eu_price_cny(y)
            f = data.share(y)
            pcn = float(china_price_cny_per_t.get(y, 0.0))
            x = float(p.exported_units.get(y, 0.0)) / r.output_units if r.output_units else 0.0
            paid = x * r.allocation_share * float(plant_paid_t.get(y, 0.0))
            rows.append(dict(product=p.name, year=y, category=p.category, exported_t=exported_t, direct_t_per_t=d,
                             indirect_t_per_t=i, indirect_counted=counted, precursor_t_per_t=p.precursor_t_per_t, embedded_t_per_t=e, embedded_exported_t=emb,
                             eu_ets_cny_per_t=eu, payable_share=f, china_price_cny_per_t=pcn, china_paid_t=paid,
                             cbam_cost_cny=cbam_cost_cny(emb, eu, f, pcn, paid)))
    return pd.DataFrame(rows, columns=CBAM_COLUMNS)


def ets_table(covered_emissions_t: Mapping[int, float], output_units: Mapping[int, float], benchmark_tco2_per_unit: float,
              price_cny_per_t: Mapping[int, float]) -> pd.DataFrame:
    """One row per year: allocation, shortfall (negative: surplus) and its cost."""
    rows = []
    for y in sorted(covered_emissions_t):
        pos = ets_position(covered_emissions_t[y], benchmark_tco2_per_unit, output_units[y], price_cny_per_t.get(y, 0.0))
        rows.append(dict(year=y, output_units=output_units[y], benchmark_tco2_per_unit=benchmark_tco2_per_unit,
                         allocation_t=pos.allocation_t, covered_emissions_t=covered_emissions_t[y],
                         shortfall_t=pos.shortfall_t, price_cny_per_t=price_cny_per_t.get(y, 0.0), ets_cost_cny=pos.cost_cny))
    return pd.DataFrame(rows, columns=ETS_COLUMNS)
