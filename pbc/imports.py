"""Parsing of organisation files (pure: bytes in, validated rows or row-numbered errors out).

List sizes use NHS Digital's "patients registered at a GP practice" layout (``CODE,
NUMBER_OF_PATIENTS, EXTRACT_DATE``, plus columns we ignore); when a file breaks numbers down by
``SEX``/``AGE``, only the ``ALL`` rows are totals and the others are counted as skipped, never summed.
Practices use ``CODE, NAME, LOCALITY, POSTCODE, OPEN_DATE, CLOSE_DATE`` (the last four optional);
providers ``CODE, NAME, OPEN_DATE, CLOSE_DATE`` (the last two optional).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from pbc import ods
from pbc.list_sizes import list_size_errors

MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1
)}  # fmt: skip
_DMONY_RE = re.compile(r"^(\d{1,2})[- ]?([A-Za-z]{3})[- ]?(\d{4})$")


@dataclass
class ParseResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"row": n, "column": c, "message": m}
    skipped: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def parse_date(text: str) -> date:
    """Dates as NHS files write them: 2019-04-01, 01/04/2019, 01APR2019, 01-Apr-2019."""
    value = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, not a time
        except ValueError:
            pass
    match = _DMONY_RE.match(value)
    if match and match.group(2).upper() in MONTHS:
        return date(int(match.group(3)), MONTHS[match.group(2).upper()], int(match.group(1)))
    raise ValueError(f"'{value}' is not a date; write it as YYYY-MM-DD or DD/MM/YYYY.")


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise ValueError("The file is not a CSV text file (it contains binary data).")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("The file's text encoding is not UTF-8 or Windows-1252.")


def _reader(data: bytes, required: tuple[str, ...]) -> tuple[csv.DictReader, dict[str, str]]:
    text = _decode(data)
    if not text.strip():
        raise ValueError("The file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",|\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    headers = {(h or "").strip().upper(): h for h in (reader.fieldnames or [])}
    missing = [c for c in required if c not in headers]
    if missing:
        raise ValueError(
            f"The file has no column named {', '.join(missing)}. Its first line must name the columns."
        )
    return reader, headers


def parse_list_sizes(data: bytes, *, today: date | None = None) -> ParseResult:
    """List size rows; a row with no patients or dated after next financial year is an error (``today``
    defaults to today in the PCT's time zone)."""
    today = today or timezone.localdate()
    reader, headers = _reader(data, ("CODE", "NUMBER_OF_PATIENTS", "EXTRACT_DATE"))
    result = ParseResult()
    seen: dict[tuple[str, date], int] = {}
    for line_no, raw in enumerate(reader, start=2):
        result.rows_read += 1
        row = {k: (raw.get(v) or "").strip() for k, v in headers.items()}
        if any(row.get(c, "ALL").upper() not in {"ALL", ""} for c in ("SEX", "AGE")):
            result.skip("breakdown rows by sex or age (only ALL rows are list sizes)")
            continue
        code = ods.normalise(row["CODE"])
        errors_before = len(result.errors)
        if not ods.PRACTICE_CODE_RE.match(code):
            result.errors.append(
                {
                    "row": line_no,
                    "column": "CODE",
                    "message": f"'{row['CODE']}' is not a practice code (letter + 5 digits).",
                }
            )
        try:
            patients = int(row["NUMBER_OF_PATIENTS"].replace(",", ""))
            if patients < 0:
                raise ValueError
        except ValueError:
            result.errors.append(
                {"row": line_no, "column": "NUMBER_OF_PATIENTS",
                 "message": f"'{row['NUMBER_OF_PATIENTS']}' is not a whole number of patients."}
            )  # fmt: skip
        try:
            extract_date = parse_date(row["EXTRACT_DATE"])
        except ValueError as exc:
            result.errors.append({"row": line_no, "column": "EXTRACT_DATE", "message": str(exc)})
        if len(result.errors) > errors_before:
            continue
        rules = list_size_errors(extract_date=extract_date, patients=patients, today=today)
        for name, column in (("patients", "NUMBER_OF_PATIENTS"), ("extract_date", "EXTRACT_DATE")):
            if name in rules:
                result.errors.append({"row": line_no, "column": column, "message": rules[name]})
        if len(result.errors) > errors_before:
            continue
        key = (code, extract_date)
        if key in seen:
            result.errors.append(
                {"row": line_no, "column": "CODE",
                 "message": f"{code} on {extract_date:%d/%m/%Y} is already given on row {seen[key]}."}
            )  # fmt: skip
            continue
        seen[key] = line_no
        result.rows.append({"row": line_no, "code": code, "extract_date": extract_date, "patients": patients})
    if result.rows_read == 0:
        raise ValueError("The file has a header but no rows.")
    return result


def _parse_organisations(data: bytes, *, noun: str, is_code, code_hint: str, extra) -> ParseResult:
    """Rows of ``CODE, NAME`` and optionally ``OPEN_DATE, CLOSE_DATE``, plus what ``extra(row)`` reads."""
    reader, headers = _reader(data, ("CODE", "NAME"))
    result = ParseResult()
    seen: dict[str, int] = {}
    for line_no, raw in enumerate(reader, start=2):
        result.rows_read += 1
        row = {k: (raw.get(v) or "").strip() for k, v in headers.items()}
        code = ods.normalise(row["CODE"])
        errors_before = len(result.errors)
        if not is_code(code):
            result.errors.append(
                {
                    "row": line_no,
                    "column": "CODE",
                    "message": f"'{row['CODE']}' is not a {noun} code ({code_hint}).",
                }
            )
        if not row["NAME"]:
            result.errors.append({"row": line_no, "column": "NAME", "message": f"The {noun} has no name."})
        dates = {}
        for column in ("OPEN_DATE", "CLOSE_DATE"):
            if row.get(column):
                try:
                    dates[column] = parse_date(row[column])
                except ValueError as exc:
                    result.errors.append({"row": line_no, "column": column, "message": str(exc)})
        if code in seen:
            result.errors.append(
                {"row": line_no, "column": "CODE", "message": f"{code} is already given on row {seen[code]}."}
            )
        if len(result.errors) > errors_before:
            continue
        seen[code] = line_no
        result.rows.append(
            {
                "row": line_no,
                "code": code,
                "name": row["NAME"][:200],
                **extra(row),
                "open_date": dates.get("OPEN_DATE"),
                "close_date": dates.get("CLOSE_DATE"),
            }
        )
    if result.rows_read == 0:
        raise ValueError("The file has a header but no rows.")
    return result


def parse_practices(data: bytes) -> ParseResult:
    return _parse_organisations(
        data,
        noun="practice",
        is_code=ods.is_valid_practice_code,
        code_hint="letter + 5 digits",
        extra=lambda row: {
            "locality": ods.normalise(row.get("LOCALITY")),
            "postcode": row.get("POSTCODE", "")[:10].upper(),
        },
    )


def parse_providers(data: bytes) -> ParseResult:
    """Providers (trusts): ``CODE, NAME`` and optionally ``OPEN_DATE, CLOSE_DATE`` (ODS's etr layout)."""
    return _parse_organisations(
        data,
        noun="provider",
        is_code=lambda code: bool(ods.ORG3_CODE_RE.match(code)),
        code_hint="three letters or digits, e.g. RD1",
        extra=lambda row: {},
    )
