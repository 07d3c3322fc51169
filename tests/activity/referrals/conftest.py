# ruff: noqa: F811  (the fixtures imported from test_ingest)
"""The suite's small HES outpatient file (GP and other REFSOURC values, first and follow-up attendances,
DNAs, valid / null / invalid REQDATE, blank and '&' TRETSPEF with MAINSPEF) published for the world's PCT,
with list sizes for its practices."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from activity import services
from activity.choices import UploadStatus
from pbc.choices import Role
from pbc.models import ListSize
from tests.activity.test_ingest import tariff, year  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"
OP_FILE = FIXTURES / "hes_op_referrals.csv"


@pytest.fixture
def lists(world):
    for practice, day, patients in (
        (world.practice, date(2007, 4, 1), 4000),
        (world.practice, date(2007, 5, 15), 4100),  # May's list: the latest extract by 31 May
        (world.neighbour, date(2007, 4, 1), 2500),
        (world.far, date(2007, 4, 1), 8000),
    ):
        ListSize.objects.create(practice=practice, extract_date=day, patients=patients)


@pytest.fixture
def op_published(tariff, year, world, lists):  # noqa: F811
    stored = services.extract_upload_create(
        pct=world.pct, dataset="OP", year=year, upload=ContentFile(OP_FILE.read_bytes(), name="op.csv"),
        filename="op.csv", actor=world.users[Role.PCT_INFORMATION],
    )  # fmt: skip
    stored = services.extract_process(upload_id=stored.pk)
    assert stored.status == UploadStatus.SUCCEEDED, stored.error
    return stored
