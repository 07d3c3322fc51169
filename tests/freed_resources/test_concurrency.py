"""Two PEC chairs approve two proposals against the same pot at once: the pot is never overspent.

The pot row is locked (``select_for_update``) inside the approval. On PostgreSQL the second approval waits,
then finds too little remaining (409). SQLite has no row locks: the loser is refused by "database is locked".
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, close_old_connections, connection

from applications import services as app_services
from applications import workflow
from applications.choices import Action, ApplicationKind
from freed_resources.choices import EntryKind
from freed_resources.models import LedgerEntry, Pot
from pbc.choices import Role
from pbc.exceptions import Conflict
from tests.factories.applications import quorate_item
from tests.factories.freed_resources import POUND, confirmed_declaration, proposal
from tests.factories.pbc import member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def slow_check(**kwargs):
    time.sleep(0.4)


def test_two_approvals_cannot_overspend_the_pot(world):
    confirmed_declaration(world)  # pot £140,000
    chair_a = world.users[Role.PEC_MEMBER]
    chair_b = member(Role.PEC_MEMBER, pct=world.pct, username="vice_chair")
    voters = [member(Role.PEC_MEMBER, pct=world.pct, username=f"voter{i}") for i in range(2)]
    first = proposal(world, cost_pence=100_000 * POUND)
    second = proposal(world, cost_pence=100_000 * POUND)
    item_a = quorate_item(first, chair=chair_a, voters=voters)
    item_b = quorate_item(second, chair=chair_b, voters=voters)
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def decide(name, item, chair):
        try:
            start.wait(timeout=10)
            app_services.agenda_item_decide(item=item, actor=chair, outcome=Action.APPROVE)
            results[name] = "ok"
        except (Conflict, OperationalError) as exc:
            results[name] = exc
        finally:
            close_old_connections()
            connection.close()

    workflow.register_transition_check(ApplicationKind.FREED_RESOURCES, Action.APPROVE, slow_check)
    try:
        threads = [
            threading.Thread(target=decide, args=("a", item_a, chair_a)),
            threading.Thread(target=decide, args=("b", item_b, chair_b)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        workflow.unregister_transition_check(ApplicationKind.FREED_RESOURCES, Action.APPROVE, slow_check)

    assert sorted(k for k, v in results.items() if v == "ok") in (["a"], ["b"]), results
    loser = next(v for v in results.values() if v != "ok")
    if connection.vendor == "postgresql":
        assert isinstance(loser, Conflict), loser
    else:
        assert isinstance(loser, Conflict) or "locked" in str(loser), loser
    pot = Pot.objects.get(practice=world.practice)
    assert pot.committed_pence == 100_000 * POUND and pot.remaining_pence == 40_000 * POUND
    assert LedgerEntry.objects.filter(kind=EntryKind.COMMITTED).count() == 1
