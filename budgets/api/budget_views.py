"""Budget setting through the API: categories, versions, their steps, what-ifs and publication."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from activity.api.views import _year
from budgets import selectors, services
from budgets.api import serializers as s
from budgets.filters import BudgetCategoryFilter, BudgetSetFilter
from budgets.models import BudgetCategory, BudgetLine, BudgetSet
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.exceptions import ApplicationError
from pbc.models import Practice
from pbc.selectors import home_pct


def _pct(request):
    pct = home_pct(user=request.user)
    if pct is None:
        raise ApplicationError("You are not a member of a PCT.")
    return pct


def _parameters(values: dict) -> dict:
    out = dict(values)
    for name in ("uplift_by_category", "pace_by_category", "need_weights"):
        if name in out:
            out[name] = {k: str(v) for k, v in out[name].items()}
    return out


class BudgetCategoryListApi(generics.ListAPIView):
    """Budget categories by year (PODs, or treatment functions for a devolved specialty area). POST adds one."""

    serializer_class = s.BudgetCategoryOutputSerializer
    queryset = BudgetCategory.objects.all()
    filterset_class = BudgetCategoryFilter
    required_permissions = {"GET": ("budgets.view_budgetcategory",), "POST": ("budgets.add_budgetcategory",)}

    @extend_schema(responses={200: s.BudgetCategoryOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.budget_category_list(user=self.request.user).order_by(
            "-year__start_year", "position", "code"
        )

    @extend_schema(
        request=s.BudgetCategoryInputSerializer,
        responses={201: s.BudgetCategoryOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request):
        data = s.BudgetCategoryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        from django.core.exceptions import ValidationError

        try:
            category = services.budget_category_create(
                pct=_pct(request),
                year=_year(v["year"]),
                code=v["code"],
                name=v["name"],
                pods=v["pods"],
                tretspefs=v["treatment_functions"],
                devolved=v["devolved"],
                actor=request.user,
            )
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages)) from exc
        return Response(s.BudgetCategoryOutputSerializer(category).data, status=status.HTTP_201_CREATED)


class BudgetSetListApi(generics.ListAPIView):
    """Budget versions (PCT-wide). POST the methodology's parameters to start and calculate a new draft;
    after a publication a new version needs a reason."""

    serializer_class = s.BudgetSetOutputSerializer
    queryset = BudgetSet.objects.all()
    filterset_class = BudgetSetFilter
    required_permissions = {"GET": ("budgets.view_budgetset",), "POST": ("budgets.add_budgetset",)}

    @extend_schema(responses={200: s.BudgetSetOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.budget_set_list(user=self.request.user)

    @extend_schema(
        request=s.BudgetSetCreateInputSerializer,
        responses={201: s.BudgetSetDetailOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request):
        data = s.BudgetSetCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        year = _year(values.pop("year"))
        reason = values.pop("reason", "")
        budget_set = services.budget_set_create(
            pct=_pct(request), year=year, actor=request.user, reason=reason, **_parameters(values)
        )
        return Response(s.BudgetSetDetailOutputSerializer(budget_set).data, status=status.HTTP_201_CREATED)


class BudgetSetDetailApi(APIView):
    """A version with its totals, central holdings and history. PATCH changes a draft's parameters and
    recalculates it."""

    required_permissions = {"GET": ("budgets.view_budgetset",), "PATCH": ("budgets.change_budgetset",)}

    @extend_schema(responses={200: s.BudgetSetDetailOutputSerializer, **ERRORS_READ})
    def get(self, request, pk):
        budget_set = selectors.budget_set_get(user=request.user, pk=pk)
        return Response(s.BudgetSetDetailOutputSerializer(budget_set).data)

    @extend_schema(
        request=s.BudgetParametersSerializer,
        responses={200: s.BudgetSetDetailOutputSerializer, **ERRORS_WRITE},
    )
    def patch(self, request, pk):
        budget_set = selectors.budget_set_get(user=request.user, pk=pk)
        data = s.BudgetParametersSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = services.budget_set_update(
            budget_set=budget_set, actor=request.user, **_parameters(data.validated_data)
        )
        return Response(s.BudgetSetDetailOutputSerializer(updated).data)


class _TransitionApi(APIView):
    service = None
    input_serializer = s.ReasonInputSerializer

    def post(self, request, pk):
        budget_set = selectors.budget_set_get(user=request.user, pk=pk)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = type(self).service(
            budget_set=budget_set, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.BudgetSetDetailOutputSerializer(done).data)


class BudgetSetApproveApi(_TransitionApi):
    """PCT finance approves a calculated draft."""

    required_permissions = ("budgets.approve_budgetset",)
    service = staticmethod(services.budget_set_approve)

    @extend_schema(
        request=s.ReasonInputSerializer, responses={200: s.BudgetSetDetailOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk):
        return super().post(request, pk)


class BudgetSetReopenApi(_TransitionApi):
    """Send an approved version back to draft, with a reason."""

    required_permissions = ("budgets.approve_budgetset",)
    service = staticmethod(services.budget_set_reopen)
    input_serializer = s.RequiredReasonInputSerializer

    @extend_schema(
        request=s.RequiredReasonInputSerializer,
        responses={200: s.BudgetSetDetailOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request, pk):
        return super().post(request, pk)


class BudgetSetPublishApi(_TransitionApi):
    """Publish an approved version to practices (the previous published version is superseded)."""

    required_permissions = ("budgets.publish_budgetset",)
    service = staticmethod(services.budget_set_publish)

    @extend_schema(
        request=s.ReasonInputSerializer, responses={200: s.BudgetSetDetailOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk):
        return super().post(request, pk)


class BudgetSetReviseApi(APIView):
    """Start a new version from this one (a change after publication), with a reason."""

    required_permissions = ("budgets.add_budgetset",)

    @extend_schema(
        request=s.RequiredReasonInputSerializer,
        responses={201: s.BudgetSetDetailOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request, pk):
        budget_set = selectors.budget_set_get(user=request.user, pk=pk)
        data = s.RequiredReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.budget_set_revise(
            budget_set=budget_set, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.BudgetSetDetailOutputSerializer(new).data, status=status.HTTP_201_CREATED)


class BudgetSetWhatIfApi(APIView):
    """Recompute the whole PCT under another uplift, pace of change or top-slice: winners and losers per
    practice. Nothing is saved."""

    required_permissions = ("budgets.view_budgetset",)

    @extend_schema(
        parameters=[s.WhatIfQuerySerializer], responses={200: s.WhatIfOutputSerializer, **ERRORS_WRITE}
    )
    def get(self, request, pk):
        budget_set = selectors.budget_set_get(user=request.user, pk=pk)
        query = s.WhatIfQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        top_slice = v.get("risk_top_slice_pct")
        result = selectors.budget_set_what_if(
            budget_set=budget_set,
            uplift_pct=v.get("uplift_pct"),
            pace_of_change_pct=v.get("pace_of_change_pct"),
            risk_top_slice_pct=top_slice,
            risk_mode=None if top_slice is None else ("top_slice" if top_slice > 0 else "none"),
        )
        return Response(s.WhatIfOutputSerializer(result).data)


class BudgetAdjustmentCreateApi(APIView):
    """Add a local adjustment (service moved, planned investment) to a draft; it is recalculated."""

    required_permissions = ("budgets.add_budgetadjustment",)

    @extend_schema(
        request=s.AdjustmentInputSerializer, responses={201: s.AdjustmentOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk):
        budget_set = selectors.budget_set_get(user=request.user, pk=pk)
        data = s.AdjustmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        practice = Practice.objects.filter(pct=budget_set.pct, code=v["practice"].upper()).first()
        if practice is None:
            raise ApplicationError(
                f"{v['practice']} is not a practice of the PCT.",
                {"fields": {"practice": ["Unknown practice."]}},
            )
        adjustment = services.budget_adjustment_add(
            budget_set=budget_set,
            practice=practice,
            category=v["category"],
            amount_pence=v["amount"],
            reason=v["reason"],
            actor=request.user,
        )
        return Response(s.AdjustmentOutputSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class BudgetSetNeedWeightsApi(APIView):
    """Replace a draft's need weights from a CSV (practice code, weight); it is recalculated."""

    required_permissions = ("budgets.change_budgetset",)
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": s.NeedWeightsInputSerializer},
        responses={200: s.BudgetSetDetailOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request, pk):
        budget_set = selectors.budget_set_get(user=request.user, pk=pk)
        data = s.NeedWeightsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.budget_set_need_weights_upload(
            budget_set=budget_set, data=data.validated_data["file"].read(), actor=request.user
        )
        return Response(s.BudgetSetDetailOutputSerializer(updated).data)


class BudgetLineListApi(generics.ListAPIView):
    """Practices' budgets by category with every step (rule and figures), scoped to the user.

    By default the published versions; ``budget_set`` (a version id) or ``status`` chooses others (drafts
    only for PCT staff). Filter by practice, locality, year and category."""

    serializer_class = s.BudgetLineOutputSerializer
    queryset = BudgetLine.objects.all()
    required_permissions = ("budgets.view_budgetline",)

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in ("practice", "locality", "year", "category", "budget_set", "status")
        ],
        responses={200: s.BudgetLineOutputSerializer(many=True), **ERRORS_READ},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.budget_line_list(user=self.request.user, filters=self.request.query_params)


class BudgetLineDetailApi(generics.RetrieveAPIView):
    serializer_class = s.BudgetLineOutputSerializer
    queryset = BudgetLine.objects.all()
    required_permissions = ("budgets.view_budgetline",)

    @extend_schema(responses={200: s.BudgetLineOutputSerializer, **ERRORS_READ})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        return selectors.budget_line_get(user=self.request.user, pk=self.kwargs["pk"])
