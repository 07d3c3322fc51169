"""The indicative-budget rule's facts over the API: practices' year-end budget positions (recorded by
PCT finance) and localities' agreements that an overspent practice took substantial action."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import selectors, services
from agreements.api import serializers as s
from agreements.api.views._common import _practice
from agreements.filters import SubstantialActionAgreementFilter, YearEndBudgetPositionFilter
from agreements.models import SubstantialActionAgreement, YearEndBudgetPosition
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE

# --- year-end budget positions -----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: s.YearEndBudgetPositionOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.YearEndBudgetPositionOutputSerializer, **ERRORS_READ}),
)
class YearEndBudgetPositionViewSet(viewsets.ReadOnlyModelViewSet):
    """Practices' year-end indicative budget and outturn, as PCT finance recorded them; a practice sees
    only its own. The indicative-budget rule reads these for years without published budget reports."""

    serializer_class = s.YearEndBudgetPositionOutputSerializer
    queryset = YearEndBudgetPosition.objects.all()
    filterset_class = YearEndBudgetPositionFilter

    def get_queryset(self):
        return selectors.budget_position_list(user=self.request.user)


class YearEndBudgetPositionCreateApi(APIView):
    """Record a practice's year-end budget and outturn (PCT finance); recording a year again replaces
    its figures. Whether the practice overspent follows from the two amounts."""

    required_permissions = ("agreements.add_yearendbudgetposition",)

    @extend_schema(
        request=s.YearEndBudgetPositionInputSerializer,
        responses={201: s.YearEndBudgetPositionOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request):
        data = s.YearEndBudgetPositionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        position = services.budget_position_record(
            practice=_practice(request.user, v["practice"]),
            year=v["year"],
            budget_pence=v["budget"],
            outturn_pence=v["outturn"],
            evidence=v["evidence"],
            actor=request.user,
        )
        out = selectors.budget_position_get(user=request.user, pk=position.pk)
        return Response(s.YearEndBudgetPositionOutputSerializer(out).data, status=status.HTTP_201_CREATED)


# --- substantial-action agreements -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        responses={200: s.SubstantialActionAgreementOutputSerializer(many=True), **ERRORS_READ}
    ),
    retrieve=extend_schema(responses={200: s.SubstantialActionAgreementOutputSerializer, **ERRORS_READ}),
)
class SubstantialActionAgreementViewSet(viewsets.ReadOnlyModelViewSet):
    """Localities' agreements that an overspent practice took substantial action to reduce spend, so
    LES payments already made are not clawed back; a practice sees only its own."""

    serializer_class = s.SubstantialActionAgreementOutputSerializer
    queryset = SubstantialActionAgreement.objects.all()
    filterset_class = SubstantialActionAgreementFilter

    def get_queryset(self):
        return selectors.substantial_action_list(user=self.request.user)


class SubstantialActionAgreementCreateApi(APIView):
    """Record the locality's agreement that a practice took substantial action in a year (PCT finance or
    the locality lead). One per practice and year: a second answers 409."""

    required_permissions = ("agreements.add_substantialactionagreement",)

    @extend_schema(
        request=s.SubstantialActionAgreementInputSerializer,
        responses={201: s.SubstantialActionAgreementOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request):
        data = s.SubstantialActionAgreementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        agreement = services.substantial_action_record(
            practice=_practice(request.user, v["practice"]),
            year=v["year"],
            agreed_on=v["agreed_on"],
            notes=v["notes"],
            actor=request.user,
        )
        out = selectors.substantial_action_get(user=request.user, pk=agreement.pk)
        return Response(
            s.SubstantialActionAgreementOutputSerializer(out).data, status=status.HTTP_201_CREATED
        )
