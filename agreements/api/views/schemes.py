"""Incentive schemes, the calculation endpoint (a scheme's payments for a practice, a locality or
the PCT, from recorded or given figures), payment schedules of a scheme, and achievements."""

from __future__ import annotations

from django.db.models import Sum
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import incentives, selectors, services
from agreements.api import serializers as s
from agreements.api.views._common import MethodPermissions, _home_pct, _locality, _not_found, _practice
from agreements.choices import PaymentStatus
from agreements.filters import AchievementFilter, IncentiveSchemeFilter
from agreements.models import Achievement, IncentiveScheme
from pbc import selectors as pbc_selectors
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.exceptions import ApplicationError

# --- schemes ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: s.IncentiveSchemeOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.IncentiveSchemeOutputSerializer, **ERRORS_READ}),
    create=extend_schema(
        request=s.IncentiveSchemeInputSerializer,
        responses={201: s.IncentiveSchemeOutputSerializer, **ERRORS_WRITE},
    ),
    partial_update=extend_schema(
        request=s.IncentiveSchemeUpdateSerializer,
        responses={200: s.IncentiveSchemeOutputSerializer, **ERRORS_WRITE},
    ),
)
class IncentiveSchemeViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Incentive schemes per PCT and year, as components (data). Changing one whose payments were
    approved needs a ``reason``."""

    serializer_class = s.IncentiveSchemeOutputSerializer
    queryset = IncentiveScheme.objects.all()
    filterset_class = IncentiveSchemeFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.scheme_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = s.IncentiveSchemeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scheme = services.scheme_create(
            pct=_home_pct(request.user), definition=data.validated_data["definition"], actor=request.user
        )
        return Response(s.IncentiveSchemeOutputSerializer(scheme).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        scheme = self.get_object()
        data = s.IncentiveSchemeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scheme = services.scheme_update(
            scheme=scheme,
            definition=data.validated_data["definition"],
            reason=data.validated_data["reason"],
            actor=request.user,
        )
        return Response(s.IncentiveSchemeOutputSerializer(scheme).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)


def _practice_figures(calc) -> dict:
    inputs = calc.inputs
    return {
        "code": calc.practice.code,
        "name": calc.practice.name,
        "list_size": inputs.list_size,
        "signed_up": inputs.signed_up,
        "overspent": inputs.overspent,
        "substantial_action_agreed": inputs.substantial_action,
        "taking_part": calc.taking_part,
        "note": calc.note,
        "error": calc.error,
        "lines": calc.lines,
        "total": calc.total_pence,
    }


def _locality_figures(calc) -> dict:
    return {
        "code": calc.locality.code,
        "name": calc.locality.name,
        "component_code": calc.component.code,
        "level": calc.level,
        "population": calc.population,
        "error": calc.error,
        "lines": calc.lines,
        "total": calc.total_pence,
    }


class SchemeCalculationApi(MethodPermissions, APIView):
    """A scheme's payments, calculated now and not saved.

    GET uses what is recorded: ``?practice=CODE`` for a practice, ``?locality=CODE`` for a locality's
    allowances, neither for every practice and locality in your scope (with totals by component);
    ``?level=N`` puts every locality at level N. POST calculates with the figures given instead.
    """

    method_permissions = {
        "GET": ("agreements.view_incentivescheme",),
        "POST": ("agreements.view_incentivescheme",),
    }

    @extend_schema(
        parameters=[
            OpenApiParameter("practice", OpenApiTypes.STR, description="Practice code"),
            OpenApiParameter("locality", OpenApiTypes.STR, description="Locality code"),
            OpenApiParameter("level", OpenApiTypes.INT, description="Put every locality at this level"),
        ],
        responses={200: s.SchemeCalculationOutputSerializer, **ERRORS_WRITE},
    )
    def get(self, request, pk: int):
        scheme = selectors.scheme_get(user=request.user, pk=pk)
        user = request.user
        level = request.query_params.get("level")
        if level is not None and (not level.isdigit() or int(level) < 1):
            raise _not_found("level", "The level is a whole number from 1.")
        level = int(level) if level else None
        practice_code = request.query_params.get("practice")
        locality_code = request.query_params.get("locality")
        if practice_code:
            practice = get_object_or_404(pbc_selectors.practice_list(user=user), code=practice_code.upper())
            practice_calcs = [selectors.practice_calculation(scheme, practice)]
            if practice_calcs[0].error:
                raise ApplicationError(
                    practice_calcs[0].error, {"fields": {"practice": [practice_calcs[0].error]}}
                )
            calculation = selectors.SchemeCalculation(scheme=scheme, practices=practice_calcs, localities=[])
        elif locality_code:
            locality = get_object_or_404(pbc_selectors.locality_list(user=user), code=locality_code.upper())
            localities = selectors.locality_calculations(scheme, [locality], level=level)
            errors = [c.error for c in localities if c.error]
            if errors:
                raise ApplicationError(" ".join(errors), {"fields": {"locality": errors}})
            calculation = selectors.SchemeCalculation(scheme=scheme, practices=[], localities=localities)
        else:
            calculation = selectors.scheme_calculation(
                scheme,
                practices=pbc_selectors.practice_list(user=user).filter(pct=scheme.pct),
                localities=pbc_selectors.locality_list(user=user).filter(pct=scheme.pct),
                level=level,
            )
        out = {
            "scheme": scheme.pk,
            "year": scheme.year,
            "reference_date": scheme.scheme.list_size_date,
            "practices": [_practice_figures(c) for c in calculation.practices],
            "localities": [_locality_figures(c) for c in calculation.localities],
            "totals": calculation.totals,
            "total": calculation.total_pence,
            "problems": calculation.errors,
        }
        return Response(s.SchemeCalculationOutputSerializer(out).data)

    @extend_schema(
        request=s.SchemeWhatIfInputSerializer, responses={200: s.SchemeWhatIfOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk: int):
        scheme = selectors.scheme_get(user=request.user, pk=pk)
        data = s.SchemeWhatIfInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        definition = scheme.scheme
        try:
            if v["component"]:
                component = definition.component(v["component"])
                if not isinstance(component, incentives.LocalityLevelComponent):
                    raise incentives.SchemeError(
                        f"Component {component.code} is not a locality-level component."
                    )
                if v["level"] is None:
                    raise incentives.SchemeError("Give the level to calculate the locality allowances at.")
                lines = incentives.calculate_locality_payments(
                    component,
                    year=scheme.year,
                    level=v["level"],
                    population=v["population"],
                    localities=v["localities"],
                    units_per_week=v["units_per_week"],
                )
            else:
                achievements = v["achievements"]
                lines = incentives.calculate_payments(
                    definition,
                    practice_list_size=v["list_size"],
                    achievements=incentives.Achievements(
                        consortium=achievements["consortium"], practice=achievements["practice"]
                    )
                    if achievements is not None
                    else incentives.Achievements(),
                    activity_counts=v["activity_counts"],
                    overspent=v["overspent"],
                    substantial_action_agreed=v["substantial_action_agreed"],
                    taking_part=v["taking_part"],
                )
        except incentives.SchemeError as exc:
            raise ApplicationError(str(exc)) from exc
        out = {
            "scheme": scheme.pk,
            "year": scheme.year,
            "lines": lines,
            "total": incentives.total_pence(lines),
        }
        return Response(s.SchemeWhatIfOutputSerializer(out).data)


class SchemeScheduleApi(MethodPermissions, APIView):
    """The payment lines of a scheme by status; POST brings every payee's schedule in line with a
    calculation now (nothing is saved if any payee cannot be calculated)."""

    method_permissions = {"GET": ("agreements.view_payment",), "POST": ("agreements.add_payment",)}

    def _out(self, scheme) -> dict:
        lines = (
            selectors.payment_list(user=self.request.user)
            .filter(scheme=scheme)
            .exclude(status=PaymentStatus.CANCELLED)
        )
        by_status = {
            row["status"]: row["total"]
            for row in lines.values("status").annotate(total=Sum("amount_pence")).order_by()
        }
        return s.SchemeScheduleOutputSerializer(
            {
                "scheme": scheme.pk,
                "lines": lines.count(),
                "total": sum(by_status.values()),
                "by_status": by_status,
            }
        ).data

    @extend_schema(responses={200: s.SchemeScheduleOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        return Response(self._out(selectors.scheme_get(user=request.user, pk=pk)))

    @extend_schema(request=None, responses={200: s.SchemeScheduleOutputSerializer, **ERRORS_WRITE})
    def post(self, request, pk: int):
        scheme = selectors.scheme_get(user=request.user, pk=pk)
        services.payment_schedule_calculate_all(scheme=scheme, actor=request.user)
        return Response(self._out(scheme))


# --- achievements -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: s.AchievementOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.AchievementOutputSerializer, **ERRORS_READ}),
    create=extend_schema(
        request=s.AchievementInputSerializer, responses={201: s.AchievementOutputSerializer, **ERRORS_WRITE}
    ),
)
class AchievementViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Achievements recorded against scheme components, with their evidence."""

    serializer_class = s.AchievementOutputSerializer
    queryset = Achievement.objects.all()
    filterset_class = AchievementFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.achievement_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = s.AchievementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = request.user
        scheme = selectors.scheme_list(user=user).filter(pk=v["scheme"]).first()
        if scheme is None:
            raise _not_found("scheme", f"No scheme {v['scheme']} in your scope.")
        achievement = services.achievement_record(
            scheme=scheme,
            actor=user,
            component_code=v["component_code"],
            outcome_code=v["outcome_code"],
            practice=_practice(user, v["practice"], pct=scheme.pct),
            locality=_locality(user, v["locality"], pct=scheme.pct),
            achieved=v["achieved"],
            count=v["count"],
            level=v["level"],
            evidence_notes=v["evidence_notes"],
            attachments=v["attachments"],
        )
        out = selectors.achievement_get(user=user, pk=achievement.pk)
        return Response(s.AchievementOutputSerializer(out).data, status=status.HTTP_201_CREATED)
