"""The one filter of referral rates: pages and the API read their query parameters through it."""

from __future__ import annotations

from django import forms

from activity.referrals.choices import SourceGroup
from pbc.forms import FinancialYearFilter


class ReferralRateFilter(FinancialYearFilter):
    practice = forms.CharField(required=False, max_length=10, label="Practice code")
    specialty = forms.RegexField(
        regex=r"^[0-9A-Za-z&]{1,3}$", required=False, label="Specialty (treatment function code)"
    )
    source = forms.ChoiceField(choices=[("", "GP and other"), *SourceGroup.choices], required=False)

    def query(self) -> dict:
        """The selector's keyword arguments (call after ``is_valid()``)."""
        data = self.cleaned_data
        return {
            "year": data["financial_year"],
            "practice": data.get("practice") or None,
            "specialty": data.get("specialty") or None,
            "source": data.get("source") or None,
        }
