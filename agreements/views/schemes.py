"""Pages of incentive schemes, achievements with evidence, and the budget rule's year-end facts."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from agreements import incentives, selectors, services
from agreements.filters import IncentiveSchemeFilter, YearEndBudgetPositionFilter
from agreements.forms import (
    AchievementForm,
    BudgetPositionForm,
    SchemeForm,
    SchemeTemplateForm,
    SubstantialActionForm,
)
from agreements.views._common import home_pct, show_errors
from pbc import selectors as pbc_selectors
from pbc.exceptions import ApplicationError
from pbc.fiscal import fy_of
from pbc.mixins import PbcPermissionMixin
from pbc.views import FilteredListView

BLANK_SCHEME = {
    "code": "my-scheme",
    "name": "Incentive scheme",
    "pct": "",
    "year": "2008/09",
    "reference_date": None,
    "components": [],
}


class SchemeListView(FilteredListView):
    permission_required = "agreements.view_incentivescheme"
    template_name = "agreements/scheme_list.html"
    filterset_class = IncentiveSchemeFilter
    model = IncentiveSchemeFilter._meta.model

    def get_queryset(self):
        return selectors.scheme_list(user=self.request.user, filters=self.request.GET)


class SchemeCreateView(PbcPermissionMixin, FormView):
    permission_required = "agreements.add_incentivescheme"
    template_name = "agreements/scheme_form.html"
    form_class = SchemeForm

    def get_initial(self):
        template = self.request.GET.get("template", "")
        try:
            definition = selectors.scheme_template(template) if template else dict(BLANK_SCHEME)
        except KeyError:
            definition = dict(BLANK_SCHEME)
        pct = home_pct(self.request)
        definition["pct"] = pct.name if pct else ""
        return {"definition": definition}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["template_form"] = SchemeTemplateForm(self.request.GET or None)
        ctx["creating"] = True
        return ctx

    def form_valid(self, form):
        pct = home_pct(self.request)
        if pct is None:
            form.add_error(None, "You are not a member of a PCT.")
            return self.form_invalid(form)
        try:
            scheme = services.scheme_create(
                pct=pct, definition=form.cleaned_data["definition"], actor=self.request.user
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"{scheme.name} ({scheme.year}) was configured.")
        return redirect("agreements:scheme_detail", pk=scheme.pk)


class SchemeMixin(PbcPermissionMixin):
    @cached_property
    def scheme(self):
        return selectors.scheme_get(user=self.request.user, pk=self.kwargs["pk"])


class SchemeDetailView(SchemeMixin, TemplateView):
    permission_required = "agreements.view_incentivescheme"
    template_name = "agreements/scheme_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        scheme, user = self.scheme, self.request.user
        ctx["scheme"] = scheme
        ctx["definition"] = scheme.scheme
        ctx["components"] = [_component_view(c) for c in scheme.scheme.components]
        ctx["achievements"] = selectors.achievement_list(user=user).filter(scheme=scheme)
        ctx["sign_ups"] = selectors.lessignup_list(user=user).filter(scheme=scheme)
        ctx["history"] = scheme.history.select_related("history_user").order_by("-history_date")[:20]
        ctx["own_practices"] = (
            pbc_selectors.practice_list(user=user).filter(pct=scheme.pct).order_by("code")
            if scheme.has_sign_up and user.has_perm("agreements.sign_les")
            else []
        )
        return ctx


def _pounds(rate_pence: Decimal) -> str:
    """£0.95, £300.00, or £0.056 for a fractional-penny rate."""
    pounds = Decimal(rate_pence) / 100
    rounded = pounds.quantize(Decimal("0.01"))
    return f"£{rounded:,.2f}" if pounds == rounded else f"£{pounds.normalize():f}"


def _component_view(component) -> dict:
    kind = {
        incentives.PerPatientComponent: "Per registered patient",
        incentives.WeightedOutcomesComponent: "Weighted outcomes",
        incentives.PerActivityComponent: "Per activity",
        incentives.LocalityLevelComponent: "Locality levels",
    }[type(component)]
    if isinstance(component, incentives.PerPatientComponent | incentives.WeightedOutcomesComponent):
        rate = f"{_pounds(component.rate_pence_per_patient)} a patient"
    elif isinstance(component, incentives.PerActivityComponent):
        rate = f"{_pounds(component.rate_pence)} per {component.unit}"
    else:
        rate = (
            "cumulative levels" if component.cumulative else "self-contained levels"
        ) + f", {component.weeks_per_year} weeks"
    return {"component": component, "kind": kind, "rate": rate}


class SchemeEditView(SchemeMixin, FormView):
    permission_required = "agreements.change_incentivescheme"
    template_name = "agreements/scheme_form.html"
    form_class = SchemeForm

    def get_initial(self):
        return {"definition": self.scheme.definition}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["scheme"] = self.scheme
        ctx["settled"] = selectors.scheme_has_settled_payments(self.scheme.pk)
        return ctx

    def form_valid(self, form):
        try:
            scheme = services.scheme_update(
                scheme=self.scheme,
                definition=form.cleaned_data["definition"],
                reason=form.cleaned_data["reason"],
                actor=self.request.user,
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"{scheme.name} is now at revision {scheme.revision}.")
        return redirect("agreements:scheme_detail", pk=scheme.pk)


class SchemeCalculateView(SchemeMixin, TemplateView):
    """Preview every payee's payments under the scheme; saving brings the schedules in line."""

    permission_required = "agreements.add_payment"
    template_name = "agreements/scheme_calculate.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, scheme = self.request.user, self.scheme
        level = self.request.GET.get("level")
        level = int(level) if level and level.isdigit() and int(level) > 0 else None
        ctx["scheme"] = scheme
        ctx["level"] = level
        ctx["calculation"] = selectors.scheme_calculation(
            scheme,
            practices=pbc_selectors.practice_list(user=user).filter(pct=scheme.pct),
            localities=pbc_selectors.locality_list(user=user).filter(pct=scheme.pct),
            level=level,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            rows = services.payment_schedule_calculate_all(scheme=self.scheme, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("agreements:scheme_calculate", pk=self.scheme.pk)
        messages.success(request, f"Payment schedules are up to date: {len(rows)} line(s) calculated.")
        return redirect("agreements:payment_summary", year=self.scheme.start_year)


class AchievementCreateView(SchemeMixin, FormView):
    permission_required = "agreements.add_achievement"
    template_name = "agreements/achievement_form.html"
    form_class = AchievementForm

    def get_form_kwargs(self):
        user, scheme = self.request.user, self.scheme
        return {
            **super().get_form_kwargs(),
            "scheme": scheme,
            "practices": pbc_selectors.practice_list(user=user).filter(pct=scheme.pct).order_by("name"),
            "localities": pbc_selectors.locality_list(user=user).filter(pct=scheme.pct).order_by("name"),
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "scheme": self.scheme}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            achievement = services.achievement_record(
                scheme=self.scheme,
                actor=self.request.user,
                component_code=data["component_code"],
                outcome_code=data["outcome_code"],
                practice=data["practice"],
                locality=data["locality"],
                achieved=data["achieved"],
                count=data["count"],
                level=data["level"],
                evidence_notes=data["evidence_notes"],
                attachments=data["attachments"],
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"Recorded: {achievement}.")
        return redirect("agreements:achievement_detail", pk=achievement.pk)


class AchievementDetailView(PbcPermissionMixin, DetailView):
    permission_required = "agreements.view_achievement"
    template_name = "agreements/achievement_detail.html"
    context_object_name = "achievement"

    def get_object(self, queryset=None):
        return selectors.achievement_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["history"] = self.object.history.select_related("history_user").order_by("-history_date")[:20]
        return ctx


class AttachmentDownloadView(PbcPermissionMixin, View):
    permission_required = "agreements.view_achievement"

    def get(self, request, pk):
        attachment = selectors.attachment_get(user=request.user, pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The file is no longer stored.") from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type or "application/octet-stream",
        )


class BudgetPositionListView(FilteredListView):
    permission_required = "agreements.view_yearendbudgetposition"
    template_name = "agreements/budget_position_list.html"
    filterset_class = YearEndBudgetPositionFilter
    model = YearEndBudgetPositionFilter._meta.model

    def get_queryset(self):
        return selectors.budget_position_list(user=self.request.user, filters=self.request.GET)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["actions"] = selectors.substantial_action_list(user=self.request.user)[:100]
        return ctx


class BudgetPositionCreateView(PbcPermissionMixin, FormView):
    permission_required = "agreements.add_yearendbudgetposition"
    template_name = "agreements/budget_position_form.html"
    form_class = BudgetPositionForm

    def get_form_kwargs(self):
        practices = pbc_selectors.practice_list(user=self.request.user).order_by("code")
        return {**super().get_form_kwargs(), "practices": practices}

    def get_initial(self):
        return {"year": fy_of(timezone.localdate()).previous().label}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            position = services.budget_position_record(
                practice=data["practice"],
                year=data["year"],
                budget_pence=data["budget_pence"],
                outturn_pence=data["outturn_pence"],
                evidence=data["evidence"],
                actor=self.request.user,
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"Recorded: {position}.")
        return redirect("agreements:budget_position_list")


class SubstantialActionCreateView(PbcPermissionMixin, FormView):
    permission_required = "agreements.add_substantialactionagreement"
    template_name = "agreements/substantial_action_form.html"
    form_class = SubstantialActionForm

    def get_form_kwargs(self):
        practices = (
            pbc_selectors.practice_list(user=self.request.user).exclude(locality=None).order_by("code")
        )
        return {**super().get_form_kwargs(), "practices": practices}

    def get_initial(self):
        return {"year": fy_of(timezone.localdate()).previous().label, "agreed_on": timezone.localdate()}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            agreement = services.substantial_action_record(
                practice=data["practice"],
                year=data["year"],
                agreed_on=data["agreed_on"],
                notes=data["notes"],
                actor=self.request.user,
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"Recorded: {agreement}.")
        return redirect("agreements:budget_position_list")
