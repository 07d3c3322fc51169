"""The DES calculation endpoint: a directed enhanced service's payment from the figures given."""

from __future__ import annotations

from fractions import Fraction

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import des
from agreements.api import serializers as s
from agreements.api.views._common import MethodPermissions
from pbc.api.schema import ERRORS_WRITE
from pbc.exceptions import ApplicationError


def des_config() -> des.DesConfig:
    """The configured average lists and osteoporosis shares (settings ``PBC_DES_*``)."""
    return des.DesConfig(
        average_list_sizes=dict(settings.PBC_DES_AVERAGE_LIST_SIZES),
        osteoporosis_shares=tuple(Fraction(share) for share in settings.PBC_DES_OSTEOPOROSIS_SHARES),
    )


class DesCalculationApi(MethodPermissions, APIView):
    """A DES payment (2008/09 national rates, seed 000) and its conditions, calculated from the figures
    given; nothing is read or saved. Amounts are rounded half-up to the penny once, from the exact
    product; a condition not met pays "0.00"."""

    method_permissions = {"POST": ("agreements.view_incentivescheme",)}
    changes_nothing = True  # a read token may calculate

    @extend_schema(
        request=s.DesCalculationInputSerializer,
        responses={200: s.DesCalculationOutputSerializer, **ERRORS_WRITE},
        examples=[
            OpenApiExample(
                "Osteoporosis, two criteria met",
                value={
                    "des": "osteoporosis",
                    "financial_year": "2008/09",
                    "list_size": 6000,
                    "criteria_met": [1, 2],
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = s.DesCalculationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        figures = dict(serializer.validated_data)
        figures["des"] = des.DesCode(figures["des"])
        figures["year"] = figures.pop("financial_year")
        figures["claimed_pence"] = figures.pop("amount")
        try:
            result = des.calculate_des(des.DesInput(**figures), des_config())
        except des.DesError as exc:
            raise ApplicationError(exc.message, {"fields": {exc.field: [exc.message]}}) from exc
        return Response(s.DesCalculationOutputSerializer(result).data)
