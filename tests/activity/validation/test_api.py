"""The validation interfaces: activity lines, challenges (201 / 404 / 409), decisions, returns."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from activity.models import ActivityLine
from budgets.models import ReportRow
from pbc.choices import Role


def _api(world, role) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[role])
    return client


@pytest.fixture
def lines(published, world):
    return {line.record_key: line.pk for line in ActivityLine.objects.current()}


def test_lines_of_a_practice_month_with_stable_ids(lines, world):
    body = (
        _api(world, Role.PRACTICE_MANAGER).get("/api/v1/activity-lines/?practice=L85001&month=2007-05").json()
    )
    assert [(r["id"], r["record_key"], r["cost"]) for r in body["results"]] == [
        (lines["S1"], "S1", "3150.00"), (lines["S2"], "S2", "525.00"),
    ]  # fmt: skip
    assert body["results"][0]["month"] == "2007-05" and body["results"][0]["challenge_status"] is None
    # Another practice's lines are not the practice manager's to see, even asked for by code.
    other = _api(world, Role.PRACTICE_MANAGER).get("/api/v1/activity-lines/?practice=L85002").json()
    assert other["count"] == 0
    bad = _api(world, Role.PCT_FINANCE).get("/api/v1/activity-lines/?month=May")
    assert bad.status_code == 400 and "month" in bad.json()["errors"]
    csv = _api(world, Role.PCT_FINANCE).get("/api/v1/activity-lines/?month=2007-05&format=csv")
    assert csv.status_code == 200 and b"3150.00" in b"".join(csv.streaming_content)


def test_challenge_then_decision_changes_the_report_row_by_the_line_cost(
    lines, world, year, open_months, django_capture_on_commit_callbacks
):
    from budgets.services import report_recompute

    report_recompute(pct=world.pct, year=year, trigger="published")
    pm = _api(world, Role.PRACTICE_MANAGER)
    created = pm.post(
        "/api/v1/activity-challenges/",
        {"activity_line": lines["S1"], "reason": "duplicate", "note": "Twice."},
    )
    assert created.status_code == 201, created.json()
    challenge = created.json()
    assert (challenge["status"], challenge["cost"], challenge["activity_line"]) == (
        "open",
        "3150.00",
        lines["S1"],
    )
    again = pm.post("/api/v1/activity-challenges/", {"activity_line": lines["S1"], "reason": "duplicate"})
    assert again.status_code == 409 and again.json()["extra"]["challenge"] == challenge["id"]
    outside = pm.post("/api/v1/activity-challenges/", {"activity_line": lines["S3"], "reason": "duplicate"})
    assert outside.status_code == 404
    missing_reason = pm.post(
        "/api/v1/activity-challenges/", {"activity_line": lines["S2"], "reason": "bored"}
    )
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["errors"]

    url = f"/api/v1/activity-challenges/{challenge['id']}/decision/"
    assert pm.post(url, {"outcome": "accepted", "note": "Mine to decide?"}).status_code == 403
    row = lambda: ReportRow.objects.get(  # noqa: E731
        year=year, level="practice", practice=world.practice, month=2, category="NEL", provider="ALL"
    )
    before = row().actual_pence
    finance = _api(world, Role.PCT_FINANCE)
    with django_capture_on_commit_callbacks(execute=True):
        decided = finance.post(url, {"outcome": "accepted", "note": "Provider agrees: a duplicate."})
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"
    assert before - row().actual_pence == 315000  # recomputed by the queued task (eager here)
    assert ActivityLine.objects.get(pk=lines["S1"]).cost_pence == 315000
    assert finance.post(url, {"outcome": "rejected", "note": "Changed my mind."}).status_code == 409
    assert (
        _api(world, Role.PCT_FINANCE).get("/api/v1/activity-challenges/?status=accepted").json()["count"] == 1
    )


def test_a_line_of_a_closed_month_is_a_conflict(lines, world):
    response = _api(world, Role.PRACTICE_MANAGER).post(
        "/api/v1/activity-challenges/", {"activity_line": lines["S1"], "reason": "wrong_month"}
    )
    assert response.status_code == 409 and "closed" in response.json()["message"]


def test_validation_returns(published, world):
    pm = _api(world, Role.PRACTICE_MANAGER)
    created = pm.post("/api/v1/validation-returns/", {"practice": "L85001", "month": "2007-05"})
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "late"  # returned today, long after 30 June 2007
    assert (
        pm.post("/api/v1/validation-returns/", {"practice": "L85001", "month": "2007-05"}).status_code == 409
    )
    assert (
        pm.post("/api/v1/validation-returns/", {"practice": "L85002", "month": "2007-05"}).status_code == 404
    )
    listed = _api(world, Role.PCT_FINANCE).get(
        "/api/v1/validation-returns/?financial_year=2007/08&page_size=100"
    )
    rows = {(r["practice"], r["month"]): r["status"] for r in listed.json()["results"]}
    assert rows[("L85001", "2007-05")] == "late" and rows[("L85002", "2007-05")] == "missing"
    assert len(rows) == 3 * 12  # the PCT's three practices, every month
    assert ("Y99999", "2007-05") not in rows
    bad = _api(world, Role.PCT_FINANCE).get("/api/v1/validation-returns/?financial_year=2007")
    assert bad.status_code == 400


def test_returned_months_selector_reads_the_api_returns(published, world):
    from activity.validation.selectors import returned_months
    from pbc.fiscal import FinancialYear as FY

    _api(world, Role.PRACTICE_MANAGER).post(
        "/api/v1/validation-returns/", {"practice": "L85001", "month": "2007-06"}
    )
    assert returned_months(world.practice, FY(2007)) == {date(2007, 6, 1)}
