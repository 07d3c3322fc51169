"""Drills with a real Redis broker and real Celery workers (CI's PostgreSQL + Redis run)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from activity import services
from activity.choices import UploadStatus
from activity.models import ActivityAggregate, ExtractUpload
from activity.tasks import extract_reclaim_task
from budgets.models import ReportRow, ReportRun
from budgets.tasks import reports_recompute_nightly_task
from pbc.models import FinancialYear

pytestmark = pytest.mark.worker
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def _big_extract(path: Path, rows: int) -> None:
    rng = np.random.default_rng(7)
    days = rng.integers(0, 300, rows)
    start = np.datetime64("2007-04-01") + days
    stay = rng.integers(0, 12, rows)
    end = start + stay
    practices = np.array(["L85001", "L85002", "L85003"])[rng.integers(0, 3, rows)]
    with path.open("w") as fh:
        fh.write(
            "SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"
        )
        for i in range(rows):
            fh.write(f"B{i},P{i},{practices[i]},RVJ,300,HA11A,{start[i]},{end[i]},21,1,{stay[i]},50\n")


def _wait(predicate, timeout=120.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _worker_env() -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbc.settings",
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "PBC_PATIENT_HASH_KEY": settings.PBC_PATIENT_HASH_KEY,
        "DJANGO_PRIVATE_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_LOG_FORMAT": "plain",
        "PBC_JOB_LEASE_SECONDS": "3",
    }


def test_killed_worker_loses_nothing_and_the_job_can_be_retried(world, live_worker_factory, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker subprocess shares the test database only on PostgreSQL")
    year = FinancialYear.objects.get_or_create(start_year=2007)[0]
    services.tariff_import(
        year=year,
        files={"admitted": ("a.csv", (FIXTURES / "admitted_2007.csv").read_bytes())},
        actor=None,
    )
    first = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year, upload=ContentFile((FIXTURES / "apc_2007.csv").read_bytes(), name="a.csv"),
        filename="a.csv", actor=None,
    )  # fmt: skip
    services.extract_process(upload_id=first.pk)  # published without a worker
    published = ActivityAggregate.objects.current().aggregate(a=Sum("activity"), c=Sum("cost_pence"))

    big = tmp_path / "big.csv"
    _big_extract(big, 600_000)
    from pbc.celery import app

    app.control.purge()
    with big.open("rb") as fh:
        from django.core.files import File

        job = services.extract_upload_create(
            pct=world.pct,
            dataset="APC",
            year=year,
            upload=File(fh, name="big.csv"),
            filename="big.csv",
            actor=None,
        )
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "pbc", "worker", "--pool", "solo", "--without-mingle", "--without-gossip", "-l", "warning"],
        cwd=ROOT, env=_worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait(lambda: ExtractUpload.objects.get(pk=job.pk).rows_read > 0, what="the worker to start the job")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    job.refresh_from_db()
    assert job.status == UploadStatus.RUNNING  # the worker died mid-job
    assert ActivityAggregate.objects.current().aggregate(a=Sum("activity"), c=Sum("cost_pence")) == published

    # Beat's sweep puts the job back once the dead owner's lease runs out (seconds here, under a minute by
    # default); the next worker claims it as a second attempt and completes it once.
    _wait(
        lambda: ExtractUpload.objects.get(pk=job.pk).lease_until < timezone.now(), 60, "the lease to expire"
    )
    with live_worker_factory():
        extract_reclaim_task.delay()
        _wait(
            lambda: ExtractUpload.objects.get(pk=job.pk).status in ("succeeded", "failed"),
            what="the reclaimed job",
        )
    job.refresh_from_db()
    assert job.status == UploadStatus.SUCCEEDED, job.error
    assert job.quality["rows"] == 600_000 and job.attempts == 2
    assert ActivityAggregate.objects.current().filter(upload=job).aggregate(a=Sum("activity"))["a"] == 600_000
    # The first upload's RD1 figures were not restated by the RVJ file, so they still stand.
    assert (
        ActivityAggregate.objects.current().filter(upload=first).aggregate(c=Sum("cost_pence"))["c"]
        == published["c"]
    )


def _report_rows() -> list[tuple]:
    return list(
        ReportRow.objects.order_by("pk").values_list(
            "level", "practice_id", "locality_id", "category", "provider", "month", "actual_pence"
        )
    )


def test_worker_killed_mid_recompute_leaves_the_reports_and_the_next_run_completes_once(
    world, live_worker_factory, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("the worker subprocess shares the test database only on PostgreSQL")
    year = FinancialYear.objects.get_or_create(start_year=2007)[0]
    services.tariff_import(
        year=year, files={"admitted": ("a.csv", (FIXTURES / "admitted_2007.csv").read_bytes())}, actor=None
    )
    upload = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year, upload=ContentFile((FIXTURES / "apc_2007.csv").read_bytes(), name="a.csv"),
        filename="a.csv", actor=None,
    )  # fmt: skip
    services.extract_process(upload_id=upload.pk)
    from budgets.services import report_recompute

    report_recompute(pct=world.pct, year=year, trigger="drill")
    before, runs = _report_rows(), ReportRun.objects.count()
    assert before and any(r[-1] for r in before)

    from pbc.celery import app

    app.control.purge()
    marker = tmp_path / "held"
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, str(Path(__file__).parents[1] / "drills" / "held_recompute_worker.py"), str(marker)],
        cwd=ROOT, env=_worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        reports_recompute_nightly_task.delay()
        _wait(marker.exists, what="the worker to be mid-recompute")
        # Mid-recompute the old rows are deleted inside its transaction: readers still see every one.
        assert [r[-1] for r in _report_rows()] == [r[-1] for r in before]
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert _report_rows() == before and ReportRun.objects.count() == runs  # nothing half-written

    with live_worker_factory():
        reports_recompute_nightly_task.delay()
        _wait(lambda: ReportRun.objects.count() > runs, what="the next recompute")
    after = ReportRow.objects.values_list(
        "level", "practice_id", "locality_id", "category", "provider", "month", "actual_pence"
    )
    assert sorted(after) == sorted(before)  # the same figures, once each
    assert ReportRun.objects.count() == runs + 1
