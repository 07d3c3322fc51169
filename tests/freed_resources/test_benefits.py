"""Benefit follow-up of an approved proposal, worked by hand: baseline months before approval against the
months after it, and when the expected fall counts as achieved, not yet or not achieved."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from freed_resources.benefits import (
    BenefitTarget,
    MonthFigures,
    follow_up,
    month_shift,
    overall_status,
)
from freed_resources.choices import BenefitStatus

APPROVED = date(2008, 7, 15)  # approval month July 2008: in neither the baseline nor the follow-up


def months(first: date, counts, costs=None):
    costs = costs or [0] * len(counts)
    return [
        MonthFigures(month_shift(first, i), c, p) for i, (c, p) in enumerate(zip(counts, costs, strict=True))
    ]


# Emergency admissions: Jan–Jun 2008 40, 42, 38, 41, 39, 40 = 240, an average of 40 a month.
BASELINE = months(date(2008, 1, 1), [40, 42, 38, 41, 39, 40])
JULY = months(date(2008, 7, 1), [10])  # the approval month: ignored whatever it holds


def nel(expected: int, months_window: int = 6) -> BenefitTarget:
    return BenefitTarget("NEL", "activity", expected, months_window)


def test_month_shift_crosses_years():
    assert month_shift(date(2008, 1, 1), -1) == date(2007, 12, 1)
    assert month_shift(date(2008, 11, 1), 3) == date(2009, 2, 1)
    assert month_shift(date(2008, 7, 1), -6) == date(2008, 1, 1)


def test_achieved_after_three_months():
    # Aug–Oct 35, 36, 34: average 35, a fall of 5 against 4 expected.
    result = follow_up(nel(4), BASELINE + JULY + months(date(2008, 8, 1), [35, 36, 34]), approved_on=APPROVED)
    assert result.status == BenefitStatus.ACHIEVED
    assert [m.month_start for m in result.baseline] == [date(2008, m, 1) for m in range(1, 7)]
    assert [m.month_start for m in result.after] == [date(2008, 8, 1), date(2008, 9, 1), date(2008, 10, 1)]
    assert (result.baseline_average, result.after_average, result.reduction) == (40, 35, 5)
    assert "fell by 5 a month (40 before, 35 after) against 4 expected" in result.explanation


def test_not_yet_until_three_months_are_published():
    result = follow_up(nel(4), BASELINE + months(date(2008, 8, 1), [30, 30]), approved_on=APPROVED)
    assert result.status == BenefitStatus.NOT_YET
    assert result.explanation == "2 of the first 3 months after approval are published."


def test_not_yet_while_the_window_runs_then_not_achieved():
    after = [35, 36, 34]  # a fall of 5; 6 expected
    result = follow_up(nel(6), BASELINE + months(date(2008, 8, 1), after), approved_on=APPROVED)
    assert result.status == BenefitStatus.NOT_YET
    assert "3 month(s) of the follow-up still to come" in result.explanation
    # Nov–Jan 37, 35, 33: six months of 210, an average of 35: still 5, the window is over.
    whole = BASELINE + months(date(2008, 8, 1), after + [37, 35, 33])
    result = follow_up(nel(6), whole, approved_on=APPROVED)
    assert result.status == BenefitStatus.NOT_ACHIEVED
    assert result.after[-1].month_start == date(2009, 1, 1)
    assert "over the whole 6-month follow-up" in result.explanation
    # Months after the window (Feb 2009 onwards) are not counted, however good.
    later = whole + months(date(2009, 2, 1), [0, 0, 0])
    assert follow_up(nel(6), later, approved_on=APPROVED).after_average == 35


def test_exactly_the_expected_fall_is_achieved_with_exact_fractions():
    # Baseline 40 (240/6); after 37, 36, 36 = 109/3 = 36.33…: a fall of 11/3, expected 4 → not yet;
    # after 37, 36, 35 = 36: a fall of exactly 4 → achieved.
    r = follow_up(nel(4), BASELINE + months(date(2008, 8, 1), [37, 36, 36]), approved_on=APPROVED)
    assert r.reduction == Fraction(11, 3) and r.status == BenefitStatus.NOT_YET
    r = follow_up(nel(4), BASELINE + months(date(2008, 8, 1), [37, 36, 35]), approved_on=APPROVED)
    assert r.reduction == 4 and r.status == BenefitStatus.ACHIEVED


def test_cost_in_pence_and_a_rise():
    # Outpatients cost: baseline Apr–Jun £1,000.00, £1,100.00, £1,000.01 (avg £1,033.34 to the penny) and
    # after Aug–Oct £1,200.00 each: a rise of £166.66⅓ a month.
    target = BenefitTarget("OP", "cost", 50_00, 3)
    data = months(date(2008, 4, 1), [5, 6, 5], [1_000_00, 1_100_00, 1_000_01]) + months(
        date(2008, 8, 1), [7, 7, 7], [1_200_00] * 3
    )
    r = follow_up(target, data, approved_on=APPROVED)
    assert r.baseline_average == Fraction(3_100_01, 3)
    assert r.reduction == Fraction(3_100_01, 3) - 1_200_00
    assert r.status == BenefitStatus.NOT_ACHIEVED
    assert (
        "rose by £166.66 a month (£1,033.34 before, £1,200.00 after) against £50.00 expected" in r.explanation
    )


def test_missing_months_are_averaged_over_the_published_ones():
    # Only Feb and May published before approval (40, 44 → 42); Aug, Oct, Dec after (38, 38, 38).
    data = [
        MonthFigures(date(2008, 2, 1), 40, 0),
        MonthFigures(date(2008, 5, 1), 44, 0),
        MonthFigures(date(2008, 8, 1), 38, 0),
        MonthFigures(date(2008, 10, 1), 38, 0),
        MonthFigures(date(2008, 12, 1), 38, 0),
    ]
    r = follow_up(nel(4), data, approved_on=APPROVED)
    assert (r.baseline_average, r.after_average, r.status) == (42, 38, BenefitStatus.ACHIEVED)


def test_nothing_before_approval_is_not_yet():
    r = follow_up(nel(1), months(date(2008, 8, 1), [1, 1, 1]), approved_on=APPROVED)
    assert r.status == BenefitStatus.NOT_YET and r.baseline_average is None and r.reduction is None
    assert r.explanation == "No published month before approval to compare with."


def test_a_short_window_needs_only_its_own_months():
    # Two months either side: May, Jun 39, 41 (40) → Aug, Sep 30, 30: achieved with two months published.
    r = follow_up(nel(5, 2), BASELINE + months(date(2008, 8, 1), [30, 30]), approved_on=APPROVED)
    assert [m.month_start.month for m in r.baseline] == [5, 6]
    assert r.status == BenefitStatus.ACHIEVED


@pytest.mark.parametrize("target", [nel(0), nel(-3), nel(4, 0)])
def test_bad_targets_are_refused(target):
    with pytest.raises(ValueError):
        follow_up(target, BASELINE, approved_on=APPROVED)


def test_overall_status():
    achieved = follow_up(nel(4), BASELINE + months(date(2008, 8, 1), [35, 35, 35]), approved_on=APPROVED)
    waiting = follow_up(nel(4), BASELINE, approved_on=APPROVED)
    missed = follow_up(nel(9), BASELINE + months(date(2008, 8, 1), [35] * 6), approved_on=APPROVED)
    assert overall_status([]) is None
    assert overall_status([achieved, achieved]) == BenefitStatus.ACHIEVED
    assert overall_status([achieved, waiting]) == BenefitStatus.NOT_YET
    assert overall_status([achieved, waiting, missed]) == BenefitStatus.NOT_ACHIEVED
