"""The stored monthly report of a PCT and year, built from plain frames. Pure: no ORM, no I/O.

:func:`build_report` takes the year's attributed activity (practice × category × provider × month), the
published budgets (practice × category), how each practice's baseline split between providers, and the
baseline's seasonal profile, and returns every report row at three levels:

- **atomic**: practice × category × provider. A practice's annual category budget is shared between
  providers in proportion to its baseline activity at each (re-costed at the target year's tariff), with
  :func:`pbc.money.apportion_pence`'s largest-remainder rule so the parts add up to the budget exactly; a
  budget with no baseline to split it by goes to provider "" ("not tied to a provider"). Each atomic key is
  then put through :func:`budgets.reporting.monthly_report` (phasing, YTD, variance, forecast, RAG).
- **roll-ups**: every other row is a sum of atomic rows — category totals (provider ``ALL``), all-category
  totals (category ``ALL``), localities and the PCT — so each table adds up to its total line exactly.
  Additive measures (activity, cost, budgets, variance £, forecasts) are summed; variance % and RAG are
  recomputed from the summed YTD figures with the same rules.
- **devolution**: practice-level rows exist only for devolved categories (a practice's ``ALL`` line adds up
  its devolved categories); categories held at locality/consortium level are reported on locality and PCT
  rows only, which add up every category.

Months after ``current_to`` (the last month with published activity) keep their budget columns and have
no actual, variance, forecast or RAG; ``current_to`` = 0 means no activity yet (budget-only rows).
Without a published budget (``budgeted=False``) rows carry activity with £0 budgets and no RAG.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from budgets.constants import TOTAL
from budgets.reporting import MONTHS, RagThresholds, monthly_report, variance_and_rag

__all__ = ["ADDITIVE", "REPORT_COLUMNS", "ReportInputs", "apportion_by_share", "build_report"]

ADDITIVE = (
    "activity_count",
    "ytd_activity_count",
    "actual_pence",
    "budget_pence",
    "annual_budget_pence",
    "ytd_budget_pence",
    "ytd_actual_pence",
    "variance_pence",
    "forecast_outturn_pence",
    "forecast_variance_pence",
)
_ACTUAL_DERIVED = (
    "activity_count",
    "ytd_activity_count",
    "actual_pence",
    "ytd_actual_pence",
    "variance_pence",
    "variance_tenths",
    "forecast_outturn_pence",
    "forecast_variance_pence",
)
REPORT_COLUMNS = (
    "level",
    "practice_id",
    "locality_id",
    "category",
    "provider",
    "month",
    *ADDITIVE,
    "variance_tenths",
    "rag",
    "is_future",
)
_KEYS = ["practice_id", "category", "provider"]


@dataclass(frozen=True, kw_only=True)
class ReportInputs:
    """``actuals``: practice_id, category, provider, month (1–12), activity_count, actual_pence.
    ``budgets``: practice_id, category, annual_budget_pence. ``provider_shares``: practice_id, category,
    provider, baseline_pence. ``profile``: category, month, baseline_pence (or None).
    ``localities``: practice id → locality id (None when the practice has none)."""

    actuals: pd.DataFrame
    budgets: pd.DataFrame
    provider_shares: pd.DataFrame
    localities: Mapping[int, int | None]
    devolved: frozenset[str]
    profile: pd.DataFrame | None = None
    phasing: str = "flat"
    thresholds: RagThresholds | None = None
    current_to: int = MONTHS
    budgeted: bool = True


def apportion_by_share(
    *, totals: pd.DataFrame, shares: pd.DataFrame, keys: list[str], part: str, weight: str, value: str
) -> pd.DataFrame:
    """Split each key's ``value`` between its ``part`` rows in ``shares`` by ``weight``, exactly.

    Largest remainder per key (ties to the part that sorts first); a key whose weights add up to nothing
    (or that has no shares) keeps its whole value on ``part`` = "". Returns keys + part + value.
    """
    totals = totals[[*keys, value]]
    shares = shares[[*keys, part, weight]]
    shares = shares[shares[weight] > 0]
    shares = shares.groupby([*keys, part], as_index=False, sort=True)[weight].sum()
    merged = totals.merge(shares, on=keys, how="left")
    has_share = merged[weight].notna()
    whole = merged.loc[~has_share, [*keys, value]].assign(**{part: ""})
    split = merged.loc[has_share].sort_values([*keys, part], kind="stable").reset_index(drop=True)
    if split.empty:
        return pd.concat([whole[[*keys, part, value]]], ignore_index=True)
    group = split.groupby(keys, sort=False).ngroup().to_numpy()
    total = [int(v) for v in split[value].to_numpy()]
    w = [int(v) for v in split[weight].to_numpy()]
    weight_sum = pd.Series(w, dtype=object).groupby(group).transform("sum").tolist()
    floor = [t * x // s for t, x, s in zip(total, w, weight_sum, strict=True)]
    remainder = [t * x % s for t, x, s in zip(total, w, weight_sum, strict=True)]
    # Pennies left per group go to the largest remainders (a remainder is compared as a fraction of its
    # group's weight sum, which is the same for every part of a group, so the integers compare directly).
    left: dict[int, int] = {}
    for g, t, f in zip(group.tolist(), total, floor, strict=True):
        left[g] = left.get(g, t) - f
    order = sorted(range(len(floor)), key=lambda i: (group[i], -remainder[i], i))
    given: dict[int, int] = {}
    for i in order:
        g = int(group[i])
        if given.get(g, 0) < left[g]:
            floor[i] += 1
            given[g] = given.get(g, 0) + 1
    split[value] = np.array(floor, dtype=np.int64)
    return pd.concat([split[[*keys, part, value]], whole[[*keys, part, value]]], ignore_index=True)


def _sum_up(frame: pd.DataFrame, by: list[str], **constant) -> pd.DataFrame:
    summed = frame.groupby([*by, "month"], as_index=False, sort=True, dropna=False)[list(ADDITIVE)].sum()
    for name, value in constant.items():
        summed[name] = value
    return summed


def _typed(frame: pd.DataFrame, types: dict) -> pd.DataFrame:
    """The columns of ``frame`` with fixed types (empty frames come in with float or object columns)."""
    out = pd.DataFrame({name: frame[name] for name in types})
    for name, kind in types.items():
        out[name] = out[name].astype(object).astype(str) if kind is str else out[name].astype(kind)
    return out.reset_index(drop=True)


def build_report(inputs: ReportInputs) -> pd.DataFrame:
    """Every report row of the year (see the module docstring), in REPORT_COLUMNS order."""
    thresholds = inputs.thresholds or RagThresholds()
    current_to = int(inputs.current_to)
    if not 0 <= current_to <= MONTHS:
        raise ValueError("current_to runs from 0 (no activity yet) to 12.")
    actuals = _typed(
        inputs.actuals, {"practice_id": "int64", "category": str, "provider": str, "month": "int64",
                         "activity_count": "int64", "actual_pence": "int64"},
    )  # fmt: skip
    budgets = _typed(
        inputs.budgets, {"practice_id": "int64", "category": str, "annual_budget_pence": "int64"}
    )
    shares = _typed(
        inputs.provider_shares,
        {"practice_id": "int64", "category": str, "provider": str, "baseline_pence": "int64"},
    )
    budgets = budgets[budgets["annual_budget_pence"] > 0]
    atomic_budgets = apportion_by_share(
        totals=budgets,
        shares=shares,
        keys=["practice_id", "category"],
        part="provider",
        weight="baseline_pence",
        value="annual_budget_pence",
    )
    profile = inputs.profile
    if profile is not None and (profile.empty or int(profile["baseline_pence"].sum()) == 0):
        profile = None
    phasing = inputs.phasing if profile is not None else "flat"
    if atomic_budgets.empty and actuals.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REPORT_COLUMNS})
    atomic = monthly_report(
        budgets=atomic_budgets,
        actuals=actuals,
        keys=_KEYS,
        profile=profile,
        phasing=phasing,
        thresholds=thresholds,
        months_to_date=MONTHS,
    )
    n = len(atomic) // MONTHS
    atomic["ytd_activity_count"] = (
        atomic["activity_count"].to_numpy(dtype=np.int64).reshape(n, MONTHS).cumsum(axis=1).ravel()
    )
    atomic["locality_id"] = atomic["practice_id"].map(dict(inputs.localities)).astype("Int64")
    atomic = atomic[["practice_id", "locality_id", "category", "provider", "month", *ADDITIVE]]

    is_devolved = atomic["category"].isin(inputs.devolved)
    devolved = atomic[is_devolved]
    # Every practice gets a total line, £0 where none of its categories is devolved.
    devolved_only = atomic.copy()
    devolved_only.loc[~is_devolved, list(ADDITIVE)] = 0
    in_locality = atomic[atomic["locality_id"].notna()]
    parts = [
        # Practices: their devolved categories, by provider, by category, and in total.
        devolved.assign(level="practice"),
        _sum_up(devolved, ["practice_id", "locality_id", "category"], provider=TOTAL, level="practice"),
        _sum_up(devolved, ["practice_id", "locality_id", "provider"], category=TOTAL, level="practice"),
        _sum_up(
            devolved_only, ["practice_id", "locality_id"], category=TOTAL, provider=TOTAL, level="practice"
        ),
        # Localities and the PCT: every category.
        _sum_up(in_locality, ["locality_id", "category", "provider"], level="locality"),
        _sum_up(in_locality, ["locality_id", "category"], provider=TOTAL, level="locality"),
        _sum_up(in_locality, ["locality_id", "provider"], category=TOTAL, level="locality"),
        _sum_up(in_locality, ["locality_id"], category=TOTAL, provider=TOTAL, level="locality"),
        _sum_up(atomic, ["category", "provider"], level="pct"),
        _sum_up(atomic, ["category"], provider=TOTAL, level="pct"),
        _sum_up(atomic, ["provider"], category=TOTAL, level="pct"),
        _sum_up(atomic, [], category=TOTAL, provider=TOTAL, level="pct"),
    ]
    rows = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    for column in ("practice_id", "locality_id"):
        rows[column] = rows[column].astype("Int64")
    variance, tenths, has_budget, rag = variance_and_rag(
        ytd_budget_pence=rows["ytd_budget_pence"].to_numpy(dtype=np.int64),
        ytd_actual_pence=rows["ytd_actual_pence"].to_numpy(dtype=np.int64),
        thresholds=thresholds,
    )
    rows["variance_pence"] = variance
    rows["variance_tenths"] = pd.array(np.where(has_budget, tenths, 0), dtype="Int64")
    rows.loc[~has_budget, "variance_tenths"] = pd.NA
    rows["rag"] = rag if inputs.budgeted else ""
    if not inputs.budgeted:
        rows["variance_pence"] = pd.NA
        rows["forecast_variance_pence"] = pd.NA
    future = rows["month"].to_numpy() > current_to
    rows["is_future"] = future
    for column in ADDITIVE:
        rows[column] = rows[column].astype("Int64")
    for column in _ACTUAL_DERIVED:
        rows.loc[future, column] = pd.NA
    rows.loc[future, "rag"] = ""
    return rows[list(REPORT_COLUMNS)].reset_index(drop=True)
