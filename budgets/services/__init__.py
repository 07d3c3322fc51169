"""Writes of the budgets app: budget setting (categories, versions, the calculation, status) and the
monthly reports built from published activity."""

from budgets.services.budget_sets import *  # noqa: F403
from budgets.services.budget_sets import __all__ as _budget_all
from budgets.services.budget_sets import _queue_reports  # noqa: F401 - registered after re-costing
from budgets.services.holding_status import *  # noqa: F403
from budgets.services.holding_status import __all__ as _holding_all
from budgets.services.reports import *  # noqa: F403
from budgets.services.reports import __all__ as _report_all

__all__ = [*_budget_all, *_holding_all, *_report_all]
