"""Admin for agreements, schemes and payments: history shown; decisions are made in the app, so
workflow rows are read-only here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from agreements.models import (
    Achievement,
    Agreement,
    AgreementParty,
    AgreementSection,
    AgreementTransition,
    IncentiveScheme,
    LesSignUp,
    Payment,
    PaymentTransition,
    SubstantialActionAgreement,
    YearEndBudgetPosition,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SectionInline(ReadOnlyInline):
    model = AgreementSection
    fields = ["number", "title", "body"]
    readonly_fields = fields


class PartyInline(ReadOnlyInline):
    model = AgreementParty
    fields = ["kind", "pct", "locality", "practice", "provider", "lead_name", "lead_role"]
    readonly_fields = fields


class TransitionInline(ReadOnlyInline):
    model = AgreementTransition
    fields = ["action", "from_status", "to_status", "actor", "at", "reason"]
    readonly_fields = fields


@admin.register(Agreement)
class AgreementAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "version", "title", "pct", "locality", "status", "start_date", "end_date"]
    list_filter = ["status", "pct"]
    search_fields = ["reference", "title"]
    readonly_fields = ["status", "end_reason", "activated_at", "ended_on", "supersedes"]
    inlines = [SectionInline, PartyInline, TransitionInline]


@admin.register(IncentiveScheme)
class IncentiveSchemeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "pct", "start_year", "revision"]
    list_filter = ["pct", "start_year"]
    readonly_fields = ["revision"]


@admin.register(LesSignUp)
class LesSignUpAdmin(SimpleHistoryAdmin):
    list_display = ["practice", "scheme", "locality", "lead_name", "signed_on"]
    list_filter = ["scheme"]


@admin.register(Achievement)
class AchievementAdmin(SimpleHistoryAdmin):
    list_display = [
        "scheme",
        "component_code",
        "outcome_code",
        "practice",
        "locality",
        "achieved",
        "count",
        "level",
    ]
    list_filter = ["scheme"]


class PaymentTransitionInline(ReadOnlyInline):
    model = PaymentTransition
    fields = ["action", "from_status", "to_status", "actor", "at", "note"]
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    list_display = [
        "start_year",
        "payee_kind",
        "practice",
        "locality",
        "component_code",
        "amount_pence",
        "status",
    ]
    list_filter = ["start_year", "status", "payee_kind"]
    readonly_fields = ["status", "approved_by", "approved_at", "paid_by", "paid_at"]
    inlines = [PaymentTransitionInline]


@admin.register(YearEndBudgetPosition)
class YearEndBudgetPositionAdmin(SimpleHistoryAdmin):
    list_display = ["practice", "start_year", "budget_pence", "outturn_pence", "overspent"]
    list_filter = ["start_year", "overspent"]


@admin.register(SubstantialActionAgreement)
class SubstantialActionAgreementAdmin(SimpleHistoryAdmin):
    list_display = ["practice", "start_year", "locality", "agreed_on"]
