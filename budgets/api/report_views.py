"""Monthly report rows and roll-ups, report runs, peer comparison, and a recompute request."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from activity.api.views import _year
from budgets import selectors
from budgets.api import serializers as s
from budgets.constants import PEER_PODS
from budgets.filters import ReportRowFilter
from budgets.models import ReportRow, ReportRun
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.exceptions import ApplicationError
from pbc.permissions import scope_queryset
from pbc.selectors import home_pct


class ReportRowListApi(generics.ListAPIView):
    """Monthly budget-versus-activity rows: practices (devolved categories), localities and the PCT
    (``level``) × month × category × provider, ``ALL`` on the rows that add up every category or provider.
    Filter by level, practice, locality, year, month, category, provider, RAG; scoped to the user."""

    serializer_class = s.ReportRowOutputSerializer
    queryset = ReportRow.objects.all()
    filterset_class = ReportRowFilter
    required_permissions = ("budgets.view_reportrow",)

    @extend_schema(responses={200: s.ReportRowOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.report_row_list(user=self.request.user)


class ReportRunListApi(generics.ListAPIView):
    """When the PCT's reports were recomputed, why, and the month the data is current to."""

    serializer_class = s.ReportRunOutputSerializer
    queryset = ReportRun.objects.all()
    required_permissions = ("budgets.view_reportrun",)

    @extend_schema(responses={200: s.ReportRunOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return scope_queryset(ReportRun.objects.select_related("year"), self.request.user).order_by(
            "-finished", "-pk"
        )


class PeerComparisonApi(APIView):
    """Rates per 1,000 registered patients for the year to date with funnel limits (95%, 99.8%).
    Practices outside the user's scope are listed without their code."""

    required_permissions = ("budgets.view_reportrow",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year", str, required=False, description="e.g. 2007/08 (default: the latest year)"
            ),
            OpenApiParameter("pod", str, required=False, enum=list(PEER_PODS)),
        ],
        responses={200: s.PeerComparisonOutputSerializer, **ERRORS_WRITE},
    )
    def get(self, request):
        pct = home_pct(user=request.user)
        if pct is None:
            raise ApplicationError("You are not a member of a PCT.")
        label = request.query_params.get("year", "")
        year = _year(label) if label else selectors.default_year(pct=pct)
        if year is None:
            return Response({"year": None, "pod": "", "current_to": 0, "mean_rate": 0.0, "points": []})
        pod = request.query_params.get("pod", "OPFA")
        if pod not in PEER_PODS:
            raise ApplicationError(
                f"pod is one of {', '.join(PEER_PODS)}.", {"fields": {"pod": ["Unknown."]}}
            )
        data = selectors.peer_comparison(user=request.user, pct=pct, year=year, pod=pod)
        points = [{**p, "practice": p["practice"].code if p["practice"] else None} for p in data["points"]]
        return Response(
            s.PeerComparisonOutputSerializer(
                {
                    "year": year.label,
                    "pod": pod,
                    "current_to": data["current_to"],
                    "mean_rate": data["mean_rate"],
                    "points": points,
                }
            ).data
        )


class ReportRecomputeApi(APIView):
    """Queue a recompute of a year's reports now (they are also recomputed after every published extract,
    after a budget is published and nightly)."""

    required_permissions = ("budgets.recompute_reports",)

    @extend_schema(
        request=s.RecomputeInputSerializer,
        responses={202: OpenApiResponse(description="Queued."), **ERRORS_WRITE},
    )
    def post(self, request):
        from budgets.services.budget_sets import _queue_reports

        data = s.RecomputeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        year = _year(data.validated_data["year"])
        pct = home_pct(user=request.user)
        if pct is None:
            raise ApplicationError("You are not a member of a PCT.")
        transaction.on_commit(
            lambda: _queue_reports(pct.pk, year.start_year, f"requested by {request.user.username}")
        )
        return Response(
            {"message": f"The {year} reports are being recomputed."}, status=status.HTTP_202_ACCEPTED
        )
