"""Reads of applications, assessments, meetings, interests, notifications and readiness, always scoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from applications.choices import (
    AWAITING_PEC,
    TERMINAL_STATES,
    WORKFLOW,
    ApplicationStatus,
    AssessmentStatus,
    InterestKind,
    MeetingStatus,
    Step,
)
from applications.constants import ANNEX1_AREAS, PRACTICE_COMPETENCIES
from applications.filters import (
    AgendaItemFilter,
    ApplicationFilter,
    InterestDeclarationFilter,
    MeetingFilter,
    PracticeCompetencyFilter,
    ReadinessReviewFilter,
)
from applications.models import (
    AgendaItem,
    Application,
    ApplicationTransition,
    Assessment,
    AssessmentAnswer,
    Attachment,
    CriteriaSet,
    DecisionRules,
    InterestDeclaration,
    Meeting,
    Notification,
    PracticeCompetency,
    ReadinessRating,
    ReadinessReview,
    Vote,
)
from applications.workflow import may_take
from pbc.choices import Role
from pbc.models import FinancialYear, Membership, Pct, Practice
from pbc.permissions import scope_queryset

User = get_user_model()


def _get(qs: QuerySet, **lookup):
    try:
        return qs.get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404(f"No {qs.model._meta.verbose_name} matches, or it is not in your scope.") from exc


def _filtered(filterset_class, qs: QuerySet, filters) -> QuerySet:
    if filters is None:
        return qs
    fs = filterset_class(data=filters, queryset=qs)
    return fs.qs if fs.is_valid() else qs.none()


# Applications ---------------------------------------------------------------------------------------


def application_list(*, user, filters=None) -> QuerySet[Application]:
    qs = scope_queryset(
        Application.objects.select_related("pct", "locality", "provider", "year").prefetch_related(
            Prefetch("practices", queryset=Practice.objects.order_by("code"))
        ),
        user,
    )
    return _filtered(ApplicationFilter, qs, filters)


def application_get(*, user, pk: int) -> Application:
    return _get(application_list(user=user), pk=pk)


def transition_list(*, application: Application) -> QuerySet[ApplicationTransition]:
    return application.transitions.select_related("agenda_item__meeting").order_by("created", "pk")


def attachment_get(*, user, pk: int) -> Attachment:
    return _get(scope_queryset(Attachment.objects.select_related("application"), user), pk=pk)


def applicant_practices(*, application: Application) -> list[Practice]:
    """The practices that apply: those named, or for a locality application every practice of the locality."""
    named = list(application.practices.all())
    if named or not application.locality_id:
        return named
    return list(Practice.objects.filter(locality_id=application.locality_id).order_by("code"))


def steps_for(*, application: Application, user) -> list[Step]:
    """The actions ``user`` may take on ``application`` from its page (PEC decisions are taken at meetings)."""
    if not user.is_authenticated:
        return []
    return [
        step
        for step in WORKFLOW.values()
        if not step.at_meeting and may_take(step, status=application.status, permissions=user.has_perm)
    ]


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime
    title: str
    who: str
    detail: str
    status: str


def application_timeline(*, application: Application) -> list[TimelineEvent]:
    """Transitions and agenda listings, oldest first: everything that happened to the application."""
    events = [
        TimelineEvent(
            t.created,
            t.get_action_display(),
            t.actor_name,
            t.reason,
            ApplicationStatus(t.to_status).label,
        )
        for t in transition_list(application=application)
    ]
    for item in application.agenda_items.select_related("meeting"):
        events.append(
            TimelineEvent(
                item.added_at,
                f"Put on the agenda of the PEC meeting on {timezone.localtime(item.meeting.starts_at):%d %b %Y}",
                "",
                item.meeting.location,
                "",
            )
        )
    return sorted(events, key=lambda e: e.when)


def decision_rules_for(*, pct: Pct, year: FinancialYear) -> DecisionRules:
    """The PCT's rules for the year, or the defaults (an unsaved row) where none are set."""
    rules = DecisionRules.objects.filter(pct=pct, year=year).first()
    return rules or DecisionRules(pct=pct, year=year)


def decision_rules_list(*, user) -> QuerySet[DecisionRules]:
    return scope_queryset(DecisionRules.objects.select_related("pct", "year"), user)


def application_counts_by_status(*, user) -> dict[str, int]:
    rows = scope_queryset(Application.objects.all(), user).values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


@dataclass(frozen=True)
class Waiting:
    step: Step
    count: int
    statuses: tuple[str, ...]


def waiting_for(*, user) -> list[Waiting]:
    """Actions the user's role may take (other than withdrawing), with how many applications in scope await each."""
    counts = application_counts_by_status(user=user)
    result = []
    for step in WORKFLOW.values():
        if step.at_meeting or step.action == "withdraw" or not user.has_perm(step.permission):
            continue
        statuses = tuple(sorted(s for s in step.sources if counts.get(s)))
        if statuses:
            result.append(Waiting(step, sum(counts[s] for s in statuses), statuses))
    return result


# Assessment -----------------------------------------------------------------------------------------


def criteria_set_for(*, pct: Pct, year: FinancialYear) -> CriteriaSet | None:
    return CriteriaSet.objects.filter(pct=pct, year=year).prefetch_related("criteria").first()


def assessment_list(*, application: Application) -> QuerySet[Assessment]:
    return (
        application.assessments.select_related("assessor", "criteria_set")
        .prefetch_related(
            Prefetch("answers", queryset=AssessmentAnswer.objects.select_related("criterion")),
        )
        .order_by("created", "pk")
    )


def assessment_for(*, application: Application, assessor) -> Assessment | None:
    return assessment_list(application=application).filter(assessor=assessor).first()


def completed_assessment_count(*, application: Application) -> int:
    return application.assessments.filter(status=AssessmentStatus.COMPLETED).count()


def assessment_list_scoped(*, user, application: Application) -> QuerySet[Assessment]:
    return scope_queryset(assessment_list(application=application), user)


# Interests and conflicts ----------------------------------------------------------------------------


def current_declarations(*, pct_id: int, members=None) -> QuerySet[InterestDeclaration]:
    qs = InterestDeclaration.objects.filter(pct_id=pct_id, ended_at__isnull=True).select_related(
        "member", "practice", "provider", "application"
    )
    if members is not None:
        qs = qs.filter(member__in=members)
    return qs


def declaration_conflicts(
    declaration: InterestDeclaration, *, application_id: int, practice_ids: set[int], provider_id: int | None
) -> bool:
    """Whether a current declaration gives its member an interest in the application (pure, no queries)."""
    if declaration.kind == InterestKind.APPLICATION:
        return declaration.application_id == application_id
    if declaration.kind == InterestKind.PRACTICE:
        return declaration.practice_id in practice_ids
    if declaration.kind == InterestKind.PROVIDER:
        return provider_id is not None and declaration.provider_id == provider_id
    return False


def _touching(application: Application, declarations) -> dict[int, list[InterestDeclaration]]:
    practice_ids = {p.pk for p in applicant_practices(application=application)}
    result: dict[int, list[InterestDeclaration]] = {}
    for d in declarations:
        if declaration_conflicts(
            d, application_id=application.pk, practice_ids=practice_ids, provider_id=application.provider_id
        ):
            result.setdefault(d.member_id, []).append(d)
    return result


def conflicts_on(*, application: Application, members=None) -> dict[int, list[InterestDeclaration]]:
    """Members (by user id) with a current interest in ``application``, and the declarations that give it."""
    return _touching(application, current_declarations(pct_id=application.pct_id, members=members))


def interest_record_on(*, application: Application, members=None) -> dict[int, list[InterestDeclaration]]:
    """Members (by user id) with any declaration, current or ended, touching ``application``."""
    qs = InterestDeclaration.objects.filter(pct_id=application.pct_id).select_related(
        "member", "practice", "provider", "application", "ended_by"
    )
    if members is not None:
        qs = qs.filter(member__in=members)
    return _touching(application, qs.order_by("declared_at", "pk"))


def interest_snapshot(declarations) -> list[dict]:
    """Declarations as plain data, to keep with a vote or decision as they stood then (pure, no queries)."""
    return [
        {
            "id": d.pk,
            "member": d.member.username,
            "kind": d.kind,
            "description": d.description,
            "declared_at": d.declared_at.isoformat(),
            "current": d.ended_at is None,
            "ended_at": d.ended_at.isoformat() if d.ended_at else None,
            "ended_by": d.ended_by.username if d.ended_by_id else None,
            "end_reason": d.end_reason,
        }
        for d in declarations
    ]


def open_agenda_items_covered(*, declaration: InterestDeclaration) -> list[AgendaItem]:
    """Items on the agendas of the PCT's open meetings that ``declaration`` gives its member an interest in."""
    items = (
        AgendaItem.objects.filter(meeting__pct_id=declaration.pct_id, meeting__status=MeetingStatus.SCHEDULED)
        .select_related("meeting", "application")
        .order_by("meeting__starts_at", "position", "pk")
    )
    return [
        item
        for item in items
        if declaration_conflicts(
            declaration,
            application_id=item.application_id,
            practice_ids={p.pk for p in applicant_practices(application=item.application)},
            provider_id=item.application.provider_id,
        )
    ]


def member_conflicts(*, member, application: Application) -> list[InterestDeclaration]:
    return conflicts_on(application=application, members=[member]).get(member.pk, [])


def interest_declaration_list(*, user, filters=None) -> QuerySet[InterestDeclaration]:
    qs = scope_queryset(
        InterestDeclaration.objects.select_related(
            "member", "practice", "provider", "application", "meeting", "ended_by"
        ),
        user,
    )
    return _filtered(InterestDeclarationFilter, qs, filters)


def interest_declaration_get(*, user, pk: int) -> InterestDeclaration:
    return _get(interest_declaration_list(user=user), pk=pk)


# Meetings -------------------------------------------------------------------------------------------


def meeting_list(*, user, filters=None) -> QuerySet[Meeting]:
    qs = (
        scope_queryset(Meeting.objects.select_related("pct", "chair"), user)
        .annotate(item_count=Count("items", distinct=True))
        .order_by("-starts_at", "-pk")
    )
    return _filtered(MeetingFilter, qs, filters)


def meeting_get(*, user, pk: int) -> Meeting:
    return _get(scope_queryset(Meeting.objects.select_related("pct", "chair"), user), pk=pk)


def agenda_items(*, meeting: Meeting) -> QuerySet[AgendaItem]:
    return (
        meeting.items.select_related("application__locality", "application__provider", "decided_by")
        .prefetch_related(
            Prefetch("application__practices", queryset=Practice.objects.order_by("code")),
            Prefetch("votes", queryset=Vote.objects.select_related("member").order_by("cast_at", "pk")),
        )
        .order_by("position", "pk")
    )


def agenda_item_get(*, user, pk: int) -> AgendaItem:
    qs = scope_queryset(
        AgendaItem.objects.select_related("meeting__chair", "meeting__pct", "application", "decided_by"), user
    )
    return _get(qs, pk=pk)


def pec_members(*, pct: Pct) -> QuerySet:
    return user_list_with_role(pct=pct, roles=[Role.PEC_MEMBER])


@dataclass
class ItemView:
    """An agenda item as a meeting page shows it: votes, who is conflicted, and whether it is quorate."""

    item: AgendaItem
    conflicts: dict[int, list[InterestDeclaration]]
    eligible_votes: int
    quorate: bool
    tally: dict[str, int]


def agenda_item_view(*, item: AgendaItem, quorum: int) -> ItemView:
    conflicts = conflicts_on(application=item.application)
    votes = list(item.votes.all())
    eligible = [v for v in votes if v.member_id not in conflicts]
    tally: dict[str, int] = {}
    for v in eligible:
        tally[v.get_choice_display()] = tally.get(v.get_choice_display(), 0) + 1
    return ItemView(item, conflicts, len(eligible), len(eligible) >= quorum, tally)


def eligible_vote_count(*, item: AgendaItem) -> int:
    conflicted = set(conflicts_on(application=item.application))
    return item.votes.exclude(member_id__in=conflicted).count()


def agenda_candidates(*, user, meeting: Meeting) -> QuerySet[Application]:
    """Applications awaiting the PEC in the meeting's PCT that are not already on an undecided agenda item."""
    waiting = AgendaItem.objects.filter(outcome="", meeting__status=MeetingStatus.SCHEDULED)
    return (
        application_list(user=user)
        .filter(pct=meeting.pct, status__in=AWAITING_PEC)
        .exclude(pk__in=waiting.values("application_id"))
        .order_by("pk")
    )


def decision_list(*, user, filters=None) -> QuerySet[AgendaItem]:
    qs = scope_queryset(
        AgendaItem.objects.exclude(outcome="").select_related("meeting", "application", "decided_by"), user
    ).order_by("-decided_at", "-pk")
    return _filtered(AgendaItemFilter, qs, filters)


def upcoming_meetings(*, user, limit: int = 5) -> QuerySet[Meeting]:
    return meeting_list(user=user).filter(status=MeetingStatus.SCHEDULED).order_by("starts_at")[:limit]


# People ---------------------------------------------------------------------------------------------


def user_list_with_role(*, pct: Pct | int, roles, practices=None, locality=None) -> QuerySet:
    memberships = Membership.objects.filter(pct=pct, role__in=list(roles))
    if practices is not None:
        memberships = memberships.filter(practice__in=practices)
    if locality is not None:
        memberships = memberships.filter(locality=locality)
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("username")


def applicant_users(*, application: Application) -> list:
    """Who speaks for the applicant: the practices' managers, the locality's leads and the author."""
    practices = applicant_practices(application=application)
    users = set(
        user_list_with_role(
            pct=application.pct_id, roles=[Role.PRACTICE_MANAGER], practices=practices
        ).values_list("pk", flat=True)
    )
    if application.locality_id:
        users |= set(
            user_list_with_role(
                pct=application.pct_id, roles=[Role.LOCALITY_LEAD], locality=application.locality_id
            ).values_list("pk", flat=True)
        )
    if application.created_by_id:
        users.add(application.created_by_id)
    return list(User.objects.filter(pk__in=users, is_active=True).order_by("username"))


# Notifications --------------------------------------------------------------------------------------


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("application").order_by("-created", "-pk")


def unread_notifications(*, user, limit: int = 10) -> list[Notification]:
    return list(notification_list(user=user).filter(read_at__isnull=True)[:limit])


# Readiness and competencies -------------------------------------------------------------------------


def readiness_review_list(*, user, filters=None) -> QuerySet[ReadinessReview]:
    qs = scope_queryset(
        ReadinessReview.objects.select_related("pct", "recorded_by").prefetch_related("ratings"), user
    )
    return _filtered(ReadinessReviewFilter, qs, filters)


def readiness_review_get(*, user, pk: int) -> ReadinessReview:
    return _get(readiness_review_list(user=user), pk=pk)


@dataclass
class TrendRow:
    group: str
    code: str
    label: str
    cells: list[ReadinessRating | None]


def readiness_trend(*, reviews: list[ReadinessReview]) -> list[TrendRow]:
    """One row per Annex 1 area, one cell per review (oldest first); uses the reviews' prefetched ratings."""
    by_review = [{r.area: r for r in review.ratings.all()} for review in reviews]
    return [
        TrendRow(group, code, label, [ratings.get(code) for ratings in by_review])
        for group, code, label in ANNEX1_AREAS
    ]


def competency_practices(*, user, filters=None) -> QuerySet[Practice]:
    from pbc.selectors import practice_list

    return practice_list(user=user, filters=filters).annotate(
        competencies_met=Count("competencies", filter=Q(competencies__status="met"), distinct=True)
    )


def competency_checklist(*, practice: Practice) -> list[tuple[str, str, PracticeCompetency | None]]:
    have = {c.item: c for c in practice.competencies.select_related("reviewed_by")}
    return [(code, label, have.get(code)) for code, label in PRACTICE_COMPETENCIES]


def practice_for_competency(*, user, code: str) -> Practice:
    from pbc.selectors import practice_get

    return practice_get(user=user, code=code)


def practice_competency_list(*, user, filters=None) -> QuerySet[PracticeCompetency]:
    """Recorded checklist items of the practices in scope (items never assessed have no row)."""
    qs = scope_queryset(PracticeCompetency.objects.select_related("practice__locality", "reviewed_by"), user)
    return _filtered(PracticeCompetencyFilter, qs, filters)


def practice_competency_get(*, user, pk: int) -> PracticeCompetency:
    return _get(practice_competency_list(user=user), pk=pk)


def open_applications_for_applicant(*, user, limit: int = 10) -> list[Application]:
    return list(application_list(user=user).exclude(status__in=TERMINAL_STATES).order_by("-updated")[:limit])


def vote_of(*, item: AgendaItem, member) -> Vote | None:
    return item.votes.filter(member=member).first()


def applications_on_agenda(*, application: Application) -> QuerySet[AgendaItem]:
    return application.agenda_items.select_related("meeting").order_by("meeting__starts_at")
