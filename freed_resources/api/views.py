"""The freed-up resources API: declarations, splits, ledger, pot balances (scoped), schemes, and a
calculation endpoint other NHS finance systems use to check their own figures."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from freed_resources import selectors, services
from freed_resources.api import serializers as s
from freed_resources.filters import DeclarationFilter, LedgerEntryFilter, PotFilter
from freed_resources.models import Declaration, LedgerEntry, Pot, SchemeSetting, Split
from freed_resources.splits import READY_MADE_SCHEMES, SplitError, scheme_from_dict, split_freed_resources
from pbc import selectors as pbc_selectors
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.exceptions import ApplicationError
from pbc.models import FinancialYear


class _Methods:
    method_permissions: dict[str, tuple[str, ...]] = {}

    @property
    def required_permissions(self):
        method = "GET" if self.request.method in ("HEAD", "OPTIONS") else self.request.method
        return self.method_permissions.get(method, ("freed_resources.__no_such_permission",))


def _split_error(exc: SplitError) -> ApplicationError:
    return ApplicationError(str(exc), {"problems": list(exc.problems)})


@extend_schema_view(
    list=extend_schema(responses={200: s.DeclarationOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.DeclarationOutputSerializer, **ERRORS_READ}),
)
class DeclarationViewSet(viewsets.ReadOnlyModelViewSet):
    """Savings declarations, every version; a practice sees only its own."""

    serializer_class = s.DeclarationOutputSerializer
    queryset = Declaration.objects.all()
    filterset_class = DeclarationFilter

    def get_queryset(self):
        return selectors.declaration_list(user=self.request.user)


class DeclarationCreateApi(_Methods, APIView):
    """POST prepares a declaration (or restatement) from the published reports, as a draft."""

    method_permissions = {"POST": ("freed_resources.add_declaration",)}

    @extend_schema(
        request=s.DeclarationInputSerializer, responses={201: s.DeclarationOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request):
        data = s.DeclarationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        user = request.user
        year = FinancialYear.objects.filter(start_year=d["year"]).first()
        if year is None:
            raise ApplicationError(
                f"There are no budgets for {d['year']}.", {"fields": {"year": ["Unknown."]}}
            )
        practice = locality = None
        if d["kind"] == "practice":
            practice = pbc_selectors.practice_list(user=user).filter(code=d["practice"].upper()).first()
            if practice is None:
                raise ApplicationError(
                    "No such practice in your scope.", {"fields": {"practice": ["Unknown."]}}
                )
        else:
            locality = pbc_selectors.locality_list(user=user).filter(code=d["locality"].upper()).first()
            if locality is None:
                raise ApplicationError(
                    "No such locality in your scope.", {"fields": {"locality": ["Unknown."]}}
                )
        declaration = services.declaration_prepare(
            kind=d["kind"],
            practice=practice,
            locality=locality,
            year=year,
            through_month=d["through_month"],
            categories=d["categories"],
            planned_investments=[
                {"name": i["name"], "category": i["category"].upper(), "pence": i["amount"]}
                for i in d["planned_investments"]
            ],
            reason=d["reason"],
            actor=user,
        )
        return Response(s.DeclarationOutputSerializer(declaration).data, status=status.HTTP_201_CREATED)


class DeclarationConfirmApi(_Methods, APIView):
    """POST confirms a draft declaration (PCT finance): it is split and posted to the ledger."""

    method_permissions = {"POST": ("freed_resources.confirm_declaration",)}

    @extend_schema(request=None, responses={200: s.DeclarationOutputSerializer, **ERRORS_WRITE})
    def post(self, request, pk: int):
        declaration = selectors.declaration_get(user=request.user, pk=pk)
        declaration = services.declaration_confirm(declaration=declaration, actor=request.user)
        return Response(s.DeclarationOutputSerializer(declaration).data)


@extend_schema_view(
    list=extend_schema(responses={200: s.SplitOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.SplitOutputSerializer, **ERRORS_READ}),
)
class SplitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.SplitOutputSerializer
    queryset = Split.objects.all()

    def get_queryset(self):
        return selectors.split_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(responses={200: s.PotOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.PotOutputSerializer, **ERRORS_READ}),
)
class PotViewSet(viewsets.ReadOnlyModelViewSet):
    """Pot balances: declared, committed to approved proposals, spent, remaining."""

    serializer_class = s.PotOutputSerializer
    queryset = Pot.objects.all()
    filterset_class = PotFilter

    def get_queryset(self):
        return selectors.pot_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(responses={200: s.LedgerEntryOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.LedgerEntryOutputSerializer, **ERRORS_READ}),
)
class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.LedgerEntryOutputSerializer
    queryset = LedgerEntry.objects.all()
    filterset_class = LedgerEntryFilter

    def get_queryset(self):
        return selectors.ledger_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(responses={200: s.SchemeOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.SchemeOutputSerializer, **ERRORS_READ}),
)
class SchemeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.SchemeOutputSerializer
    queryset = SchemeSetting.objects.all()

    def get_queryset(self):
        return selectors.scheme_list(user=self.request.user)


class SchemeSetApi(_Methods, APIView):
    """PUT sets the PCT's split scheme for a year (points must increase; every problem is listed)."""

    method_permissions = {"PUT": ("freed_resources.change_schemesetting",)}

    @extend_schema(request=s.SchemeInputSerializer, responses={200: s.SchemeOutputSerializer, **ERRORS_WRITE})
    def put(self, request, year: int):
        data = s.SchemeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pct = pbc_selectors.home_pct(user=request.user)
        if pct is None:
            raise ApplicationError("You are not a member of a PCT.")
        if not 1990 <= year <= 2100:  # the financial year table's own bounds
            raise ApplicationError(
                "Give a financial year between 1990 and 2100.", {"fields": {"year": ["Out of range."]}}
            )
        fy, _ = FinancialYear.objects.get_or_create(start_year=year)
        setting = services.scheme_set(pct=pct, year=fy, data=data.to_scheme_data(), actor=request.user)
        return Response(s.SchemeOutputSerializer(setting).data)


class CalculationApi(_Methods, APIView):
    """POST a scheme and an amount (and list size / overspend where the scheme needs them); each party's
    amount comes back as pounds strings with the explanation, so other systems can check their figures."""

    method_permissions = {"POST": ("freed_resources.view_schemesetting",)}

    @extend_schema(
        request=s.CalculationInputSerializer, responses={200: s.CalculationOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request):
        data = s.CalculationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            if d.get("scheme"):
                scheme = READY_MADE_SCHEMES[d["scheme"]]
            elif d.get("scheme_id") is not None:
                scheme = get_object_or_404(selectors.scheme_list(user=request.user), pk=d["scheme_id"]).scheme
            else:
                nested = s.SchemeInputSerializer(data=request.data["custom_scheme"])
                nested.is_valid(raise_exception=True)
                scheme = scheme_from_dict(nested.to_scheme_data())
            result = split_freed_resources(
                scheme, d["amount"], list_size=d["list_size"], overspent=d["overspent"]
            )
        except SplitError as exc:
            raise _split_error(exc) from exc
        return Response(s.CalculationOutputSerializer(result).data)


class ProposalListApi(generics.ListAPIView):
    """Proposals for use of freed-up resources in scope, with pot money and the benefit follow-up."""

    serializer_class = s.ProposalOutputSerializer
    required_permissions = ("freed_resources.view_expectedbenefit",)

    def get_queryset(self):
        return selectors.proposal_list(user=self.request.user).order_by("-created")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = selectors.with_follow_up(list(self.get_queryset() if page is None else page))
        data = s.ProposalOutputSerializer(rows, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)


def _proposal_out(request, pk: int, status_code: int = 200) -> Response:
    proposal = selectors.with_follow_up([selectors.proposal_get(user=request.user, pk=pk)])[0]
    return Response(s.ProposalOutputSerializer(proposal).data, status=status_code)


class ProposalBenefitApi(_Methods, APIView):
    """GET one proposal's benefit follow-up (savings → business case → later activity); PUT names the
    categories it targets and the monthly reduction expected in each (fixed once approved: 409)."""

    method_permissions = {
        "GET": ("freed_resources.view_expectedbenefit",),
        "PUT": ("freed_resources.add_expectedbenefit",),
    }

    @extend_schema(responses={200: s.ProposalOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        return _proposal_out(request, pk)

    @extend_schema(
        request=s.BenefitSetInputSerializer, responses={200: s.ProposalOutputSerializer, **ERRORS_WRITE}
    )
    def put(self, request, pk: int):
        proposal = selectors.proposal_get(user=request.user, pk=pk)
        data = s.BenefitSetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.expected_benefits_set(
            application=proposal,
            targets=[dict(t) for t in data.validated_data["targets"]],
            actor=request.user,
        )
        return _proposal_out(request, pk)


class ProposalSpendApi(_Methods, APIView):
    """POST records money spent on an approved proposal (at most what is committed and unspent: 409)."""

    method_permissions = {"POST": ("freed_resources.confirm_declaration",)}

    @extend_schema(
        request=s.SpendInputSerializer, responses={201: s.ProposalOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk: int):
        proposal = selectors.proposal_get(user=request.user, pk=pk)
        data = s.SpendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_spend_record(
            application=proposal,
            amount_pence=data.validated_data["amount"],
            description=data.validated_data["description"],
            actor=request.user,
        )
        return _proposal_out(request, pk, status.HTTP_201_CREATED)
