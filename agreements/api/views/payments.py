"""Payment schedule lines over the API, and their approve / pay / cancel decisions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import selectors, services
from agreements.api import serializers as s
from agreements.api.views._common import MethodPermissions
from agreements.choices import PAYMENT_ACTION_PERMISSIONS, PaymentAction
from agreements.filters import PaymentFilter
from agreements.models import Payment
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE

# --- payments ---------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: s.PaymentOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.PaymentOutputSerializer, **ERRORS_READ}),
)
class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    """Payment schedule lines per practice and locality per year; a practice sees only its own."""

    serializer_class = s.PaymentOutputSerializer
    queryset = Payment.objects.all()
    filterset_class = PaymentFilter

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user)


class PaymentTransitionsApi(MethodPermissions, APIView):
    """A payment's decisions; POST approves, pays (with a reference) or cancels it."""

    method_permissions = {"GET": ("agreements.view_payment",), "POST": ("agreements.approve_payment",)}

    def _out(self, payment) -> dict:
        return s.PaymentTransitionsOutputSerializer(
            {"payment": payment.pk, "status": payment.status, "transitions": list(payment.transitions.all())}
        ).data

    @extend_schema(responses={200: s.PaymentTransitionsOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        return Response(self._out(selectors.payment_get(user=request.user, pk=pk)))

    @extend_schema(
        request=s.PaymentTransitionInputSerializer,
        responses={200: s.PaymentTransitionsOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request, pk: int):
        payment = selectors.payment_get(user=request.user, pk=pk)
        data = s.PaymentTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = PaymentAction(data.validated_data["action"])
        if not request.user.has_perm(PAYMENT_ACTION_PERMISSIONS[action]):
            raise PermissionDenied("Your role does not allow this.")
        services.payment_transition(
            payment=payment,
            action=action,
            actor=request.user,
            note=data.validated_data["note"],
            reference=data.validated_data["reference"],
        )
        return Response(self._out(selectors.payment_get(user=request.user, pk=pk)))
