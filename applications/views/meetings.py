"""Pages for PEC meetings: schedule, agenda, votes, decisions, declarations of interest, minutes and pack."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView

from applications import packs, selectors, services
from applications.choices import InterestKind
from applications.constants import PEC_SECRETARY_PERMISSION
from applications.filters import InterestDeclarationFilter, MeetingFilter
from applications.forms import (
    AgendaItemForm,
    DecisionForm,
    InterestEndForm,
    InterestForm,
    ItemInterestForm,
    MeetingForm,
    VoteForm,
)
from applications.views.base import ServiceFormMixin
from pbc import selectors as pbc_selectors
from pbc.mixins import PbcPermissionMixin
from pbc.permissions import can
from pbc.views import FilteredListView


def _home_pct(user):
    pct = pbc_selectors.home_pct(user=user)
    if pct is None:
        raise PermissionDenied("You are not a member of a PCT.")
    return pct


def may_run(user, meeting) -> bool:
    return meeting.chair_id == user.pk or can(user, "applications.manage_meetings", meeting)


class MeetingListView(FilteredListView):
    permission_required = "applications.view_meeting"
    template_name = "applications/meeting_list.html"
    filterset_class = MeetingFilter
    model = MeetingFilter._meta.model

    def get_queryset(self):
        return selectors.meeting_list(user=self.request.user, filters=self.request.GET)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_manage"] = self.request.user.has_perm("applications.manage_meetings")
        return ctx


class MeetingCreateView(PbcPermissionMixin, ServiceFormMixin, FormView):
    permission_required = "applications.manage_meetings"
    template_name = "applications/meeting_form.html"
    form_class = MeetingForm
    success_message = "The meeting was scheduled."

    def get_form_kwargs(self):
        pct = _home_pct(self.request.user)
        return {**super().get_form_kwargs(), "chairs": selectors.pec_members(pct=pct)}

    def perform(self, form):
        d = form.cleaned_data
        meeting = services.meeting_create(
            actor=self.request.user,
            pct=_home_pct(self.request.user),
            starts_at=d["starts_at"],
            chair=d["chair"],
            title=d["title"],
            location=d["location"],
            quorum=d["quorum"],
            notes=d["notes"],
        )
        return redirect("applications:meeting_detail", pk=meeting.pk)


class MeetingDetailView(PbcPermissionMixin, DetailView):
    permission_required = "applications.view_meeting"
    template_name = "applications/meeting_detail.html"
    context_object_name = "meeting"

    def get_object(self, queryset=None):
        return selectors.meeting_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        meeting, user = self.object, self.request.user
        views = [
            selectors.agenda_item_view(item=i, quorum=meeting.quorum)
            for i in selectors.agenda_items(meeting=meeting)
        ]
        ctx["items"] = [
            {
                "view": v,
                "my_conflicts": v.conflicts.get(user.pk, []),
                "my_vote": next((vote for vote in v.item.votes.all() if vote.member_id == user.pk), None),
                "conflicted": list(v.conflicts.values()),
            }
            for v in views
        ]
        ctx["is_chair"] = meeting.chair_id == user.pk
        ctx["can_run"] = may_run(user, meeting)
        ctx["can_vote"] = user.has_perm("applications.decide_application")
        ctx["can_declare"] = user.has_perm("applications.declare_interest")
        if ctx["can_run"] and meeting.is_open:
            ctx["add_form"] = AgendaItemForm(
                candidates=selectors.agenda_candidates(user=user, meeting=meeting)
            )
        ctx["declarations"] = meeting.interest_declarations.select_related("member", "application")
        return ctx


class _ItemMixin:
    """Loads the agenda item (scoped: out of scope is 404) before the form view runs."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perms(self.get_permission_required()):
            self.item = selectors.agenda_item_get(user=request.user, pk=kwargs["pk"])
            self.meeting = self.item.meeting
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["item"] = self.item
        ctx["meeting"] = self.meeting
        ctx["application"] = self.item.application
        return ctx

    def back(self):
        return redirect(f"{self.meeting_url()}#item-{self.item.pk}")

    def meeting_url(self):
        from django.urls import reverse

        return reverse("applications:meeting_detail", kwargs={"pk": self.meeting.pk})


class AgendaItemAddView(PbcPermissionMixin, ServiceFormMixin, FormView):
    permission_required = "applications.view_meeting"
    template_name = "applications/agenda_item_form.html"
    form_class = AgendaItemForm
    success_message = "The application was put on the agenda."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perm(self.permission_required):
            self.meeting = selectors.meeting_get(user=request.user, pk=kwargs["pk"])
            if not may_run(request.user, self.meeting):
                raise PermissionDenied(
                    "Only the meeting's chair or the PCT's commissioning team can set its agenda."
                )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        candidates = selectors.agenda_candidates(user=self.request.user, meeting=self.meeting)
        return {**super().get_form_kwargs(), "candidates": candidates}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "meeting": self.meeting}

    def perform(self, form):
        services.agenda_item_add(
            meeting=self.meeting, application=form.cleaned_data["application"], actor=self.request.user
        )
        return redirect("applications:meeting_detail", pk=self.meeting.pk)


class VoteView(PbcPermissionMixin, _ItemMixin, ServiceFormMixin, FormView):
    permission_required = "applications.decide_application"
    template_name = "applications/vote_form.html"
    form_class = VoteForm
    success_message = "Your vote was recorded."

    def get_initial(self):
        vote = selectors.vote_of(item=self.item, member=self.request.user)
        return {"choice": vote.choice, "comment": vote.comment} if vote else {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["my_conflicts"] = selectors.member_conflicts(
            member=self.request.user, application=self.item.application
        )
        return ctx

    def perform(self, form):
        services.vote_cast(
            item=self.item,
            actor=self.request.user,
            choice=form.cleaned_data["choice"],
            comment=form.cleaned_data["comment"],
        )
        return self.back()


class DecisionView(PbcPermissionMixin, _ItemMixin, ServiceFormMixin, FormView):
    permission_required = "applications.decide_application"
    template_name = "applications/decision_form.html"
    form_class = DecisionForm

    def get(self, request, *args, **kwargs):
        self._chair_only()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._chair_only()
        return super().post(request, *args, **kwargs)

    def _chair_only(self):
        if self.meeting.chair_id != self.request.user.pk:
            raise PermissionDenied("Only the meeting's chair records the PEC's decision.")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["view"] = selectors.agenda_item_view(item=self.item, quorum=self.meeting.quorum)
        ctx["my_conflicts"] = selectors.member_conflicts(
            member=self.request.user, application=self.item.application
        )
        return ctx

    def perform(self, form):
        application = services.agenda_item_decide(
            item=self.item,
            actor=self.request.user,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            self.request,
            f"Decision recorded: {application.reference} is now {application.get_status_display().lower()}.",
        )
        return self.back()


class ItemInterestView(PbcPermissionMixin, _ItemMixin, ServiceFormMixin, FormView):
    permission_required = "applications.declare_interest"
    template_name = "applications/item_interest_form.html"
    form_class = ItemInterestForm
    success_message = "Your interest was recorded: you will not vote on this application."

    def perform(self, form):
        services.interest_declare(
            actor=self.request.user,
            pct=self.meeting.pct,
            kind=InterestKind.APPLICATION,
            description=form.cleaned_data["description"],
            application=self.item.application,
            meeting=self.meeting,
        )
        return self.back()


class MeetingCloseView(PbcPermissionMixin, View):
    permission_required = "applications.view_meeting"
    template_name = "applications/meeting_close.html"

    def _load(self, request, pk):
        meeting = selectors.meeting_get(user=request.user, pk=pk)
        if not may_run(request.user, meeting):
            raise PermissionDenied("Only the meeting's chair or the PCT's commissioning team can close it.")
        return meeting

    def get(self, request, pk):
        from django.shortcuts import render

        meeting = self._load(request, pk)
        undecided = [i for i in selectors.agenda_items(meeting=meeting) if not i.is_decided]
        return render(request, self.template_name, {"meeting": meeting, "undecided": undecided})

    def post(self, request, pk):
        from pbc.exceptions import ApplicationError

        meeting = self._load(request, pk)
        try:
            services.meeting_close(meeting=meeting, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The meeting is closed; its minutes are final.")
        return redirect("applications:meeting_detail", pk=meeting.pk)


class _PdfView(PbcPermissionMixin, View):
    permission_required = "applications.view_meeting"
    kind = ""

    def render(self, meeting) -> bytes:  # pragma: no cover
        raise NotImplementedError

    def get(self, request, pk):
        meeting = selectors.meeting_get(user=request.user, pk=pk)
        response = HttpResponse(self.render(meeting), content_type="application/pdf")
        day = timezone.localtime(meeting.starts_at)
        response["Content-Disposition"] = f'inline; filename="pec-{self.kind}-{day:%Y-%m-%d}.pdf"'
        return response


class MeetingMinutesPdfView(_PdfView):
    kind = "minutes"

    def render(self, meeting):
        return packs.meeting_minutes_pdf(meeting)


class MeetingPackPdfView(_PdfView):
    kind = "pack"

    def render(self, meeting):
        return packs.meeting_pack_pdf(meeting)


class InterestListView(FilteredListView):
    permission_required = "applications.view_interestdeclaration"
    template_name = "applications/interest_list.html"
    filterset_class = InterestDeclarationFilter
    model = InterestDeclarationFilter._meta.model

    def get_queryset(self):
        return selectors.interest_declaration_list(user=self.request.user, filters=self.request.GET)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_declare"] = user.has_perm("applications.declare_interest") or user.has_perm(
            "applications.manage_meetings"
        )
        ctx["can_manage"] = user.has_perm("applications.manage_meetings")
        return ctx


class InterestCreateView(PbcPermissionMixin, ServiceFormMixin, FormView):
    permission_required = "applications.view_interestdeclaration"
    template_name = "applications/interest_form.html"
    form_class = InterestForm
    success_message = "The interest was recorded."

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (
            user.has_perm("applications.declare_interest") or user.has_perm("applications.manage_meetings")
        ):
            raise PermissionDenied("Your role does not declare interests.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        user = self.request.user
        pct = _home_pct(user)
        members = (
            selectors.user_list_with_role(pct=pct, roles=["pec_member", "board_member"])
            if user.has_perm("applications.manage_meetings")
            else None
        )
        practices = pbc_selectors.practice_list(user=user).order_by("code")
        return {**super().get_form_kwargs(), "practices": practices, "members": members}

    def perform(self, form):
        d = form.cleaned_data
        services.interest_declare(
            actor=self.request.user,
            pct=_home_pct(self.request.user),
            member=d.get("member") or self.request.user,
            kind=d["kind"],
            description=d["description"],
            practice=d.get("practice"),
            provider=d.get("provider"),
        )
        return redirect("applications:interest_list")


class InterestEndView(PbcPermissionMixin, ServiceFormMixin, FormView):
    """End a declaration with a reason: the member (once no open agenda covers it) or the PEC secretary."""

    permission_required = "applications.view_interestdeclaration"
    template_name = "applications/interest_end.html"
    form_class = InterestEndForm
    success_message = "The interest is recorded as ended."

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.has_perm(self.permission_required):
            self.declaration = selectors.interest_declaration_get(user=user, pk=kwargs["pk"])
            own = self.declaration.member_id == user.pk and user.has_perm("applications.declare_interest")
            if not (own or user.has_perm(PEC_SECRETARY_PERMISSION)):
                raise PermissionDenied("Only the member or the PEC secretary can end an interest.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["declaration"] = self.declaration
        if self.declaration.ended_at is None:
            ctx["covered"] = selectors.open_agenda_items_covered(declaration=self.declaration)
        ctx["is_own"] = self.declaration.member_id == self.request.user.pk
        return ctx

    def perform(self, form):
        services.interest_end(
            declaration=self.declaration, actor=self.request.user, reason=form.cleaned_data["reason"]
        )
        return redirect("applications:interest_list")
