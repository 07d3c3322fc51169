"""One FilterSet per model, shared by list pages, the API and selectors."""

import django_filters as filters
from django.db.models import Q

from pbc.models import ListSize, Locality, Practice, Provider


class PracticeFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (code or name)")
    locality = filters.CharFilter(field_name="locality__code", lookup_expr="iexact", label="Locality code")
    pct = filters.CharFilter(field_name="pct__code", lookup_expr="iexact", label="PCT code")
    open_on = filters.DateFilter(method="filter_open_on", label="Open on")

    class Meta:
        model = Practice
        fields = ["q", "locality", "pct", "open_on"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_open_on(self, queryset, name, value):
        return queryset.filter(Q(open_date__isnull=True) | Q(open_date__lte=value)).filter(
            Q(close_date__isnull=True) | Q(close_date__gte=value)
        )


class LocalityFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (code or name)")
    kind = filters.CharFilter(field_name="kind")

    class Meta:
        model = Locality
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class ListSizeFilter(filters.FilterSet):
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    locality = filters.CharFilter(field_name="practice__locality__code", lookup_expr="iexact")
    extract_date_from = filters.DateFilter(field_name="extract_date", lookup_expr="gte")
    extract_date_to = filters.DateFilter(field_name="extract_date", lookup_expr="lte")

    class Meta:
        model = ListSize
        fields = ["practice", "locality", "extract_date_from", "extract_date_to"]


class ProviderFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (code or name)")

    class Meta:
        model = Provider
        fields = ["q"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


def filter_year(queryset, name, value):
    """``year=2007/08`` (or 2007) on a model with a ``year`` foreign key to FinancialYear."""
    text = str(value).strip()
    if not text[:4].isdigit():
        return queryset.none()
    return queryset.filter(**{name: int(text[:4])})
