"""The same extract uploaded twice at the same moment gives one load: the second request is refused
(409, pointing at the first upload) and the figures are published once.

Each upload's transaction is held open for a moment after its row is written, so without the lock in
``extract_upload_create`` both requests would pass the duplicate check before either committed.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.db.models.signals import post_save
from rest_framework.test import APIClient

from activity import services
from activity.choices import UploadStatus
from activity.models import ActivityAggregate, ExtractUpload
from pbc.choices import Role
from pbc.models import FinancialYear
from tests.drills.conftest import fixture_bytes

pytestmark = pytest.mark.postgres


def hold_transaction_open(sender, instance, created, **kwargs):
    if created:
        time.sleep(0.5)


def test_same_extract_twice_at_once_is_loaded_once(world, postgres):
    year = FinancialYear.objects.get_or_create(start_year=2007)[0]
    services.tariff_import(
        year=year, files={"admitted": ("a.csv", fixture_bytes("admitted_2007.csv"))}, actor=None
    )
    data = fixture_bytes("apc_2007.csv")
    start = threading.Barrier(2)
    responses = {}

    def send(name):
        api = APIClient()
        api.force_authenticate(world.users[Role.PCT_INFORMATION])
        try:
            start.wait(timeout=10)
            responses[name] = api.post(
                "/api/v1/uploads/",
                {"dataset": "APC", "year": "2007/08", "file": SimpleUploadedFile("apc.csv", data)},
                format="multipart",
            )
        finally:
            close_old_connections()
            connection.close()

    post_save.connect(hold_transaction_open, sender=ExtractUpload, dispatch_uid="drill-hold")
    try:
        threads = [threading.Thread(target=send, args=(name,)) for name in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        post_save.disconnect(sender=ExtractUpload, dispatch_uid="drill-hold")

    statuses = sorted(r.status_code for r in responses.values())
    assert statuses == [202, 409], {k: (r.status_code, r.content[:300]) for k, r in responses.items()}
    accepted = next(r for r in responses.values() if r.status_code == 202).json()
    refused = next(r for r in responses.values() if r.status_code == 409).json()
    assert refused["extra"]["upload"] == accepted["id"] and "already being loaded" in refused["message"]

    upload = ExtractUpload.objects.get()  # one load
    assert upload.pk == accepted["id"] and upload.status == UploadStatus.SUCCEEDED, upload.error
    published = ActivityAggregate.objects.current()
    assert set(published.values_list("upload_id", flat=True)) == {upload.pk}
