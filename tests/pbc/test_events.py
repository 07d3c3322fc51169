"""The event feed: each kind of event from its record, oldest first, ``since`` exclusive, scoped per user."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from applications.choices import Action, ApplicationStatus
from applications.models import ApplicationTransition
from budgets.models import ReportRun
from pbc.choices import Role
from tests.factories.applications import application_for
from tests.factories.budgets import ExtractUploadFactory
from tests.factories.freed_resources import fy, published_budgets


def _events(user, **query):
    api = APIClient()
    api.force_authenticate(user)
    return api.get("/api/v1/events/", query)


def _history(world):
    base = timezone.now() - timedelta(hours=4)
    year = fy(2007)
    upload = ExtractUploadFactory(pct=world.pct, year=year, finished=base)
    ExtractUploadFactory(pct=world.pct, year=year, status="running")  # not finished: no event
    run = ReportRun.objects.create(
        pct=world.pct, year=year, trigger="extract published", started=base, finished=base + timedelta(hours=1),
        rows=12,
    )  # fmt: skip
    budgets = published_budgets(world.pct)
    type(budgets).objects.filter(pk=budgets.pk).update(published_at=base + timedelta(hours=2))
    mine = application_for(world.practice)
    theirs = application_for(world.far)
    decided = []
    for application, hours in ((mine, 3), (theirs, 3.5)):
        step = ApplicationTransition.objects.create(
            application=application, action=Action.APPROVE, from_status=ApplicationStatus.RECOMMENDED,
            to_status=ApplicationStatus.APPROVED,
        )  # fmt: skip
        ApplicationTransition.objects.filter(pk=step.pk).update(created=base + timedelta(hours=hours))
        decided.append(step)
    ExtractUploadFactory(pct=world.other_pct, year=year, finished=base)  # another PCT's
    return base, upload, run, budgets, decided


def test_pct_staff_see_every_kind_in_time_order(world):
    base, upload, run, budgets, (mine, theirs) = _history(world)
    body = _events(world.users[Role.PCT_FINANCE]).json()
    assert [e["id"] for e in body["results"]] == [
        f"extract.processed:{upload.pk}",
        f"reports.recomputed:{run.pk}",
        f"budget.published:{budgets.pk}",
        f"application.decided:{mine.pk}",
        f"application.decided:{theirs.pk}",
    ]
    first = body["results"][0]
    assert first["pct"] == "5WV" and "succeeded" in first["summary"]
    assert "2007/08 reports: 12 rows" in body["results"][1]["summary"]


def test_since_is_exclusive_and_kinds_filter(world):
    base, upload, run, budgets, _ = _history(world)
    user = world.users[Role.PCT_FINANCE]
    after_run = _events(user, since=(base + timedelta(hours=1)).isoformat()).json()["results"]
    assert [e["kind"] for e in after_run] == [
        "budget.published",
        "application.decided",
        "application.decided",
    ]
    only = _events(user, kind=["extract.processed", "budget.published"]).json()["results"]
    assert {e["kind"] for e in only} == {"extract.processed", "budget.published"}


def test_a_practice_manager_sees_only_what_their_scope_shows(world):
    _, _, run, _, (mine, theirs) = _history(world)
    ids = {e["id"] for e in _events(world.users[Role.PRACTICE_MANAGER]).json()["results"]}
    # No uploads or PCT-wide budget sets (not shown to practices); their PCT's report runs; their own case.
    assert ids == {f"reports.recomputed:{run.pk}", f"application.decided:{mine.pk}"}


def test_bad_query_is_a_400_with_field_errors(world):
    user = world.users[Role.PCT_FINANCE]
    response = _events(user, since="yesterday")
    assert response.status_code == 400 and "since" in response.json()["errors"]
    response = _events(user, kind="budget.exploded")
    assert response.status_code == 400 and "kind" in response.json()["errors"]
    assert APIClient().get("/api/v1/events/").status_code in (401, 403)
