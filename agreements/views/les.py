"""Pages of the LES sign-up sheet and the year-end declarations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import DetailView, FormView

from agreements import selectors, services
from agreements.filters import LesSignUpFilter
from agreements.forms import DeclarationForm, LesSignUpForm
from agreements.views._common import show_errors
from pbc import selectors as pbc_selectors
from pbc.exceptions import ApplicationError
from pbc.mixins import PbcPermissionMixin
from pbc.views import FilteredListView


class SignUpListView(FilteredListView):
    permission_required = "agreements.view_lessignup"
    template_name = "agreements/signup_list.html"
    filterset_class = LesSignUpFilter
    model = LesSignUpFilter._meta.model

    def get_queryset(self):
        return selectors.lessignup_list(user=self.request.user, filters=self.request.GET)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["own_practices"] = (
            pbc_selectors.practice_list(user=user).order_by("code")
            if user.has_perm("agreements.sign_les")
            else []
        )
        return ctx


class SignUpCreateView(PbcPermissionMixin, FormView):
    """The signature sheet: practice, locality joined, the lead who signs, every GP, hours and date."""

    permission_required = "agreements.sign_les"
    template_name = "agreements/signup_create.html"
    form_class = LesSignUpForm

    @cached_property
    def practice(self):
        return pbc_selectors.practice_get(user=self.request.user, code=self.kwargs["code"])

    def get_form_kwargs(self):
        self.schemes = selectors.schemes_with_sign_up(user=self.request.user, practice=self.practice)
        self.gps = selectors.current_gps(practice=self.practice, on=timezone.localdate())
        return {**super().get_form_kwargs(), "schemes": self.schemes, "gps": self.gps}

    def get_initial(self):
        user = self.request.user
        return {"lead_name": user.get_full_name() or user.username, "gps": [gp.pk for gp in self.gps]}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["practice"] = self.practice
        ctx["schemes"] = self.schemes
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            sign_up = services.les_sign_up(
                scheme=data["scheme"],
                practice=self.practice,
                actor=self.request.user,
                lead_name=data["lead_name"],
                lead_role=data["lead_role"],
                gp_ids=data["gps"],
                signed_on=data["signed_on"],
                hours_per_gp_per_month=data["hours_per_gp_per_month"],
                contact_number=data["contact_number"],
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"{self.practice.name} signed up to {sign_up.scheme.name}.")
        return redirect("agreements:signup_detail", pk=sign_up.pk)


class SignUpDetailView(PbcPermissionMixin, DetailView):
    permission_required = "agreements.view_lessignup"
    template_name = "agreements/signup_detail.html"
    context_object_name = "sign_up"

    def get_object(self, queryset=None):
        return selectors.lessignup_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sign_up = self.object
        ctx["gps"] = list(sign_up.gps.all())
        ctx["declared"] = any(row.declared_on for row in ctx["gps"])
        ctx["payments"] = selectors.payment_list(user=self.request.user).filter(
            scheme=sign_up.scheme, practice=sign_up.practice
        )
        return ctx


class SignUpDeclareView(PbcPermissionMixin, FormView):
    permission_required = "agreements.sign_les"
    template_name = "agreements/signup_declare.html"
    form_class = DeclarationForm

    @cached_property
    def sign_up(self):
        return selectors.lessignup_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "rows": list(self.sign_up.gps.all())}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "sign_up": self.sign_up}

    def form_valid(self, form):
        try:
            services.les_declaration_record(
                sign_up=self.sign_up,
                actor=self.request.user,
                declarations=form.declarations(),
                declared_on=form.cleaned_data["declared_on"],
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, "The year-end declaration was recorded.")
        return redirect("agreements:signup_detail", pk=self.sign_up.pk)
