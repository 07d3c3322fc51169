"""API token lifetime: tokens expire (401 saying so), rotate with a grace period, and note their last use
at most once a minute with one UPDATE (issue 14 item 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from pbc.choices import ApiTokenScope, Role
from pbc.models import ApiToken
from pbc.services import api_token_issue, api_token_revoke, api_token_rotate


def client_with(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


@pytest.fixture
def issued(world):
    return api_token_issue(user=world.users[Role.API_CLIENT], name="Tracker")


def test_tokens_expire_after_the_lifetime_setting(world, settings):
    settings.PBC_API_TOKEN_LIFETIME_DAYS = 365
    before = timezone.now()
    token, _ = api_token_issue(user=world.users[Role.API_CLIENT], name="Tracker")
    assert before + timedelta(days=365) <= token.expires_at <= timezone.now() + timedelta(days=365)
    settings.PBC_API_TOKEN_LIFETIME_DAYS = 30
    short, _ = api_token_issue(user=world.users[Role.API_CLIENT], name="Short")
    assert short.expires_at - short.created < timedelta(days=30, seconds=5)


def test_an_expired_token_is_refused_with_a_clear_401(world, issued):
    token, key = issued
    api = client_with(key)
    assert api.get(reverse("practice-list")).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = api.get(reverse("practice-list"))
    assert refused.status_code == 401
    assert refused.json()["message"].startswith("The token expired on ")
    assert not ApiToken.objects.get(pk=token.pk).is_active


def test_last_use_is_one_update_at_most_once_a_minute(world, issued):
    token, key = issued
    api = client_with(key)
    with CaptureQueriesContext(connection) as first:
        assert api.get(reverse("practice-list")).status_code == 200
    writes = [q["sql"] for q in first.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1 and writes[0].startswith('UPDATE "pbc_apitoken" SET "last_used_at"')
    used = ApiToken.objects.get(pk=token.pk).last_used_at
    assert used is not None
    assert token.history.count() == 1  # bookkeeping, not a change: no history row

    with CaptureQueriesContext(connection) as again:
        assert api.get(reverse("practice-list")).status_code == 200
    assert not [q for q in again.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert ApiToken.objects.get(pk=token.pk).last_used_at == used

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=used - timedelta(seconds=61))
    assert api.get(reverse("practice-list")).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > used


def test_rotation_by_api_gives_a_new_key_and_the_old_one_works_until_the_grace_ends(world, issued, settings):
    settings.PBC_API_TOKEN_ROTATION_GRACE_HOURS = 24
    token, key = issued  # a read token may rotate itself: rotation changes no PCT data
    old = client_with(key)
    response = old.post(reverse("api-token-rotate", kwargs={"pk": token.pk}))
    assert response.status_code == 201, response.content
    body = response.json()
    new_key = body["key"]
    assert body["token"]["prefix"] == new_key[:8] and body["token"]["scope"] == ApiTokenScope.READ
    assert body["previous"]["replaced_by"] == body["token"]["id"]
    token.refresh_from_db()
    grace_end = token.expires_at
    assert timedelta(hours=23, minutes=59) < grace_end - timezone.now() <= timedelta(hours=24)
    assert token.history.latest().history_type == "~"  # the rotation is in the token's history

    # During the grace period both keys work; the list shows both, keys never.
    assert old.get(reverse("practice-list")).status_code == 200
    listed = client_with(new_key).get(reverse("api-token-list")).json()["results"]
    assert [t["id"] for t in listed] == [body["token"]["id"], token.pk]
    assert "key" not in listed[0] and "key_hash" not in listed[0]

    # Rotating the old one again is a conflict; after the grace period it is refused with a clear 401.
    again = client_with(new_key).post(reverse("api-token-rotate", kwargs={"pk": token.pk}))
    assert again.status_code == 409 and "already been rotated" in again.json()["message"]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = old.get(reverse("practice-list"))
    assert refused.status_code == 401 and "rotated" in refused.json()["message"]
    assert client_with(new_key).get(reverse("practice-list")).status_code == 200


def test_grace_never_outlives_the_old_tokens_own_expiry(world, issued, settings):
    settings.PBC_API_TOKEN_ROTATION_GRACE_HOURS = 48
    token, _ = issued
    soon = timezone.now() + timedelta(hours=2)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=soon)
    api_token_rotate(token=token, actor=None)
    token.refresh_from_db()
    assert token.expires_at == soon


def test_rotation_is_refused_for_others_tokens_and_for_revoked_or_expired_ones(world, issued):
    token, key = issued
    other, _ = api_token_issue(user=world.users[Role.API_CLIENT_WRITE], name="Theirs")
    api = client_with(key)
    assert api.post(reverse("api-token-rotate", kwargs={"pk": other.pk})).status_code == 404
    api_token_revoke(token=other)
    theirs = APIClient()
    theirs.force_authenticate(world.users[Role.API_CLIENT_WRITE])
    revoked = theirs.post(reverse("api-token-rotate", kwargs={"pk": other.pk}))
    assert revoked.status_code == 409 and "revoked" in revoked.json()["message"]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    session = APIClient()
    session.force_authenticate(world.users[Role.API_CLIENT])
    expired = session.post(reverse("api-token-rotate", kwargs={"pk": token.pk}))
    assert expired.status_code == 409 and "expired" in expired.json()["message"]
    assert ApiToken.objects.count() == 2  # nothing was issued


def test_rotation_by_command(world, issued, capsys):
    token, key = issued
    call_command("issue_api_token", "--rotate", key[:8])
    out = capsys.readouterr().out.strip().splitlines()
    assert "the old key works until" in out[0]
    new_key = out[-1]
    assert client_with(new_key).get(reverse("practice-list")).status_code == 200
    assert client_with(key).get(reverse("practice-list")).status_code == 200  # grace period
    token.refresh_from_db()
    assert token.replaced_by.prefix == new_key[:8]
