"""LES sign-up sheets and year-end declarations over the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import selectors, services
from agreements.api import serializers as s
from agreements.api.views._common import MethodPermissions, _not_found, _practice
from agreements.filters import LesSignUpFilter
from agreements.models import LesSignUp
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE

# --- LES --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: s.LesSignUpOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.LesSignUpOutputSerializer, **ERRORS_READ}),
    create=extend_schema(
        request=s.LesSignUpInputSerializer, responses={201: s.LesSignUpOutputSerializer, **ERRORS_WRITE}
    ),
)
class LesSignUpViewSet(MethodPermissions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """LES sign-up sheets; POST signs a practice up with every one of its GPs (practice manager)."""

    serializer_class = s.LesSignUpOutputSerializer
    queryset = LesSignUp.objects.all()
    filterset_class = LesSignUpFilter
    method_permissions = {"POST": ("agreements.sign_les",)}

    def get_queryset(self):
        return selectors.lessignup_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = s.LesSignUpInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        practice = _practice(request.user, v["practice"])
        scheme = selectors.scheme_list(user=request.user).filter(pk=v["scheme"]).first()
        if scheme is None:
            raise _not_found("scheme", f"No scheme {v['scheme']} in your scope.")
        sign_up = services.les_sign_up(
            scheme=scheme,
            practice=practice,
            actor=request.user,
            lead_name=v["lead_name"],
            lead_role=v["lead_role"],
            gp_ids=v["gps"],
            signed_on=v["signed_on"],
            hours_per_gp_per_month=v["hours_per_gp_per_month"],
            contact_number=v["contact_number"],
        )
        out = selectors.lessignup_get(user=request.user, pk=sign_up.pk)
        return Response(s.LesSignUpOutputSerializer(out).data, status=status.HTTP_201_CREATED)


class LesDeclarationApi(MethodPermissions, APIView):
    """The year-end declaration of each GP on a sign-up sheet."""

    method_permissions = {"GET": ("agreements.view_lessignup",), "POST": ("agreements.sign_les",)}

    @extend_schema(responses={200: s.LesSignUpOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        return Response(s.LesSignUpOutputSerializer(selectors.lessignup_get(user=request.user, pk=pk)).data)

    @extend_schema(
        request=s.LesDeclarationInputSerializer, responses={200: s.LesSignUpOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk: int):
        sign_up = selectors.lessignup_get(user=request.user, pk=pk)
        data = s.LesDeclarationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.les_declaration_record(
            sign_up=sign_up,
            actor=request.user,
            declarations={d["gp"]: d["met"] for d in data.validated_data["declarations"]},
            declared_on=data.validated_data["declared_on"],
        )
        return Response(s.LesSignUpOutputSerializer(selectors.lessignup_get(user=request.user, pk=pk)).data)
