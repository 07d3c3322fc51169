"""Job ownership for extract processing: one owner at a time, proven by a lease it keeps renewing.

A job is claimed by one conditional UPDATE (pending, or running with an expired lease): the winner becomes
the owner with a new attempt number, every other execution (a redelivered task, a second worker, a demo
seed beside the queue) finds nothing to claim and exits without effect. The owner renews its lease as it
works; rows it stores carry its attempt number, and only the attempt that is the upload's current one can
publish or ever count (``ActivityAggregate.objects.current()``). A worker that dies stops renewing; the
reclaim sweep puts its job back on the queue once the lease has expired, and the next worker's claim wins.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import F, Q
from django.utils import timezone

from activity.choices import UploadStatus
from activity.models import ExtractUpload

logger = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another execution owns the job now: stop, and write nothing more."""


def lease_seconds() -> int:
    return settings.PBC_JOB_LEASE_SECONDS


def claimable(now) -> Q:
    """Pending, or running under a lease that has run out (or that an older release never set)."""
    return Q(status=UploadStatus.PENDING) | Q(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True), status=UploadStatus.RUNNING
    )


@dataclass
class Lease:
    upload_id: int
    owner: str
    attempt: int
    lost: bool = False
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _keeper: threading.Thread | None = field(default=None, repr=False)

    def renew(self, **fields) -> None:
        """Extend the lease (and store ``fields``, e.g. progress) if this execution still owns the job."""
        now = timezone.now()
        renewed = ExtractUpload.objects.filter(
            pk=self.upload_id, owner=self.owner, status=UploadStatus.RUNNING
        ).update(lease_until=now + timedelta(seconds=lease_seconds()), heartbeat=now, **fields)
        if not renewed:
            self.lost = True
        if self.lost:
            raise LeaseLost(f"upload {self.upload_id}: attempt {self.attempt} no longer owns the job")

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(f"upload {self.upload_id}: attempt {self.attempt} no longer owns the job")

    # A chunk of a large file can take longer than the lease on a loaded machine, so a worker keeps the
    # lease from a thread as well. Only outside a transaction: inside one (the eager queue of the embedded
    # set-up and the tests) the thread could not see the claimed row, and nothing else competes anyway.
    def keep(self) -> Lease:
        if connection.in_atomic_block or connection.vendor != "postgresql":
            return self
        self._keeper = threading.Thread(target=self._keep, name=f"lease-{self.upload_id}", daemon=True)
        self._keeper.start()
        return self

    def _keep(self) -> None:
        try:
            while not self._stop.wait(max(1, lease_seconds() // 3)):
                try:
                    self.renew()
                except LeaseLost:
                    return
        finally:
            close_old_connections()
            connection.close()

    def release(self) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=10)

    def __enter__(self) -> Lease:
        return self.keep()

    def __exit__(self, *exc) -> None:
        self.release()


def claim(upload_id: int) -> Lease | None:
    """Take the job if nobody holds it; ``None`` when it is done, failed, or owned by a live execution."""
    now = timezone.now()
    owner = uuid.uuid4().hex
    taken = ExtractUpload.objects.filter(claimable(now), pk=upload_id).update(
        status=UploadStatus.RUNNING,
        owner=owner,
        lease_until=now + timedelta(seconds=lease_seconds()),
        heartbeat=now,
        started=now,
        attempts=F("attempts") + 1,
        error="",
        error_extra={},
        rows_read=0,
        bytes_read=0,
    )
    if not taken:
        return None
    attempt = ExtractUpload.objects.filter(pk=upload_id).values_list("attempts", flat=True).get()
    logger.info("extract job claimed", extra={"upload": upload_id, "attempt": attempt})
    return Lease(upload_id=upload_id, owner=owner, attempt=attempt)


def expired(now=None):
    """Running jobs whose owner stopped renewing its lease."""
    now = now or timezone.now()
    return ExtractUpload.objects.filter(status=UploadStatus.RUNNING).filter(
        Q(lease_until__lt=now)
        | Q(lease_until__isnull=True, heartbeat__lt=now - timedelta(seconds=lease_seconds()))
    )
