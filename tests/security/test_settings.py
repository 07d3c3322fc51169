"""Security settings and their effect on responses: deploy checks, secure cookies, HSTS, a self-only CSP
with no third-party assets, frame denial, login throttling, session expiry and a staff-only admin."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from pbc.choices import Role
from tests.mixins.matrix import registered_routes

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "production-like-" + "k3y-" * 16,
    "DJANGO_ALLOWED_HOSTS": "pbc.example.nhs.uk",
    "DJANGO_SETTINGS_MODULE": "pbc.settings",
}
PASSWORD = "a-test-password-1"  # tests/factories/pbc.py


def test_production_settings_pass_check_deploy_and_are_strict():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING'); "
        "print(json.dumps({k: getattr(s, k) for k in ('DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF', "
        "'SESSION_COOKIE_AGE')}))"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env={**env, **PRODUCTION_ENV}, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "System check identified no issues" in done.stdout + done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SESSION_COOKIE_AGE": 8 * 60 * 60,
    }


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "pbc.settings"}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0 and "DJANGO_SECRET_KEY must be set" in done.stderr


def test_cookies_are_secure_and_hsts_is_sent_over_https(world, client, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = 31536000, True
    login = client.get(reverse("login"), secure=True)
    assert login["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")
    csrf = login.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    signed_in = client.post(
        reverse("login"),
        {"username": Role.PCT_FINANCE.value, "password": PASSWORD},
        secure=True,
        REMOTE_ADDR="10.0.0.1",
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def test_csp_allows_only_our_own_assets_and_frames_are_denied(world, client):
    client.force_login(world.users[Role.PCT_FINANCE])
    response = client.get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = _csp(response)
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    allowed = {"'self'", "'none'", "data:", "'unsafe-inline'"}
    for directive, sources in policy.items():
        assert set(sources) <= allowed, (directive, sources)
    assert "'unsafe-inline'" not in policy["script-src"]


EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""", re.I)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']application/json)[^>]*>", re.I)


def test_no_template_loads_anything_from_another_host():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if EXTERNAL.search(path.read_text())
    ]
    assert not offenders


def test_rendered_pages_load_only_our_assets_and_run_no_inline_script(world, client):
    """Every page of the permission matrix, as a role allowed to see it: the browser would block
    anything from elsewhere (and inline script) under our CSP, so none may be there."""
    pages = [r for r in registered_routes() if not r.api and r.method == "get" and r.ok_status == 200]
    assert len(pages) > 20
    checked = 0
    for route in pages:
        role = sorted(route.roles)[0]
        user = world.users.get(role)
        if user is None:
            continue
        kwargs = route.kwargs(world, role, True) if route.kwargs else {}
        client.force_login(user)
        response = client.get(reverse(route.name, kwargs=kwargs))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        assert not EXTERNAL.search(html), route.name
        assert not INLINE_SCRIPT.search(html), (route.name, INLINE_SCRIPT.search(html).group(0))
        checked += 1
    assert checked > 20


def test_login_locks_after_repeated_bad_passwords(world, client):
    failures = settings.AXES_FAILURE_LIMIT
    assert failures == 5
    user = world.users[Role.PRACTICE_MANAGER]
    for _ in range(failures - 1):
        bad = client.post(
            reverse("login"), {"username": user.username, "password": "wrong"}, REMOTE_ADDR="10.9.9.9"
        )
        assert bad.status_code == 200  # the form again
    locked = client.post(
        reverse("login"), {"username": user.username, "password": "wrong"}, REMOTE_ADDR="10.9.9.9"
    )
    assert locked.status_code == 429
    # Even the right password is refused while locked out.
    right = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out by someone else's guesses.
    other = client.post(
        reverse("login"), {"username": Role.PCT_FINANCE.value, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 302


def test_password_spraying_from_one_address_is_locked_out_across_usernames(world, client):
    limit = settings.PBC_LOGIN_ADDRESS_LIMIT
    assert limit == 20 and limit > settings.AXES_FAILURE_LIMIT

    def sign_in(username, password="wrong", address="10.7.7.7"):  # noqa: S107
        return client.post(
            reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
        )

    # 20 usernames, one guess each: none reaches the username + address limit, the address does.
    answers = [sign_in(f"spray-{n}").status_code for n in range(limit)]
    assert answers == [200] * (limit - 1) + [429]
    locked = sign_in("spray-new")
    assert locked.status_code == 429 and "Signing in is paused" in locked.content.decode()
    # The same lockout page as a username's, and a real user with the right password is refused too.
    assert sign_in(Role.PCT_FINANCE.value, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # Other addresses are not affected.
    assert sign_in(Role.PCT_FINANCE.value, PASSWORD, address="10.7.7.8").status_code == 302


def test_address_limit_counts_only_the_cool_off(world, client, settings):
    from axes.models import AccessAttempt

    settings.PBC_LOGIN_ADDRESS_LIMIT = 3
    for n in range(2):
        client.post(reverse("login"), {"username": f"old-{n}", "password": "x"}, REMOTE_ADDR="10.6.6.6")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    again = client.post(reverse("login"), {"username": "new", "password": "x"}, REMOTE_ADDR="10.6.6.6")
    assert again.status_code == 200  # the two old failures have cooled off
    settings.PBC_LOGIN_ADDRESS_LIMIT = 0  # off: only the username + address limit applies
    for n in range(4):
        off = client.post(reverse("login"), {"username": f"off-{n}", "password": "x"}, REMOTE_ADDR="10.6.6.6")
        assert off.status_code == 200


def test_sessions_last_eight_hours_and_then_expire(world, client):
    client.post(reverse("login"), {"username": Role.PCT_FINANCE.value, "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200
    session = Session.objects.get()
    lifetime = session.expire_date - timezone.now()
    assert timedelta(hours=7, minutes=59) < lifetime <= timedelta(hours=8)
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = client.get(reverse("home"))
    assert expired.status_code == 302 and reverse("login") in expired["Location"]


def test_admin_is_for_staff_only(world, client):
    for role in (Role.PRACTICE_MANAGER, Role.PCT_FINANCE):
        client.force_login(world.users[role])
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], role
        assert client.get("/admin/pbc/practice/").status_code == 302
    staff = world.users[Role.PCT_FINANCE]
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
