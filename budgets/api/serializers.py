from rest_framework import serializers

from activity.extract_schema import PODS
from budgets.choices import BudgetHoldingStatusChoice, Phasing, RiskMode, ShareBasis, UnattributedTreatment
from pbc.api.fields import FinancialYearInputField, MoneyField

_YEAR = {"help_text": "Financial year, e.g. 2007/08."}


class PercentMapField(serializers.DictField):
    """Category code → percentage as a string ("4.5")."""

    child = serializers.DecimalField(max_digits=7, decimal_places=3)


class BudgetCategoryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.CharField(source="year.label")
    code = serializers.CharField()
    name = serializers.CharField()
    pods = serializers.ListField(child=serializers.CharField())
    treatment_functions = serializers.ListField(child=serializers.CharField(), source="tretspefs")
    devolved = serializers.BooleanField()


class BudgetCategoryInputSerializer(serializers.Serializer):
    year = serializers.RegexField(r"^\d{4}/\d{2}$", **_YEAR)
    code = serializers.CharField(max_length=10)
    name = serializers.CharField(max_length=100)
    pods = serializers.ListField(child=serializers.ChoiceField(choices=PODS), required=False, default=list)
    treatment_functions = serializers.ListField(
        child=serializers.RegexField(r"^\d{3}$"), required=False, default=list
    )
    devolved = serializers.BooleanField(default=True)


class BudgetParametersSerializer(serializers.Serializer):
    """The methodology's parameters (all optional on an update)."""

    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    baseline_start = serializers.DateField(required=False, help_text="First month of the baseline (day 1).")
    baseline_end = serializers.DateField(required=False, help_text="Last month of the baseline, inclusive.")
    base_list_date = serializers.DateField(required=False, allow_null=True)
    resource = MoneyField(required=False, allow_null=True, source="resource_pence", help_text="Null: no cap.")
    uplift_pct = serializers.DecimalField(max_digits=7, decimal_places=3, required=False)
    uplift_by_category = PercentMapField(required=False)
    list_size_adjustment = serializers.BooleanField(required=False)
    pace_of_change_pct = serializers.DecimalField(
        max_digits=7, decimal_places=3, min_value=0, max_value=100, required=False
    )
    pace_by_category = PercentMapField(required=False)
    need_weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=9, decimal_places=5, min_value=0), required=False
    )
    risk_mode = serializers.ChoiceField(choices=RiskMode.choices, required=False)
    risk_top_slice_pct = serializers.DecimalField(
        max_digits=7, decimal_places=3, min_value=0, max_value=100, required=False
    )
    risk_threshold = MoneyField(required=False, allow_null=True, source="risk_threshold_pence")
    unattributed = serializers.ChoiceField(choices=UnattributedTreatment.choices, required=False)
    unattributed_share_basis = serializers.ChoiceField(choices=ShareBasis.choices, required=False)
    phasing = serializers.ChoiceField(choices=Phasing.choices, required=False)
    rag_green_max_pct = serializers.DecimalField(max_digits=5, decimal_places=1, required=False)
    rag_amber_max_pct = serializers.DecimalField(max_digits=5, decimal_places=1, required=False)

    def validate(self, attrs):
        for name in ("baseline_start", "baseline_end"):
            if attrs.get(name) and attrs[name].day != 1:
                raise serializers.ValidationError({name: "Give the first day of the month."})
        return attrs


class BudgetSetCreateInputSerializer(BudgetParametersSerializer):
    year = serializers.RegexField(r"^\d{4}/\d{2}$", **_YEAR)
    baseline_start = serializers.DateField(help_text="First month of the baseline (day 1).")
    baseline_end = serializers.DateField(help_text="Last month of the baseline, inclusive.")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class BudgetHoldingOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    category = serializers.CharField()
    rule = serializers.CharField()
    before_scaling = MoneyField(source="before_scaling_pence")
    final = MoneyField(source="final_pence")


class BudgetTransitionOutputSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    at = serializers.DateTimeField()
    reason = serializers.CharField()


class BudgetSetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pct = serializers.CharField(source="pct.code")
    year = serializers.CharField(source="year.label")
    version = serializers.IntegerField()
    status = serializers.CharField()
    label = serializers.CharField()
    reason = serializers.CharField()
    revises = serializers.IntegerField(source="revises_id", allow_null=True)
    baseline_start = serializers.DateField()
    baseline_end = serializers.DateField()
    base_list_date = serializers.DateField(allow_null=True)
    resource = MoneyField(source="resource_pence", allow_null=True)
    uplift_pct = serializers.DecimalField(max_digits=7, decimal_places=3)
    uplift_by_category = serializers.DictField()
    list_size_adjustment = serializers.BooleanField()
    pace_of_change_pct = serializers.DecimalField(max_digits=7, decimal_places=3)
    pace_by_category = serializers.DictField()
    need_weights = serializers.DictField()
    risk_mode = serializers.CharField()
    risk_top_slice_pct = serializers.DecimalField(max_digits=7, decimal_places=3)
    risk_threshold = MoneyField(source="risk_threshold_pence", allow_null=True)
    unattributed = serializers.CharField()
    unattributed_share_basis = serializers.CharField()
    phasing = serializers.CharField()
    rag_green_max_pct = serializers.DecimalField(max_digits=5, decimal_places=1)
    rag_amber_max_pct = serializers.DecimalField(max_digits=5, decimal_places=1)
    categories = serializers.ListField(child=serializers.DictField())
    calculated_at = serializers.DateTimeField(allow_null=True)
    practice_total = MoneyField(source="practice_total_pence")
    central_total = MoneyField(source="central_total_pence")
    total_before_scaling = MoneyField(source="total_before_scaling_pence")
    scale_factor = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())
    baseline_summary = serializers.DictField()
    created = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)


class BudgetSetDetailOutputSerializer(BudgetSetOutputSerializer):
    holdings = BudgetHoldingOutputSerializer(many=True, source="holdings.all")
    transitions = BudgetTransitionOutputSerializer(many=True, source="transitions.all")


class BudgetStepOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    rule = serializers.CharField()
    before = MoneyField(source="before_pence")
    change = MoneyField(source="change_pence", allow_negative=True)
    after = MoneyField(source="after_pence")


class BudgetLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    budget_set = serializers.IntegerField(source="budget_set_id")
    version = serializers.IntegerField(source="budget_set.version")
    status = serializers.CharField(source="budget_set.status")
    year = serializers.CharField(source="budget_set.year.label")
    practice = serializers.CharField(source="practice.code")
    locality = serializers.CharField(source="practice.locality.code", allow_null=True, default=None)
    category = serializers.CharField()
    devolved = serializers.BooleanField()
    baseline = MoneyField(source="baseline_pence")
    final = MoneyField(source="final_pence")
    steps = BudgetStepOutputSerializer(many=True)


class WhatIfQuerySerializer(serializers.Serializer):
    uplift_pct = serializers.DecimalField(max_digits=7, decimal_places=3, required=False)
    pace_of_change_pct = serializers.DecimalField(
        max_digits=7, decimal_places=3, min_value=0, max_value=100, required=False
    )
    risk_top_slice_pct = serializers.DecimalField(
        max_digits=7, decimal_places=3, min_value=0, max_value=100, required=False
    )


class WhatIfRowOutputSerializer(serializers.Serializer):
    practice = serializers.CharField(source="practice_code")
    budget_now = MoneyField(source="old_pence")
    budget_what_if = MoneyField(source="new_pence")
    difference = MoneyField(source="difference_pence", allow_negative=True)
    difference_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


class WhatIfOutputSerializer(serializers.Serializer):
    winners = WhatIfRowOutputSerializer(many=True)
    losers = WhatIfRowOutputSerializer(many=True)
    unchanged = WhatIfRowOutputSerializer(many=True)
    central_difference = MoneyField(source="central_difference_pence", allow_negative=True)


class AdjustmentInputSerializer(serializers.Serializer):
    practice = serializers.CharField(max_length=6)
    category = serializers.CharField(max_length=10)
    amount = MoneyField(allow_negative=True)
    reason = serializers.CharField(max_length=300)


class AdjustmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    practice = serializers.CharField(source="practice.code")
    category = serializers.CharField()
    amount = MoneyField(source="amount_pence", allow_negative=True)
    reason = serializers.CharField()


class NeedWeightsInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV: practice code, need weight.")


# --- reports --------------------------------------------------------------------------------------------


class ReportRowOutputSerializer(serializers.Serializer):
    year = serializers.SerializerMethodField()
    level = serializers.CharField()
    practice = serializers.CharField(source="practice.code", allow_null=True, default=None)
    locality = serializers.CharField(source="locality.code", allow_null=True, default=None)
    month = serializers.IntegerField(help_text="April = 1 … March = 12.")
    month_start = serializers.DateField()
    category = serializers.CharField(help_text="ALL on rows that add up every category.")
    provider = serializers.CharField(help_text="ALL on rows that add up every provider.")
    activity_count = serializers.IntegerField(allow_null=True)
    ytd_activity_count = serializers.IntegerField(allow_null=True)
    actual = MoneyField(source="actual_pence", allow_null=True)
    budget = MoneyField(source="budget_pence")
    annual_budget = MoneyField(source="annual_budget_pence")
    ytd_budget = MoneyField(source="ytd_budget_pence")
    ytd_actual = MoneyField(source="ytd_actual_pence", allow_null=True)
    variance = MoneyField(source="variance_pence", allow_null=True, allow_negative=True)
    variance_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    forecast_outturn = MoneyField(source="forecast_outturn_pence", allow_null=True)
    forecast_variance = MoneyField(source="forecast_variance_pence", allow_null=True, allow_negative=True)
    rag = serializers.CharField()
    is_future = serializers.BooleanField(help_text="A month after the data's current-to month: budget only.")
    current_to = serializers.DateField(allow_null=True)

    def get_year(self, row) -> str:
        start = row.year.start_year
        return f"{start}/{(start + 1) % 100:02d}"


class ReportRunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.CharField(source="year.label")
    trigger = serializers.CharField()
    started = serializers.DateTimeField()
    finished = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    rows = serializers.IntegerField()
    current_to = serializers.DateField(allow_null=True)
    budget_set = serializers.IntegerField(source="budget_set_id", allow_null=True)


class RecomputeInputSerializer(serializers.Serializer):
    year = serializers.RegexField(r"^\d{4}/\d{2}$", **_YEAR)


class PeerPointOutputSerializer(serializers.Serializer):
    practice = serializers.CharField(allow_null=True)
    events = serializers.IntegerField()
    population = serializers.IntegerField()
    rate = serializers.FloatField()
    lower_95 = serializers.FloatField()
    upper_95 = serializers.FloatField()
    lower_998 = serializers.FloatField()
    upper_998 = serializers.FloatField()
    status = serializers.CharField()


class PeerComparisonOutputSerializer(serializers.Serializer):
    year = serializers.CharField(allow_null=True)
    pod = serializers.CharField()
    current_to = serializers.IntegerField()
    mean_rate = serializers.FloatField()
    points = PeerPointOutputSerializer(many=True)


# --- budget-holding status -----------------------------------------------------------------------------


class BudgetHoldingQuerySerializer(serializers.Serializer):
    financial_year = FinancialYearInputField(
        required=False, default=None, help_text="Financial year, e.g. 2008/09; default the current one."
    )


class BudgetHoldingStatusOutputSerializer(serializers.Serializer):
    practice = serializers.CharField(source="practice.code")
    financial_year = serializers.CharField()
    status = serializers.ChoiceField(choices=BudgetHoldingStatusChoice.choices)
    categories = serializers.ListField(
        child=serializers.CharField(), help_text="Category codes held; empty means every category."
    )
    shadow_start = serializers.DateField(allow_null=True)
    shadow_end = serializers.DateField(allow_null=True)
    holding_from = serializers.DateField(allow_null=True)


class BudgetHoldingStatusInputSerializer(serializers.Serializer):
    """PCT staff set or change a practice's status for a year; the reason goes on the history."""

    financial_year = FinancialYearInputField()
    status = serializers.ChoiceField(choices=BudgetHoldingStatusChoice.choices)
    categories = serializers.ListField(
        child=serializers.CharField(max_length=10),
        required=False,
        default=list,
        max_length=50,
        help_text="Category codes held; empty means every category.",
    )
    shadow_start = serializers.DateField(required=False, allow_null=True, default=None)
    shadow_end = serializers.DateField(required=False, allow_null=True, default=None)
    holding_from = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=2000, help_text="Why the status is set or changed.")
