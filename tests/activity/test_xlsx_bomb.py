"""An XLSX zip bomb is refused on its declared sizes before it is parsed, as an extract and as a tariff file
(issue 14 item 7); a normal workbook is still accepted."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.test import APIClient

from activity import services
from activity.choices import UploadStatus
from activity.models import ExtractUpload, TariffVersion
from pbc.choices import Role
from pbc.exceptions import ApplicationError
from pbc.models import FinancialYear
from pbc.workbooks import WorkbookRefused, XlsxLimits, check_xlsx_archive
from tests.drills.conftest import row_counts, stored_files

FIXTURES = Path(__file__).parent / "fixtures"
PADDING_MB = 200  # declared unpacked size of the bomb's worksheet; it zips to about 200 KB


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_rows(name: str) -> list[list[str]]:
    return [line.split(",") for line in (FIXTURES / name).read_text().splitlines()]


def bomb(rows: list[list[object]], padding_mb: int = PADDING_MB) -> bytes:
    """A real workbook whose first worksheet carries ``padding_mb`` of blanks before its closing tag,
    written a megabyte at a time (streaming: nothing of that size is ever held in memory)."""
    real = zipfile.ZipFile(io.BytesIO(workbook(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in real.infolist():
            data = real.read(member)
            if member.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(member, data)
                continue
            head, tail = data.rsplit(b"</worksheet>", 1)
            info = zipfile.ZipInfo(member.filename, date_time=member.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as sheet:
                sheet.write(head)
                block = b" " * (1 << 20)
                for _ in range(padding_mb):
                    sheet.write(block)
                sheet.write(b"</worksheet>" + tail)
    return out.getvalue()


@pytest.fixture(scope="module")
def extract_bomb() -> bytes:
    return bomb(csv_rows("apc_2007.csv"))


@pytest.fixture
def year(db):
    return FinancialYear.objects.get_or_create(start_year=2007)[0]


def test_the_bomb_is_small_and_declares_hundreds_of_megabytes(extract_bomb):
    archive = zipfile.ZipFile(io.BytesIO(extract_bomb))
    assert len(extract_bomb) < 1_000_000
    assert sum(m.file_size for m in archive.infolist()) > PADDING_MB * 1_000_000
    assert "xl/workbook.xml" in archive.namelist()  # it would reach the parser: a real workbook around it


def test_check_refuses_on_total_or_ratio_and_passes_a_normal_workbook(extract_bomb):
    started = time.perf_counter()
    with pytest.raises(WorkbookRefused, match="compressed far more than a real spreadsheet") as ratio:
        check_xlsx_archive(io.BytesIO(extract_bomb))
    assert ratio.value.extra["member"] == "xl/worksheets/sheet1.xml" and ratio.value.extra["ratio"] > 100
    with pytest.raises(WorkbookRefused, match="unpacks to 2") as total:
        check_xlsx_archive(
            io.BytesIO(extract_bomb), XlsxLimits(max_unpacked_bytes=100_000_000, max_ratio=10**6)
        )
    assert total.value.extra["reason"] == "xlsx_too_large_unpacked"
    assert time.perf_counter() - started < 0.5  # the archive's directory only: nothing is unpacked
    check_xlsx_archive(io.BytesIO(workbook(csv_rows("apc_2007.csv"))))  # a normal workbook passes


def test_extract_bomb_refused_on_the_page_in_well_under_2_s_and_nothing_stored(
    world, year, client, extract_bomb
):
    client.force_login(world.users[Role.PCT_INFORMATION])
    before, files = row_counts(), stored_files()
    started = time.perf_counter()
    response = client.post(
        reverse("activity:upload_create"),
        {"dataset": "APC", "year": year.pk, "file": SimpleUploadedFile("apc.xlsx", extract_bomb)},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    page = response.content.decode()
    assert "compressed far more than a real spreadsheet" in page and "CSV" in page
    assert elapsed < 2, elapsed
    assert row_counts() == before and stored_files() == files and not ExtractUpload.objects.exists()


def test_extract_refused_on_its_total_unpacked_size(world, year, settings, extract_bomb):
    settings.PBC_XLSX_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
    settings.PBC_XLSX_MAX_RATIO = 10**6
    with pytest.raises(ApplicationError, match="unpacks to .* MB; the limit is 104.9 MB") as caught:
        services.extract_upload_create(
            pct=world.pct, dataset="APC", year=year, upload=SimpleUploadedFile("apc.xlsx", extract_bomb),
            filename="apc.xlsx", actor=world.users[Role.PCT_INFORMATION],
        )  # fmt: skip
    assert caught.value.extra["reason"] == "xlsx_too_large_unpacked"
    assert not ExtractUpload.objects.exists()


def test_tariff_bomb_refused_through_the_api_and_nothing_stored(world, year):
    api = APIClient()
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    before = row_counts()
    started = time.perf_counter()
    response = api.post(
        "/api/v1/tariffs/",
        {
            "year": "2007/08",
            "admitted": SimpleUploadedFile("admitted.xlsx", bomb(csv_rows("admitted_2007.csv"))),
        },
        format="multipart",
    )
    assert time.perf_counter() - started < 2
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert "admitted" in body["message"] and "compressed far more than a real spreadsheet" in body["message"]
    assert row_counts() == before and not TariffVersion.objects.exists()


def test_normal_workbooks_are_still_accepted(world, year):
    version = services.tariff_import(
        year=year,
        files={
            "admitted": ("admitted.xlsx", workbook(csv_rows("admitted_2007.csv"))),
            "mff": ("mff.xlsx", workbook(csv_rows("mff_2007.csv"))),
        },
        actor=world.users[Role.PCT_FINANCE],
    )
    assert version.counts == {"admitted": 2, "mff": 1}
    stored = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year,
        upload=SimpleUploadedFile("apc.xlsx", workbook(csv_rows("apc_2007.csv"))), filename="apc.xlsx",
        actor=world.users[Role.PCT_INFORMATION],
    )  # fmt: skip
    stored.refresh_from_db()
    if stored.status == UploadStatus.PENDING:
        stored = services.extract_process(upload_id=stored.pk)
    assert stored.status == UploadStatus.SUCCEEDED, stored.error
    assert stored.rows_read == 8 and stored.quality["by_outcome"]["costed"]["rows"] == 2
