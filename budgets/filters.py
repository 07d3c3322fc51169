"""One FilterSet per model, shared by pages, the API and selectors."""

import django_filters as filters
from django.db.models import Q

from budgets.choices import DatasetChoice, UploadStatus
from budgets.models import ActivityAggregate, AdmittedTariff, ExtractUpload


class ActivityFilter(filters.FilterSet):
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    locality = filters.CharFilter(
        field_name="practice__locality__code", lookup_expr="iexact", label="Locality code"
    )
    month_from = filters.DateFilter(field_name="month", lookup_expr="gte", label="From month")
    month_to = filters.DateFilter(field_name="month", lookup_expr="lte", label="To month")
    pod = filters.CharFilter(field_name="pod", lookup_expr="iexact", label="POD")
    provider = filters.CharFilter(field_name="provider", lookup_expr="iexact")
    specialty = filters.CharFilter(field_name="tretspef", lookup_expr="exact", label="Treatment function")
    outcome = filters.CharFilter(field_name="outcome")

    class Meta:
        model = ActivityAggregate
        fields = ["practice", "locality", "month_from", "month_to", "pod", "provider", "specialty", "outcome"]


class UploadFilter(filters.FilterSet):
    dataset = filters.ChoiceFilter(choices=DatasetChoice.choices)
    status = filters.ChoiceFilter(choices=UploadStatus.choices)
    year = filters.CharFilter(method="filter_year", label="Financial year (e.g. 2007/08)")

    class Meta:
        model = ExtractUpload
        fields = ["dataset", "status", "year"]

    def filter_year(self, queryset, name, value):
        try:
            start = int(value[:4])
        except ValueError:
            return queryset.none()
        return queryset.filter(year__start_year=start)


class AdmittedTariffFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (HRG code or name)")
    provider = filters.CharFilter(field_name="provider", lookup_expr="iexact")

    class Meta:
        model = AdmittedTariff
        fields = ["q", "provider"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(hrg__icontains=value) | Q(hrg_name__icontains=value))
