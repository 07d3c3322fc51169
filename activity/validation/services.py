"""Writes of validation: challenges, decisions (and their adjustments), returns and month closures."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from activity.validation import rules
from activity.validation.choices import CHALLENGE_TRANSITIONS, ChallengeOutcome, ChallengeStatus
from activity.validation.models import (
    ActivityAdjustment,
    ActivityChallenge,
    ActivityLine,
    ValidationMonthClosure,
    ValidationReturn,
)
from activity.validation.selectors import month_is_closed
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from pbc.fiscal import fy_of
from pbc.models import Pct, Practice

logger = logging.getLogger(__name__)

__all__ = [
    "activity_challenge_create",
    "activity_challenge_decide",
    "register_after_adjustment",
    "validation_month_close",
    "validation_return_submit",
]

_AFTER_ADJUSTMENT: list[Callable[[int, int, str], None]] = []


def register_after_adjustment(callback: Callable[[int, int, str], None]) -> None:
    """Run ``callback(pct_id, start_year, trigger)`` after an accepted challenge adjusts a PCT year's
    activity (e.g. recompute its reports). Apps above this one register; this app imports none of them."""
    if callback not in _AFTER_ADJUSTMENT:
        _AFTER_ADJUSTMENT.append(callback)


def _closed(pct_id: int, month: date) -> Conflict:
    return Conflict(
        f"{month:%B %Y} is closed for challenges: its activity is final.",
        {"month": f"{month:%Y-%m}"},
    )


@transaction.atomic
def activity_challenge_create(*, line: ActivityLine, reason: str, note: str, actor) -> ActivityChallenge:
    """Challenge one activity line. Refused (409) when its month is closed, when it already has an open
    challenge, or when a challenge of it was accepted."""
    line = ActivityLine.objects.select_for_update().get(pk=line.pk)  # one challenge of a line at a time
    if month_is_closed(pct_id=line.pct_id, month=line.month):
        raise _closed(line.pct_id, line.month)
    existing = line.challenges.filter(status__in=[ChallengeStatus.OPEN, ChallengeStatus.ACCEPTED]).first()
    if existing is not None:
        raise Conflict(
            f"This line already has {'an open' if existing.status == ChallengeStatus.OPEN else 'an accepted'} "
            f"challenge ({existing.pk}).",
            {"challenge": existing.pk},
        )
    challenge = ActivityChallenge(
        line=line, pct_id=line.pct_id, practice_id=line.practice_id, month=line.month, provider=line.provider,
        reason=reason, note=(note or "").strip(), raised_by=actor,
    )  # fmt: skip
    challenge.full_clean(exclude=["line", "pct", "practice"])
    challenge._history_user = actor
    try:
        with transaction.atomic():
            challenge.save()
    except IntegrityError as exc:  # a challenge raised at the same moment (databases that ignore the lock)
        raise Conflict("This line already has an open challenge.") from exc
    return challenge


@transaction.atomic
def activity_challenge_decide(
    *, challenge: ActivityChallenge, outcome: str, note: str, actor
) -> ActivityChallenge:
    """Accept or reject an open challenge, with a note. Acceptance writes the adjusting entry (minus the
    line's activity and cost) beside the raw line, which is never edited, and queues the reports."""
    challenge = ActivityChallenge.objects.select_for_update().select_related("line").get(pk=challenge.pk)
    new = ChallengeStatus(ChallengeOutcome(outcome).value)
    if new not in CHALLENGE_TRANSITIONS[ChallengeStatus(challenge.status)]:
        raise InvalidTransition(
            f"Challenge {challenge.pk} is already {challenge.get_status_display().lower()}.",
            {"status": challenge.status},
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Say why the challenge is accepted or rejected."]})
    challenge.status, challenge.decided_by, challenge.decided_at, challenge.decision_note = (
        new, actor, timezone.now(), note,
    )  # fmt: skip
    challenge._history_user = actor
    challenge.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if new == ChallengeStatus.ACCEPTED:
        line = challenge.line
        adjustment = ActivityAdjustment(
            challenge=challenge, line=line, pct_id=line.pct_id, practice_id=line.practice_id,
            dataset=line.dataset, month=line.month, pod=line.pod, provider=line.provider,
            tretspef=line.tretspef, hrg=line.hrg, activity=-1, cost_pence=-line.cost_pence, actor=actor,
        )  # fmt: skip
        adjustment.full_clean(exclude=["challenge", "line", "pct", "practice"])
        adjustment._history_user = actor
        adjustment.save()
        start_year = fy_of(line.month).start_year
        trigger = f"challenge {challenge.pk} accepted"
        for callback in _AFTER_ADJUSTMENT:
            transaction.on_commit(lambda cb=callback: cb(line.pct_id, start_year, trigger))
    logger.info("challenge decided", extra={"challenge": challenge.pk, "outcome": new.value})
    return challenge


def _month_start(month: date) -> date:
    if month.day != 1:
        raise ValidationError({"month": ["Give the month as its first day (or YYYY-MM)."]})
    return month


@transaction.atomic
def validation_return_submit(*, practice: Practice, month: date, actor, note: str = "") -> ValidationReturn:
    """The practice has checked the month's activity (with or without challenges). Once per month; a
    month can be returned only once it is over."""
    month = _month_start(month)
    today = timezone.localdate()
    if rules.month_end(month) >= today:
        raise ApplicationError(
            f"{month:%B %Y} is not over yet: return it once the month has ended.",
            {"fields": {"month": ["The month has not ended."]}},
        )
    Practice.objects.select_for_update().filter(pk=practice.pk).first()
    existing = ValidationReturn.objects.filter(practice=practice, month=month).first()
    if existing is not None:
        raise Conflict(
            f"{practice.code} returned {month:%B %Y} on {timezone.localtime(existing.submitted_at):%-d %B %Y}.",
            {"validation_return": existing.pk},
        )
    submitted = ValidationReturn(
        pct_id=practice.pct_id, practice=practice, month=month, submitted_at=timezone.now(),
        submitted_by=actor, note=(note or "").strip(),
        challenges=ActivityChallenge.objects.filter(practice=practice, month=month).count(),
    )  # fmt: skip
    submitted.full_clean(exclude=["pct", "practice"])
    submitted._history_user = actor
    submitted.save()
    return submitted


@transaction.atomic
def validation_month_close(*, pct: Pct, month: date, actor) -> ValidationMonthClosure:
    """Close a month for challenges now (before the automatic closing date)."""
    month = _month_start(month)
    Pct.objects.select_for_update().filter(pk=pct.pk).first()
    if ValidationMonthClosure.objects.filter(pct=pct, month=month).exists():
        raise Conflict(f"{month:%B %Y} is already closed.")
    closure = ValidationMonthClosure(pct=pct, month=month, closed_by=actor)
    closure._history_user = actor
    closure.save()
    return closure
