"""The problem rows of an upload through the API: the same rows as the page's CSV download, as JSON pages
or as that very CSV, scoped like the upload itself and documented in the schema."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from rest_framework.test import APIClient

from activity import services
from activity.choices import UploadStatus
from activity.models import ProblemRow
from pbc.choices import Role
from tests.factories.budgets import ExtractUploadFactory, tariff_2007, year

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def processed(world):
    """The fixture extract loaded: it has problem rows (impossible stay, unattributed, non-PCT, …)."""
    tariff_2007(actor=world.users[Role.PCT_FINANCE])
    data = (FIXTURES / "apc_2007.csv").read_bytes()
    stored = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year(2007), upload=ContentFile(data, name="apc_2007.csv"),
        filename="apc_2007.csv", actor=world.users[Role.PCT_INFORMATION],
    )  # fmt: skip
    stored.refresh_from_db()
    if stored.status == UploadStatus.PENDING:
        stored = services.extract_process(upload_id=stored.pk)
    assert stored.status == UploadStatus.SUCCEEDED
    assert ProblemRow.objects.filter(upload=stored).count() >= 3
    return stored


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def url(upload) -> str:
    return reverse("upload-problem-list", kwargs={"pk": upload.pk})


def page_csv(client, upload) -> bytes:
    response = client.get(reverse("activity:upload_problems_csv", kwargs={"pk": upload.pk}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_json_lists_the_same_rows_as_the_page_csv(processed, world, client):
    client.force_login(world.users[Role.PCT_INFORMATION])
    expected = list(csv.DictReader(io.StringIO(page_csv(client, processed).decode().lstrip("\ufeff"))))
    body = api_for(world.users[Role.API_CLIENT_WRITE]).get(url(processed)).json()
    assert body["count"] == len(expected) == ProblemRow.objects.filter(upload=processed).count()
    got = [(r["line"], r["outcome"], r["reason"]) for r in body["results"]]
    assert got == [(int(r["line"]), r["outcome"], r["reason"]) for r in expected]
    assert got == sorted(got)  # in line order
    first = body["results"][0]
    assert set(first) == {"line", "outcome", "reason", "fields"}
    shown = {k: v for k, v in expected[0].items() if k not in ("line", "outcome", "reason") and v}
    assert shown and {k: str(first["fields"][k]) for k in shown} == shown
    assert "impossible_stay" in {r["reason"] for r in body["results"]}


def test_csv_is_byte_for_byte_the_page_download(processed, world, client):
    client.force_login(world.users[Role.PCT_INFORMATION])
    response = api_for(world.users[Role.API_CLIENT_WRITE]).get(url(processed), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="upload-{processed.pk}-problem-rows.csv"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == page_csv(client, processed)
    by_header = api_for(world.users[Role.API_CLIENT_WRITE]).get(url(processed), HTTP_ACCEPT="text/csv")
    assert b"".join(by_header.streaming_content) == page_csv(client, processed)


def test_pages_and_filters(processed, world):
    api = api_for(world.users[Role.PCT_FINANCE])
    total = ProblemRow.objects.filter(upload=processed).count()
    first = api.get(url(processed), {"page_size": 2}).json()
    assert (first["count"], len(first["results"])) == (total, 2) and first["next"]
    second = api.get(first["next"]).json()
    assert second["results"][0]["line"] > first["results"][-1]["line"]
    only = api.get(url(processed), {"reason": "impossible_stay"}).json()
    assert only["count"] >= 1 and {r["reason"] for r in only["results"]} == {"impossible_stay"}
    # Filtered CSV: the same filter applies.
    text = b"".join(api.get(url(processed), {"reason": "impossible_stay", "format": "csv"}).streaming_content)
    assert len(text.decode().strip().splitlines()) == only["count"] + 1


def test_out_of_scope_upload_is_404_and_capability_is_checked(processed, world):
    foreign = ExtractUploadFactory(pct=world.other_pct, year=year(2007))
    ProblemRow.objects.create(upload=foreign, line_no=2, outcome="rejected", reason="x", fields={})
    api = api_for(world.users[Role.PCT_FINANCE])
    assert api.get(url(foreign)).status_code == 404
    assert api.get(url(foreign), {"format": "csv"}).status_code == 404
    assert api.get(reverse("upload-problem-list", kwargs={"pk": 999_999})).status_code == 404
    # A practice manager may not read uploads at all; anonymous callers are asked to authenticate.
    assert api_for(world.users[Role.PRACTICE_MANAGER]).get(url(processed)).status_code == 403
    assert APIClient().get(url(processed)).status_code == 401


def test_schema_documents_the_endpoint(world, client):
    client.force_login(world.users[Role.PCT_FINANCE])
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/uploads/{id}/problems/"]["get"]
    assert {"200", "401", "403", "404"} <= set(operation["responses"])
    assert "text/csv" in operation["responses"]["200"]["content"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"id", "page", "format", "outcome", "reason"} <= names


def test_upload_detail_reports_progress_while_running(world):
    upload = ExtractUploadFactory(
        pct=world.pct, year=year(2007), status=UploadStatus.RUNNING, size_bytes=400, bytes_read=100
    )
    body = api_for(world.users[Role.PCT_INFORMATION]).get(reverse("upload-detail", kwargs={"pk": upload.pk}))
    assert body.status_code == 200
    assert (body.json()["bytes_read"], body.json()["progress_percent"]) == (100, 25)
