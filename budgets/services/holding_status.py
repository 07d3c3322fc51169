"""Writes of a practice's budget-holding status (DOMAIN section 12): set or change it, with a reason."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from simple_history.utils import update_change_reason

from budgets.choices import BudgetHoldingStatusChoice
from budgets.models import BudgetHoldingStatus
from pbc.fiscal import FinancialYear
from pbc.models import Practice

__all__ = ["budget_holding_status_set"]


@transaction.atomic
def budget_holding_status_set(
    *,
    practice: Practice,
    year: FinancialYear,
    status: str,
    reason: str,
    actor,
    categories: list[str] | None = None,
    shadow_start: date | None = None,
    shadow_end: date | None = None,
    holding_from: date | None = None,
) -> BudgetHoldingStatus:
    """Set the practice's status for the year (creating its row, or changing it); the reason goes on the
    history row. ``categories`` empty or ``None``: every category."""
    row = (
        BudgetHoldingStatus.objects.select_for_update()
        .filter(practice=practice, start_year=year.start_year)
        .first()
    ) or BudgetHoldingStatus(practice=practice, start_year=year.start_year)
    row.status = BudgetHoldingStatusChoice(status)
    row.categories = [str(c).strip().upper() for c in (categories or [])]
    row.shadow_start = shadow_start
    row.shadow_end = shadow_end
    row.holding_from = holding_from
    row.reason = (reason or "").strip()
    row.changed_by = actor
    row.full_clean()
    row._history_user = actor
    row.save()
    update_change_reason(row, row.reason)
    return row
