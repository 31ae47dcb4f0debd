"""Every default a scenario can take, in one table: technology parameters, prices, time-of-use
tariffs and emission factors, resolved for a province and a year the way ``prepare`` resolves
them, each with its unit, range and source (``pathway catalogue``)."""

from __future__ import annotations

import pandas as pd

from pathway.reference.catalogue import catalogue, catalogue_value, default_price, price_table
from pathway.reference.factors import default_fuel_factor, fuel_factors, grid_factors
from pathway.reference.tariffs import tou_table

COLUMNS = ["kind", "item", "year", "value", "unit", "low", "high", "source", "source_year", "estimate", "note"]
KINDS = ("technology", "price", "tariff", "factor")


def _scaled_range(rows: pd.DataFrame, value: float) -> tuple[float | None, float | None]:
    """The published range of the row nearest in year (the range travels with the value)."""
    r = rows.iloc[0]
    low = float(r["low"]) if pd.notna(r.get("low")) else None
    high = float(r["high"]) if pd.notna(r.get("high")) else None
    return low, high


def _nearest(rows: pd.DataFrame, year: int) -> pd.Series:
    return rows.assign(_d=(rows["year"] - year).abs()).sort_values(["_d", "year"]).iloc[0]


def technology_rows(year: int) -> list[dict]:
    """Each technology parameter at ``year`` (linear between cost years, nearest outside),
    national rows; regional rows (note 'region=...') are listed as items of their own."""
    c = catalogue()
    out = []
    for (tech, param), rows in c.groupby(["technology", "parameter"], sort=False):
        notes = rows["note"].fillna("")
        national = rows[~notes.str.contains("region=")]
        if not national.empty:
            v = catalogue_value(tech, param, year)
            r = _nearest(national, year)
            out.append(dict(kind="technology", item=f"{tech}.{param}", year=year, value=v, unit=r["unit"], low=r["low"],
                            high=r["high"], source=r["source"], source_year=r["source_year"], estimate=r["estimate"],
                            note=r["note"]))
        for _, r in rows[notes.str.contains("region=")].iterrows():
            region = str(r["note"]).split("region=", 1)[1].split(";")[0].split(",")[0].split()[0]
            out.append(dict(kind="technology", item=f"{tech}.{param} [region={region}]", year=int(r["year"]),
                            value=float(r["value"]), unit=r["unit"], low=r["low"], high=r["high"], source=r["source"],
                            source_year=r["source_year"], estimate=r["estimate"], note=r["note"]))
    return out


def price_rows(year: int, province: str | None) -> list[dict]:
    """Each price at ``year``, the province's row where there is one (as prepare takes it)."""
    t = price_table()
    out = []
    for item, rows in t.groupby("item", sort=False):
        notes = rows["note"].fillna("")
        prov = rows[notes.str.contains(f"province={province}", regex=False)] if province else rows.iloc[0:0]
        use = prov if not prov.empty else rows[~notes.str.contains("province=", regex=False)]
        if use.empty:
            continue
        r = _nearest(use, year)
        out.append(dict(kind="price", item=item + (f" [province={province}]" if not prov.empty else ""), year=year,
                        value=default_price(item, year, province), unit=r["unit"], low=r["low"], high=r["high"],
                        source=r["source"], source_year=r["source_year"], estimate=r["estimate"], note=r["note"]))
    return out


def tariff_rows(province: str | None) -> list[dict]:
    """The bundled time-of-use tariffs (CNY/kWh by period and hours), one province or all."""
    t = tou_table()
    if province:
        t = t[t["province"].astype(str).str.lower() == province.lower()]
    return [dict(kind="tariff", item=f"tou {r.province} {r.season} {r.period} hours {r.hours}", year=int(r.source_year),
                 value=float(r.price_cny_per_kwh), unit="CNY/kWh", low=None, high=None, source=r.source,
                 source_year=r.source_year, estimate=r.estimate, note=r.note) for r in t.itertuples()]


def factor_rows(year: int, province: str | None = None) -> list[dict]:
    """Fuel factors (tCO2 per trade unit) and, per grid factor and region, the latest
    published year not after ``year``; with ``province``, of the provincial grid factors
    only that province's."""
    out = []
    for fuel in fuel_factors().index:
        f = default_fuel_factor(fuel)
        row = fuel_factors().loc[fuel]
        out.append(dict(kind="factor", item=f"fuel {fuel}", year=int(row["year"]), value=f.value, unit=f.unit, low=None,
                        high=None, source=f.source, source_year=row["year"], estimate=row["estimate"], note=f.name))
    g = grid_factors()
    if province is not None:
        g = g[(g.factor_id != "grid_provincial") | (g.region == province)]
    for (fid, region), rows in g.groupby(["factor_id", "region"], sort=False):
        upto = rows[rows["year"] <= year]
        r = (upto if not upto.empty else rows).sort_values("year").iloc[-1]
        out.append(dict(kind="factor", item=f"grid {fid} {region}", year=int(r["year"]), value=float(r["value_tco2_per_mwh"]),
                        unit="tCO2/MWh", low=None, high=None, source=r["source"], source_year=r["year"],
                        estimate=r["estimate"], note=r["note"]))
    return out


def catalogue_listing(year: int, province: str | None = None, kinds: tuple[str, ...] = KINDS) -> pd.DataFrame:
    """The defaults of ``kinds`` for ``year`` and ``province`` (None: national rows, every
    tariff), one row each: kind, item, year, value, unit, low, high, source, source_year,
    estimate, note."""
    rows: list[dict] = []
    if "technology" in kinds:
        rows += technology_rows(year)
    if "price" in kinds:
        rows += price_rows(year, province)
    if "tariff" in kinds:
        rows += tariff_rows(province)
    if "factor" in kinds:
        rows += factor_rows(year, province)
    return pd.DataFrame(rows, columns=COLUMNS)


SCHEMA_TECHNOLOGIES = {  # JSON Schema definition -> the catalogue technologies it configures
    "PV": ("pv",), "Battery": ("battery",), "HeatPump": ("heat_pump_low", "heat_pump_high"),
    "Boiler": ("electric_boiler", "gas_boiler", "biomass_boiler"), "ThermalStorage": ("thermal_storage",),
    "EfficiencyMeasure": ("eff_motors_vfd", "eff_compressed_air", "eff_lighting", "eff_hvac", "eff_waste_heat_recovery"),
    "CCUS": ("ccus_small", "ccus_large"),
}


def with_catalogue_defaults(schema: dict, year: int = 2025) -> dict:
    """The scenario JSON Schema with each technology field's catalogue default (national,
    ``year``) appended to its description, so an editor shows it on hover."""
    c = catalogue()
    c = c[~c["note"].fillna("").str.contains("region=")]
    defs = schema.get("$defs") or schema.get("definitions") or {}
    for name, techs in SCHEMA_TECHNOLOGIES.items():
        props = (defs.get(name) or {}).get("properties", {})
        for field, spec in props.items():
            parts = []
            for tech in techs:
                rows = c[(c.technology == tech) & (c.parameter == field)]
                if not rows.empty:
                    parts.append(f"{tech} {catalogue_value(tech, field, year):,.6g}")
                    unit = str(rows.iloc[0]["unit"])
            if parts:
                spec["description"] = (spec.get("description", "").rstrip() +
                                       f" Catalogue {year}: {', '.join(parts)} {unit}.").strip()
    return schema
