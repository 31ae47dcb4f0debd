"""Abatement by lever, by sequential attribution in the fixed lever order: each lever is
credited with the change it makes given the ones before it, so the levers sum exactly
from the baseline to the residual."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pathway.results.extract import wsum
from pathway.technologies import (
    LEVER_ORDER,  # noqa: F401  (re-exported: the attribution order)
    )


def abatement_table(md, a, dem, heat_elec_proc, heat_elec_regen, fuel_em_proc, fuel_em_regen, tes_elec, ccus_elec,
                    pv_used, captured, e_target, f) -> pd.DataFrame:
    """Sequential attribution, in the fixed order of LEVER_ORDER. With f the scope-2 factor
    of the target's method, BAU(y) the emissions with no action (existing boilers meet all
    heat, the grid all electricity), each lever's abatement is the change it makes given the
    levers before it:

        efficiency       = f x S_e + sum_l ef_x,l x S_h,l
        electrification  = sum_l ef_x,l x (Q_new,l + TES_l) - f x E_heat - F_new      (process loads)
        onsite_pv        = f x (PVused - X_pv)           storage = -f x (ch - dis)
                           + f x DL under both methods: a direct green-power line's electricity
                           used (绿电直连, physically delivered; 0 without a line)
        green_power      = f x gp,   green_certificates = f x gec   (market method only)
        ccus_net         = CAP - f x (E_regen + E_ccus) - F_regen
        offsets          = off + rem

    so that B + (BAU(y) - B) - sum(levers before offsets) = E(y) exactly; the check table
    verifies it after every solve.
    """
    years = md.years
    Y = len(years)
    g = np.array([md.growth[y] for y in years])
    existing_pv = float((md.weights[:, None] * md.existing_pv_mwh).sum())
    elec_bau = wsum(md, dem["elec_demand"]) - existing_pv
    bau = f * elec_bau + sum(md.other_fuel_t.values()) * g + md.process_co2_t * g
    eff = f * wsum(md, dem["elec_saving"])
    elec_heat = np.zeros(Y)
    for hl in md.heat_loads:
        d = wsum(md, dem[f"heat_demand:{hl.name}"])
        bau = bau + hl.existing_ef_t_per_mwh_heat * d
        eff = eff + hl.existing_ef_t_per_mwh_heat * wsum(md, dem[f"heat_saving:{hl.name}"])
        new = sum((wsum(md, arr) for (k, l), arr in a.q.items() if l == hl.name), np.zeros(Y))
        if hl.name in a.tes_dis:
            new = new + wsum(md, a.tes_dis[hl.name])
        elec_heat = elec_heat + hl.existing_ef_t_per_mwh_heat * new
    elec_heat = elec_heat - f * wsum(md, heat_elec_proc + tes_elec) - wsum(md, fuel_em_proc)
    levers = {
        "efficiency": eff,
        "electrification_and_fuel_switch": elec_heat,
        "onsite_pv": f * (wsum(md, pv_used) - existing_pv),
        "storage": -f * wsum(md, a.t["ch"] - a.t["dis"]),
        "green_power": (f * a.y["gp"] if md.scope2_method == "market" else np.zeros(Y))
        + f * wsum(md, a.t.get("dl_use", np.zeros_like(a.t["imp"]))),
        "green_certificates": f * a.y["gec"] if md.scope2_method == "market" else np.zeros(Y),
        "ccus_net_of_penalty": captured - f * wsum(md, heat_elec_regen + ccus_elec) - wsum(md, fuel_em_regen),
        "offsets": a.y["off"] + a.y["rem"],
    }
    rows = []
    for i, y in enumerate(years):
        rows.append(dict(year=y, order=0, lever="baseline", abatement_t=float("nan"), emissions_after_t=md.baseline_t))
        rows.append(dict(year=y, order=1, lever="growth_and_grid_factor", abatement_t=float(md.baseline_t - bau[i]),
                         emissions_after_t=float(bau[i])))
        level = bau[i]
        for j, lever in enumerate(LEVER_ORDER):
            level = level - levers[lever][i]
            rows.append(dict(year=y, order=j + 2, lever=lever, abatement_t=float(levers[lever][i]), emissions_after_t=float(level)))
    return pd.DataFrame(rows, columns=["year", "order", "lever", "abatement_t", "emissions_after_t"])
