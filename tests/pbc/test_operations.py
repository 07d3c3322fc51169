import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from pbc.choices import Role
from pbc.models import Gp, ListSize, Locality, Membership, Practice

ROOT = Path(__file__).resolve().parents[2]


def test_seed_demo_is_idempotent_and_complete(db, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = [m.objects.count() for m in (Locality, Practice, ListSize, Gp, Membership)]
    call_command("seed_demo")
    assert [m.objects.count() for m in (Locality, Practice, ListSize, Gp, Membership)] == counts
    assert counts[0] == 3 and counts[1] == 30
    for role in Role:
        assert Membership.objects.filter(role=role).exists() or role == Role.API_CLIENT
    assert "pbc-demo-practice" in first and "finance" in first
    from django.test import Client

    client = Client()
    response = client.post(reverse("login"), {"username": "practice", "password": "pbc-demo-practice"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Abbey Surgery" in client.get("/").content.decode()


def test_database_matches_environment(db):
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
    if os.environ.get("PBC_REQUIRE_POSTGRES"):
        assert connection.vendor == "postgresql"


def test_settings_defaults():
    assert settings.TIME_ZONE == "Europe/London" and settings.LANGUAGE_CODE == "en-gb" and settings.USE_TZ
    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not broker)


def _run_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "REDIS_URL"))
    }
    return subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='pbc.settings'; django.setup(); "
         "from django.conf import settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_production_refuses_to_start_without_secret_key():
    result = _run_settings({})
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set" in result.stderr


def test_settings_from_environment():
    result = _run_settings({"DJANGO_DEBUG": "1"})
    assert result.stdout.split() == ["True", "django.db.backends.sqlite3", "True"]
    result = _run_settings(
        {
            "DJANGO_SECRET_KEY": "x" * 50,
            "DATABASE_URL": "postgres://u:p@db:5432/pbc",
            "CELERY_BROKER_URL": "redis://r:6379/0",
        }
    )
    assert result.stdout.split() == ["False", "django.db.backends.postgresql", "False"], result.stderr


def test_env_example_lists_every_variable():
    import re

    used = set(re.findall(r'env(?:\.\w+)?\("([A-Z_]+)"', (ROOT / "pbc" / "settings.py").read_text()))
    listed = {
        line.split("=")[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert used - listed == set()


def test_health(db, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.parametrize(
    "role", [Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD, Role.PCT_FINANCE, Role.PEC_MEMBER]
)
def test_home_page_shows_each_role_what_matters(world, client, role):
    client.force_login(world.users[role])
    body = client.get(reverse("home")).content.decode()
    assert Role(role).label in body
    if role == Role.PRACTICE_MANAGER:
        assert "Your practice" in body and "Abbey Surgery" in body and "Bridge Surgery" not in body
    elif role == Role.LOCALITY_LEAD:
        assert 'data-testid="practice-count">2<' in body
    elif role == Role.PCT_FINANCE:
        assert 'data-testid="practice-count">3<' in body and "List sizes for" in body
    else:
        assert "List sizes for" not in body


def test_pages_list_only_what_is_in_scope(world, client):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    body = client.get(reverse("pbc:practice_list")).content.decode()
    assert "L85001" in body and "L85002" not in body and "Y99999" not in body
    body = client.get(reverse("pbc:practice_list"), {"q": "L85002"}).content.decode()
    assert "No practices match" in body  # search cannot reach outside scope
    body = client.get(reverse("pbc:locality_detail", kwargs={"code": "5WV-NORTH"})).content.decode()
    assert "L85001" in body and "L85002" not in body


def test_page_query_counts_are_bounded(world, client, django_assert_max_num_queries):
    from tests.factories.pbc import PracticeFactory

    for _ in range(40):
        PracticeFactory(pct=world.pct, locality=world.south)
    client.force_login(world.users[Role.PCT_FINANCE])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("pbc:practice_list")).status_code == 200
    with django_assert_max_num_queries(17):
        assert client.get(reverse("home")).status_code == 200
