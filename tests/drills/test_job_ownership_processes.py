"""The same extract job run by two processes at once, and after a kill -9 of its first owner, on
PostgreSQL: the published totals equal the file's rows counted once, every time."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.db.models import Sum

from activity import costing, jobs, services
from activity.choices import UploadStatus
from activity.models import ActivityAggregate, ExtractUpload
from pbc.models import FinancialYear
from tests.drills.conftest import fixture_bytes

pytestmark = pytest.mark.postgres
ROUNDS = int(os.environ.get("PBC_OWNERSHIP_ROUNDS", "20"))
ROWS = 1_500
HEADER = "SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"


def _extract(round_no: int) -> bytes:
    lines = [
        f"R{round_no}-{i},P{i},L8500{1 + i % 3},RVJ,300,HA11A,2007-{4 + i % 6:02d}-0{1 + i % 9},"
        f"2007-{4 + i % 6:02d}-1{i % 9},21,1,10,50\n"
        for i in range(ROWS)
    ]
    return (HEADER + "".join(lines)).encode()


def _process(upload_id: int) -> None:
    """A worker process: run the job, then leave without cleanup (as a worker's child would)."""
    try:
        services.extract_process(upload_id=upload_id)
    finally:
        connections.close_all()
        os._exit(0)


def _fork(upload_id: int) -> multiprocessing.Process:
    connections.close_all()  # each process opens its own connection
    process = multiprocessing.get_context("fork").Process(target=_process, args=(upload_id,))
    process.start()
    return process


def _published(upload_id: int) -> dict:
    return (
        ActivityAggregate.objects.current()
        .filter(upload_id=upload_id)
        .aggregate(a=Sum("activity"), c=Sum("cost_pence"))
    )


@pytest.fixture
def slow_chunks(monkeypatch, settings):
    """Small chunks that take a moment each, and a short lease, so a job can be caught (and killed) midway."""
    settings.PBC_JOB_LEASE_SECONDS = 1
    monkeypatch.setattr(services, "CHUNK_ROWS", 150)
    aggregate = costing.aggregate_costed

    def slow(frame, *args, **kwargs):
        time.sleep(0.05)
        return aggregate(frame, *args, **kwargs)

    monkeypatch.setattr(costing, "aggregate_costed", slow)


def _new_upload(world, year, round_no: int) -> ExtractUpload:
    ExtractUpload.objects.filter(pct=world.pct).delete()
    with transaction.atomic():
        stored = services.extract_upload_create(
            pct=world.pct, dataset="APC", year=year, upload=ContentFile(_extract(round_no), name=f"r{round_no}.csv"),
            filename=f"r{round_no}.csv", actor=None,
        )  # fmt: skip
        # The eager queue would run the job in this process on commit; held back, it waits for the forks.
        ExtractUpload.objects.filter(pk=stored.pk).update(status=UploadStatus.FAILED)
    ExtractUpload.objects.filter(pk=stored.pk).update(status=UploadStatus.PENDING)
    return stored


def test_two_processes_and_a_killed_owner_publish_each_job_once(world, postgres, slow_chunks):
    year = FinancialYear.objects.get_or_create(start_year=2007)[0]
    services.tariff_import(
        year=year, files={"admitted": ("a.csv", fixture_bytes("admitted_2007.csv"))}, actor=None
    )
    killed_midway = 0
    for round_no in range(ROUNDS):
        # Two processes take the same job at the same moment: one claims it, the other exits.
        job = _new_upload(world, year, round_no)
        both = [_fork(job.pk), _fork(job.pk)]
        for process in both:
            process.join(timeout=120)
        job.refresh_from_db()
        assert job.status == UploadStatus.SUCCEEDED and job.attempts == 1, (round_no, job.error)
        once = _published(job.pk)
        assert once["a"] == ROWS, round_no

        # The owner is killed mid-job; a second execution meanwhile exits; the reclaim sweep restarts it.
        job = _new_upload(world, year, round_no + 1000)
        first = _fork(job.pk)
        deadline = time.monotonic() + 60
        while ExtractUpload.objects.get(pk=job.pk).rows_read == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(first.pid, signal.SIGKILL)
        first.join(timeout=30)
        job.refresh_from_db()
        if job.status == UploadStatus.RUNNING:
            killed_midway += 1
            assert _published(job.pk)["a"] is None  # nothing of a killed job counts
            second = _fork(job.pk)  # a redelivered task, at once: the dead owner's lease still runs
            second.join(timeout=60)
            job.refresh_from_db()
            if job.status == UploadStatus.RUNNING:  # it had no effect; the sweep restarts the job
                assert job.attempts == 1
                while not jobs.expired().filter(pk=job.pk).exists():
                    time.sleep(0.05)
                assert services.extract_reclaim()["requeued"] == [job.pk]  # the eager queue runs it here
        job.refresh_from_db()
        assert job.status == UploadStatus.SUCCEEDED, (round_no, job.error)
        assert _published(job.pk) == once, round_no
        assert set(ActivityAggregate.objects.filter(upload=job).values_list("attempt", flat=True)) == {
            job.attempts
        }
    assert killed_midway >= ROUNDS // 2  # the kill really came mid-job in most rounds
