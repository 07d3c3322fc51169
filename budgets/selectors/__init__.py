"""Reads of the budgets app, narrowed to the user's scope."""

from budgets.selectors.budgets import (
    budget_category_list,
    budget_line_get,
    budget_line_list,
    budget_set_current,
    budget_set_get,
    budget_set_list,
    budget_set_what_if,
    practice_budget_lines,
    sees_drafts,
)
from budgets.selectors.holding_status import HoldingStatus, budget_holding_status_get
from budgets.selectors.outturn import budget_outturn, practice_year_outturn  # noqa: F401
from budgets.selectors.referral_report import practice_referral_report
from budgets.selectors.reports import (
    Dashboard,
    default_year,
    drilldown,
    overview,
    peer_comparison,
    practice_budget_position,
    practice_dashboard,
    report_row_list,
    report_run_latest,
    report_years,
)

__all__ = [
    "Dashboard",
    "HoldingStatus",
    "budget_holding_status_get",
    "budget_category_list",
    "budget_line_get",
    "budget_line_list",
    "budget_set_current",
    "budget_set_get",
    "budget_set_list",
    "budget_set_what_if",
    "default_year",
    "drilldown",
    "overview",
    "peer_comparison",
    "practice_referral_report",
    "practice_budget_lines",
    "practice_budget_position",
    "practice_dashboard",
    "report_row_list",
    "report_run_latest",
    "report_years",
    "sees_drafts",
]
