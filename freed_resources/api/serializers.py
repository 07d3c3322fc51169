"""Input and output serializers of the freed-up resources API (money as pounds strings, "196000.00")."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from rest_framework import serializers

from freed_resources.choices import BenefitMeasure, DeclarationKind
from freed_resources.constants import BENEFIT_DEFAULT_MONTHS
from freed_resources.splits import READY_MADE_SCHEMES
from pbc.api.fields import MoneyField


class _Owner(serializers.Serializer):
    practice = serializers.CharField(source="practice.code", default=None, read_only=True)
    locality = serializers.CharField(source="locality.code", default=None, read_only=True)
    year = serializers.CharField(source="year.label", read_only=True)


class CategoryFiguresOutputSerializer(serializers.Serializer):
    category = serializers.CharField()
    budget = MoneyField(source="budget_pence")
    outturn = MoneyField(source="outturn_pence", allow_negative=True)
    planned_investments = MoneyField(source="planned_investments_pence")
    top_sliced = MoneyField(source="top_sliced_pence")
    freed = MoneyField(source="freed_pence", allow_negative=True)


class DeclarationOutputSerializer(_Owner):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    through_month = serializers.IntegerField()
    categories = CategoryFiguresOutputSerializer(source="figures", many=True)
    planned_investments = serializers.JSONField()
    members = serializers.JSONField()
    budget = MoneyField(source="budget_pence")
    outturn = MoneyField(source="outturn_pence")
    top_sliced = MoneyField(source="top_sliced_pence")
    freed = MoneyField(source="freed_pence", allow_negative=True)
    overspent = serializers.BooleanField()
    list_size = serializers.IntegerField(allow_null=True)
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    difference = serializers.JSONField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class PlannedInvestmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    category = serializers.CharField(max_length=10)
    amount = MoneyField()


class DeclarationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeclarationKind.choices)
    practice = serializers.CharField(required=False, allow_blank=True, default="")
    locality = serializers.CharField(required=False, allow_blank=True, default="")
    year = serializers.IntegerField(min_value=1990, max_value=2100)
    through_month = serializers.IntegerField(min_value=1, max_value=12, default=12)
    categories = serializers.ListField(
        child=serializers.CharField(max_length=10), required=False, default=list
    )
    planned_investments = PlannedInvestmentInputSerializer(many=True, required=False, default=list)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SplitOutputSerializer(_Owner):
    id = serializers.IntegerField()
    declaration = serializers.IntegerField(source="declaration_id")
    scheme_name = serializers.CharField()
    amount = MoneyField(source="amount_pence")
    reward = MoneyField(source="reward_pence")
    returned_for_investment = MoneyField(source="returned_for_investment_pence")
    practices = MoneyField(source="practices_pence")
    pct = MoneyField(source="pct_pence")
    residue_party = serializers.CharField()
    residue = MoneyField(source="residue_pence", allow_negative=True)
    steps = serializers.JSONField()


class PotOutputSerializer(_Owner):
    id = serializers.IntegerField()
    declared = MoneyField(source="declared_pence")
    committed = MoneyField(source="committed_pence")
    spent = MoneyField(source="spent_pence")
    remaining = MoneyField(source="remaining_pence")


class LedgerEntryOutputSerializer(_Owner):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    amount = MoneyField(source="amount_pence", allow_negative=True)
    pot = serializers.IntegerField(source="pot_id", allow_null=True)
    declaration = serializers.IntegerField(source="declaration_id", allow_null=True)
    application = serializers.IntegerField(source="application_id", allow_null=True)
    description = serializers.CharField()
    created = serializers.DateTimeField()


class ReturnedPointInputSerializer(serializers.Serializer):
    freed = MoneyField()
    returned = MoneyField()


class SchemeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    practice_share = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=False)
    reward_rate = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    reward_cap_per_patient = MoneyField(required=False, allow_null=True, default=None)
    no_reward_if_overspent = serializers.BooleanField(required=False, default=True)
    returned_points = ReturnedPointInputSerializer(many=True, required=False, default=list)
    residue_party = serializers.CharField(required=False, default="pct")

    def to_scheme_data(self) -> dict:
        d = self.validated_data
        return {
            "name": d["name"],
            "description": d["description"],
            "practice_share": str(d["practice_share"]),
            "reward_rate": None if d["reward_rate"] is None else str(d["reward_rate"]),
            "reward_cap_per_patient_pence": d["reward_cap_per_patient"],
            "no_reward_if_overspent": d["no_reward_if_overspent"],
            "returned_points": [
                {"freed_pence": p["freed"], "returned_pence": p["returned"]} for p in d["returned_points"]
            ],
            "residue_party": d["residue_party"],
        }


class CalculationInputSerializer(serializers.Serializer):
    """Either a ready-made scheme's key ("national", "hertfordshire", "banes"), a saved scheme's id, or a
    full scheme; and the amount (pounds string), plus the list size and overspend flag where needed."""

    scheme = serializers.ChoiceField(choices=list(READY_MADE_SCHEMES), required=False)
    scheme_id = serializers.IntegerField(required=False)
    custom_scheme = SchemeInputSerializer(required=False)
    amount = MoneyField()
    list_size = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    overspent = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        given = [k for k in ("scheme", "scheme_id", "custom_scheme") if attrs.get(k) is not None]
        if len(given) != 1:
            raise serializers.ValidationError("Give exactly one of scheme, scheme_id or custom_scheme.")
        return attrs


class CalculationStepSerializer(serializers.Serializer):
    rule = serializers.CharField()
    detail = serializers.CharField()
    amount = MoneyField(source="pence", allow_negative=True)
    party = serializers.CharField(allow_null=True)


class CalculationOutputSerializer(serializers.Serializer):
    scheme = serializers.CharField(source="scheme_name")
    amount = MoneyField(source="amount_pence")
    reward = MoneyField(source="reward_pence")
    returned_for_investment = MoneyField(source="returned_for_investment_pence")
    practices = MoneyField(source="practices_pence")
    pct = MoneyField(source="pct_pence")
    residue_party = serializers.CharField()
    residue = MoneyField(source="residue_pence", allow_negative=True)
    reward_withheld = serializers.BooleanField()
    reward_capped = serializers.BooleanField()
    steps = CalculationStepSerializer(many=True)


class SchemeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pct = serializers.CharField(source="pct.code")
    year = serializers.CharField(source="year.label")
    name = serializers.CharField()
    data = serializers.JSONField()


class SpendInputSerializer(serializers.Serializer):
    amount = MoneyField()
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BenefitTargetInputSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=10)
    measure = serializers.ChoiceField(choices=BenefitMeasure.choices)
    # A count of activity, or pence of cost, per month (the output repeats cost as pounds too).
    expected_reduction = serializers.IntegerField(min_value=1)
    months = serializers.IntegerField(min_value=1, max_value=24, default=BENEFIT_DEFAULT_MONTHS)


class BenefitSetInputSerializer(serializers.Serializer):
    targets = BenefitTargetInputSerializer(many=True, allow_empty=False)


class MonthFiguresOutputSerializer(serializers.Serializer):
    month = serializers.DateField(source="month_start")
    activity_count = serializers.IntegerField()
    cost = MoneyField(source="cost_pence")


def _average(value, measure: str) -> str | None:
    """An exact average as a two-decimal string: a count of activity, or pounds (rounded half up)."""
    if value is None:
        return None
    hundredths = math.floor(value * (1 if measure == BenefitMeasure.COST else 100) + Fraction(1, 2))
    return str(Decimal(hundredths).scaleb(-2))


class BenefitResultOutputSerializer(serializers.Serializer):
    """Averages and the reduction are per month, in the target's measure (a count, or pounds)."""

    category = serializers.CharField()
    measure = serializers.CharField(source="target.measure")
    expected_reduction = serializers.IntegerField(source="target.expected_reduction")
    months = serializers.IntegerField(source="target.months")
    status = serializers.CharField()
    explanation = serializers.CharField()
    baseline = MonthFiguresOutputSerializer(many=True)
    after = MonthFiguresOutputSerializer(many=True)
    baseline_average = serializers.SerializerMethodField()
    after_average = serializers.SerializerMethodField()
    reduction = serializers.SerializerMethodField()

    def get_baseline_average(self, obj) -> str | None:
        return _average(obj.baseline_average, obj.target.measure)

    def get_after_average(self, obj) -> str | None:
        return _average(obj.after_average, obj.target.measure)

    def get_reduction(self, obj) -> str | None:
        return _average(obj.reduction, obj.target.measure)


class BenefitTargetOutputSerializer(serializers.Serializer):
    category = serializers.CharField()
    measure = serializers.CharField()
    expected_reduction = serializers.IntegerField()
    months = serializers.IntegerField()


class ProposalOutputSerializer(serializers.Serializer):
    """A reinvestment proposal: its pot money, and the benefit follow-up in the published reports."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    year = serializers.CharField(source="year.label")
    cost = MoneyField(source="cost_pence")
    committed = MoneyField(source="money.committed_pence")
    spent = MoneyField(source="money.spent_pence")
    unspent = MoneyField(source="money.unspent_pence")
    approved_on = serializers.DateField(source="benefit.approved_on", allow_null=True)
    compared = serializers.CharField(source="benefit.compared")
    benefit_status = serializers.CharField(source="benefit.status", allow_null=True)
    targets = BenefitTargetOutputSerializer(source="benefit.targets", many=True)
    results = BenefitResultOutputSerializer(source="benefit.results", many=True)
