"""Turn a validated scenario into ``ModelData`` (``pathway.inputs.data``): numbers and arrays, no Pyomo.

Internal units: power MW, energy MWh (heat MWh_th), emissions t, money CNY (of the
year it is spent; discounting is applied in the objective). Every default that is not
in the scenario comes from the sourced catalogue, price and factor tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pathway.errors import Problem, ScenarioError
from pathway.inputs.data import Build, HeatLoadData, HeatTechData, ModelData
from pathway.inputs.exposure import exposure_coefficients
from pathway.inputs.inventory import baseline_inventory
from pathway.inputs.periods import all_days, representative_days
from pathway.inputs.profiles import pv_capacity_factor, read_profile_csv, shape
from pathway.money import crf, discount_factor
from pathway.reference.catalogue import (
    MissingValue,
    catalogue_params,
    catalogue_regional,
    catalogue_value,
    default_export_price,
    default_price,
)
from pathway.reference.factors import fuel_factor, fuel_ncv_gj, grid_factor_series
from pathway.reference.presets import TargetRule, target_rule
from pathway.reference.tariffs import hourly_price_cny_per_kwh
from pathway.scenario.loader import LoadedScenario
from pathway.scenario.schema import FUEL_FIELDS, MOBILE_FUELS, Scenario
from pathway.technologies import EFFICIENCY_CARRIER, HEAT_TECHS
from pathway.units import (
    DAYS_PER_YEAR,
    GJ_PER_MWH,
    HOURS_PER_DAY,
    HOURS_PER_YEAR,
    KW_PER_MW,
)


class _Collector:
    """Gathers missing-value problems so all are reported at once."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.sources: list[dict] = []

    def param(self, tech: str, name: str, override, year: int, region: str | None = None, field_path: str | None = None) -> float:
        if override is not None:
            self.sources.append(dict(item=f"{tech}.{name}", year=year, value=float(override), source="scenario"))
            return float(override)
        try:
            v = catalogue_regional(tech, name, region, year) if region else catalogue_value(tech, name, year)
        except (MissingValue, FileNotFoundError):
            self.problems.append(Problem(self.file, field_path or f"technologies.{tech}.{name}",
                                         f"no catalogue default for {tech}.{name}; expected a value in the scenario"))
            return float("nan")
        self.sources.append(dict(item=f"{tech}.{name}", year=year, value=v, source="catalogue"))
        return v

    def price(self, field_name: str, override, item: str, year: int, province: str | None) -> float:
        if override is not None:
            self.sources.append(dict(item=field_name, year=year, value=float(override), source="scenario"))
            return float(override)
        try:
            v = default_price(item, year, province)
        except (MissingValue, FileNotFoundError):
            self.problems.append(Problem(self.file, f"prices.{field_name}", f"no default price for {item}; expected prices.{field_name}"))
            return float("nan")
        self.sources.append(dict(item=field_name, year=year, value=v, source="prices.csv"))
        return v


def _build(c: _Collector, tech: str, cfg, unit: str, capex_param: str, capex_override, fom_param: str | None,
           fom_override, years: list[int], max_capacity: float | None, to_unit: float = KW_PER_MW,
           subsidy_cny_per_kw: float = 0.0, fom_default: float | None = None) -> Build:
    """Investment data; ``to_unit`` converts per-kW catalogue figures to per-MW (x1000).

    ``subsidy_cny_per_kw`` is deducted from the capex of a capacity rated in MW (x1000 per
    MW); the callers pass it only for PV, battery power and heaters (the schema refuses it
    on the technologies whose capacity is not in kW). ``fom_default``: the fixed O&M rate
    used when the scenario gives none (no catalogue lookup), e.g. 0 for a gas boiler."""
    if subsidy_cny_per_kw and unit != "MW":
        raise ValueError(f"{tech}: a per-kW subsidy needs a capacity in MW, not {unit}")
    capex = {y: c.param(tech, capex_param, capex_override, y) * to_unit for y in years}
    subsidy = subsidy_cny_per_kw * KW_PER_MW
    capex = {y: max(v - subsidy, 0.0) for y, v in capex.items()}
    if fom_param is None:
        fom = 0.0
    elif fom_override is None and fom_default is not None:
        fom = fom_default * to_unit
    else:
        fom = c.param(tech, fom_param, fom_override, years[0]) * to_unit
    life = int(c.param(tech, "life_years", getattr(cfg, "life_years", None), years[0]))
    per_yr = getattr(cfg, "max_build_per_yr", None)  # in the scenario's unit (kW, kWh, kW_th, t/yr): to the model's
    return Build(tech, unit, capex, subsidy, fom, max(life, 1), max_capacity,
                 None if per_yr is None else per_yr / to_unit, getattr(cfg, "first_build_year", None))


CELSIUS_TO_KELVIN = 273.15
COP_SOURCE_K_IF_ONE_POINT = 283.15  # 10 °C heat source (ambient air / cooling water), used only with a single COP point


def carnot_fit(points: dict[float, float]) -> tuple[float, float]:
    """(eta, T_source in K) of COP(T) = eta x T_sink / (T_sink - T_source), T in kelvin,
    fitted to tabulated COPs at supply (sink) temperatures in °C.

    1/COP = 1/eta - (T_source/eta) x (1/T_sink) is linear in 1/T_sink, so eta and T_source
    are fitted by ordinary least squares on (1/T_sink, 1/COP), i.e. on electricity per unit
    of heat, the quantity the model uses; two points are fitted exactly. With a single
    point, or when the fit is unphysical (eta <= 0 or T_source outside 0 K .. the coldest
    point), T_source is fixed at 283.15 K (10 °C) and eta = COP x (T_sink - T_source) / T_sink
    is fitted by least squares on 1/COP."""
    tk = np.array([float(t) + CELSIUS_TO_KELVIN for t in points])
    inv = 1.0 / np.array([float(v) for v in points.values()])
    if len(tk) >= 2 and np.ptp(tk) > 0:
        slope, intercept = np.polyfit(1.0 / tk, inv, 1)
        if intercept > 0:
            eta, t_src = 1.0 / intercept, -slope / intercept
            if 0.0 < t_src < tk.min():
                return float(eta), float(t_src)
    t_src = COP_SOURCE_K_IF_ONE_POINT
    x = (tk - t_src) / tk  # 1/COP = x / eta
    eta = float((x * x).sum() / (x * inv).sum())
    return eta, t_src


def cop_at(points: dict[float, float], temp_c: float) -> float:
    """Heat-pump COP at supply temperature ``temp_c`` (°C) from tabulated points {°C: COP}.

    Inside the table: linear interpolation between the neighbouring points. Beyond either
    end point: the Carnot fraction of ``carnot_fit`` (COP = eta x T_sink / (T_sink - T_source),
    kelvin), shifted so it meets the end point it leaves (continuous at the table's edge):
    COP(T) = COP_end x carnot(T) / carnot(T_end). Below the table the COP rises with the
    Carnot shape and is capped at 2 x the coldest point's COP (and the sink must be above
    the fitted source). Example, catalogue heat_pump_low (60 °C: 3.5, 80 °C: 2.6): the
    two points fit exactly, T_source = 286.3 K, eta = 0.492, so COP(90 °C) = 0.492 x 363.15
    / 76.85 = 2.33 (interpolation clamped it to 2.6)."""
    temps = np.array(sorted(points), dtype=float)
    cops = np.array([points[t] for t in sorted(points)], dtype=float)
    if temps[0] <= temp_c <= temps[-1]:
        return float(np.interp(temp_c, temps, cops))
    eta, t_src = carnot_fit(points)

    def carnot(t_c: float) -> float:
        tk = t_c + CELSIUS_TO_KELVIN
        return eta * tk / (tk - t_src) if tk > t_src else float("inf")

    if temp_c > temps[-1]:
        return float(cops[-1] * carnot(temp_c) / carnot(temps[-1]))
    return float(min(cops[0] * carnot(temp_c) / carnot(temps[0]), 2.0 * cops[0]))


@dataclass
class _Context:
    """What every preparation step reads: the scenario, its horizon, the problem collector."""

    loaded: LoadedScenario
    c: _Collector
    years: list[int]
    ccus_regeneration_temp_c: float | None = None

    @property
    def s(self) -> Scenario:
        return self.loaded.scenario

    @property
    def h(self):
        return self.loaded.scenario.horizon

    @property
    def file(self) -> str:
        return str(self.loaded.path)

    @property
    def province(self):
        return self.loaded.scenario.factory.province

    def fuel_price(self, fuel: str) -> float:
        """Base-year price of a fuel per trade unit (scenario, else prices.csv)."""
        field_name = f"{fuel}_cny_per_{'gj' if fuel == 'purchased_heat' else ('m3' if fuel == 'natural_gas' else 't')}"
        return self.c.price(field_name, getattr(self.s.prices, field_name), PRICE_ITEM[fuel], self.h.base_year, self.province)


PRICE_ITEM = {"natural_gas": "natural_gas_cny_per_m3", "raw_coal": "raw_coal_cny_per_t", "coke": "coke_cny_per_t",
              "diesel": "diesel_cny_per_t", "gasoline": "gasoline_cny_per_t", "fuel_oil": "fuel_oil_cny_per_t",
              "lpg": "lpg_cny_per_t", "biomass": "biomass_pellet_cny_per_t", "purchased_heat": "purchased_steam_cny_per_gj"}


def prepare(loaded: LoadedScenario) -> ModelData:
    """Resolve every number the model needs; raise ScenarioError listing all gaps.

    The steps, in order: hourly series and operating periods; heat loads and other fuel
    use; prices and grid factors (``ModelData`` is created here); then each technology
    group (PV, battery, heaters, thermal storage, efficiency, CCUS), purchases and
    offsets, and the target."""
    s = loaded.scenario
    h = s.horizon
    ctx = _Context(loaded, _Collector(str(loaded.path)), list(range(h.base_year + 1, h.end_year + 1)))
    series = _hourly_series(ctx)
    md = _model_data(ctx, series, _heat_loads_and_fuels(ctx, series["heat_shapes"]))
    for step in (_add_pv, _add_battery, _add_heat_technologies, _add_thermal_storage, _add_efficiency, _add_ccus,
                 _add_purchases, _add_target):
        step(ctx, md)
    _add_direct_line(ctx, md, series["dl_cf"])
    md.sources = ctx.c.sources
    md.source_file = ctx.file
    if ctx.c.problems:
        raise ScenarioError(ctx.c.problems)
    return md


def _hourly_series(ctx: _Context) -> dict:
    """Load, PV and price series for the year, reduced to operating periods (typical days or all
    365); returns the pieces ModelData takes."""
    s, h, c, file = ctx.s, ctx.h, ctx.c, ctx.file
    elec = shape(s.baseline.electricity_profile, ctx.loaded.dir_of(("baseline", "electricity_profile", "csv")),
                 "baseline.electricity_profile")
    price_kwh, tou = hourly_price_cny_per_kwh(s)
    pv_cfg = s.technologies.pv if (s.technologies.pv and s.technologies.pv.enabled) else None
    dl_cfg = s.direct_line
    need_pv_profile = (pv_cfg is not None or s.baseline.onsite_pv_mwh > 0
                       or (dl_cfg is not None and dl_cfg.plant == "pv" and dl_cfg.profile is None))
    pv = np.zeros(HOURS_PER_YEAR)
    if need_pv_profile:
        region = s.factory.grid_region.value
        yield_kwh = c.param("pv", "yield_kwh_per_kwp_yr", pv_cfg.yield_kwh_per_kwp_yr if pv_cfg else None, h.base_year, region=region,
                            field_path="technologies.pv.yield_kwh_per_kwp_yr")
        if pv_cfg is not None and pv_cfg.profile is not None:
            pv = read_profile_csv(ctx.loaded.dir_of(("technologies", "pv", "profile", "csv")) / str(pv_cfg.profile.csv),
                                  pv_cfg.profile.column, "technologies.pv.profile")
            if pv_cfg.yield_kwh_per_kwp_yr is not None and pv.sum() > 0:
                pv = pv * pv_cfg.yield_kwh_per_kwp_yr / pv.sum()
            if pv.max() > 1.0 + 1e-9:
                c.problems.append(Problem(file, "technologies.pv.profile", f"capacity factors above 1 (max {pv.max():.3g}); expected kW per kWp"))
        elif s.factory.latitude_deg is None or s.factory.longitude_deg is None:
            c.problems.append(Problem(file, "factory.latitude_deg",
                                      "PV needs the factory's latitude_deg and longitude_deg (or technologies.pv.profile)"))
        elif not np.isnan(yield_kwh):
            pv = pv_capacity_factor(s.factory.latitude_deg, s.factory.longitude_deg, yield_kwh)
    series = {"load": elec, "pv": pv, "price": price_kwh * KW_PER_MW}
    if dl_cfg is not None:  # only then: scenarios without a line cluster exactly as before
        series["direct_line"] = _direct_line_cf(ctx, pv)
    heat_keys = _heat_profile_series(ctx, series)
    if s.time.mode == "hourly":
        periods = all_days(series)
        tou_p = tou.reshape(DAYS_PER_YEAR, HOURS_PER_DAY)
    else:
        periods = representative_days(series, s.time.representative_days, exact=frozenset({"price"}))
        tou_p = tou.reshape(DAYS_PER_YEAR, HOURS_PER_DAY)[periods.day_of_period]
    w = periods.weights
    load = periods.series["load"]
    elec_shape = load / float((w[:, None] * load).sum())
    pv_cf = np.clip(periods.series["pv"], 0.0, 1.0)
    existing_pv = np.zeros_like(pv_cf)
    if s.baseline.onsite_pv_mwh > 0 and (w[:, None] * pv_cf).sum() > 0:
        existing_pv = s.baseline.onsite_pv_mwh * pv_cf / float((w[:, None] * pv_cf).sum())
    pv_cfg_on = pv_cfg is not None
    heat_shapes = []
    for key in heat_keys:
        arr = periods.series[key]
        heat_shapes.append(arr / float((w[:, None] * arr).sum()))
    dl_cf = np.clip(periods.series["direct_line"], 0.0, 1.0) if dl_cfg is not None else None
    return dict(periods=periods, elec_shape=elec_shape, pv_cf=pv_cf, existing_pv=existing_pv, tou_p=tou_p, pv_on=pv_cfg_on,
                heat_shapes=heat_shapes, dl_cf=dl_cf)


def _direct_line_cf(ctx: _Context, site_pv: np.ndarray) -> np.ndarray:
    """The direct line's 8760 capacity factors (MWh per MW of line): a CSV column of capacity
    factors, or a shape (built-in, or the CSV's) scaled to ``full_load_hours_per_yr``, or,
    for a PV plant without a profile, the site's PV profile (scaled likewise when given)."""
    d, c, file = ctx.s.direct_line, ctx.c, ctx.file
    flh = d.full_load_hours_per_yr
    if d.profile is None:
        if d.plant != "pv":
            c.problems.append(Problem(file, "direct_line.profile", "a wind plant needs an hourly profile (shape: csv with "
                                      "capacity factors, or a shape with full_load_hours_per_yr)"))
            return np.zeros(HOURS_PER_YEAR)
        cf = site_pv.copy()
        if flh is not None and cf.sum() > 0:
            cf = cf * flh / cf.sum()
    elif d.profile.shape == "csv":
        cf = read_profile_csv(ctx.loaded.dir_of(("direct_line", "profile", "csv")) / str(d.profile.csv), d.profile.column,
                              "direct_line.profile")
        if flh is not None and cf.sum() > 0:
            cf = cf * flh / cf.sum()
    else:
        if flh is None:
            c.problems.append(Problem(file, "direct_line.full_load_hours_per_yr",
                                      f"the built-in shape {d.profile.shape!r} needs full_load_hours_per_yr (kWh per kW a year)"))
            return np.zeros(HOURS_PER_YEAR)
        cf = shape(d.profile, ctx.loaded.dir_of(("direct_line", "profile", "csv")), "direct_line.profile") * flh
    if cf.max() > 1.0 + 1e-9:
        c.problems.append(Problem(file, "direct_line.profile", f"capacity factors above 1 (max {cf.max():.3g}); expected kW per kW "
                                  "of line (lower full_load_hours_per_yr or use a flatter shape)"))
    return cf


def _add_direct_line(ctx: _Context, md: ModelData, dl_cf: np.ndarray | None) -> None:
    """The direct line's data: prices, limits, and the notice's rules unless the scenario sets them."""
    from pathway.inputs.data import DirectLineData
    from pathway.reference.direct_line import rule_value

    d = ctx.s.direct_line
    if d is None or dl_cf is None:
        return
    years = ctx.years
    first = d.first_year if d.first_year is not None else years[0]
    if not years[0] <= first <= years[-1]:
        ctx.c.problems.append(Problem(ctx.file, "direct_line.first_year",
                                      f"expected a planning year {years[0]}..{years[-1]}, given {first}"))

    def rule(field_value, item, year):
        if field_value is not None:
            ctx.c.sources.append(dict(item=f"direct_line.{item}", year=year, value=float(field_value), source="scenario"))
            return float(field_value)
        v, src = rule_value(item, year)
        ctx.c.sources.append(dict(item=f"direct_line.{item}", year=year, value=v, source=src))
        return v

    y0 = years[0]
    cons = {y: (rule(d.min_share_of_consumption, "min_share_of_consumption", y) if y >= first else 0.0) for y in years}
    md.direct_line = DirectLineData(
        plant=d.plant, cf=dl_cf, energy_price_cny_per_mwh=d.energy_price_cny_per_mwh,
        capex_cny_per_mw=d.line_capex_cny_per_kw * KW_PER_MW, fom_cny_per_mw_yr=d.line_fom_cny_per_kw_yr * KW_PER_MW,
        life_years=d.line_life_years, max_mw=None if d.max_kw is None else d.max_kw / KW_PER_MW, first_year=first,
        min_self_consumption_share=rule(d.min_self_consumption_share, "min_self_consumption_share_of_generation", y0),
        max_feed_in_share=rule(d.max_feed_in_share, "max_feed_in_share_of_generation", y0),
        min_share_of_consumption=cons)
    for item, v in (("energy_price_cny_per_mwh", d.energy_price_cny_per_mwh), ("line_capex_cny_per_kw", d.line_capex_cny_per_kw),
                    ("line_fom_cny_per_kw_yr", d.line_fom_cny_per_kw_yr)):
        ctx.c.sources.append(dict(item=f"direct_line.{item}", year=y0, value=float(v), source="scenario"))


def _heat_profile_series(ctx: _Context, series: dict[str, np.ndarray]) -> list[str]:
    """Add each heat load's hourly shape (8760, sums to 1) to ``series`` and return, per load,
    the key of its series. A load without a profile takes the plant's shift shape (the
    electricity profile, key 'load'); loads with the same shape share one series, so only
    distinct heat profiles are clustered by tsam beside load, PV and price."""
    keys = []
    for i, hl in enumerate(ctx.s.baseline.heat_loads):
        if hl.profile is None:
            keys.append("load")
            continue
        values = shape(hl.profile, ctx.loaded.dir_of(("baseline", "heat_loads", i, "profile", "csv")),
                       f"baseline.heat_loads[{i}].profile")
        key = next((k for k in ["load", *[k for k in series if k.startswith("heat_")]]
                    if np.array_equal(series[k], values)), None)
        if key is None:
            key = f"heat_{sum(k.startswith('heat_') for k in series)}"
            series[key] = values
        keys.append(key)
    return keys


def _heat_loads_and_fuels(ctx: _Context, heat_shapes: list[np.ndarray]) -> dict:
    """Each heat load as the existing boilers serve it (useful heat, its hourly shape, emission
    factor and cost per MWh of heat), and the fuel use that no heat load accounts for."""
    s = ctx.s
    heat_loads: list[HeatLoadData] = []
    used_share: dict[str, float] = {}
    fuel_amount = {fuel: getattr(s.baseline.fuels, fld) for fld, fuel in FUEL_FIELDS.items()}
    fuel_amount["purchased_heat"] = s.baseline.purchased_heat_gj

    for hl, heat_shape in zip(s.baseline.heat_loads, heat_shapes, strict=True):
        amount = fuel_amount[hl.fuel] * hl.fuel_share
        used_share[hl.fuel] = used_share.get(hl.fuel, 0.0) + hl.fuel_share
        f = fuel_factor(s, hl.fuel)
        if hl.fuel == "purchased_heat":
            eff, ncv = 1.0, 1.0
        else:
            eff, ncv = hl.boiler_efficiency, fuel_ncv_gj(hl.fuel)
        heat_mwh = amount * ncv * eff / GJ_PER_MWH
        per_heat_unit = GJ_PER_MWH / (ncv * eff)  # fuel units per MWh_th
        heat_loads.append(HeatLoadData(
            name=hl.name, temperature_c=hl.temperature_c, demand_mwh_base=heat_mwh, shape=heat_shape, existing_fuel=hl.fuel,
            existing_efficiency=eff, existing_retire_year=hl.existing_boiler_retire_year,
            existing_ef_t_per_mwh_heat=f.value * per_heat_unit,
            existing_cost_cny_per_mwh_heat=ctx.fuel_price(hl.fuel) * per_heat_unit,
            existing_scope=2 if hl.fuel == "purchased_heat" else 1,
        ))
    other_t: dict[str, float] = {}
    other_cost: dict[str, float] = {}
    stationary = 0.0
    for fuel, amount in fuel_amount.items():
        rest = amount * (1.0 - used_share.get(fuel, 0.0))
        if rest <= 1e-12:
            continue
        t = rest * fuel_factor(s, fuel).value
        other_t[fuel] = t
        other_cost[fuel] = rest * ctx.fuel_price(fuel)
        if fuel not in MOBILE_FUELS and fuel != "purchased_heat":
            stationary += t
    return dict(heat_loads=heat_loads, other_t=other_t, other_cost=other_cost, stationary=stationary)


def _model_data(ctx: _Context, series: dict, heat: dict) -> ModelData:
    """ModelData with the horizon, series, heat loads, prices, grid factors and carbon price;
    the technology steps fill in the rest."""
    s, h, years = ctx.s, ctx.h, ctx.years
    discount = {y: discount_factor(h.discount_rate, y - h.base_year) for y in years}
    growth = {y: (1 + s.production.growth_per_yr) ** (y - h.base_year) for y in years}
    esc = {y: (1 + s.prices.energy_price_growth_per_yr) ** (y - h.base_year) for y in years}
    periods, elec_shape, pv_cf = series["periods"], series["elec_shape"], series["pv_cf"]
    existing_pv, tou_p = series["existing_pv"], series["tou_p"]
    heat_loads, other_t, other_cost, stationary = (heat["heat_loads"], heat["other_t"], heat["other_cost"],
                                                   heat["stationary"])
    p = s.prices
    loc = {y: f.value for y, f in grid_factor_series(s, "location").items()}
    mkt = {y: f.value for y, f in grid_factor_series(s, "market").items()}
    cp = {y: p.carbon_price_cny_per_t * (1 + p.carbon_price_growth_per_yr) ** (y - h.base_year) for y in years}

    r = h.discount_rate
    md = ModelData(
        scenario=s, name=s.name, base_year=h.base_year, target_year=h.target_year, years=years,
        discount_rate=r, discount=discount, growth=growth, periods=periods,
        elec_demand_mwh_base=s.baseline.electricity_mwh, elec_shape=elec_shape,
        existing_pv_mwh=existing_pv, pv_cf=pv_cf, price_cny_per_mwh=periods.series["price"], tou_period=tou_p,
        energy_escalation=esc, heat_loads=heat_loads, other_fuel_t=other_t, other_fuel_cost_cny=other_cost,
        other_fuel_stationary_t=stationary, process_co2_t=s.baseline.process_co2_t,
        grid_location=loc, grid_market=mkt,
        demand_charge_cny_per_mw_yr=ctx.c.price("demand_charge_cny_per_kw_month", p.demand_charge_cny_per_kw_month,
                                                "demand_charge_cny_per_kw_month", h.base_year, ctx.province)
        * KW_PER_MW * 12,
        import_limit_mw=None if p.import_limit_kw is None else p.import_limit_kw / KW_PER_MW,
        export_price_cny_per_mwh=_export_price_cny_per_mwh(ctx),
        carbon_price=cp,
        carbon_price_covers=p.carbon_price_covers,
    )
    md.exposure = exposure_coefficients(s, years, {y: s.production.output_per_yr * growth[y] for y in years})
    return md


def _export_price_cny_per_mwh(ctx: _Context) -> float | None:
    """Price of PV surplus fed into the grid, CNY/MWh; None: no export. ``export_allowed:
    false`` forbids export; else the scenario's price, else the province's default
    (prices.csv, the market-based value under NDRC/NEA 2025 No.136), None where the
    province's row says ``export=none``."""
    p, c, year = ctx.s.prices, ctx.c, ctx.h.base_year
    if not p.export_allowed:
        return None
    if p.export_price_cny_per_kwh is not None:
        c.sources.append(dict(item="export_price_cny_per_kwh", year=year, value=float(p.export_price_cny_per_kwh),
                              source="scenario"))
        return p.export_price_cny_per_kwh * KW_PER_MW
    try:
        v = default_export_price(year, ctx.province)
    except (MissingValue, FileNotFoundError):
        return None
    if v is None:
        return None
    c.sources.append(dict(item="export_price_cny_per_kwh", year=year, value=v, source="prices.csv"))
    return v * KW_PER_MW


def _pv_export_pays_for_itself(md: ModelData) -> bool:
    """True when one MW of PV, all of it exported, earns more a year than it costs: then
    PV without a size limit makes the LP unbounded.

        export_price x sum_p w_p sum_h cf_ph  >=  min_y capex_y x crf(r, life) + fom"""
    price = md.export_price_cny_per_mwh or 0.0
    if price <= 0 or md.pv is None:
        return False
    yield_mwh_per_mw = float((np.asarray(md.weights)[:, None] * np.asarray(md.pv_cf)).sum())
    cost = min(md.pv.capex_cny_per_unit.values()) * crf(md.discount_rate, md.pv.life_years) + md.pv.fom_cny_per_unit_yr
    return price * yield_mwh_per_mw >= cost


def _add_pv(ctx: _Context, md: ModelData) -> None:
    """Rooftop PV: investment data (capacity limited by max_kw and roof area) and degradation."""
    s, h, c, years = ctx.s, ctx.h, ctx.c, ctx.years
    tech = s.technologies
    pv_cfg = tech.pv if (tech.pv and tech.pv.enabled) else None
    if pv_cfg is not None:
        limits = [v for v in (pv_cfg.max_kw, None if pv_cfg.roof_area_m2 is None else pv_cfg.roof_area_m2 * pv_cfg.kwp_per_m2) if v is not None]
        md.pv = _build(c, "pv", pv_cfg, "MW", "capex_cny_per_kw", pv_cfg.capex_cny_per_kw, "fom_cny_per_kw_yr",
                       pv_cfg.fom_cny_per_kw_yr, years, min(limits) / KW_PER_MW if limits else None,
                       subsidy_cny_per_kw=pv_cfg.subsidy_cny_per_kw)
        if not limits and _pv_export_pays_for_itself(md):
            ctx.c.problems.append(Problem(
                ctx.file, "technologies.pv.roof_area_m2",
                f"expected roof_area_m2 or max_kw: exported at {md.export_price_cny_per_mwh / KW_PER_MW:g} CNY/kWh "
                "(prices.export_price_cny_per_kwh or the province default), a MW of PV earns more than it costs a year, "
                "so without a size limit the plan would build PV without end; given neither (or set "
                "prices.export_allowed: false)"))
        md.pv_degradation_per_yr = c.param("pv", "degradation_per_yr", pv_cfg.degradation_per_yr, h.base_year)


def _add_battery(ctx: _Context, md: ModelData) -> None:
    """Battery: energy and power sized separately, round-trip efficiency, duration limits,
    wear cost per MWh discharged."""
    s, h, c, years = ctx.s, ctx.h, ctx.c, ctx.years
    tech = s.technologies
    b = tech.battery
    if b is not None and b.enabled:
        # the per-kW subsidy is on the battery's power (kW), not its energy (kWh)
        md.battery_energy = _build(c, "battery", b, "MWh", "capex_energy_cny_per_kwh", b.capex_energy_cny_per_kwh, None, None,
                                   years, None if b.max_kwh is None else b.max_kwh / KW_PER_MW)
        md.battery_power = _build(c, "battery", b, "MW", "capex_power_cny_per_kw", b.capex_power_cny_per_kw,
                                  "fom_cny_per_kw_yr", b.fom_cny_per_kw_yr, years, None, subsidy_cny_per_kw=b.subsidy_cny_per_kw)
        md.battery_eff = c.param("battery", "round_trip_efficiency", b.round_trip_efficiency, h.base_year) ** 0.5
        md.battery_min_h = c.param("battery", "min_duration_h", b.min_duration_h, h.base_year)
        md.battery_max_h = c.param("battery", "max_duration_h", b.max_duration_h, h.base_year)
        md.battery_degradation_cny_per_mwh = c.param("battery", "degradation_cny_per_kwh", b.degradation_cny_per_kwh,
                                                     h.base_year) * KW_PER_MW


def _add_heat_technologies(ctx: _Context, md: ModelData) -> None:
    """Heat pumps and boilers: investment data, maximum temperature, and per load they can
    serve the electricity (MWh_e) or fuel CO2 and cost per MWh of heat."""
    s, h, c, years, file = ctx.s, ctx.h, ctx.c, ctx.years, ctx.file
    p, tech = s.prices, s.technologies
    ccus_cfg = tech.ccus if (tech.ccus is not None and tech.ccus.enabled) else None
    ccus_temp = None
    if ccus_cfg is not None:
        ccus_temp = ctx.ccus_regeneration_temp_c = c.param(ccus_cfg.variant, "regeneration_temp_c", ccus_cfg.regeneration_temp_c, h.base_year,
                            field_path="technologies.ccus.regeneration_temp_c")
    for tid in HEAT_TECHS:
        cfg = getattr(tech, tid)
        if cfg is None or not cfg.enabled:
            continue
        # gas_boiler has no catalogue O&M row: its fixed O&M is the scenario's, else 0
        build = _build(c, tid, cfg, "MW", "capex_cny_per_kw_th", cfg.capex_cny_per_kw_th, "fom_cny_per_kw_yr",
                       cfg.fom_cny_per_kw_yr, years, None if cfg.max_kw_th is None else cfg.max_kw_th / KW_PER_MW,
                       subsidy_cny_per_kw=cfg.subsidy_cny_per_kw, fom_default=0.0 if tid == "gas_boiler" else None)
        max_temp = c.param(tid, "max_temp_c", cfg.max_temp_c, h.base_year)
        targets = {hl.name: hl.temperature_c for hl in md.heat_loads}
        if ccus_temp is not None:
            targets["ccus_regeneration"] = ccus_temp
        elec_per_heat: dict[str, float] = {}
        eff = 1.0
        fuel = None
        ef_heat = cost_heat = 0.0
        if tid.startswith("heat_pump"):
            points = {float(k): float(v) for k, v in (cfg.cop_by_temp_c or {}).items()}
            if not points:
                points = {float(k[len("cop_at_"):-1]): v for k, v in catalogue_params(tid, "cop_at_").items()}
            if not points:
                c.problems.append(Problem(file, f"technologies.{tid}.cop_by_temp_c", "no COP data; expected cop_by_temp_c"))
                continue
            for name, temp in targets.items():
                if temp <= max_temp:
                    elec_per_heat[name] = 1.0 / cop_at(points, temp)
        else:
            eff = c.param(tid, "efficiency", cfg.efficiency, h.base_year)
            if tid == "electric_boiler":
                for name, temp in targets.items():
                    if temp <= max_temp:
                        elec_per_heat[name] = 1.0 / eff
            else:
                fuel = "natural_gas" if tid == "gas_boiler" else "biomass"
                if fuel == "biomass":
                    ncv = c.param("biomass_boiler", "ncv_gj_per_t", None, h.base_year)
                    price_t = (p.biomass_cny_per_t if p.biomass_cny_per_t is not None
                               else c.param("biomass_boiler", "fuel_price_cny_per_t", None, h.base_year))
                    ef_unit = 0.0
                else:
                    ncv = fuel_ncv_gj(fuel)
                    price_t = ctx.fuel_price(fuel)
                    ef_unit = fuel_factor(s, fuel).value
                per_heat = GJ_PER_MWH / (ncv * eff)
                ef_heat, cost_heat = ef_unit * per_heat, price_t * per_heat
                for name, temp in targets.items():
                    if temp <= max_temp:
                        elec_per_heat[name] = 0.0
        md.heat_techs[tid] = HeatTechData(build, "electric" if fuel is None else "fuel", max_temp, elec_per_heat,
                                          fuel, ef_heat, cost_heat, eff)


def _add_thermal_storage(ctx: _Context, md: ModelData) -> None:
    """Electric thermal storage: investment data, hourly loss and maximum temperature."""
    h, c, years, tech = ctx.h, ctx.c, ctx.years, ctx.s.technologies
    ts = tech.thermal_storage
    if ts is not None and ts.enabled:
        md.tes = _build(c, "thermal_storage", ts, "MWh", "capex_cny_per_kwh_th", ts.capex_cny_per_kwh_th, None, None, years,
                        None if ts.max_kwh_th is None else ts.max_kwh_th / KW_PER_MW)
        md.tes_loss_per_h = c.param("thermal_storage", "loss_per_h", ts.loss_per_h, h.base_year)
        md.tes_max_temp_c = c.param("thermal_storage", "max_temp_c", ts.max_temp_c, h.base_year)


def _add_efficiency(ctx: _Context, md: ModelData) -> None:
    """Efficiency measures: the share of electricity or heat demand they save at full adoption
    and the capex of full adoption."""
    s, h, c, years = ctx.s, ctx.h, ctx.c, ctx.years
    tech = s.technologies
    heat_base = sum(hl.demand_mwh_base for hl in md.heat_loads)
    for mid, cfg in tech.efficiency.items():
        if not cfg.enabled:
            continue
        carrier = EFFICIENCY_CARRIER[mid]
        share = c.param(mid, "max_saving_share", cfg.max_saving_share, h.base_year, field_path=f"technologies.efficiency.{mid}.max_saving_share")
        base = s.baseline.electricity_mwh if carrier == "electricity" else heat_base
        # capex of full adoption = share x base demand x CNY per (MWh/yr) saved
        capex = {y: share * base * c.param(mid, "capex_cny_per_mwh_saved_yr", cfg.capex_cny_per_mwh_saved_yr, y,
                                           field_path=f"technologies.efficiency.{mid}.capex_cny_per_mwh_saved_yr") for y in years}
        life = int(c.param(mid, "life_years", cfg.life_years, h.base_year, field_path=f"technologies.efficiency.{mid}.life_years"))
        md.efficiency[mid] = (Build(mid, "share", capex, 0.0, 0.0, max(life, 1), 1.0, cfg.max_build_per_yr, cfg.first_build_year),
                              carrier, share)


def _add_ccus(ctx: _Context, md: ModelData) -> None:
    """CCUS: capacity in t/yr, capture rate, regeneration heat and electricity per tonne
    (its energy penalty, supplied inside the model), variable cost and sources."""
    s, h, c, years, file = ctx.s, ctx.h, ctx.c, ctx.years, ctx.file
    tech = s.technologies
    ccus_cfg = tech.ccus if (tech.ccus is not None and tech.ccus.enabled) else None
    ccus_temp = ctx.ccus_regeneration_temp_c
    if ccus_cfg is not None:
        v = ccus_cfg.variant
        md.ccus = _build(c, v, ccus_cfg, "t/yr", "capex_cny_per_t_yr", ccus_cfg.capex_cny_per_t_yr, None, None, years,
                         ccus_cfg.max_t_per_yr, to_unit=1.0)
        md.ccus_rate = c.param(v, "capture_rate", ccus_cfg.capture_rate, h.base_year, field_path="technologies.ccus.capture_rate")
        md.ccus_heat_mwh_per_t = c.param(v, "heat_gj_per_t", ccus_cfg.heat_gj_per_t, h.base_year, field_path="technologies.ccus.heat_gj_per_t") / GJ_PER_MWH
        md.ccus_elec_mwh_per_t = c.param(v, "elec_kwh_per_t", ccus_cfg.elec_kwh_per_t, h.base_year, field_path="technologies.ccus.elec_kwh_per_t") / KW_PER_MW
        md.ccus_var_cny_per_t = (c.param(v, "opex_cny_per_t", ccus_cfg.opex_cny_per_t, h.base_year, field_path="technologies.ccus.opex_cny_per_t")
                                 + c.param(v, "transport_storage_cny_per_t", ccus_cfg.transport_storage_cny_per_t, h.base_year,
                                           field_path="technologies.ccus.transport_storage_cny_per_t"))
        md.ccus_temp_c = float(ccus_temp or 0.0)
        md.ccus_sources = tuple(ccus_cfg.sources)
        if not any("ccus_regeneration" in ht.elec_per_heat for ht in md.heat_techs.values()):
            c.problems.append(Problem(file, "technologies.ccus",
                                      f"CCUS needs heat at {md.ccus_temp_c:g} °C for solvent regeneration; enable a heat "
                                      "technology that reaches it (gas_boiler, electric_boiler, heat_pump_high or biomass_boiler)"))


def _add_purchases(ctx: _Context, md: ModelData) -> None:
    """Green power, green certificates, CCER offsets and nature-based removals: availability
    and prices."""
    s, h, c, province = ctx.s, ctx.h, ctx.c, ctx.province
    p, tech = s.prices, s.technologies
    if tech.green_power is not None and tech.green_power.enabled:
        md.green_power_enabled, md.green_power_max_mwh = True, tech.green_power.max_mwh_per_yr
        md.green_power_premium = c.price("green_power_premium_cny_per_mwh", p.green_power_premium_cny_per_mwh,
                                         "green_power_premium_cny_per_mwh", h.base_year, province)
    if tech.green_certificates is not None and tech.green_certificates.enabled:
        md.gec_enabled, md.gec_max_mwh = True, tech.green_certificates.max_mwh_per_yr
        # a price by year: a certificate counts for consumption in its own production year
        # (the vintage rule in data/prices.csv), so year y buys year-y certificates
        md.gec_price = {y: c.price("gec_cny_per_mwh", p.gec_cny_per_mwh, "gec_cny_per_mwh", y, province)
                        for y in ctx.years}
    if tech.offsets is not None and tech.offsets.enabled:
        md.offsets_enabled, md.offsets_max_t = True, tech.offsets.max_t_per_yr
        md.offset_price = c.price("ccer_cny_per_t", p.ccer_cny_per_t, "ccer_cny_per_t", h.base_year, province)
    if tech.nature_removals is not None and tech.nature_removals.enabled:
        md.removals_enabled, md.removals_max_t = True, tech.nature_removals.max_t_per_yr
        md.removal_price = c.price("nature_removal_cny_per_t", p.nature_removal_cny_per_t, "nature_removal_cny_per_t",
                                   h.base_year, province)


def _add_target(ctx: _Context, md: ModelData) -> None:
    """The target rule, the scope-2 method, the baseline it is measured from and the yearly ceiling."""
    s, h, years = ctx.s, ctx.h, ctx.years
    md.rule = target_rule(s)
    md.scope2_method = s.target.scope2_method
    inv = baseline_inventory(s)
    md.baseline_t = inv.totals["total_market_t" if md.scope2_method == "market" else "total_location_t"]
    md.ceiling_t = ceilings(md.baseline_t, md.rule, s.target.trajectory, h.base_year, h.target_year, years)
    md.lump_sum_subsidy_cny = s.finance.lump_sum_subsidy_cny if s.finance else 0.0


def ceilings(baseline_t: float, rule: TargetRule, trajectory, base_year: int, target_year: int,
             years: list[int]) -> dict[int, float]:
    """Yearly ceiling on net emissions (after capture, minus offsets), t.

    C(y) = B + (N - B) x (y - y0)/(yT - y0) for y0 < y <= yT, and C(y) = N after yT,
    where N = max_net_emissions_share x B (else (1 - min_own_reduction_share) x B, else B).
    Explicit trajectory shares s(y) give C(y) = s(y) x B for the years they name.
    A rule with no numbers and no explicit trajectory sets no ceiling at all (empty dict).
    """
    if rule.max_net_emissions_share is None and rule.min_own_reduction_share is None and not isinstance(trajectory, dict):
        return {}
    if rule.max_net_emissions_share is not None:
        final = rule.max_net_emissions_share * baseline_t
    elif rule.min_own_reduction_share is not None:
        final = (1 - rule.min_own_reduction_share) * baseline_t
    else:
        final = baseline_t
    out: dict[int, float] = {}
    for y in years:
        if y >= target_year:
            out[y] = final
        else:
            out[y] = baseline_t + (final - baseline_t) * (y - base_year) / (target_year - base_year)
    if isinstance(trajectory, dict):
        for y, share in trajectory.items():
            out[int(y)] = float(share) * baseline_t
    return out
