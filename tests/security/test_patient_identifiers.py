"""No patient identifier is stored in clear: import the sample HES extract, then look for every patient
identifier of the file in every text column of every table of the database."""

from __future__ import annotations

import csv
import io
from collections import Counter

from django.core.files.base import ContentFile
from django.db import connection

from activity import services
from activity.choices import UploadStatus
from pbc.choices import Role
from pbc.models import FinancialYear
from tests.factories.pbc import PracticeFactory
from tests.fixtures import SAMPLE_HES

# Columns that identify a patient in HES/SUS extracts (pseudonymised ids, NHS numbers).
PATIENT_COLUMNS = {"PSEUDO_HESID", "HESID", "TOKEN_PERSON_ID", "NEWNHSNO", "NHSNO", "NHS_NUMBER"}
TEXT_TYPES = {"CharField", "TextField", "JSONField", "SlugField", "EmailField", "FileField", "URLField"}


def text_values():
    """(table, column, value) for every non-empty text value in the database."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                kind = connection.introspection.get_field_type(column.type_code, column)
                if kind not in TEXT_TYPES:
                    continue
                name = connection.ops.quote_name(column.name)
                cursor.execute(f"SELECT {name} FROM {connection.ops.quote_name(table)}")  # noqa: S608
                for (value,) in cursor.fetchall():
                    if value:
                        yield table, column.name, str(value)


def test_sample_hes_import_stores_no_patient_identifier_in_clear(world):
    data = SAMPLE_HES.read_bytes()
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    columns = PATIENT_COLUMNS & set(rows[0])
    assert columns, "the sample has no patient identifier column"
    identifiers = {row[c].strip() for row in rows for c in columns if row[c].strip()}
    assert len(identifiers) > 100
    # The file's busiest practices belong to this PCT, so its rows are attributed, costed and reported.
    for code, _ in Counter(row["GPPRAC"] for row in rows).most_common(8):
        PracticeFactory(pct=world.pct, locality=world.north, code=code)

    year = FinancialYear.objects.get_or_create(start_year=2001)[0]
    upload = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year, upload=ContentFile(data, name=SAMPLE_HES.name),
        filename=SAMPLE_HES.name, actor=world.users[Role.PCT_INFORMATION],
    )  # fmt: skip
    upload = services.extract_process(upload_id=upload.pk)
    assert upload.status == UploadStatus.SUCCEEDED, upload.error
    assert upload.quality["by_outcome"]["non_pct"]["rows"] < len(rows)  # some rows were ours

    scanned, found = 0, []
    for table, column, value in text_values():
        scanned += 1
        found.extend((table, column, i) for i in identifiers if i in value)
    assert scanned > 100
    assert not found, found[:10]
