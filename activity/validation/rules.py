"""The calendar of validation (pure): when a month closes for challenges and when its return is late."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from activity.validation.choices import ReturnStatus


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_closes_on(month: date, close_days: int | None) -> date | None:
    """The first day a month is closed for challenges: ``close_days`` after its last day (None: the month
    closes only when the PCT closes it)."""
    if close_days is None:
        return None
    return month_end(month) + timedelta(days=close_days + 1)


def month_is_closed(month: date, *, today: date, close_days: int | None, closed_by_pct: bool) -> bool:
    closes_on = month_closes_on(month, close_days)
    return closed_by_pct or (closes_on is not None and today >= closes_on)


def return_due(month: date, due_days: int) -> date:
    """The last day a month's validation return is on time: ``due_days`` after the month's last day."""
    return month_end(month) + timedelta(days=due_days)


def return_status(month: date, *, submitted_on: date | None, today: date, due_days: int) -> ReturnStatus:
    """Returned (on or before the due day), late (after it), missing (not returned and past due) or due."""
    due = return_due(month, due_days)
    if submitted_on is not None:
        return ReturnStatus.RETURNED if submitted_on <= due else ReturnStatus.LATE
    return ReturnStatus.MISSING if today > due else ReturnStatus.DUE
