"""One FilterSet per model of the budgets app, shared by pages, the API and selectors."""

import django_filters as filters

from budgets.choices import BudgetStatus, Rag, ReportLevel
from budgets.models import BudgetCategory, BudgetLine, BudgetSet, ReportRow
from pbc.filters import filter_year


class BudgetCategoryFilter(filters.FilterSet):
    year = filters.CharFilter(field_name="year__start_year", method=filter_year, label="Financial year")

    class Meta:
        model = BudgetCategory
        fields = ["year"]


class BudgetSetFilter(filters.FilterSet):
    year = filters.CharFilter(field_name="year__start_year", method=filter_year, label="Financial year")
    status = filters.ChoiceFilter(choices=BudgetStatus.choices)

    class Meta:
        model = BudgetSet
        fields = ["year", "status"]


class BudgetLineFilter(filters.FilterSet):
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    locality = filters.CharFilter(
        field_name="practice__locality__code", lookup_expr="iexact", label="Locality code"
    )
    year = filters.CharFilter(
        field_name="budget_set__year__start_year", method=filter_year, label="Financial year"
    )
    category = filters.CharFilter(field_name="category", lookup_expr="iexact")
    budget_set = filters.NumberFilter(field_name="budget_set_id", label="Budget version id")
    status = filters.ChoiceFilter(field_name="budget_set__status", choices=BudgetStatus.choices)

    class Meta:
        model = BudgetLine
        fields = ["practice", "locality", "year", "category", "budget_set", "status"]


class ReportRowFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=ReportLevel.choices)
    practice = filters.CharFilter(field_name="practice__code", lookup_expr="iexact", label="Practice code")
    locality = filters.CharFilter(field_name="locality__code", lookup_expr="iexact", label="Locality code")
    year = filters.CharFilter(field_name="year__start_year", method=filter_year, label="Financial year")
    month = filters.NumberFilter(field_name="month", label="Month (April = 1)")
    category = filters.CharFilter(field_name="category", lookup_expr="iexact", label="Category (ALL = total)")
    provider = filters.CharFilter(field_name="provider", lookup_expr="iexact", label="Provider (ALL = total)")
    rag = filters.ChoiceFilter(choices=[c for c in Rag.choices if c[0]])
    future = filters.BooleanFilter(field_name="is_future", label="Budget-only future months")

    class Meta:
        model = ReportRow
        fields = ["level", "practice", "locality", "year", "month", "category", "provider", "rag", "future"]
