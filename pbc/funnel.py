"""Funnel plots: rates per 1,000 registered patients against the pooled mean's control limits (DOMAIN 3).

One rule, one place: budget reports' peer comparison and referral rates both judge natural variation here.
Pure: arrays and DataFrames in, DataFrames out; no Django.

Limits are p ± z·sd around the pooled mean rate p, with sd = sqrt(p(1−p)/n) (binomial: at most one event
per patient) or sqrt(p/n) (Poisson: counts that can exceed one per patient), z = 1.96 (95%) and 3.09
(99.8%), the lower limit floored at 0. A practice is outside a limit only when strictly beyond it.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "FUNNEL_POSITIONS",
    "FunnelError",
    "FunnelMethod",
    "funnel_curve",
    "funnel_limits",
    "funnel_position",
    "funnel_statuses",
]

FunnelMethod = Literal["binomial", "poisson"]

WITHIN_95 = "within 95%"
BETWEEN_95_998 = "between 95% and 99.8%"
BEYOND_998 = "beyond 99.8%"
FUNNEL_POSITIONS = (WITHIN_95, BETWEEN_95_998, BEYOND_998)
_POSITION = {
    "within": WITHIN_95,
    "high_95": BETWEEN_95_998,
    "low_95": BETWEEN_95_998,
    "high_998": BEYOND_998,
    "low_998": BEYOND_998,
}


class FunnelError(ValueError):
    """Inputs a funnel (or a report built on one) cannot be computed on."""


def _limit_sd(mean, population: np.ndarray, method: FunnelMethod) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "binomial":
            return np.sqrt(mean * (1 - mean) / population)
        return np.sqrt(mean / population)


def _check_method(mean, method: FunnelMethod) -> None:
    if method not in ("binomial", "poisson"):
        raise FunnelError(f"Unknown funnel method '{method}'.")
    if method == "binomial" and np.any(np.asarray(mean) > 1):
        raise FunnelError("More than one event per patient: use the Poisson funnel, not the binomial one.")


def _limits(
    mean, population: np.ndarray, *, per: int, method: FunnelMethod, z_95: float, z_998: float
) -> dict:
    """The 95% and 99.8% limits per ``per`` patients around ``mean`` (one, or one per row) at each list size."""
    sd = _limit_sd(mean, population, method)
    cap = 1.0 if method == "binomial" else np.inf
    return {
        name: np.clip(mean + sign * z * sd, 0.0, cap) * per
        for name, sign, z in [
            ("lower_95", -1, z_95),
            ("upper_95", 1, z_95),
            ("lower_998", -1, z_998),
            ("upper_998", 1, z_998),
        ]
    }


def _status(rate_per: np.ndarray, limits: dict, listed: np.ndarray) -> tuple[np.ndarray, ...]:
    high_95, low_95 = rate_per > limits["upper_95"], rate_per < limits["lower_95"]
    high_998, low_998 = rate_per > limits["upper_998"], rate_per < limits["lower_998"]
    status = np.select(
        [~listed, high_998, low_998, high_95, low_95],
        ["no_list", "high_998", "low_998", "high_95", "low_95"],
        default="within",
    )
    return status, high_95 | low_95, high_998 | low_998


def _rows(events: object, population: object) -> tuple[np.ndarray, np.ndarray]:
    ev = np.asarray(events, dtype=np.float64)
    pop = np.asarray(population, dtype=np.float64)
    if ev.shape != pop.shape or ev.ndim != 1:
        raise FunnelError("Give one event count and one list size per practice.")
    if (ev < 0).any() or (pop < 0).any():
        raise FunnelError("Event counts and list sizes cannot be negative.")
    return ev, pop


def funnel_limits(
    *,
    events: object,
    population: object,
    per: int = 1000,
    method: FunnelMethod = "binomial",
    z_95: float = 1.96,
    z_998: float = 3.09,
) -> pd.DataFrame:
    """Each practice's rate per ``per`` patients against the pooled mean's 95% and 99.8% control limits.

    ``events`` and ``population`` are aligned array-likes (Series keep their index, e.g. practice code).
    Practices with no list are shown with no rate and never flagged. ``status`` is one of "within",
    "high_95", "high_998", "low_95", "low_998", "no_list".
    """
    index = events.index if isinstance(events, pd.Series) else None
    ev, pop = _rows(events, population)
    listed = pop > 0
    total_pop = pop[listed].sum()
    mean = float(ev[listed].sum() / total_pop) if total_pop else math.nan
    _check_method(mean, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_per = np.where(listed, ev / pop, np.nan) * per
    limits = {
        k: np.where(listed, v, np.nan)
        for k, v in _limits(mean, pop, per=per, method=method, z_95=z_95, z_998=z_998).items()
    }
    status, outside_95, outside_998 = _status(rate_per, limits, listed)
    return pd.DataFrame(
        {
            "events": ev,
            "population": pop.astype(np.int64),
            "rate": rate_per,
            "mean_rate": mean * per,
            **limits,
            "outside_95": outside_95,
            "outside_998": outside_998,
            "status": status,
        },
        index=index,
    )


def funnel_statuses(
    *,
    events: object,
    population: object,
    pooled_events: object,
    pooled_population: object,
    per: int = 1000,
    method: FunnelMethod = "binomial",
    z_95: float = 1.96,
    z_998: float = 3.09,
) -> np.ndarray:
    """Many funnels at once: each row against the pooled mean of its own peer group
    (``pooled_events / pooled_population``, given per row), as :func:`funnel_limits` judges a row against
    the pooled mean of its practices. Returns the statuses (the same words as ``funnel_limits``)."""
    ev, pop = _rows(events, population)
    pooled_ev, pooled_pop = _rows(pooled_events, pooled_population)
    listed = pop > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(pooled_pop > 0, pooled_ev / pooled_pop, np.nan)
        rate_per = np.where(listed, ev / pop, np.nan) * per
    _check_method(np.nan_to_num(mean), method)
    limits = _limits(mean, pop, per=per, method=method, z_95=z_95, z_998=z_998)
    return _status(rate_per, limits, listed)[0]


def funnel_curve(
    *,
    mean_rate: float,
    populations: object,
    per: int = 1000,
    method: FunnelMethod = "binomial",
    z_95: float = 1.96,
    z_998: float = 3.09,
) -> pd.DataFrame:
    """The funnel's control-limit lines over a range of list sizes, for drawing the plot.

    ``mean_rate`` is per ``per`` patients (as :func:`funnel_limits` reports it).
    """
    pop = np.asarray(populations, dtype=np.float64)
    if (pop <= 0).any():
        raise FunnelError("Funnel lines are drawn for list sizes above 0.")
    mean = mean_rate / per
    _check_method(mean, method)
    limits = _limits(mean, pop, per=per, method=method, z_95=z_95, z_998=z_998)
    return pd.DataFrame({"population": pop, "mean_rate": mean_rate, **limits})


def funnel_position(status: str) -> str | None:
    """A :func:`funnel_limits` status as the band a practice falls in: "within 95%", "between 95% and
    99.8%" or "beyond 99.8%" (None: no list size, so no position)."""
    return _POSITION.get(status)
