"""The product and exposure side of a scenario's ``footprint:`` block that the LP needs
when ``prices.cbam`` / ``prices.ets`` put the CBAM and national-ETS costs in the objective:
product outputs, the allocation rule (ISO 14067 6.4.6), the CEA price path, and the
linear cost coefficients of :func:`exposure_coefficients`.

Notation, year y: S1 = scope 1 net of CCUS capture, H = purchased-heat scope 2, E2 =
location-based scope 2 of electricity, all t CO2; for each CBAM product p: x_p its EU export
share, a_p its allocation share, c_p = 1 when its category counts indirect emissions,
Q_p m_p r_p its output (t) times its precursors' embedded emissions (t/t); F the payable
share, P_eu the EU price (CNY/t); P_cn the China price effectively paid (the CEA price in
the national ETS, else prices.carbon_price_cny_per_t); B Q the ETS allocation.

    CBAM(y) = sum_p max(0, x_p F P_eu (a_p (S1 + H + c_p E2) + Q_p m_p r_p) - P_cn x_p a_p T(y))
    ETS(y)  = P_cn (E_cov - B Q),   E_cov = S1 ('direct') or S1 + H + E2 ('all')
    T(y)    = the tonnes the plant pays the China price on: E_cov - B Q in the ETS,
              S1 under a plain carbon price, else 0

In the objective the ETS shortfall is not floored at 0 in T (so it stays linear); the
tables of ``pathway footprint`` floor it, so the two agree whenever the plant is short of
allowances (or outside the ETS). The floor of each product's CBAM cost at 0 is exact in
both (an epigraph variable in the LP).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pathway.reference.cbam import cbam_category, load_cbam_data
from pathway.reference.data import read_data_csv
from pathway.scenario.schema import Scenario

RULES = ("mass", "economic", "metered")


@dataclass(frozen=True)
class Product:
    """One product line: output per year and the quantities the allocation rules need."""

    name: str
    unit: str
    output_units: Mapping[int, float]
    mass_t_per_unit: float | None = None
    value_cny_per_unit: float | None = None
    metered_share: float | None = None



def allocation_shares(products: Sequence[Product], rule: str, year: int) -> dict[str, float]:
    """Share of the plant's emissions each product carries in ``year`` (sums to 1)."""
    if rule not in RULES:
        raise ValueError(f"allocation rule {rule!r}: expected one of {', '.join(RULES)}")
    if rule == "metered":
        weights = {p.name: _need(p, "metered_share", p.metered_share) for p in products}
    elif rule == "mass":
        weights = {p.name: p.output_units[year] * _need(p, "mass_t_per_unit", p.mass_t_per_unit) for p in products}
    else:
        weights = {p.name: p.output_units[year] * _need(p, "value_cny_per_unit", p.value_cny_per_unit) for p in products}
    total = sum(weights.values())
    if total <= 0:
        raise ValueError(f"allocation rule {rule!r}: the products' weights sum to 0 in {year}")
    if rule == "metered" and abs(total - 1.0) > 1e-6:
        raise ValueError(f"metered shares sum to {total:g}, expected 1")
    return {k: w / total for k, w in weights.items()}


def _need(p: Product, field: str, value: float | None) -> float:
    if value is None:
        raise ValueError(f"product {p.name!r}: {field} is needed by the allocation rule")
    return float(value)


def _stepped(path: Mapping[int, float], year: int) -> float:
    years = sorted(path)
    if not years:
        return 0.0
    if year < years[0]:
        return float(path[years[0]])
    return float(path[max(y for y in years if y <= year)])


def product_outputs(s: Scenario, years: list[int]) -> list[Product]:
    """Each product's output per year: base-year output x (1 + g)^(y - base year)."""
    spec = s.footprint
    base = s.horizon.base_year
    out = []
    for p in spec.products:
        g = s.production.growth_per_yr if p.growth_per_yr is None else p.growth_per_yr
        out.append(Product(p.name, p.unit, {y: p.output_units_per_yr * (1 + g) ** (y - base) for y in years},
                           mass_t_per_unit=p.mass_t_per_unit, value_cny_per_unit=p.value_cny_per_unit,
                           metered_share=p.metered_share))
    return out


def ets_prices(s: Scenario, years: list[int]) -> dict[int, float]:
    """CEA price per year: footprint.ets.price_cny_per_t, else data/prices.csv (held flat)."""
    given = dict(s.footprint.ets.price_cny_per_t) if s.footprint and s.footprint.ets else {}
    if not given:
        df = read_data_csv("prices.csv")
        sel = df[df["item"] == "ets_allowance_cny_per_t"]
        given = {int(y): float(v) for y, v in zip(sel["year"], sel["value"], strict=True)}
    return {y: _stepped(given, y) for y in years}


@dataclass(frozen=True)
class LinearCost:
    """Cost of year y = s1[y] S1 + heat[y] H + elec[y] E2 + const[y], CNY (empty: 0)."""

    s1: dict[int, float]
    heat: dict[int, float]
    elec: dict[int, float]
    const: dict[int, float]

    def value(self, y: int, s1: float, heat: float, elec: float) -> float:
        return (self.s1.get(y, 0.0) * s1 + self.heat.get(y, 0.0) * heat + self.elec.get(y, 0.0) * elec
                + self.const.get(y, 0.0))


@dataclass(frozen=True)
class ExposureCoefficients:
    """The ETS cost (linear) and one CBAM cost per exported CBAM product (each floored at
    0 in the objective: max(0, linear) is convex, so the LP stays exact)."""

    ets: LinearCost | None
    cbam: tuple[LinearCost, ...]


def exposure_coefficients(s: Scenario, years: list[int], ets_output_units: Mapping[int, float]) -> ExposureCoefficients:
    """The ETS and CBAM costs per year that ``prices.ets`` / ``prices.cbam`` put in the
    objective (none when both are off); see the module docstring."""
    spec = s.footprint
    if spec is None or not (s.prices.cbam or s.prices.ets):
        return ExposureCoefficients(None, ())
    ets = spec.ets
    all_cov = ets is not None and ets.covers == "all"
    p_cn = ets_prices(s, years) if ets is not None else {
        y: s.prices.carbon_price_cny_per_t * (1 + s.prices.carbon_price_growth_per_yr) ** (y - s.horizon.base_year)
        for y in years}
    ets_cost = None
    if s.prices.ets and ets is not None:
        ets_cost = LinearCost(s1=dict(p_cn), heat={y: p_cn[y] if all_cov else 0.0 for y in years},
                              elec={y: p_cn[y] if all_cov else 0.0 for y in years},
                              const={y: -p_cn[y] * ets.benchmark_tco2_per_unit * ets_output_units[y] for y in years})
    cbam: list[LinearCost] = []
    if s.prices.cbam:
        data = load_cbam_data(spec.cbam.eu_ets_eur_per_t or None, spec.cbam.cny_per_eur)
        products = product_outputs(s, years)
        shares = {y: allocation_shares(products, spec.allocation, y) for y in years}
        for p, prod in zip(spec.products, products, strict=True):
            cat = cbam_category(p.cn_code, data) if p.cn_code and p.eu_export_share > 0 else None
            if cat is None:
                continue
            counted = 1.0 if data.indirect_counted.get(cat, True) else 0.0
            precursor_t = sum(m.quantity_per_unit * m.cbam_precursor_kgco2e_per_quantity_unit for m in spec.materials
                              if m.product == p.name and m.cbam_precursor_kgco2e_per_quantity_unit is not None) / 1000.0
            k1, kh, ke, k0 = {}, {}, {}, {}
            for y in years:
                xa = p.eu_export_share * shares[y][p.name]
                f_eu = data.share(y) * data.eu_price_cny(y)
                k1[y] = kh[y] = xa * f_eu
                ke[y] = xa * f_eu * counted
                k0[y] = p.eu_export_share * prod.output_units[y] * precursor_t * f_eu
                # deduction: the China price on the plant's paid tonnes T, the export's share x_p a_p of them
                if ets is not None:
                    k1[y] -= p_cn[y] * xa
                    if all_cov:
                        kh[y] -= p_cn[y] * xa
                        ke[y] -= p_cn[y] * xa
                    k0[y] += p_cn[y] * xa * ets.benchmark_tco2_per_unit * ets_output_units[y]
                elif p_cn[y] > 0:
                    k1[y] -= p_cn[y] * xa
            cbam.append(LinearCost(k1, kh, ke, k0))
    return ExposureCoefficients(ets_cost, tuple(cbam))
