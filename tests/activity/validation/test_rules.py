"""The validation calendar (pure)."""

from datetime import date

from activity.validation import rules
from activity.validation.choices import ReturnStatus


def test_a_month_closes_the_given_days_after_it_ends():
    may = date(2007, 5, 1)
    assert rules.month_closes_on(may, 60) == date(2007, 7, 31)
    assert not rules.month_is_closed(may, today=date(2007, 7, 30), close_days=60, closed_by_pct=False)
    assert rules.month_is_closed(may, today=date(2007, 7, 31), close_days=60, closed_by_pct=False)
    assert rules.month_is_closed(may, today=date(2007, 6, 1), close_days=60, closed_by_pct=True)
    assert not rules.month_is_closed(may, today=date(2030, 1, 1), close_days=None, closed_by_pct=False)


def test_return_status_around_the_due_day():
    feb = date(2008, 2, 1)  # a leap year: February ends on the 29th, due 30 days later on 30 March
    assert rules.return_due(feb, 30) == date(2008, 3, 30)
    status = lambda on, today: rules.return_status(feb, submitted_on=on, today=today, due_days=30)  # noqa: E731
    assert status(date(2008, 3, 30), date(2008, 5, 1)) == ReturnStatus.RETURNED
    assert status(date(2008, 3, 31), date(2008, 5, 1)) == ReturnStatus.LATE
    assert status(None, date(2008, 3, 30)) == ReturnStatus.DUE
    assert status(None, date(2008, 3, 31)) == ReturnStatus.MISSING
