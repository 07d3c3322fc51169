"""Celery: the daily lifecycle-and-reminders job is on beat's schedule and is safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab
from django.core import mail
from django.utils import timezone

from agreements.choices import AgreementStatus, EndReason
from agreements.models import Agreement
from agreements.tasks import BEAT_ENTRY, agreement_daily_task, agreement_signature_requested_task
from pbc.celery import app
from pbc.choices import Role
from tests.factories.agreements import active_agreement, draft_agreement


def test_the_daily_job_is_on_the_beat_schedule():
    entry = app.conf.beat_schedule[BEAT_ENTRY]
    assert entry["task"] == "agreements.tasks.agreement_daily_task"
    assert isinstance(entry["schedule"], crontab)
    assert "agreements.tasks.agreement_daily_task" in app.tasks


def test_the_daily_job_ends_expired_agreements_and_reminds_once(world):
    world.users[Role.PCT_COMMISSIONING].email = "c@example.nhs.uk"
    world.users[Role.PCT_COMMISSIONING].save()
    today = timezone.localdate()
    expired = active_agreement(world)
    Agreement.objects.filter(pk=expired.pk).update(end_date=today - timedelta(days=1), review_date=None)
    reviewing = active_agreement(world)
    Agreement.objects.filter(pk=reviewing.pk).update(review_date=today + timedelta(days=5))
    assert agreement_daily_task.delay().get() == {"expired": 1, "terminated": 0, "reminders": 1}
    assert agreement_daily_task.delay().get() == {"expired": 0, "terminated": 0, "reminders": 0}
    expired.refresh_from_db()
    assert (expired.status, expired.end_reason) == (AgreementStatus.ENDED, EndReason.EXPIRED)
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Review due")


def test_signature_request_task_does_nothing_for_a_draft(world):
    agreement = draft_agreement(world)
    assert agreement_signature_requested_task.delay(agreement.pk).get() == 0
