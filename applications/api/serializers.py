"""Output and input serializers of the applications API (separate classes; never saved through)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from applications.choices import (
    PEC_DECISIONS,
    Action,
    ApplicationKind,
    CompetencyStatus,
    FundingSource,
    Rag,
    Recommendation,
    VoteChoice,
)
from applications.constants import ANNEX1_AREAS, PRACTICE_COMPETENCIES
from pbc.api.fields import MoneyField
from pbc.labels import treatment_function_label


class TransitionOutputSerializer(serializers.Serializer):
    action = serializers.CharField()
    action_label = serializers.CharField(source="get_action_display")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor_name")
    reason = serializers.CharField()
    agenda_item = serializers.IntegerField(source="agenda_item_id", allow_null=True)
    at = serializers.DateTimeField(source="created")


class StepOutputSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    reason_required = serializers.BooleanField()
    reason_label = serializers.CharField()
    at_meeting = serializers.BooleanField()


class AttachmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    description = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return reverse("applications:attachment_download", kwargs={"pk": obj.pk})


class ApplicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    pct = serializers.CharField(source="pct.code")
    locality = serializers.CharField(source="locality.code", allow_null=True, default=None)
    practices = serializers.SerializerMethodField()
    year = serializers.CharField(source="year.label")
    summary = serializers.CharField()
    reasons = serializers.CharField()
    treatment_functions = serializers.ListField(child=serializers.CharField())
    treatment_function_labels = serializers.SerializerMethodField()
    risks = serializers.CharField()
    clinical_outcomes = serializers.CharField()
    patient_benefit = serializers.CharField()
    patients_benefiting = serializers.IntegerField(allow_null=True)
    cost = MoneyField(source="cost_pence")
    expected_savings = MoneyField(source="expected_savings_pence")
    management_cost = MoneyField(source="management_cost_pence")
    funding_source = serializers.CharField()
    proposed_start = serializers.DateField(allow_null=True)
    stakeholders_consulted = serializers.CharField()
    patients_consulted = serializers.CharField()
    provider = serializers.CharField(source="provider.code", allow_null=True, default=None)
    provider_is_applicant = serializers.BooleanField()
    recommendation_summary = serializers.CharField()
    conditions = serializers.CharField()
    ratification_required = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()

    def get_practices(self, obj) -> list[str]:
        return [p.code for p in obj.practices.all()]

    def get_treatment_function_labels(self, obj) -> list[str]:
        """The codes with their NHS Data Dictionary names ("300 General Internal Medicine")."""
        return [treatment_function_label(c) for c in obj.treatment_functions or []]


class ApplicationDetailOutputSerializer(ApplicationOutputSerializer):
    timeline = TransitionOutputSerializer(many=True, source="timeline_rows")
    available_actions = StepOutputSerializer(many=True)
    attachments = AttachmentOutputSerializer(many=True, source="attachment_rows")


class ApplicationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ApplicationKind.choices, default=ApplicationKind.NEW_SERVICE)
    title = serializers.CharField(max_length=200)
    practices = serializers.ListField(child=serializers.CharField(max_length=6), required=False, default=list)
    locality = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    reasons = serializers.CharField(required=False, allow_blank=True, default="")
    treatment_functions = serializers.ListField(
        child=serializers.RegexField(r"^[0-9A-Za-z]{3}$"), required=False, default=list
    )
    risks = serializers.CharField(required=False, allow_blank=True, default="")
    clinical_outcomes = serializers.CharField(required=False, allow_blank=True, default="")
    patient_benefit = serializers.CharField(required=False, allow_blank=True, default="")
    patients_benefiting = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    cost = MoneyField(required=False, default=0)
    expected_savings = MoneyField(required=False, default=0)
    management_cost = MoneyField(required=False, default=0)
    funding_source = serializers.ChoiceField(
        choices=FundingSource.choices, required=False, allow_blank=True, default=""
    )
    proposed_start = serializers.DateField(required=False, allow_null=True, default=None)
    stakeholders_consulted = serializers.CharField(required=False, allow_blank=True, default="")
    patients_consulted = serializers.CharField(required=False, allow_blank=True, default="")
    provider = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    provider_is_applicant = serializers.BooleanField(required=False, default=False)


class ApplicationUpdateSerializer(ApplicationInputSerializer):
    """A partial change to a draft; only the fields sent change."""


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a.value, a.label) for a in Action])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SubmitStatusOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    can_submit = serializers.BooleanField()


class TransitionsOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    timeline = TransitionOutputSerializer(many=True)
    available_actions = StepOutputSerializer(many=True)


class AnswerOutputSerializer(serializers.Serializer):
    criterion = serializers.CharField(source="criterion.code")
    section = serializers.CharField(source="criterion.section")
    text = serializers.CharField(source="criterion.text")
    answer = serializers.CharField()
    comment = serializers.CharField()


class AssessmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assessor = serializers.CharField(source="assessor.username")
    status = serializers.CharField()
    recommendation = serializers.CharField()
    summary = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)
    criteria_set = serializers.CharField(source="criteria_set.name")
    answers = AnswerOutputSerializer(many=True)


class AnswerInputSerializer(serializers.Serializer):
    criterion = serializers.CharField(max_length=10)
    answer = serializers.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No"), ("", "Unanswered")], allow_blank=True
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AssessmentInputSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True)
    recommendation = serializers.ChoiceField(
        choices=Recommendation.choices, required=False, allow_blank=True, default=""
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    complete = serializers.BooleanField(required=False, default=False)


class InterestSnapshotSerializer(serializers.Serializer):
    """A declaration as it stood when a vote was cast or a decision taken."""

    id = serializers.IntegerField()
    member = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()
    declared_at = serializers.DateTimeField()
    current = serializers.BooleanField()
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.CharField(allow_null=True)
    end_reason = serializers.CharField(allow_blank=True)


class VoteOutputSerializer(serializers.Serializer):
    member = serializers.CharField(source="member.username")
    choice = serializers.CharField()
    comment = serializers.CharField()
    cast_at = serializers.DateTimeField()
    declared_interest_at_vote = serializers.BooleanField(
        help_text="The member had declared an interest in it, ended before the vote."
    )
    interests_at_vote = InterestSnapshotSerializer(many=True)


class AgendaItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    position = serializers.IntegerField()
    application = serializers.IntegerField(source="application_id")
    application_reference = serializers.CharField(source="application.reference")
    application_title = serializers.CharField(source="application.title")
    outcome = serializers.CharField()
    outcome_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    declared_interest_at_decision = serializers.BooleanField(
        help_text="The chair who decided had declared an interest in it, ended before the decision."
    )
    interests_at_decision = InterestSnapshotSerializer(
        many=True, help_text="Every declaration touching the application when it was decided."
    )


class AgendaItemDetailOutputSerializer(AgendaItemOutputSerializer):
    votes = VoteOutputSerializer(many=True, source="vote_rows")
    conflicted_members = serializers.ListField(child=serializers.CharField())
    eligible_votes = serializers.IntegerField()
    quorum = serializers.IntegerField(source="meeting.quorum")
    quorate = serializers.BooleanField()


class MeetingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pct = serializers.CharField(source="pct.code")
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    location = serializers.CharField()
    chair = serializers.CharField(source="chair.username")
    quorum = serializers.IntegerField()
    status = serializers.CharField()


class MeetingDetailOutputSerializer(MeetingOutputSerializer):
    items = AgendaItemDetailOutputSerializer(many=True, source="item_rows")


class MeetingInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, default="Professional Executive Committee")
    starts_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    chair = serializers.CharField(help_text="Username of the chair, a PEC member.")
    quorum = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class AgendaItemInputSerializer(serializers.Serializer):
    application = serializers.IntegerField()


class VoteInputSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=VoteChoice.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DecisionInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(a, Action(a).label) for a in PEC_DECISIONS])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class InterestDeclarationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.CharField(source="member.username")
    kind = serializers.CharField()
    practice = serializers.CharField(source="practice.code", allow_null=True, default=None)
    provider = serializers.CharField(source="provider.code", allow_null=True, default=None)
    application = serializers.IntegerField(source="application_id", allow_null=True)
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    description = serializers.CharField()
    declared_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.CharField(source="ended_by.username", allow_null=True, default=None)
    end_reason = serializers.CharField()


class InterestEndInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    application = serializers.IntegerField(source="application_id", allow_null=True)
    subject = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    created = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class ReadinessRatingOutputSerializer(serializers.Serializer):
    area = serializers.CharField()
    area_label = serializers.CharField(source="get_area_display")
    rag = serializers.CharField()
    evidence = serializers.CharField()
    actions = serializers.CharField()


class ReadinessReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pct = serializers.CharField(source="pct.code")
    review_date = serializers.DateField()
    notes = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username", allow_null=True, default=None)
    ratings = ReadinessRatingOutputSerializer(many=True)


class ReadinessRatingInputSerializer(serializers.Serializer):
    area = serializers.ChoiceField(choices=[(code, label) for _, code, label in ANNEX1_AREAS])
    rag = serializers.ChoiceField(choices=Rag.choices, help_text="State of readiness: red, amber or green.")
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    actions = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Further actions required."
    )


class ReadinessReviewInputSerializer(serializers.Serializer):
    review_date = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    ratings = ReadinessRatingInputSerializer(
        many=True, allow_empty=False, help_text="Annex 1 areas rated that day; areas left out are not rated."
    )

    def validate_ratings(self, value):
        areas = [r["area"] for r in value]
        if len(set(areas)) != len(areas):
            raise serializers.ValidationError("Rate each area at most once.")
        return value


class PracticeCompetencyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    practice = serializers.CharField(source="practice.code")
    practice_name = serializers.CharField(source="practice.name")
    locality = serializers.CharField(source="practice.locality.code", allow_null=True, default=None)
    item = serializers.CharField()
    item_label = serializers.CharField(source="get_item_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    evidence = serializers.CharField()
    reviewed_on = serializers.DateField(allow_null=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", allow_null=True, default=None)


class PracticeCompetencyItemInputSerializer(serializers.Serializer):
    item = serializers.ChoiceField(choices=PRACTICE_COMPETENCIES)
    status = serializers.ChoiceField(choices=CompetencyStatus.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class PracticeCompetencyRecordInputSerializer(serializers.Serializer):
    practice = serializers.CharField(max_length=6, help_text="ODS code of the practice.")
    reviewed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Today if left out."
    )
    items = PracticeCompetencyItemInputSerializer(many=True, allow_empty=False)

    def validate_items(self, value):
        items = [i["item"] for i in value]
        if len(set(items)) != len(items):
            raise serializers.ValidationError("Give each checklist item at most once.")
        return value
