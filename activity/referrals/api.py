"""API of referrals: referral rates, and referral extract uploads."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from activity.referrals import selectors, services
from activity.referrals.choices import SourceGroup
from activity.referrals.filters import ReferralRateFilter
from activity.referrals.models import Referral, ReferralUpload
from activity.validation.api import MonthSerializerField
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.exceptions import ApplicationError
from pbc.funnel import FUNNEL_POSITIONS
from pbc.selectors import home_pct


def _rate(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, **kwargs)


class ReferralRateOutputSerializer(serializers.Serializer):
    practice = serializers.CharField(help_text="Practice code.")
    specialty = serializers.CharField(help_text="Treatment function code (blank: not known).")
    month = MonthSerializerField(help_text="Month of the referral, YYYY-MM.")
    source = serializers.ChoiceField(
        choices=SourceGroup.choices, help_text="gp: GP referrals; other: every other source."
    )
    referrals = serializers.IntegerField()
    list_size = serializers.IntegerField(allow_null=True, help_text="Registered patients in the month.")
    rate_per_1000 = _rate(help_text="Referrals per 1,000 registered patients, half-up to 2 dp.")
    ytd_referrals = serializers.IntegerField(help_text="Referrals from April to this month.")
    ytd_rate_per_1000 = _rate()
    peer_median = _rate(help_text="Median rate of the PCT's practices for the specialty, month and source.")
    locality_median = _rate()
    funnel_pct = serializers.ChoiceField(
        choices=FUNNEL_POSITIONS, allow_null=True, help_text="Funnel-plot position against the PCT."
    )
    funnel_locality = serializers.ChoiceField(
        choices=FUNNEL_POSITIONS, allow_null=True, help_text="Against the locality."
    )
    origin = serializers.CharField(
        help_text="extract (referral extract) or outpatients (derived from HES/SUS OP)."
    )


class ReferralRateListApi(generics.GenericAPIView):
    """Referrals and rates per 1,000 registered patients per practice × specialty × month, GP referrals
    and other sources apart, with the peer median and the funnel-plot position. ``source=gp`` gives GP
    referrals only. A practice-scoped user or token sees its own practice only; another practice's code
    gives an empty list."""

    serializer_class = ReferralRateOutputSerializer
    queryset = Referral.objects.none()  # rows come from the selector; this names the model
    required_permissions = ("activity.view_referral",)

    @extend_schema(
        parameters=[
            OpenApiParameter("financial_year", str, description="e.g. 2003/04 (default: this year)"),
            OpenApiParameter("practice", str, description="Practice code"),
            OpenApiParameter("specialty", str, description="Treatment function code, e.g. 300"),
            OpenApiParameter("source", str, enum=SourceGroup.values),
        ],
        responses={200: ReferralRateOutputSerializer(many=True), **ERRORS_READ},
    )
    def get(self, request):
        query = ReferralRateFilter(request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        rows = selectors.referral_rate_rows(user=request.user, **query.query())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ReferralUploadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    checksum = serializers.CharField()
    created = serializers.DateTimeField()
    rows_read = serializers.IntegerField()
    rows_loaded = serializers.IntegerField()
    quality = serializers.JSONField(
        help_text="Data-quality report: rows by outcome and reason, problem lines."
    )


class ReferralUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The referral extract (CSV or XLSX; see the README).")


class ReferralUploadListApi(generics.ListAPIView):
    """Referral extract uploads. POST a multipart file to load one: 201 with its data-quality report; a
    file that cannot be read as a referral extract is refused (400, a ``file`` field error) and nothing
    is stored."""

    serializer_class = ReferralUploadOutputSerializer
    queryset = ReferralUpload.objects.none()
    parser_classes = [MultiPartParser, FormParser]
    required_permissions = {
        "GET": ("activity.view_referralupload",),
        "POST": ("activity.upload_referrals",),
    }

    @extend_schema(responses={200: ReferralUploadOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.referral_upload_list(user=self.request.user)

    @extend_schema(
        request={"multipart/form-data": ReferralUploadInputSerializer},
        responses={201: ReferralUploadOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request):
        data = ReferralUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pct = home_pct(user=request.user)
        if pct is None:
            raise ApplicationError("You are not a member of a PCT.")
        upload = data.validated_data["file"]
        stored = services.referral_upload_create(
            pct=pct, upload=upload, filename=upload.name, actor=request.user
        )
        return Response(ReferralUploadOutputSerializer(stored).data, status=status.HTTP_201_CREATED)
