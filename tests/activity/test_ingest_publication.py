# ruff: noqa: F811  (the fixtures imported from test_ingest)
"""Publication of an upload's activity: rows are stored current but count only once their upload is
published; publishing flips only the restated slices of earlier uploads. And the duplicate check's sorted
merge of record keys across chunks."""

from datetime import timedelta

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from activity import services
from activity.choices import UploadStatus
from activity.models import ActivityAggregate, ExtractUpload
from activity.selectors import activity_list
from budgets.services.reports import _year_activity
from pbc.choices import Role
from tests.activity.test_ingest import current_totals, read, tariff, upload, year  # noqa: F401

HEADER = b"SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"


class Killed(BaseException):
    """The worker dies: no cleanup code runs (``except Exception`` does not catch it)."""


def _killed_before_publication(world, year, data: bytes, monkeypatch) -> ExtractUpload:
    """An upload whose job stored all its rows and was killed just before the publishing switch."""

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(services, "_publish", die)
    stored = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year, upload=ContentFile(data, name="k.csv"), filename="k.csv",
        actor=world.users[Role.PCT_INFORMATION], confirm_restate=True,  # restatements here are meant
    )  # fmt: skip
    with pytest.raises(Killed):
        services.extract_process(upload_id=stored.pk)
    monkeypatch.undo()
    stored.refresh_from_db()
    return stored


def _visible(world, year) -> dict:
    """What each reader of the published figures sees."""
    api = APIClient()
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    frame = _year_activity(world.pct, year.fy, [])
    return {
        "current": current_totals(world),
        "selector": activity_list(user=world.users[Role.PCT_FINANCE]).aggregate(
            activity=Sum("activity"), cost=Sum("cost_pence")
        ),
        "api": sorted(r["activity"] for r in api.get(reverse("activity-list")).json()["results"]),
        "reports": (int(frame["activity"].sum()), int(frame["cost"].sum())) if len(frame) else (0, 0),
    }


def test_rows_of_an_unpublished_upload_are_invisible_to_every_reader(tariff, year, world, monkeypatch):
    nothing = _visible(world, year)
    job = _killed_before_publication(world, year, read("apc_2007.csv"), monkeypatch)
    assert job.status == UploadStatus.RUNNING and job.published_at is None
    # The rows are there, stored current, but the upload is not published: nobody sees them.
    assert ActivityAggregate.objects.filter(upload=job, is_current=True).exists()
    assert _visible(world, year) == nothing
    assert nothing["current"] == {"activity": None, "cost": None}
    # The stalled job is failed, retried, and only then its figures appear.
    ExtractUpload.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - timedelta(hours=1))
    assert services.extract_mark_stalled() == [job.pk]
    job.refresh_from_db()
    services.extract_upload_retry(upload=job, actor=None)
    assert services.extract_process(upload_id=job.pk).status == UploadStatus.SUCCEEDED
    assert current_totals(world)["cost"] == 840000 + 210000 + 210000
    assert _visible(world, year)["reports"][1] > 0


def test_killed_restatement_leaves_the_published_figures_untouched(tariff, year, world, monkeypatch):
    first = upload(world, year, read("apc_2007.csv"))
    before = _visible(world, year)
    restated = HEADER + b"S1,X,L85001,RD1,300,HA11A,2007-05-01,2007-05-11,21,1,10,45\n"
    job = _killed_before_publication(world, year, restated, monkeypatch)
    assert _visible(world, year) == before
    # The earlier upload's rows of the restated month were not flipped by the killed job.
    assert ActivityAggregate.objects.current().filter(upload=first, month="2007-05-01").exists()
    # A retry discards the partial rows first, then publishes.
    ExtractUpload.objects.filter(pk=job.pk).update(status=UploadStatus.FAILED)
    job.refresh_from_db()
    services.extract_upload_retry(upload=job, actor=None)
    assert services.extract_process(upload_id=job.pk).status == UploadStatus.SUCCEEDED
    assert ActivityAggregate.objects.filter(upload=job).count() == 1


def test_publication_flips_only_the_restated_slices_of_earlier_uploads(tariff, year, world):
    first = upload(world, year, read("apc_2007.csv"))
    live_before = set(ActivityAggregate.objects.current().filter(upload=first).values_list("pk", flat=True))
    may = set(
        ActivityAggregate.objects.current()
        .filter(upload=first, provider="RD1", month="2007-05-01")
        .values_list("pk", flat=True)
    )
    assert may and live_before - may  # the fixture has May and June activity
    restated = HEADER + b"S1,X,L85001,RD1,300,HA11A,2007-05-01,2007-05-11,21,1,10,45\n"
    original_publish = services._publish
    publish_queries = []

    def publish(*args, **kwargs):
        with CaptureQueriesContext(connection) as ctx:
            original_publish(*args, **kwargs)
        publish_queries.extend(q["sql"] for q in ctx.captured_queries)

    services._publish = publish
    try:
        second = upload(world, year, restated)
    finally:
        services._publish = original_publish
    assert second.status == UploadStatus.SUCCEEDED
    still = set(ActivityAggregate.objects.current().filter(upload=first).values_list("pk", flat=True))
    assert still == live_before - may  # June stands; only May was flipped
    flipped = ActivityAggregate.objects.filter(pk__in=may)
    assert not flipped.filter(is_current=True).exists()
    assert second.changes["replaced_uploads"] == [first.pk]
    assert [(c["provider"], c["month"], c["activity_after"]) for c in second.changes["slices"]] == [
        ("RD1", "2007-05-01", 1)
    ]
    # Publishing wrote one UPDATE of aggregates (the old May rows), none over the new upload's rows.
    table = ActivityAggregate._meta.db_table
    updates = [q for q in publish_queries if q.lstrip().upper().startswith("UPDATE") and table in q]
    assert len(updates) == 1


def test_sorted_merge_agrees_with_union_and_isin():
    rng = np.random.default_rng(7)
    seen = np.empty(0, dtype=np.uint64)
    union = np.empty(0, dtype=np.uint64)
    for _ in range(20):
        chunk = rng.integers(0, 500, size=rng.integers(0, 60)).astype(np.uint64)
        probe = rng.integers(0, 600, size=50).astype(np.uint64)
        assert np.array_equal(services._in_sorted(probe, seen), np.isin(probe, union))
        seen = services._merge_sorted(seen, chunk)
        union = np.union1d(union, chunk)
        assert np.array_equal(seen, union)
    assert seen.dtype == np.uint64
    assert not services._in_sorted(np.array([], dtype=np.uint64), seen).size


@pytest.mark.parametrize("chunk_rows", [1, 2, 3])
def test_duplicates_are_found_across_chunk_boundaries(tariff, year, world, monkeypatch, chunk_rows):
    monkeypatch.setattr(services, "CHUNK_ROWS", chunk_rows)
    rows = [
        b"S1,P1,L85001,RD1,300,HA11A,2007-05-01,2007-05-15,21,1,14,45",
        b"S2,P2,L85001,RD1,300,HA11A,2007-05-02,2007-05-03,21,1,1,45",
        b"S1,P1,L85001,RD1,300,HA11A,2007-05-01,2007-05-15,21,1,14,45",
        b"S3,P3,L85002,RD1,300,HA11A,2007-06-02,2007-06-03,21,1,1,45",
        b"S2,P2,L85001,RD1,300,HA11A,2007-05-02,2007-05-03,21,1,1,45",
        b"S1,P1,L85001,RD1,300,HA11A,2007-05-01,2007-05-15,21,1,14,45",
        b"S4,P4,L85002,RD1,300,HA11A,2007-06-04,2007-06-05,21,1,1,45",
    ]
    up = upload(world, year, HEADER + b"\n".join(rows) + b"\n")
    assert up.status == UploadStatus.SUCCEEDED, up.error
    assert up.quality["by_outcome"]["duplicate"]["rows"] == 3
    assert up.quality["by_outcome"]["costed"]["rows"] == 4
    assert ActivityAggregate.objects.current().aggregate(a=Sum("activity"))["a"] == 4
    # The record keys kept for later uploads' duplicate check: each spell once.
    keys = services._read_keys(up.pk, up.attempts)
    assert len(keys) == 4 and len(np.unique(keys["key"])) == 4
    assert sorted(set(keys["month"])) == ["2007-05", "2007-06"] and set(keys["provider"]) == {"RD1"}
