"""Reads of budget-holding status, narrowed to the user's scope (a practice outside it is 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from budgets.choices import BudgetHoldingStatusChoice
from budgets.models import BudgetHoldingStatus
from pbc import selectors as pbc_selectors
from pbc.fiscal import FinancialYear
from pbc.models import Practice
from pbc.permissions import scope_queryset


@dataclass(frozen=True)
class HoldingStatus:
    """A practice's status for a year; not holding when nothing is recorded."""

    practice: Practice
    year: FinancialYear
    status: str
    categories: list[str]
    shadow_start: date | None
    shadow_end: date | None
    holding_from: date | None
    record: BudgetHoldingStatus | None

    @property
    def financial_year(self) -> str:
        return self.year.label


def budget_holding_status_get(*, user, practice_code: str, year: FinancialYear) -> HoldingStatus:
    practice = pbc_selectors.practice_get(user=user, code=practice_code)
    row = (
        scope_queryset(BudgetHoldingStatus.objects.select_related("practice"), user)
        .filter(practice=practice, start_year=year.start_year)
        .first()
    )
    if row is None:
        return HoldingStatus(
            practice, year, BudgetHoldingStatusChoice.NOT_HOLDING, [], None, None, None, None
        )
    return HoldingStatus(
        practice,
        year,
        row.status,
        list(row.categories),
        row.shadow_start,
        row.shadow_end,
        row.holding_from,
        row,
    )
