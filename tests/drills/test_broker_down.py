"""Redis down: uploads and imports are refused with a clear message and nothing is stored; pages still
render and /healthz reports the broker down. Needs no Redis (the broker is a closed port), so it runs in
every CI pass."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from activity import services
from activity.choices import UploadStatus
from activity.models import ExtractUpload
from pbc.choices import Role
from pbc.models import FinancialYear
from tests.drills.conftest import fixture_bytes, row_counts, stored_files

REFUSED = "task queue cannot be reached"


@pytest.fixture
def year(db):
    return FinancialYear.objects.get_or_create(start_year=2007)[0]


def extract():
    return SimpleUploadedFile("apc.csv", fixture_bytes("apc_2007.csv"), content_type="text/csv")


def test_extract_upload_page_and_api_are_refused_and_store_nothing(world, year, client, broker_down):
    before, files = row_counts(), stored_files()
    client.force_login(world.users[Role.PCT_INFORMATION])
    page = client.post(
        reverse("activity:upload_create"), {"dataset": "APC", "year": year.pk, "file": extract()}
    )
    assert page.status_code == 200  # the form again, with the reason
    assert REFUSED in page.content.decode()

    api = APIClient()
    api.force_authenticate(world.users[Role.API_CLIENT_WRITE])
    response = api.post(
        "/api/v1/uploads/", {"dataset": "APC", "year": "2007/08", "file": extract()}, format="multipart"
    )
    assert response.status_code == 503, response.content
    body = response.json()
    assert REFUSED in body["message"] and set(body) == {"message", "errors", "extra"}

    assert row_counts() == before
    assert stored_files() == files


def test_tariff_and_organisation_imports_are_refused(world, year, client, broker_down):
    before, files = row_counts(), stored_files()
    client.force_login(world.users[Role.PCT_INFORMATION])
    tariff = client.post(
        reverse("activity:tariff_import"),
        {"year": year.pk, "admitted": SimpleUploadedFile("a.csv", fixture_bytes("admitted_2007.csv"))},
    )
    assert tariff.status_code == 200 and REFUSED in tariff.content.decode()

    api = APIClient()
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    response = api.post(
        "/api/v1/tariffs/",
        {"year": "2007/08", "admitted": SimpleUploadedFile("a.csv", fixture_bytes("admitted_2007.csv"))},
        format="multipart",
    )
    assert response.status_code == 503 and REFUSED in response.json()["message"]

    client.force_login(world.users[Role.PCT_FINANCE])
    sizes = (
        b"PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        b"GP_PRAC_PAT_LIST,01APR2024,GP,5WV,E38000001,L85001,BA1 1AA,ALL,ALL,6120\n"
    )
    org = client.post(
        reverse("pbc:import_create"), {"kind": "list_sizes", "file": SimpleUploadedFile("sizes.csv", sizes)}
    )
    assert org.status_code == 200 and REFUSED in org.content.decode()

    assert row_counts() == before
    assert stored_files() == files


def test_a_failed_upload_is_not_retried_into_limbo(world, year, broker_down):
    upload = ExtractUpload.objects.create(
        pct=world.pct, dataset="APC", year=year, filename="a.csv", checksum="c", status=UploadStatus.FAILED,
        file=SimpleUploadedFile("a.csv", fixture_bytes("apc_2007.csv")),
    )  # fmt: skip
    with pytest.raises(services.ApplicationError, match=REFUSED):
        services.extract_upload_retry(upload=upload, actor=None)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED  # still retryable later, not left waiting for no one


def test_pages_render_and_health_reports_the_broker(world, year, client, broker_down):
    client.force_login(world.users[Role.PCT_INFORMATION])
    for name in ("home", "activity:upload_list", "activity:upload_create", "pbc:import_list"):
        assert client.get(reverse(name)).status_code == 200, name
    health = client.get(reverse("healthz"))
    assert health.status_code == 503
    checks = health.json()["checks"]
    assert checks["database"] == "ok" and checks["broker"].startswith("error")


def test_follow_up_work_is_logged_not_turned_into_an_error(broker_down, caplog):
    """Notifications and report rebuilds queued after a committed change: with the queue down the change
    stands and the operators see the failure in the log (reports are also rebuilt nightly)."""
    from budgets.tasks import report_recompute_task
    from pbc import queue

    with pytest.raises(queue.ServiceUnavailable):
        queue.send(report_recompute_task, 1, 2007, "drill")
    caplog.clear()
    assert queue.send_or_log(report_recompute_task, 1, 2007, "drill") is False
    assert any(r.message == "task not queued" and r.levelname == "ERROR" for r in caplog.records)
