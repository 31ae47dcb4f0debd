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
PosInt = Annotated[int, Field(gt=0)]


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

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


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
    sector: Annotated[Sector, BeforeValidator(_casefold)]
    province: Province | None = Field(
        None, description="Province in pinyin, any case (normalised to lower case, e.g. 'Jiangsu' -> jiangsu): "
                          "selects the province's default prices (data/prices.csv). None: national defaults.")
    grid_region: Annotated[GridRegion, BeforeValidator(_casefold)] = Field(
        description="Regional grid of the MEE/NBS factors, any case (normalised to lower case).")
    latitude_deg: float | None = Field(None, ge=-90, le=90)
    longitude_deg: float | None = Field(None, ge=-180, le=180)


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
    mode: Literal["representative_days", "hourly"] = "representative_days"
    representative_days: int = Field(12, ge=1, le=365, description="Typical days (tsam) when mode is representative_days.")


class Production(Strict):
    output_per_yr: float = Field(gt=0, description="Base-year output, in `unit`.")
    unit: str = Field(min_length=1, description="Unit of output, e.g. 't', 'vehicle', 'MWh IT load'.")
    growth_per_yr: float = Field(0.0, ge=-0.5, le=1.0, description="Output growth, fraction per year.")


class Profile(Strict):
    """An hourly shape: a built-in shift pattern or a column of a CSV with 8760 rows."""

    shape: Literal["flat", "one_shift", "two_shift", "three_shift", "csv"] = "two_shift"
    csv: str | None = Field(None, description="CSV path, relative to the scenario file (shape: csv).")
    column: str | None = Field(None, description="Column of the CSV to use (shape: csv).")

    @model_validator(mode="after")
    def _csv_needs_path(self) -> Profile:
        if self.shape == "csv" and not self.csv:
            raise ValueError("shape 'csv' needs a 'csv' path")
        return self


class Fuels(Strict):
    """Base-year fuel consumption, each in its trade unit (factors in data/fuel_factors.csv)."""

    natural_gas_m3: NonNeg = 0.0
    raw_coal_t: NonNeg = 0.0
    coke_t: NonNeg = 0.0
    diesel_t: NonNeg = 0.0
    gasoline_t: NonNeg = 0.0
    fuel_oil_t: NonNeg = 0.0
    lpg_t: NonNeg = 0.0
    biomass_t: NonNeg = 0.0


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

    name: str = Field(min_length=1)
    temperature_c: float = Field(gt=0, le=1500)
    fuel: FuelId
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
    electricity_profile: Profile = Field(default_factory=Profile)
    fuels: Fuels = Field(default_factory=Fuels)
    purchased_heat_gj: NonNeg = 0.0
    process_co2_t: NonNeg = Field(0.0, description="Non-combustion process CO2 (e.g. calcination), t.")
    green_power_mwh: NonNeg = Field(0.0, description="Base-year green power purchases (绿电交易), MWh.")
    green_certificates_mwh: NonNeg = Field(0.0, description="Base-year green certificates (GEC) surrendered, MWh.")
    onsite_pv_mwh: NonNeg = Field(0.0, description="Base-year own PV generation used on site, MWh (in electricity_mwh).")
    heat_loads: list[HeatLoad] = Field(default_factory=list)

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

    location_method: Literal["national", "regional"] = Field(
        "national", description="Location-based factor: national average or the factory's regional grid."
    )
    factor_year: int = Field(2023, description="Publication year of the MEE/NBS factor to start from.")
    location_tco2_per_mwh: NonNeg | None = Field(None, description="Override the location-based factor.")
    residual_mix_tco2_per_mwh: NonNeg | None = Field(
        None, description="Override the market-based residual factor (excl. market-traded non-fossil power)."
    )
    decline_per_yr: float = Field(0.0, ge=0, lt=1, description="Fall of both factors per year after factor_year.")
    location_values: dict[int, NonNeg] = Field(default_factory=dict, description="Explicit factors by year.")
    residual_mix_values: dict[int, NonNeg] = Field(default_factory=dict)


class EmissionFactorOverrides(Strict):
    """Override a fuel's emission factor, tCO2 per trade unit (e.g. measured carbon content)."""

    natural_gas_tco2_per_m3: NonNeg | None = None
    raw_coal_tco2_per_t: NonNeg | None = None
    coke_tco2_per_t: NonNeg | None = None
    diesel_tco2_per_t: NonNeg | None = None
    gasoline_tco2_per_t: NonNeg | None = None
    fuel_oil_tco2_per_t: NonNeg | None = None
    lpg_tco2_per_t: NonNeg | None = None
    purchased_heat_tco2_per_gj: NonNeg | None = None


class TouPeriod(Strict):
    name: str = Field(min_length=1, description="e.g. sharp, peak, flat, valley.")
    hours: str = Field(description="Hour ranges, end exclusive: '8-11,17-22'.", pattern=r"^\s*\d{1,2}\s*-\s*\d{1,2}\s*(,\s*\d{1,2}\s*-\s*\d{1,2}\s*)*$")
    price_cny_per_kwh: NonNeg
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
    import_limit_kw: NonNeg | None = None
    export_price_cny_per_kwh: NonNeg | None = Field(None, description="PV export price; None: export not allowed.")
    natural_gas_cny_per_m3: NonNeg | None = None
    raw_coal_cny_per_t: NonNeg | None = None
    coke_cny_per_t: NonNeg | None = None
    diesel_cny_per_t: NonNeg | None = None
    gasoline_cny_per_t: NonNeg | None = None
    fuel_oil_cny_per_t: NonNeg | None = None
    lpg_cny_per_t: NonNeg | None = None
    biomass_cny_per_t: NonNeg | None = None
    purchased_heat_cny_per_gj: NonNeg | None = None
    gec_cny_per_mwh: NonNeg | None = None
    green_power_premium_cny_per_mwh: NonNeg | None = None
    ccer_cny_per_t: NonNeg | None = None
    nature_removal_cny_per_t: NonNeg | None = None
    carbon_price_cny_per_t: NonNeg = Field(0.0, description="Carbon price paid on emissions (ETS-covered plants).")
    carbon_price_covers: Literal["direct", "all"] = Field(
        "direct",
        description="Emissions the carbon price applies to: 'direct' (scope 1 after capture; ETS allowances are "
                    "surrendered for a covered facility's direct emissions) or 'all' (scope 1 + 2, e.g. an internal price).",
    )
    energy_price_growth_per_yr: float = Field(0.0, ge=-0.2, le=0.5, description="Escalation of electricity and fuel prices.")
    carbon_price_growth_per_yr: float = Field(0.0, ge=-0.2, le=0.5)


class TechBase(Strict):
    enabled: bool = True
    max_build_per_yr: NonNeg | None = None
    subsidy_cny_per_kw: NonNeg = Field(
        0.0,
        description="Capex subsidy, CNY per kW of capacity, deducted from each build's capex; default 0. It applies "
                    "where capacity is rated in kW: PV (kWp), battery power (kW; not the kWh of energy) and heaters "
                    "(kW_th). Refused (exit 2) on efficiency measures, thermal storage (kWh_th) and CCUS (t/yr), "
                    "where a per-kW subsidy has no meaning: use finance.lump_sum_subsidy_cny there.",
    )
    first_build_year: int | None = None


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
    capex_cny_per_kw: NonNeg | None = None
    fom_cny_per_kw_yr: NonNeg | None = None
    life_years: PosInt | None = None
    degradation_per_yr: Share | None = None
    yield_kwh_per_kwp_yr: NonNeg | None = Field(None, description="Scale the profile to this yearly yield.")
    profile: Profile | None = Field(None, description="Hourly capacity factors (CSV); None: generated with pvlib.")


class Battery(TechBase):
    capex_energy_cny_per_kwh: NonNeg | None = None
    capex_power_cny_per_kw: NonNeg | None = None
    fom_cny_per_kw_yr: NonNeg | None = None
    round_trip_efficiency: Annotated[float, Field(gt=0, le=1)] | None = None
    life_years: PosInt | None = None
    min_duration_h: NonNeg | None = None
    max_duration_h: NonNeg | None = None
    max_kwh: NonNeg | None = None


class HeatTech(TechBase):
    capex_cny_per_kw_th: NonNeg | None = None
    fom_cny_per_kw_yr: NonNeg | None = Field(
        None, description="Fixed O&M, CNY per kW_th per year. None: the catalogue value; gas_boiler has no "
                          "catalogue row, so a new gas boiler carries fixed O&M only when it is given here (default 0).")
    life_years: PosInt | None = None
    max_temp_c: NonNeg | None = None
    max_kw_th: NonNeg | None = None


class HeatPump(HeatTech):
    cop_by_temp_c: dict[float, Annotated[float, Field(gt=0)]] | None = Field(
        None, description="COP at supply temperatures (°C); None: the catalogue's cop_at_* points. Linear in "
                          "between; beyond the end points a Carnot fraction fitted to the points "
                          "(pathway.inputs.prepare.cop_at)."
    )


class Boiler(HeatTech):
    efficiency: Annotated[float, Field(gt=0, le=1.2)] | None = None


class ThermalStorage(TechBase):
    capex_cny_per_kwh_th: NonNeg | None = None
    loss_per_h: Share | None = None
    max_temp_c: NonNeg | None = None
    life_years: PosInt | None = None
    max_kwh_th: NonNeg | None = None

    @field_validator("subsidy_cny_per_kw")
    @classmethod
    def _no_subsidy(cls, v: float) -> float:
        return _refuse_per_kw_subsidy(v, "thermal storage (capacity in kWh_th)")


class EfficiencyMeasure(TechBase):
    max_saving_share: Share | None = None
    capex_cny_per_mwh_saved_yr: NonNeg | None = None
    life_years: PosInt | None = None

    @field_validator("subsidy_cny_per_kw")
    @classmethod
    def _no_subsidy(cls, v: float) -> float:
        return _refuse_per_kw_subsidy(v, "an efficiency measure (capacity is a share of adoption)")


class CCUS(TechBase):
    variant: Literal["ccus_large", "ccus_small"] = "ccus_small"
    capex_cny_per_t_yr: NonNeg | None = None
    opex_cny_per_t: NonNeg | None = None
    transport_storage_cny_per_t: NonNeg | None = None
    capture_rate: Share | None = None
    heat_gj_per_t: NonNeg | None = None
    elec_kwh_per_t: NonNeg | None = None
    regeneration_temp_c: NonNeg | None = None
    life_years: PosInt | None = None
    max_t_per_yr: NonNeg | None = None
    sources: list[Literal["process", "combustion"]] = Field(default_factory=lambda: ["process", "combustion"])

    @field_validator("subsidy_cny_per_kw")
    @classmethod
    def _no_subsidy(cls, v: float) -> float:
        return _refuse_per_kw_subsidy(v, "CCUS (capacity in t/yr)")


class Purchase(Strict):
    enabled: bool = True
    max_mwh_per_yr: NonNeg | None = Field(None, description="Annual availability; None: unlimited.")


class OffsetOption(Strict):
    enabled: bool = True
    max_t_per_yr: NonNeg | None = None


class Technologies(Strict):
    pv: PV | None = None
    battery: Battery | None = None
    heat_pump_low: HeatPump | None = None
    heat_pump_high: HeatPump | None = None
    electric_boiler: Boiler | None = None
    gas_boiler: Boiler | None = None
    biomass_boiler: Boiler | None = None
    thermal_storage: ThermalStorage | None = None
    efficiency: dict[
        Literal[EFFICIENCY_MEASURES],
        EfficiencyMeasure,
    ] = Field(default_factory=dict)
    ccus: CCUS | None = None
    green_power: Purchase | None = None
    green_certificates: Purchase | None = None
    offsets: OffsetOption | None = None
    nature_removals: OffsetOption | None = None


class Target(Strict):
    preset: Annotated[str, BeforeValidator(_casefold)] = Field(
        "national", description="Rule preset id (data/target_presets.yaml) or 'custom'; any case (normalised to "
                                "the lower-case id); an unknown id is refused with the list of presets.")
    scope2_method: Literal["market", "location"] = "market"
    min_own_reduction_share: Share | None = None
    max_net_emissions_share: Share | None = None
    max_offset_share: Share | None = None
    min_green_electricity_share: Share | None = None
    offsets_allowed_before_target_year: bool | None = None
    trajectory: Literal["linear"] | dict[int, NonNeg] = Field(
        "linear", description="'linear' from baseline to the target, or ceiling shares of baseline by year."
    )


class Finance(Strict):
    loan_to_cost: Share = 0.7
    tenor_years: PosInt = 5
    interest_rate: Share = 0.035
    grace_years: Annotated[int, Field(ge=0)] = 0
    repayment: Literal["annuity", "equal_principal"] = "annuity"
    min_dscr: NonNeg = 1.2
    lump_sum_subsidy_cny: NonNeg = 0.0
    # Sustainability-linked loan (SLL) terms and the appraisal period (pathway.finance).
    # None: the default in data/finance_defaults.csv (sourced) or the documented rule.
    kpi_metric: Literal["intensity", "absolute"] = Field(
        "intensity", description="SLL KPI: tCO2 per unit output (intensity) or absolute tCO2 (after capture, before offsets).")
    kpi_reduction_per_yr: Share | None = Field(
        None, description="KPI target: the metric falls by this share per year from the baseline, compounding.")
    kpi_step_down_bp: NonNeg | None = Field(None, description="Margin cut (bp) in a year the KPI is met.")
    kpi_step_up_bp: NonNeg | None = Field(None, description="Margin rise (bp) in a year the KPI is missed.")
    appraisal_years: PosInt | None = Field(
        None, description="Years of cash flows for NPV/IRR/payback from the first planning year; None: until the last asset built retires.")

    @model_validator(mode="after")
    def _grace_inside_tenor(self) -> Finance:
        if self.grace_years >= self.tenor_years:
            raise ValueError(f"grace_years ({self.grace_years}) must be less than tenor_years ({self.tenor_years})")
        return self


class Distribution(Strict):
    """The distribution of one uncertain parameter (Monte Carlo, ``pathway montecarlo``):

    - normal: ``mean``, ``sd``; optional ``low``/``high`` truncate it (draws stay inside);
    - triangular: ``low``, ``mode``, ``high``;
    - uniform: ``low``, ``high``;
    - lognormal: ``median`` (> 0) and ``sigma``, the standard deviation of ln(value).
    """

    dist: Literal["normal", "triangular", "uniform", "lognormal"]
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)

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
    samples: PosInt | None = Field(None, description="Default number of samples (--samples overrides).")
    parameters: dict[Annotated[str, AfterValidator(_numeric_field_path)], Distribution] = Field(
        min_length=1, description="Dotted field path -> distribution.")


class Scenario(Strict):
    """A whole scenario after ``extends`` has been merged."""

    name: str = Field(min_length=1)
    description: str = ""
    factory: Factory
    horizon: Horizon
    time: TimeResolution = Field(default_factory=TimeResolution)
    production: Production
    baseline: Baseline
    grid: GridFactors = Field(default_factory=GridFactors)
    emission_factors: EmissionFactorOverrides = Field(default_factory=EmissionFactorOverrides)
    prices: Prices = Field(default_factory=Prices)
    technologies: Technologies = Field(default_factory=Technologies)
    target: Target = Field(default_factory=Target)
    finance: Finance | None = None
    uncertainty: Uncertainty | None = Field(None, description="Distributions for pathway montecarlo; ignored by a run.")

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        h = self.horizon
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


def json_schema() -> dict:
    """The scenario JSON Schema (what ``pathway schema`` prints), accepting ``extends``."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Path of a base scenario, relative to this file; its fields are deep-merged under these.",
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pathway scenario"
    return schema
