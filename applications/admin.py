"""Admin for every model of the applications app.

Statuses, transitions, votes and decisions change only through services, so the admin shows them read-only;
configuration (decision rules, criteria) is editable, with history.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from applications.models import (
    AgendaItem,
    Application,
    ApplicationTransition,
    Assessment,
    AssessmentAnswer,
    Attachment,
    CriteriaSet,
    Criterion,
    DecisionRules,
    InterestDeclaration,
    Meeting,
    Notification,
    PracticeCompetency,
    ReadinessRating,
    ReadinessReview,
    Vote,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TransitionInline(ReadOnlyInline):
    model = ApplicationTransition
    fields = ["created", "action", "from_status", "to_status", "actor_name", "reason"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "kind", "status", "pct", "locality", "submitted_at"]
    list_filter = ["status", "kind", "pct"]
    search_fields = ["title", "summary"]
    readonly_fields = [
        "status",
        "submitted_at",
        "decided_at",
        "ratification_required",
        "conditions",
        "recommendation_summary",
        "created_by",
        "created",
        "updated",
    ]
    filter_horizontal = ["practices"]
    inlines = [TransitionInline, AttachmentInline]


@admin.register(ApplicationTransition)
class ApplicationTransitionAdmin(admin.ModelAdmin):
    list_display = ["application", "action", "from_status", "to_status", "actor_name", "created"]
    list_filter = ["action", "to_status"]
    readonly_fields = [f.name for f in ApplicationTransition._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(SimpleHistoryAdmin):
    list_display = ["original_name", "application", "content_type", "size", "uploaded_at"]
    readonly_fields = ["file", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]


@admin.register(DecisionRules)
class DecisionRulesAdmin(SimpleHistoryAdmin):
    list_display = ["pct", "year", "ratification_threshold_pence", "pec_quorum"]
    list_filter = ["pct"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(CriteriaSet)
class CriteriaSetAdmin(SimpleHistoryAdmin):
    list_display = ["name", "pct", "year"]
    list_filter = ["pct"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "section", "text", "criteria_set"]
    list_filter = ["section", "criteria_set"]


class AnswerInline(ReadOnlyInline):
    model = AssessmentAnswer
    fields = ["criterion", "answer", "comment"]
    readonly_fields = fields


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["application", "assessor", "status", "recommendation", "completed_at"]
    list_filter = ["status", "recommendation"]
    readonly_fields = ["application", "assessor", "criteria_set", "status", "recommendation", "completed_at"]
    inlines = [AnswerInline]


@admin.register(AssessmentAnswer)
class AssessmentAnswerAdmin(SimpleHistoryAdmin):
    list_display = ["assessment", "criterion", "answer"]
    readonly_fields = ["assessment", "criterion", "answer", "comment"]


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["position", "application", "outcome", "outcome_reason", "decided_at"]
    readonly_fields = fields


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["starts_at", "title", "pct", "chair", "quorum", "status"]
    list_filter = ["status", "pct"]
    readonly_fields = ["status"]
    inlines = [AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(SimpleHistoryAdmin):
    list_display = ["meeting", "position", "application", "outcome", "decided_at"]
    list_filter = ["outcome"]
    readonly_fields = [
        "meeting",
        "application",
        "outcome",
        "outcome_reason",
        "decided_by",
        "decided_at",
        "added_by",
    ]


@admin.register(Vote)
class VoteAdmin(SimpleHistoryAdmin):
    list_display = ["item", "member", "choice", "cast_at"]
    readonly_fields = ["item", "member", "choice", "comment", "cast_at"]


@admin.register(InterestDeclaration)
class InterestDeclarationAdmin(SimpleHistoryAdmin):
    list_display = [
        "member",
        "kind",
        "description",
        "practice",
        "provider",
        "application",
        "declared_at",
        "ended_at",
    ]
    list_filter = ["kind", "pct"]
    search_fields = ["description", "member__username"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "subject", "created", "read_at", "emailed_at"]
    list_filter = ["kind"]
    readonly_fields = [
        "user",
        "application",
        "kind",
        "key",
        "subject",
        "body",
        "url",
        "created",
        "emailed_at",
    ]


class RatingInline(admin.TabularInline):
    model = ReadinessRating
    extra = 0


@admin.register(ReadinessReview)
class ReadinessReviewAdmin(SimpleHistoryAdmin):
    list_display = ["pct", "review_date", "recorded_by"]
    inlines = [RatingInline]


@admin.register(ReadinessRating)
class ReadinessRatingAdmin(SimpleHistoryAdmin):
    list_display = ["review", "area", "rag"]
    list_filter = ["rag"]


@admin.register(PracticeCompetency)
class PracticeCompetencyAdmin(SimpleHistoryAdmin):
    list_display = ["practice", "item", "status", "reviewed_on"]
    list_filter = ["status", "item"]
