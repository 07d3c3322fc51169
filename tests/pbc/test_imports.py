from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pbc.choices import ImportStatus, Role
from pbc.imports import parse_date
from pbc.models import ImportRun, ListSize, Practice
from pbc.services import import_file

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = (FIXTURES / "list_sizes_good.csv").read_bytes()
BAD = (FIXTURES / "list_sizes_bad.csv").read_bytes()


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-04-01", date(2024, 4, 1)),
        ("01/04/2024", date(2024, 4, 1)),
        ("01APR2024", date(2024, 4, 1)),
        ("1-Apr-2024", date(2024, 4, 1)),
    ],
)
def test_dates_as_nhs_files_write_them(text, day):
    assert parse_date(text) == day


def test_good_file_imports_all_rows_and_explains_the_skipped(world):
    actor = world.users[Role.PCT_INFORMATION]
    run = import_file(kind="list_sizes", pct=world.pct, filename="good.csv", data=GOOD, actor=actor)
    assert run.status == ImportStatus.SUCCEEDED
    assert run.rows_read == 4 and run.rows_imported == 2 and run.rows_skipped == 2
    assert run.summary["skipped"] == {
        "breakdown rows by sex or age (only ALL rows are list sizes)": 1,
        "practices not in this PCT": 1,
    }
    assert ListSize.objects.get(practice=world.practice, extract_date=date(2024, 4, 1)).patients == 6120
    assert ListSize.history.filter(patients=8433, history_user=actor).exists()
    again = import_file(kind="list_sizes", pct=world.pct, filename="good.csv", data=GOOD, actor=actor)
    assert again.rows_imported == 0 and again.summary["skipped"]["unchanged"] == 2
    assert ListSize.objects.count() == 2


def test_bad_row_gives_row_numbered_errors_and_imports_nothing(world):
    run = import_file(kind="list_sizes", pct=world.pct, filename="bad.csv", data=BAD, actor=None)
    assert run.status == ImportStatus.FAILED
    by_row = {(e["row"], e["column"]) for e in run.errors}
    assert by_row == {(3, "NUMBER_OF_PATIENTS"), (4, "CODE"), (5, "EXTRACT_DATE")}
    assert ListSize.objects.count() == 0  # row 2 was fine but nothing is imported


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"CODE,NUMBER_OF_PATIENTS,EXTRACT_DATE\n", "no rows"),
        (b"PRACTICE,PATIENTS\nL85001,5\n", "no column named CODE, NUMBER_OF_PATIENTS, EXTRACT_DATE"),
        (b"\x00\x01\x02binary", "binary"),
    ],
)
def test_unreadable_files(world, data, message):
    from django.core.exceptions import ValidationError

    try:
        run = import_file(kind="list_sizes", pct=world.pct, filename="x.csv", data=data, actor=None)
    except ValidationError as exc:  # an empty upload is refused before it is stored
        assert message in " ".join(exc.messages)
        return
    assert run.status == ImportStatus.FAILED
    assert message in run.errors[0]["message"]


def test_dry_run_changes_nothing(world):
    run = import_file(kind="list_sizes", pct=world.pct, filename="g.csv", data=GOOD, actor=None, dry_run=True)
    assert run.status == ImportStatus.SUCCEEDED and run.rows_imported == 2
    assert ListSize.objects.count() == 0


def test_practices_import(world):
    data = b"CODE,NAME,LOCALITY,POSTCODE,OPEN_DATE\nL85009,New Surgery,5WV-SOUTH,BA2 1AA,2007-04-01\nL85001,Abbey Surgery,5WV-NORTH,,\n"
    run = import_file(kind="practices", pct=world.pct, filename="p.csv", data=data, actor=None)
    assert run.status == ImportStatus.SUCCEEDED, run.errors
    new = Practice.objects.get(code="L85009")
    assert new.locality == world.south and new.open_date == date(2007, 4, 1)
    bad = b"CODE,NAME,LOCALITY\nL85010,Another,5WV-NOWHERE\nY99999,Foreign,\n"
    run = import_file(kind="practices", pct=world.pct, filename="p.csv", data=bad, actor=None)
    assert run.status == ImportStatus.FAILED
    assert {(e["row"], e["column"]) for e in run.errors} == {(2, "LOCALITY"), (3, "CODE")}
    assert not Practice.objects.filter(code="L85010").exists()


def test_command_imports_and_reports(world, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    call_command("import_organisations", "list_sizes", str(good), "--pct", "5WV")
    assert "2 imported" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD)
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_organisations", "list_sizes", str(bad), "--pct", "5WV")
    assert "row 3, NUMBER_OF_PATIENTS" in capsys.readouterr().err
    assert ImportRun.objects.filter(status=ImportStatus.FAILED).count() == 1


def test_page_upload_with_bad_row_shows_errors(world, client, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.users[Role.PCT_INFORMATION])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("pbc:import_create"),
            {"kind": "list_sizes", "file": SimpleUploadedFile("bad.csv", BAD, content_type="text/csv")},
        )
    assert len(callbacks) == 1  # the import was queued, after commit
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "The file was not imported" in body and "is not a whole number of patients" in body
    assert ListSize.objects.count() == 0


def test_page_refuses_oversized_upload(world, client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PBC_MAX_UPLOAD_BYTES = 10
    client.force_login(world.users[Role.PCT_FINANCE])
    response = client.post(
        reverse("pbc:import_create"),
        {"kind": "list_sizes", "file": SimpleUploadedFile("good.csv", GOOD, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_providers_import_names_new_and_existing_providers(world):
    """The world's RD1 (a factory name) is renamed, RA7 is created; importing again changes nothing."""
    from pbc.models import Provider

    data = (FIXTURES / "providers_good.csv").read_bytes()
    run = import_file(kind="providers", pct=world.pct, filename="etr.csv", data=data, actor=None)
    assert run.status == ImportStatus.SUCCEEDED, run.errors
    assert run.rows_imported == 2
    names = dict(Provider.objects.filter(code__in=["RD1", "RA7"]).values_list("code", "name"))
    assert names == {
        "RD1": "Royal Devon and Exeter NHS Foundation Trust",
        "RA7": "University Hospitals Bristol NHS Foundation Trust",
    }
    assert Provider.objects.get(code="RA7").open_date == date(1992, 4, 1)
    assert (
        Provider.objects.get(code="RD1").history.first().name == "Royal Devon and Exeter NHS Foundation Trust"
    )
    again = import_file(kind="providers", pct=world.pct, filename="etr.csv", data=data, actor=None)
    assert again.rows_imported == 0 and again.summary["skipped"] == {"unchanged": 2}


def test_providers_import_rejects_bad_rows_whole(world):
    from pbc.models import Provider

    bad = b"CODE,NAME\nRX1,Fine Trust\nL85001,A practice\nRX2,\nRX1,Again\n"
    run = import_file(kind="providers", pct=world.pct, filename="p.csv", data=bad, actor=None)
    assert run.status == ImportStatus.FAILED
    assert {(e["row"], e["column"]) for e in run.errors} == {(3, "CODE"), (4, "NAME"), (5, "CODE")}
    assert not Provider.objects.filter(code="RX1").exists()


def test_command_imports_providers(world, capsys):
    call_command("import_organisations", "providers", str(FIXTURES / "providers_good.csv"), "--pct", "5WV")
    assert "2 imported" in capsys.readouterr().out


def test_list_size_rules_are_pure_and_end_with_next_financial_year():
    from pbc.list_sizes import latest_extract_date, list_size_errors

    assert latest_extract_date(date(2026, 12, 7)) == date(2028, 3, 31)
    assert latest_extract_date(date(2027, 3, 31)) == date(2028, 3, 31)
    assert latest_extract_date(date(2027, 4, 1)) == date(2029, 3, 31)
    today = date(2026, 12, 7)
    assert list_size_errors(extract_date=date(2028, 3, 31), patients=1, today=today) == {}
    assert set(list_size_errors(extract_date=date(2028, 4, 1), patients=0, today=today)) == {
        "extract_date",
        "patients",
    }


def test_list_size_rows_dated_far_ahead_or_with_no_patients_are_row_errors(world):
    data = (
        b"CODE,NUMBER_OF_PATIENTS,EXTRACT_DATE\n"
        b"L85001,6100,2024-04-01\nL85002,0,2024-04-01\nL85003,4000,9999-12-31\n"
    )
    run = import_file(kind="list_sizes", pct=world.pct, filename="far.csv", data=data, actor=None)
    assert run.status == ImportStatus.FAILED
    assert {(e["row"], e["column"]) for e in run.errors} == {(3, "NUMBER_OF_PATIENTS"), (4, "EXTRACT_DATE")}
    assert ListSize.objects.count() == 0
