"""Background jobs of agreements: each takes ids only and calls a service; each is safe to run twice.

The daily reminders job is added to Celery beat's schedule here, so no settings change is needed.
"""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from pbc.celery import app

BEAT_ENTRY = "agreements-daily-lifecycle-and-reminders"

app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    BEAT_ENTRY: {
        "task": "agreements.tasks.agreement_daily_task",
        "schedule": crontab(hour=6, minute=30),
    },
}


@shared_task(acks_late=True)
def agreement_daily_task() -> dict:
    """End agreements whose end date passed or whose notice ran, then send the reminders due."""
    from django.utils import timezone

    from agreements.services import agreement_lifecycle_run, agreement_reminders_send

    today = timezone.localdate()
    counts = agreement_lifecycle_run(today=today)
    counts["reminders"] = agreement_reminders_send(today=today)
    return counts


@shared_task(acks_late=True)
def agreement_signature_requested_task(agreement_id: int) -> int:
    """Tell each party's signatories that the agreement waits for them."""
    from agreements.services import agreement_notify_signatories

    return agreement_notify_signatories(agreement_id=agreement_id)
