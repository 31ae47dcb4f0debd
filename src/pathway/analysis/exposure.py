"""A scenario's ``footprint:`` block applied to a solved run's tables: the product
footprint, CBAM and national-ETS tables that ``pathway footprint`` writes. Pandas only.

China carbon price effectively paid (CBAM art. 9), per year: the plant pays it on T
tonnes: in the national ETS its shortfall ``max(S, 0)`` at the CEA price; outside it, its
scope 1 at ``prices.carbon_price_cny_per_t`` (when > 0); else nothing. An exported
product's share of T is ``x_p a_p`` (EU export share x allocation share). The Chinese
price paid upstream on precursors is not known here and not deducted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from pathway.analysis.cbam import CbamProduct, cbam_category, cbam_table, ets_table, load_cbam_data
from pathway.analysis.footprint import STANDARD, Material, footprint_table, plant_years_from_tables
from pathway.errors import Problem, ScenarioError
from pathway.inputs.exposure import ets_prices, product_outputs
from pathway.reference.data import read_data_csv
from pathway.scenario.schema import FootprintSpec, Scenario


def material_factors(spec: FootprintSpec, scenario_dir: Path, file: str) -> dict[str, tuple[float, str, str]]:
    """factor_id -> (kgCO2e per unit, unit, source): the bundled rows, overridden by the user CSV."""
    table = read_data_csv("material_factors.csv")
    frames = [table]
    if spec.materials_csv:
        path = (scenario_dir / spec.materials_csv)
        try:
            user = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise ScenarioError([Problem(file, "footprint.materials_csv", f"expected a readable CSV, got {path}: {exc}")]) from None
        need = {"factor_id", "unit", "value_kgco2e_per_unit", "source", "year"}
        if not need <= set(user.columns):
            raise ScenarioError([Problem(file, "footprint.materials_csv",
                                         f"expected columns {sorted(need)}, got {sorted(user.columns)}")])
        frames.append(user)
    if len(frames) > 1:
        _check_user_factors(frames[1], str(path))
    out: dict[str, tuple[float, str, str]] = {}
    for df in frames:
        for r in df.itertuples(index=False):
            out[str(r.factor_id)] = (float(r.value_kgco2e_per_unit), str(r.unit), f"{r.source} ({r.year})")
    return out


def _check_user_factors(user: pd.DataFrame, csv_file: str) -> None:
    """Every row of a user's material-factor CSV has a factor_id, a unit, a source and a finite
    value_kgco2e_per_unit >= 0 (ScenarioError naming the CSV, the row and the column otherwise)."""
    problems = []
    values = pd.to_numeric(user["value_kgco2e_per_unit"], errors="coerce")
    for i, (raw, v) in enumerate(zip(user["value_kgco2e_per_unit"], values, strict=True)):
        if not (pd.notna(v) and np.isfinite(v) and v >= 0):
            problems.append(Problem(csv_file, f"row {i + 2}: value_kgco2e_per_unit",
                                    f"expected a number >= 0 (kgCO2e per unit), got {raw!r}"))
    for col in ("factor_id", "unit", "source"):
        for i, v in enumerate(user[col]):
            if pd.isna(v) or not str(v).strip():
                problems.append(Problem(csv_file, f"row {i + 2}: {col}", "expected a non-empty value, got none"))
    if problems:
        raise ScenarioError(problems)


def materials_of(spec: FootprintSpec, scenario_dir: Path, file: str) -> list[Material]:
    """The materials with their factors resolved (an unknown factor_id or a unit mismatch is refused)."""
    factors = material_factors(spec, scenario_dir, file) if any(m.factor_id for m in spec.materials) else {}
    out, problems = [], []
    for i, m in enumerate(spec.materials):
        if m.factor_id is None:
            out.append(Material(m.name, m.product, m.quantity_per_unit, m.quantity_unit,
                                float(m.factor_kgco2e_per_quantity_unit), "scenario"))
            continue
        hit = factors.get(m.factor_id)
        if hit is None:
            problems.append(Problem(file, f"footprint.materials[{i}].factor_id",
                                    f"expected one of {sorted(factors)}, got {m.factor_id!r}"))
        elif hit[1] != m.quantity_unit:
            problems.append(Problem(file, f"footprint.materials[{i}].quantity_unit",
                                    f"expected {hit[1]!r} (the unit of factor {m.factor_id}), got {m.quantity_unit!r}"))
        else:
            out.append(Material(m.name, m.product, m.quantity_per_unit, m.quantity_unit, hit[0], hit[2]))
    if problems:
        raise ScenarioError(problems)
    return out


def check_footprint(s: Scenario, scenario_dir: Path, file: str) -> None:
    """Refuse a missing footprint: block or unresolvable material factors before any solve."""
    if s.footprint is None:
        raise ScenarioError([Problem(file, "footprint", "expected a footprint: block (products, allocation), got none")])
    materials_of(s.footprint, scenario_dir, file)


def exposure_tables(s: Scenario, tables: Mapping[str, pd.DataFrame], scenario_dir: Path, file: str) -> dict[str, pd.DataFrame]:
    """``footprint``, ``cbam`` and ``ets`` tables of a solved run (``cbam`` / ``ets`` empty
    when no product is exported to the EU / the plant is not in the ETS)."""
    check_footprint(s, scenario_dir, file)
    spec = s.footprint
    plant = plant_years_from_tables(tables, s.horizon.base_year)
    years = [py.year for py in plant]
    products = product_outputs(s, years)
    fp = footprint_table(plant, products, spec.allocation, materials_of(spec, scenario_dir, file))
    fp.insert(len(fp.columns), "standard", STANDARD)

    # national ETS
    pw = tables.get("pathway")
    output = {s.horizon.base_year: s.production.output_per_yr}
    if pw is not None:
        output.update({int(y): float(o) for y, o in zip(pw["year"], pw["output"], strict=True)})
    price = ets_prices(s, years)
    covered = {py.year: py.scope1_t + (py.scope2_location_t if spec.ets and spec.ets.covers == "all" else 0.0) for py in plant}
    if spec.ets is not None:
        ets = ets_table(covered, output, spec.ets.benchmark_tco2_per_unit, price)
        paid_t = {int(r.year): max(r.shortfall_t, 0.0) for r in ets.itertuples(index=False)}
        china_price = price
    else:
        ets = ets_table({}, {}, 0.0, {})
        cp = s.prices.carbon_price_cny_per_t
        g = s.prices.carbon_price_growth_per_yr
        china_price = {y: cp * (1 + g) ** (y - s.horizon.base_year) for y in years}
        paid_t = {py.year: (py.scope1_t if cp > 0 else 0.0) for py in plant}

    # CBAM
    data = load_cbam_data(spec.cbam.eu_ets_eur_per_t or None, spec.cbam.cny_per_eur)
    cbam_products = []
    for p, prod in zip(spec.products, products, strict=True):
        if p.eu_export_share <= 0:
            continue
        cat = cbam_category(p.cn_code, data)
        if cat is None:
            continue  # not a CBAM good: no certificates due
        precursor_kg_per_unit = sum(m.quantity_per_unit * m.cbam_precursor_kgco2e_per_quantity_unit for m in spec.materials
                                    if m.product == p.name and m.cbam_precursor_kgco2e_per_quantity_unit is not None)
        cbam_products.append(CbamProduct(p.name, cat, p.mass_t_per_unit,
                                         {y: prod.output_units[y] * p.eu_export_share for y in years},
                                         precursor_t_per_t=precursor_kg_per_unit / 1000.0 / p.mass_t_per_unit))
    cbam = cbam_table(fp, cbam_products, data, china_price, paid_t)
    return {"footprint": fp, "cbam": cbam, "ets": ets}
