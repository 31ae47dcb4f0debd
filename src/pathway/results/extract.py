"""Solution values out of a solved Pyomo model into numpy arrays, once: hourly values as
(years, periods, 24), yearly values as (years,), and the demand they imply."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pathway.inputs.data import ModelData
from pathway.model.linear import value
from pathway.model.rules import active
from pathway.technologies import (
    LEVER_ORDER,  # noqa: F401  (re-exported: the attribution order)
    )
from pathway.units import HOURS_PER_DAY


@dataclass
class Arrays:
    """Hourly solution values, each (Y, P, 24), and yearly values, each (Y,)."""

    y: dict[str, np.ndarray] = field(default_factory=dict)
    t: dict[str, np.ndarray] = field(default_factory=dict)
    q: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # (heater, load)
    qx: dict[str, np.ndarray] = field(default_factory=dict)  # existing boiler by load
    tes_dis: dict[str, np.ndarray] = field(default_factory=dict)


def _block(var, index_prefix=()) -> np.ndarray | None:
    """Values of an array-built variable block (``model.linear.VarArray``) as (Y, P, 24),
    after the leading index labels ``index_prefix``; None for a Pyomo variable."""
    if not hasattr(var, "values_array"):
        return None
    arr = var.values_array()
    if index_prefix:
        arr = arr[var.axes.pos[0][index_prefix if len(index_prefix) > 1 else index_prefix[0]]]
    return arr


def _hourly(var, shape, years, index_prefix=()) -> np.ndarray:
    block = _block(var, index_prefix)
    if block is not None:
        return np.array(block, dtype=float).reshape(shape)
    out = np.zeros(shape)
    vals = var.extract_values()
    yi = {y: i for i, y in enumerate(years)}
    n = len(index_prefix)
    for key, v in vals.items():
        if n and key[:n] != index_prefix:
            continue
        y, p, h = key[n:]
        out[yi[y], p, h] = v or 0.0
    return out


def extract_arrays(m, md: ModelData) -> Arrays:
    years = md.years
    shape = (len(years), md.n_periods, HOURS_PER_DAY)
    a = Arrays()
    a.t["imp"] = _hourly(m.imp, shape, years)
    a.t["exp"] = _hourly(m.exp, shape, years) if m.has_export else np.zeros(shape)
    a.t["pv_gen"] = _hourly(m.pv_gen, shape, years) if m.has_pv else np.zeros(shape)
    for name in ("ch", "dis", "soc"):
        a.t[name] = _hourly(getattr(m, name), shape, years) if m.has_battery else np.zeros(shape)
    a.t["tes_ch"] = _hourly(m.tes_ch, shape, years) if m.has_tes else np.zeros(shape)
    a.t["tes_soc"] = _hourly(m.tes_soc, shape, years) if m.has_tes else np.zeros(shape)
    a.t["capture"] = _hourly(m.capture, shape, years) if m.has_ccus else np.zeros(shape)
    for k, l in m.KL:
        a.q[(k, l)] = _hourly(m.q, shape, years, (k, l))
    for hl in md.heat_loads:  # qx exists only in the years the existing boiler serves: 0 in the others
        a.qx[hl.name] = _hourly(m.qx, shape, years, (hl.name,))
    if m.has_tes:
        for l in m.LT:
            a.tes_dis[l] = _hourly(m.tes_dis, shape, years, (l,))
    for name in ("gp", "gec", "off", "rem"):
        a.y[name] = np.array([value(getattr(m, name)[y]) for y in years])
    a.y["peak"] = np.array([value(m.peak[y]) for y in years]) if m.has_peak else np.zeros(len(years))
    a.y["build"] = {k: np.array([value(m.build[k, y]) for y in years]) for k in m.K}
    has_dl = getattr(m, "has_dl", False)
    a.t["dl_use"] = _hourly(m.dl_use, shape, years) if has_dl else np.zeros(shape)
    a.t["dl_feed"] = _hourly(m.dl_feed, shape, years) if has_dl else np.zeros(shape)
    a.y["dl_build"] = np.array([value(m.dl_build[y]) for y in years]) if has_dl else np.zeros(len(years))
    a.y["dl_cap"] = np.array([value(m.dl_cap[y]) for y in years]) if has_dl else np.zeros(len(years))
    return a


def wsum(md: ModelData, arr: np.ndarray) -> np.ndarray:
    """Yearly totals sum_{p,h} w_p x arr[y,p,h] -> (Y,)."""
    return np.einsum("yph,p->y", arr, md.weights)


def capacity_in_service(md: ModelData, builds: dict[str, np.ndarray], blocks: dict) -> dict[str, np.ndarray]:
    years = md.years
    out = {}
    for k, b in builds.items():
        life = blocks[k].life_years
        out[k] = np.array([sum(b[j] for j, v in enumerate(years) if active(v, y, life)) for y in years])
    return out


def demand_arrays(md: ModelData, a: Arrays, blocks: dict) -> dict[str, np.ndarray]:
    """Demand before savings and the savings, (Y,P,24), electricity and each heat load."""
    g = np.array([md.growth[y] for y in md.years])
    cap = capacity_in_service(md, a.y["build"], blocks)
    sav_e = sum((md.efficiency[k][2] * cap[k] for k in md.efficiency if md.efficiency[k][1] == "electricity"), np.zeros(len(md.years)))
    sav_h = sum((md.efficiency[k][2] * cap[k] for k in md.efficiency if md.efficiency[k][1] == "heat"), np.zeros(len(md.years)))
    out = {"elec_demand": md.elec_demand_mwh_base * g[:, None, None] * md.elec_shape[None]}
    out["elec_saving"] = out["elec_demand"] * sav_e[:, None, None]
    for hl in md.heat_loads:
        d = hl.demand_mwh_base * g[:, None, None] * hl.shape[None]
        out[f"heat_demand:{hl.name}"] = d
        out[f"heat_saving:{hl.name}"] = d * sav_h[:, None, None]
    return out
