"""Shared fixtures: a small PCT world with two localities, practices in and out of scope, and a
user for every role."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.conf import settings

from pbc.choices import Role
from tests.factories.pbc import LocalityFactory, PctFactory, PracticeFactory, ProviderFactory, member


@dataclass
class World:
    pct: object
    other_pct: object
    north: object
    south: object
    practice: object  # in north; the practice manager's own
    neighbour: object  # in north, another practice
    far: object  # in south
    foreign: object  # in another PCT
    provider: object
    users: dict


PCT_ROLES = [
    Role.PCT_FINANCE,
    Role.PCT_INFORMATION,
    Role.PCT_COMMISSIONING,
    Role.PEC_MEMBER,
    Role.BOARD_MEMBER,
    Role.PROJECT_GROUP,
    Role.AUDITOR,
    Role.API_CLIENT,
    Role.API_CLIENT_WRITE,
]


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path_factory):
    """Each test stores uploads in its own folder: tests that check what was stored are not misled by
    files another test (or another pytest-xdist process) wrote at the same time."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("private"))
    return settings.MEDIA_ROOT


@pytest.fixture
def world(db) -> World:
    pct = PctFactory(code="5WV", name="Wessex Vale PCT")
    other = PctFactory(code="5XX", name="Other PCT")
    north = LocalityFactory(pct=pct, code="5WV-NORTH", name="North")
    south = LocalityFactory(pct=pct, code="5WV-SOUTH", name="South")
    practice = PracticeFactory(pct=pct, locality=north, code="L85001", name="Abbey Surgery")
    neighbour = PracticeFactory(pct=pct, locality=north, code="L85002", name="Bridge Surgery")
    far = PracticeFactory(pct=pct, locality=south, code="L85003", name="Castle Surgery")
    foreign = PracticeFactory(pct=other, locality=LocalityFactory(pct=other, code="5XX-ONE"), code="Y99999")
    users = {role: member(role, pct=pct, username=role.value) for role in PCT_ROLES}
    users[Role.LOCALITY_LEAD] = member(Role.LOCALITY_LEAD, pct=pct, locality=north, username="locality_lead")
    users[Role.PRACTICE_MANAGER] = member(
        Role.PRACTICE_MANAGER, pct=pct, practice=practice, username="practice_manager"
    )
    return World(
        pct, other, north, south, practice, neighbour, far, foreign, ProviderFactory(code="RD1"), users
    )


def _require_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        if os.environ.get("PBC_REQUIRE_WORKER"):
            pytest.fail("PBC_REQUIRE_WORKER is set but no CELERY_BROKER_URL is configured.")
        pytest.skip("needs CELERY_BROKER_URL (Redis) for a real worker")


@pytest.fixture
def live_worker_factory(transactional_db):
    """Start an in-process Celery worker on demand: ``with live_worker_factory(): ...``."""
    _require_broker()
    from celery.contrib.testing.worker import start_worker

    from pbc.celery import app

    return lambda: start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10)


@pytest.fixture
def live_worker(live_worker_factory):
    from pbc.celery import app

    app.control.purge()
    with live_worker_factory():
        yield
