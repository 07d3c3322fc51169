"""The environment the load test's processes share: production settings (``pbc.settings``, debug off) on
loopback, the benchmark's own PostgreSQL database and Redis db, scratch folders for static files and media."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "benchmarks" / "out" / "load"
DEFAULT_DATABASE_URL = "postgres://pbc:pbc@127.0.0.1:5432/pbc_h6"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/9"
PASSWORD = "load-test-password-7391"  # noqa: S105 - benchmark users on a scratch database only


def server_env(database_url: str, broker_url: str | None) -> dict[str, str]:
    """Variables for gunicorn, the Celery worker and the setup step (production settings, plain HTTP)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbc.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "load-test-only-secret-key-not-used-anywhere-else-4e1c0d8a",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        # Loopback over plain HTTP: no HTTPS redirect, cookies not marked Secure (the client would drop them).
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_STATIC_ROOT": str(OUT / "static"),
        "DJANGO_PRIVATE_MEDIA_ROOT": str(OUT / "media"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_LOG_FORMAT": "plain",
        # 20 users share a handful of API tokens for a minute: the per-client throttle is not what is measured.
        "API_THROTTLE_RATE": "1000000/hour",
        "PYTHONPATH": str(REPO),
    }
    env.pop("DJANGO_DEBUG_TOOLBAR", None)
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    else:
        env.pop("CELERY_BROKER_URL", None)
        env.pop("REDIS_URL", None)
    return env
