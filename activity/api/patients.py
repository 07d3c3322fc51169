"""High-cost patients and frequent attenders, and how concentrated each practice's cost is."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from activity import patients
from activity.validation.models import ActivityLine
from pbc.api.fields import FinancialYearInputField, MoneyField
from pbc.api.schema import ERRORS_READ
from pbc.fiscal import fy_of
from pbc.selectors import practice_get


class HighCostQuerySerializer(serializers.Serializer):
    practice = serializers.CharField(max_length=10, help_text="The practice's ODS code.")
    financial_year = FinancialYearInputField(required=False, help_text="e.g. 2007/08 (default: this year)")
    by = serializers.ChoiceField(choices=sorted(patients.ORDERINGS), default="cost")
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class PatientLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", help_text="The activity line (as in /api/v1/activity-lines/).")
    activity_date = serializers.DateField(allow_null=True)
    dataset = serializers.CharField()
    pod = serializers.CharField()
    provider = serializers.CharField()
    hrg = serializers.CharField()
    treatment_function = serializers.CharField(source="tretspef")
    cost = MoneyField(source="cost_pence")


class HighCostPatientSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 = highest in the practice by the chosen measure.")
    patient = serializers.CharField(
        help_text="Prefix of the keyed hash of the pseudonym; never the pseudonym."
    )
    cost = MoneyField(source="cost_pence")
    admissions = serializers.IntegerField()
    attendances = serializers.IntegerField(help_text="Outpatient and A&E attendances.")
    lines = PatientLineSerializer(many=True)


def _year(values):
    return values.get("financial_year") or fy_of(timezone.localdate())


class HighCostPatientListApi(generics.GenericAPIView):
    """A practice's top patients of a financial year by cost, admissions or attendances, with their lines.
    ``?practice=CODE[&financial_year=2007/08][&by=cost|admissions|attendances][&limit=20]``; a practice
    outside your scope is 404."""

    serializer_class = HighCostPatientSerializer
    queryset = ActivityLine.objects.none()
    pagination_class = None
    required_permissions = ("activity.view_activityline",)

    @extend_schema(
        parameters=[HighCostQuerySerializer],
        responses={200: HighCostPatientSerializer(many=True), **ERRORS_READ},
    )
    def get(self, request):
        query = HighCostQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        practice = practice_get(user=request.user, code=values["practice"].upper())
        rows = patients.high_cost_patients(
            user=request.user,
            practice_code=practice.code,
            year=_year(values),
            by=values["by"],
            limit=values["limit"],
        )
        return Response(self.get_serializer(rows, many=True).data)


class ConcentrationQuerySerializer(serializers.Serializer):
    financial_year = FinancialYearInputField(required=False, help_text="e.g. 2007/08 (default: this year)")
    top = serializers.IntegerField(min_value=1, max_value=100, default=10)


class ConcentrationSerializer(serializers.Serializer):
    practice = serializers.CharField()
    cost = MoneyField(source="cost_pence")
    patients = serializers.IntegerField(help_text="Patients with costed activity in the year.")
    top_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text="Share of cost from the top patients."
    )
    top_1pct_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text="Share of cost from the costliest 1%."
    )


class CostConcentrationListApi(generics.GenericAPIView):
    """How concentrated each practice's hospital cost is among its patients, for the practices in scope."""

    serializer_class = ConcentrationSerializer
    queryset = ActivityLine.objects.none()
    required_permissions = ("activity.view_activityline",)

    @extend_schema(
        parameters=[ConcentrationQuerySerializer],
        responses={200: ConcentrationSerializer(many=True), **ERRORS_READ},
    )
    def get(self, request):
        query = ConcentrationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = patients.cost_concentration(
            user=request.user, year=_year(query.validated_data), top=query.validated_data["top"]
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
