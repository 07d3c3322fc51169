"""A practice's budget-holding status for a year (DOMAIN section 12)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets import selectors
from budgets.api import serializers as s
from pbc.api.schema import ERRORS_READ
from pbc.fiscal import fy_of


class PracticeBudgetHoldingApi(APIView):
    """Whether the practice holds its budget in the year: ``not_holding`` (also when nothing is
    recorded), ``shadow`` with its period, or ``holding`` from a date, for every category (``categories``
    empty) or those listed. A practice outside your scope is 404."""

    required_permissions = ("budgets.view_budgetholdingstatus",)

    @extend_schema(
        parameters=[
            OpenApiParameter("financial_year", str, description="e.g. 2008/09; default the current year")
        ],
        responses={200: s.BudgetHoldingStatusOutputSerializer, **ERRORS_READ},
    )
    def get(self, request, code: str):
        query = s.BudgetHoldingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data["financial_year"] or fy_of(timezone.localdate())
        found = selectors.budget_holding_status_get(user=request.user, practice_code=code, year=year)
        return Response(s.BudgetHoldingStatusOutputSerializer(found).data)
