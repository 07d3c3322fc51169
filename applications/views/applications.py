"""Pages for applications: list, draft, edit, read (with timeline), workflow actions, attachments, assessment."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView

from applications import selectors, services
from applications.choices import WORKFLOW, ApplicationStatus
from applications.filters import ApplicationFilter
from applications.forms import ApplicationForm, AssessmentForm, AttachmentForm, TransitionForm, initial_from
from applications.views.base import ServiceFormMixin
from pbc import selectors as pbc_selectors
from pbc.mixins import PbcPermissionMixin
from pbc.permissions import user_scope
from pbc.views import FilteredListView


class ApplicationListView(FilteredListView):
    permission_required = "applications.view_application"
    template_name = "applications/application_list.html"
    filterset_class = ApplicationFilter
    model = ApplicationFilter._meta.model

    def get_queryset(self):
        return selectors.application_list(user=self.request.user, filters=self.request.GET)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_apply"] = self.request.user.has_perm("applications.submit_application")
        return ctx


class _ApplicationFormMixin(ServiceFormMixin):
    form_class = ApplicationForm
    template_name = "applications/application_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        user = self.request.user
        kwargs["practices"] = pbc_selectors.practice_list(user=user).order_by("code")
        kwargs["localities"] = pbc_selectors.locality_list(user=user).order_by("code")
        scope = user_scope(user)
        kwargs["allow_locality"] = bool(scope.everything or scope.pct_ids or scope.locality_ids)
        return kwargs


class ApplicationCreateView(PbcPermissionMixin, _ApplicationFormMixin, FormView):
    permission_required = "applications.submit_application"
    success_message = "Your draft was saved. Submit it when it is complete."

    def perform(self, form):
        application = services.application_create(
            actor=self.request.user,
            title=form.cleaned_data["title"],
            practices=form.cleaned_data["practices"],
            locality=form.cleaned_data.get("locality"),
            data=form.service_data(),
        )
        return redirect("applications:application_detail", pk=application.pk)


class ApplicationUpdateView(PbcPermissionMixin, _ApplicationFormMixin, FormView):
    permission_required = "applications.submit_application"
    success_message = "Your draft was saved."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perm(self.permission_required):
            self.application = selectors.application_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return initial_from(self.application)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["application"] = self.application
        return ctx

    def perform(self, form):
        data = form.service_data()
        data["title"] = form.cleaned_data["title"]
        services.application_update(
            application=self.application,
            actor=self.request.user,
            data=data,
            practices=form.cleaned_data["practices"],
            locality=form.cleaned_data.get("locality"),
        )
        return redirect("applications:application_detail", pk=self.application.pk)


class ApplicationDetailView(PbcPermissionMixin, DetailView):
    permission_required = "applications.view_application"
    template_name = "applications/application_detail.html"
    context_object_name = "application"

    def get_object(self, queryset=None):
        return selectors.application_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        application, user = self.object, self.request.user
        ctx["steps"] = selectors.steps_for(application=application, user=user)
        ctx["timeline"] = selectors.application_timeline(application=application)
        ctx["assessments"] = selectors.assessment_list(application=application)
        ctx["agenda_items"] = selectors.applications_on_agenda(application=application)
        ctx["attachments"] = application.attachments.order_by("uploaded_at", "pk")
        ctx["practices"] = list(application.practices.all())
        ctx["can_edit"] = application.is_draft and user.has_perm("applications.submit_application")
        ctx["can_attach"] = user.has_perm("applications.add_attachment")
        ctx["can_assess"] = application.status == ApplicationStatus.UNDER_ASSESSMENT and user.has_perm(
            "applications.assess_application"
        )
        ctx["can_view_meetings"] = user.has_perm("applications.view_meeting")
        return ctx


class ApplicationTransitionView(PbcPermissionMixin, ServiceFormMixin, FormView):
    """Confirm one workflow action (with its reason, where the table requires one) and take it."""

    template_name = "applications/application_transition.html"
    form_class = TransitionForm

    def dispatch(self, request, *args, **kwargs):
        self.step = WORKFLOW.get(kwargs["action"])
        if self.step is None or self.step.at_meeting:
            raise Http404("No such action.")
        return super().dispatch(request, *args, **kwargs)

    def get_permission_required(self):
        return (self.step.permission,)

    def get(self, request, *args, **kwargs):
        self.application = selectors.application_get(user=request.user, pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.application = selectors.application_get(user=request.user, pk=kwargs["pk"])
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "step": self.step}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["application"] = self.application
        ctx["step"] = self.step
        ctx["available"] = self.application.status in self.step.sources
        return ctx

    def perform(self, form):
        application = services.application_transition(
            application=self.application,
            action=self.step.action,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            self.request,
            f"{application.reference}: {self.step.label}. It is now {application.get_status_display().lower()}.",
        )
        return redirect("applications:application_detail", pk=application.pk)


class AttachmentCreateView(PbcPermissionMixin, ServiceFormMixin, FormView):
    permission_required = "applications.add_attachment"
    template_name = "applications/attachment_form.html"
    form_class = AttachmentForm
    success_message = "The document was attached."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perm(self.permission_required):
            self.application = selectors.application_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "application": self.application}

    def perform(self, form):
        services.attachment_add(
            application=self.application,
            actor=self.request.user,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
        return redirect("applications:application_detail", pk=self.application.pk)


class AttachmentDownloadView(PbcPermissionMixin, View):
    """Serve an attachment from private storage, only to users who can see its application."""

    permission_required = "applications.view_attachment"

    def get(self, request, pk):
        attachment = selectors.attachment_get(user=request.user, pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The file is missing from storage.") from exc
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response


class AssessmentEditView(PbcPermissionMixin, ServiceFormMixin, FormView):
    """The signed-in assessor's own assessment of an application against the PCT's criteria."""

    permission_required = "applications.assess_application"
    template_name = "applications/assessment_form.html"
    form_class = AssessmentForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perm(self.permission_required):
            self.application = selectors.application_get(user=request.user, pk=kwargs["pk"])
            self.assessment = selectors.assessment_for(application=self.application, assessor=request.user)
            self.criteria_set = (
                self.assessment.criteria_set
                if self.assessment
                else selectors.criteria_set_for(pct=self.application.pct, year=self.application.year)
            )
            if self.criteria_set is None:
                self.criteria_set = services.criteria_set_ensure(
                    pct=self.application.pct, year=self.application.year, actor=request.user
                )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "criteria": self.criteria_set.criteria.all()}

    def get_initial(self):
        if not self.assessment:
            return {}
        initial = {
            "recommendation": self.assessment.recommendation,
            "summary": self.assessment.summary,
            "complete": self.assessment.status == "completed",
        }
        for answer in self.assessment.answers.all():
            initial[f"answer_{answer.criterion.code}"] = answer.answer
            initial[f"comment_{answer.criterion.code}"] = answer.comment
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["application"] = self.application
        ctx["criteria_set"] = self.criteria_set
        ctx["open"] = self.application.status == ApplicationStatus.UNDER_ASSESSMENT
        return ctx

    def perform(self, form):
        assessment = services.assessment_save(
            application=self.application,
            actor=self.request.user,
            answers=form.answers(),
            recommendation=form.cleaned_data["recommendation"],
            summary=form.cleaned_data["summary"],
            complete=form.cleaned_data["complete"],
        )
        messages.success(
            self.request,
            "Your assessment is complete."
            if assessment.status == "completed"
            else "Your assessment was saved.",
        )
        return redirect(
            reverse("applications:application_detail", kwargs={"pk": self.application.pk}) + "#assessments"
        )
