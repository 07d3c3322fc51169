"""The high-cost patients page: a practice's top patients of the year with their lines, and how concentrated
each practice's cost is (the PCT view)."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.views.generic import TemplateView

from activity import patients
from pbc.forms import FinancialYearFilter
from pbc.mixins import PbcPermissionMixin
from pbc.selectors import practice_get


class HighCostFilter(FinancialYearFilter):
    practice = forms.CharField(required=False, max_length=10, label="Practice code")
    by = forms.ChoiceField(
        choices=[("cost", "Cost"), ("admissions", "Admissions"), ("attendances", "Attendances")],
        required=False,
    )


class HighCostPatientView(PbcPermissionMixin, TemplateView):
    permission_required = "activity.view_activityline"
    template_name = "activity/high_cost_patients.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = HighCostFilter(self.request.GET)
        ctx["form"] = form
        if not form.is_valid():
            return ctx
        year, user = form.cleaned_data["financial_year"], self.request.user
        ctx["year"] = year
        ctx["concentration"] = patients.cost_concentration(user=user, year=year)
        code = (form.cleaned_data.get("practice") or "").upper()
        if not code and len(ctx["concentration"]) == 1:
            code = ctx["concentration"][0]["practice"]  # a practice's own people see their practice at once
        if code:
            try:
                practice = practice_get(user=user, code=code)
            except Http404:
                form.add_error("practice", f"No practice {code} in your scope.")
                return ctx
            ctx["practice"] = practice
            ctx["patients"] = patients.high_cost_patients(
                user=user, practice_code=practice.code, year=year, by=form.cleaned_data.get("by") or "cost"
            )
        return ctx
