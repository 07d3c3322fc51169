"""With a real Redis broker and a Celery worker (CI's second run): queued jobs run and finish."""

import pytest
from django.urls import reverse

from pbc.choices import ImportStatus
from pbc.models import ImportRun, ListSize
from pbc.services import import_run_create

pytestmark = pytest.mark.worker


def _wait_for(run_id: int, timeout: float = 30.0) -> ImportRun:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ImportRun.objects.get(pk=run_id)
        if run.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"import {run_id} did not finish within {timeout}s")


def test_import_is_queued_and_run_by_the_worker(world, live_worker):
    run = import_run_create(
        kind="list_sizes",
        pct=world.pct,
        filename="sizes.csv",
        data=b"CODE,NUMBER_OF_PATIENTS,EXTRACT_DATE\nL85001,6100,2024-04-01\nL85002,7000,2024-04-01\n",
        actor=None,
    )
    assert run.status == ImportStatus.PENDING  # nothing ran in the request
    finished = _wait_for(run.pk)
    assert finished.status == ImportStatus.SUCCEEDED and finished.rows_imported == 2
    assert ListSize.objects.count() == 2


def test_health_reports_the_broker(live_worker, client):
    body = client.get(reverse("healthz")).json()
    assert body["checks"]["broker"] == "ok" and body["status"] == "ok"
