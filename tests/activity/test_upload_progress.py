"""How far an extract job has got: the reader counts the bytes it has read, the job records them per chunk."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from activity import extract_reader, services
from activity.choices import UploadStatus
from activity.extract_schema import Dataset
from activity.models import ExtractUpload
from pbc.choices import Role
from tests.factories.budgets import tariff_2007, year

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"


def extract(rows: int) -> bytes:
    body = "".join(
        f"S{n},PATIENT{n:05d},L85001,RD1,300,HA11A,2007-05-01,2007-05-04,21,1,3,45\n" for n in range(rows)
    )
    return (HEADER + body).encode()


def test_reader_reports_bytes_read_per_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(extract_reader, "READ_BYTES", 256)  # small blocks, so progress shows in a small file
    path = tmp_path / "apc.csv"
    path.write_bytes(extract(60))
    size = path.stat().st_size
    seen = []
    with extract_reader.read_extract(path, Dataset.APC, patient_salt=b"salt" * 8, chunk_rows=10) as stream:
        assert stream.summary.bytes_read == 0
        for _ in stream:
            seen.append(stream.summary.bytes_read)
        final = stream.summary.bytes_read
    assert len(seen) == 6
    assert seen == sorted(seen) and 0 < seen[0] < size and seen[0] < seen[-1]
    assert final == size


def test_reader_bytes_read_of_a_file_object_and_xlsx_end_at_the_size(tmp_path):
    import io

    from openpyxl import Workbook

    data = extract(3)
    with extract_reader.read_extract(io.BytesIO(data), Dataset.APC, patient_salt=b"s" * 32) as stream:
        list(stream)
        assert stream.summary.bytes_read == len(data)
    book = Workbook()
    for line in data.decode().splitlines():
        book.active.append(line.split(","))
    path = tmp_path / "apc.xlsx"
    book.save(path)
    with extract_reader.read_extract(path, Dataset.APC, patient_salt=b"s" * 32) as stream:
        frames = list(stream)
        assert frames and stream.summary.bytes_read == path.stat().st_size


@pytest.mark.django_db
def test_job_records_bytes_read_as_it_goes(world, monkeypatch):
    tariff_2007(actor=world.users[Role.PCT_FINANCE])
    data = extract(40)
    stored = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year(2007), upload=ContentFile(data, name="apc.csv"),
        filename="apc.csv", actor=world.users[Role.PCT_INFORMATION],
    )  # fmt: skip
    assert stored.bytes_read == 0 and stored.size_bytes == len(data)
    monkeypatch.setattr(extract_reader, "READ_BYTES", 512)
    monkeypatch.setattr(services, "CHUNK_ROWS", 8)
    progress = []
    cost_activity = services.costing.cost_activity

    def watching(frame, *args, **kwargs):
        row = ExtractUpload.objects.values("bytes_read", "rows_read", "status").get(pk=stored.pk)
        progress.append((row["bytes_read"], row["rows_read"]))
        assert row["status"] == UploadStatus.RUNNING
        return cost_activity(frame, *args, **kwargs)

    monkeypatch.setattr(services.costing, "cost_activity", watching)
    ExtractUpload.objects.filter(pk=stored.pk).update(bytes_read=123)  # a previous attempt's progress
    done = services.extract_process(upload_id=stored.pk)
    assert done.status == UploadStatus.SUCCEEDED
    assert len(progress) == 5
    assert progress[0] == (0, 0)  # reset when the attempt starts
    read = [b for b, _ in progress[1:]]
    assert read == sorted(read) and 0 < read[0] < len(data)
    assert all(rows > 0 for _, rows in progress[1:])
    assert done.bytes_read == done.size_bytes and done.progress_percent == 100
