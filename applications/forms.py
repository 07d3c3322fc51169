"""Forms of the applications pages. They validate input only; views pass cleaned data to services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from applications.choices import (
    PEC_DECISIONS,
    Action,
    Answer,
    ApplicationKind,
    CompetencyStatus,
    FundingSource,
    InterestKind,
    Rag,
    Recommendation,
    VoteChoice,
)
from applications.constants import ANNEX1_AREAS
from pbc.forms import ModelMultipleChoiceField, PoundsField
from pbc.models import Provider

User = get_user_model()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _text(label: str, *, required: bool = False, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


class ApplicationForm(forms.Form):
    """A draft application. Only the title and the applicant are needed to save; submitting needs the rest."""

    kind = forms.ChoiceField(label="Kind of application", choices=ApplicationKind.choices)
    title = forms.CharField(label="Title", max_length=200)
    practices = ModelMultipleChoiceField(
        label="Applying practices",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="One practice, or several applying together.",
    )
    locality = forms.ModelChoiceField(
        label="Applying locality",
        queryset=None,
        required=False,
        help_text="For a locality application, choose the locality and leave the practices unticked.",
    )
    summary = _text("Summary")
    reasons = _text("Reasons for the change")
    treatment_functions = forms.CharField(
        label="Services affected (treatment function codes)",
        required=False,
        help_text="Three-digit codes separated by commas, e.g. 110, 130.",
    )
    risks = _text("Risks")
    clinical_outcomes = _text("Expected clinical outcomes")
    patient_benefit = _text("Benefit to patients")
    patients_benefiting = forms.IntegerField(
        label="Number of patients benefiting", min_value=0, max_value=10**8, required=False
    )
    cost_pence = PoundsField(label="Cost (£ a year)", required=False, blank_pence=0)
    expected_savings_pence = PoundsField(label="Expected savings (£ a year)", required=False, blank_pence=0)
    management_cost_pence = PoundsField(label="Management cost asked (£)", required=False, blank_pence=0)
    funding_source = forms.ChoiceField(
        label="Funding source", choices=[("", "—"), *FundingSource.choices], required=False
    )
    proposed_start = forms.DateField(label="Proposed start", required=False, widget=DateInput())
    stakeholders_consulted = _text("Stakeholders consulted")
    patients_consulted = _text("Patients consulted")
    provider = forms.ModelChoiceField(
        label="Provider of the service", queryset=Provider.objects.order_by("code"), required=False
    )
    provider_is_applicant = forms.BooleanField(
        label="The applicant would also provide the service", required=False
    )

    def __init__(self, *args, practices, localities, allow_locality: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practices"].queryset = practices
        self.fields["locality"].queryset = localities
        if not allow_locality:  # practice-level users apply for their practices, not a whole locality
            del self.fields["locality"]
            self.fields["practices"].required = True
        if practices.count() == 1 and not self.is_bound and not self.initial.get("practices"):
            self.initial["practices"] = list(practices)

    def clean_treatment_functions(self):
        raw = self.cleaned_data["treatment_functions"]
        codes = [c.strip() for c in raw.replace(";", ",").split(",") if c.strip()]
        bad = [c for c in codes if not (len(c) == 3 and c.isalnum())]
        if bad:
            raise forms.ValidationError(f"Not treatment function codes: {', '.join(bad)}.")
        return codes

    def clean(self):
        data = super().clean()
        if "locality" in self.fields and not data.get("practices") and not data.get("locality"):
            self.add_error("practices", "Tick the applying practice or practices, or choose a locality.")
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("practices", "locality", "title"):
            data.pop(name, None)
        for name in ("summary", "reasons", "risks", "clinical_outcomes", "patient_benefit", "funding_source"):
            data[name] = data.get(name) or ""
        for name in ("cost_pence", "expected_savings_pence", "management_cost_pence"):
            data[name] = data.get(name) or 0
        return data


def initial_from(application) -> dict:
    data = {
        name: getattr(application, name) for name in ApplicationForm.base_fields if hasattr(application, name)
    }
    data["practices"] = list(application.practices.all())
    data["treatment_functions"] = ", ".join(application.treatment_functions or [])
    return data


class TransitionForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.label = step.reason_label if step.reason_required else "Comment (optional)"
        field.required = step.reason_required


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Document", help_text="PDF, Word (.docx), Excel (.xlsx) or an image (PNG, JPEG, GIF)."
    )
    description = forms.CharField(label="Description", max_length=200, required=False)


class AssessmentForm(forms.Form):
    """Yes/no with a comment for each criterion of the PCT's set, a recommendation and a summary."""

    recommendation = forms.ChoiceField(
        label="Your recommendation",
        choices=[("", "Not decided yet"), *Recommendation.choices],
        required=False,
    )
    summary = _text("Summary of your assessment", rows=4)
    complete = forms.BooleanField(
        label="My assessment is complete", required=False, help_text="Every criterion must be answered."
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"answer_{c.code}"] = forms.ChoiceField(
                label=f"{c.code}. {c.text}",
                choices=Answer.choices,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"comment_{c.code}"] = forms.CharField(
                label=f"Comments on {c.code}", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def criterion_rows(self):
        return [(c, self[f"answer_{c.code}"], self[f"comment_{c.code}"]) for c in self.criteria]

    def answers(self) -> dict[str, tuple[str, str]]:
        return {
            c.code: (
                self.cleaned_data.get(f"answer_{c.code}") or "",
                self.cleaned_data.get(f"comment_{c.code}") or "",
            )
            for c in self.criteria
        }


class MeetingForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, initial="Professional Executive Committee")
    starts_at = forms.DateTimeField(label="Date and time", widget=DateTimeInput())
    location = forms.CharField(label="Location", max_length=200, required=False)
    chair = forms.ModelChoiceField(label="Chair (a PEC member)", queryset=None)
    quorum = forms.IntegerField(
        label="Quorum",
        min_value=1,
        max_value=50,
        required=False,
        help_text="Members without an interest who must vote on an item. Leave blank for the PCT's rule.",
    )
    notes = _text("Notes")

    def __init__(self, *args, chairs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chairs
        self.fields["chair"].label_from_instance = lambda u: u.get_full_name() or u.username


class AgendaItemForm(forms.Form):
    application = forms.ModelChoiceField(
        label="Application", queryset=None, empty_label="Choose an application"
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = candidates
        self.fields["application"].label_from_instance = lambda a: (
            f"{a.reference} {a.title} ({a.get_status_display()})"
        )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label="Your vote", choices=VoteChoice.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label="Comment (optional)", max_length=500, required=False)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="The PEC's decision",
        choices=[(a, Action(a).label) for a in PEC_DECISIONS],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Conditions or reasons",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required for approval with conditions (the conditions), deferral and rejection.",
    )


class InterestForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of interest",
        choices=[c for c in InterestKind.choices if c[0] != InterestKind.APPLICATION],
    )
    practice = forms.ModelChoiceField(label="Practice", queryset=None, required=False)
    provider = forms.ModelChoiceField(
        label="Provider", queryset=Provider.objects.order_by("code"), required=False
    )
    description = forms.CharField(
        label="Description", max_length=300, help_text="e.g. Partner at Abbey Surgery."
    )
    member = forms.ModelChoiceField(
        label="Member", queryset=None, required=False, help_text="Leave blank to declare your own interest."
    )

    def __init__(self, *args, practices, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices
        if members is None:
            del self.fields["member"]
        else:
            self.fields["member"].queryset = members
            self.fields["member"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        if data.get("kind") == InterestKind.PRACTICE and not data.get("practice"):
            self.add_error("practice", "Choose the practice.")
        if data.get("kind") == InterestKind.PROVIDER and not data.get("provider"):
            self.add_error("provider", "Choose the provider.")
        return data


class ItemInterestForm(forms.Form):
    description = forms.CharField(
        label="Your interest in this application", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class InterestEndForm(forms.Form):
    # Not required here: the service refuses a blank reason, so the page and the API say the same.
    reason = forms.CharField(
        label="Why the interest has ended",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: left the partnership on 31 March; the declaration was recorded in error.",
    )


class ReadinessForm(forms.Form):
    review_date = forms.DateField(label="Date of this self-assessment", widget=DateInput())
    notes = _text("Notes")

    def __init__(self, *args, previous=None, **kwargs):
        super().__init__(*args, **kwargs)
        before = {r.area: r for r in previous.ratings.all()} if previous else {}
        self.areas = []
        for group, code, label in ANNEX1_AREAS:
            prior = before.get(code)
            self.fields[f"rag_{code}"] = forms.ChoiceField(
                label=f"{label}: state of readiness",
                choices=[("", "Not rated"), *Rag.choices],
                required=False,
                initial=prior.rag if prior else "",
            )
            self.fields[f"evidence_{code}"] = forms.CharField(
                label=f"{label}: evidence",
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
                initial=prior.evidence if prior else "",
            )
            self.fields[f"actions_{code}"] = forms.CharField(
                label=f"{label}: further actions",
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
                initial=prior.actions if prior else "",
            )
            self.areas.append((group, code, label))

    def rows(self):
        return [
            (group, label, self[f"rag_{code}"], self[f"evidence_{code}"], self[f"actions_{code}"])
            for group, code, label in self.areas
        ]

    def ratings(self) -> dict[str, tuple[str, str, str]]:
        d = self.cleaned_data
        return {
            code: (d[f"rag_{code}"], d.get(f"evidence_{code}", ""), d.get(f"actions_{code}", ""))
            for _, code, _ in self.areas
            if d.get(f"rag_{code}")
        }


class CompetencyForm(forms.Form):
    reviewed_on = forms.DateField(label="Reviewed on", widget=DateInput())

    def __init__(self, *args, checklist, **kwargs):
        super().__init__(*args, **kwargs)
        self.codes = []
        for code, label, current in checklist:
            self.fields[f"status_{code}"] = forms.ChoiceField(
                label=f"{label}: status",
                choices=CompetencyStatus.choices,
                initial=current.status if current else CompetencyStatus.NOT_ASSESSED,
            )
            self.fields[f"evidence_{code}"] = forms.CharField(
                label=f"{label}: evidence",
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
                initial=current.evidence if current else "",
            )
            self.codes.append((code, label))

    def rows(self):
        return [(label, self[f"status_{code}"], self[f"evidence_{code}"]) for code, label in self.codes]

    def items(self) -> dict[str, tuple[str, str]]:
        return {
            code: (self.cleaned_data[f"status_{code}"], self.cleaned_data[f"evidence_{code}"])
            for code, _ in self.codes
        }


class DecisionRulesForm(forms.Form):
    year = forms.CharField(label="Financial year", help_text="e.g. 2007/08")
    ratification_threshold_pence = PoundsField(label="Board ratifies approvals costing more than (£)")
    pec_quorum = forms.IntegerField(label="PEC quorum", min_value=1, max_value=50)

    def clean_year(self):
        from pbc.fiscal import FinancialYear

        try:
            return FinancialYear.parse(self.cleaned_data["year"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
