"""One FilterSet per model, shared by the list pages, the API and the selectors."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q

from agreements.choices import AgreementStatus, PayeeKind, PaymentStatus
from agreements.models import (
    Achievement,
    Agreement,
    IncentiveScheme,
    LesSignUp,
    Payment,
    SubstantialActionAgreement,
    YearEndBudgetPosition,
)
from pbc.fiscal import FinancialYear


class YearFilter(filters.CharFilter):
    """A financial year written like 2007/08, matched against a ``start_year`` field."""

    def __init__(self, *args, year_field: str = "start_year", **kwargs):
        kwargs.setdefault("label", "Financial year (e.g. 2007/08)")
        kwargs.setdefault("method", None)
        self.year_field = year_field
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        try:
            year = FinancialYear.parse(value)
        except ValueError:
            return qs.none()
        return qs.filter(**{self.year_field: year.start_year})


class AgreementFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (reference or title)")
    status = filters.ChoiceFilter(choices=AgreementStatus.choices)
    locality = filters.CharFilter(field_name="locality__code", lookup_expr="iexact", label="Locality code")
    practice = filters.CharFilter(method="filter_practice", label="Practice code (a party)")
    current = filters.BooleanFilter(method="filter_current", label="Current versions only")

    class Meta:
        model = Agreement
        fields = ["q", "status", "locality", "practice", "current"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(title__icontains=value))

    def filter_practice(self, queryset, name, value):
        return queryset.filter(
            pk__in=Agreement.objects.filter(parties__practice__code__iexact=value).values("pk")
        )

    def filter_current(self, queryset, name, value):
        if value is None:
            return queryset
        superseded = Q(status=AgreementStatus.ENDED, end_reason="superseded")
        return queryset.exclude(superseded) if value else queryset.filter(superseded)


class LesSignUpFilter(filters.FilterSet):
    year = YearFilter(year_field="scheme__start_year")
    scheme = filters.NumberFilter(field_name="scheme_id", label="Scheme id")
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    locality = filters.CharFilter(field_name="locality__code", lookup_expr="iexact", label="Locality code")

    class Meta:
        model = LesSignUp
        fields = ["year", "scheme", "practice", "locality"]


class IncentiveSchemeFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (code or name)")
    year = YearFilter()

    class Meta:
        model = IncentiveScheme
        fields = ["q", "year"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class AchievementFilter(filters.FilterSet):
    scheme = filters.NumberFilter(field_name="scheme_id", label="Scheme id")
    year = YearFilter(year_field="scheme__start_year")
    component = filters.CharFilter(field_name="component_code", label="Component code")
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    locality = filters.CharFilter(field_name="locality__code", lookup_expr="iexact", label="Locality code")

    class Meta:
        model = Achievement
        fields = ["scheme", "year", "component", "practice", "locality"]


class PaymentFilter(filters.FilterSet):
    year = YearFilter()
    status = filters.ChoiceFilter(choices=PaymentStatus.choices)
    payee_kind = filters.ChoiceFilter(choices=PayeeKind.choices, label="Payee")
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    locality = filters.CharFilter(field_name="locality__code", lookup_expr="iexact", label="Locality code")
    scheme = filters.NumberFilter(field_name="scheme_id", label="Scheme id")
    component = filters.CharFilter(field_name="component_code", label="Component code")

    class Meta:
        model = Payment
        fields = ["year", "status", "payee_kind", "practice", "locality", "scheme", "component"]


class YearEndBudgetPositionFilter(filters.FilterSet):
    year = YearFilter()
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    overspent = filters.BooleanFilter()

    class Meta:
        model = YearEndBudgetPosition
        fields = ["year", "practice", "overspent"]


class SubstantialActionAgreementFilter(filters.FilterSet):
    year = YearFilter()
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    locality = filters.CharFilter(field_name="locality__code", lookup_expr="iexact", label="Locality code")

    class Meta:
        model = SubstantialActionAgreement
        fields = ["year", "practice", "locality"]
