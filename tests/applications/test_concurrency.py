"""Two PEC chairs decide the same application at the same moment: exactly one decision stands.

The application row is locked (``select_for_update``) before its status is read. On PostgreSQL the second
decision waits for the first to commit, then finds the application decided and is refused (409). SQLite
has no row locks: there the loser is refused by SQLite's own lock ("database is locked") instead — either
way one decision stands. CI runs this on both (it follows ``DATABASE_URL``).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, close_old_connections, connection

from applications import services, workflow
from applications.choices import Action, ApplicationKind, ApplicationStatus
from applications.models import AgendaItem, Application, ApplicationTransition
from pbc.choices import Role
from pbc.exceptions import InvalidTransition
from tests.factories.applications import application_for, quorate_item
from tests.factories.pbc import member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def slow_check(**kwargs):
    """Hold the transaction open after the checks so that, without a lock, both deciders would get here."""
    time.sleep(0.4)


def test_two_decisions_at_once_exactly_one_stands(world):
    chair_a = world.users[Role.PEC_MEMBER]
    chair_b = member(Role.PEC_MEMBER, pct=world.pct, username="vice_chair")
    voters = [member(Role.PEC_MEMBER, pct=world.pct, username=f"voter{i}") for i in range(2)]
    application = application_for(
        world.practice, status=ApplicationStatus.RECOMMENDED, kind=ApplicationKind.INNOVATION_BID
    )
    item_a = quorate_item(application, chair=chair_a, voters=voters)
    item_b = quorate_item(application, chair=chair_b, voters=voters)

    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def decide(name, item, chair, outcome, reason):
        try:
            start.wait(timeout=10)
            services.agenda_item_decide(item=item, actor=chair, outcome=outcome, reason=reason)
            results[name] = "ok"
        except (InvalidTransition, OperationalError) as exc:
            results[name] = exc
        finally:
            close_old_connections()
            connection.close()

    for outcome in (Action.APPROVE, Action.REJECT):
        workflow.register_transition_check(ApplicationKind.INNOVATION_BID, outcome, slow_check)
    try:
        threads = [
            threading.Thread(target=decide, args=("a", item_a, chair_a, Action.APPROVE, "")),
            threading.Thread(target=decide, args=("b", item_b, chair_b, Action.REJECT, "Not affordable")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        for outcome in (Action.APPROVE, Action.REJECT):
            workflow.unregister_transition_check(ApplicationKind.INNOVATION_BID, outcome, slow_check)

    assert sorted(k for k, v in results.items() if v == "ok") in (["a"], ["b"]), results
    loser = next(v for v in results.values() if v != "ok")
    if connection.vendor == "postgresql":
        assert isinstance(loser, InvalidTransition), loser  # waited for the lock, then found it decided
    winner = "a" if results["a"] == "ok" else "b"
    application.refresh_from_db()
    decisions = ApplicationTransition.objects.filter(application=application)
    assert decisions.count() == 1
    assert application.status == (ApplicationStatus.APPROVED if winner == "a" else ApplicationStatus.REJECTED)
    decided = AgendaItem.objects.exclude(outcome="")
    assert [i.pk for i in decided] == [(item_a if winner == "a" else item_b).pk]
    assert Application.objects.get(pk=application.pk).history.filter(status=application.status).count() == 1
