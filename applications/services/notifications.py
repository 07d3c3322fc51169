"""Notifications: who hears of what, shown on their home page and sent once by email.

Called from Celery tasks (after the change has committed). Each event has a key, so running a task twice
creates no second notification and sends no second email.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications import selectors
from applications.choices import (
    APPEAL_OUTCOMES,
    PEC_DECISIONS,
    Action,
    ApplicationStatus,
    NotificationKind,
)
from applications.models import AgendaItem, Application, ApplicationTransition, Notification
from pbc.choices import Role

logger = logging.getLogger(__name__)


def _url(application: Application) -> str:
    return reverse("applications:application_detail", kwargs={"pk": application.pk})


def _notify(
    *, users, application: Application, kind: str, key: str, subject: str, body: str
) -> list[Notification]:
    created = []
    for user in users:
        notification, _ = Notification.objects.get_or_create(
            user=user,
            key=key,
            defaults={
                "application": application,
                "kind": kind,
                "subject": subject[:200],
                "body": body,
                "url": _url(application),
            },
        )
        created.append(notification)
    return created


def _send_pending(key: str) -> int:
    """Email each notification of the event not yet emailed; the row lock makes a second run a no-op."""
    sent = 0
    base = getattr(settings, "PBC_SITE_URL", "").rstrip("/")
    pending = (
        Notification.objects.select_for_update()
        .filter(key=key, emailed_at__isnull=True)
        .select_related("user")
    )
    for n in pending:
        if n.user.email:
            send_mail(
                f"[PBC Manager] {n.subject}",
                f"{n.body}\n\nSee {base}{n.url}\n",
                settings.DEFAULT_FROM_EMAIL,
                [n.user.email],
            )
            sent += 1
        n.emailed_at = timezone.now()
        n.save(update_fields=["emailed_at"])
    return sent


def _recipients_for(transition: ApplicationTransition) -> list[tuple[str, list, str, str]]:
    """(kind, users, subject, body) for each group of people a transition concerns."""
    application = transition.application
    ref = f"{application.reference} {application.title}"
    applicants = selectors.applicant_users(application=application)
    status = ApplicationStatus(transition.to_status).label
    reason = f"\n\n{transition.reason}" if transition.reason else ""
    action = transition.action
    pct = application.pct_id
    if action == Action.SUBMIT:
        return [
            (
                NotificationKind.SUBMISSION_RECEIVED,
                applicants,
                f"{ref}: submission received",
                f"The PCT has received {ref}. The PBC project group will assess it.",
            ),
            (
                NotificationKind.ASSESSMENT_DUE,
                list(selectors.user_list_with_role(pct=pct, roles=[Role.PROJECT_GROUP])),
                f"{ref}: assessment due",
                f"{ref} has been submitted and is due for assessment by the project group.",
            ),
        ]
    if action in PEC_DECISIONS or action in (Action.RATIFY, Action.REFER_BACK):
        groups = [
            (
                NotificationKind.DECISION,
                applicants,
                f"{ref}: {transition.get_action_display().lower()} — {status.lower()}",
                f"Decision on {ref}: {transition.get_action_display()}. It is now {status.lower()}.{reason}",
            )
        ]
        if transition.to_status == ApplicationStatus.AWAITING_RATIFICATION:
            groups.append(
                (
                    NotificationKind.RATIFICATION_DUE,
                    list(selectors.user_list_with_role(pct=pct, roles=[Role.BOARD_MEMBER])),
                    f"{ref}: Board ratification due",
                    f"The PEC approved {ref}; the Board must ratify it.{reason}",
                )
            )
        return groups
    if action in (Action.APPEAL, Action.REFER_TO_SHA):
        return [
            (
                NotificationKind.APPEAL,
                applicants + list(selectors.user_list_with_role(pct=pct, roles=[Role.PCT_COMMISSIONING])),
                f"{ref}: {transition.get_action_display().lower()}",
                f"{ref} is now {status.lower()}.{reason}",
            )
        ]
    if action in APPEAL_OUTCOMES:
        return [
            (
                NotificationKind.APPEAL_OUTCOME,
                applicants,
                f"{ref}: appeal outcome — {status.lower()}",
                f"Outcome of the appeal on {ref}: {transition.get_action_display()}. It is now {status.lower()}.{reason}",
            )
        ]
    return [
        (
            NotificationKind.STATUS_CHANGED,
            applicants,
            f"{ref}: {status.lower()}",
            f"{ref}: {transition.get_action_display()} by {transition.actor_name}. It is now {status.lower()}.{reason}",
        )
    ]


@transaction.atomic
def notify_transition(*, transition_id: int) -> int:
    """Notify everyone a transition concerns; returns how many emails were sent by this run."""
    transition = ApplicationTransition.objects.select_related("application__pct").get(pk=transition_id)
    key = f"transition:{transition.pk}"
    for kind, users, subject, body in _recipients_for(transition):
        _notify(
            users=users,
            application=transition.application,
            kind=kind,
            key=f"{key}:{kind}",
            subject=subject,
            body=body,
        )
    return sum(_send_pending(f"{key}:{kind}") for kind in NotificationKind.values)


@transaction.atomic
def notify_agenda_item(*, item_id: int) -> int:
    """Tell the applicant their application is on a PEC agenda."""
    item = AgendaItem.objects.select_related("meeting", "application__pct").get(pk=item_id)
    application = item.application
    when = timezone.localtime(item.meeting.starts_at)
    key = f"agenda:{item.pk}"
    _notify(
        users=selectors.applicant_users(application=application),
        application=application,
        kind=NotificationKind.ON_AGENDA,
        key=key,
        subject=f"{application.reference} {application.title}: on the PEC agenda for {when:%d %b %Y}",
        body=(
            f"{application.reference} {application.title} is item {item.position} on the agenda of "
            f"{item.meeting.title} on {when:%d %B %Y at %H:%M}"
            + (f", {item.meeting.location}" if item.meeting.location else "")
            + "."
        ),
    )
    return _send_pending(key)


@transaction.atomic
def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications read (all of them, or those with ``ids``)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
