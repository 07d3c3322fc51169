"""Choices of the applications app, and the workflow as data.

``WORKFLOW`` is the one table of what may happen to an application: for each action, the states it may
be taken from, the state it leads to, the roles that may take it (and the Django permission those roles
hold for it), whether a reason is required, and whether it is taken at a PEC meeting. Only
``applications.services`` changes an application's status, and only by looking an action up here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from pbc.choices import Role


class ApplicationKind(models.TextChoices):
    NEW_SERVICE = "new_service", "New-service business case"
    COMMISSIONING_PLAN = "commissioning_plan", "Annual PBC commissioning plan"
    INNOVATION_BID = "innovation_bid", "Innovation funding bid"
    FREED_RESOURCES = "freed_resources", "Proposal for use of freed-up resources"
    HOLD_BUDGET = "hold_budget", "Request to hold a budget"
    LOCALITY_UPGRADE = "locality_upgrade", "Locality level upgrade"


class FundingSource(models.TextChoices):
    INDICATIVE_BUDGET = "indicative_budget", "Within the indicative budget"
    FREED_RESOURCES = "freed_resources", "Freed-up resources"
    MANAGEMENT_COSTS = "management_costs", "PBC management costs"
    INNOVATION_FUND = "innovation_fund", "Innovation fund"
    PCT_INVESTMENT = "pct_investment", "New PCT investment"
    OTHER = "other", "Other (say which in the summary)"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_ASSESSMENT = "under_assessment", "Under assessment"
    RECOMMENDED = "recommended", "Recommended to the PEC"
    NOT_RECOMMENDED = "not_recommended", "Not recommended to the PEC"
    DEFERRED = "deferred", "Deferred (back to the PEC agenda)"
    AWAITING_RATIFICATION = "awaiting_ratification", "Approved by the PEC, awaiting Board ratification"
    APPROVED = "approved", "Approved"
    IMPLEMENTED = "implemented", "Implemented"
    CLOSED = "closed", "Closed"
    REJECTED = "rejected", "Rejected"
    LOCAL_RESOLUTION = "local_resolution", "Appealed: local dispute resolution"
    SHA_ARBITRATION = "sha_arbitration", "Appealed: SHA arbitration"
    REJECTION_UPHELD = "rejection_upheld", "Rejected (upheld at SHA arbitration)"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Action(models.TextChoices):
    SUBMIT = "submit", "Submit"
    WITHDRAW = "withdraw", "Withdraw"
    START_ASSESSMENT = "start_assessment", "Start assessment"
    RECOMMEND = "recommend", "Recommend to the PEC"
    NOT_RECOMMEND = "not_recommend", "Do not recommend"
    APPROVE = "approve", "Approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", "Approve with conditions"
    DEFER = "defer", "Defer"
    REJECT = "reject", "Reject"
    RATIFY = "ratify", "Ratify"
    REFER_BACK = "refer_back", "Refer back to the PEC"
    APPEAL = "appeal", "Appeal"
    RESOLVE_LOCALLY = "resolve_locally", "Resolve locally (back to the PEC)"
    REFER_TO_SHA = "refer_to_sha", "Refer to SHA arbitration"
    UPHOLD = "uphold", "Record SHA outcome: rejection upheld"
    OVERTURN = "overturn", "Record SHA outcome: rejection overturned"
    IMPLEMENT = "implement", "Mark implemented"
    CLOSE = "close", "Close"


S = ApplicationStatus
APPLICANTS = frozenset({Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD})
BEFORE_DECISION = frozenset(
    {S.DRAFT, S.SUBMITTED, S.UNDER_ASSESSMENT, S.RECOMMENDED, S.NOT_RECOMMENDED, S.DEFERRED}
)
AWAITING_PEC = frozenset({S.RECOMMENDED, S.NOT_RECOMMENDED, S.DEFERRED})


@dataclass(frozen=True)
class Step:
    """One row of the workflow table."""

    action: str
    sources: frozenset
    target: str
    roles: frozenset
    permission: str
    reason_required: bool = False
    reason_label: str = "Reason"
    at_meeting: bool = False  # a PEC decision: taken by the meeting's chair on an agenda item
    ratifiable: bool = False  # leads to Board ratification instead of ``target`` where required

    @property
    def label(self) -> str:
        return Action(self.action).label


def _step(action, sources, target, roles, perm, **kw) -> Step:
    return Step(Action(action), frozenset(sources), S(target), frozenset(roles), f"applications.{perm}", **kw)


_PEC = {Role.PEC_MEMBER}
_PG = {Role.PROJECT_GROUP}
_BOARD = {Role.BOARD_MEMBER}
_COMMISSIONING = {Role.PCT_COMMISSIONING}

WORKFLOW: dict[str, Step] = {
    step.action: step
    for step in (
        _step(Action.SUBMIT, {S.DRAFT}, S.SUBMITTED, APPLICANTS, "submit_application"),
        _step(Action.WITHDRAW, BEFORE_DECISION, S.WITHDRAWN, APPLICANTS, "submit_application"),
        _step(Action.START_ASSESSMENT, {S.SUBMITTED}, S.UNDER_ASSESSMENT, _PG, "assess_application"),
        _step(
            Action.RECOMMEND,
            {S.UNDER_ASSESSMENT},
            S.RECOMMENDED,
            _PG,
            "assess_application",
            reason_required=True,
            reason_label="The project group's recommendation (summarise the assessments)",
        ),
        _step(
            Action.NOT_RECOMMEND,
            {S.UNDER_ASSESSMENT},
            S.NOT_RECOMMENDED,
            _PG,
            "assess_application",
            reason_required=True,
            reason_label="Why the project group does not recommend it (summarise the assessments)",
        ),
        _step(
            Action.APPROVE,
            AWAITING_PEC,
            S.APPROVED,
            _PEC,
            "decide_application",
            at_meeting=True,
            ratifiable=True,
        ),
        _step(
            Action.APPROVE_WITH_CONDITIONS,
            AWAITING_PEC,
            S.APPROVED,
            _PEC,
            "decide_application",
            reason_required=True,
            reason_label="Conditions",
            at_meeting=True,
            ratifiable=True,
        ),
        _step(
            Action.DEFER,
            AWAITING_PEC,
            S.DEFERRED,
            _PEC,
            "decide_application",
            reason_required=True,
            reason_label="Why it is deferred and what the PEC needs",
            at_meeting=True,
        ),
        _step(
            Action.REJECT,
            AWAITING_PEC,
            S.REJECTED,
            _PEC,
            "decide_application",
            reason_required=True,
            reason_label="Reasons for rejection",
            at_meeting=True,
        ),
        _step(Action.RATIFY, {S.AWAITING_RATIFICATION}, S.APPROVED, _BOARD, "ratify_application"),
        _step(
            Action.REFER_BACK,
            {S.AWAITING_RATIFICATION},
            S.DEFERRED,
            _BOARD,
            "ratify_application",
            reason_required=True,
            reason_label="What the Board asks the PEC to reconsider",
        ),
        _step(
            Action.APPEAL,
            {S.REJECTED},
            S.LOCAL_RESOLUTION,
            APPLICANTS,
            "appeal_application",
            reason_required=True,
            reason_label="Grounds of appeal",
        ),
        _step(
            Action.REFER_TO_SHA,
            {S.LOCAL_RESOLUTION},
            S.SHA_ARBITRATION,
            APPLICANTS,
            "appeal_application",
            reason_required=True,
            reason_label="Why local dispute resolution did not settle it",
        ),
        _step(
            Action.RESOLVE_LOCALLY,
            {S.LOCAL_RESOLUTION},
            S.DEFERRED,
            _COMMISSIONING,
            "arbitrate_appeal",
            reason_required=True,
            reason_label="What was agreed locally",
        ),
        _step(
            Action.UPHOLD,
            {S.SHA_ARBITRATION},
            S.REJECTION_UPHELD,
            _COMMISSIONING,
            "arbitrate_appeal",
            reason_required=True,
            reason_label="The SHA arbitration group's finding",
        ),
        _step(
            Action.OVERTURN,
            {S.SHA_ARBITRATION},
            S.APPROVED,
            _COMMISSIONING,
            "arbitrate_appeal",
            reason_required=True,
            reason_label="The SHA arbitration group's finding",
        ),
        _step(Action.IMPLEMENT, {S.APPROVED}, S.IMPLEMENTED, _COMMISSIONING, "close_application"),
        _step(Action.CLOSE, {S.IMPLEMENTED}, S.CLOSED, _COMMISSIONING, "close_application"),
    )
}

# Decisions the PEC takes at a meeting, in the order a chair sees them.
PEC_DECISIONS = tuple(a for a, step in WORKFLOW.items() if step.at_meeting)
# A step marked ratifiable goes here instead of its target when the Board must ratify.
RATIFICATION_STATE = S.AWAITING_RATIFICATION
# States in which the applicant's case is open to appeal or under appeal.
APPEAL_STATES = frozenset({S.REJECTED, S.LOCAL_RESOLUTION, S.SHA_ARBITRATION})
TERMINAL_STATES = frozenset({S.CLOSED, S.REJECTION_UPHELD, S.WITHDRAWN})
# Kinds of transition whose outcome is a decision (notified as such).
DECISION_ACTIONS = frozenset(
    {*PEC_DECISIONS, Action.RATIFY, Action.REFER_BACK, Action.NOT_RECOMMEND, Action.RECOMMEND}
)
APPEAL_OUTCOMES = frozenset({Action.RESOLVE_LOCALLY, Action.UPHOLD, Action.OVERTURN})


def _check_table() -> None:
    """Actions sharing a permission must be open to the same roles (the permission is the grant)."""
    by_perm: dict[str, frozenset] = {}
    for step in WORKFLOW.values():
        seen = by_perm.setdefault(step.permission, step.roles)
        if seen != step.roles:
            raise AssertionError(f"{step.permission} is used by actions with different roles")


_check_table()


def steps_from(status: str) -> list[Step]:
    """Every action the table allows from ``status``, whoever takes it."""
    return [step for step in WORKFLOW.values() if status in step.sources]


class CriterionSection(models.TextChoices):
    A = "A", "A. Strategic fit"
    B = "B", "B. Accountability"
    C = "C", "C. Financial"
    D = "D", "D. Service provision"
    E = "E", "E. Timeframes"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "In progress"
    COMPLETED = "completed", "Completed"


class Recommendation(models.TextChoices):
    RECOMMEND = "recommend", "Recommend to the PEC"
    NOT_RECOMMEND = "not_recommend", "Do not recommend"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CLOSED = "closed", "Closed (minutes final)"


class VoteChoice(models.TextChoices):
    APPROVE = "approve", "Approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", "Approve with conditions"
    DEFER = "defer", "Defer"
    REJECT = "reject", "Reject"
    ABSTAIN = "abstain", "Abstain"


class InterestKind(models.TextChoices):
    PRACTICE = "practice", "Partner in or employed by a practice"
    PROVIDER = "provider", "Interest in a provider"
    APPLICATION = "application", "Interest in a particular application"
    OTHER = "other", "Other interest (recorded, not automatically conflicting)"


class NotificationKind(models.TextChoices):
    SUBMISSION_RECEIVED = "submission_received", "Submission received"
    ASSESSMENT_DUE = "assessment_due", "Assessment due"
    ON_AGENDA = "on_agenda", "On the PEC agenda"
    DECISION = "decision", "Decision"
    RATIFICATION_DUE = "ratification_due", "Board ratification due"
    APPEAL = "appeal", "Appeal"
    APPEAL_OUTCOME = "appeal_outcome", "Appeal outcome"
    STATUS_CHANGED = "status_changed", "Status changed"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class CompetencyStatus(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Not yet assessed"
    NOT_MET = "not_met", "Not met"
    PARTLY_MET = "partly_met", "Partly met"
    MET = "met", "Met"
