"""One FilterSet per model, shared by list pages, the API and selectors."""

import django_filters as filters
from django.db.models import Q

from applications.choices import (
    PEC_DECISIONS,
    Action,
    ApplicationKind,
    ApplicationStatus,
    CompetencyStatus,
    InterestKind,
    MeetingStatus,
)
from applications.constants import PRACTICE_COMPETENCIES
from applications.models import (
    AgendaItem,
    Application,
    InterestDeclaration,
    Meeting,
    PracticeCompetency,
    ReadinessReview,
)


def application_search(value: str) -> Q:
    """Title, summary or reference (``PBC-00012`` or ``12``)."""
    value = value.strip()
    q = Q(title__icontains=value) | Q(summary__icontains=value)
    digits = value.upper().removeprefix("PBC-").lstrip("0")
    if digits.isdigit():
        q |= Q(pk=int(digits))
    return q


class ApplicationFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (reference, title or summary)")
    status = filters.ChoiceFilter(choices=ApplicationStatus.choices, label="Status")
    kind = filters.ChoiceFilter(choices=ApplicationKind.choices, label="Kind")
    practice = filters.CharFilter(
        field_name="practices__code", lookup_expr="iexact", label="Practice code", distinct=True
    )
    locality = filters.CharFilter(field_name="locality__code", lookup_expr="iexact", label="Locality code")
    submitted_from = filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label="Submitted from"
    )
    submitted_to = filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label="Submitted to"
    )

    class Meta:
        model = Application
        fields = ["q", "status", "kind", "practice", "locality", "submitted_from", "submitted_to"]

    def search(self, queryset, name, value):
        return queryset.filter(application_search(value))


class MeetingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MeetingStatus.choices, label="Status")
    date_from = filters.DateFilter(field_name="starts_at", lookup_expr="date__gte", label="From")
    date_to = filters.DateFilter(field_name="starts_at", lookup_expr="date__lte", label="To")

    class Meta:
        model = Meeting
        fields = ["status", "date_from", "date_to"]


class AgendaItemFilter(filters.FilterSet):
    outcome = filters.ChoiceFilter(choices=[(a, Action(a).label) for a in PEC_DECISIONS], label="Outcome")
    meeting = filters.NumberFilter(field_name="meeting_id", label="Meeting")
    application = filters.NumberFilter(field_name="application_id", label="Application")
    decided_from = filters.DateFilter(field_name="decided_at", lookup_expr="date__gte", label="Decided from")
    decided_to = filters.DateFilter(field_name="decided_at", lookup_expr="date__lte", label="Decided to")

    class Meta:
        model = AgendaItem
        fields = ["outcome", "meeting", "application", "decided_from", "decided_to"]


class InterestDeclarationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=InterestKind.choices, label="Kind")
    member = filters.CharFilter(
        field_name="member__username", lookup_expr="iexact", label="Member (username)"
    )
    current = filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull", label="Current only")

    class Meta:
        model = InterestDeclaration
        fields = ["kind", "member", "current"]


class ReadinessReviewFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="review_date", lookup_expr="gte", label="Reviewed from")
    date_to = filters.DateFilter(field_name="review_date", lookup_expr="lte", label="Reviewed to")

    class Meta:
        model = ReadinessReview
        fields = ["date_from", "date_to"]


class PracticeCompetencyFilter(filters.FilterSet):
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    locality = filters.CharFilter(
        field_name="practice__locality__code", lookup_expr="iexact", label="Locality code"
    )
    item = filters.ChoiceFilter(choices=PRACTICE_COMPETENCIES, label="Checklist item")
    status = filters.ChoiceFilter(choices=CompetencyStatus.choices, label="Status")

    class Meta:
        model = PracticeCompetency
        fields = ["practice", "locality", "item", "status"]
