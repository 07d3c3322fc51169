"""Forms of the agreements pages. They declare and clean fields; services decide and save."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from agreements.choices import AgreementAction, LesLeadRole, PartyKind
from agreements.constants import LES_MIN_HOURS_PER_GP_PER_MONTH, SCHEME_TEMPLATES
from agreements.models import Agreement
from pbc.fiscal import FinancialYear
from pbc.forms import PoundsField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FinancialYearField(forms.CharField):
    """A financial year written like 2007/08."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Like 2007/08")
        kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": 7, "size": 8}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return FinancialYear.parse(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


# --- agreements -------------------------------------------------------------------------------------


class AgreementForm(forms.ModelForm):
    """The agreement's header (title, locality, dates)."""

    class Meta:
        model = Agreement
        fields = ["title", "locality", "start_date", "end_date", "review_date", "notice_period_days"]
        widgets = {"start_date": DATE, "end_date": DATE, "review_date": DATE}
        labels = {"notice_period_days": "Notice period (days)"}

    def __init__(self, *args, localities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = (
            localities if localities is not None else self.fields["locality"].queryset.none()
        )
        self.fields["locality"].required = False
        self.fields["locality"].help_text = "The locality the agreement is with, if any."

    def clean(self):
        # Rules that cross fields are the model's and the service's; nothing is saved here.
        return self.cleaned_data

    def validate_unique(self):
        pass

    def _post_clean(self):
        pass


class AgreementCreateForm(AgreementForm):
    pct_lead_name = forms.CharField(
        label="PCT's named lead",
        max_length=200,
        help_text="Who signs for the PCT (you, unless you name someone).",
    )


class SectionsForm(forms.Form):
    """One text box per section of the ten-section template, with its guidance."""

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        for section in sections:
            self.fields[f"section_{section.number}"] = forms.CharField(
                label=f"{section.number}. {section.title}",
                help_text=section.guidance,
                required=False,
                initial=section.body,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def bodies(self) -> dict[int, str]:
        return {int(name.split("_")[1]): value for name, value in self.cleaned_data.items()}


class ObjectiveForm(forms.Form):
    objective = forms.CharField(max_length=500)
    measure = forms.CharField(max_length=500, label="Measured by")
    target = forms.CharField(max_length=300)
    due_date = forms.DateField(label="By", widget=DATE)


ObjectiveFormSet = forms.formset_factory(ObjectiveForm, extra=2, can_delete=True)


def objectives_from(formset) -> list[dict]:
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class PartyForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of party", choices=[c for c in PartyKind.choices if c[0] != PartyKind.PCT]
    )
    locality = forms.ModelChoiceField(queryset=None, required=False)
    practice = forms.ModelChoiceField(queryset=None, required=False)
    provider = forms.ModelChoiceField(queryset=None, required=False)
    lead_name = forms.CharField(label="Named lead", max_length=200)
    lead_role = forms.CharField(label="Lead's role", max_length=200, required=False)
    lead_username = forms.CharField(
        label="Lead's user name (optional)",
        max_length=150,
        required=False,
        help_text="When given, only this person can sign for the party.",
    )

    def __init__(self, *args, localities, practices, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = localities
        self.fields["practice"].queryset = practices
        self.fields["provider"].queryset = providers

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and not data.get(kind):
            self.add_error(kind, f"Choose the {PartyKind(kind).label.lower()}.")
        username = (data.get("lead_username") or "").strip()
        data["lead_user"] = None
        if username:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                self.add_error("lead_username", "No active user has this user name.")
            data["lead_user"] = user
        return data

    @property
    def organisation(self):
        return self.cleaned_data.get(self.cleaned_data["kind"])


class TransitionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    given_on = forms.DateField(label="Notice given on", widget=DATE, required=False)
    next_review_date = forms.DateField(label="Next review date", widget=DATE, required=False)

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        if action != AgreementAction.GIVE_NOTICE:
            del self.fields["given_on"]
        else:
            self.fields["given_on"].required = True
            self.fields["given_on"].initial = timezone.localdate()
        if action != AgreementAction.COMPLETE_REVIEW:
            del self.fields["next_review_date"]
        if action in (AgreementAction.WITHDRAW, AgreementAction.GIVE_NOTICE):
            self.fields["reason"].required = True


class NewVersionForm(forms.Form):
    change_summary = forms.CharField(
        label="What the new version changes, and why", widget=forms.Textarea(attrs={"rows": 4})
    )


class SignForm(forms.Form):
    party = forms.ChoiceField(label="Signing for")
    signatory_name = forms.CharField(label="Your name", max_length=200)
    confirm = forms.BooleanField(
        label="I agree to this version of the agreement on behalf of the party I sign for."
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(p.pk, f"{p.organisation} ({p.get_kind_display()})") for p in parties]
        self.parties = {str(p.pk): p for p in parties}

    def clean_party(self):
        return self.parties[self.cleaned_data["party"]]


# --- LES --------------------------------------------------------------------------------------------


class LesSignUpForm(forms.Form):
    scheme = forms.ChoiceField(label="Local enhanced service")
    lead_name = forms.CharField(label="Practice manager or PBC lead", max_length=200)
    lead_role = forms.ChoiceField(label="Signing as", choices=LesLeadRole.choices)
    gps = forms.MultipleChoiceField(
        label="GPs signing up",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Every GP of the practice signs up and commits the time.",
    )
    hours_per_gp_per_month = forms.IntegerField(
        label="Hours per GP per month",
        initial=LES_MIN_HOURS_PER_GP_PER_MONTH,
        max_value=24 * 31,  # there are no more hours in a month
        help_text=f"At least {LES_MIN_HOURS_PER_GP_PER_MONTH}.",
    )
    contact_number = forms.CharField(max_length=30, required=False)
    signed_on = forms.DateField(label="Date", widget=DATE)

    def __init__(self, *args, schemes, gps, **kwargs):
        super().__init__(*args, **kwargs)
        self.schemes = {str(s.pk): s for s in schemes}
        self.fields["scheme"].choices = [(s.pk, str(s)) for s in schemes]
        self.fields["gps"].choices = [(gp.pk, f"{gp.name} ({gp.get_role_display()})") for gp in gps]
        self.fields["signed_on"].initial = timezone.localdate()

    def clean_scheme(self):
        return self.schemes[self.cleaned_data["scheme"]]

    def clean_gps(self):
        return [int(pk) for pk in self.cleaned_data["gps"]]


class DeclarationForm(forms.Form):
    declared_on = forms.DateField(label="Date", widget=DATE)

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declared_on"].initial = timezone.localdate()
        self.rows = rows
        for row in rows:
            self.fields[f"gp_{row.gp_id}"] = forms.BooleanField(
                label=f"{row.gp_name} dedicated at least the committed hours a month to PBC", required=False
            )

    def declarations(self) -> dict[int, bool]:
        return {row.gp_id: self.cleaned_data.get(f"gp_{row.gp_id}", False) for row in self.rows}


# --- schemes ----------------------------------------------------------------------------------------


class JsonField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 24, "class": "font-monospace", "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, dict | list):
            return json.dumps(value, indent=2, ensure_ascii=False)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"This is not valid JSON: {exc.msg} at line {exc.lineno}.") from exc


class SchemeForm(forms.Form):
    definition = JsonField(
        label="Scheme definition (components as JSON)",
        help_text=(
            "The scheme's code, name, year (like 2007/08), optional reference_date and its components: "
            "per_patient, weighted_outcomes, per_activity or locality_level. Rates are in pence as strings."
        ),
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed once payments under the scheme have been approved.",
    )


class SchemeTemplateForm(forms.Form):
    template = forms.ChoiceField(
        label="Start from", choices=[("", "A blank scheme"), *SCHEME_TEMPLATES.items()], required=False
    )


class AchievementForm(forms.Form):
    component_code = forms.ChoiceField(label="Component")
    outcome_code = forms.ChoiceField(label="Outcome (weighted outcomes only)", required=False)
    practice = forms.ModelChoiceField(queryset=None, required=False)
    locality = forms.ModelChoiceField(
        queryset=None, required=False, help_text="For a locality's level, or a consortium's outcome."
    )
    achieved = forms.BooleanField(
        initial=True, required=False, help_text="Untick to record that it was not achieved."
    )
    count = forms.IntegerField(
        min_value=0, max_value=10**9, required=False, help_text="Per-activity components: the count."
    )
    level = forms.IntegerField(
        min_value=1, max_value=9, required=False, help_text="Locality levels: the level agreed."
    )
    evidence_notes = forms.CharField(
        label="Evidence",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Minutes, notes, references.",
    )
    attachments = MultipleFileField(label="Evidence files", required=False)

    def __init__(self, *args, scheme, practices, localities, **kwargs):
        super().__init__(*args, **kwargs)
        definition = scheme.scheme
        self.fields["component_code"].choices = [
            (c.code, f"{c.code}: {c.name}") for c in definition.components
        ]
        self.fields["outcome_code"].choices = [("", "—")] + [
            (o.code, f"{o.code} ({o.judged_for.value}, {o.weight_percent}%): {o.description}")
            for o in definition.outcomes()
        ]
        self.fields["practice"].queryset = practices
        self.fields["locality"].queryset = localities


# --- budget rule -------------------------------------------------------------------------------------


class BudgetPositionForm(forms.Form):
    practice = forms.ModelChoiceField(queryset=None)
    year = FinancialYearField(label="Financial year")
    budget_pence = PoundsField(label="Indicative budget (£)")
    outturn_pence = PoundsField(label="Outturn (£)")
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="The report and its date.")

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices


class SubstantialActionForm(forms.Form):
    practice = forms.ModelChoiceField(queryset=None)
    year = FinancialYearField(label="Financial year")
    agreed_on = forms.DateField(label="Agreed by the locality on", widget=DATE)
    notes = forms.CharField(
        label="Action taken and where it was agreed", widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices


class PaymentTransitionForm(forms.Form):
    reference = forms.CharField(label="Payment reference", max_length=100, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        if action != "pay":
            del self.fields["reference"]
        else:
            self.fields["reference"].required = True
