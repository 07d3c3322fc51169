"""Loading a referral extract: reading rules, row-level outcomes with line numbers, duplicates across
uploads, the data-quality report; refusals store nothing (service, API, page, command)."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.test import APIClient

from activity.models import Referral, ReferralUpload
from activity.referrals import selectors, services
from activity.referrals.choices import ReferralOrigin
from pbc.choices import Role
from pbc.fiscal import FinancialYear as FY

FIXTURE = Path(__file__).parent / "fixtures" / "referrals.csv"


def load(world, data: bytes, name="referrals.csv"):
    return services.referral_upload_create(
        pct=world.pct,
        upload=ContentFile(data, name=name),
        filename=name,
        actor=world.users[Role.PCT_INFORMATION],
    )


def test_every_row_is_loaded_or_has_a_reason_with_its_line(world):
    upload = load(world, FIXTURE.read_bytes())
    assert (upload.rows_read, upload.rows_loaded) == (11, 4)
    q = upload.quality
    assert q["by_outcome"] == {"loaded": 4, "rejected": 4, "duplicate": 1, "unattributed": 1, "non_pct": 1}
    assert {(p["line"], p["reason"]) for p in q["problem_lines"]} == {
        (6, "date_unparseable"),  # 1801-01-01: invalid
        (7, "date_missing"),
        (8, "duplicate_key_in_file"),
        (9, "record_key_missing"),
        (10, "practice_code_default"),
        (11, "practice_outside_pct"),
        (12, "value_unparseable"),  # source POSTCARD
    }
    r002 = Referral.objects.get(line_no=3)
    assert (r002.referral_date, r002.specialty, r002.priority, r002.source) == (
        date(2007, 5, 3), "330", "urgent", "gp"
    )  # fmt: skip
    assert not r002.led_to_first_attendance
    r001 = Referral.objects.get(line_no=2)
    assert (r001.referrer, r001.led_to_first_attendance, r001.practice, r001.month) == (
        "G1234567", True, world.practice, date(2007, 5, 1)
    )  # fmt: skip
    assert "R001" not in r001.referral_key and len(r001.referral_key) == 32  # the keyed hash only
    assert {r.source for r in Referral.objects.all()} == {"gp", "ae", "consultant"}


def test_a_referral_sent_again_is_a_duplicate_of_the_one_held(world):
    load(world, FIXTURE.read_bytes())
    again = load(world, b"REFERRAL_ID|REFERRAL_DATE|GPPRAC|PROCODE3|TRETSPEF|REFSOURC\r\nR001|2007-05-02|L85001|RD1|300|03\r\n"
                 b"R012|2007-05-09|L85002|RD1|300|03\r\n")  # fmt: skip
    assert again.rows_loaded == 1
    assert again.quality["problem_lines"] == [
        {"line": 2, "outcome": "duplicate", "reason": "duplicate_key_already_loaded"}
    ]
    assert Referral.objects.count() == 5


def test_xlsx_extract_with_aliases(world):
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["ubrn", "Referral_Date", "gp_practice_code", "PROCODE", "TRETSPEF", "REFERRAL_SOURCE", "PRIORITY"]
    )
    sheet.append(["U1", date(2007, 7, 1), "L85003", "RD1", 300, 3, 3])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = load(world, buffer.getvalue(), name="referrals.xlsx")
    referral = Referral.objects.get(upload=upload)
    assert (referral.referral_date, referral.source, referral.priority, referral.specialty) == (
        date(2007, 7, 1), "gp", "two_week_wait", "300"
    )  # fmt: skip


def test_a_referral_extract_replaces_outpatients_as_the_years_source(world):
    year = FY(2007)
    assert selectors.referral_origin(pct_id=world.pct.pk, year=year) == ReferralOrigin.OUTPATIENTS
    load(world, FIXTURE.read_bytes())
    origin, counts = selectors.referral_counts(pct_id=world.pct.pk, year=year)
    assert origin == ReferralOrigin.EXTRACT
    assert sorted(counts.itertuples(index=False, name=None)) == sorted(
        [
            (world.practice.pk, "300", date(2007, 5, 1), "gp", 1),
            (world.practice.pk, "330", date(2007, 5, 1), "gp", 1),
            (world.neighbour.pk, "300", date(2007, 5, 1), "other", 1),
            (world.far.pk, "300", date(2007, 5, 1), "other", 1),
        ]
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"REFERRAL_ID,GPPRAC\nR1,L85001\n", "required columns are missing"),
        (b"", "empty"),
        (b"REFERRAL_ID,REFERRAL_DATE,GPPRAC,PROCODE3,TRETSPEF,REFSOURC\n", "no data rows"),
        (b"ATTENDKEY,GPPRAC,PROCODE3,TRETSPEF,APPTDATE,FIRSTATT,ATTENDED\nA1,L85001,RD1,300,2007-05-01,1,5\n",
         "looks like an OP"),
        (b"REFERRAL_ID,REFERRAL_DATE,GPPRAC,PROCODE3,TRETSPEF,REFSOURC\nR1,,L85001,RD1,300,03\n", "No row"),
    ],
)  # fmt: skip
def test_bad_upload_is_400_with_a_file_error_and_nothing_stored(world, data, words):
    client = APIClient()
    client.force_authenticate(world.users[Role.PCT_INFORMATION])
    response = client.post(
        reverse("referral-upload-list"), {"file": SimpleUploadedFile("r.csv", data)}, format="multipart"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert words.lower() in f"{body['message']} {body['errors']}".lower() and "file" in body["errors"]
    assert ReferralUpload.objects.count() == 0 and Referral.objects.count() == 0


def test_api_upload_answers_201_with_the_quality_report(world):
    client = APIClient()
    client.force_authenticate(world.users[Role.API_CLIENT_WRITE])
    response = client.post(
        reverse("referral-upload-list"),
        {"file": SimpleUploadedFile("r.csv", FIXTURE.read_bytes())},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["rows_loaded"] == 4 and response.json()["quality"]["by_outcome"]["loaded"] == 4
    listed = client.get(reverse("referral-upload-list")).json()
    assert [u["filename"] for u in listed["results"]] == ["r.csv"]


def test_upload_page_loads_and_shows_the_quality_report(world, client):
    client.force_login(world.users[Role.PCT_COMMISSIONING])
    response = client.post(
        reverse("activity:referral_upload_create"),
        {"file": SimpleUploadedFile("r.csv", FIXTURE.read_bytes())},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"date_unparseable" in page.content and b"4 referrals of 11 rows" in page.content
    refused = client.post(
        reverse("activity:referral_upload_create"), {"file": SimpleUploadedFile("r.csv", b"X,Y\n1,2\n")}
    )
    assert refused.status_code == 200 and b"required column" in refused.content
    assert ReferralUpload.objects.count() == 1


def test_command_loads_and_dry_run_stores_nothing(world):
    out = io.StringIO()
    call_command("upload_referrals", str(FIXTURE), "--pct", "5WV", "--dry-run", stdout=out)
    assert "nothing stored" in out.getvalue() and ReferralUpload.objects.count() == 0
    call_command("upload_referrals", str(FIXTURE), "--pct", "5WV", stdout=out)
    assert "4 referrals of 11 rows" in out.getvalue() and Referral.objects.count() == 4
    with pytest.raises(CommandError, match="No row"):
        call_command("upload_referrals", str(FIXTURE), "--pct", "5WV", stdout=out)  # every row already held


def test_no_referral_identifier_is_stored_in_clear(world):
    from tests.security.test_patient_identifiers import text_values

    load(world, FIXTURE.read_bytes())
    identifiers = {"R001", "R002", "R003", "R004", "R005", "R006", "R009", "R010", "R011"}
    assert not [(t, c) for t, c, v in text_values() if any(i in v for i in identifiers)]
