"""The database connection is lost in the middle of a multi-step write: the user gets our clean 503
"try again" page (JSON error in the API), never a traceback, and nothing of the write is kept.

The request's own PostgreSQL backend is terminated from another connection right after the first row of
a tariff import is saved, so the following inserts fail the way a lost server does.
"""

from __future__ import annotations

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models.signals import post_save
from django.urls import reverse
from rest_framework.test import APIClient

from activity.models import TariffVersion
from pbc.choices import Role
from pbc.models import FinancialYear
from tests.drills.conftest import fixture_bytes, row_counts


@pytest.fixture
def connection_lost_after_first_save(postgres):
    """Terminate the request's database backend as soon as a tariff version row is written."""
    terminated = []

    def terminate(sender, instance, created, **kwargs):
        if terminated:
            return
        pid = connection.connection.get_backend_pid()
        other = psycopg2.connect(**connection.get_connection_params())
        try:
            other.autocommit = True
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            other.close()
        terminated.append(pid)

    post_save.connect(terminate, sender=TariffVersion, dispatch_uid="drill-terminate")
    yield terminated
    post_save.disconnect(sender=TariffVersion, dispatch_uid="drill-terminate")


def tariff_files():
    return {
        "admitted": SimpleUploadedFile("admitted.csv", fixture_bytes("admitted_2007.csv")),
        "outpatient": SimpleUploadedFile("op.csv", fixture_bytes("outpatient_2007.csv")),
    }


def test_page_gets_a_clean_503_and_nothing_is_half_saved(world, client, connection_lost_after_first_save):
    year = FinancialYear.objects.get_or_create(start_year=2007)[0]
    client.force_login(world.users[Role.PCT_FINANCE])
    before = row_counts()
    response = client.post(reverse("activity:tariff_import"), {"year": year.pk, **tariff_files()})
    assert connection_lost_after_first_save, "the drill did not cut the connection"
    assert response.status_code == 503
    assert response["Retry-After"]
    page = response.content.decode()
    assert "try again" in page.lower() and "nothing was changed" in page
    assert "Traceback" not in page and "OperationalError" not in page and "psycopg" not in page
    assert row_counts() == before
    assert not TariffVersion.objects.exists()
    # The next request is served normally on a fresh connection.
    assert client.get(reverse("activity:tariff_list")).status_code == 200


def test_api_gets_a_503_error_body_and_nothing_is_half_saved(world, connection_lost_after_first_save):
    FinancialYear.objects.get_or_create(start_year=2007)
    api = APIClient()
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    before = row_counts()
    response = api.post("/api/v1/tariffs/", {"year": "2007/08", **tariff_files()}, format="multipart")
    assert connection_lost_after_first_save
    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"message", "extra"} and "try again" in body["message"].lower()
    assert row_counts() == before
    assert api.get("/api/v1/tariffs/").status_code == 200
