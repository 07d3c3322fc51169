"""Tariffs, extract uploads (multipart, answered 202 with a job to poll) and costed activity."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from activity import selectors, services
from activity.api import serializers as s
from activity.choices import TariffKind
from activity.exports import problem_rows_csv
from activity.filters import ActivityFilter, ProblemRowFilter
from activity.models import ActivityAggregate, ExtractUpload, ProblemRow, TariffVersion
from pbc.api.pagination import wants_csv
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.exceptions import ApplicationError
from pbc.fiscal import FinancialYear as FY
from pbc.models import FinancialYear
from pbc.selectors import home_pct


def _year(label: str) -> FinancialYear:
    try:
        start = FY.parse(label).start_year
    except ValueError as exc:
        raise ApplicationError(str(exc), {"fields": {"year": [str(exc)]}}) from exc
    year = FinancialYear.objects.filter(start_year=start).first()
    if year is None:
        raise ApplicationError(
            f"{label} is not a financial year the PCT works in.", {"fields": {"year": ["Unknown year."]}}
        )
    return year


class TariffVersionListApi(generics.ListAPIView):
    """Tariff versions by year. POST tariff files (multipart) to import a new version; a year that
    already has a tariff needs a reason."""

    serializer_class = s.TariffVersionOutputSerializer
    queryset = TariffVersion.objects.all()
    required_permissions = {"GET": ("activity.view_tariffversion",), "POST": ("activity.import_tariff",)}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: s.TariffVersionOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.tariff_version_list(user=self.request.user)

    @extend_schema(
        request={"multipart/form-data": s.TariffImportInputSerializer},
        responses={201: s.TariffVersionOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request):
        data = s.TariffImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        files = {k: (values[k].name, values[k].read()) for k in TariffKind.values if values.get(k)}
        version = services.tariff_import(
            year=_year(values["year"]), files=files, actor=request.user, reason=values["reason"]
        )
        return Response(s.TariffVersionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class TariffVersionDetailApi(generics.RetrieveAPIView):
    serializer_class = s.TariffVersionOutputSerializer
    queryset = TariffVersion.objects.all()

    @extend_schema(responses={200: s.TariffVersionOutputSerializer, **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        return selectors.tariff_version_get(user=self.request.user, pk=self.kwargs["pk"])


class UploadListApi(generics.ListAPIView):
    """Extract uploads. POST a multipart extract to upload one: answered 202 with the job; poll its URL
    until ``status`` is ``succeeded`` or ``failed``."""

    serializer_class = s.UploadOutputSerializer
    queryset = ExtractUpload.objects.all()
    required_permissions = {"GET": ("activity.view_extractupload",), "POST": ("activity.upload_extract",)}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: s.UploadOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.upload_list(user=self.request.user)

    @extend_schema(
        request={"multipart/form-data": s.UploadInputSerializer},
        responses={
            202: OpenApiResponse(s.UploadOutputSerializer, description="Accepted; poll the upload."),
            **ERRORS_WRITE,
        },
    )
    def post(self, request):
        data = s.UploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        pct = home_pct(user=request.user)
        if pct is None:
            raise ApplicationError("You are not a member of a PCT.")
        upload = services.extract_upload_create(
            pct=pct, dataset=values["dataset"], year=_year(values["year"]), upload=values["file"],
            filename=values["file"].name, actor=request.user, confirm_restate=values["confirm_restate"],
        )  # fmt: skip
        upload.refresh_from_db()
        response = Response(s.UploadOutputSerializer(upload).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(f"/api/v1/uploads/{upload.pk}/")
        return response


class UploadDetailApi(generics.RetrieveAPIView):
    serializer_class = s.UploadOutputSerializer
    queryset = ExtractUpload.objects.all()
    required_permissions = ("activity.view_extractupload",)

    @extend_schema(responses={200: s.UploadOutputSerializer, **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        return selectors.upload_get(user=self.request.user, pk=self.kwargs["pk"])


class UploadProblemListApi(generics.ListAPIView):
    """The problem rows of an upload (a sample of up to 1,000, with their line numbers): the rows the
    upload page's CSV download holds. ``?format=csv`` gives that same CSV, a column per field."""

    serializer_class = s.ProblemRowOutputSerializer
    queryset = ProblemRow.objects.all()
    filterset_class = ProblemRowFilter
    required_permissions = ("activity.view_extractupload",)

    @extend_schema(responses={200: s.ProblemRowOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.problem_row_list(user=self.request.user, upload_pk=self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        if wants_csv(request):
            return problem_rows_csv(self.kwargs["pk"], self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)


class UploadRetryApi(APIView):
    required_permissions = ("activity.upload_extract",)

    @extend_schema(request=None, responses={202: s.UploadOutputSerializer, **ERRORS_WRITE})
    def post(self, request, pk):
        upload = get_object_or_404(selectors.upload_list(user=request.user), pk=pk)
        upload = services.extract_upload_retry(upload=upload, actor=request.user)
        return Response(s.UploadOutputSerializer(upload).data, status=status.HTTP_202_ACCEPTED)


class ActivityListApi(generics.ListAPIView):
    """Published costed activity at the stored grain, filtered by practice, locality, month, POD,
    provider, treatment function and outcome; scoped to the user."""

    serializer_class = s.ActivityOutputSerializer
    queryset = ActivityAggregate.objects.all()
    filterset_class = ActivityFilter

    @extend_schema(responses={200: s.ActivityOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.activity_list(user=self.request.user).order_by(
            "month", "practice_code", "pod", "provider", "pk"
        )
