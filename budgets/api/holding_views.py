"""A practice's budget-holding status for a year (DOMAIN section 12)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets import selectors, services
from budgets.api import serializers as s
from pbc import selectors as pbc_selectors
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.fiscal import fy_of


class PracticeBudgetHoldingApi(APIView):
    """Whether the practice holds its budget in the year: ``not_holding`` (also when nothing is
    recorded), ``shadow`` with its period, or ``holding`` from a date, for every category (``categories``
    empty) or those listed. A practice outside your scope is 404. POST (PCT finance or commissioning)
    sets or changes it with a reason."""

    required_permissions = {
        "GET": ("budgets.view_budgetholdingstatus",),
        "POST": ("budgets.change_budgetholdingstatus",),
    }

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

    @extend_schema(
        request=s.BudgetHoldingStatusInputSerializer,
        responses={200: s.BudgetHoldingStatusOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request, code: str):
        practice = pbc_selectors.practice_get(user=request.user, code=code)  # out of scope: 404 first
        data = s.BudgetHoldingStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        figures = dict(data.validated_data)
        year = figures.pop("financial_year")
        services.budget_holding_status_set(practice=practice, year=year, actor=request.user, **figures)
        found = selectors.budget_holding_status_get(user=request.user, practice_code=code, year=year)
        return Response(s.BudgetHoldingStatusOutputSerializer(found).data)
