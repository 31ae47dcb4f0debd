"""The bundled EU CBAM data (data/cbam.csv, data/cbam_goods.csv): the payable share
(1 - the CBAM factor on free allocation) by year, the EU ETS price path, the CNY/EUR rate,
and the CN codes and indirect-emissions rule of each CBAM category; the EU price and the
exchange rate are overridable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pathway.reference.data import read_data_csv


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
