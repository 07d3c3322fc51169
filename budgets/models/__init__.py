"""Models of the budgets app: indicative budgets (categories, versions, lines) and monthly reports."""

from budgets.models.budgets import (
    BudgetAdjustment,
    BudgetBaseline,
    BudgetCategory,
    BudgetHolding,
    BudgetLine,
    BudgetSet,
    BudgetSetTransition,
)
from budgets.models.holding_status import BudgetHoldingStatus
from budgets.models.reports import PeerActivity, ReportRow, ReportRun

__all__ = [
    "BudgetAdjustment",
    "BudgetBaseline",
    "BudgetCategory",
    "BudgetHolding",
    "BudgetHoldingStatus",
    "BudgetLine",
    "BudgetSet",
    "BudgetSetTransition",
    "PeerActivity",
    "ReportRow",
    "ReportRun",
]
