"""Operating periods: all 365 days, or representative days chosen with tsam.

A period is a day of 24 hours with a weight (days of the year it stands for); the
weights sum to 365. Hourly mode keeps every day with weight 1, in calendar order, and
storage links day to day (chronological over the year); with representative days storage
is cyclic within each day (``pathway.model.sets.prev_hour``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pathway.files import atomic_write
from pathway.units import DAYS_PER_YEAR as DAYS
from pathway.units import HOURS_PER_DAY


@dataclass(frozen=True)
class Periods:
    """Time series on (period, hour) plus weights; ``series[name]`` has shape (P, 24)."""

    weights: np.ndarray  # (P,), days per period, sums to 365
    series: dict[str, np.ndarray]
    day_of_period: np.ndarray  # (P,) the calendar day (0..364) each period is, or represents (medoid)
    mode: str

    @property
    def n(self) -> int:
        return len(self.weights)


def all_days(series: dict[str, np.ndarray]) -> Periods:
    return Periods(
        weights=np.ones(DAYS),
        series={k: np.asarray(v, float).reshape(DAYS, HOURS_PER_DAY) for k, v in series.items()},
        day_of_period=np.arange(DAYS),
        mode="hourly",
    )


def representative_days(series: dict[str, np.ndarray], n_days: int, exact: frozenset[str] = frozenset()) -> Periods:
    """Cluster the 365 days into ``n_days`` typical days (hierarchical, medoids) with tsam.

    Column means are preserved (weighted by the day counts) so annual energy is kept,
    except for columns in ``exact`` (e.g. prices), which keep the medoid day's values.
    """
    if n_days >= DAYS:
        return all_days(series)
    key = _key(series, n_days, exact)
    hit = _load_cached(key, list(series))
    if hit is not None:
        return hit
    result = _cluster(series, n_days, exact)
    _save_cached(key, result)
    return result


def _key(series: dict[str, np.ndarray], n_days: int, exact: frozenset[str]) -> str:
    import hashlib

    h = hashlib.sha256(f"v1|{n_days}|{sorted(exact)}".encode())
    for k in sorted(series):
        h.update(k.encode())
        h.update(np.ascontiguousarray(series[k], dtype=float).tobytes())
    return h.hexdigest()[:32]


def _cache_file(key: str):
    from pathway.inputs.profiles import _cache_path

    p = _cache_path(key)
    return None if p is None else p.parent.parent / "periods" / f"{key}.npz"


def _load_cached(key: str, names: list[str]) -> Periods | None:
    """Clustering is deterministic, so its result is cached by a hash of its inputs
    (importing tsam alone costs about a second)."""
    f = _cache_file(key)
    if f is None or not f.is_file():
        return None
    try:
        with np.load(f) as z:
            return Periods(weights=z["weights"], series={k: z[f"s_{k}"] for k in names},
                           day_of_period=z["day_of_period"], mode="representative_days")
    except (OSError, KeyError, ValueError):
        return None


def _save_cached(key: str, p: Periods) -> None:
    f = _cache_file(key)
    if f is None:
        return
    try:
        f.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(f, lambda tmp: np.savez(tmp, weights=p.weights, day_of_period=p.day_of_period,
                                             **{f"s_{k}": v for k, v in p.series.items()}))
    except OSError:
        pass


def _cluster(series: dict[str, np.ndarray], n_days: int, exact: frozenset[str]) -> Periods:
    import tsam

    idx = pd.date_range("2025-01-01", periods=DAYS * HOURS_PER_DAY, freq="h")
    df = pd.DataFrame({k: np.asarray(v, float) for k, v in series.items()}, index=idx)
    # constant columns carry no information for clustering and trip rescaling
    varying = [c for c in df.columns if df[c].std() > 0]
    if not varying:
        return _single(series)
    res = tsam.aggregate(
        df[varying],
        n_days,
        period_duration=HOURS_PER_DAY,
        cluster=tsam.ClusterConfig(method="hierarchical", representation="medoid"),
        preserve_column_means=True,
        rescale_exclude_columns=[c for c in varying if c in exact] or None,
    )
    reps = res.cluster_representatives
    counts = res.cluster_counts
    ids = sorted(counts)
    weights = np.array([float(counts[i]) for i in ids])
    out: dict[str, np.ndarray] = {}
    for k in series:
        if k in varying:
            out[k] = np.vstack([reps.loc[i, k].to_numpy() for i in ids])
        else:
            out[k] = np.full((len(ids), HOURS_PER_DAY), float(df[k].iloc[0]))
    assign = np.asarray(res.cluster_assignments)
    medoid_day = []
    for i in ids:
        members = np.flatnonzero(assign == i)
        block = df[varying].to_numpy().reshape(DAYS, -1)
        target = np.concatenate([out[k][ids.index(i)] for k in varying])
        # the member day closest to the representative stands for it on calendars
        dist = [np.abs(block[d].reshape(HOURS_PER_DAY, -1).T.ravel() - target).sum() for d in members]
        medoid_day.append(int(members[int(np.argmin(dist))]))
    return Periods(weights=weights, series=out, day_of_period=np.array(medoid_day), mode="representative_days")


def _single(series: dict[str, np.ndarray]) -> Periods:
    return Periods(
        weights=np.array([float(DAYS)]),
        series={k: np.asarray(v, float)[:HOURS_PER_DAY].reshape(1, HOURS_PER_DAY) for k, v in series.items()},
        day_of_period=np.array([0]),
        mode="representative_days",
    )
