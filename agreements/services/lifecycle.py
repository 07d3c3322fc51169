"""The life of an agreement in force: reviews, notice and termination, expiry, the daily job, and
reminders of review dates, notice deadlines and terminations."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agreements.choices import AgreementAction, AgreementStatus, ReminderKind
from agreements.constants import REMINDER_DAYS_BEFORE
from agreements.models import Agreement, AgreementReminder
from agreements.services._common import save
from agreements.services.agreements import _label, _locked, _move
from agreements.services.signatures import _emails_for_party
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict
from pbc.models import Membership

logger = logging.getLogger(__name__)

# --- lifecycle ---------------------------------------------------------------------------------------


@transaction.atomic
def agreement_review_start(*, agreement: Agreement, actor, reason: str = "") -> Agreement:
    agreement = _locked(agreement)
    _move(agreement, AgreementAction.START_REVIEW, actor=actor, reason=reason or "Scheduled review.")
    return agreement


@transaction.atomic
def agreement_review_complete(
    *, agreement: Agreement, actor, next_review_date: date | None = None, reason: str = ""
) -> Agreement:
    """Finish a review with no change to the text (a change needs a new version); set the next review."""
    agreement = _locked(agreement)
    if next_review_date is not None:
        if next_review_date <= timezone.localdate():
            raise ApplicationError(
                "The next review date must be in the future.",
                {"fields": {"next_review_date": ["In the past."]}},
            )
        if agreement.end_date and next_review_date > agreement.end_date:
            raise ApplicationError(
                f"The next review date is after the agreement ends ({agreement.end_date:%d %B %Y}).",
                {"fields": {"next_review_date": ["After the end date."]}},
            )
    _move(agreement, AgreementAction.COMPLETE_REVIEW, actor=actor, reason=reason or "Reviewed: no change.")
    if next_review_date is not None:
        agreement.review_date = next_review_date
        save(agreement, actor=actor, update_fields=["review_date", "updated_at"])
    return agreement


@transaction.atomic
def agreement_give_notice(*, agreement: Agreement, actor, given_on: date, reason: str) -> Agreement:
    """Give notice of termination: the agreement ends when the notice period has run."""
    agreement = _locked(agreement)
    if not (reason or "").strip():
        raise ApplicationError("Say why notice is given.", {"fields": {"reason": ["Required."]}})
    if agreement.notice_given_on:
        raise Conflict(f"Notice was already given on {agreement.notice_given_on:%d %B %Y}.")
    if given_on > timezone.localdate():
        raise ApplicationError(
            "Notice cannot be dated in the future.", {"fields": {"given_on": ["In the future."]}}
        )
    if given_on < agreement.start_date:
        raise ApplicationError("Notice cannot be given before the agreement starts.")
    ends = given_on + timedelta(days=agreement.notice_period_days)
    _move(agreement, AgreementAction.GIVE_NOTICE, actor=actor, reason=reason, effective_on=ends)
    agreement.notice_given_on, agreement.terminates_on = given_on, ends
    save(agreement, actor=actor, update_fields=["notice_given_on", "terminates_on", "updated_at"])
    if ends <= timezone.localdate():
        agreement_terminate(agreement=agreement, actor=actor, today=timezone.localdate())
    return agreement


@transaction.atomic
def agreement_terminate(*, agreement: Agreement, actor=None, today: date) -> Agreement:
    """End an agreement whose notice period has run."""
    agreement = _locked(agreement)
    if agreement.terminates_on is None or agreement.terminates_on > today:
        raise ApplicationError(f"{_label(agreement)} has no notice period that has run by {today:%d %B %Y}.")
    _move(
        agreement,
        AgreementAction.TERMINATE,
        actor=actor,
        reason=f"Notice given on {agreement.notice_given_on:%d %B %Y} ran to {agreement.terminates_on:%d %B %Y}.",
        effective_on=agreement.terminates_on,
    )
    return agreement


@transaction.atomic
def agreement_expire(*, agreement: Agreement, actor=None, today: date) -> Agreement:
    """End an agreement whose end date has passed."""
    agreement = _locked(agreement)
    if agreement.end_date is None or agreement.end_date >= today:
        raise ApplicationError(f"{_label(agreement)} has not reached its end date.")
    _move(
        agreement,
        AgreementAction.EXPIRE,
        actor=actor,
        reason=f"Reached its end date, {agreement.end_date:%d %B %Y}.",
        effective_on=agreement.end_date,
    )
    return agreement


def agreement_lifecycle_run(*, today: date, actor=None) -> dict[str, int]:
    """End agreements whose end date passed or whose notice ran. Safe to run twice."""
    live = [AgreementStatus.ACTIVE, AgreementStatus.UNDER_REVIEW]
    counts = {"expired": 0, "terminated": 0}
    for pk in Agreement.objects.filter(status__in=live, terminates_on__lte=today).values_list(
        "pk", flat=True
    ):
        agreement_terminate(agreement=Agreement(pk=pk), actor=actor, today=today)
        counts["terminated"] += 1
    for pk in Agreement.objects.filter(status__in=live, end_date__lt=today).values_list("pk", flat=True):
        agreement_expire(agreement=Agreement(pk=pk), actor=actor, today=today)
        counts["expired"] += 1
    return counts


# --- reminders and notices --------------------------------------------------------------------------


def _recipients(agreement: Agreement) -> list[str]:
    emails = set(
        Membership.objects.filter(
            pct=agreement.pct, role=Role.PCT_COMMISSIONING, locality__isnull=True, practice__isnull=True
        ).values_list("user__email", flat=True)
    )
    for party in agreement.parties.select_related("agreement", "lead_user"):
        emails |= _emails_for_party(party)
    return sorted(e for e in emails if e)


def _reminder_due(agreement: Agreement, today: date) -> list[tuple[str, date]]:
    window = timedelta(days=REMINDER_DAYS_BEFORE)
    due = []
    if (
        agreement.review_date
        and agreement.status == AgreementStatus.ACTIVE
        and agreement.review_date - window <= today
    ):
        due.append((ReminderKind.REVIEW, agreement.review_date))
    deadline = agreement.notice_deadline
    if deadline and not agreement.notice_given_on and deadline - window <= today <= deadline:
        due.append((ReminderKind.NOTICE_DEADLINE, deadline))
    if agreement.terminates_on and agreement.terminates_on - window <= today:
        due.append((ReminderKind.TERMINATION, agreement.terminates_on))
    return due


_REMINDER_TEXT = {
    ReminderKind.REVIEW: "is due for review on {:%d %B %Y}.",
    ReminderKind.NOTICE_DEADLINE: "ends on {end:%d %B %Y}; the last day to give notice is {:%d %B %Y}.",
    ReminderKind.TERMINATION: "ends on {:%d %B %Y}, when the notice given runs out.",
}


def agreement_reminders_send(*, today: date) -> int:
    """Email reminders of review dates, notice deadlines and terminations that are near.

    One reminder per agreement, kind and date: running twice sends nothing more.
    """
    sent = 0
    live = Agreement.objects.filter(status__in=[AgreementStatus.ACTIVE, AgreementStatus.UNDER_REVIEW]).filter(
        Q(review_date__isnull=False) | Q(end_date__isnull=False) | Q(terminates_on__isnull=False)
    )
    for agreement in live.select_related("pct"):
        for kind, due_on in _reminder_due(agreement, today):
            with transaction.atomic():
                reminder, created = AgreementReminder.objects.get_or_create(
                    agreement=agreement, kind=kind, due_on=due_on
                )
                if not created:
                    continue
                to = _recipients(agreement)
                reminder.recipients = ", ".join(to)
                reminder.save(update_fields=["recipients"])
                if to:
                    text = _REMINDER_TEXT[kind].format(due_on, end=agreement.end_date or due_on)
                    send_mail(f"{ReminderKind(kind).label}: {agreement}", f"{agreement} {text}", None, to)
                sent += 1
    logger.info("agreement reminders", extra={"sent": sent, "day": today.isoformat()})
    return sent
