"""Labels and colours of everything a chart or table names: one colour per lever,
technology and energy source (the same in every chart), and its label in each language."""

from __future__ import annotations

import hashlib

LANGS = ("en", "zh")


PALETTE: dict[str, str] = {
    # waterfall anchors
    "baseline": "#455a64",
    "residual": "#263238",
    "emissions_before_offsets": "#607d8b",
    "growth_and_grid_factor": "#b0bec5",
    # levers (LEVER_ORDER)
    "efficiency": "#2e7d32",
    "electrification_and_fuel_switch": "#ef6c00",
    "onsite_pv": "#f9a825",
    "storage": "#7b1fa2",
    "green_power": "#00897b",
    "green_certificates": "#4db6ac",
    "ccus_net_of_penalty": "#6d4c41",
    "offsets": "#1565c0",
    # technologies (same family colour as their lever)
    "pv": "#f9a825",
    "direct_line": "#2e7d32",
    "battery_energy": "#7b1fa2",
    "battery_power": "#ba68c8",
    "heat_pump_low": "#ef6c00",
    "heat_pump_high": "#bf360c",
    "electric_boiler": "#ffb74d",
    "thermal_storage": "#ff8a65",
    "gas_boiler": "#e57373",
    "biomass_boiler": "#a1887f",
    "ccus": "#6d4c41",
    "eff_motors_vfd": "#1b5e20",
    "eff_compressed_air": "#43a047",
    "eff_lighting": "#81c784",
    "eff_hvac": "#558b2f",
    "eff_waste_heat_recovery": "#9ccc65",
    # emission sources and energy carriers
    "grid_electricity": "#78909c",
    "natural_gas": "#c62828",
    "other_fuels": "#8d6e63",
    "purchased_heat": "#ec407a",
    "process": "#ad1457",
    "ccus_capture": "#6d4c41",
    "own_reduction": "#c8e6c9",
    "net_emissions": "#000000",
    "ceiling": "#d32f2f",
    "marginal_abatement_cost": "#d32f2f",
    "battery_discharge": "#7b1fa2",
    "battery_charge": "#ce93d8",
    "pv_export": "#fff176",
    "demand": "#000000",
    "total_load": "#37474f",
    "price": "#d32f2f",
    "cumulative": "#263238",
    "subsidy": "#90caf9",
    # cost categories
    "battery_degradation": "#9575cd",
}


_FALLBACK = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


SCENARIO_COLOURS = ("#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#5d4037", "#ad1457")


def colour(key: str) -> str:
    """The fixed colour of a lever, technology or source (a stable fallback for new keys)."""
    if key in PALETTE:
        return PALETTE[key]
    for prefix in ("heat_pump", "eff_", "battery", "ccus"):
        if key.startswith(prefix):
            base = next(k for k in PALETTE if k.startswith(prefix))
            return PALETTE[base]
    h = int(hashlib.sha1(key.encode()).hexdigest(), 16)
    return _FALLBACK[h % len(_FALLBACK)]


LABELS: dict[str, dict[str, str]] = {
    "en": {
        "baseline": "Baseline", "residual": "Residual (net)", "emissions_before_offsets": "Emissions before offsets",
        "growth_and_grid_factor": "Growth and grid factor",
        "efficiency": "Energy efficiency", "electrification_and_fuel_switch": "Electrification and fuel switch",
        "onsite_pv": "On-site PV", "storage": "Storage", "green_power": "Green power (PPA)",
        "green_certificates": "Green certificates (GEC)", "ccus_net_of_penalty": "CCUS net of energy penalty",
        "offsets": "Offsets (CCER / removals)",
        "pv": "PV", "direct_line": "Direct green-power line", "battery_energy": "Battery (energy)", "battery_power": "Battery (power)",
        "heat_pump_low": "Heat pump (low temp.)", "heat_pump_high": "Heat pump (high temp.)",
        "electric_boiler": "Electric boiler", "thermal_storage": "Thermal storage", "gas_boiler": "Gas boiler",
        "biomass_boiler": "Biomass boiler", "ccus": "CCUS", "eff_motors_vfd": "Motors and VFDs",
        "eff_compressed_air": "Compressed air", "eff_lighting": "Lighting", "eff_hvac": "HVAC",
        "eff_waste_heat_recovery": "Waste-heat recovery",
        "grid_electricity": "Grid electricity", "natural_gas": "Natural gas", "other_fuels": "Other fuels",
        "purchased_heat": "Purchased heat", "process": "Process CO2", "ccus_capture": "CCUS capture",
        "own_reduction": "Own reduction vs baseline", "net_emissions": "Net emissions (after offsets)",
        "ceiling": "Emissions ceiling", "target_year": "Target year",
        "battery_discharge": "Battery discharge", "battery_charge": "Battery charge", "pv_export": "PV export",
        "demand": "Process electricity demand", "total_load": "Total electric load", "price": "Time-of-use price",
        "cumulative": "Cumulative capex", "subsidy": "Subsidy",
        "battery_degradation": "Battery wear (per kWh discharged)",
        "green_power_and_certificates": "Green power and certificates",
        "marginal_abatement_cost": "Marginal abatement cost",
        # titles and axes
        "t_pathway": "Emissions pathway", "t_waterfall": "Abatement by lever, {year}", "t_macc": "Marginal abatement cost curve, {year}",
        "t_capex": "Capex schedule", "t_energy_mix": "Energy mix", "t_dispatch": "Typical day dispatch, {year} (period {period}, {days:g} days)",
        "t_capacity": "Capacity in service", "t_compare": "Scenario comparison",
        "ax_year": "Year", "ax_tco2": "Emissions (tCO2/yr)", "ax_tco2_cum": "Abatement (tCO2/yr, cumulative)",
        "ax_cny_per_t": "Average abatement cost (CNY/tCO2)", "ax_mcny": "Capex (million CNY)", "ax_mwh": "Energy (MWh/yr)",
        "ax_hour": "Hour of day (h)", "ax_mw": "Power (MWh per hour = MW)", "ax_price": "Price (CNY/MWh)",
        "ax_cost_mcny": "Total discounted cost (million CNY)", "ax_target_em": "Emissions in target year (tCO2/yr)",
        "location": "Scope 2 location-based", "market": "Scope 2 market-based",
        "not_shown": "Not on the curve (no positive abatement in {year}): {items}",
        "tonnes": "t", "share_of_potential": "Adoption (share of potential)",
        "unit_MW": "Capacity (MW)", "unit_MWh": "Capacity (MWh)", "unit_MW_th": "Capacity (MW_th)",
        "unit_MWh_th": "Capacity (MWh_th)", "unit_t/yr": "Capacity (tCO2/yr)", "unit_share": "Adoption (share of potential)",
        "scenario": "Scenario",
    },
    "zh": {
        "baseline": "基准排放", "residual": "剩余净排放", "emissions_before_offsets": "抵消前排放",
        "growth_and_grid_factor": "产量增长与电网因子",
        "efficiency": "节能提效", "electrification_and_fuel_switch": "电气化与燃料替代",
        "onsite_pv": "厂内光伏", "storage": "储能", "green_power": "绿电交易",
        "green_certificates": "绿证", "ccus_net_of_penalty": "CCUS（扣除能耗排放）",
        "offsets": "抵消（CCER/碳移除）",
        "pv": "光伏", "direct_line": "绿电直连线路", "battery_energy": "储能电池（容量）", "battery_power": "储能电池（功率）",
        "heat_pump_low": "热泵（低温）", "heat_pump_high": "热泵（高温）",
        "electric_boiler": "电锅炉", "thermal_storage": "蓄热", "gas_boiler": "燃气锅炉",
        "biomass_boiler": "生物质锅炉", "ccus": "CCUS", "eff_motors_vfd": "电机与变频",
        "eff_compressed_air": "压缩空气系统", "eff_lighting": "照明", "eff_hvac": "暖通空调",
        "eff_waste_heat_recovery": "余热回收",
        "grid_electricity": "电网电力", "natural_gas": "天然气", "other_fuels": "其他燃料",
        "purchased_heat": "外购热力", "process": "工业过程排放", "ccus_capture": "CCUS捕集",
        "own_reduction": "相对基准的自主减排", "net_emissions": "净排放（抵消后）",
        "ceiling": "排放上限", "target_year": "目标年",
        "battery_discharge": "储能放电", "battery_charge": "储能充电", "pv_export": "光伏上网",
        "demand": "生产用电负荷", "total_load": "总用电负荷", "price": "分时电价",
        "cumulative": "累计投资", "subsidy": "补贴",
        "battery_degradation": "储能电池损耗（按放电量）",
        "green_power_and_certificates": "绿电与绿证",
        "marginal_abatement_cost": "边际减排成本",
        "t_pathway": "排放路径", "t_waterfall": "{year}年分措施减排量", "t_macc": "{year}年边际减排成本曲线",
        "t_capex": "投资计划", "t_energy_mix": "能源结构", "t_dispatch": "{year}年典型日调度（时段 {period}，{days:g} 天）",
        "t_capacity": "在役装机", "t_compare": "情景对比",
        "ax_year": "年份", "ax_tco2": "排放量（tCO2/年）", "ax_tco2_cum": "减排量（tCO2/年，累计）",
        "ax_cny_per_t": "平均减排成本（元/tCO2）", "ax_mcny": "投资（百万元）", "ax_mwh": "能源（MWh/年）",
        "ax_hour": "小时（h）", "ax_mw": "功率（每小时MWh = MW）", "ax_price": "电价（元/MWh）",
        "ax_cost_mcny": "折现总成本（百万元）", "ax_target_em": "目标年排放（tCO2/年）",
        "location": "范围二：基于位置", "market": "范围二：基于市场",
        "not_shown": "未列入曲线（{year}年减排量不为正）：{items}",
        "tonnes": "吨", "share_of_potential": "实施比例（占潜力）",
        "unit_MW": "装机（MW）", "unit_MWh": "容量（MWh）", "unit_MW_th": "装机（MW_th）",
        "unit_MWh_th": "容量（MWh_th）", "unit_t/yr": "捕集能力（tCO2/年）", "unit_share": "实施比例（占潜力）",
        "scenario": "情景",
    },
}


def label(key: str, lang: str = "en", **fmt) -> str:
    """The label of a key in ``lang``; unknown keys fall back to English, then to the key."""
    _check_lang(lang)
    text = LABELS[lang].get(key) or LABELS["en"].get(key) or key.replace("_", " ")
    return text.format(**fmt) if fmt else text


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")


FONT = "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
