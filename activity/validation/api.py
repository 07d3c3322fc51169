"""API of validation: activity lines, challenges and their decisions, monthly validation returns."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from activity.validation import selectors, services
from activity.validation.choices import ChallengeOutcome, ChallengeReason, ReturnStatus
from activity.validation.filters import ActivityChallengeFilter, ActivityLineFilter, MonthField
from activity.validation.models import ActivityChallenge, ActivityLine, ValidationReturn
from pbc.api.fields import MoneyField
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.fiscal import FinancialYear as FY
from pbc.fiscal import fy_of
from pbc.selectors import practice_get


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2007-05"})
class MonthSerializerField(serializers.DateField):
    """A month as ``YYYY-MM`` (a first-of-month date is accepted too)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", input_formats=MonthField.input_formats, **kwargs)

    def to_internal_value(self, value):
        return super().to_internal_value(value).replace(day=1)


class ActivityLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Stable identifier of the line; challenge it by this id.")
    cost = MoneyField(source="cost_pence")
    challenge_status = serializers.CharField(allow_null=True, help_text="Of the latest challenge, if any.")
    challenge = serializers.IntegerField(source="challenge_id", allow_null=True)
    practice = serializers.CharField(source="practice_code")
    month = MonthSerializerField()
    activity_date = serializers.DateField(allow_null=True)
    dataset = serializers.CharField()
    provider = serializers.CharField()
    pod = serializers.CharField()
    treatment_function = serializers.CharField(source="tretspef")
    hrg = serializers.CharField()
    length_of_stay = serializers.IntegerField(source="los_days", allow_null=True)
    outcome = serializers.CharField()
    record_key = serializers.CharField(help_text="The provider's record identifier (e.g. SUSSPELLID).")
    upload = serializers.IntegerField(source="upload_id")
    line = serializers.IntegerField(source="line_no", help_text="Line number in the uploaded file.")


class ActivityLineListApi(generics.ListAPIView):
    """The published activity lines costed to practices in scope; ``?practice=CODE&month=YYYY-MM``."""

    serializer_class = ActivityLineOutputSerializer
    queryset = ActivityLine.objects.none()
    filterset_class = ActivityLineFilter
    required_permissions = ("activity.view_activityline",)

    @extend_schema(responses={200: ActivityLineOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.activity_line_list(user=self.request.user)


class ChallengeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    cost = MoneyField(source="line.cost_pence", help_text="The challenged line's cost.")
    activity_line = serializers.IntegerField(source="line_id")
    practice = serializers.CharField(source="practice.code")
    month = MonthSerializerField()
    provider = serializers.CharField()
    reason = serializers.CharField()
    note = serializers.CharField()
    raised_by = serializers.CharField(source="raised_by.username")
    raised_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class ChallengeInputSerializer(serializers.Serializer):
    activity_line = serializers.IntegerField(min_value=1)
    reason = serializers.ChoiceField(choices=ChallengeReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ActivityChallengeListApi(generics.ListAPIView):
    """Challenges of activity lines in scope. POST ``{activity_line, reason, note}`` to challenge a line:
    404 when the line is not in your scope, 409 when it already has an open (or accepted) challenge or
    its month is closed."""

    serializer_class = ChallengeOutputSerializer
    queryset = ActivityChallenge.objects.none()
    filterset_class = ActivityChallengeFilter
    required_permissions = {
        "GET": ("activity.view_activitychallenge",),
        "POST": ("activity.add_activitychallenge",),
    }

    @extend_schema(responses={200: ChallengeOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.activity_challenge_list(user=self.request.user)

    @extend_schema(
        request=ChallengeInputSerializer, responses={201: ChallengeOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request):
        data = ChallengeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        line = selectors.activity_line_get(user=request.user, pk=values["activity_line"])
        challenge = services.activity_challenge_create(
            line=line, reason=values["reason"], note=values["note"], actor=request.user
        )
        return Response(ChallengeOutputSerializer(challenge).data, status=status.HTTP_201_CREATED)


class ChallengeDecisionInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ChallengeOutcome.choices)
    note = serializers.CharField(max_length=4000, help_text="Why; shown to the practice.")


class ActivityChallengeDecisionApi(APIView):
    """Accept or reject an open challenge (PCT staff). Acceptance adjusts the reports by minus the line's
    cost; the line itself is never changed. 409 when the challenge is already decided."""

    required_permissions = ("activity.decide_activitychallenge",)

    @extend_schema(
        request=ChallengeDecisionInputSerializer, responses={200: ChallengeOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk):
        challenge = selectors.activity_challenge_get(user=request.user, pk=pk)
        data = ChallengeDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        challenge = services.activity_challenge_decide(
            challenge=challenge, outcome=data.validated_data["outcome"], note=data.validated_data["note"],
            actor=request.user,
        )  # fmt: skip
        return Response(ChallengeOutputSerializer(challenge).data)


class ValidationReturnOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReturnStatus.choices)
    practice = serializers.CharField()
    month = MonthSerializerField()
    due = serializers.DateField(help_text="Last day the return is on time.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    challenges = serializers.IntegerField(allow_null=True, help_text="Challenges raised when returned.")


class ValidationReturnQuerySerializer(serializers.Serializer):
    financial_year = serializers.RegexField(r"^\d{4}/\d{2}$", required=False, help_text="e.g. 2007/08")
    practice = serializers.CharField(required=False, max_length=10)
    status = serializers.ChoiceField(choices=ReturnStatus.choices, required=False)

    def validate_financial_year(self, value):
        try:
            return FY.parse(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class ValidationReturnInputSerializer(serializers.Serializer):
    practice = serializers.CharField(max_length=10)
    month = MonthSerializerField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ValidationReturnListApi(generics.GenericAPIView):
    """Each practice's monthly validation return in a financial year: returned (on time), late, missing
    (past due and not returned) or due. POST ``{practice, month}`` to make a practice's return (409 when
    already returned)."""

    serializer_class = ValidationReturnOutputSerializer
    queryset = ValidationReturn.objects.none()  # rows come from the selector; this names the model
    required_permissions = {
        "GET": ("activity.view_validationreturn",),
        "POST": ("activity.add_validationreturn",),
    }

    @extend_schema(
        parameters=[
            OpenApiParameter("financial_year", str, description="e.g. 2007/08 (default: this year)"),
            OpenApiParameter("practice", str),
            OpenApiParameter("status", str, enum=ReturnStatus.values),
        ],
        responses={200: ValidationReturnOutputSerializer(many=True), **ERRORS_READ},
    )
    def get(self, request):
        query = ValidationReturnQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        rows = selectors.validation_return_statuses(
            user=request.user,
            year=values.get("financial_year") or fy_of(timezone.localdate()),
            practice=values.get("practice"),
            status=values.get("status"),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=ValidationReturnInputSerializer,
        responses={201: ValidationReturnOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request):
        data = ValidationReturnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        practice = practice_get(user=request.user, code=values["practice"])
        returned = services.validation_return_submit(
            practice=practice, month=values["month"], actor=request.user, note=values["note"]
        )
        row = selectors.validation_return_statuses(
            user=request.user, year=fy_of(returned.month), practice=practice.code
        )
        body = next(r for r in row if r["month"] == returned.month)
        return Response(self.get_serializer(body).data, status=status.HTTP_201_CREATED)
