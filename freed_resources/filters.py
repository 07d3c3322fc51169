"""One FilterSet per model, shared by the pages, the API and the selectors."""

from __future__ import annotations

import django_filters

from freed_resources.choices import DeclarationKind, DeclarationStatus, EntryKind
from freed_resources.models import Declaration, LedgerEntry, Pot


class DeclarationFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="year__start_year")
    practice = django_filters.CharFilter(field_name="practice__code", lookup_expr="iexact")
    locality = django_filters.CharFilter(field_name="locality__code", lookup_expr="iexact")
    kind = django_filters.ChoiceFilter(choices=DeclarationKind.choices)
    status = django_filters.ChoiceFilter(choices=DeclarationStatus.choices)

    class Meta:
        model = Declaration
        fields = ["year", "practice", "locality", "kind", "status"]


class PotFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="year__start_year")
    practice = django_filters.CharFilter(field_name="practice__code", lookup_expr="iexact")
    locality = django_filters.CharFilter(field_name="locality__code", lookup_expr="iexact")

    class Meta:
        model = Pot
        fields = ["year", "practice", "locality"]


class LedgerEntryFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="year__start_year")
    practice = django_filters.CharFilter(field_name="practice__code", lookup_expr="iexact")
    locality = django_filters.CharFilter(field_name="locality__code", lookup_expr="iexact")
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices)

    class Meta:
        model = LedgerEntry
        fields = ["year", "practice", "locality", "kind"]
