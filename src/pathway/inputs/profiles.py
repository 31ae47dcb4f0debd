"""Hourly shapes for one year (8760 h): factory load patterns and PV capacity factors.

Load shapes are normalised to sum to 1, so hourly energy = annual energy x shape.
PV capacity factors are per kWp (kW per kWp): from a CSV, or generated with pvlib's
Ineichen clear-sky model at the factory's location, multiplied by a seeded synthetic
daily clearness index (documented, not measured weather) and scaled to the annual yield.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from pathway.errors import Problem, ScenarioError
from pathway.files import atomic_write
from pathway.scenario.schema import Profile
from pathway.units import DAYS_PER_YEAR as DAYS
from pathway.units import FIRST_WEEKDAY, HOURS_PER_DAY, PV_WEATHER_SEED, W_PER_M2_STC
from pathway.units import HOURS_PER_YEAR as HOURS

_WEEKDAY = (np.arange(DAYS) + FIRST_WEEKDAY) % 7 < 5  # 2025-01-01 was a Wednesday


def _shift_day(active: tuple[int, int], base: float) -> np.ndarray:
    day = np.full(HOURS_PER_DAY, base)
    day[active[0]:active[1]] = 1.0
    return day


def shape(profile: Profile, base_dir: Path, what: str) -> np.ndarray:
    """Normalised 8760-hour shape (sums to 1) for a load profile."""
    if profile.shape == "csv":
        values = read_profile_csv(base_dir / str(profile.csv), profile.column, what)
    else:
        if profile.shape == "flat":
            day_w = day_e = np.ones(HOURS_PER_DAY)
        else:
            active, base = {
                "one_shift": ((8, 17), 0.25),
                "two_shift": ((6, 22), 0.35),
                "three_shift": ((0, HOURS_PER_DAY), 1.0),
            }[profile.shape]
            day_w = _shift_day(active, base)
            day_e = np.full(HOURS_PER_DAY, base if profile.shape != "three_shift" else 0.8)
        values = np.concatenate([day_w if wd else day_e for wd in _WEEKDAY])
    peak = float(values.max())
    if peak > 0:
        values = values / peak  # scaled first, so 8,760 huge values cannot sum to inf
    total = values.sum()
    if total <= 0:
        raise ScenarioError([Problem(what, "", "profile sums to zero; expected positive hourly values")])
    return values / total


def read_profile_csv(path: Path, column: str | None, what: str) -> np.ndarray:
    """Read 8760 non-negative numbers from one column of a CSV."""
    try:
        df = pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - any parse error is a user error here
        raise ScenarioError([Problem(str(path), what, f"cannot read profile CSV: {exc}")]) from None
    col = column or df.columns[-1]
    if col not in df.columns:
        raise ScenarioError([Problem(str(path), f"{what}.column", f"column {col!r} not in CSV; expected one of {list(df.columns)}")])
    values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
    if len(values) != HOURS:
        raise ScenarioError([Problem(str(path), what, f"expected {HOURS} hourly rows, got {len(values)}")])
    if not np.isfinite(values).all() or (values < 0).any():
        bad = int(np.flatnonzero(~np.isfinite(values) | (values < 0))[0])
        raise ScenarioError([Problem(str(path), what, f"expected finite non-negative numbers in every row; "
                                                      f"data row {bad + 1} is {df[col].iloc[bad]}")])
    return values


def pv_capacity_factor(latitude_deg: float, longitude_deg: float, yield_kwh_per_kwp_yr: float,
                       seed: int = PV_WEATHER_SEED) -> np.ndarray:
    """Hourly PV output per kWp (0..1), scaled so the year sums to ``yield_kwh_per_kwp_yr``.

    cf(t) = GHI_clear(t) / 1000 x k_day(d) x s, with k_day a synthetic daily clearness
    index (Beta(5, 2.5), mean 0.67, seeded) and s chosen so sum(cf) = yield / 1 kWp.
    Clear-sky GHI from pvlib's Ineichen model with its bundled Linke turbidity (offline).
    """
    key = f"v1-{latitude_deg:.4f}-{longitude_deg:.4f}-{yield_kwh_per_kwp_yr:.4f}-{seed}"
    cached = _cache_path(key)
    if cached is not None and cached.is_file():
        try:
            cf = np.load(cached)
            if cf.shape == (HOURS,):
                return cf
        except (OSError, ValueError):
            pass
    cf = _pv_capacity_factor(latitude_deg, longitude_deg, yield_kwh_per_kwp_yr, seed)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(cached, lambda tmp: np.save(tmp, cf))
        except OSError:
            pass  # a read-only home is fine: the profile is just recomputed next time
    return cf


def _cache_path(key: str) -> Path | None:
    """Where generated PV profiles are cached (importing pvlib costs about a second).
    PATHWAY_CACHE_DIR overrides; set it to an empty string to disable the cache."""
    root = os.environ.get("PATHWAY_CACHE_DIR")
    if root == "":
        return None
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pathway"
    return base / "pv" / f"{key}.npy"


def _pv_capacity_factor(latitude_deg: float, longitude_deg: float, yield_kwh_per_kwp_yr: float, seed: int) -> np.ndarray:
    import pvlib

    times = pd.date_range("2025-01-01", periods=HOURS, freq="h", tz="Etc/GMT-8") + pd.Timedelta(minutes=30)
    loc = pvlib.location.Location(latitude_deg, longitude_deg, tz="Etc/GMT-8")
    ghi = loc.get_clearsky(times, model="ineichen")["ghi"].to_numpy()
    rng = np.random.default_rng(seed)
    k_day = np.repeat(rng.beta(5.0, 2.5, DAYS), HOURS_PER_DAY)
    cf = np.clip(ghi / W_PER_M2_STC, 0, None) * k_day
    cf *= yield_kwh_per_kwp_yr / cf.sum()
    if cf.max() > 1.0:  # keep a physical bound: output never above rating
        cf = np.minimum(cf, 1.0)
        cf *= yield_kwh_per_kwp_yr / cf.sum()
    return np.minimum(cf, 1.0)
