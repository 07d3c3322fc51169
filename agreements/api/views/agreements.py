"""Agreements over the API: list and detail with sections, parties and signatures; drafting,
signing, transitions and versions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import selectors, services
from agreements.api import serializers as s
from agreements.api.views._common import (
    MethodPermissions,
    _agreement_out,
    _home_pct,
    _lead_user,
    _locality,
    _not_found,
    _organisation,
)
from agreements.choices import AGREEMENT_TRANSITIONS, MANUAL_AGREEMENT_ACTIONS, AgreementAction
from agreements.filters import AgreementFilter
from agreements.models import Agreement
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE

# --- agreements -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: s.AgreementOutputSerializer(many=True), **ERRORS_READ}),
    retrieve=extend_schema(responses={200: s.AgreementOutputSerializer, **ERRORS_READ}),
    create=extend_schema(
        request=s.AgreementInputSerializer, responses={201: s.AgreementOutputSerializer, **ERRORS_WRITE}
    ),
    partial_update=extend_schema(
        request=s.AgreementUpdateSerializer, responses={200: s.AgreementOutputSerializer, **ERRORS_WRITE}
    ),
)
class AgreementViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Shared agreements with their sections, SMART objectives, parties, signatures and status history.

    Creating one drafts it on the ten-section template with the PCT as a party; a draft can be changed
    (PATCH) until it is sent for signature.
    """

    serializer_class = s.AgreementOutputSerializer
    queryset = Agreement.objects.all()
    filterset_class = AgreementFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.agreement_list(user=self.request.user, detailed=True)

    def create(self, request, *args, **kwargs):
        data = s.AgreementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = request.user
        pct = _home_pct(user)
        parties = [
            {
                "kind": p["kind"],
                "organisation": _organisation(user, pct, p["kind"], p["code"]),
                "lead_name": p["lead_name"],
                "lead_role": p["lead_role"],
                "lead_user": _lead_user(p["lead_username"]),
            }
            for p in v["parties"]
        ]
        agreement = services.agreement_create(
            pct=pct,
            title=v["title"],
            locality=_locality(user, v["locality"], pct=pct),
            start_date=v["start_date"],
            end_date=v["end_date"],
            review_date=v["review_date"],
            notice_period_days=v["notice_period_days"],
            pct_lead_name=v["pct_lead_name"],
            sections={sec["number"]: sec["body"] for sec in v["sections"]},
            objectives=v["objectives"],
            parties=parties,
            actor=user,
        )
        return Response(_agreement_out(user, agreement.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = s.AgreementUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        sections = {sec["number"]: sec["body"] for sec in v.pop("sections", [])} or None
        objectives = v.pop("objectives", None)
        if "locality" in v:
            v["locality"] = _locality(request.user, v["locality"], pct=agreement.pct)
        services.agreement_draft_update(
            agreement=agreement, actor=request.user, data=v, sections=sections, objectives=objectives
        )
        return Response(_agreement_out(request.user, agreement.pk))

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)


class AgreementSignaturesApi(MethodPermissions, APIView):
    """Who has signed and who has not; POST signs for the party you lead."""

    method_permissions = {"GET": ("agreements.view_agreement",), "POST": ("agreements.sign_agreement",)}

    def _out(self, agreement) -> dict:
        parties = list(agreement.parties.all())
        return s.AgreementSignaturesOutputSerializer(
            {
                "pk": agreement.pk,
                "status": agreement.status,
                "parties": parties,
                "awaiting": [p.pk for p in selectors.unsigned_parties(agreement)],
                "you_can_sign": [
                    p.pk for p in selectors.signable_parties(agreement=agreement, user=self.request.user)
                ],
            }
        ).data

    @extend_schema(responses={200: s.AgreementSignaturesOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        return Response(self._out(selectors.agreement_get(user=request.user, pk=pk)))

    @extend_schema(
        request=s.AgreementSignInputSerializer,
        responses={201: s.AgreementSignaturesOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request, pk: int):
        agreement = selectors.agreement_get(user=request.user, pk=pk)
        data = s.AgreementSignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        party = None
        if data.validated_data["party"] is not None:
            party = next((p for p in agreement.parties.all() if p.pk == data.validated_data["party"]), None)
            if party is None:
                raise _not_found("party", "That party is not a party to this agreement.")
        services.agreement_sign(
            agreement=agreement,
            actor=request.user,
            party=party,
            signatory_name=data.validated_data["signatory_name"],
        )
        return Response(
            self._out(selectors.agreement_get(user=request.user, pk=pk)), status=status.HTTP_201_CREATED
        )


_TRANSITION_CALLS = {
    AgreementAction.SEND: lambda a, u, d: services.agreement_send_for_signature(
        agreement=a, actor=u, reason=d["reason"]
    ),
    AgreementAction.WITHDRAW: lambda a, u, d: services.agreement_withdraw(
        agreement=a, actor=u, reason=d["reason"]
    ),
    AgreementAction.START_REVIEW: lambda a, u, d: services.agreement_review_start(
        agreement=a, actor=u, reason=d["reason"]
    ),
    AgreementAction.COMPLETE_REVIEW: lambda a, u, d: services.agreement_review_complete(
        agreement=a, actor=u, next_review_date=d["next_review_date"], reason=d["reason"]
    ),
    AgreementAction.GIVE_NOTICE: lambda a, u, d: services.agreement_give_notice(
        agreement=a, actor=u, given_on=d["given_on"], reason=d["reason"]
    ),
}


class AgreementTransitionsApi(MethodPermissions, APIView):
    """The status timeline and the actions allowed now; POST takes one of them."""

    method_permissions = {"GET": ("agreements.view_agreement",), "POST": ("agreements.change_agreement",)}

    def _out(self, agreement) -> dict:
        return s.AgreementTransitionsOutputSerializer(
            {
                "agreement": agreement.pk,
                "status": agreement.status,
                "allowed_actions": [
                    a
                    for a in MANUAL_AGREEMENT_ACTIONS
                    if agreement.status in AGREEMENT_TRANSITIONS[a].sources
                ],
                "transitions": list(agreement.transitions.all()),
            }
        ).data

    @extend_schema(responses={200: s.AgreementTransitionsOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        return Response(self._out(selectors.agreement_get(user=request.user, pk=pk)))

    @extend_schema(
        request=s.AgreementTransitionInputSerializer,
        responses={200: s.AgreementTransitionsOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request, pk: int):
        agreement = selectors.agreement_get(user=request.user, pk=pk)
        data = s.AgreementTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["action"] == AgreementAction.GIVE_NOTICE and v["given_on"] is None:
            raise _not_found("given_on", "Give the date notice was given.")
        _TRANSITION_CALLS[AgreementAction(v["action"])](agreement, request.user, v)
        return Response(self._out(selectors.agreement_get(user=request.user, pk=pk)))


class AgreementVersionsApi(MethodPermissions, APIView):
    """Every version of the agreement; POST drafts the next version of one in force."""

    method_permissions = {"GET": ("agreements.view_agreement",), "POST": ("agreements.change_agreement",)}

    @extend_schema(responses={200: s.AgreementVersionOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, pk: int):
        agreement = selectors.agreement_get(user=request.user, pk=pk)
        versions = selectors.agreement_versions(agreement=agreement, user=request.user)
        return Response(s.AgreementVersionOutputSerializer(versions, many=True).data)

    @extend_schema(
        request=s.AgreementNewVersionInputSerializer,
        responses={201: s.AgreementOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request, pk: int):
        agreement = selectors.agreement_get(user=request.user, pk=pk)
        data = s.AgreementNewVersionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.agreement_new_version(
            agreement=agreement, actor=request.user, change_summary=data.validated_data["change_summary"]
        )
        return Response(_agreement_out(request.user, new.pk), status=status.HTTP_201_CREATED)
