"""Admin for the activity side; uploads, tariffs and activity are read-only (history matters)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from activity.models import (
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
