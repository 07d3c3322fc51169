"""Validation pages: lines searched, filtered and downloaded; challenge and decision forms; returns."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from activity.models import ActivityChallenge, ActivityLine, ValidationReturn
from pbc.choices import Role


def _lines(client, world, query=""):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    return client.get(f"/activity/lines/{query}")


def _records(page: str) -> set[str]:
    return set(re.findall(r'data-record="([^"]*)"', page))


def test_a_practice_sees_searches_and_downloads_its_lines(published, world, client):
    page = _lines(client, world, "?month=2007-05").content.decode()
    assert _records(page) == {"S1", "S2"}
    assert "£3,675.00" in page  # the month's total
    assert _records(_lines(client, world, "?q=S1").content.decode()) == {"S1"}
    csv = b"".join(_lines(client, world, "?month=2007-05&export=csv").streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Cost,Challenge,Practice") and "3150.00" in csv and "S3" not in csv
    book = load_workbook(io.BytesIO(_lines(client, world, "?export=xlsx").content))
    values = [row[0].value for row in book.active.iter_rows(min_row=2)]
    assert values == [3150, 525, 2100, 5775]  # three lines (pounds) and the total row


def test_line_list_queries_do_not_grow_with_the_lines(
    published, world, client, django_assert_max_num_queries
):
    client.force_login(world.users[Role.PCT_FINANCE])
    with django_assert_max_num_queries(12):
        assert client.get("/activity/lines/").status_code == 200


def test_challenge_form_and_a_closed_month(published, world, client, settings):
    line = ActivityLine.objects.current().get(record_key="S1")
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    closed = client.post(f"/activity/lines/{line.pk}/challenge/", {"reason": "duplicate", "note": "x"})
    assert closed.status_code == 200 and "May 2007 is closed for challenges" in closed.content.decode()
    settings.PBC_VALIDATION_CLOSE_DAYS = None
    bad = client.post(f"/activity/lines/{line.pk}/challenge/", {"reason": "bored"})
    assert bad.status_code == 200 and not ActivityChallenge.objects.exists()
    ok = client.post(f"/activity/lines/{line.pk}/challenge/", {"reason": "duplicate", "note": "Twice."})
    assert ok.status_code == 302 and ActivityChallenge.objects.get().reason == "duplicate"
    neighbour = ActivityLine.objects.current().get(record_key="S3")
    assert client.get(f"/activity/lines/{neighbour.pk}/challenge/").status_code == 404


def test_pct_decides_with_a_note(published, world, client, open_months):
    from activity.validation import services

    challenge = services.activity_challenge_create(
        line=ActivityLine.objects.current().get(record_key="S1"), reason="duplicate", note="",
        actor=world.users[Role.PRACTICE_MANAGER],
    )  # fmt: skip
    client.force_login(world.users[Role.PCT_COMMISSIONING])
    assert "Decide" in client.get("/activity/challenges/").content.decode()
    no_note = client.post(f"/activity/challenges/{challenge.pk}/decide/", {"outcome": "accepted", "note": ""})
    assert no_note.status_code == 200
    done = client.post(
        f"/activity/challenges/{challenge.pk}/decide/", {"outcome": "accepted", "note": "Agreed."}
    )
    assert done.status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == "accepted" and challenge.adjustment.cost_pence == -315000
    page = client.get("/activity/challenges/").content.decode()
    assert "£3,150.00" in page  # RD1's query list
    csv = b"".join(client.get("/activity/challenges/queries/RD1/?export=csv").streaming_content).decode()
    assert "S1" in csv and "Duplicate" in csv and "3150.00" in csv


def test_return_page_submits_and_shows_status(published, world, client):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    response = client.post(
        "/activity/validation-returns/submit/", {"practice": "L85001", "month": "2007-05"}, follow=True
    )
    assert ValidationReturn.objects.filter(practice=world.practice).count() == 1
    assert 'data-month="2007-05" data-status="late"' in response.content.decode()
    again = client.post(
        "/activity/validation-returns/submit/", {"practice": "L85001", "month": "2007-05"}, follow=True
    )
    assert "returned May 2007 on" in again.content.decode()
    other = client.post("/activity/validation-returns/submit/", {"practice": "L85002", "month": "2007-05"})
    assert other.status_code == 302 and ValidationReturn.objects.count() == 1
