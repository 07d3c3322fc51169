from django import forms

from activity.validation.choices import ChallengeOutcome, ChallengeReason
from activity.validation.filters import MonthField


class ChallengeForm(forms.Form):
    reason = forms.ChoiceField(choices=ChallengeReason.choices)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000,
        help_text="What your records show (no patient names or NHS numbers).",
    )  # fmt: skip


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=ChallengeOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, help_text="Shown to the practice."
    )


class ValidationReturnForm(forms.Form):
    practice = forms.ModelChoiceField(queryset=None, to_field_name="code", empty_label=None)
    month = MonthField(label="Month (YYYY-MM)", widget=forms.TextInput(attrs={"placeholder": "2007-05"}))
    note = forms.CharField(required=False, max_length=4000, label="Note (optional)")

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices
        self.fields["practice"].label_from_instance = lambda p: f"{p.code} {p.name}"


class MonthCloseForm(forms.Form):
    month = MonthField(label="Month (YYYY-MM)")
