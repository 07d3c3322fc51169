"""Pages for notifications, the PCT's readiness self-assessment, practice competencies and decision rules."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView

from applications import selectors, services
from applications.forms import CompetencyForm, DecisionRulesForm, ReadinessForm
from applications.models import DecisionRules
from applications.views.base import ServiceFormMixin
from pbc import selectors as pbc_selectors
from pbc.filters import PracticeFilter
from pbc.fiscal import fy_of
from pbc.mixins import PbcPermissionMixin
from pbc.models import FinancialYear
from pbc.views import FilteredListView


class NotificationListView(PbcPermissionMixin, ListView):
    """The signed-in user's notifications; "mark all read" posts back here."""

    template_name = "applications/notification_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)

    def post(self, request, *args, **kwargs):
        n = services.notifications_mark_read(user=request.user)
        messages.info(request, f"{n} notification{'s' if n != 1 else ''} marked as read.")
        return redirect("applications:notification_list")


class ReadinessListView(PbcPermissionMixin, ListView):
    """The readiness self-assessments and the trend of each Annex 1 area across them."""

    permission_required = "applications.view_readinessreview"
    template_name = "applications/readiness_list.html"

    def get_queryset(self):
        return selectors.readiness_review_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        reviews = sorted(ctx["object_list"], key=lambda r: (r.pct.code, r.review_date))[-8:]
        ctx["trend_reviews"] = reviews
        ctx["trend"] = selectors.readiness_trend(reviews=reviews)
        ctx["can_record"] = self.request.user.has_perm("applications.assess_readiness")
        return ctx


class ReadinessCreateView(PbcPermissionMixin, ServiceFormMixin, FormView):
    permission_required = "applications.assess_readiness"
    template_name = "applications/readiness_form.html"
    form_class = ReadinessForm
    success_message = "The self-assessment was recorded."

    def get_form_kwargs(self):
        previous = selectors.readiness_review_list(user=self.request.user).order_by("-review_date").first()
        return {**super().get_form_kwargs(), "previous": previous}

    def get_initial(self):
        return {"review_date": timezone.localdate()}

    def perform(self, form):
        pct = pbc_selectors.home_pct(user=self.request.user)
        if pct is None:
            raise PermissionDenied("You are not a member of a PCT.")
        review = services.readiness_review_record(
            actor=self.request.user,
            pct=pct,
            review_date=form.cleaned_data["review_date"],
            ratings=form.ratings(),
            notes=form.cleaned_data["notes"],
        )
        return redirect("applications:readiness_detail", pk=review.pk)


class ReadinessDetailView(PbcPermissionMixin, DetailView):
    permission_required = "applications.view_readinessreview"
    template_name = "applications/readiness_detail.html"
    context_object_name = "review"

    def get_object(self, queryset=None):
        return selectors.readiness_review_get(user=self.request.user, pk=self.kwargs["pk"])


class CompetencyListView(FilteredListView):
    permission_required = "applications.view_practicecompetency"
    template_name = "applications/competency_list.html"
    filterset_class = PracticeFilter
    model = PracticeFilter._meta.model

    def get_queryset(self):
        return selectors.competency_practices(user=self.request.user, filters=self.request.GET).order_by(
            "code"
        )


class CompetencyPracticeView(PbcPermissionMixin, ServiceFormMixin, FormView):
    """A practice's competency checklist; those who assess competencies can record it here."""

    permission_required = "applications.view_practicecompetency"
    template_name = "applications/competency_practice.html"
    form_class = CompetencyForm
    success_message = "The checklist was saved."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perm(self.permission_required):
            self.practice = selectors.practice_for_competency(user=request.user, code=kwargs["code"])
            self.checklist = selectors.competency_checklist(practice=self.practice)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("applications.assess_competency"):
            raise PermissionDenied("Your role does not record practice competencies.")
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "checklist": self.checklist}

    def get_initial(self):
        return {"reviewed_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["practice"] = self.practice
        ctx["checklist"] = self.checklist
        ctx["can_record"] = self.request.user.has_perm("applications.assess_competency")
        return ctx

    def perform(self, form):
        services.practice_competency_record(
            actor=self.request.user,
            practice=self.practice,
            items=form.items(),
            reviewed_on=form.cleaned_data["reviewed_on"],
        )
        return redirect("applications:competency_practice", code=self.practice.code)


class DecisionRulesView(PbcPermissionMixin, ServiceFormMixin, FormView):
    """The PCT's ratification threshold and PEC quorum for each year, and the assessment criteria in use."""

    permission_required = "applications.view_decisionrules"
    template_name = "applications/decision_rules.html"
    form_class = DecisionRulesForm
    success_message = "The decision rules were saved."

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("applications.configure_decisions"):
            raise PermissionDenied("Your role does not set decision rules.")
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        pct = pbc_selectors.home_pct(user=self.request.user)
        year = fy_of(timezone.localdate())
        row = FinancialYear.objects.filter(start_year=year.start_year).first()
        rules = selectors.decision_rules_for(pct=pct, year=row) if pct and row else DecisionRules()
        return {
            "year": year.label,
            "ratification_threshold_pence": rules.ratification_threshold_pence,
            "pec_quorum": rules.pec_quorum,
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["rules"] = selectors.decision_rules_list(user=user)
        pct = pbc_selectors.home_pct(user=user)
        year = FinancialYear.objects.filter(start_year=fy_of(timezone.localdate()).start_year).first()
        ctx["criteria_set"] = selectors.criteria_set_for(pct=pct, year=year) if pct and year else None
        ctx["can_configure"] = user.has_perm("applications.configure_decisions")
        return ctx

    def perform(self, form):
        pct = pbc_selectors.home_pct(user=self.request.user)
        if pct is None:
            raise PermissionDenied("You are not a member of a PCT.")
        year, _ = FinancialYear.objects.get_or_create(start_year=form.cleaned_data["year"].start_year)
        services.decision_rules_set(
            actor=self.request.user,
            pct=pct,
            year=year,
            ratification_threshold_pence=form.cleaned_data["ratification_threshold_pence"],
            pec_quorum=form.cleaned_data["pec_quorum"],
        )
        return redirect("applications:decision_rules")
