"""Notifications: queued after commit, sent once by email, shown on the home page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from applications import services
from applications.choices import Action, ApplicationStatus, NotificationKind
from applications.models import Notification
from applications.tasks import application_transition_notify_task
from pbc.choices import Role
from tests.factories.applications import MeetingFactory, application_for, quorate_item
from tests.factories.pbc import member


@pytest.fixture
def emails(world):
    for role, user in world.users.items():
        user.email = f"{role.value}@nhs.example"
        user.save(update_fields=["email"])
    return world.users


def test_submission_is_notified_only_after_commit(world, emails, django_capture_on_commit_callbacks):
    pm = world.users[Role.PRACTICE_MANAGER]
    application = application_for(world.practice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.application_submit(application=application, actor=pm)
    assert len(callbacks) == 1
    assert not Notification.objects.exists() and not mail.outbox  # nothing before the commit
    callbacks[0]()
    kinds = dict(Notification.objects.values_list("user__username", "kind"))
    assert kinds[pm.username] == NotificationKind.SUBMISSION_RECEIVED
    assert kinds["locality_lead"] == NotificationKind.SUBMISSION_RECEIVED
    assert kinds["project_group"] == NotificationKind.ASSESSMENT_DUE
    assert sorted(m.to[0] for m in mail.outbox) == [
        "locality_lead@nhs.example",
        "practice_manager@nhs.example",
        "project_group@nhs.example",
    ]
    assert all(m.subject.startswith("[PBC Manager] PBC-") for m in mail.outbox)
    assert f"/applications/{application.pk}/" in mail.outbox[0].body


def test_the_task_is_safe_to_run_twice(world, emails, django_capture_on_commit_callbacks):
    application = application_for(world.practice)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, actor=world.users[Role.PRACTICE_MANAGER])
    sent, rows = len(mail.outbox), Notification.objects.count()
    transition = application.transitions.get()
    assert application_transition_notify_task.delay(transition.pk).get() == 0
    assert (len(mail.outbox), Notification.objects.count()) == (sent, rows)


def test_agenda_decision_and_ratification_are_notified(world, emails, django_capture_on_commit_callbacks):
    chair = world.users[Role.PEC_MEMBER]
    application = application_for(world.practice, status=ApplicationStatus.RECOMMENDED, cost_pence=500_000_00)
    meeting = MeetingFactory(pct=world.pct, chair=chair)
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_item_add(meeting=meeting, application=application, actor=chair)
    assert Notification.objects.filter(
        kind=NotificationKind.ON_AGENDA, user__username="practice_manager"
    ).exists()
    item = quorate_item(
        application, chair=chair, voters=[member(Role.PEC_MEMBER, pct=world.pct) for _ in range(2)]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_item_decide(
            item=item, actor=chair, outcome=Action.APPROVE_WITH_CONDITIONS, reason="Audit at 6 months"
        )
    decision = Notification.objects.get(kind=NotificationKind.DECISION, user__username="practice_manager")
    assert "Audit at 6 months" in decision.body
    assert Notification.objects.filter(
        kind=NotificationKind.RATIFICATION_DUE, user__username="board_member"
    ).exists()
    assert {m.to[0] for m in mail.outbox} >= {"practice_manager@nhs.example", "board_member@nhs.example"}


def test_appeal_outcome_is_notified(world, emails, django_capture_on_commit_callbacks):
    application = application_for(world.practice, status=ApplicationStatus.SHA_ARBITRATION)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(
            application=application,
            action=Action.OVERTURN,
            actor=world.users[Role.PCT_COMMISSIONING],
            reason="Found for the practice",
        )
    n = Notification.objects.get(user__username="practice_manager")
    assert n.kind == NotificationKind.APPEAL_OUTCOME and "Found for the practice" in n.body


def test_notifications_show_on_the_home_page_and_can_be_marked_read(
    client, world, django_capture_on_commit_callbacks
):
    pm = world.users[Role.PRACTICE_MANAGER]
    application = application_for(world.practice, title="Leg ulcer service")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, actor=pm)
    client.force_login(pm)
    home = client.get(reverse("home")).content.decode()
    assert "Leg ulcer service: submission received" in home
    assert "Your applications" in home
    response = client.post(reverse("applications:notification_list"))
    assert response.status_code == 302
    assert not Notification.objects.filter(user=pm, read_at__isnull=True).exists()
    assert "No new notifications" in client.get(reverse("home")).content.decode()
