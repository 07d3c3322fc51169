"""Input and output serializers of the agreements API (never shared between input and output)."""

from __future__ import annotations

from rest_framework import serializers

from agreements.choices import AgreementAction, LesLeadRole, PartyKind, PaymentAction
from agreements.constants import LES_MIN_HOURS_PER_GP_PER_MONTH
from agreements.selectors import has_signature
from pbc.api.fields import FinancialYearInputField, MoneyField
from pbc.fiscal import FinancialYear


def _code(obj) -> str | None:
    return obj.code if obj is not None else None


# --- agreements -------------------------------------------------------------------------------------


class AgreementSectionOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    guidance = serializers.CharField()
    body = serializers.CharField()


class SmartObjectiveSerializer(serializers.Serializer):
    """A SMART objective (the same shape in and out, but separate instances are used)."""

    objective = serializers.CharField(max_length=500)
    measure = serializers.CharField(max_length=500)
    target = serializers.CharField(max_length=300)
    due_date = serializers.DateField()


class SmartObjectiveOutputSerializer(SmartObjectiveSerializer):
    pass


class SmartObjectiveInputSerializer(SmartObjectiveSerializer):
    pass


class AgreementSignatureOutputSerializer(serializers.Serializer):
    signatory_name = serializers.CharField()
    signatory_role = serializers.CharField()
    signed_by = serializers.CharField(source="signed_by.username")
    signed_at = serializers.DateTimeField()
    recorded_on_behalf = serializers.BooleanField()


class PartyOrganisationOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AgreementPartyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    organisation = PartyOrganisationOutputSerializer()
    lead_name = serializers.CharField()
    lead_role = serializers.CharField()
    lead_username = serializers.CharField(source="lead_user.username", allow_null=True, default=None)
    signed = serializers.SerializerMethodField()
    signature = serializers.SerializerMethodField()

    def get_signed(self, party) -> bool:
        return has_signature(party)

    @staticmethod
    def _signature(party):
        return party.signature if has_signature(party) else None

    def get_signature(self, party) -> dict | None:
        signature = self._signature(party)
        return AgreementSignatureOutputSerializer(signature).data if signature else None


class AgreementTransitionOutputSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    at = serializers.DateTimeField()
    effective_on = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class AgreementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    version = serializers.IntegerField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    title = serializers.CharField()
    pct = serializers.CharField(source="pct.code")
    locality = serializers.SerializerMethodField()
    status = serializers.CharField()
    end_reason = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    review_date = serializers.DateField(allow_null=True)
    notice_period_days = serializers.IntegerField()
    notice_given_on = serializers.DateField(allow_null=True)
    terminates_on = serializers.DateField(allow_null=True)
    activated_at = serializers.DateTimeField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    change_summary = serializers.CharField()
    sections = AgreementSectionOutputSerializer(many=True)
    objectives = SmartObjectiveOutputSerializer(many=True)
    parties = AgreementPartyOutputSerializer(many=True)
    transitions = AgreementTransitionOutputSerializer(many=True)

    def get_locality(self, agreement) -> str | None:
        return _code(agreement.locality)


class AgreementSectionInputSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=10)
    body = serializers.CharField(allow_blank=True)


class AgreementPartyInputSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="locality, practice or provider (the PCT is always a party).")
    code = serializers.CharField(max_length=20, help_text="ODS code of the locality, practice or provider.")
    lead_name = serializers.CharField(max_length=200)
    lead_role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lead_username = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate_kind(self, value):
        kinds = [k for k in PartyKind.values if k != PartyKind.PCT]
        if value not in kinds:
            raise serializers.ValidationError(f"Choose one of: {', '.join(kinds)}.")
        return value


class AgreementInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    locality = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    review_date = serializers.DateField(required=False, allow_null=True, default=None)
    notice_period_days = serializers.IntegerField(min_value=0, max_value=3650, required=False, default=90)
    pct_lead_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    sections = AgreementSectionInputSerializer(many=True, required=False, default=list)
    objectives = SmartObjectiveInputSerializer(many=True, required=False, default=list)
    parties = AgreementPartyInputSerializer(many=True, required=False, default=list)


class AgreementUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    locality = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    review_date = serializers.DateField(required=False, allow_null=True)
    notice_period_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    sections = AgreementSectionInputSerializer(many=True, required=False)
    objectives = SmartObjectiveInputSerializer(many=True, required=False)


class AgreementSignInputSerializer(serializers.Serializer):
    party = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Party id, if you sign for more than one."
    )
    signatory_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AgreementSignaturesOutputSerializer(serializers.Serializer):
    agreement = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    parties = AgreementPartyOutputSerializer(many=True)
    awaiting = serializers.ListField(child=serializers.IntegerField())
    you_can_sign = serializers.ListField(child=serializers.IntegerField())


class AgreementTransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[
            (a, AgreementAction(a).label)
            for a in (
                AgreementAction.SEND,
                AgreementAction.WITHDRAW,
                AgreementAction.START_REVIEW,
                AgreementAction.COMPLETE_REVIEW,
                AgreementAction.GIVE_NOTICE,
            )
        ]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    given_on = serializers.DateField(required=False, allow_null=True, default=None)
    next_review_date = serializers.DateField(required=False, allow_null=True, default=None)


class AgreementTransitionsOutputSerializer(serializers.Serializer):
    agreement = serializers.IntegerField()
    status = serializers.CharField()
    allowed_actions = serializers.ListField(child=serializers.CharField())
    transitions = AgreementTransitionOutputSerializer(many=True)


class AgreementVersionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    end_reason = serializers.CharField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    change_summary = serializers.CharField()


class AgreementNewVersionInputSerializer(serializers.Serializer):
    change_summary = serializers.CharField()


# --- LES --------------------------------------------------------------------------------------------


class LesSignUpGpOutputSerializer(serializers.Serializer):
    gp = serializers.IntegerField(source="gp_id")
    name = serializers.CharField(source="gp_name")
    declared_met = serializers.BooleanField(allow_null=True)
    declared_on = serializers.DateField(allow_null=True)


class LesSignUpOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = serializers.IntegerField(source="scheme_id")
    scheme_code = serializers.CharField(source="scheme.code")
    year = serializers.CharField(source="scheme.year")
    practice = serializers.CharField(source="practice.code")
    locality = serializers.CharField(source="locality.code")
    lead_name = serializers.CharField()
    lead_role = serializers.CharField()
    hours_per_gp_per_month = serializers.IntegerField()
    contact_number = serializers.CharField()
    signed_on = serializers.DateField()
    signed_by = serializers.CharField(source="signed_by.username")
    gps = LesSignUpGpOutputSerializer(many=True)


class LesSignUpInputSerializer(serializers.Serializer):
    scheme = serializers.IntegerField()
    practice = serializers.CharField(max_length=6)
    lead_name = serializers.CharField(max_length=200)
    lead_role = serializers.ChoiceField(choices=LesLeadRole.choices)
    gps = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=True, help_text="Ids of every GP signing up."
    )
    signed_on = serializers.DateField()
    hours_per_gp_per_month = serializers.IntegerField(required=False, default=LES_MIN_HOURS_PER_GP_PER_MONTH)
    contact_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class LesDeclarationItemSerializer(serializers.Serializer):
    gp = serializers.IntegerField()
    met = serializers.BooleanField()


class LesDeclarationInputSerializer(serializers.Serializer):
    declared_on = serializers.DateField()
    declarations = LesDeclarationItemSerializer(many=True)


# --- schemes and achievements ------------------------------------------------------------------------


class IncentiveSchemeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pct = serializers.CharField(source="pct.code")
    code = serializers.CharField()
    name = serializers.CharField()
    year = serializers.CharField()
    revision = serializers.IntegerField()
    has_sign_up = serializers.BooleanField()
    definition = serializers.JSONField()
    updated_at = serializers.DateTimeField()


class IncentiveSchemeInputSerializer(serializers.Serializer):
    definition = serializers.JSONField(help_text="The scheme as data (agreements.incentives.Scheme.to_dict).")


class IncentiveSchemeUpdateSerializer(serializers.Serializer):
    definition = serializers.JSONField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EvidenceFileOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class AchievementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = serializers.IntegerField(source="scheme_id")
    component_code = serializers.CharField()
    outcome_code = serializers.CharField()
    practice = serializers.SerializerMethodField()
    locality = serializers.SerializerMethodField()
    achieved = serializers.BooleanField()
    count = serializers.IntegerField(allow_null=True)
    level = serializers.IntegerField(allow_null=True)
    evidence_notes = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username", allow_null=True, default=None)
    recorded_at = serializers.DateTimeField()
    attachments = EvidenceFileOutputSerializer(many=True)

    def get_practice(self, obj) -> str | None:
        return _code(obj.practice)

    def get_locality(self, obj) -> str | None:
        return _code(obj.locality)


class AchievementInputSerializer(serializers.Serializer):
    scheme = serializers.IntegerField()
    component_code = serializers.CharField(max_length=60)
    outcome_code = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    practice = serializers.CharField(
        max_length=6, required=False, allow_null=True, allow_blank=True, default=None
    )
    locality = serializers.CharField(
        max_length=20, required=False, allow_null=True, allow_blank=True, default=None
    )
    achieved = serializers.BooleanField(required=False, default=True)
    count = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    level = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    evidence_notes = serializers.CharField(required=False, allow_blank=True, default="")
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)


# --- the indicative-budget rule's facts --------------------------------------------------------------


class YearEndBudgetPositionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    practice = serializers.CharField(source="practice.code")
    practice_name = serializers.CharField(source="practice.name")
    year = serializers.CharField()
    budget = MoneyField(source="budget_pence")
    outturn = MoneyField(source="outturn_pence")
    variance = MoneyField(source="variance_pence", help_text="Budget less outturn; negative when overspent.")
    overspent = serializers.BooleanField()
    evidence = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username", allow_null=True, default=None)
    recorded_at = serializers.DateTimeField()


class YearEndBudgetPositionInputSerializer(serializers.Serializer):
    practice = serializers.CharField(max_length=6, help_text="ODS code of the practice.")
    year = FinancialYearInputField()
    budget = MoneyField(help_text="The practice's indicative budget for the year.")
    outturn = MoneyField(help_text="The practice's outturn for the year.")
    evidence = serializers.CharField(help_text="Where the figures come from (the report and its date).")


class SubstantialActionAgreementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    practice = serializers.CharField(source="practice.code")
    practice_name = serializers.CharField(source="practice.name")
    locality = serializers.CharField(source="locality.code")
    year = serializers.SerializerMethodField()
    agreed_on = serializers.DateField()
    notes = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username", allow_null=True, default=None)
    recorded_at = serializers.DateTimeField()

    def get_year(self, obj) -> str:
        return FinancialYear(obj.start_year).label


class SubstantialActionAgreementInputSerializer(serializers.Serializer):
    practice = serializers.CharField(max_length=6, help_text="ODS code of the overspent practice.")
    year = FinancialYearInputField()
    agreed_on = serializers.DateField(help_text="When the practice's locality agreed it.")
    notes = serializers.CharField(help_text="The action taken and where the locality agreed it (minutes).")


# --- calculation ------------------------------------------------------------------------------------


class CalculatedPaymentOutputSerializer(serializers.Serializer):
    component_code = serializers.CharField()
    name = serializers.CharField()
    basis = serializers.CharField()
    amount = MoneyField(source="amount_pence")
    calculated = MoneyField(source="calculated_pence")
    due = serializers.CharField()
    due_label = serializers.CharField(source="due.label")
    due_by = serializers.DateField()
    eligible = serializers.BooleanField()
    clawback = serializers.BooleanField()
    reason = serializers.CharField()


class SchemePracticeFiguresOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    list_size = serializers.IntegerField(allow_null=True)
    signed_up = serializers.BooleanField()
    overspent = serializers.BooleanField(allow_null=True)
    substantial_action_agreed = serializers.BooleanField()
    taking_part = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()
    error = serializers.CharField()
    lines = CalculatedPaymentOutputSerializer(many=True)
    total = MoneyField()


class SchemeLocalityFiguresOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    component_code = serializers.CharField()
    level = serializers.IntegerField()
    population = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    lines = CalculatedPaymentOutputSerializer(many=True)
    total = MoneyField()


class SchemeComponentTotalOutputSerializer(serializers.Serializer):
    component_code = serializers.CharField(source="code")
    name = serializers.CharField()
    amount = MoneyField(source="amount_pence")
    payees = serializers.IntegerField()


class SchemeCalculationOutputSerializer(serializers.Serializer):
    scheme = serializers.IntegerField()
    year = serializers.CharField()
    reference_date = serializers.DateField()
    practices = SchemePracticeFiguresOutputSerializer(many=True)
    localities = SchemeLocalityFiguresOutputSerializer(many=True)
    totals = SchemeComponentTotalOutputSerializer(many=True)
    total = MoneyField()
    problems = serializers.ListField(child=serializers.CharField())


class OutcomesAchievedInputSerializer(serializers.Serializer):
    consortium = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    practice = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class SchemeWhatIfInputSerializer(serializers.Serializer):
    """Figures to calculate with instead of what is recorded; nothing is saved.

    Give ``list_size`` (and outcomes, counts, budget facts) for a practice's payments, or ``level`` and
    ``population`` (and ``localities``) for a locality-level component's allowances.
    """

    list_size = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    achievements = OutcomesAchievedInputSerializer(required=False, default=None, allow_null=True)
    activity_counts = serializers.DictField(
        child=serializers.IntegerField(min_value=0), required=False, default=dict
    )
    overspent = serializers.BooleanField(required=False, default=False)
    substantial_action_agreed = serializers.BooleanField(required=False, default=False)
    taking_part = serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True, default=None
    )
    component = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A locality-level component code."
    )
    level = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    population = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    localities = serializers.IntegerField(min_value=1, required=False, default=1)
    units_per_week = serializers.DictField(child=serializers.CharField(), required=False, default=dict)


class SchemeWhatIfOutputSerializer(serializers.Serializer):
    scheme = serializers.IntegerField()
    year = serializers.CharField()
    lines = CalculatedPaymentOutputSerializer(many=True)
    total = MoneyField()


# --- payments ---------------------------------------------------------------------------------------


class PaymentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.CharField()
    payee_kind = serializers.CharField()
    practice = serializers.SerializerMethodField()
    locality = serializers.SerializerMethodField()
    scheme = serializers.IntegerField(source="scheme_id", allow_null=True)
    source = serializers.CharField()
    source_reference = serializers.CharField()
    kind = serializers.CharField()
    component_code = serializers.CharField()
    name = serializers.CharField()
    basis = serializers.CharField()
    calculated = MoneyField(source="calculated_pence")
    amount = MoneyField(source="amount_pence")
    due = serializers.CharField()
    due_by = serializers.DateField()
    eligible = serializers.BooleanField()
    clawback = serializers.BooleanField()
    reason = serializers.CharField()
    status = serializers.CharField()
    approved_by = serializers.CharField(source="approved_by.username", allow_null=True, default=None)
    approved_at = serializers.DateTimeField(allow_null=True)
    paid_by = serializers.CharField(source="paid_by.username", allow_null=True, default=None)
    paid_at = serializers.DateTimeField(allow_null=True)
    payment_reference = serializers.CharField()

    def get_practice(self, obj) -> str | None:
        return _code(obj.practice)

    def get_locality(self, obj) -> str | None:
        return _code(obj.locality)


class PaymentTransitionOutputSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    at = serializers.DateTimeField()
    note = serializers.CharField()


class PaymentTransitionsOutputSerializer(serializers.Serializer):
    payment = serializers.IntegerField()
    status = serializers.CharField()
    transitions = PaymentTransitionOutputSerializer(many=True)


class PaymentTransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=PaymentAction.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class SchemeScheduleOutputSerializer(serializers.Serializer):
    scheme = serializers.IntegerField()
    lines = serializers.IntegerField()
    total = MoneyField()
    by_status = serializers.DictField(child=MoneyField())


# --- directed enhanced services ----------------------------------------------------------------------


def _optional(field_class, help_text: str, **kwargs):
    """An input field that may be left out or null (the DES that needs it says so)."""
    return field_class(required=False, default=None, allow_null=True, help_text=help_text, **kwargs)


class DesCalculationInputSerializer(serializers.Serializer):
    """A DES payment from the figures given (nothing is read or saved)."""

    des = serializers.ChoiceField(
        choices=[
            "heart_failure",
            "alcohol",
            "learning_disabilities",
            "osteoporosis",
            "ethnicity",
            "extended_hours",
            "im_t",
        ]
    )
    financial_year = FinancialYearInputField()
    list_size = serializers.IntegerField(min_value=0, help_text="Registered patients on the practice list.")
    average_list_size = _optional(
        serializers.IntegerField,
        "National average list; when omitted, the figure configured for the year.",
        min_value=1,
    )
    criteria_met = _optional(
        serializers.ListField,
        "Osteoporosis: the criteria (1, 2, 3) the practice meets.",
        child=serializers.IntegerField(min_value=1, max_value=3),
        max_length=3,
    )
    hours_provided = _optional(
        serializers.DecimalField,
        "Extended hours: extra appointment hours provided a week.",
        max_digits=6,
        decimal_places=2,
        min_value=0,
    )
    attended_education = _optional(
        serializers.BooleanField, "Learning disabilities: the practice attended the PCT's education session."
    )
    count = _optional(
        serializers.IntegerField,
        "Heart failure: patients treated; alcohol: new patients screened; learning disabilities: health checks.",
        min_value=0,
    )
    amount = _optional(MoneyField, "IM&T: the one-off payment claimed (the seed sets no rate).")

    def validate_criteria_met(self, value):
        if value is not None and len(set(value)) != len(value):
            raise serializers.ValidationError("Give each criterion once.")
        return value


class DesConditionOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    met = serializers.BooleanField()


class DesCalculationOutputSerializer(serializers.Serializer):
    des = serializers.CharField()
    financial_year = serializers.CharField(source="year.label")
    amount = MoneyField(source="amount_pence", help_text='"0.00" when a condition is not met.')
    conditions = DesConditionOutputSerializer(many=True)
    basis = serializers.CharField()
