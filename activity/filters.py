"""One FilterSet per model, shared by pages, the API and selectors."""

import django_filters as filters
from django.db.models import Exists, OuterRef, Q

from activity.choices import DatasetChoice, UploadStatus
from activity.models import (
    ActivityAggregate,
    AdmittedTariff,
    AeTariff,
    ExtractUpload,
    MarketForcesFactor,
    OutpatientTariff,
    ProblemRow,
    TariffVersion,
)
from pbc.filters import filter_year


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
    year = filters.CharFilter(
        field_name="year__start_year", method=filter_year, label="Financial year (e.g. 2007/08)"
    )

    class Meta:
        model = ExtractUpload
        fields = ["dataset", "status", "year"]


class AdmittedTariffFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (HRG code or name)")
    provider = filters.CharFilter(field_name="provider", lookup_expr="iexact")

    class Meta:
        model = AdmittedTariff
        fields = ["q", "provider"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(hrg__icontains=value) | Q(hrg_name__icontains=value))


class OutpatientTariffFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (treatment function)")
    provider = filters.CharFilter(field_name="provider", lookup_expr="iexact")

    class Meta:
        model = OutpatientTariff
        fields = ["q", "provider"]

    def search(self, queryset, name, value):
        return queryset.filter(tretspef__istartswith=value.strip())


class AeTariffFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (HRG code)")
    provider = filters.CharFilter(field_name="provider", lookup_expr="iexact")

    class Meta:
        model = AeTariff
        fields = ["q", "provider"]

    def search(self, queryset, name, value):
        return queryset.filter(hrg__icontains=value.strip())


class MarketForcesFactorFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search (provider code)")

    class Meta:
        model = MarketForcesFactor
        fields = ["q"]

    def search(self, queryset, name, value):
        return queryset.filter(provider__istartswith=value.strip())


class TariffVersionFilter(filters.FilterSet):
    """Tariff versions by year, and ``q``: versions holding an HRG code (admitted or A&E), a treatment
    function (outpatients) or a provider's local prices or market forces factor."""

    year = filters.CharFilter(field_name="year__start_year", method=filter_year, label="Financial year")
    q = filters.CharFilter(method="search", label="Contains HRG, treatment function or provider")

    class Meta:
        model = TariffVersion
        fields = ["year", "q"]

    def search(self, queryset, name, value):
        code = value.strip()
        if not code:
            return queryset

        def holds(model, **lookup):
            return Exists(model.objects.filter(tariff=OuterRef("pk"), **lookup))

        return queryset.filter(
            holds(AdmittedTariff, hrg__iexact=code)
            | holds(AeTariff, hrg__iexact=code)
            | holds(OutpatientTariff, tretspef=code)
            | holds(AdmittedTariff, provider__iexact=code)
            | holds(OutpatientTariff, provider__iexact=code)
            | holds(AeTariff, provider__iexact=code)
            | holds(MarketForcesFactor, provider__iexact=code)
        )


TARIFF_ROW_FILTERS = {
    "admitted": AdmittedTariffFilter,
    "outpatient": OutpatientTariffFilter,
    "ae": AeTariffFilter,
    "mff": MarketForcesFactorFilter,
}


class ProblemRowFilter(filters.FilterSet):
    outcome = filters.CharFilter(field_name="outcome", lookup_expr="iexact")
    reason = filters.CharFilter(field_name="reason", lookup_expr="iexact")

    class Meta:
        model = ProblemRow
        fields = ["outcome", "reason"]
