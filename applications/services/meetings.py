"""Writes to PEC meetings: scheduling, agendas, declarations of interest, votes and decisions."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from applications import selectors
from applications.choices import AWAITING_PEC, PEC_DECISIONS, InterestKind, MeetingStatus, VoteChoice
from applications.constants import PEC_SECRETARY_PERMISSION
from applications.exceptions import ConflictOfInterest
from applications.models import AgendaItem, Application, InterestDeclaration, Meeting, Vote
from applications.services._common import after_commit, require, save
from applications.services.applications import application_transition, financial_year_for
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from pbc.models import Membership, Pct
from pbc.permissions import can


def _is_pec_member(user, pct: Pct) -> bool:
    return Membership.objects.filter(user=user, pct=pct, role=Role.PEC_MEMBER).exists()


@transaction.atomic
def meeting_create(
    *,
    actor,
    pct: Pct,
    starts_at: datetime,
    chair,
    title: str = "Professional Executive Committee",
    location: str = "",
    quorum: int | None = None,
    notes: str = "",
) -> Meeting:
    """Schedule a PEC meeting with a chair from the PEC; its quorum defaults to the PCT's rule for the year."""
    require(actor, "applications.manage_meetings", pct, doing="schedule PEC meetings")
    if not _is_pec_member(chair, pct):
        raise ValidationError({"chair": f"{chair} is not a member of {pct}'s PEC."})
    if quorum is None:
        year = financial_year_for(timezone.localtime(starts_at).date())
        quorum = selectors.decision_rules_for(pct=pct, year=year).pec_quorum
    meeting = Meeting(
        pct=pct,
        title=title,
        starts_at=starts_at,
        location=location,
        chair=chair,
        quorum=quorum,
        notes=notes,
        created_by=actor,
    )
    return save(meeting, actor=actor)


def _may_run(actor, meeting: Meeting) -> bool:
    return meeting.chair_id == actor.pk or can(actor, "applications.manage_meetings", meeting)


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, application: Application, actor) -> AgendaItem:
    """Put an application awaiting the PEC on a meeting's agenda (the chair or the PCT's meetings staff)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not _may_run(actor, meeting):
        raise PermissionDenied("Only the meeting's chair or the PCT's commissioning team can set its agenda.")
    if not meeting.is_open:
        raise InvalidTransition("The meeting is closed: its agenda can no longer change.")
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.pct_id != meeting.pct_id:
        raise ApplicationError("The application belongs to another PCT.")
    if application.status not in AWAITING_PEC:
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}: "
            "only applications the project group has assessed, or the PEC has deferred, go on an agenda.",
            {"status": application.status},
        )
    pending = AgendaItem.objects.filter(
        application=application, outcome="", meeting__status=MeetingStatus.SCHEDULED
    ).select_related("meeting")
    if pending.exists():
        raise Conflict(f"{application.reference} is already on the agenda of {pending.first().meeting}.")
    position = (meeting.items.aggregate(m=Max("position"))["m"] or 0) + 1
    item = save(
        AgendaItem(meeting=meeting, application=application, position=position, added_by=actor), actor=actor
    )

    after_commit("applications.tasks.agenda_item_notify_task", item.pk)
    return item


@transaction.atomic
def interest_declare(
    *,
    actor,
    pct: Pct,
    kind: str,
    description: str,
    member=None,
    practice=None,
    provider=None,
    application: Application | None = None,
    meeting: Meeting | None = None,
) -> InterestDeclaration:
    """Record a member's interest (their own, or — for the PCT's meetings staff — on a member's behalf).

    An interest in an application withdraws the member's votes on it at meetings not yet decided.
    """
    member = member or actor
    if member.pk == actor.pk:
        require(actor, "applications.declare_interest", pct, doing="declare interests")
    else:
        require(actor, "applications.manage_meetings", pct, doing="record other members' interests")
    declaration = InterestDeclaration(
        pct=pct,
        member=member,
        kind=kind,
        description=description.strip(),
        practice=practice if kind == InterestKind.PRACTICE else None,
        provider=provider if kind == InterestKind.PROVIDER else None,
        application=application if kind == InterestKind.APPLICATION else None,
        meeting=meeting,
        recorded_by=actor,
    )
    save(declaration, actor=actor)
    if application is not None and kind == InterestKind.APPLICATION:
        for vote in Vote.objects.filter(item__application=application, item__outcome="", member=member):
            vote._history_user = actor
            vote.delete()
    return declaration


@transaction.atomic
def interest_end(*, declaration: InterestDeclaration, actor, reason: str) -> InterestDeclaration:
    """A declared interest has ended (e.g. the member left the practice); the record stays, with who ended
    it, when and why.

    A reason is required (a field error without one). While the declaration covers an item on the agenda
    of an open PEC meeting, the member may not end it themself (409): it ends once those meetings have
    closed, or earlier by the PEC secretary, with a reason.
    """
    declaration = InterestDeclaration.objects.select_for_update().select_related("pct").get(pk=declaration.pk)
    own = declaration.member_id == actor.pk
    secretary = can(actor, PEC_SECRETARY_PERMISSION, declaration.pct)
    if not (secretary or (own and can(actor, "applications.declare_interest", declaration.pct))):
        raise PermissionDenied("Only the member or the PEC secretary can end an interest.")
    if declaration.ended_at:
        raise Conflict("That interest has already ended.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the interest has ended."})
    covered = selectors.open_agenda_items_covered(declaration=declaration)
    if covered and own:
        listed = "; ".join(f"{i.application.reference} at {i.meeting}" for i in covered)
        raise Conflict(
            f"This interest covers {listed}, on the agenda of a meeting that is still open: it can be ended "
            "once the meeting has closed, or by the PEC secretary.",
            {"agenda_items": [i.pk for i in covered]},
        )
    declaration.ended_at = timezone.now()
    declaration.ended_by = actor
    declaration.end_reason = reason
    return save(declaration, actor=actor, update_fields=["ended_at", "ended_by", "end_reason"])


@transaction.atomic
def vote_cast(*, item: AgendaItem, actor, choice: str, comment: str = "") -> Vote:
    """Record (or change) a PEC member's vote on an agenda item. A member with an interest cannot vote."""
    item = AgendaItem.objects.select_for_update().select_related("meeting", "application").get(pk=item.pk)
    require(actor, "applications.decide_application", item.application, doing="vote on applications")
    if choice not in VoteChoice.values:
        raise ValidationError(
            {"choice": "Choose approve, approve with conditions, defer, reject or abstain."}
        )
    if not item.meeting.is_open:
        raise InvalidTransition("The meeting is closed: votes can no longer change.")
    if item.is_decided:
        raise InvalidTransition("The PEC has already decided this item.")
    conflicts = selectors.member_conflicts(member=actor, application=item.application)
    if conflicts:
        raise ConflictOfInterest(
            "You have declared an interest in this application, so you cannot vote on it: "
            + "; ".join(d.description for d in conflicts)
            + ".",
            {"declarations": [d.pk for d in conflicts]},
        )
    ended = selectors.interest_record_on(application=item.application, members=[actor]).get(actor.pk, [])
    vote = Vote.objects.filter(item=item, member=actor).first() or Vote(item=item, member=actor)
    vote.choice = choice
    vote.comment = comment.strip()
    vote.declared_interest_at_vote = bool(ended)
    vote.interests_at_vote = selectors.interest_snapshot(ended)
    return save(vote, actor=actor)


def agenda_item_decide(*, item: AgendaItem, actor, outcome: str, reason: str = "") -> Application:
    """The chair records the PEC's decision on an item: the workflow's approve / with conditions / defer / reject."""
    if outcome not in PEC_DECISIONS:
        raise ValidationError({"outcome": "Choose approve, approve with conditions, defer or reject."})
    return application_transition(
        application=item.application, action=outcome, actor=actor, reason=reason, agenda_item=item
    )


@transaction.atomic
def meeting_close(*, meeting: Meeting, actor) -> Meeting:
    """Close the meeting: its minutes become final. Items not reached stay awaiting a later meeting."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not _may_run(actor, meeting):
        raise PermissionDenied("Only the meeting's chair or the PCT's commissioning team can close it.")
    if not meeting.is_open:
        raise Conflict("The meeting is already closed.")
    meeting.status = MeetingStatus.CLOSED
    return save(meeting, actor=actor, update_fields=["status"])


__all__ = [
    "ConflictOfInterest",
    "agenda_item_add",
    "agenda_item_decide",
    "interest_declare",
    "interest_end",
    "meeting_close",
    "meeting_create",
    "vote_cast",
]
