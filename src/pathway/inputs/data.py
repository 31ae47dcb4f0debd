"""``ModelData``: everything the LP reads, as plain numbers and arrays (no Pyomo).

Units: power MW, energy MWh (heat MWh_th), emissions t (tCO2), money CNY of the year it
is spent (discounting is applied in the objective), capacity in the unit of
``pathway.technologies`` (MW, MWh, MW_th, MWh_th, t/yr, share). Hourly arrays are
(P, 24): P operating periods (typical days or all 365) by hour of day; a period's
weight is the number of days it stands for. ``prepare`` makes it from a scenario."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pathway.inputs.exposure import ExposureCoefficients
from pathway.inputs.periods import Periods
from pathway.reference.presets import TargetRule
from pathway.scenario.schema import Scenario


@dataclass
class Build:
    """Common investment data of a technology: per-unit capex by build year, O&M, life."""

    tech: str
    unit: str  # capacity unit, e.g. 'MW', 'MWh', 't/yr', 'share'
    capex_cny_per_unit: dict[int, float]  # by build year, net of subsidies
    subsidy_cny_per_unit: float
    fom_cny_per_unit_yr: float
    life_years: int
    max_capacity: float | None
    max_build_per_yr: float | None
    first_build_year: int | None


@dataclass
class HeatLoadData:
    """A heat load as the existing boiler (or purchased heat) serves it in the base year."""

    name: str
    temperature_c: float
    demand_mwh_base: float  # useful heat in the base year, MWh_th
    shape: np.ndarray  # (P, 24) its own hourly shape, sum_p w_p sum_h = 1 (baseline.heat_loads[i].profile,
    #                    default the electricity profile): hourly demand = demand_mwh_base x growth x shape
    existing_fuel: str
    existing_efficiency: float
    existing_retire_year: int | None
    existing_ef_t_per_mwh_heat: float
    existing_cost_cny_per_mwh_heat: float
    existing_scope: int  # 1 for own boilers, 2 for purchased heat


@dataclass
class HeatTechData:
    """A heat technology that can be built: what it costs and what it needs per MWh of heat."""

    build: Build
    kind: str  # 'electric' or 'fuel'
    max_temp_c: float
    elec_per_heat: dict[str, float]  # per load served (load name -> MWh_e per MWh_th)
    fuel: str | None
    fuel_ef_t_per_mwh_heat: float
    fuel_cost_cny_per_mwh_heat: float
    efficiency: float


@dataclass
class DirectLineData:
    """A direct green-power line (绿电直连): the plant's hourly output per MW of line, the
    prices and the notice's limits (data/direct_line_rules.csv, or the scenario's)."""

    plant: str  # 'pv' or 'wind'
    cf: np.ndarray  # (P, 24) MWh per MW of line capacity in the hour, in [0, 1]
    energy_price_cny_per_mwh: float  # paid per MWh taken
    capex_cny_per_mw: float  # line capex, CNY per MW
    fom_cny_per_mw_yr: float  # line fixed O&M, CNY per MW a year
    life_years: int
    max_mw: float | None
    first_year: int  # first year the line serves
    min_self_consumption_share: float  # of available generation, each year
    max_feed_in_share: float  # of available generation, each year
    min_share_of_consumption: dict[int, float]  # by year (0 before first_year)


@dataclass
class ModelData:
    """The LP's input data (see the module docstring for units and shapes)."""

    scenario: Scenario  # the validated scenario it was prepared from
    name: str  # scenario name
    base_year: int  # inventory year; planning starts the year after
    target_year: int  # year the near-zero rules start to hold
    years: list[int]  # planning years base+1..end
    discount_rate: float  # real, per year (objective and finance)
    discount: dict[int, float]  # (1+r)^-(y-base)
    growth: dict[int, float]  # production index relative to the base year
    periods: Periods  # operating periods with their weights (days)
    elec_demand_mwh_base: float  # base-year electricity demand, MWh/yr
    elec_shape: np.ndarray  # (P, 24), sum_p w_p sum_h = 1
    existing_pv_mwh: np.ndarray  # (P, 24) fixed output of PV already on site
    pv_cf: np.ndarray  # (P, 24) per MW
    price_cny_per_mwh: np.ndarray  # (P, 24), base-year money
    tou_period: np.ndarray  # (P, 24) period names
    energy_escalation: dict[int, float]  # energy price index by year (base year = 1)
    heat_loads: list[HeatLoadData]  # what the existing boilers heat today
    other_fuel_t: dict[str, float]  # non-heat fuel use: base-year CO2 by fuel
    other_fuel_cost_cny: dict[str, float]  # non-heat fuel use: base-year cost by fuel, CNY/yr
    other_fuel_stationary_t: float  # the stationary part of other_fuel_t, tCO2/yr (CCUS can capture it)
    process_co2_t: float  # base-year process CO2, t/yr (grows with production)
    grid_location: dict[int, float]  # location-based grid factor by year, tCO2/MWh
    grid_market: dict[int, float]  # market-based (residual-mix) grid factor by year, tCO2/MWh
    demand_charge_cny_per_mw_yr: float  # on the yearly peak grid import
    import_limit_mw: float | None  # grid connection limit, MW (None: none)
    export_price_cny_per_mwh: float | None  # PV surplus export price, CNY/MWh (None: no export)
    pv: Build | None = None
    pv_degradation_per_yr: float = 0.0  # output loss per year of age, share
    source_file: str = ""  # the scenario file, for errors raised while the model is built
    battery_energy: Build | None = None
    battery_power: Build | None = None
    battery_eff: float = 1.0  # one-way efficiency = sqrt(round trip)
    battery_min_h: float | None = None  # energy / power ratio bounds, h
    battery_max_h: float | None = None
    battery_degradation_cny_per_mwh: float = 0.0  # wear (throughput) cost per MWh discharged, CNY/MWh
    heat_techs: dict[str, HeatTechData] = field(default_factory=dict)
    tes: Build | None = None
    tes_loss_per_h: float = 0.0  # thermal store: share of its content lost per hour
    tes_max_temp_c: float = 0.0  # hottest load it can serve, °C
    tes_charge_h: float = 4.0  # hours to charge it full (power = energy / tes_charge_h)
    efficiency: dict[str, tuple[Build, str, float]] = field(default_factory=dict)  # id -> (build, carrier, share)
    ccus: Build | None = None
    ccus_rate: float = 0.0  # share of the CO2 routed to it that is captured
    ccus_heat_mwh_per_t: float = 0.0  # regeneration heat, MWh_th per t captured
    ccus_elec_mwh_per_t: float = 0.0  # compression and auxiliaries, MWh per t captured
    ccus_var_cny_per_t: float = 0.0  # opex + transport and storage, CNY per t captured
    ccus_temp_c: float = 0.0  # regeneration temperature, °C
    ccus_sources: tuple[str, ...] = ()  # 'process', 'stationary_combustion'
    green_power_max_mwh: float | None = None  # availability per year, MWh (None: unlimited)
    green_power_enabled: bool = False
    gec_max_mwh: float | None = None
    gec_enabled: bool = False
    green_power_premium: float = 0.0  # CNY/MWh over the grid price
    gec_price: dict[int, float] = field(default_factory=dict)  # green certificate by year, CNY/MWh (0 when absent)
    offsets_enabled: bool = False
    offsets_max_t: float | None = None
    offset_price: float = 0.0  # CCER, CNY/t
    removals_enabled: bool = False
    removals_max_t: float | None = None
    removal_price: float = 0.0  # nature-based removals, CNY/t
    carbon_price: dict[int, float] = field(default_factory=dict)  # CNY/t by year
    carbon_price_covers: str = "direct"  # "direct" (scope 1 after capture) or "all" (scope 1 + 2)
    # CBAM / national-ETS costs in the objective (prices.cbam / prices.ets; pathway.inputs.exposure)
    exposure: ExposureCoefficients | None = None
    rule: TargetRule | None = None  # the target preset's numbers
    scope2_method: str = "market"  # scope-2 method of the ceiling
    baseline_t: float = 0.0  # base-year emissions by the target's method, t
    ceiling_t: dict[int, float] = field(default_factory=dict)  # net-emissions ceiling by year, t
    lump_sum_subsidy_cny: float = 0.0  # one-off subsidy in the target year, CNY
    sources: list[dict] = field(default_factory=list)  # every assumption used, with its source
    # ---- direct green-power line (绿电直连): None unless the scenario declares one ----
    direct_line: DirectLineData | None = None

    @property
    def weights(self) -> np.ndarray:
        return self.periods.weights

    @property
    def n_periods(self) -> int:
        return self.periods.n


def investable(md: ModelData) -> dict:
    """All investment blocks by key: 'pv', 'battery_energy', 'battery_power', heat techs,
    'thermal_storage', 'ccus', and efficiency measures."""
    out = {}
    if md.pv is not None:
        out["pv"] = md.pv
    if md.battery_energy is not None:
        out["battery_energy"] = md.battery_energy
        out["battery_power"] = md.battery_power
    for tid, ht in md.heat_techs.items():
        out[tid] = ht.build
    if md.tes is not None:
        out["thermal_storage"] = md.tes
    if md.ccus is not None:
        out["ccus"] = md.ccus
    for mid, (build, _carrier, _share) in md.efficiency.items():
        out[mid] = build
    return out
