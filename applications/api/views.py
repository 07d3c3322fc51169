"""The applications API, for other NHS systems that track commissioning decisions.

Reads are scoped like the pages (out of scope is 404). Each state-changing operation is its own view with
its own input and output serializers, and calls a service: an illegal transition answers 409, a role that
may not take the action 403, a PEC member with an interest 403, a decision without quorum 409.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import selectors, services
from applications.api import serializers as s
from applications.choices import WORKFLOW, Action
from applications.filters import (
    AgendaItemFilter,
    ApplicationFilter,
    InterestDeclarationFilter,
    MeetingFilter,
    PracticeCompetencyFilter,
    ReadinessReviewFilter,
)
from applications.models import (
    AgendaItem,
    Application,
    InterestDeclaration,
    Meeting,
    Notification,
    PracticeCompetency,
    ReadinessReview,
)
from pbc import selectors as pbc_selectors
from pbc.api.schema import ERRORS_READ, ERRORS_WRITE
from pbc.exceptions import ApplicationError
from pbc.models import Provider

User = get_user_model()


class MethodPermissionsMixin:
    """``permissions_by_method`` names the capabilities each HTTP method needs (checked by ScopedModelPermissions)."""

    permissions_by_method: dict[str, tuple[str, ...]] = {}

    @property
    def required_permissions(self) -> tuple[str, ...]:
        method = self.request.method
        if method in ("HEAD", "OPTIONS"):
            method = "GET"
        return self.permissions_by_method.get(method, ("applications.view_application",))


def _application_detail(application: Application, user) -> dict:
    application.timeline_rows = list(selectors.transition_list(application=application))
    application.available_actions = _steps(application, user)
    application.attachment_rows = list(application.attachments.order_by("uploaded_at", "pk"))
    return s.ApplicationDetailOutputSerializer(application).data


def _steps(application: Application, user) -> list[dict]:
    steps = [
        step
        for step in WORKFLOW.values()
        if application.status in step.sources and user.has_perm(step.permission)
    ]
    return [
        {
            "action": step.action,
            "label": step.label,
            "reason_required": step.reason_required,
            "reason_label": step.reason_label,
            "at_meeting": step.at_meeting,
        }
        for step in steps
    ]


def _organisations(user, data: dict):
    practices = [
        get_object_or_404(pbc_selectors.practice_list(user=user), code=code.strip().upper())
        for code in data.pop("practices", None) or []
    ]
    code = data.pop("locality", None)
    locality = (
        get_object_or_404(pbc_selectors.locality_list(user=user), code=code.strip().upper()) if code else None
    )
    return practices, locality


def _fields(data: dict) -> dict:
    """Serializer names to model names (money in pence, provider by code)."""
    out = dict(data)
    for name in ("cost", "expected_savings", "management_cost"):
        if name in out:
            out[f"{name}_pence"] = out.pop(name)
    if "provider" in out:
        code = out.pop("provider")
        out["provider"] = get_object_or_404(Provider, code=code.strip().upper()) if code else None
    return out


class ApplicationListApi(MethodPermissionsMixin, GenericAPIView):
    """Applications in your scope (GET, filterable); draft a new one (POST)."""

    permissions_by_method = {
        "GET": ("applications.view_application",),
        "POST": ("applications.submit_application",),
    }
    filterset_class = ApplicationFilter
    queryset = Application.objects.none()
    serializer_class = s.ApplicationOutputSerializer

    def get_queryset(self):
        return selectors.application_list(user=self.request.user).order_by("-created", "-pk")

    @extend_schema(responses={200: s.ApplicationOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.ApplicationOutputSerializer(page, many=True).data)

    @extend_schema(
        request=s.ApplicationInputSerializer,
        responses={201: s.ApplicationDetailOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request):
        data = s.ApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        practices, locality = _organisations(request.user, values)
        title = values.pop("title")
        application = services.application_create(
            actor=request.user, title=title, practices=practices, locality=locality, data=_fields(values)
        )
        application = selectors.application_get(user=request.user, pk=application.pk)
        return Response(_application_detail(application, request.user), status=status.HTTP_201_CREATED)


class ApplicationDetailApi(MethodPermissionsMixin, APIView):
    """One application with its timeline, attachments and the actions you may take (GET); change a draft (PATCH)."""

    permissions_by_method = {
        "GET": ("applications.view_application",),
        "PATCH": ("applications.submit_application",),
    }

    @extend_schema(responses={200: s.ApplicationDetailOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        application = selectors.application_get(user=request.user, pk=pk)
        return Response(_application_detail(application, request.user))

    @extend_schema(
        request=s.ApplicationUpdateSerializer,
        responses={200: s.ApplicationDetailOutputSerializer, **ERRORS_WRITE},
    )
    def patch(self, request, pk: int):
        application = selectors.application_get(user=request.user, pk=pk)
        data = s.ApplicationUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        practices = locality = None
        if "practices" in values or "locality" in values:
            values.setdefault("practices", [p.code for p in application.practices.all()])
            practices, locality = _organisations(request.user, values)
        services.application_update(
            application=application,
            actor=request.user,
            data=_fields(values),
            practices=practices,
            locality=locality,
        )
        application = selectors.application_get(user=request.user, pk=pk)
        return Response(_application_detail(application, request.user))


class ApplicationSubmitApi(MethodPermissionsMixin, APIView):
    """Whether you may submit the application now (GET); submit it (POST)."""

    permissions_by_method = {
        "GET": ("applications.submit_application",),
        "POST": ("applications.submit_application",),
    }

    @extend_schema(responses={200: s.SubmitStatusOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        application = selectors.application_get(user=request.user, pk=pk)
        can_submit = application.status in WORKFLOW[Action.SUBMIT].sources
        return Response({"id": application.pk, "status": application.status, "can_submit": can_submit})

    @extend_schema(request=None, responses={200: s.ApplicationDetailOutputSerializer, **ERRORS_WRITE})
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, pk=pk)
        services.application_submit(application=application, actor=request.user)
        application = selectors.application_get(user=request.user, pk=pk)
        return Response(_application_detail(application, request.user))


class ApplicationTransitionsApi(MethodPermissionsMixin, APIView):
    """The application's timeline and the actions you may take (GET); take an action with a reason (POST).

    PEC decisions (approve, approve with conditions, defer, reject) are recorded on an agenda item:
    ``POST /api/v1/agenda-items/{id}/decision/``.
    """

    permissions_by_method = {
        "GET": ("applications.view_application",),
        "POST": ("applications.view_application",),
    }

    def _payload(self, application, user) -> dict:
        return {
            "status": application.status,
            "timeline": s.TransitionOutputSerializer(
                selectors.transition_list(application=application), many=True
            ).data,
            "available_actions": _steps(application, user),
        }

    @extend_schema(responses={200: s.TransitionsOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        application = selectors.application_get(user=request.user, pk=pk)
        return Response(self._payload(application, request.user))

    @extend_schema(
        request=s.TransitionInputSerializer, responses={200: s.TransitionsOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, pk=pk)
        data = s.TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step = WORKFLOW[data.validated_data["action"]]
        if step.at_meeting:
            raise ApplicationError(
                "PEC decisions are recorded by the meeting's chair on an agenda item: "
                "POST /api/v1/agenda-items/{id}/decision/."
            )
        application = services.application_transition(
            application=application,
            action=step.action,
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(self._payload(application, request.user))


class ApplicationAssessmentsApi(MethodPermissionsMixin, APIView):
    """The application's assessments (GET); record or revise your own assessment (POST)."""

    permissions_by_method = {
        "GET": ("applications.view_assessment",),
        "POST": ("applications.assess_application",),
    }

    @extend_schema(responses={200: s.AssessmentOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, pk: int):
        application = selectors.application_get(user=request.user, pk=pk)
        rows = selectors.assessment_list_scoped(user=request.user, application=application)
        return Response(s.AssessmentOutputSerializer(rows, many=True).data)

    @extend_schema(
        request=s.AssessmentInputSerializer, responses={200: s.AssessmentOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, pk=pk)
        data = s.AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        assessment = services.assessment_save(
            application=application,
            actor=request.user,
            answers={a["criterion"]: (a["answer"], a["comment"]) for a in d["answers"]},
            recommendation=d["recommendation"],
            summary=d["summary"],
            complete=d["complete"],
        )
        out = selectors.assessment_for(application=application, assessor=request.user) or assessment
        return Response(s.AssessmentOutputSerializer(out).data)


def _item_detail(item: AgendaItem, quorum: int) -> AgendaItem:
    view = selectors.agenda_item_view(item=item, quorum=quorum)
    item.vote_rows = list(item.votes.all())
    item.conflicted_members = sorted(decls[0].member.username for decls in view.conflicts.values())
    item.eligible_votes = view.eligible_votes
    item.quorate = view.quorate
    return item


class MeetingListApi(MethodPermissionsMixin, GenericAPIView):
    """PEC meetings of your PCT (GET); schedule one (POST)."""

    permissions_by_method = {"GET": ("applications.view_meeting",), "POST": ("applications.manage_meetings",)}
    filterset_class = MeetingFilter
    queryset = Meeting.objects.none()
    serializer_class = s.MeetingOutputSerializer

    def get_queryset(self):
        return selectors.meeting_list(user=self.request.user)

    @extend_schema(responses={200: s.MeetingOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.MeetingOutputSerializer(page, many=True).data)

    @extend_schema(
        request=s.MeetingInputSerializer, responses={201: s.MeetingOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request):
        data = s.MeetingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        pct = pbc_selectors.home_pct(user=request.user)
        if pct is None:
            raise ApplicationError("You are not a member of a PCT.")
        chair = User.objects.filter(username=d.pop("chair")).first()
        if chair is None:
            raise ApplicationError("No such user.", {"fields": {"chair": ["No user has that username."]}})
        meeting = services.meeting_create(actor=request.user, pct=pct, chair=chair, **d)
        return Response(s.MeetingOutputSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MeetingDetailApi(MethodPermissionsMixin, APIView):
    """A meeting with its agenda, votes, conflicted members and decisions."""

    permissions_by_method = {"GET": ("applications.view_meeting",)}

    @extend_schema(responses={200: s.MeetingDetailOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        meeting = selectors.meeting_get(user=request.user, pk=pk)
        meeting.item_rows = [_item_detail(i, meeting.quorum) for i in selectors.agenda_items(meeting=meeting)]
        return Response(s.MeetingDetailOutputSerializer(meeting).data)


class MeetingAgendaApi(MethodPermissionsMixin, APIView):
    """The meeting's agenda (GET); put an application on it (POST, the chair or the meetings staff)."""

    permissions_by_method = {"GET": ("applications.view_meeting",), "POST": ("applications.view_meeting",)}

    @extend_schema(responses={200: s.AgendaItemOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request, pk: int):
        meeting = selectors.meeting_get(user=request.user, pk=pk)
        return Response(s.AgendaItemOutputSerializer(selectors.agenda_items(meeting=meeting), many=True).data)

    @extend_schema(
        request=s.AgendaItemInputSerializer, responses={201: s.AgendaItemOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk: int):
        meeting = selectors.meeting_get(user=request.user, pk=pk)
        data = s.AgendaItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = selectors.application_get(user=request.user, pk=data.validated_data["application"])
        item = services.agenda_item_add(meeting=meeting, application=application, actor=request.user)
        return Response(s.AgendaItemOutputSerializer(item).data, status=status.HTTP_201_CREATED)


class AgendaItemVotesApi(MethodPermissionsMixin, APIView):
    """Votes on an agenda item, who may not vote and whether it is quorate (GET); cast your vote (POST)."""

    permissions_by_method = {"GET": ("applications.view_vote",), "POST": ("applications.decide_application",)}

    @extend_schema(responses={200: s.AgendaItemDetailOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        item = selectors.agenda_item_get(user=request.user, pk=pk)
        return Response(s.AgendaItemDetailOutputSerializer(_item_detail(item, item.meeting.quorum)).data)

    @extend_schema(
        request=s.VoteInputSerializer, responses={200: s.AgendaItemDetailOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk: int):
        item = selectors.agenda_item_get(user=request.user, pk=pk)
        data = s.VoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.vote_cast(item=item, actor=request.user, **data.validated_data)
        item = selectors.agenda_item_get(user=request.user, pk=pk)
        return Response(s.AgendaItemDetailOutputSerializer(_item_detail(item, item.meeting.quorum)).data)


class AgendaItemDecisionApi(MethodPermissionsMixin, APIView):
    """The PEC's decision on an agenda item (GET); the chair records it (POST)."""

    permissions_by_method = {
        "GET": ("applications.view_agendaitem",),
        "POST": ("applications.decide_application",),
    }

    @extend_schema(responses={200: s.AgendaItemOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        item = selectors.agenda_item_get(user=request.user, pk=pk)
        return Response(s.AgendaItemOutputSerializer(item).data)

    @extend_schema(
        request=s.DecisionInputSerializer, responses={200: s.AgendaItemOutputSerializer, **ERRORS_WRITE}
    )
    def post(self, request, pk: int):
        item = selectors.agenda_item_get(user=request.user, pk=pk)
        data = s.DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.agenda_item_decide(item=item, actor=request.user, **data.validated_data)
        item = selectors.agenda_item_get(user=request.user, pk=pk)
        return Response(s.AgendaItemOutputSerializer(item).data)


class DecisionListApi(MethodPermissionsMixin, GenericAPIView):
    """PEC decisions on applications in your scope, newest first."""

    permissions_by_method = {"GET": ("applications.view_agendaitem",)}
    filterset_class = AgendaItemFilter
    queryset = AgendaItem.objects.none()
    serializer_class = s.AgendaItemOutputSerializer

    def get_queryset(self):
        return selectors.decision_list(user=self.request.user)

    @extend_schema(responses={200: s.AgendaItemOutputSerializer(many=True), **ERRORS_READ})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.AgendaItemOutputSerializer(page, many=True).data)


class _ReadListApi(MethodPermissionsMixin, GenericAPIView):
    """A read-only, paginated list through the view's selector (and FilterSet, where it has one)."""

    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(responses={200: s.InterestDeclarationOutputSerializer(many=True), **ERRORS_READ})
class InterestDeclarationListApi(_ReadListApi):
    """Declarations of interest of PEC and board members in your scope (the register)."""

    permissions_by_method = {"GET": ("applications.view_interestdeclaration",)}
    filterset_class = InterestDeclarationFilter
    queryset = InterestDeclaration.objects.none()
    serializer_class = s.InterestDeclarationOutputSerializer

    def get_queryset(self):
        return selectors.interest_declaration_list(user=self.request.user).order_by("-declared_at", "-pk")


class InterestDeclarationEndApi(MethodPermissionsMixin, APIView):
    """End a declaration, with a reason. 409 while it covers an item on an open meeting's agenda and you are
    the member (it ends once the meeting closes, or by the PEC secretary)."""

    permissions_by_method = {"POST": ("applications.view_interestdeclaration",)}

    @extend_schema(
        request=s.InterestEndInputSerializer,
        responses={200: s.InterestDeclarationOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request, pk: int):
        declaration = selectors.interest_declaration_get(user=request.user, pk=pk)
        data = s.InterestEndInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.interest_end(declaration=declaration, actor=request.user, **data.validated_data)
        out = selectors.interest_declaration_get(user=request.user, pk=pk)
        return Response(s.InterestDeclarationOutputSerializer(out).data)


@extend_schema(responses={200: s.NotificationOutputSerializer(many=True), **ERRORS_READ})
class NotificationListApi(_ReadListApi):
    """Your own notifications about applications, newest first."""

    permissions_by_method = {"GET": ()}
    queryset = Notification.objects.none()
    serializer_class = s.NotificationOutputSerializer

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)


@extend_schema(responses={200: s.ReadinessReviewOutputSerializer(many=True), **ERRORS_READ})
class ReadinessReviewListApi(_ReadListApi):
    """The PCT's Annex 1 readiness self-assessments, each with its RAG rating per area."""

    permissions_by_method = {"GET": ("applications.view_readinessreview",)}
    filterset_class = ReadinessReviewFilter
    queryset = ReadinessReview.objects.none()
    serializer_class = s.ReadinessReviewOutputSerializer

    def get_queryset(self):
        return selectors.readiness_review_list(user=self.request.user).order_by("-review_date", "-pk")


class ReadinessReviewDetailApi(MethodPermissionsMixin, APIView):
    """One readiness self-assessment with its RAG rating, evidence and further actions per Annex 1 area."""

    permissions_by_method = {"GET": ("applications.view_readinessreview",)}

    @extend_schema(responses={200: s.ReadinessReviewOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        review = selectors.readiness_review_get(user=request.user, pk=pk)
        return Response(s.ReadinessReviewOutputSerializer(review).data)


class ReadinessReviewCreateApi(MethodPermissionsMixin, APIView):
    """Record your PCT's self-assessment on a date (PCT staff); one per date, a second answers 409."""

    permissions_by_method = {"POST": ("applications.assess_readiness",)}

    @extend_schema(
        request=s.ReadinessReviewInputSerializer,
        responses={201: s.ReadinessReviewOutputSerializer, **ERRORS_WRITE},
    )
    def post(self, request):
        data = s.ReadinessReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        pct = pbc_selectors.home_pct(user=request.user)
        if pct is None:
            raise ApplicationError("You are not a member of a PCT.")
        review = services.readiness_review_record(
            actor=request.user,
            pct=pct,
            review_date=d["review_date"],
            ratings={r["area"]: (r["rag"], r["evidence"], r["actions"]) for r in d["ratings"]},
            notes=d["notes"],
        )
        review = selectors.readiness_review_get(user=request.user, pk=review.pk)
        return Response(s.ReadinessReviewOutputSerializer(review).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: s.PracticeCompetencyOutputSerializer(many=True), **ERRORS_READ})
class PracticeCompetencyListApi(_ReadListApi):
    """Where the practices in your scope stand on each competency checklist item they were assessed on
    (items never assessed have no row); a practice sees only its own."""

    permissions_by_method = {"GET": ("applications.view_practicecompetency",)}
    filterset_class = PracticeCompetencyFilter
    queryset = PracticeCompetency.objects.none()
    serializer_class = s.PracticeCompetencyOutputSerializer

    def get_queryset(self):
        return selectors.practice_competency_list(user=self.request.user)


class PracticeCompetencyDetailApi(MethodPermissionsMixin, APIView):
    """One practice's standing on one checklist item."""

    permissions_by_method = {"GET": ("applications.view_practicecompetency",)}

    @extend_schema(responses={200: s.PracticeCompetencyOutputSerializer, **ERRORS_READ})
    def get(self, request, pk: int):
        row = selectors.practice_competency_get(user=request.user, pk=pk)
        return Response(s.PracticeCompetencyOutputSerializer(row).data)


class PracticeCompetencyRecordApi(MethodPermissionsMixin, APIView):
    """Record where a practice stands on checklist items (those who assess competencies); answers the
    practice's whole recorded checklist."""

    permissions_by_method = {
        "POST": ("applications.view_practicecompetency", "applications.assess_competency"),
    }

    @extend_schema(
        request=s.PracticeCompetencyRecordInputSerializer,
        responses={200: s.PracticeCompetencyOutputSerializer(many=True), **ERRORS_WRITE},
    )
    def post(self, request):
        data = s.PracticeCompetencyRecordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        code = d["practice"].strip().upper()
        practice = pbc_selectors.practice_list(user=request.user).filter(code=code).first()
        if practice is None:
            message = f"No practice {code} in your scope."
            raise ApplicationError(message, {"fields": {"practice": [message]}})
        services.practice_competency_record(
            actor=request.user,
            practice=practice,
            items={i["item"]: (i["status"], i["evidence"]) for i in d["items"]},
            reviewed_on=d["reviewed_on"],
        )
        rows = selectors.practice_competency_list(user=request.user).filter(practice=practice)
        return Response(s.PracticeCompetencyOutputSerializer(rows, many=True).data)
