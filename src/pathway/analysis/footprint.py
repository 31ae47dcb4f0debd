"""Product carbon footprint per unit of product (ISO 14067:2018 / GB/T 24067-2024), pandas only.

Method, per product p and year y:

- allocation share ``a_p`` of the plant's emissions by a declared rule
  (ISO 14067 6.4.6; the rule is stated in every output row):
    * ``mass``:      a_p = Q_p * m_p / sum_q Q_q * m_q   (Q output units, m t per unit)
    * ``economic``:  a_p = Q_p * v_p / sum_q Q_q * v_q   (v CNY per unit)
    * ``metered``:   a_p = s_p, the metered share given (the shares sum to 1)
- gate-to-gate per unit, for each scope-2 method M (location, market):
    ``g2g_M = a_p * (S1 + S2_M) / Q_p``  (t -> kg: x 1000)
- purchased materials per unit: ``mat = sum_i q_i * f_i`` (q quantity of material i per
  unit of product, f its cradle-to-gate factor, kgCO2e per unit of material);
- cradle-to-gate per unit: ``c2g_M = g2g_M + mat``.

S1 is the plant's scope 1 (net of CCUS capture), S2_M its scope 2 under method M, both
from a solved run's tables (:func:`plant_years_from_tables`). Offsets are never netted
from a footprint (ISO 14067 excludes offsetting from the CFP).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from pathway.inputs.exposure import RULES, Product, allocation_shares

__all__ = ["RULES", "STANDARD", "Material", "PlantYear", "Product", "allocation_shares", "footprint_table",
           "materials_kgco2e_per_unit", "plant_years_from_tables"]

STANDARD = "ISO 14067:2018 / GB/T 24067-2024"

COLUMNS = ["product", "year", "unit", "output_units", "allocation_rule", "allocation_share",
           "scope1_t", "scope2_location_t", "scope2_market_t", "scope2_heat_t",
           "gate_to_gate_location_kgco2e_per_unit", "gate_to_gate_market_kgco2e_per_unit",
           "materials_kgco2e_per_unit",
           "cradle_to_gate_location_kgco2e_per_unit", "cradle_to_gate_market_kgco2e_per_unit"]


@dataclass(frozen=True)
class PlantYear:
    """The plant's emissions in one year, t CO2."""

    year: int
    scope1_t: float
    scope2_location_t: float
    scope2_market_t: float
    scope2_heat_t: float = 0.0  # purchased heat, inside both scope-2 totals (CBAM counts it as direct)


@dataclass(frozen=True)
class Material:
    """A purchased material that goes into one product, with its cradle-to-gate factor."""

    name: str
    product: str
    quantity_per_unit: float
    quantity_unit: str
    factor_kgco2e_per_quantity_unit: float
    factor_source: str = ""


def materials_kgco2e_per_unit(materials: Sequence[Material], product: str) -> float:
    """``sum_i q_i * f_i`` over the materials of one product, kgCO2e per unit of product."""
    return float(sum(m.quantity_per_unit * m.factor_kgco2e_per_quantity_unit for m in materials if m.product == product))


def footprint_table(plant: Sequence[PlantYear], products: Sequence[Product], rule: str,
                    materials: Sequence[Material] = ()) -> pd.DataFrame:
    """One row per product and year: the allocated emissions and the footprint per unit
    (gate-to-gate and cradle-to-gate, location- and market-based), kgCO2e per unit."""
    rows = []
    for py in plant:
        shares = allocation_shares(products, rule, py.year)
        for p in products:
            q = float(p.output_units[py.year])
            a = shares[p.name]
            s1, s2l, s2m, s2h = a * py.scope1_t, a * py.scope2_location_t, a * py.scope2_market_t, a * py.scope2_heat_t
            g2g_l = 1000.0 * (s1 + s2l) / q
            g2g_m = 1000.0 * (s1 + s2m) / q
            mat = materials_kgco2e_per_unit(materials, p.name)
            rows.append(dict(product=p.name, year=py.year, unit=p.unit, output_units=q, allocation_rule=rule,
                             allocation_share=a, scope1_t=s1, scope2_location_t=s2l, scope2_market_t=s2m, scope2_heat_t=s2h,
                             gate_to_gate_location_kgco2e_per_unit=g2g_l, gate_to_gate_market_kgco2e_per_unit=g2g_m,
                             materials_kgco2e_per_unit=mat,
                             cradle_to_gate_location_kgco2e_per_unit=g2g_l + mat,
                             cradle_to_gate_market_kgco2e_per_unit=g2g_m + mat))
    return pd.DataFrame(rows, columns=COLUMNS)


def plant_years_from_tables(tables: Mapping[str, pd.DataFrame], base_year: int | None) -> list[PlantYear]:
    """The base year (``inventory`` table, when ``base_year`` is given) and each plan year
    (``emissions`` table) of a run: scope 1 (incl. CCUS capture as a negative row) and
    scope 2 by method (rows tagged ``both``, purchased heat, count under each)."""
    out = []
    inv = tables.get("inventory")
    if inv is not None and base_year is not None:
        out.append(_plant_year(base_year, inv))
    em = tables["emissions"]
    for y in sorted(int(v) for v in em["year"].unique()):
        out.append(_plant_year(y, em[em["year"] == y]))
    return out


def _plant_year(year: int, rows: pd.DataFrame) -> PlantYear:
    s1 = rows[rows["scope"] == 1]
    s2 = rows[rows["scope"] == 2]
    return PlantYear(year=year, scope1_t=float(s1["emissions_t"].sum()),
                     scope2_location_t=float(s2[s2["method"].isin(["both", "location"])]["emissions_t"].sum()),
                     scope2_market_t=float(s2[s2["method"].isin(["both", "market"])]["emissions_t"].sum()),
                     scope2_heat_t=float(s2[s2["method"] == "both"]["emissions_t"].sum()))

