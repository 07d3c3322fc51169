"""Benefit follow-up of an approved reinvestment proposal, as a pure calculation.

A proposal names the categories it targets and the monthly reduction it expects in each (activity count or
cost). The months before approval are the baseline, the same number of months after approval the follow-up;
the approval month itself is in neither (part of it was before the decision). Averages are exact fractions:
no rounding decides a status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from freed_resources.choices import BenefitMeasure, BenefitStatus
from freed_resources.constants import BENEFIT_DEFAULT_MONTHS, BENEFIT_MIN_MONTHS
from pbc.money import format_gbp


@dataclass(frozen=True)
class MonthFigures:
    """One published month of a category: activity count and cost (whole pence)."""

    month_start: date
    activity_count: int
    cost_pence: int

    def value(self, measure: str) -> int:
        return self.activity_count if measure == BenefitMeasure.ACTIVITY else self.cost_pence


@dataclass(frozen=True)
class BenefitTarget:
    category: str
    measure: str
    expected_reduction: int  # per month: a count of activity, or pence
    months: int = BENEFIT_DEFAULT_MONTHS


@dataclass(frozen=True)
class BenefitResult:
    target: BenefitTarget
    approved_month: date
    baseline: tuple[MonthFigures, ...]
    after: tuple[MonthFigures, ...]
    baseline_average: Fraction | None
    after_average: Fraction | None
    reduction: Fraction | None
    status: BenefitStatus
    explanation: str

    @property
    def category(self) -> str:
        return self.target.category


def month_shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _average(months: Sequence[MonthFigures], measure: str) -> Fraction | None:
    if not months:
        return None
    return Fraction(sum(m.value(measure) for m in months), len(months))


def _show(value: Fraction, measure: str) -> str:
    if measure == BenefitMeasure.COST:
        return format_gbp(int((value * 2 + 1) // 2))  # half a penny up, for display only
    return f"{float(value):,.1f}".rstrip("0").rstrip(".")


def follow_up(
    target: BenefitTarget,
    months: Sequence[MonthFigures],
    *,
    approved_on: date,
    min_months: int = BENEFIT_MIN_MONTHS,
) -> BenefitResult:
    """Compare the ``target.months`` published months before approval with those after it.

    Achieved when at least ``min_months`` (or the whole window, if shorter) months after approval are
    published and the average fell by at least the expected reduction; not achieved when the whole window
    is published and it did not; otherwise not yet.
    """
    if target.months < 1:
        raise ValueError("The follow-up window is at least one month.")
    if target.expected_reduction <= 0:
        raise ValueError("The expected reduction is a positive amount.")
    approved_month = approved_on.replace(day=1)
    start, end = month_shift(approved_month, -target.months), month_shift(approved_month, target.months)
    by_month = {m.month_start: m for m in months}
    baseline = tuple(by_month[d] for d in sorted(by_month) if start <= d < approved_month)
    after = tuple(by_month[d] for d in sorted(by_month) if approved_month < d <= end)
    measure = target.measure
    before_avg, after_avg = _average(baseline, measure), _average(after, measure)
    expected = _show(Fraction(target.expected_reduction), measure)
    needed = min(min_months, target.months)
    reduction = None if before_avg is None or after_avg is None else before_avg - after_avg

    if before_avg is None:
        status, why = BenefitStatus.NOT_YET, "No published month before approval to compare with."
    elif len(after) < needed:
        status = BenefitStatus.NOT_YET
        why = f"{len(after)} of the first {needed} months after approval are published."
    else:
        fell = (
            f"The average fell by {_show(reduction, measure)} a month "
            f"({_show(before_avg, measure)} before, {_show(after_avg, measure)} after) "
            f"against {expected} expected"
        )
        if reduction >= target.expected_reduction:
            status, why = BenefitStatus.ACHIEVED, f"{fell}."
        elif len(after) < target.months:
            status = BenefitStatus.NOT_YET
            why = f"{fell}, with {target.months - len(after)} month(s) of the follow-up still to come."
        else:
            status, why = (
                BenefitStatus.NOT_ACHIEVED,
                f"{fell}, over the whole {target.months}-month follow-up.",
            )
    if reduction is not None and reduction < 0:
        why = why.replace("fell by -", "rose by ")
    return BenefitResult(
        target=target,
        approved_month=approved_month,
        baseline=baseline,
        after=after,
        baseline_average=before_avg,
        after_average=after_avg,
        reduction=reduction,
        status=status,
        explanation=why,
    )


def overall_status(results: Sequence[BenefitResult]) -> BenefitStatus | None:
    """A proposal's benefit: achieved when every target is, not achieved when any is, else not yet."""
    if not results:
        return None
    statuses = {r.status for r in results}
    if statuses == {BenefitStatus.ACHIEVED}:
        return BenefitStatus.ACHIEVED
    if BenefitStatus.NOT_ACHIEVED in statuses:
        return BenefitStatus.NOT_ACHIEVED
    return BenefitStatus.NOT_YET
