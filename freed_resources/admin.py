"""Admin: read-mostly views of freed-up resources (changes go through the services)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from freed_resources.models import Declaration, LedgerEntry, Pot, SchemeSetting, Split


@admin.register(SchemeSetting)
class SchemeSettingAdmin(SimpleHistoryAdmin):
    list_display = ("name", "pct", "year")


@admin.register(Declaration)
class DeclarationAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "kind", "status", "freed_pence")
    list_filter = ("status", "kind")


@admin.register(Split)
class SplitAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "amount_pence", "practices_pence", "pct_pence")


@admin.register(Pot)
class PotAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "declared_pence", "committed_pence", "spent_pence")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "amount_pence", "created")
    list_filter = ("kind",)
