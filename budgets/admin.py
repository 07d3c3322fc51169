from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from budgets.models import BudgetCategory, BudgetHoldingStatus, BudgetLine, BudgetSet, ReportRow, ReportRun
from pbc.admin import ReadOnlyAdmin


@admin.register(BudgetCategory)
class BudgetCategoryAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["pct", "year", "code", "name", "devolved"]
    list_filter = ["year", "devolved"]


@admin.register(BudgetHoldingStatus)
class BudgetHoldingStatusAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read-only here: the status changes through its service, with a reason."""

    list_display = ["practice", "start_year", "status", "holding_from", "shadow_start", "shadow_end"]
    list_filter = ["status", "start_year"]


@admin.register(BudgetSet)
class BudgetSetAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = [
        "pct",
        "year",
        "version",
        "status",
        "practice_total_pence",
        "central_total_pence",
        "published_at",
    ]
    list_filter = ["status", "year"]


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin):
    list_display = ["budget_set", "practice", "category", "final_pence"]
    list_filter = ["category"]
    list_select_related = ["budget_set", "budget_set__year", "practice"]


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    list_display = ["pct", "year", "trigger", "finished", "duration_ms", "rows", "current_to"]
    list_filter = ["year"]


@admin.register(ReportRow)
class ReportRowAdmin(ReadOnlyAdmin):
    list_display = [
        "year",
        "level",
        "practice",
        "locality",
        "month",
        "category",
        "provider",
        "actual_pence",
        "rag",
    ]
    list_filter = ["level", "year", "rag"]
    list_select_related = ["year", "practice", "locality"]
