"""Pydantic v2 models of a pathway scenario (the YAML a factory planner writes).

Everything after this module trusts its input: validation happens once, here, at the
boundary. Units live in field names (``capex_cny_per_kw``, ``electricity_mwh``).
Unknown keys are errors (``extra="forbid"``) so a typo never passes silently.
Technology fields left unset (``None``) take the default catalogue value
(``pathway/data/catalogue.csv``) for the scenario's years.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from pathway.scenario.dotted import PathError, field_kind
from pathway.technologies import EFFICIENCY_MEASURES

NonNeg = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
LifeYears = Annotated[int, Field(gt=0, le=100)]  # lives, tenors, appraisal: bounded so per-year loops stay small
SampleCount = Annotated[int, Field(gt=0, le=100_000)]


def _casefold(value):
    """Text compared without regard to case or surrounding spaces ('Jiangsu ' -> 'jiangsu')."""
    return value.strip().casefold() if isinstance(value, str) else value


# Provincial-level divisions of mainland China, lower-case pinyin: the keys of the
# province-tagged rows of data/prices.csv and data/tou_tariffs.csv (a province without
# rows of its own takes the national rows).
PROVINCES = (
    "anhui", "beijing", "chongqing", "fujian", "gansu", "guangdong", "guangxi", "guizhou", "hainan", "hebei",
    "heilongjiang", "henan", "hubei", "hunan", "jiangsu", "jiangxi", "jilin", "liaoning", "neimenggu", "ningxia",
    "qinghai", "shaanxi", "shandong", "shanghai", "shanxi", "sichuan", "tianjin", "xinjiang", "xizang", "yunnan",
    "zhejiang",
)


def _province(value):
    """A province in any case ('Jiangsu') -> its canonical id ('jiangsu'); unknown names are refused."""
    if not isinstance(value, str):
        raise ValueError(f"expected a province name (text), got {value!r}")
    key = _casefold(value)
    if key not in PROVINCES:
        raise ValueError(f"unknown province {value!r}; expected one of {', '.join(PROVINCES)} (any case)")
    return key


Province = Annotated[str, BeforeValidator(_province)]


class Strict(BaseModel):
    """Base for every scenario block: unknown keys are rejected."""

    # numbers must be finite: .inf / .nan in YAML are refused (nothing downstream can use them)
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Sector(str, Enum):
    """Sectors named by the 2026 guidance (工信部联节〔2026〕13号)."""

    automotive = "automotive"
    lithium_battery = "lithium_battery"
    photovoltaic = "photovoltaic"
    electronics = "electronics"  # 电子电器: electronics and electrical appliances
    light_industry = "light_industry"
    machinery = "machinery"
    computing_facility = "computing_facility"  # 算力设施: data centres
    steel = "steel"
    non_ferrous = "non_ferrous"
    petrochemical_chemical = "petrochemical_chemical"
    building_materials = "building_materials"
    textile = "textile"


class GridRegion(str, Enum):
    """The seven regional grids of the MEE/NBS factor publication."""

    north = "north"
    northeast = "northeast"
    east = "east"
    central = "central"
    northwest = "northwest"
    south = "south"
    southwest = "southwest"


class Factory(Strict):
    name: str = Field(min_length=1, description="Plant name as printed in reports.")
    sector: Annotated[Sector, BeforeValidator(_casefold)] = Field(description="Sector of the 2026 guidance (automotive, lithium_battery, photovoltaic, electronics, light_industry, machinery, computing_facility to 2027; steel, non_ferrous, petrochemical_chemical, building_materials, textile to 2030); any case.")
    province: Province | None = Field(
        None, description="Province in pinyin, any case (normalised to lower case, e.g. 'Jiangsu' -> jiangsu): "
                          "selects the province's default prices (data/prices.csv). None: national defaults.")
    grid_region: Annotated[GridRegion, BeforeValidator(_casefold)] = Field(
        description="Regional grid of the MEE/NBS factors, any case (normalised to lower case).")
    latitude_deg: float | None = Field(None, ge=-90, le=90, description="Site latitude, degrees north (PV profile with pvlib; needed for PV unless technologies.pv.profile is given).")
    longitude_deg: float | None = Field(None, ge=-180, le=180, description="Site longitude, degrees east (PV profile with pvlib).")


class Horizon(Strict):
    base_year: int = Field(ge=2000, le=2100, description="Year of the baseline inventory.")
    target_year: int = Field(ge=2000, le=2100, description="Year the near-zero condition must hold.")
    end_year: int = Field(ge=2000, le=2100, description="Last planned year (>= target_year).")
    discount_rate: Share = Field(0.06, description="Real discount rate, fraction per year.")

    @model_validator(mode="after")
    def _years_in_order(self) -> Horizon:
        if self.target_year <= self.base_year:
            raise ValueError(
                f"years out of order: target_year ({self.target_year}) must be after "
                f"base_year ({self.base_year})"
            )
        if self.end_year < self.target_year:
            raise ValueError(
                f"years out of order: end_year ({self.end_year}) must be >= "
                f"target_year ({self.target_year})"
            )
        if self.end_year - self.base_year > 40:
            raise ValueError("horizon longer than 40 years: end_year - base_year must be <= 40")
        return self


class TimeResolution(Strict):
    mode: Literal["representative_days", "hourly"] = Field("representative_days", description="representative_days: typical days chosen with tsam (fast); hourly: all 8,760 hours, chronological (slow). Default representative_days.")
    representative_days: int = Field(12, ge=1, le=365, description="Typical days (tsam) when mode is representative_days.")


class Production(Strict):
    output_per_yr: float = Field(gt=0, description="Base-year output, in `unit`.")
    unit: str = Field(min_length=1, max_length=64, description="Unit of output, e.g. 't', 'vehicle', 'MWh IT load' "
                                                               "(1 to 64 characters: it labels tables and charts).")
    growth_per_yr: float = Field(0.0, ge=-0.5, le=1.0, description="Output growth, fraction per year.")


class Profile(Strict):
    """An hourly shape: a built-in shift pattern or a column of a CSV with 8760 rows."""

    shape: Literal["flat", "one_shift", "two_shift", "three_shift", "csv"] = Field("two_shift", description="Built-in shift shape (flat, one_shift 8-17 h weekdays, two_shift 6-22 h, three_shift around the clock) or csv (a column of 8,760 hourly values). Default two_shift.")
    csv: str | None = Field(None, description="CSV path, relative to the scenario file (shape: csv).")
    column: str | None = Field(None, description="Column of the CSV to use (shape: csv).")

    @model_validator(mode="after")
    def _csv_needs_path(self) -> Profile:
        if self.shape == "csv" and not self.csv:
            raise ValueError("shape 'csv' needs a 'csv' path")
        return self


class Fuels(Strict):
    """Base-year fuel consumption, each in its trade unit (factors in data/fuel_factors.csv)."""

    natural_gas_m3: NonNeg = Field(0.0, description="Natural gas, m3 per year (base year). Default 0.")
    raw_coal_t: NonNeg = Field(0.0, description="Raw coal, t per year (base year). Default 0.")
    coke_t: NonNeg = Field(0.0, description="Coke, t per year (base year). Default 0.")
    diesel_t: NonNeg = Field(0.0, description="Diesel, t per year (base year; mobile use unless a heat load takes it). Default 0.")
    gasoline_t: NonNeg = Field(0.0, description="Gasoline, t per year (base year; mobile use). Default 0.")
    fuel_oil_t: NonNeg = Field(0.0, description="Fuel oil, t per year (base year). Default 0.")
    lpg_t: NonNeg = Field(0.0, description="LPG, t per year (base year). Default 0.")
    biomass_t: NonNeg = Field(0.0, description="Biomass pellets, t per year (base year; biogenic CO2 counted as zero). Default 0.")


FUEL_FIELDS: dict[str, str] = {
    "natural_gas_m3": "natural_gas",
    "raw_coal_t": "raw_coal",
    "coke_t": "coke",
    "diesel_t": "diesel",
    "gasoline_t": "gasoline",
    "fuel_oil_t": "fuel_oil",
    "lpg_t": "lpg",
    "biomass_t": "biomass",
}
FuelId = Literal[
    "natural_gas", "raw_coal", "coke", "diesel", "gasoline", "fuel_oil", "lpg", "biomass", "purchased_heat"
]
MOBILE_FUELS = frozenset({"diesel", "gasoline"})


class HeatLoad(Strict):
    """A heat demand at one temperature, today supplied by a fuel boiler or purchased steam.

    Useful heat (GJ) = fuel energy (NCV) x ``fuel_share`` x ``boiler_efficiency``; for
    purchased heat the efficiency is 1 and the share is of ``purchased_heat_gj``.
    """

    name: str = Field(min_length=1, description="A name for the load (unique in the scenario), used in tables and charts.")
    temperature_c: float = Field(gt=0, le=1500, description="Supply temperature the load needs, °C (which heaters can serve it).")
    fuel: FuelId = Field(description="What supplies it today: a fuel of baseline.fuels or purchased_heat.")
    fuel_share: Share = Field(description="Share of that fuel's base-year use that supplies this load.")
    boiler_efficiency: float = Field(
        0.9, gt=0, le=1, description="Efficiency of the existing boiler (useful heat / fuel NCV), fraction; default 0.9. "
                                     "Not given for purchased heat (efficiency 1 by definition; refused if given).")
    existing_boiler_retire_year: int | None = Field(
        None, description="Year from which the existing boiler is gone (None: stays in service)."
    )
    profile: Profile | None = Field(
        None,
        description="Hourly shape of this heat demand: a shift pattern (flat, one_shift, two_shift, three_shift) or "
                    "shape: csv with a CSV path relative to the file that names it and a column of 8760 rows; "
                    "normalised so the year sums to the load's useful heat. Default (None): the plant's shift shape, "
                    "baseline.electricity_profile.",
    )

    @model_validator(mode="after")
    def _no_efficiency_for_purchased_heat(self) -> HeatLoad:
        if self.fuel == "purchased_heat" and "boiler_efficiency" in self.model_fields_set:
            raise ValueError(f"heat load '{self.name}': boiler_efficiency does not apply to purchased heat (its "
                             "efficiency is 1: the purchased GJ are useful heat); remove it")
        return self


class Baseline(Strict):
    electricity_mwh: NonNeg = Field(description="Base-year electricity use, grid plus own generation.")
    electricity_profile: Profile = Field(default_factory=Profile, description="Hourly shape of electricity demand. Default two_shift.")
    fuels: Fuels = Field(default_factory=Fuels, description="Base-year fuel use, each in its trade unit.")
    purchased_heat_gj: NonNeg = Field(0.0, description="Base-year purchased heat (steam), GJ. Default 0.")
    process_co2_t: NonNeg = Field(0.0, description="Non-combustion process CO2 (e.g. calcination), t.")
    green_power_mwh: NonNeg = Field(0.0, description="Base-year green power purchases (绿电交易), MWh.")
    green_certificates_mwh: NonNeg = Field(0.0, description="Base-year green certificates (GEC) surrendered, MWh.")
    onsite_pv_mwh: NonNeg = Field(0.0, description="Base-year own PV generation used on site, MWh (in electricity_mwh).")
    heat_loads: list[HeatLoad] = Field(default_factory=list, description="What the fuels and purchased heat supply today, one entry per temperature level; fuel not assigned to any load counts as other (non-heat) use.")

    @model_validator(mode="after")
    def _consistent(self) -> Baseline:
        shares: dict[str, float] = {}
        names: set[str] = set()
        for load in self.heat_loads:
            if load.name in names:
                raise ValueError(f"heat_loads: duplicate name '{load.name}'")
            names.add(load.name)
            shares[load.fuel] = shares.get(load.fuel, 0.0) + load.fuel_share
        for fuel, total in shares.items():
            if total > 1 + 1e-9:
                raise ValueError(f"heat_loads: fuel_share of '{fuel}' adds up to {total:g}, expected <= 1")
            amount = self.purchased_heat_gj if fuel == "purchased_heat" else getattr(
                self.fuels, next(k for k, v in FUEL_FIELDS.items() if v == fuel)
            )
            if total > 0 and amount <= 0:
                raise ValueError(f"heat_loads: a load is supplied by '{fuel}' but its base-year use is 0")
        green = self.green_power_mwh + self.green_certificates_mwh + self.onsite_pv_mwh
        if green > self.electricity_mwh + 1e-9:
            raise ValueError(
                f"green power + certificates + on-site PV ({green:g} MWh) exceed electricity_mwh "
                f"({self.electricity_mwh:g} MWh)"
            )
        return self


class GridFactors(Strict):
    """Grid emission factors: published values, optionally overridden, with a path over years."""

    factor_level: Literal["national", "regional", "provincial"] | None = Field(
        None, description="Location-based factor (tCO2/MWh): the national average, the factory's regional grid "
                          "(factory.grid_region) or its province (factory.province; MEE provincial factors). "
                          "Default: national.")
    location_method: Literal["national", "regional", "provincial"] | None = Field(
        None, description="Deprecated name of factor_level (still read; give one of the two).")
    factor_year: int = Field(2023, ge=2000, le=2100, description="Data year of the MEE/NBS factor to start from (bundled: "
                                                                  "2021-2023, regional 2022-2023; MEE publishes about 2 years later).")
    location_tco2_per_mwh: NonNeg | None = Field(None, description="Override the location-based factor, tCO2/MWh.")
    residual_mix_tco2_per_mwh: NonNeg | None = Field(
        None, description="Override the market-based residual factor (excl. market-traded non-fossil power), tCO2/MWh."
    )
    decline_per_yr: float = Field(0.0, ge=0, lt=1, description="Fall of the location-based factor per year after "
                                                               "factor_year, fraction/yr (default 0).")
    residual_mix_decline_per_yr: float = Field(
        0.0, gt=-1, lt=1, description="Change of the market-based residual factor per year after factor_year, "
                                      "fraction/yr, its own trend (negative: a rise; the published residual factor rose "
                                      "from 0.5856 in 2022 to 0.6096 in 2023). Default 0: held at the published value.")
    location_values: dict[int, NonNeg] = Field(default_factory=dict, description="Explicit location-based factors by year, tCO2/MWh.")
    residual_mix_values: dict[int, NonNeg] = Field(default_factory=dict, description="Explicit residual factors by year, tCO2/MWh.")

    @model_validator(mode="after")
    def _level(self):
        if self.location_method is not None and self.factor_level is not None and self.location_method != self.factor_level:
            raise ValueError(f"factor_level {self.factor_level!r} and its deprecated name location_method "
                             f"{self.location_method!r} disagree; give factor_level only")
        return self

    @property
    def level(self) -> str:
        """The location-based factor level in force (factor_level, else location_method, else national)."""
        return self.factor_level or self.location_method or "national"


class EmissionFactorOverrides(Strict):
    """Override a fuel's emission factor, tCO2 per trade unit (e.g. measured carbon content)."""

    natural_gas_tco2_per_m3: NonNeg | None = Field(None, description="Natural gas, tCO2/m3. Default: GB/T 32150 components in data/fuel_factors.csv.")
    raw_coal_tco2_per_t: NonNeg | None = Field(None, description="Raw coal, tCO2/t. Default: data/fuel_factors.csv.")
    coke_tco2_per_t: NonNeg | None = Field(None, description="Coke, tCO2/t. Default: data/fuel_factors.csv.")
    diesel_tco2_per_t: NonNeg | None = Field(None, description="Diesel, tCO2/t. Default: data/fuel_factors.csv.")
    gasoline_tco2_per_t: NonNeg | None = Field(None, description="Gasoline, tCO2/t. Default: data/fuel_factors.csv.")
    fuel_oil_tco2_per_t: NonNeg | None = Field(None, description="Fuel oil, tCO2/t. Default: data/fuel_factors.csv.")
    lpg_tco2_per_t: NonNeg | None = Field(None, description="LPG, tCO2/t. Default: data/fuel_factors.csv.")
    purchased_heat_tco2_per_gj: NonNeg | None = Field(None, description="Purchased heat (steam), tCO2/GJ. Default: data/fuel_factors.csv.")


class TouPeriod(Strict):
    name: str = Field(min_length=1, description="e.g. sharp, peak, flat, valley.")
    hours: str = Field(description="Hour ranges, end exclusive: '8-11,17-22'.", pattern=r"^\s*\d{1,2}\s*-\s*\d{1,2}\s*(,\s*\d{1,2}\s*-\s*\d{1,2}\s*)*$")
    price_cny_per_kwh: NonNeg = Field(description="Energy price in this period, CNY/kWh (VAT included, demand charge excluded).")
    months: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(None, description="Months it applies (None: all).")


class Prices(Strict):
    tou_province: Annotated[str, BeforeValidator(_casefold)] | None = Field(
        None, description="Use the bundled TOU tariff of this province (data/tou_tariffs.csv); any case, normalised "
                          "to lower-case pinyin; a province without a bundled tariff is refused with the list.")
    tou_periods: list[TouPeriod] | None = Field(None, description="Explicit TOU tariff; overrides tou_province.")
    flat_electricity_cny_per_kwh: NonNeg | None = Field(None, description="Single price when no TOU tariff is given.")
    demand_charge_cny_per_kw_month: NonNeg | None = Field(
        None,
        description="Demand (需量) charge on the yearly peak grid import, CNY per kW per month. None: the default of "
                    "factory.province in data/prices.csv (the national row where the province has none, "
                    "38-40 CNY/kW/month in 2025); give 0 for a tariff without a demand charge.",
    )
    import_limit_kw: NonNeg | None = Field(None, description="Grid connection limit on import, kW (None: no limit).")
    export_price_cny_per_kwh: NonNeg | None = Field(
        None, description="Price of PV surplus fed into the grid, CNY/kWh. None: the province's default from "
                          "data/prices.csv (market-based value of surplus PV under NDRC/NEA 2025 No.136; no export where "
                          "the province allows none).")
    export_allowed: bool = Field(True, description="False: no PV export at all (e.g. a large C&I distributed PV plant "
                                                    "that must consume everything on site); the export price is ignored.")
    natural_gas_cny_per_m3: NonNeg | None = Field(None, description="Natural gas price, CNY/m3 (None: prices.csv, the province's row where there is one).")
    raw_coal_cny_per_t: NonNeg | None = Field(None, description="Raw coal price, CNY/t (None: prices.csv).")
    coke_cny_per_t: NonNeg | None = Field(None, description="Coke price, CNY/t (None: prices.csv).")
    diesel_cny_per_t: NonNeg | None = Field(None, description="Diesel price, CNY/t (None: prices.csv).")
    gasoline_cny_per_t: NonNeg | None = Field(None, description="Gasoline price, CNY/t (None: prices.csv).")
    fuel_oil_cny_per_t: NonNeg | None = Field(None, description="Fuel oil price, CNY/t (None: prices.csv).")
    lpg_cny_per_t: NonNeg | None = Field(None, description="LPG price, CNY/t (None: prices.csv).")
    biomass_cny_per_t: NonNeg | None = Field(None, description="Biomass pellet price, CNY/t (None: prices.csv).")
    purchased_heat_cny_per_gj: NonNeg | None = Field(None, description="Purchased steam/heat price, CNY/GJ (None: prices.csv).")
    gec_cny_per_mwh: NonNeg | None = Field(None, description="Green certificate (GEC) price, CNY/MWh (None: prices.csv, latest monthly average).")
    green_power_premium_cny_per_mwh: NonNeg | None = Field(None, description="Green power premium over the grid price, CNY/MWh (None: prices.csv).")
    ccer_cny_per_t: NonNeg | None = Field(None, description="CCER offset price, CNY/tCO2 (None: prices.csv).")
    nature_removal_cny_per_t: NonNeg | None = Field(None, description="Nature-based removal price, CNY/tCO2 (None: prices.csv).")
    carbon_price_cny_per_t: NonNeg = Field(0.0, description="Carbon price paid on emissions (ETS-covered plants).")
    carbon_price_covers: Literal["direct", "all"] = Field(
        "direct",
        description="Emissions the carbon price applies to: 'direct' (scope 1 after capture; ETS allowances are "
                    "surrendered for a covered facility's direct emissions) or 'all' (scope 1 + 2, e.g. an internal price).",
    )
    # issue 17 part A: CBAM and national-ETS costs in the objective (data in the footprint: block)
    cbam: bool = Field(False, description="true: the EU CBAM certificate cost of the footprint: block's exported products is in the "
                                          "objective (linear in emissions); false (default): reported only, by pathway footprint.")
    ets: bool = Field(False, description="true: the national-ETS cost (emissions minus benchmark allocation, at the CEA price) of "
                                         "footprint.ets is in the objective; false (default): reported only, by pathway footprint.")
    energy_price_growth_per_yr: float = Field(0.0, ge=-0.2, le=0.5, description="Escalation of electricity and fuel prices.")
    carbon_price_growth_per_yr: float = Field(0.0, ge=-0.2, le=0.5, description="Growth of the carbon price per year after the base year, fraction/yr. Default 0.")


class TechBase(Strict):
    enabled: bool = Field(True, description="Offer this technology to the plan (false: keep the settings but build none). Default true.")
    max_build_per_yr: NonNeg | None = Field(None, description="Most that can be built in one year, in the technology's scenario unit: kWp (PV), kW_th (heaters), kWh_th (thermal storage), t/yr (CCUS), kWh of energy and kW of power (battery); None: no limit.")
    subsidy_cny_per_kw: NonNeg = Field(
        0.0,
        description="Capex subsidy, CNY per kW of capacity, deducted from each build's capex; default 0. It applies "
                    "where capacity is rated in kW: PV (kWp), battery power (kW; not the kWh of energy) and heaters "
                    "(kW_th). Refused (exit 2) on efficiency measures, thermal storage (kWh_th) and CCUS (t/yr), "
                    "where a per-kW subsidy has no meaning: use finance.lump_sum_subsidy_cny there.",
    )
    first_build_year: int | None = Field(None, description="First year it can be built (None: the first planning year).")


def _refuse_per_kw_subsidy(value: float, what: str) -> float:
    """subsidy_cny_per_kw on a technology not rated in kW: refused unless 0."""
    if value:
        raise ValueError(
            f"subsidy_cny_per_kw has no meaning for {what}; expected 0 or nothing, got {value:g} "
            "(give a one-off subsidy as finance.lump_sum_subsidy_cny)")
    return value


class PV(TechBase):
    max_kw: NonNeg | None = Field(None, description="Capacity limit, kWp (roof or land).")
    roof_area_m2: NonNeg | None = Field(None, description="Usable roof area; kWp limit = area x kwp_per_m2.")
    kwp_per_m2: NonNeg = Field(0.2, description="kWp per m2 of usable roof (about 5 m2 per kWp).")
    capex_cny_per_kw: NonNeg | None = Field(None, description="Turnkey capex, CNY per kWp. Default: catalogue (pathway catalogue), by build year.")
    fom_cny_per_kw_yr: NonNeg | None = Field(None, description="Fixed O&M, CNY per kWp per year. Default: catalogue.")
    life_years: LifeYears | None = Field(None, description="Economic life, years (at most 100). Default: catalogue.")
    degradation_per_yr: Share | None = Field(None, description="Output loss per year of age, fraction/yr. Default: catalogue.")
    yield_kwh_per_kwp_yr: NonNeg | None = Field(None, description="Scale the profile to this yearly yield.")
    profile: Profile | None = Field(None, description="Hourly capacity factors (CSV); None: generated with pvlib.")


class Battery(TechBase):
    capex_energy_cny_per_kwh: NonNeg | None = Field(None, description="Capex of energy capacity, CNY per kWh. Default: catalogue, by build year.")
    capex_power_cny_per_kw: NonNeg | None = Field(None, description="Capex of power capacity (PCS), CNY per kW. Default: catalogue, by build year.")
    fom_cny_per_kw_yr: NonNeg | None = Field(None, description="Fixed O&M, CNY per kW of power per year. Default: catalogue.")
    round_trip_efficiency: Annotated[float, Field(gt=0, le=1)] | None = Field(None, description="Energy out / energy in over a cycle, fraction. Default: catalogue.")
    life_years: LifeYears | None = Field(None, description="Economic life, years (at most 100). Default: catalogue.")
    min_duration_h: NonNeg | None = Field(None, description="Smallest energy / power ratio, hours. Default: catalogue.")
    max_duration_h: NonNeg | None = Field(None, description="Largest energy / power ratio, hours. Default: catalogue.")
    max_kwh: NonNeg | None = Field(None, description="Energy capacity limit, kWh (None: no limit).")
    degradation_cny_per_kwh: NonNeg | None = Field(
        None, description="Wear (throughput) cost per kWh discharged, CNY/kWh; cost category 'battery_degradation'. "
                          "None: the catalogue default (battery.degradation_cny_per_kwh, about 0.07 CNY/kWh for LFP).")


class HeatTech(TechBase):
    capex_cny_per_kw_th: NonNeg | None = Field(None, description="Installed capex, CNY per kW of heat output. Default: catalogue, by build year.")
    fom_cny_per_kw_yr: NonNeg | None = Field(
        None, description="Fixed O&M, CNY per kW_th per year. None: the catalogue value; gas_boiler has no "
                          "catalogue row, so a new gas boiler carries fixed O&M only when it is given here (default 0).")
    life_years: LifeYears | None = Field(None, description="Economic life, years (at most 100). Default: catalogue.")
    max_temp_c: NonNeg | None = Field(None, description="Highest supply temperature, °C: loads hotter than this cannot be served. Default: catalogue.")
    max_kw_th: NonNeg | None = Field(None, description="Capacity limit, kW of heat output (None: no limit).")


class HeatPump(HeatTech):
    cop_by_temp_c: dict[float, Annotated[float, Field(gt=0)]] | None = Field(
        None, description="COP at supply temperatures (°C); None: the catalogue's cop_at_* points. Linear in "
                          "between; beyond the end points a Carnot fraction fitted to the points "
                          "(pathway.inputs.prepare.cop_at)."
    )


class Boiler(HeatTech):
    efficiency: Annotated[float, Field(gt=0, le=1.2)] | None = Field(None, description="Heat out per energy in (fuel NCV or electricity), fraction. Default: catalogue.")


class ThermalStorage(TechBase):
    capex_cny_per_kwh_th: NonNeg | None = Field(None, description="Capex, CNY per kWh of heat stored. Default: catalogue.")
    loss_per_h: Share | None = Field(None, description="Share of the stored heat lost per hour, fraction/h. Default: catalogue.")
    max_temp_c: NonNeg | None = Field(None, description="Hottest load it can serve, °C. Default: catalogue.")
    life_years: LifeYears | None = Field(None, description="Economic life, years (at most 100). Default: catalogue.")
    max_kwh_th: NonNeg | None = Field(None, description="Capacity limit, kWh of heat (None: no limit).")

    @field_validator("subsidy_cny_per_kw")
    @classmethod
    def _no_subsidy(cls, v: float) -> float:
        return _refuse_per_kw_subsidy(v, "thermal storage (capacity in kWh_th)")


class EfficiencyMeasure(TechBase):
    max_saving_share: Share | None = Field(None, description="Share of the carrier's demand saved at full adoption, fraction. Default: catalogue.")
    capex_cny_per_mwh_saved_yr: NonNeg | None = Field(None, description="Capex per MWh/yr saved at full adoption, CNY/(MWh/yr). Default: catalogue, by build year.")
    life_years: LifeYears | None = Field(None, description="Economic life, years (at most 100). Default: catalogue.")

    @field_validator("subsidy_cny_per_kw")
    @classmethod
    def _no_subsidy(cls, v: float) -> float:
        return _refuse_per_kw_subsidy(v, "an efficiency measure (capacity is a share of adoption)")


class CCUS(TechBase):
    variant: Literal["ccus_large", "ccus_small"] = Field("ccus_small", description="Catalogue variant: ccus_small (<= 0.1 Mt/yr, amine) or ccus_large (cement/steel scale). Default ccus_small.")
    capex_cny_per_t_yr: NonNeg | None = Field(None, description="Capex per t/yr of capture capacity, CNY/(t/yr). Default: catalogue, by build year.")
    opex_cny_per_t: NonNeg | None = Field(None, description="Operating cost per t captured (solvent, labour; energy is modelled separately), CNY/t. Default: catalogue.")
    transport_storage_cny_per_t: NonNeg | None = Field(None, description="Transport and storage per t captured, CNY/t. Default: catalogue.")
    capture_rate: Share | None = Field(None, description="Share of the CO2 routed to capture that is captured, fraction. Default: catalogue.")
    heat_gj_per_t: NonNeg | None = Field(None, description="Solvent regeneration heat, GJ per t captured (supplied by the plant's heaters in the model). Default: catalogue.")
    elec_kwh_per_t: NonNeg | None = Field(None, description="Compression and auxiliaries, kWh per t captured. Default: catalogue.")
    regeneration_temp_c: NonNeg | None = Field(None, description="Regeneration heat temperature, °C (which heaters can supply it). Default: catalogue.")
    life_years: LifeYears | None = Field(None, description="Economic life, years (at most 100). Default: catalogue.")
    max_t_per_yr: NonNeg | None = Field(None, description="Capture capacity limit, t/yr (None: no limit).")
    sources: list[Literal["process", "combustion"]] = Field(default_factory=lambda: ["process", "combustion"], description="CO2 sources it may capture from: process, combustion (stationary fuel use, incl. its own regeneration heat). Default both.")

    @field_validator("subsidy_cny_per_kw")
    @classmethod
    def _no_subsidy(cls, v: float) -> float:
        return _refuse_per_kw_subsidy(v, "CCUS (capacity in t/yr)")


class Purchase(Strict):
    enabled: bool = Field(True, description="Allow the purchase. Default true.")
    max_mwh_per_yr: NonNeg | None = Field(None, description="Annual availability; None: unlimited.")


class OffsetOption(Strict):
    enabled: bool = Field(True, description="Allow the purchase. Default true.")
    max_t_per_yr: NonNeg | None = Field(None, description="Most that can be bought per year, tCO2 (None: unlimited; the rule's offset cap still applies).")


class Technologies(Strict):
    pv: PV | None = Field(None, description="Rooftop PV ({} for catalogue defaults; omit to exclude).")
    battery: Battery | None = Field(None, description="Battery storage, energy and power sized separately.")
    heat_pump_low: HeatPump | None = Field(None, description="Heat pump for loads up to about 90 °C.")
    heat_pump_high: HeatPump | None = Field(None, description="High-temperature heat pump (to about 150 °C steam).")
    electric_boiler: Boiler | None = Field(None, description="Electric (resistive/electrode) boiler.")
    gas_boiler: Boiler | None = Field(None, description="New gas boiler (a fuel switch or a like-for-like replacement).")
    biomass_boiler: Boiler | None = Field(None, description="Biomass boiler (biogenic CO2 counted as zero).")
    thermal_storage: ThermalStorage | None = Field(None, description="Electric thermal storage charged by a resistive element.")
    efficiency: dict[Literal[EFFICIENCY_MEASURES], EfficiencyMeasure] = Field(
        default_factory=dict, description="Efficiency measures by id, each {} for catalogue defaults.")
    ccus: CCUS | None = Field(None, description="Carbon capture, with its energy penalty inside the model.")
    green_power: Purchase | None = Field(None, description="Green power purchases (绿电交易), MWh/yr at a premium over the grid price.")
    green_certificates: Purchase | None = Field(None, description="Green electricity certificates (GEC, 绿证), MWh/yr.")
    offsets: OffsetOption | None = Field(None, description="CCER offsets, tCO2/yr (capped by the rule).")
    nature_removals: OffsetOption | None = Field(None, description="Nature-based removals, tCO2/yr (capped by the rule like offsets).")


class Target(Strict):
    preset: Annotated[str, BeforeValidator(_casefold)] = Field(
        "national", description="Rule preset id (data/target_presets.yaml) or 'custom'; any case (normalised to "
                                "the lower-case id); an unknown id is refused with the list of presets.")
    scope2_method: Literal["market", "location"] = Field("market", description="Scope-2 method the ceiling and rules use: market (certificates and green power at zero, the rest at the residual factor) or location. Default market.")
    min_own_reduction_share: Share | None = Field(None, description="From the target year, own emissions <= (1 - x) x baseline, fraction (None: the preset's).")
    max_net_emissions_share: Share | None = Field(None, description="Net emissions (after offsets) in the target year <= x x baseline, fraction (None: the preset's).")
    max_offset_share: Share | None = Field(None, description="Offsets + removals per year <= x x baseline, fraction (None: the preset's).")
    min_green_electricity_share: Share | None = Field(None, description="From the target year, (PV used + green power + certificates) / electricity use >= x, fraction (None: the preset's).")
    offsets_allowed_before_target_year: bool | None = Field(None, description="Whether offsets may be bought before the target year (None: the preset's).")
    certificates_count_as_own_reduction: bool | None = Field(
        None, description="Whether green certificates (GECs) lower the emissions the own-reduction rule measures "
                          "(true), or only the market-based scope 2 the ceiling uses (false). None: the preset's "
                          "default (see data/target_presets.yaml; true in every bundled preset, an assumption).")
    green_power_counts_as_own_reduction: bool | None = Field(
        None, description="The same for green power purchases (绿电交易). None: the preset's default (true in every "
                          "bundled preset, an assumption).")
    trajectory: Literal["linear"] | dict[int, NonNeg] = Field(
        "linear", description="'linear' from baseline to the target, or ceiling shares of baseline by year."
    )


class Finance(Strict):
    loan_to_cost: Share = Field(0.7, description="Largest loan as a share of financed net capex, fraction. Default 0.7 (data/finance_defaults.csv).")
    tenor_years: LifeYears = Field(5, description="Loan tenor, years from the first drawdown (at most 100). Default 5.")
    interest_rate: Share = Field(0.035, description="Nominal interest rate, fraction/yr. Default 0.035.")
    grace_years: Annotated[int, Field(ge=0)] = Field(0, description="Years of interest only before repayment starts (< tenor_years). Default 0.")
    repayment: Literal["annuity", "equal_principal", "sculpted"] = Field(
        "annuity", description="annuity (level payments), equal_principal, or sculpted (debt service = CFADS / min_dscr, scaled to repay the loan). Default annuity.")
    availability_years: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Years from the first drawdown in which capex is drawn (capex later is equity); None: up to the last capex year inside the tenor, leaving one repayment year.")
    idc: Literal["capitalised", "paid"] = Field(
        "capitalised", description="Interest during construction (the availability period): capitalised into the loan balance, or paid from CFADS. Default capitalised.")
    dsra_months: Annotated[float, Field(ge=0, le=24)] = Field(
        0.0, description="Debt-service reserve account: months of the next year's debt service held from the first repayment year, funded by equity. Default 0 (none).")
    income_tax: Literal["standard", "high_tech", "none"] = Field(
        "standard", description="Corporate income tax on the plan's incremental profit: standard 25 %, high_tech 15 % (certified high and new technology enterprise), none (pre-tax). Default standard.")
    inflation_rate: Annotated[float, Field(ge=-0.05, le=0.5)] | None = Field(
        None, description="Inflation, fraction/yr, to turn the plan's real cash flows into nominal ones for the loan (Fisher); None: data/finance_defaults.csv.")
    kpi_include_certificates: bool = Field(
        False, description="SLL KPI counts green certificates and green power purchases; default False: physical emissions only.")
    min_dscr: NonNeg = Field(1.2, description="Minimum debt service coverage ratio (CFADS / debt service) in every year. Default 1.2.")
    lump_sum_subsidy_cny: NonNeg = Field(0.0, description="One-off subsidy in the target year, CNY (e.g. a zero-carbon-factory award). Default 0.")
    # Sustainability-linked loan (SLL) terms and the appraisal period (pathway.finance).
    # None: the default in data/finance_defaults.csv (sourced) or the documented rule.
    kpi_metric: Literal["intensity", "absolute"] = Field(
        "intensity", description="SLL KPI: tCO2 per unit output (intensity) or absolute tCO2 (after capture, before offsets).")
    kpi_reduction_per_yr: Share | None = Field(
        None, description="KPI target: the metric falls by this share per year from the baseline, compounding.")
    kpi_step_down_bp: NonNeg | None = Field(None, description="Margin cut (bp) in a year the KPI is met.")
    kpi_step_up_bp: NonNeg | None = Field(None, description="Margin rise (bp) in a year the KPI is missed.")
    appraisal_years: LifeYears | None = Field(
        None, description="Years of cash flows for NPV/IRR/payback from the first planning year; None: until the last asset built retires.")

    @model_validator(mode="after")
    def _grace_inside_tenor(self) -> Finance:
        if self.grace_years >= self.tenor_years:
            raise ValueError(f"grace_years ({self.grace_years}) must be less than tenor_years ({self.tenor_years})")
        if self.availability_years is not None and self.availability_years >= self.tenor_years:
            raise ValueError(f"availability_years ({self.availability_years}) must be less than tenor_years ({self.tenor_years})")
        return self


class Distribution(Strict):
    """The distribution of one uncertain parameter (Monte Carlo, ``pathway montecarlo``):

    - normal: ``mean``, ``sd``; optional ``low``/``high`` truncate it (draws stay inside);
    - triangular: ``low``, ``mode``, ``high``;
    - uniform: ``low``, ``high``;
    - lognormal: ``median`` (> 0) and ``sigma``, the standard deviation of ln(value).
    """

    dist: Literal["normal", "triangular", "uniform", "lognormal"] = Field(description="normal, triangular, uniform or lognormal.")
    mean: float | None = Field(None, description="Mean (normal), in the field's unit.")
    sd: float | None = Field(None, gt=0, description="Standard deviation (normal), in the field's unit, > 0.")
    low: float | None = Field(None, description="Lower bound (triangular, uniform; truncates a normal), in the field's unit.")
    mode: float | None = Field(None, description="Most likely value (triangular), in the field's unit.")
    high: float | None = Field(None, description="Upper bound (triangular, uniform; truncates a normal), in the field's unit.")
    median: float | None = Field(None, gt=0, description="Median (lognormal), in the field's unit, > 0.")
    sigma: float | None = Field(None, gt=0, description="Standard deviation of ln(value) (lognormal), > 0.")

    @model_validator(mode="after")
    def _fields_of_dist(self) -> Distribution:
        need = {"normal": ("mean", "sd"), "triangular": ("low", "mode", "high"), "uniform": ("low", "high"),
                "lognormal": ("median", "sigma")}[self.dist]
        allowed = set(need) | ({"low", "high"} if self.dist == "normal" else set())
        given = {k for k in ("mean", "sd", "low", "mode", "high", "median", "sigma") if getattr(self, k) is not None}
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.dist} distribution needs {', '.join(need)}; missing {', '.join(missing)}")
        extra = sorted(given - allowed)
        if extra:
            raise ValueError(f"a {self.dist} distribution takes {', '.join(sorted(allowed))}; remove {', '.join(extra)}")
        lo, hi = self.low, self.high
        if self.dist == "triangular" and not (lo <= self.mode <= hi and lo < hi):
            raise ValueError(f"triangular needs low <= mode <= high and low < high, got low={lo:g}, mode={self.mode:g}, high={hi:g}")
        if self.dist == "uniform" and not lo < hi:
            raise ValueError(f"uniform needs low < high, got low={lo:g}, high={hi:g}")
        if self.dist == "normal" and lo is not None and hi is not None and not lo < hi:
            raise ValueError(f"normal truncation needs low < high, got low={lo:g}, high={hi:g}")
        return self


def _numeric_field_path(path: str) -> str:
    """A key of uncertainty.parameters: a dotted path to a numeric scenario field."""
    try:
        kind = field_kind(Scenario, path)
    except PathError as exc:
        raise ValueError(str(exc)) from None
    if kind not in ("float", "int"):
        raise ValueError(f"'{path}' is not a numeric field; only numbers can be drawn")
    return path


class Uncertainty(Strict):
    """Uncertain parameters for ``pathway montecarlo`` (a plain run ignores this block).
    Keys of ``parameters`` are dotted scenario fields, e.g. ``prices.gec_cny_per_mwh``."""

    seed: Annotated[int, Field(ge=0)] = Field(description="Random seed: the same seed gives the same samples.")
    samples: SampleCount | None = Field(None, description="Default number of samples, at most 100,000 (--samples overrides).")
    parameters: dict[Annotated[str, AfterValidator(_numeric_field_path)], Distribution] = Field(
        min_length=1, description="Dotted field path -> distribution.")


# ---- product footprint, CBAM and national ETS (issue 17, part A) ---------------------------------
# Read by `pathway footprint` after the solve (pathway.analysis.footprint / cbam); the LP
# does not see this block.


class ProductLine(Strict):
    """One product of the plant, for the footprint (ISO 14067 / GB/T 24067) and CBAM."""

    name: str = Field(min_length=1, description="Product name (unique), used in tables and charts.")
    unit: str = Field("t", min_length=1, description="Declared unit of the product, e.g. 't', 'piece', 'm2'. Default t.")
    output_units_per_yr: float = Field(gt=0, description="Base-year output of this product, in `unit` per year.")
    growth_per_yr: float | None = Field(None, ge=-0.5, le=1.0, description="Output growth, fraction per year (None: production.growth_per_yr).")
    mass_t_per_unit: float | None = Field(None, gt=0, description="Mass of one unit, t, > 0 (needed by allocation: mass and by CBAM).")
    value_cny_per_unit: NonNeg | None = Field(None, description="Sales value of one unit, CNY (needed by allocation: economic).")
    metered_share: Share | None = Field(None, description="Metered share of the plant's emissions (allocation: metered; the shares sum to 1).")
    cn_code: str | None = Field(None, pattern=r"^[0-9 ]{4,12}$", description="EU Combined Nomenclature code, e.g. '7318 15 90'; in CBAM scope when it matches data/cbam_goods.csv.")
    eu_export_share: Share = Field(0.0, description="Share of the output exported to the EU (CBAM applies to it), fraction. Default 0.")


class PurchasedMaterial(Strict):
    """A purchased material that goes into a product (cradle-to-gate footprint)."""

    name: str = Field(min_length=1, description="Material name, e.g. 'wire rod'.")
    product: str = Field(min_length=1, description="The product (footprint.products[].name) it goes into.")
    quantity_per_unit: NonNeg = Field(description="Quantity of the material per unit of product, in quantity_unit.")
    quantity_unit: str = Field("kg", min_length=1, description="Unit of quantity_per_unit and of the factor, e.g. 'kg', 'kWh'. Default kg.")
    factor_kgco2e_per_quantity_unit: NonNeg | None = Field(None, description="Cradle-to-gate emission factor, kgCO2e per quantity_unit (None: factor_id).")
    factor_id: str | None = Field(None, description="A factor_id of footprint.materials_csv or of the bundled data/material_factors.csv.")
    cbam_precursor_kgco2e_per_quantity_unit: NonNeg | None = Field(
        None, description="When the material is a CBAM precursor (e.g. steel wire rod in a bolt): its embedded emissions under "
                          "CBAM rules (the supplier's declared value, or the EU default), kgCO2e per quantity_unit; added to the "
                          "product's embedded emissions (Regulation (EU) 2023/956 Annex IV). None: not a precursor.")

    @model_validator(mode="after")
    def _one_factor(self) -> PurchasedMaterial:
        if (self.factor_kgco2e_per_quantity_unit is None) == (self.factor_id is None):
            raise ValueError(f"material '{self.name}': give exactly one of factor_kgco2e_per_quantity_unit or factor_id")
        return self


class CbamSettings(Strict):
    """Overrides of the bundled CBAM data (data/cbam.csv)."""

    eu_ets_eur_per_t: dict[int, NonNeg] = Field(default_factory=dict, description="EU ETS price by year, EUR/tCO2e (held flat after the last year given); default: data/cbam.csv.")
    cny_per_eur: NonNeg | None = Field(None, description="Exchange rate, CNY per EUR (None: data/cbam.csv, an estimate).")


class EtsSettings(Strict):
    """The plant's place in the national ETS (power, steel, cement, aluminium: data/ets_sectors.csv)."""

    benchmark_tco2_per_unit: NonNeg = Field(description="Allocation intensity benchmark, tCO2 per unit of production.output (MEE allocation plan of the sector and year).")
    covers: Literal["direct", "all"] = Field("direct", description="Emissions the ETS covers: direct (scope 1) or all (scope 1 + location-based scope 2). Default direct.")
    price_cny_per_t: dict[int, NonNeg] = Field(default_factory=dict, description="Allowance (CEA) price by year, CNY/t (held flat after the last year given); default: data/prices.csv ets_allowance_cny_per_t.")


class FootprintSpec(Strict):
    """Products, purchased materials and the CBAM / ETS settings for ``pathway footprint``."""

    allocation: Literal["mass", "economic", "metered"] = Field("mass", description="Rule that allocates the plant's scope 1 + 2 across products (ISO 14067 6.4.6): mass, economic (value) or metered share. Default mass.")
    products: list[ProductLine] = Field(min_length=1, description="The plant's products.")
    materials: list[PurchasedMaterial] = Field(default_factory=list, description="Purchased materials with quantities and factors (cradle-to-gate).")
    materials_csv: str | None = Field(None, description="CSV of material factors (columns factor_id, unit, value_kgco2e_per_unit, source, year), relative to the scenario file; its rows override the bundled ones.")
    cbam: CbamSettings = Field(default_factory=CbamSettings, description="EU CBAM price and exchange-rate overrides.")
    ets: EtsSettings | None = Field(None, description="National ETS position (None: the plant is not in the national ETS).")

    @model_validator(mode="after")
    def _consistent(self) -> FootprintSpec:
        names = [p.name for p in self.products]
        if len(set(names)) != len(names):
            raise ValueError(f"footprint.products: names must be unique, got {names}")
        need = {"mass": "mass_t_per_unit", "economic": "value_cny_per_unit", "metered": "metered_share"}[self.allocation]
        for other, rule in (("value_cny_per_unit", "economic"), ("metered_share", "metered")):
            unused = [p.name for p in self.products if getattr(p, other) is not None and self.allocation != rule]
            if unused:
                raise ValueError(f"footprint.products {unused}: {other} is used only by allocation: {rule}, "
                                 f"got allocation: {self.allocation} (remove it or change the rule)")
        missing = [p.name for p in self.products if getattr(p, need) is None]
        if missing:
            raise ValueError(f"footprint.products {missing}: {need} is needed by allocation: {self.allocation}")
        if self.allocation == "economic" and not any(p.value_cny_per_unit for p in self.products):
            raise ValueError("footprint.products[].value_cny_per_unit: allocation: economic needs at least one product "
                             "with a value > 0 (the shares are value x output over the total)")
        if self.allocation == "metered" and abs(sum(p.metered_share for p in self.products) - 1.0) > 1e-6:
            raise ValueError("footprint.products[].metered_share: the shares must sum to 1")
        for m in self.materials:
            if m.product not in names:
                raise ValueError(f"footprint.materials '{m.name}': product '{m.product}' is not in footprint.products {names}")
        for p in self.products:
            if p.eu_export_share > 0 and (p.mass_t_per_unit is None or p.cn_code is None):
                raise ValueError(f"footprint.products '{p.name}': eu_export_share > 0 needs mass_t_per_unit and cn_code (CBAM is per tonne)")
        return self


# ---- disclosure (issue 17, part A): read by `pathway disclose`, not by the LP --------------------


class CertificateRecord(Strict):
    """A certificate or offset the plant has retired, as recorded in its registry."""

    kind: Literal["gec", "green_power", "ccer", "other"] = Field(description="gec (绿证), green_power (绿电交易 contract), ccer, or other.")
    registry: str = Field(min_length=1, description="Registry or platform, e.g. 'China Green Certificate Trading Platform' or 'CCER registry'.")
    serial: str = Field(min_length=1, description="Serial number or range, as the registry shows it.")
    quantity: NonNeg = Field(description="Quantity retired, in unit.")
    unit: Literal["MWh", "tCO2e"] = Field(description="MWh (certificates, green power) or tCO2e (offsets).")
    vintage_year: int = Field(ge=2000, le=2100, description="Production (vintage) year of the certificates or credits.")


class Verification(Strict):
    """Who verified the inventory and the claim, if anyone yet."""

    status: Literal["not_verified", "in_progress", "verified"] = Field("not_verified", description="Verification status. Default not_verified.")
    verifier: str | None = Field(None, description="Verification body, when engaged.")
    standard: str | None = Field(None, description="Verification standard, e.g. 'ISO 14064-3:2019'.")
    statement_date: str | None = Field(None, description="Date of the verification statement, YYYY-MM-DD.", pattern=r"^\d{4}-\d{2}-\d{2}$")


class DisclosureSpec(Strict):
    """What the disclosure document states beyond the run's tables (pathway disclose)."""

    boundary: str = Field("", description="Organisational and site boundary in words (sites, processes, what is excluded).")
    certificates: list[CertificateRecord] = Field(default_factory=list, description="Certificates and offsets retired, with registry identifiers.")
    verification: Verification = Field(default_factory=Verification, description="Verification status of the inventory and the claim.")

# ---- direct green-power line (绿电直连; issue 17 part B) ------------------------------------

class DirectLine(Strict):
    """A wind or PV plant supplying the factory through a dedicated line (绿电直连), under the
    NDRC/NEA notice 发改能源〔2025〕650号 (rules with sources in data/direct_line_rules.csv).
    Declaring it commits the plant to it from ``first_year``: the LP sizes the line."""

    plant: Literal["pv", "wind"] = Field(description="The renewable plant at the line's far end.")
    profile: Profile | None = Field(
        None, description="Hourly output shape: shape csv (a column of 8,760 capacity factors, kW per kW of line) or a "
                          "built-in shape (flat, ...) scaled by full_load_hours_per_yr. None: the site's PV profile "
                          "(plant pv only; needs factory latitude/longitude or technologies.pv.profile).")
    full_load_hours_per_yr: NonNeg | None = Field(
        None, description="Scale the profile to this many full-load hours a year (kWh per kW); needed with a built-in shape.")
    energy_price_cny_per_mwh: NonNeg = Field(description="Price paid per MWh taken from the line (the plant's energy price).")
    line_capex_cny_per_kw: NonNeg = Field(description="Capex of the dedicated line and its connection, CNY per kW of line capacity.")
    line_fom_cny_per_kw_yr: NonNeg = Field(0.0, description="Fixed O&M of the line, CNY per kW a year. Default 0.")
    line_life_years: int = Field(25, ge=1, le=60, description="Economic life of the line, years. Default 25.")
    max_kw: NonNeg | None = Field(None, description="Largest line capacity, kW (None: no limit).")
    first_year: int | None = Field(None, description="First year the line serves (None: the first planning year); the "
                                                     "notice's minimum share of consumption applies from then on.")
    min_self_consumption_share: Share | None = Field(
        None, description="Self-consumed share of the plant's available generation, at least (None: the notice's 60%).")
    max_feed_in_share: Share | None = Field(
        None, description="Surplus fed into the grid, at most this share of available generation (None: 20%, the usual "
                          "provincial cap; 0: no reverse flow). The rest of the surplus is curtailed.")
    min_share_of_consumption: Share | None = Field(
        None, description="Line electricity as a share of the plant's consumption, at least (None: the notice's 30%, "
                          "35% from 2030).")


class Scenario(Strict):
    """A whole scenario after ``extends`` has been merged."""

    name: str = Field(min_length=1, description="Scenario id (used in file names and reports).")
    description: str = Field("", description="One line shown under the report's title.")
    factory: Factory = Field(description="The plant: name, sector, location.")
    horizon: Horizon = Field(description="Base, target and end years and the discount rate.")
    time: TimeResolution = Field(default_factory=TimeResolution, description="Time resolution of the model: typical days or all hours.")
    production: Production = Field(description="Output, its unit and growth (demand grows with it).")
    baseline: Baseline = Field(description="Base-year energy use, process CO2 and what the fuels heat.")
    grid: GridFactors = Field(default_factory=GridFactors, description="Grid emission factors and their path.")
    emission_factors: EmissionFactorOverrides = Field(default_factory=EmissionFactorOverrides, description="Fuel emission factor overrides.")
    prices: Prices = Field(default_factory=Prices, description="Electricity tariff, fuel and instrument prices, carbon price.")
    technologies: Technologies = Field(default_factory=Technologies, description="The catalogue of levers the plan may use; omitted technologies are not available.")
    target: Target = Field(default_factory=Target, description="The rule: preset, scope-2 method and overrides.")
    finance: Finance | None = Field(None, description="Loan terms; when given, pathway run also solves the business-as-usual twin and sizes the loan.")
    uncertainty: Uncertainty | None = Field(None, description="Distributions for pathway montecarlo; ignored by a run.")
    footprint: FootprintSpec | None = Field(None, description="Products, materials, CBAM and ETS settings for pathway footprint; ignored by a run.")
    disclosure: DisclosureSpec | None = Field(None, description="Boundary text, retired certificates with registry identifiers and verification status for pathway disclose; ignored by a run.")
    direct_line: DirectLine | None = Field(None, description="A direct green-power line (绿电直连): plant, profile, prices, limits.")

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        h = self.horizon
        if self.prices.cbam and self.footprint is None:
            raise ValueError("prices.cbam: true needs a footprint: block (products with cn_code and eu_export_share)")
        if self.prices.ets and (self.footprint is None or self.footprint.ets is None):
            raise ValueError("prices.ets: true needs footprint.ets (benchmark_tco2_per_unit)")
        if self.prices.ets and self.prices.carbon_price_cny_per_t > 0:
            raise ValueError("prices.ets: true prices the plant's emissions at the CEA price; prices.carbon_price_cny_per_t "
                             "would charge them twice: set one of them")
        for load in self.baseline.heat_loads:
            y = load.existing_boiler_retire_year
            if y is not None and y <= h.base_year:
                raise ValueError(
                    f"baseline.heat_loads '{load.name}': existing_boiler_retire_year ({y}) must be after base_year ({h.base_year})"
                )
        if isinstance(self.target.trajectory, dict):
            bad = [y for y in self.target.trajectory if not h.base_year < y <= h.end_year]
            if bad:
                raise ValueError(f"target.trajectory: years {bad} outside {h.base_year + 1}..{h.end_year}")
        return self


DRAFTS = {"2020-12": "https://json-schema.org/draft/2020-12/schema", "07": "http://json-schema.org/draft-07/schema#"}


def json_schema(partial: bool = False, draft: str = "2020-12") -> dict:
    """The scenario JSON Schema (what ``pathway schema`` prints), accepting ``extends``.

    ``partial``: nothing is required anywhere, for a file that ``extends`` a base and sets
    only what it changes (unknown keys and wrong types are still errors). ``draft``:
    '2020-12' (default) or '07' for editors that only know draft-07 (``$defs`` become
    ``definitions``)."""
    if draft not in DRAFTS:
        raise ValueError(f"unknown JSON Schema draft {draft!r}; expected one of {', '.join(DRAFTS)}")
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Path of a base scenario, relative to this file; its fields are deep-merged under these.",
    }
    schema["title"] = "pathway scenario" + (" (partial: a file that extends another)" if partial else "")
    if partial:
        _drop_required(schema)
    if draft == "07":
        schema = _to_draft07(schema)
    schema["$schema"] = DRAFTS[draft]
    return schema


def _drop_required(node) -> None:
    if isinstance(node, dict):
        node.pop("required", None)
        for v in node.values():
            _drop_required(v)
    elif isinstance(node, list):
        for v in node:
            _drop_required(v)


def _to_draft07(node):
    """Draft 2020-12 -> draft-07: ``$defs`` -> ``definitions`` (and the refs into them)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$defs":
                out["definitions"] = _to_draft07(v)
            elif k == "$ref" and isinstance(v, str):
                out[k] = v.replace("#/$defs/", "#/definitions/")
            else:
                out[k] = _to_draft07(v)
        return out
    if isinstance(node, list):
        return [_to_draft07(v) for v in node]
    return node
