"""Forms of the budgets app: budget versions, adjustments, need weights, what-if, categories."""

from decimal import Decimal, InvalidOperation

from django import forms

from activity.extract_schema import PODS
from budgets.choices import Phasing, RiskMode, ShareBasis, UnattributedTreatment
from pbc.forms import PoundsField, YearChoiceField
from pbc.models import FinancialYear


class MonthField(forms.DateField):
    """A month (``YYYY-MM``), cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m", "%Y-%m-%d"], **kwargs)

    def clean(self, value):
        day = super().clean(value)
        return day.replace(day=1) if day else day


def _parse_by_category(text: str) -> dict[str, str]:
    """``NEL=4.5, OPFA=2`` → {"NEL": "4.5", "OPFA": "2"}."""
    result: dict[str, str] = {}
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        code, sep, value = part.partition("=")
        if not sep:
            raise forms.ValidationError(
                f"Write each as CATEGORY=percent, e.g. NEL=4.5 (not '{part.strip()}')."
            )
        try:
            number = Decimal(value.strip())
        except InvalidOperation as exc:
            raise forms.ValidationError(f"'{value.strip()}' is not a number.") from exc
        result[code.strip().upper()] = f"{number.normalize():f}"
    return result


def by_category_text(mapping: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in (mapping or {}).items())


class BudgetSetForm(forms.Form):
    year = YearChoiceField(
        queryset=FinancialYear.objects.all(), label="Target financial year", empty_label=None
    )
    label = forms.CharField(label="Name of this version", max_length=200, required=False)
    baseline_start = MonthField(label="Baseline from (month)", help_text="e.g. 2003-04 activity: 2003-04.")
    baseline_end = MonthField(
        label="Baseline to (month, inclusive)",
        help_text="Hertfordshire 2007/08: October 2005 to September 2006.",
    )
    base_list_date = forms.DateField(
        label="Date of the base-period list",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Blank: the list at the start of the baseline.",
    )
    resource = PoundsField(
        label="PCT resource for these budgets (£)",
        required=False,
        help_text="Budgets and central holdings are scaled down to fit it. Blank: no cap.",
    )
    uplift_pct = forms.DecimalField(label="Uplift %", max_digits=7, decimal_places=3, initial=Decimal(0))
    uplift_by_category = forms.CharField(
        label="Uplift % by category",
        required=False,
        help_text="Overrides for some categories, e.g. NEL=4.5, OPFA=2.",
    )
    list_size_adjustment = forms.BooleanField(
        label="Adjust for list-size change (list at 1 April of the target year vs the base period)",
        required=False,
        initial=True,
    )
    pace_of_change_pct = forms.DecimalField(
        label="Pace of change towards fair shares (% of the gap closed this year)",
        max_digits=7,
        decimal_places=3,
        min_value=0,
        max_value=100,
        initial=Decimal(0),
    )
    pace_by_category = forms.CharField(label="Pace % by category", required=False)
    risk_mode = forms.ChoiceField(label="Risk pool", choices=RiskMode.choices)
    risk_top_slice_pct = forms.DecimalField(
        label="Top-slice %", max_digits=7, decimal_places=3, min_value=0, max_value=100, initial=Decimal(0)
    )
    risk_threshold = PoundsField(label="High-cost spell threshold (£)", required=False)
    unattributed = forms.ChoiceField(
        label="Activity with no valid practice code", choices=UnattributedTreatment.choices
    )
    unattributed_share_basis = forms.ChoiceField(label="Shared pro rata", choices=ShareBasis.choices)
    phasing = forms.ChoiceField(label="Monthly phasing", choices=Phasing.choices, initial=Phasing.SEASONAL)
    rag_green_max_pct = forms.DecimalField(
        label="Green up to (% over YTD budget)", max_digits=5, decimal_places=1, initial=Decimal("0.0")
    )
    rag_amber_max_pct = forms.DecimalField(
        label="Amber up to (% over YTD budget)", max_digits=5, decimal_places=1, initial=Decimal("5.0")
    )
    reason = forms.CharField(
        label="Reason for this version",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the year's budgets have already been published.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["year"]
            del self.fields["reason"]

    def clean_uplift_by_category(self):
        return _parse_by_category(self.cleaned_data.get("uplift_by_category", ""))

    def clean_pace_by_category(self):
        return _parse_by_category(self.cleaned_data.get("pace_by_category", ""))

    def parameters(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("year", None)
        data.pop("reason", None)
        data["resource_pence"] = data.pop("resource")
        data["risk_threshold_pence"] = data.pop("risk_threshold")
        return data

    @staticmethod
    def initial_from(budget_set) -> dict:
        return {
            "label": budget_set.label,
            "baseline_start": budget_set.baseline_start,
            "baseline_end": budget_set.baseline_end,
            "base_list_date": budget_set.base_list_date,
            "resource": "" if budget_set.resource_pence is None else f"{budget_set.resource_pence / 100:.2f}",
            "uplift_pct": budget_set.uplift_pct,
            "uplift_by_category": by_category_text(budget_set.uplift_by_category),
            "list_size_adjustment": budget_set.list_size_adjustment,
            "pace_of_change_pct": budget_set.pace_of_change_pct,
            "pace_by_category": by_category_text(budget_set.pace_by_category),
            "risk_mode": budget_set.risk_mode,
            "risk_top_slice_pct": budget_set.risk_top_slice_pct,
            "risk_threshold": ""
            if budget_set.risk_threshold_pence is None
            else f"{budget_set.risk_threshold_pence / 100:.2f}",
            "unattributed": budget_set.unattributed,
            "unattributed_share_basis": budget_set.unattributed_share_basis,
            "phasing": budget_set.phasing,
            "rag_green_max_pct": budget_set.rag_green_max_pct,
            "rag_amber_max_pct": budget_set.rag_amber_max_pct,
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label="Note (optional)", required=False, max_length=2000)


class AdjustmentForm(forms.Form):
    practice = forms.CharField(label="Practice code", max_length=6)
    category = forms.CharField(label="Category", max_length=10)
    amount = PoundsField(
        label="Amount (£)", allow_negative=True, help_text="Negative takes money out (a service moved out)."
    )
    reason = forms.CharField(label="Reason", max_length=300)


class NeedWeightsForm(forms.Form):
    file = forms.FileField(
        label="Need weights (CSV)",
        help_text="Two columns: practice code and need weight (1 = average need); a header row is optional.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("A need weights file is at most 2 MB.")
        return upload


class WhatIfForm(forms.Form):
    uplift_pct = forms.DecimalField(
        label="Uplift % (all categories)", max_digits=7, decimal_places=3, required=False
    )
    pace_of_change_pct = forms.DecimalField(
        label="Pace of change %", max_digits=7, decimal_places=3, min_value=0, max_value=100, required=False
    )
    risk_top_slice_pct = forms.DecimalField(
        label="Risk top-slice %", max_digits=7, decimal_places=3, min_value=0, max_value=100, required=False
    )


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in (text or "").replace(";", ",").split(",") if c.strip()]


class CategoryForm(forms.Form):
    year = YearChoiceField(queryset=FinancialYear.objects.all(), label="Financial year", empty_label=None)
    code = forms.CharField(label="Code", max_length=10, help_text="e.g. DERM")
    name = forms.CharField(label="Name", max_length=100)
    pods = forms.MultipleChoiceField(
        label="Points of delivery",
        choices=[(p, p) for p in PODS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a specialty area, leave blank to take the specialty in every POD.",
    )
    tretspefs = forms.CharField(
        label="Treatment functions",
        required=False,
        help_text="e.g. 330 (dermatology); commas between several.",
    )
    devolved = forms.BooleanField(
        label="Devolved to practices (otherwise held at locality/consortium level)",
        required=False,
        initial=True,
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["year"]
            del self.fields["code"]

    def clean_tretspefs(self):
        return _codes(self.cleaned_data.get("tretspefs", ""))
