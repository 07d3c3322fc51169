"""Monthly budget-versus-activity reports and peer comparison: pure maths on arrays and DataFrames.

Reports are recomputed whenever an extract lands, for every practice, year and category at once, so the
report maths is vectorised over keys × 12 months with exact integer pence. Scalar functions give the same
answers for one figure and are what the tests pin the vectorised code against.

Rules chosen (configurable where the PCT may differ):

- Phasing: an annual budget is split into 12 months (April = month 1) either flat or by the baseline's
  seasonal profile (12 monthly weights, e.g. the baseline's pence per month). The months always add up to
  the annual budget exactly: each month gets its exact share rounded down and the pennies left go to the
  months with the largest remainder, ties to the earlier month (flat twelfths: April onwards). A profile
  that is all zero falls back to flat.
- Variance = YTD actual − YTD budget (positive = overspend); variance % = variance / YTD budget × 100,
  1 dp half-up; no % when the YTD budget is £0.
- Forecast outturn = YTD actual / (share of the year's baseline that falls in the months to date), half-up
  to the penny; with no profile (or no baseline in the months to date) it is the flat run rate
  YTD actual × 12 / months. The profile is used for the forecast whenever one is given.
- RAG, judged on the variance % as shown (1 dp): green when ≤ ``green_max_pct`` (default 0%: on or under
  budget), amber when ≤ ``amber_max_pct`` (default 5%), red above. With no YTD budget: red if anything was
  spent, else green.
- Funnel plot (``pbc.funnel``, shared with referral rates): rates per 1,000 registered patients against the PCT's pooled mean rate p, with the normal
  approximation to the binomial: limits p ± z·sqrt(p(1−p)/n) for z = 1.96 (95%) and 3.09 (99.8%), lower
  limit floored at 0. Use ``method="poisson"`` (sqrt(p/n)) for counts that can exceed one per patient.
  A practice is outside a limit only when strictly beyond it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Literal

import numpy as np
import pandas as pd

from pbc.funnel import FunnelError, funnel_curve, funnel_limits
from pbc.money import apportion_pence

__all__ = [
    "MONTHS",
    "ReportError",
    "RagThresholds",
    "forecast_outturn",
    "funnel_curve",
    "funnel_limits",
    "monthly_report",
    "phase_budget",
    "phase_budgets",
    "rag_status",
    "variance_and_rag",
    "variance_pct",
]

MONTHS = 12
Rag = Literal["green", "amber", "red"]
Phasing = Literal["flat", "seasonal"]

# Products of pence beyond this switch to exact Python integers instead of int64.
_INT64_SAFE = 2**62


# Report inputs that cannot be computed on: the funnel's error, so one ``except`` catches both.
ReportError = FunnelError


# --- exact integer helpers -----------------------------------------------------------------------------


def _div_half_up_int(num: int, den: int) -> int:
    """``num / den`` rounded half-up (away from zero on a tie), ``den`` > 0."""
    q = (2 * abs(num) + den) // (2 * den)
    return q if num >= 0 else -q


def _mul_div_half_up(a: np.ndarray, b: np.ndarray | int, c: np.ndarray | int) -> np.ndarray:
    """Elementwise ``a × b / c`` half-up, exact; int64 when safe, Python integers when it could overflow."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    big = a.size and (int(np.abs(a).max()) + 1) * (int(np.abs(b).max()) + 1) * 2 + int(c.max()) >= _INT64_SAFE
    if big:
        a, b, c = a.astype(object), b.astype(object), c.astype(object)
    num = a * b
    q = (2 * abs(num) + c) // (2 * c)
    result = np.where(num >= 0, q, -q)
    return result.astype(np.int64)


def _as_int_array(values: object, *, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or not np.all(array == np.floor(array)):
            raise ReportError(f"{name} must be whole numbers.")
    elif array.dtype.kind not in "iu" and array.size:
        raise ReportError(f"{name} must be whole numbers.")
    return array.astype(np.int64)


# --- phasing -------------------------------------------------------------------------------------------


def phase_budget(*, annual_pence: int, profile: Sequence[int | Decimal] | None = None) -> list[int]:
    """Twelve monthly budgets (April first) adding up to ``annual_pence`` exactly; flat when no profile."""
    weights: Sequence[int | Decimal] = [1] * MONTHS if profile is None else profile
    if len(weights) != MONTHS:
        raise ReportError("A seasonal profile has one weight per month, April to March.")
    if any(w < 0 for w in weights):
        raise ReportError("Seasonal weights cannot be negative.")
    if not any(weights):
        weights = [1] * MONTHS
    if annual_pence < 0:
        raise ReportError("An annual budget cannot be negative.")
    return apportion_pence(total=annual_pence, weights=weights)


def phase_budgets(*, annual_pence: object, profiles: object = None) -> np.ndarray:
    """Vectorised :func:`phase_budget`: ``annual_pence`` (n,) and integer ``profiles`` (n, 12) or (12,).

    Returns an (n, 12) int64 array whose rows add up to the annual budgets exactly.
    """
    annual = _as_int_array(annual_pence, name="Annual budgets").reshape(-1)
    n = annual.shape[0]
    if (annual < 0).any():
        raise ReportError("An annual budget cannot be negative.")
    if profiles is None:
        weights = np.ones((n, MONTHS), dtype=np.int64)
    else:
        weights = _as_int_array(profiles, name="Seasonal weights")
        if weights.ndim == 1:
            weights = np.broadcast_to(weights, (n, MONTHS))
        if weights.shape != (n, MONTHS):
            raise ReportError("A seasonal profile has one weight per month, April to March.")
        if (weights < 0).any():
            raise ReportError("Seasonal weights cannot be negative.")
    weight_sum = weights.sum(axis=1)
    weights = np.where((weight_sum == 0)[:, None], 1, weights)
    weight_sum = weights.sum(axis=1)
    num_a, num_w, den = annual[:, None], weights, weight_sum[:, None]
    if n and (int(annual.max()) + 1) * (int(weights.max()) + 1) >= _INT64_SAFE:
        num_a, num_w, den = num_a.astype(object), num_w.astype(object), den.astype(object)
    product = num_a * num_w
    floor = product // den
    remainder = (product - floor * den).astype(np.int64)
    parts = floor.astype(np.int64)
    left = annual - parts.sum(axis=1)
    order = np.argsort(-remainder, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(MONTHS), order.shape), axis=1)
    return parts + (rank < left[:, None])


# --- variance, forecast, RAG ---------------------------------------------------------------------------


def variance_pct(*, variance_pence: int, budget_pence: int) -> Decimal | None:
    """Variance as a % of budget, 1 dp half-up; None when there is no budget to compare with."""
    if budget_pence <= 0:
        return None
    return Decimal(_div_half_up_int(variance_pence * 1000, budget_pence)).scaleb(-1)


def forecast_outturn(
    *, ytd_actual_pence: int, months_to_date: int, profile: Sequence[int | Decimal] | None = None
) -> int:
    """Year-end outturn from the run rate, adjusted by the baseline's seasonality when a profile is given."""
    if not 1 <= months_to_date <= MONTHS:
        raise ReportError("Months to date run from 1 (April) to 12 (March).")
    if profile is not None and len(profile) != MONTHS:
        raise ReportError("A seasonal profile has one weight per month, April to March.")
    if profile is not None and sum(profile[:months_to_date]) > 0:
        share = sum(map(Fraction, profile[:months_to_date]), Fraction(0)) / sum(
            map(Fraction, profile), Fraction(0)
        )
        exact = ytd_actual_pence / share
        return _div_half_up_int(exact.numerator, exact.denominator)
    return _div_half_up_int(ytd_actual_pence * MONTHS, months_to_date)


@dataclass(frozen=True, kw_only=True)
class RagThresholds:
    """Upper bounds (inclusive, in % over YTD budget) of green and amber; above amber is red."""

    green_max_pct: Decimal = Decimal("0")
    amber_max_pct: Decimal = Decimal("5")

    def __post_init__(self) -> None:
        for name in ("green_max_pct", "amber_max_pct"):
            value = getattr(self, name)
            if isinstance(value, bool | float):
                raise ReportError("RAG thresholds must be Decimals, ints or strings, not floats.")
            object.__setattr__(self, name, Decimal(str(value)))
        if self.green_max_pct > self.amber_max_pct:
            raise ReportError("The green threshold cannot be above the amber one.")

    def _tenths_bounds(self) -> tuple[int, int]:
        """The largest whole tenth of a % still inside green and amber (the % is shown to 1 dp)."""
        return (
            int((self.green_max_pct * 10).to_integral_value(rounding=ROUND_FLOOR)),
            int((self.amber_max_pct * 10).to_integral_value(rounding=ROUND_FLOOR)),
        )


def rag_status(
    *, variance_pct: Decimal | None, ytd_actual_pence: int, thresholds: RagThresholds | None = None
) -> Rag:
    thresholds = thresholds or RagThresholds()
    if variance_pct is None:
        return "red" if ytd_actual_pence > 0 else "green"
    if variance_pct <= thresholds.green_max_pct:
        return "green"
    if variance_pct <= thresholds.amber_max_pct:
        return "amber"
    return "red"


def variance_and_rag(
    *, ytd_budget_pence: object, ytd_actual_pence: object, thresholds: RagThresholds | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised variance, variance % (in tenths) and RAG for rows that already hold YTD figures.

    The same rules as :func:`monthly_report` (and :func:`variance_pct`, :func:`rag_status`): variance =
    YTD actual − YTD budget; tenths = variance × 1000 / YTD budget half-up (meaningless where there is no
    budget: ``has_budget`` is then False); RAG judged on the % as shown. Returns (variance, tenths,
    has_budget, rag) — used for roll-ups, whose YTD figures are sums of their parts.
    """
    thresholds = thresholds or RagThresholds()
    budget = _as_int_array(ytd_budget_pence, name="YTD budgets").reshape(-1)
    actual = _as_int_array(ytd_actual_pence, name="YTD actuals").reshape(-1)
    variance = actual - budget
    has_budget = budget > 0
    tenths = _mul_div_half_up(variance, 1000, np.where(has_budget, budget, 1))
    green_max, amber_max = thresholds._tenths_bounds()
    rag = np.select(
        [
            has_budget & (tenths <= green_max),
            has_budget & (tenths <= amber_max),
            has_budget,
            actual > 0,
        ],
        ["green", "amber", "red", "red"],
        default="green",
    )
    return variance, np.where(has_budget, tenths, 0), has_budget, rag


# --- the monthly report --------------------------------------------------------------------------------

ANNUAL_BUDGET = "annual_budget_pence"
ACTUAL = "actual_pence"
ACTIVITY = "activity_count"
MONTH = "month"
BASELINE = "baseline_pence"


def monthly_report(
    *,
    budgets: pd.DataFrame,
    actuals: pd.DataFrame,
    keys: Sequence[str],
    profile: pd.DataFrame | None = None,
    phasing: Phasing = "flat",
    thresholds: RagThresholds | None = None,
    months_to_date: int = MONTHS,
) -> pd.DataFrame:
    """One row per key × month (1 … ``months_to_date``), each as the report stood at the end of that month.

    ``budgets``: ``keys`` + ``annual_budget_pence`` (one row per key). ``actuals``: ``keys`` + ``month``
    (1–12) + ``actual_pence`` [+ ``activity_count``], any number of rows (summed). ``profile``: some of
    ``keys`` (none = one PCT-wide profile) + ``month`` + ``baseline_pence``; keys without a profile are
    phased and forecast flat. Keys with activity but no budget are reported with a £0 budget, never dropped.
    Returned columns: keys, month, activity_count, actual_pence, budget_pence, annual_budget_pence,
    ytd_budget_pence, ytd_actual_pence, variance_pence, variance_pct (Decimal or None),
    forecast_outturn_pence, forecast_variance_pence (forecast − annual budget), rag.
    """
    keys = list(keys)
    thresholds = thresholds or RagThresholds()
    if not 1 <= months_to_date <= MONTHS:
        raise ReportError("Months to date run from 1 (April) to 12 (March).")
    if phasing not in ("flat", "seasonal"):
        raise ReportError(f"Unknown phasing '{phasing}'.")
    if phasing == "seasonal" and profile is None:
        raise ReportError("Seasonal phasing needs the baseline's monthly profile.")
    for frame, needed, what in [
        (budgets, [*keys, ANNUAL_BUDGET], "budgets"),
        (actuals, [*keys, MONTH, ACTUAL], "actuals"),
    ]:
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ReportError(f"The {what} lack columns: {', '.join(missing)}.")
    if budgets.duplicated(keys).any():
        raise ReportError("The budgets hold more than one row for the same key.")

    actual_cols = [ACTUAL, ACTIVITY] if ACTIVITY in actuals.columns else [ACTUAL]
    act = actuals[[*keys, MONTH, *actual_cols]]
    months = _as_int_array(act[MONTH].to_numpy(), name="Months")
    if ((months < 1) | (months > MONTHS)).any():
        raise ReportError("Activity months run from 1 (April) to 12 (March).")
    act = act.groupby([*keys, MONTH], sort=False, dropna=False, as_index=False)[actual_cols].sum()

    annual_budgets = budgets[[*keys, ANNUAL_BUDGET]].astype({ANNUAL_BUDGET: "Int64"})
    frame = annual_budgets.merge(act[keys].drop_duplicates(), on=keys, how="outer", sort=False)
    frame[ANNUAL_BUDGET] = frame[ANNUAL_BUDGET].fillna(0)
    frame = frame.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)
    n = len(frame)
    annual = frame[ANNUAL_BUDGET].to_numpy(dtype=np.int64)

    rows = act.merge(frame[keys].assign(_row=np.arange(n)), on=keys, how="left")
    row_idx = rows["_row"].to_numpy(dtype=np.int64)
    month_idx = _as_int_array(rows[MONTH].to_numpy(), name="Months") - 1
    actual = np.zeros((n, MONTHS), dtype=np.int64)
    actual[row_idx, month_idx] = _as_int_array(rows[ACTUAL].to_numpy(), name="Actual pence")
    count = np.zeros((n, MONTHS), dtype=np.int64)
    if ACTIVITY in rows.columns:
        count[row_idx, month_idx] = _as_int_array(rows[ACTIVITY].to_numpy(), name="Activity counts")

    seasonal = _profile_matrix(profile=profile, frame=frame, keys=keys) if profile is not None else None
    budget = phase_budgets(annual_pence=annual, profiles=seasonal if phasing == "seasonal" else None)

    ytd_budget = budget.cumsum(axis=1)
    ytd_actual = actual.cumsum(axis=1)
    month_no = np.arange(1, MONTHS + 1, dtype=np.int64)
    if seasonal is None:
        multiplier = np.full((n, MONTHS), MONTHS, dtype=np.int64)
        divisor = np.broadcast_to(month_no, (n, MONTHS))
    else:
        share_to_date = seasonal.cumsum(axis=1)
        no_share = share_to_date == 0
        multiplier = np.where(no_share, MONTHS, seasonal.sum(axis=1)[:, None])
        divisor = np.where(no_share, month_no[None, :], share_to_date)
    forecast = _mul_div_half_up(ytd_actual, multiplier, divisor)

    variance = ytd_actual - ytd_budget
    has_budget = ytd_budget > 0
    tenths = _mul_div_half_up(variance, 1000, np.where(has_budget, ytd_budget, 1))
    green_max, amber_max = thresholds._tenths_bounds()
    rag = np.select(
        [
            has_budget & (tenths <= green_max),
            has_budget & (tenths <= amber_max),
            has_budget,
            ytd_actual > 0,
        ],
        ["green", "amber", "red", "red"],
        default="green",
    )

    m = months_to_date
    flat = np.s_[:, :m]
    out = frame[keys].iloc[np.repeat(np.arange(n), m)].reset_index(drop=True)
    out[MONTH] = np.tile(month_no[:m], n)
    out[ACTIVITY] = count[flat].ravel()
    out[ACTUAL] = actual[flat].ravel()
    out["budget_pence"] = budget[flat].ravel()
    out[ANNUAL_BUDGET] = np.repeat(annual, m)
    out["ytd_budget_pence"] = ytd_budget[flat].ravel()
    out["ytd_actual_pence"] = ytd_actual[flat].ravel()
    out["variance_pence"] = variance[flat].ravel()
    # Few distinct tenths recur across many rows: build each Decimal once.
    distinct, position = np.unique(tenths[flat].ravel(), return_inverse=True)
    pct_values = np.array([Decimal(int(t)).scaleb(-1) for t in distinct.tolist()] + [None], dtype=object)
    position = np.where(has_budget[flat].ravel(), position, len(distinct))
    out["variance_pct"] = pd.Series(pct_values[position], dtype=object)
    out["forecast_outturn_pence"] = forecast[flat].ravel()
    out["forecast_variance_pence"] = out["forecast_outturn_pence"] - out[ANNUAL_BUDGET]
    out["rag"] = rag[flat].ravel()
    return out


def _profile_matrix(*, profile: pd.DataFrame, frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """(n, 12) baseline weights aligned to ``frame``'s keys; zeros where a key has no profile."""
    missing = [c for c in (MONTH, BASELINE) if c not in profile.columns]
    if missing:
        raise ReportError(f"The seasonal profile lacks columns: {', '.join(missing)}.")
    profile_keys = [c for c in profile.columns if c not in (MONTH, BASELINE)]
    unknown = [c for c in profile_keys if c not in keys]
    if unknown:
        raise ReportError(f"The seasonal profile has columns that are not report keys: {', '.join(unknown)}.")
    months = _as_int_array(profile[MONTH].to_numpy(), name="Profile months")
    if ((months < 1) | (months > MONTHS)).any():
        raise ReportError("Profile months run from 1 (April) to 12 (March).")
    values = _as_int_array(profile[BASELINE].to_numpy(), name="Profile baseline pence")
    if (values < 0).any():
        raise ReportError("Seasonal weights cannot be negative.")
    n = len(frame)
    if not profile_keys:
        weights = np.zeros(MONTHS, dtype=np.int64)
        np.add.at(weights, months - 1, values)
        return np.broadcast_to(weights, (n, MONTHS)).copy()
    ids = frame[profile_keys].drop_duplicates().reset_index(drop=True)
    ids["_pid"] = np.arange(len(ids))
    located = profile[profile_keys].merge(ids, on=profile_keys, how="left")["_pid"]
    known = located.notna().to_numpy()
    table = np.zeros((len(ids), MONTHS), dtype=np.int64)
    np.add.at(table, (located[known].to_numpy(dtype=np.int64), months[known] - 1), values[known])
    frame_pid = frame[profile_keys].merge(ids, on=profile_keys, how="left")["_pid"].to_numpy(dtype=np.int64)
    return table[frame_pid]


# --- peer comparison -----------------------------------------------------------------------------------
