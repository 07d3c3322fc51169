"""Admin for every organisation model; history shown, import runs and tokens read-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pbc.models import (
    ApiToken,
    FinancialYear,
    Gp,
    ImportRun,
    ListSize,
    Locality,
    Membership,
    Pct,
    Practice,
    Provider,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Pct)
class PctAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "open_date", "close_date"]
    search_fields = ["code", "name"]


@admin.register(Locality)
class LocalityAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "pct"]
    list_filter = ["kind", "pct"]
    search_fields = ["code", "name"]


class ListSizeInline(admin.TabularInline):
    model = ListSize
    extra = 0
    fields = ["extract_date", "patients", "import_run"]
    readonly_fields = ["import_run"]


class GpInline(admin.TabularInline):
    model = Gp
    extra = 0


@admin.register(Practice)
class PracticeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "locality", "pct", "open_date", "close_date"]
    list_filter = ["pct", "locality"]
    search_fields = ["code", "name", "postcode"]
    list_select_related = ["locality", "pct"]
    inlines = [GpInline, ListSizeInline]


@admin.register(ListSize)
class ListSizeAdmin(SimpleHistoryAdmin):
    list_display = ["practice", "extract_date", "patients"]
    list_filter = ["extract_date"]
    search_fields = ["practice__code", "practice__name"]
    list_select_related = ["practice"]
    date_hierarchy = "extract_date"


@admin.register(Gp)
class GpAdmin(SimpleHistoryAdmin):
    list_display = ["name", "practice", "role", "gmc_number"]
    search_fields = ["name", "practice__code", "gmc_number"]
    list_select_related = ["practice"]


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "open_date", "close_date"]
    search_fields = ["code", "name"]


@admin.register(FinancialYear)
class FinancialYearAdmin(admin.ModelAdmin):
    list_display = ["label", "start_year"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "pct", "locality", "practice"]
    list_filter = ["role", "pct"]
    search_fields = ["user__username", "practice__code", "locality__code"]
    list_select_related = ["user", "pct", "locality", "practice"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["name", "user", "prefix", "scope", "created", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    exclude = ["key_hash"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["created", "kind", "filename", "pct", "actor", "status", "rows_read", "rows_imported"]
    list_filter = ["kind", "status", "pct"]
