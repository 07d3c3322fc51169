# ruff: noqa: F811  (the fixtures imported from test_ingest)
"""A published APC upload of the world's PCT with a few lines of known cost (DOMAIN 4 worked example)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from activity import services
from activity.choices import UploadStatus
from pbc.choices import Role
from tests.activity.test_ingest import tariff, year  # noqa: F401

HEADER = "SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"
# S1 is DOMAIN 4's worked example: NEL £2,000.00, 14 days over a 10-day trim point at £250.00, MFF 1.05
# → £3,150.00. S2 is a short-stay emergency (£500.00 × 1.05 = £525.00); S3 and S4 £2,000.00 × 1.05.
SPELLS = (
    "S1,PATIENTAAA1,L85001,RD1,300,HA11A,2007-05-01,2007-05-15,21,1,14,45\n"
    "S2,PATIENTAAA2,L85001,RD1,300,FZ01Z,2007-05-20,2007-05-21,21,1,1,45\n"
    "S3,PATIENTAAA3,L85002,RD1,300,HA11A,2007-05-02,2007-05-04,21,1,2,45\n"
    "S4,PATIENTAAA1,L85001,RD1,300,HA11A,2007-06-02,2007-06-05,21,1,3,45\n"
    "S5,PATIENTAAA5,Y99999,RD1,300,HA11A,2007-05-02,2007-05-04,21,1,2,45\n"
)
COST = {"S1": 315000, "S2": 52500, "S3": 210000, "S4": 210000}


def publish(world, year, text: str, name: str = "apc.csv"):
    stored = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year, upload=ContentFile(text.encode(), name=name), filename=name,
        actor=world.users[Role.PCT_INFORMATION], confirm_restate=True,  # restatements here are meant
    )  # fmt: skip
    stored = services.extract_process(upload_id=stored.pk)
    assert stored.status == UploadStatus.SUCCEEDED, stored.error
    return stored


@pytest.fixture
def published(tariff, year, world):  # noqa: F811
    return publish(world, year, HEADER + SPELLS)


@pytest.fixture
def open_months(settings):
    """2007's months are long closed by the default rule; these tests challenge them as if current."""
    settings.PBC_VALIDATION_CLOSE_DAYS = None
    return settings
