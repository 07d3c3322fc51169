"""Organisation resources for other NHS systems, addressed by ODS code and scoped like the pages."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from pbc import events, selectors, services
from pbc.api import serializers as s
from pbc.api.exceptions import error_body
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.exceptions import ApplicationError
from pbc.filters import ListSizeFilter, LocalityFilter, PracticeFilter, ProviderFilter
from pbc.models import ApiToken, ImportRun, ListSize, Locality, Pct, Practice, Provider


def _home_pct(user) -> Pct:
    pct = selectors.home_pct(user=user)
    if pct is None:
        raise ApplicationError("You are not a member of a PCT.")
    return pct


@extend_schema_view(
    list=extend_schema(responses={200: s.PctOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.PctOutputSerializer, **ERRORS_READ}),
)
class PctViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.PctOutputSerializer
    queryset = Pct.objects.all()
    lookup_field = "code"

    def get_queryset(self):
        return selectors.pct_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(responses={200: s.LocalityOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.LocalityOutputSerializer, **ERRORS_READ}),
)
class LocalityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.LocalityOutputSerializer
    queryset = Locality.objects.all()
    filterset_class = LocalityFilter
    lookup_field = "code"

    def get_queryset(self):
        return selectors.locality_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(responses={200: s.PracticeOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.PracticeOutputSerializer, **ERRORS_READ}),
    create=extend_schema(
        request=s.PracticeInputSerializer, responses={201: s.PracticeOutputSerializer, **ERRORS_WRITE}
    ),
    partial_update=extend_schema(
        request=s.PracticeUpdateSerializer, responses={200: s.PracticeOutputSerializer, **ERRORS_WRITE}
    ),
)
class PracticeViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.PracticeOutputSerializer
    queryset = Practice.objects.all()
    filterset_class = PracticeFilter
    lookup_field = "code"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.practice_list(user=self.request.user)

    def _locality(self, pct: Pct, code: str | None):
        if not code:
            return None
        return get_object_or_404(selectors.locality_list(user=self.request.user), pct=pct, code=code.upper())

    def create(self, request, *args, **kwargs):
        data = s.PracticeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        pct = _home_pct(request.user)
        if Practice.objects.filter(code=values["code"]).exists():
            raise ApplicationError(
                f"Practice {values['code']} already exists.", {"fields": {"code": ["Already exists."]}}
            )
        values["locality"] = self._locality(pct, values.get("locality"))
        practice = services.practice_create(pct=pct, actor=request.user, **values)
        out = selectors.practice_get(user=request.user, code=practice.code)
        return Response(s.PracticeOutputSerializer(out).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        practice = self.get_object()
        data = s.PracticeUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "locality" in values:
            values["locality"] = self._locality(practice.pct, values["locality"])
        services.practice_update(practice=practice, data=values, actor=request.user)
        return Response(
            s.PracticeOutputSerializer(selectors.practice_get(user=request.user, code=practice.code)).data
        )

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(responses={200: s.ListSizeOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.ListSizeOutputSerializer, **ERRORS_READ}),
    create=extend_schema(
        request=s.ListSizeInputSerializer, responses={201: s.ListSizeOutputSerializer, **ERRORS_WRITE}
    ),
)
class ListSizeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Registered list sizes by extract date. Posting a size for an existing date replaces it."""

    serializer_class = s.ListSizeOutputSerializer
    queryset = ListSize.objects.all()
    filterset_class = ListSizeFilter

    def get_queryset(self):
        return selectors.list_size_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = s.ListSizeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        practice = get_object_or_404(
            selectors.practice_list(user=request.user), code=values["practice"].strip().upper()
        )
        size = services.list_size_record(
            practice=practice,
            extract_date=values["extract_date"],
            patients=values["patients"],
            actor=request.user,
        )
        return Response(s.ListSizeOutputSerializer(size).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: s.ProviderOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.ProviderOutputSerializer, **ERRORS_READ}),
    create=extend_schema(
        request=s.ProviderInputSerializer, responses={201: s.ProviderOutputSerializer, **ERRORS_WRITE}
    ),
)
class ProviderViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ProviderOutputSerializer
    queryset = Provider.objects.all()
    filterset_class = ProviderFilter
    lookup_field = "code"

    def get_queryset(self):
        return selectors.provider_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = s.ProviderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if Provider.objects.filter(code=data.validated_data["code"]).exists():
            raise ApplicationError("That provider already exists.", {"fields": {"code": ["Already exists."]}})
        provider = services.provider_create(actor=request.user, **data.validated_data)
        return Response(s.ProviderOutputSerializer(provider).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: s.ImportRunOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.ImportRunOutputSerializer, **ERRORS_READ}),
    create=extend_schema(
        request={"multipart/form-data": s.ImportRunInputSerializer},
        responses={
            202: OpenApiResponse(s.ImportRunOutputSerializer, description="Accepted; poll the import."),
            **ERRORS_WRITE,
        },
    ),
)
class ImportRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Imports of list sizes and practices into the PCT: what came in, the rows read, imported and
        skipped, and each problem. POST a file to import it (``dry_run`` to check only): answered 202 with
    the run; poll its URL until ``status`` is ``succeeded`` or ``failed``."""

    serializer_class = s.ImportRunOutputSerializer
    queryset = ImportRun.objects.all()
    parser_classes = [MultiPartParser, FormParser]
    required_permissions = {"GET": ("pbc.view_importrun",), "POST": ("pbc.import_organisations",)}

    def get_queryset(self):
        return selectors.import_run_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = s.ImportRunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        run = services.import_run_create(
            kind=data.validated_data["kind"],
            pct=_home_pct(request.user),
            filename=upload.name,
            data=upload.read(),
            actor=request.user,
            dry_run=data.validated_data["dry_run"],
        )
        out = selectors.import_run_get(user=request.user, pk=run.pk)
        response = Response(s.ImportRunOutputSerializer(out).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(f"/api/v1/imports/{run.pk}/")
        return response


class _OwnTokens:
    """Any signed-in user (or token) manages only their own tokens, so no model permission applies; a read
    token may rotate itself (rotation changes no PCT data)."""

    permission_classes = [permissions.IsAuthenticated]


class EventListApi(GenericAPIView):
    """What happened, oldest first: extracts processed, reports recomputed, budgets published, applications
    decided, in your scope. Poll with ``since`` set to the ``occurred_at`` of the last event you saw (events
    at exactly that time are not repeated); each call answers at most 1,000 events."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = ApiToken.objects.none()  # the events come from each app's records, not one model
    serializer_class = s.EventOutputSerializer

    @extend_schema(
        parameters=[s.EventQuerySerializer],
        responses={200: s.EventOutputSerializer(many=True), **ERRORS_READ},
    )
    def get(self, request):
        query = s.EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = events.event_list(
            user=request.user, since=query.validated_data.get("since"), kinds=query.validated_data.get("kind")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(responses={200: s.ApiTokenOutputSerializer(many=True), **ERRORS_READ})
class ApiTokenListApi(_OwnTokens, GenericAPIView):
    """Your API tokens: when each expires, when it was last used (to the minute), and what replaced a
    rotated one. Keys are never shown again after they are issued."""

    queryset = ApiToken.objects.none()
    serializer_class = s.ApiTokenOutputSerializer

    def get_queryset(self):
        return selectors.api_token_list(user=self.request.user)

    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.ApiTokenOutputSerializer(page, many=True).data)


class ApiTokenRotateApi(_OwnTokens, GenericAPIView):
    """Rotate one of your tokens: a new key with a full lifetime, and the old one keeps working until
    ``PBC_API_TOKEN_ROTATION_GRACE_HOURS`` have passed. 409 for a revoked, expired or already rotated token."""

    queryset = ApiToken.objects.none()
    serializer_class = s.ApiTokenRotatedOutputSerializer

    @extend_schema(request=None, responses={201: s.ApiTokenRotatedOutputSerializer, **ERRORS_WRITE})
    def post(self, request, pk: int):
        token = selectors.api_token_get(user=request.user, pk=pk)
        new, key = services.api_token_rotate(token=token, actor=request.user)
        token.refresh_from_db()
        body = {"token": new, "key": key, "previous": token}
        return Response(s.ApiTokenRotatedOutputSerializer(body).data, status=status.HTTP_201_CREATED)


@csrf_exempt  # nothing is changed; a POST to a wrong address should still get the JSON 404
def api_not_found(request, *args, **kwargs):
    """Any /api/ address that names no resource answers in the API's JSON error shape."""
    return JsonResponse(error_body("No such API address.", extra={"path": request.path}), status=404)
