"""Forms of the freed-up resources pages: they parse and check input; services do the rest."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from freed_resources.choices import DeclarationKind
from freed_resources.splits import READY_MADE_SCHEMES, RESIDUE_PARTIES, scheme_to_dict
from pbc.forms import PoundsField
from pbc.money import MoneyError, parse_pounds


def _scheme_choices(saved=()):
    choices = [(key, scheme.name) for key, scheme in READY_MADE_SCHEMES.items()]
    choices += [(f"saved-{s.pk}", f"{s.name} ({s.pct.code} {s.year})") for s in saved]
    return choices


class CalculateForm(forms.Form):
    scheme = forms.ChoiceField(label="Split scheme")
    amount = PoundsField(label="Freed-up resources (£)")
    list_size = forms.IntegerField(
        label="Registered list size",
        required=False,
        min_value=0,
        max_value=10**8,
        help_text="Needed where the reward is capped.",
    )
    overspent = forms.BooleanField(label="The practice overspent its indicative budget", required=False)

    def __init__(self, *args, saved=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.saved = {f"saved-{s.pk}": s for s in saved}
        self.fields["scheme"].choices = _scheme_choices(saved)

    def chosen_scheme(self):
        key = self.cleaned_data["scheme"]
        return self.saved[key].scheme if key in self.saved else READY_MADE_SCHEMES[key]


class SchemeForm(forms.Form):
    year = forms.IntegerField(
        label="Financial year starting (e.g. 2007 for 2007/08)", min_value=1990, max_value=2100
    )
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    practice_share = forms.CharField(label="Practices' share (fraction, e.g. 0.70)", initial="0.70")
    reward_rate = forms.CharField(label="Reward rate (fraction, e.g. 0.10; blank for none)", required=False)
    reward_cap_per_patient = PoundsField(label="Reward cap per registered patient (£)", required=False)
    no_reward_if_overspent = forms.BooleanField(required=False, initial=True)
    returned_points = forms.CharField(
        label="Sliding scale: one point a line, “freed up £, returned £”",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )
    residue_party = forms.ChoiceField(
        label="Who takes a rounding penny", choices=[(p, p) for p in RESIDUE_PARTIES], initial="pct"
    )

    @staticmethod
    def initial_for(key: str) -> dict:
        data = scheme_to_dict(READY_MADE_SCHEMES[key])
        return {
            "name": data["name"],
            "description": data["description"],
            "practice_share": data["practice_share"],
            "reward_rate": data["reward_rate"] or "",
            "reward_cap_per_patient": (
                ""
                if data["reward_cap_per_patient_pence"] is None
                else f"{data['reward_cap_per_patient_pence'] / 100:.2f}"
            ),
            "no_reward_if_overspent": data["no_reward_if_overspent"],
            "returned_points": "\n".join(
                f"{p['freed_pence'] // 100}, {p['returned_pence'] // 100}" for p in data["returned_points"]
            ),
            "residue_party": data["residue_party"],
        }

    def _fraction(self, name):
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        try:
            parsed = Decimal(value)
        except InvalidOperation as exc:
            raise forms.ValidationError(f"“{value}” is not a decimal fraction such as 0.70.") from exc
        if not parsed.is_finite():
            raise forms.ValidationError(f"“{value}” is not a decimal fraction such as 0.70.")
        return value

    def clean_practice_share(self):
        return self._fraction("practice_share")

    def clean_reward_rate(self):
        return self._fraction("reward_rate")

    def clean_returned_points(self):
        points = []
        for number, line in enumerate((self.cleaned_data.get("returned_points") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p for p in line.replace(";", ",").replace("\t", ",").split(",") if p.strip()]
            if len(parts) == 4:  # "1,000,000, 300,000" typed with thousands separators is ambiguous
                parts = [parts[0] + parts[1], parts[2] + parts[3]]
            if len(parts) != 2:
                raise forms.ValidationError(
                    f"Line {number}: write “freed up, returned”, e.g. “300000, 20000”."
                )
            try:
                freed, returned = (parse_pounds(p) for p in parts)
            except MoneyError as exc:
                raise forms.ValidationError(f"Line {number}: {exc}") from exc
            points.append({"freed_pence": freed, "returned_pence": returned})
        return points

    def scheme_data(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "description": d["description"],
            "practice_share": d["practice_share"] or "0",
            "reward_rate": d["reward_rate"],
            "reward_cap_per_patient_pence": d["reward_cap_per_patient"],
            "no_reward_if_overspent": d["no_reward_if_overspent"],
            "returned_points": d["returned_points"],
            "residue_party": d["residue_party"],
        }


class DeclarationForm(forms.Form):
    kind = forms.ChoiceField(choices=DeclarationKind.choices)
    practice = forms.ChoiceField(required=False, help_text="For a practice's declaration.")
    locality = forms.ChoiceField(required=False, help_text="For a locality's or a pooled consortium's.")
    year = forms.IntegerField(
        label="Financial year starting (e.g. 2007 for 2007/08)", min_value=1990, max_value=2100
    )
    through_month = forms.IntegerField(
        label="Period ends in financial month (April = 1 … March = 12)", min_value=1, max_value=12, initial=12
    )
    categories = forms.CharField(
        required=False, help_text="Agreed category codes, separated by commas; blank for every category."
    )
    planned_investments = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Top-sliced first: one a line, “name | category | £”, e.g. “ECPs | NEL | 40000”.",
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, practices=(), localities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].choices = [("", "—")] + [(p.code, f"{p.code} {p.name}") for p in practices]
        self.fields["locality"].choices = [("", "—")] + [
            (loc.code, f"{loc.code} {loc.name}") for loc in localities
        ]

    def clean_categories(self):
        return [
            c.strip().upper() for c in (self.cleaned_data.get("categories") or "").split(",") if c.strip()
        ]

    def clean_planned_investments(self):
        items = []
        for number, line in enumerate(
            (self.cleaned_data.get("planned_investments") or "").splitlines(), start=1
        ):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3:
                raise forms.ValidationError(f"Line {number}: write “name | category | £”.")
            try:
                pence = parse_pounds(parts[2])
            except MoneyError as exc:
                raise forms.ValidationError(f"Line {number}: {exc}") from exc
            if pence < 0:
                raise forms.ValidationError(f"Line {number}: the cost cannot be negative.")
            items.append({"name": parts[0], "category": parts[1].upper(), "pence": pence})
        return items

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == DeclarationKind.PRACTICE and not data.get("practice"):
            self.add_error("practice", "Choose the practice.")
        if kind in (DeclarationKind.LOCALITY, DeclarationKind.POOL) and not data.get("locality"):
            self.add_error("locality", "Choose the locality.")
        return data


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="I have reviewed these figures against the published reports")


class SpendForm(forms.Form):
    """PCT finance records money spent on an approved proposal."""

    amount = PoundsField(label="Amount spent (£)")
    description = forms.CharField(label="What it was spent on", max_length=300, required=False)

    def clean_amount(self):
        pence = self.cleaned_data["amount"]
        if pence is not None and pence <= 0:
            raise forms.ValidationError("Spending is a positive amount.")
        return pence


class BenefitForm(forms.Form):
    """The categories a proposal targets and the monthly reduction expected in each, one per line:
    ``CATEGORY, activity|cost, reduction per month[, months]`` (a cost in pounds)."""

    targets = forms.CharField(
        label="Expected benefit",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "One line per category: code, activity or cost, expected fall per month (a count, or £), "
            "and optionally the months to compare before and after approval. For example "
            "“NEL, activity, 4, 6” or “OP, cost, 1500”."
        ),
    )

    def clean_targets(self):
        targets, problems = [], []
        for n, line in enumerate(self.cleaned_data["targets"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) not in (3, 4):
                problems.append(
                    f"Line {n}: give a category, a measure and a reduction (and optional months)."
                )
                continue
            category, measure, reduction = parts[0].upper(), parts[1].lower(), parts[2]
            target = {"category": category, "measure": measure}
            try:
                if measure == "cost":
                    target["expected_reduction"] = parse_pounds(reduction)
                else:
                    target["expected_reduction"] = int(reduction)
                if len(parts) == 4:
                    target["months"] = int(parts[3])
            except (MoneyError, ValueError):
                problems.append(f"Line {n}: “{line.strip()}” has a number that cannot be read.")
                continue
            targets.append(target)
        if problems:
            raise forms.ValidationError(problems)
        return targets
