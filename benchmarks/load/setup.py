"""Setup step: a fresh PostgreSQL database with 300 practices × 5 years of budgets and report rows (built by
``benchmarks.reports_bench.setup``), then the load test's users and API tokens, and collected static files.

Writes ``benchmarks/out/load/world.json``: who logs in as what, the API tokens, the practice codes."""

from __future__ import annotations

import json
import os
import time

from benchmarks.load.env import OUT, PASSWORD, server_env

MANAGED_PRACTICES = 10  # practice managers, one practice each, spread over the localities


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def setup(database_url: str, *, spells: int, practices: int) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        server_env(database_url, None)
    )  # eager tasks: publishing computes the reports in-process
    import django

    django.setup()  # the product's own settings, before the report benchmark's builder configures its own

    from benchmarks import reports_bench

    built = reports_bench.setup(database_url, spells, practices)
    return finish(built)


def finish(built: dict | None = None) -> dict:
    """Users, tokens, statistics and static files on a database ``reports_bench.setup`` has built."""
    import django

    django.setup()
    world = _users_and_tokens()
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE") if connection.connection.autocommit else cursor.execute("ANALYZE")
    call_command("collectstatic", interactive=False, verbosity=0)
    world["built"] = built or {}
    (OUT / "world.json").write_text(json.dumps(world, indent=2, default=str))
    _log(f"world written to {OUT / 'world.json'}")
    return world


def _users_and_tokens() -> dict:
    from django.contrib.auth import get_user_model

    from budgets.models import ReportRow
    from pbc import services as pbc_services
    from pbc.choices import ApiTokenScope, Role
    from pbc.models import Locality, Pct, Practice

    User = get_user_model()
    pct = Pct.objects.get(code="5BM")
    practices = list(Practice.objects.filter(pct=pct).order_by("code"))
    step = max(1, len(practices) // MANAGED_PRACTICES)
    managed = practices[::step][:MANAGED_PRACTICES]

    def user(username: str, role: str, **where) -> object:
        person, _ = User.objects.get_or_create(username=username)
        person.set_password(PASSWORD)
        person.save()
        if not person.memberships.filter(role=role).exists():
            pbc_services.membership_create(user=person, role=role, pct=pct, **where)
        return person

    managers = []
    for practice in managed:
        user(f"load-pm-{practice.code.lower()}", Role.PRACTICE_MANAGER, practice=practice)
        managers.append({"username": f"load-pm-{practice.code.lower()}", "practice": practice.code})
    locality = Locality.objects.filter(pct=pct).order_by("code").first()
    user("load-locality", Role.LOCALITY_LEAD, locality=locality)
    finance = User.objects.get(username="bench-finance")
    finance.set_password(PASSWORD)
    finance.save()

    tokens = {}
    reader = user("load-api-pct", Role.API_CLIENT)
    tokens["pct"] = pbc_services.api_token_issue(user=reader, name="load test: PCT reader")[1]
    writer = user("load-api-writer", Role.API_CLIENT_WRITE)
    tokens["writer"] = pbc_services.api_token_issue(
        user=writer, name="load test: uploader", scope=ApiTokenScope.READ_WRITE
    )[1]
    _log(f"users and tokens: {len(managers)} practice managers, 1 locality lead, PCT finance, API clients")
    return {
        "password": PASSWORD,
        "finance": "bench-finance",
        "locality_lead": {"username": "load-locality", "locality": locality.code},
        "practice_managers": managers,
        "tokens": tokens,
        "practices": [p.code for p in practices],
        "localities": list(Locality.objects.filter(pct=pct).order_by("code").values_list("code", flat=True)),
        "report_rows": ReportRow.objects.count(),
    }
