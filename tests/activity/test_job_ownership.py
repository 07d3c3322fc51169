# ruff: noqa: F811  (the fixtures imported from test_ingest)
"""Job ownership: one execution owns an extract job at a time; a second execution, a lost owner or a
reclaimed job never counts anything twice."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from activity import jobs, services
from activity.choices import UploadStatus
from activity.models import ActivityAggregate, ExtractUpload, ProblemRow
from budgets.models import ReportRow, ReportRun
from budgets.services.reports import report_recompute
from pbc.choices import Role
from tests.activity.test_ingest import current_totals, read, tariff, upload, year  # noqa: F401

ONCE = {"activity": 5, "cost": 840000 + 210000 + 210000}  # apc_2007.csv published once


def _pending(world, year, data=None, name="a.csv") -> ExtractUpload:
    """An upload stored but not yet processed (as when its task is still on the queue)."""
    stored = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year, upload=ContentFile(data or read("apc_2007.csv"), name=name),
        filename=name, actor=world.users[Role.PCT_INFORMATION],
    )  # fmt: skip
    ExtractUpload.objects.filter(pk=stored.pk).update(status=UploadStatus.PENDING)
    ActivityAggregate.objects.filter(upload=stored).delete()
    ProblemRow.objects.filter(upload=stored).delete()
    return ExtractUpload.objects.get(pk=stored.pk)


def _expire(upload_id: int) -> None:
    ExtractUpload.objects.filter(pk=upload_id).update(lease_until=timezone.now() - timedelta(seconds=1))


def test_the_figures_of_one_processed_upload(tariff, year, world):
    assert upload(world, year, read("apc_2007.csv")).status == UploadStatus.SUCCEEDED
    assert current_totals(world) == ONCE


def test_a_second_execution_while_the_job_is_owned_changes_nothing(tariff, year, world):
    job = _pending(world, year)
    first = jobs.claim(job.pk)
    assert first is not None and first.attempt == 1
    assert jobs.claim(job.pk) is None  # nobody else can take it while the lease runs
    again = services.extract_process(upload_id=job.pk)
    assert again.status == UploadStatus.RUNNING and again.attempts == 1
    assert not ActivityAggregate.objects.filter(upload=job).exists()
    assert current_totals(world) == {"activity": None, "cost": None}


def test_an_owner_that_lost_its_lease_cannot_publish_and_its_rows_never_count(tariff, year, world):
    job = _pending(world, year)
    stale = jobs.claim(job.pk)
    _expire(job.pk)  # the first owner stalls past its lease; the sweep's requeue lets another claim it
    done = services.extract_process(upload_id=job.pk)
    assert done.status == UploadStatus.SUCCEEDED and done.attempts == stale.attempt + 1
    assert current_totals(world) == ONCE

    # The stale owner wakes up: its rows (stored under its attempt) never count, and it cannot publish.
    stale_view = ExtractUpload.objects.get(pk=job.pk)
    stale_view.attempts = stale.attempt
    with pytest.raises(jobs.LeaseLost):
        services._cost_and_store(stale_view, stale)
    assert ActivityAggregate.objects.filter(upload=job, attempt=stale.attempt).exists()
    assert current_totals(world) == ONCE
    with pytest.raises(jobs.LeaseLost):
        services._publish(stale_view, services.pd.DataFrame(), {}, stale)
    assert current_totals(world) == ONCE
    # Its failure is not the job's either.
    services._fail(stale_view, services.ApplicationError("stale"), stale)
    job.refresh_from_db()
    assert job.status == UploadStatus.SUCCEEDED and job.error == ""
    assert not ActivityAggregate.objects.filter(upload=job, attempt=stale.attempt).exists()
    assert current_totals(world) == ONCE


def test_the_publishing_switch_drops_rows_a_lost_owner_left(tariff, year, world):
    job = _pending(world, year)
    stale = jobs.claim(job.pk)
    view = ExtractUpload.objects.get(pk=job.pk)
    with pytest.raises(jobs.LeaseLost):
        _expire(job.pk)
        jobs.claim(job.pk)  # taken over before the stale owner's first renewal
        services._cost_and_store(view, stale)  # it stores a chunk, then finds it lost the job
    assert ActivityAggregate.objects.filter(upload=job, attempt=stale.attempt).exists()
    _expire(job.pk)
    assert services.extract_process(upload_id=job.pk).status == UploadStatus.SUCCEEDED
    job.refresh_from_db()
    assert set(ActivityAggregate.objects.filter(upload=job).values_list("attempt", flat=True)) == {
        job.attempts
    }
    assert current_totals(world) == ONCE


def test_reclaim_requeues_an_expired_job_and_fails_it_after_the_last_attempt(
    tariff, year, world, settings, django_capture_on_commit_callbacks
):
    job = _pending(world, year)
    jobs.claim(job.pk)  # the owner dies: nobody renews
    assert services.extract_reclaim() == {"requeued": [], "failed": []}  # its lease still runs
    _expire(job.pk)
    with django_capture_on_commit_callbacks(execute=True):  # the queue takes it; the eager queue runs it
        assert services.extract_reclaim() == {"requeued": [job.pk], "failed": []}
    job.refresh_from_db()
    assert job.status == UploadStatus.SUCCEEDED and current_totals(world) == ONCE

    other = _pending(world, year, read("apc_2007.csv") + b"\n", name="b.csv")
    settings.PBC_JOB_MAX_ATTEMPTS = 2
    for _ in range(2):  # two workers in turn die on it
        jobs.claim(other.pk)
        _expire(other.pk)
    assert services.extract_reclaim() == {"requeued": [], "failed": [other.pk]}
    other.refresh_from_db()
    assert other.status == UploadStatus.FAILED and "2 times" in other.error and other.owner == ""
    with django_capture_on_commit_callbacks(execute=True):
        services.extract_upload_retry(upload=other, actor=None)
    assert ExtractUpload.objects.get(pk=other.pk).status == UploadStatus.SUCCEEDED


def test_a_stale_report_run_writes_nothing_over_a_newer_one(tariff, year, world, monkeypatch):
    upload(world, year, read("apc_2007.csv"))
    newer = report_recompute(pct=world.pct, year=year, trigger="newer")
    rows = sorted(ReportRow.objects.filter(pct=world.pct, year=year).values_list("pk", flat=True))
    assert rows
    # A run that started before the newer one reaches the lock after it: it is superseded, writes nothing.
    monkeypatch.setattr("budgets.services.reports.timezone.now", lambda: newer.started - timedelta(seconds=5))
    stale = report_recompute(pct=world.pct, year=year, trigger="older")
    assert stale.pk == newer.pk
    assert ReportRun.objects.filter(pct=world.pct, year=year).count() == 1
    assert sorted(ReportRow.objects.filter(pct=world.pct, year=year).values_list("pk", flat=True)) == rows
