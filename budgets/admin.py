"""Admin for the activity side; uploads, tariffs and activity are read-only (history matters)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from budgets.models import (
    ActivityAggregate,
    AdmittedTariff,
    AeTariff,
    ExtractUpload,
    MarketForcesFactor,
    OutpatientTariff,
    ProblemRow,
    TariffVersion,
)
from pbc.admin import ReadOnlyAdmin


@admin.register(TariffVersion)
class TariffVersionAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["year", "version", "is_current", "created", "actor", "reason"]
    list_filter = ["year", "is_current"]


@admin.register(AdmittedTariff)
class AdmittedTariffAdmin(ReadOnlyAdmin):
    list_display = ["tariff", "hrg", "hrg_name", "provider", "elective_pence", "non_elective_pence"]
    list_filter = ["tariff"]
    search_fields = ["hrg", "hrg_name"]


@admin.register(OutpatientTariff)
class OutpatientTariffAdmin(ReadOnlyAdmin):
    list_display = ["tariff", "tretspef", "provider", "first_pence", "follow_up_pence"]
    list_filter = ["tariff"]


@admin.register(AeTariff)
class AeTariffAdmin(ReadOnlyAdmin):
    list_display = ["tariff", "hrg", "provider", "type_1_2_pence", "type_3_pence"]
    list_filter = ["tariff"]


@admin.register(MarketForcesFactor)
class MarketForcesFactorAdmin(ReadOnlyAdmin):
    list_display = ["tariff", "provider", "mff_scaled"]
    list_filter = ["tariff"]


@admin.register(ExtractUpload)
class ExtractUploadAdmin(ReadOnlyAdmin):
    list_display = ["created", "pct", "dataset", "year", "filename", "status", "rows_read", "actor"]
    list_filter = ["status", "dataset", "year"]
    exclude = ["file"]


@admin.register(ActivityAggregate)
class ActivityAggregateAdmin(ReadOnlyAdmin):
    list_display = [
        "upload",
        "practice_code",
        "month",
        "pod",
        "provider",
        "outcome",
        "activity",
        "cost_pence",
        "is_current",
    ]
    list_filter = ["is_current", "dataset", "outcome", "pod"]
    list_select_related = ["upload"]


@admin.register(ProblemRow)
class ProblemRowAdmin(ReadOnlyAdmin):
    list_display = ["upload", "line_no", "outcome", "reason"]
    list_filter = ["outcome"]


# --- budgets and reports: read-only (changes go through the pages and services, with history) -----------

from budgets.models import BudgetCategory, BudgetLine, BudgetSet, ReportRow, ReportRun  # noqa: E402


@admin.register(BudgetCategory)
class BudgetCategoryAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["pct", "year", "code", "name", "devolved"]
    list_filter = ["year", "devolved"]


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
