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

from pathway.reference.data import read_data_csv

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


# ---- bundled data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CbamData:
    """The bundled CBAM parameters (data/cbam.csv, data/cbam_goods.csv), overridable."""

    payable_share: Mapping[int, float]
    eu_ets_eur_per_t: Mapping[int, float]
    cny_per_eur: Mapping[int, float]
    indirect_counted: Mapping[str, bool]
    cn_prefixes: Mapping[str, tuple[str, ...]]

    def share(self, year: int) -> float:
        """Payable share F_y: 0 before the first row (transitional period), held after the last."""
        return _stepped(self.payable_share, year, before=0.0)

    def eu_price_cny(self, year: int) -> float:
        """EU ETS price in CNY/t: EUR/t x CNY/EUR, each held flat outside its rows."""
        return _stepped(self.eu_ets_eur_per_t, year) * _stepped(self.cny_per_eur, year)


def _stepped(path: Mapping[int, float], year: int, before: float | None = None) -> float:
    """The value of the latest row at or before ``year`` (the first row, or ``before``, earlier)."""
    years = sorted(path)
    if year < years[0]:
        return path[years[0]] if before is None else before
    return float(path[max(y for y in years if y <= year)])


def load_cbam_data(eu_ets_eur_per_t: Mapping[int, float] | None = None, cny_per_eur: float | None = None) -> CbamData:
    """The bundled CBAM data, with the EU price path and exchange rate overridden when given."""
    df = read_data_csv("cbam.csv")

    def path(item: str) -> dict[int, float]:
        sel = df[df["item"] == item]
        return {int(y): float(v) for y, v in zip(sel["year"], sel["value"], strict=True)}

    goods = read_data_csv("cbam_goods.csv")
    indirect = {str(c): str(v).strip().lower() == "true" for c, v in zip(goods["category"], goods["indirect_counted"], strict=True)}
    prefixes = {str(c): _cn_prefixes(str(v)) for c, v in zip(goods["category"], goods["cn_codes"], strict=True)}
    eu = path("eu_ets_eur_per_t")
    if eu_ets_eur_per_t:
        eu = {**eu, **{int(k): float(v) for k, v in eu_ets_eur_per_t.items()}}
    fx = path("cny_per_eur") if cny_per_eur is None else {2000: float(cny_per_eur)}
    return CbamData(payable_share=path("cbam_payable_share"), eu_ets_eur_per_t=eu, cny_per_eur=fx,
                    indirect_counted=indirect, cn_prefixes=prefixes)


def _cn_prefixes(text: str) -> tuple[str, ...]:
    """'7601; 7603; 72 (except ...)' -> ('7601', '7603', '72'): the included prefixes, digits only."""
    out = []
    for part in text.split(";"):
        head = part.split("(")[0]
        digits = "".join(ch for ch in head if ch.isdigit())
        if digits:
            out.append(digits)
    return tuple(out)


def cbam_category(cn_code: str, data: CbamData) -> str | None:
    """The CBAM category of an 8-digit CN code (longest matching prefix), or None when out
    of scope. Exceptions listed in the annex (e.g. 7204 ferrous scrap) are not checked here."""
    code = "".join(ch for ch in cn_code if ch.isdigit())
    best, best_len = None, 0
    for cat, prefixes in data.cn_prefixes.items():
        for p in prefixes:
            if code.startswith(p) and len(p) > best_len:
                best, best_len = cat, len(p)
    return best


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
               china_price_cny_per_t: Mapping[int, float], china_paid_share: Mapping[int, float]) -> pd.DataFrame:
    """One row per CBAM product and year of the footprint table (from the first payable
    year on). ``china_paid_share[y]`` is the share of the embedded emissions on which the
    Chinese carbon price was effectively paid (0 outside an ETS; the shortfall share in it)."""
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
            paid = emb * float(china_paid_share.get(y, 0.0))
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
