# ruff: noqa: F811  (the fixtures imported from test_ingest)
"""The restatement guard: a file that would shrink a published provider-month to under the PCT's share of its
spells is refused with the slices before and after, storing nothing, until it is sent again confirmed."""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from activity.choices import UploadStatus
from activity.models import ExtractUpload
from activity.restatement import shrinking_slices
from pbc.choices import Role
from tests.activity.test_ingest import current_totals, read, tariff, upload, year  # noqa: F401

HEADER = b"SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"
SMALL_MAY = HEADER + b"N1,PATIENTNEW1,L85001,RD1,300,HA11A,2007-05-01,2007-05-11,21,1,10,45\n"
MAY = date(2007, 5, 1)


def test_a_slice_shrinking_under_the_share_or_to_nothing_needs_confirmation():
    before = {("RD1", MAY): (10, 100_000), ("RD1", date(2007, 6, 1)): (10, 100_000), ("RVJ", MAY): (4, 40)}
    after = {("RD1", MAY): 4, ("RD1", date(2007, 6, 1)): 5, ("RVJ", MAY): 0, ("RTH", MAY): 1}
    changes = shrinking_slices(before, after, min_share=Decimal("0.5"))
    # 4 of 10 is under half; 5 of 10 is not; emptied is; a new slice replaces nothing.
    assert [(c.provider, c.month, c.activity_before, c.activity_after) for c in changes] == [
        ("RD1", MAY, 10, 4),
        ("RVJ", MAY, 4, 0),
    ]
    assert shrinking_slices(before, after, min_share=Decimal("0.3")) == [changes[1]]


def _post(api, data: bytes, **extra):
    return api.post(
        "/api/v1/uploads/",
        {"dataset": "APC", "year": "2007/08", "file": SimpleUploadedFile("small.csv", data), **extra},
        format="multipart",
    )


def test_the_api_answers_409_with_the_slices_and_accepts_when_confirmed(
    tariff, year, world, django_capture_on_commit_callbacks
):
    assert upload(world, year, read("apc_2007.csv")).status == UploadStatus.SUCCEEDED
    published = current_totals(world)
    uploads = ExtractUpload.objects.count()
    api = APIClient()
    api.force_authenticate(world.users[Role.PCT_INFORMATION])

    refused = _post(api, SMALL_MAY)
    assert refused.status_code == 409, refused.json()
    body = refused.json()
    assert body["errors"]["confirm_restate"]
    (may,) = body["extra"]["slices"]
    assert may["provider"] == "RD1" and may["month"] == "2007-05"
    assert may["activity_after"] == 1 and may["activity_before"] > 2 * may["activity_after"]
    assert may["cost_after_pence"] == 210000  # the one HA11A spell at the fixture tariff
    assert ExtractUpload.objects.count() == uploads and current_totals(world) == published  # nothing stored

    with django_capture_on_commit_callbacks(execute=True):
        accepted = _post(api, SMALL_MAY, confirm_restate="true")
    assert accepted.status_code == 202, accepted.json()
    assert ExtractUpload.objects.get(pk=accepted.json()["id"]).status == UploadStatus.SUCCEEDED
    assert current_totals(world)["activity"] < published["activity"]


def test_the_page_shows_the_slices_and_loads_once_confirmed(
    tariff, year, world, client, django_capture_on_commit_callbacks
):
    upload(world, year, read("apc_2007.csv"))
    client.force_login(world.users[Role.PCT_INFORMATION])
    url = reverse("activity:upload_create")
    form = {"dataset": "APC", "year": year.pk}
    page = client.post(url, {**form, "file": SimpleUploadedFile("small.csv", SMALL_MAY)})
    html = page.content.decode()
    assert page.status_code == 200 and "Provider-months this file would replace" in html
    assert "RD1" in html and "2007-05" in html and 'name="confirm_restate"' in html
    count = ExtractUpload.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url, {**form, "confirm_restate": "on", "file": SimpleUploadedFile("small.csv", SMALL_MAY)}
        )
    assert done.status_code == 302 and ExtractUpload.objects.count() == count + 1
