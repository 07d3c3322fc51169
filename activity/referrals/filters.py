"""The one filter of referral rates: pages and the API read their query parameters through it."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from activity.referrals.choices import SourceGroup
from pbc.fiscal import FinancialYear as FY
from pbc.fiscal import fy_of


class ReferralRateFilter(forms.Form):
    financial_year = forms.RegexField(
        regex=r"^\d{4}/\d{2}$", required=False, label="Financial year", help_text="e.g. 2003/04"
    )
    practice = forms.CharField(required=False, max_length=10, label="Practice code")
    specialty = forms.RegexField(
        regex=r"^[0-9A-Za-z&]{1,3}$", required=False, label="Specialty (treatment function code)"
    )
    source = forms.ChoiceField(choices=[("", "GP and other"), *SourceGroup.choices], required=False)

    def clean_financial_year(self) -> FY:
        value = self.cleaned_data.get("financial_year")
        if not value:
            return fy_of(timezone.localdate())
        try:
            return FY.parse(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def query(self) -> dict:
        """The selector's keyword arguments (call after ``is_valid()``)."""
        data = self.cleaned_data
        return {
            "year": data["financial_year"],
            "practice": data.get("practice") or None,
            "specialty": data.get("specialty") or None,
            "source": data.get("source") or None,
        }
