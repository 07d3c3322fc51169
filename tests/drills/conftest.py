"""Shared pieces of the failure drills: a PostgreSQL-only guard, a broker that is down, counts of rows."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

FIXTURES = Path(__file__).resolve().parents[1] / "activity" / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def postgres(transactional_db):
    """Drills that need PostgreSQL's behaviour (backends to terminate, row locks) skip on SQLite."""
    if connection.vendor != "postgresql":
        if os.environ.get("PBC_REQUIRE_POSTGRES"):
            pytest.fail("PBC_REQUIRE_POSTGRES is set but the tests run on SQLite.")
        pytest.skip("needs PostgreSQL (DATABASE_URL)")


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down(monkeypatch):
    """Celery configured for a Redis broker that cannot be reached (as when Redis is stopped)."""
    from pbc.celery import app

    monkeypatch.setenv("CELERY_BROKER_URL", f"redis://127.0.0.1:{closed_port()}/10")
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    return app


# Sign-in bookkeeping, not data.
NOT_DATA = {"sessions.Session", "axes.AccessLog", "axes.AccessAttempt", "axes.AccessFailureLog"}


def row_counts() -> dict[str, int]:
    """Rows of every model (history tables included)."""
    return {
        m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.label not in NOT_DATA
    }


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()
