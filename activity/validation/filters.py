"""One FilterSet per model: pages, the API and selectors filter validation the same way."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q

from activity.choices import DatasetChoice
from activity.validation.choices import ChallengeReason, ChallengeStatus
from activity.validation.models import ActivityChallenge, ActivityLine


class MonthField(forms.DateField):
    """A month written ``YYYY-MM`` (a first-of-month date is taken too)."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class MonthFilter(filters.Filter):
    field_class = MonthField


class ActivityLineFilter(filters.FilterSet):
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    month = MonthFilter(field_name="month", label="Month (YYYY-MM)")
    q = filters.CharFilter(method="search", label="Search (record, HRG, treatment function, provider)")
    dataset = filters.ChoiceFilter(choices=DatasetChoice.choices)
    pod = filters.CharFilter(field_name="pod", lookup_expr="iexact", label="POD")
    provider = filters.CharFilter(field_name="provider", lookup_expr="iexact")
    challenge = filters.ChoiceFilter(
        choices=[("none", "Not challenged"), *ChallengeStatus.choices],
        method="filter_challenge",
        label="Challenge",
    )

    class Meta:
        model = ActivityLine
        fields = ["practice", "month", "q", "dataset", "pod", "provider", "challenge"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(record_key__icontains=value)
            | Q(hrg__iexact=value)
            | Q(tretspef=value)
            | Q(provider__iexact=value)
            | Q(pod__iexact=value)
        )

    def filter_challenge(self, queryset, name, value):
        if value == "none":
            return queryset.filter(challenge_status__isnull=True)
        return queryset.filter(challenge_status=value)


class ActivityChallengeFilter(filters.FilterSet):
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    month = MonthFilter(field_name="month", label="Month (YYYY-MM)")
    status = filters.ChoiceFilter(choices=ChallengeStatus.choices)
    reason = filters.ChoiceFilter(choices=ChallengeReason.choices)
    provider = filters.CharFilter(field_name="provider", lookup_expr="iexact")
    ordering = filters.OrderingFilter(fields=(("raised_at", "raised_at"), ("month", "month"), ("pk", "id")))

    class Meta:
        model = ActivityChallenge
        fields = ["practice", "month", "status", "reason", "provider"]
