"""Tariff files (pure: bytes in, typed frames or row-numbered errors out).

The product imports one set of four files per financial year, as CSV (comma, tab, pipe or semicolon;
UTF-8 with or without BOM, or Windows-1252) or XLSX (first worksheet), one header row, headers matched
case-insensitively, extra columns ignored:

- admitted: ``HRG, HRG_NAME, ELECTIVE_TARIFF, NON_ELECTIVE_TARIFF, ELECTIVE_TRIMPOINT_DAYS,
  NON_ELECTIVE_TRIMPOINT_DAYS, EXCESS_BED_DAY``; optional ``DAY_CASE_TARIFF``, ``ORDINARY_ELECTIVE_TARIFF``,
  ``SSEM_TARIFF``, ``PROCODE3``;
- outpatient: ``TRETSPEF, FIRST_ATTENDANCE, FOLLOW_UP_ATTENDANCE``; optional ``PROCODE3``;
- A&E: ``HRG, TYPE_1_2, TYPE_3``; optional ``PROCODE3``;
- market forces factor: ``PROCODE3, MFF``.

A row with ``PROCODE3`` is a local price agreed with that provider: it replaces the national row (blank
``PROCODE3``) of the same code for that provider, whole row. Prices are pounds with at most two decimals and
come back as whole pence (nullable ``Int64``); a blank price means "no tariff" and stays ``<NA>``, never zero,
so the costing can tell "free" from "not priced". The MFF comes back as an integer scaled by
``MFF_SCALE`` (1.05 → 105000) so that tariff × MFF is exact integer arithmetic.

Every row is checked and every fault is collected (row number as the spreadsheet shows it: header = row 1)
before :class:`TariffFileError` is raised, so a user fixes a file in one pass. Bounds (prices up to
£1,000,000.00, MFF below 10) keep pence × MFF × days inside int64 in the costing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

import pandas as pd

from activity.extract_schema import PROVIDER_CODE, TREATMENT_FUNCTION
from pbc.exceptions import ImportRejected
from pbc.workbooks import WorkbookRefused, XlsxLimits, check_xlsx_archive

__all__ = [
    "ADMITTED_COLUMNS",
    "AE_COLUMNS",
    "MAX_PRICE_PENCE",
    "MAX_TRIM_DAYS",
    "MFF_COLUMNS",
    "MFF_SCALE",
    "OUTPATIENT_COLUMNS",
    "TariffFileError",
    "TariffTables",
    "read_admitted_tariff",
    "read_ae_tariff",
    "read_mff",
    "read_outpatient_tariff",
]

MFF_SCALE = 100_000  # MFF is stored as an integer: 1.05 → 105_000 (five decimal places, exact)
MAX_PRICE_PENCE = 100_000_000  # £1,000,000.00: far above any tariff, keeps int64 pricing overflow-free
MAX_MFF_SCALED = 999_999  # MFF below 10
MAX_TRIM_DAYS = 36_525
MAX_ERRORS = 1_000  # errors beyond this are counted, not listed

_BOUNDS = {"pence": (0, MAX_PRICE_PENCE), "days": (0, MAX_TRIM_DAYS), "scaled": (1, MAX_MFF_SCALED)}

_HRG_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z]$")
_PROVIDER_RE = re.compile(rf"^(?:{PROVIDER_CODE})$")  # the same patterns as the extracts' codes
_TRETSPEF_RE = re.compile(rf"^(?:{TREATMENT_FUNCTION})$")
_NUMBER_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")

# Typed output columns (all money in pence, nullable Int64).
ADMITTED_COLUMNS = (
    "hrg", "provider", "hrg_name", "elective_pence", "non_elective_pence", "day_case_pence",
    "ordinary_elective_pence", "ssem_pence", "elective_trim_days", "non_elective_trim_days",
    "excess_bed_day_pence", "row",
)  # fmt: skip
OUTPATIENT_COLUMNS = ("tretspef", "provider", "first_pence", "follow_up_pence", "row")
AE_COLUMNS = ("hrg", "provider", "type_1_2_pence", "type_3_pence", "row")
MFF_COLUMNS = ("provider", "mff_scaled", "row")


class TariffFileError(ImportRejected):
    """A tariff file cannot be imported; ``errors`` lists every fault as ``{row, column, message}``."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        self.errors: list[dict] = list(errors or [])
        super().__init__(message, {"errors": self.errors})


Source = bytes | bytearray | BinaryIO


@dataclass(frozen=True)
class TariffTables:
    """One financial year's prices, as returned by the ``read_*`` functions (or rebuilt from storage).

    A table left ``None`` means the year has no tariff for that dataset: its activity is uncosted with
    reason ``no_tariff_for_year`` until a tariff arrives. ``mff=None`` prices every provider at 1.00000
    and flags it.
    """

    admitted: pd.DataFrame | None = None
    outpatient: pd.DataFrame | None = None
    ae: pd.DataFrame | None = None
    mff: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        for name, columns in (
            ("admitted", ADMITTED_COLUMNS),
            ("outpatient", OUTPATIENT_COLUMNS),
            ("ae", AE_COLUMNS),
            ("mff", MFF_COLUMNS),
        ):
            table = getattr(self, name)
            if table is None:
                continue
            missing = [c for c in columns if c != "row" and c not in table.columns]
            if missing:
                raise ValueError(f"The {name} tariff table lacks columns {missing}.")
            # Bounds the costing's int64 arithmetic relies on, however the table was built.
            for column in columns:
                if column.endswith(("_pence", "_days", "_scaled")) and len(table):
                    low, high = _BOUNDS[column.rsplit("_", 1)[1]]
                    values = table[column].dropna()
                    if len(values) and (values.min() < low or values.max() > high):
                        raise ValueError(f"The {name} tariff column {column} is outside {low}..{high}.")

    @classmethod
    def from_files(
        cls,
        *,
        admitted: Source | None = None,
        outpatient: Source | None = None,
        ae: Source | None = None,
        mff: Source | None = None,
    ) -> TariffTables:
        """Read whichever files are given; the first file at fault raises its own error list."""
        return cls(
            admitted=read_admitted_tariff(admitted) if admitted is not None else None,
            outpatient=read_outpatient_tariff(outpatient) if outpatient is not None else None,
            ae=read_ae_tariff(ae) if ae is not None else None,
            mff=read_mff(mff) if mff is not None else None,
        )


# ----------------------------------------------------------------------------------------------- reading
def _as_bytes(source: Source) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    data = source.read()
    if isinstance(data, str):
        return data.encode("utf-8")
    return data


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees; numbers keep Excel's 15 significant digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel holds 15 significant digits: 1234.56 comes back as 1234.56, not 1234.5599999999999.
        text = format(value, ".15g")
        return format(Decimal(text), "f") if "e" in text else text
    return str(value).strip()


def _read_xlsx(data: bytes, label: str, limits: XlsxLimits | None) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported here: only XLSX uploads need it

    try:
        check_xlsx_archive(io.BytesIO(data), limits)  # a zip bomb is refused before openpyxl unpacks it
    except zipfile.BadZipFile as exc:
        raise TariffFileError(f"The {label} file is not a readable XLSX workbook ({exc}).") from exc
    except WorkbookRefused as exc:
        raise TariffFileError(f"The {label} file cannot be imported: {exc.message}") from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise TariffFileError(f"The {label} file is not a readable XLSX workbook ({exc}).") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [
            (number, [_cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    return rows


def _decode(data: bytes, label: str) -> str:
    if b"\x00" in data[:4096]:
        raise TariffFileError(f"The {label} file is neither CSV text nor an XLSX workbook.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TariffFileError(f"The {label} file's text is not UTF-8 or Windows-1252.")  # pragma: no cover


def _read_csv(data: bytes, label: str) -> list[tuple[int, list[str]]]:
    text = _decode(data, label)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t|;", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(number, [c.strip() for c in cells]) for number, cells in enumerate(reader, start=1)]


def _read_rows(source: Source, label: str, limits: XlsxLimits | None) -> list[tuple[int, list[str]]]:
    data = _as_bytes(source)
    if data[:4] == b"PK\x03\x04":
        rows = _read_xlsx(data, label, limits)
    elif data[:4] == b"\xd0\xcf\x11\xe0":
        raise TariffFileError(f"The {label} file is an old .xls workbook: save it as XLSX or CSV.")
    else:
        rows = _read_csv(data, label)
    return [(n, cells) for n, cells in rows if any(c != "" for c in cells)]


def _table(
    source: Source,
    label: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    limits: XlsxLimits | None,
) -> list[tuple[int, dict[str, str]]]:
    """Rows as ``(row number, {COLUMN: text})`` for the known columns; refuse a file without them."""
    rows = _read_rows(source, label, limits)
    if not rows:
        raise TariffFileError(f"The {label} file is empty.")
    header_row, header = rows[0]
    names = [h.strip().upper() for h in header]
    errors: list[dict] = []
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in positions and name in required + optional:
            errors.append({"row": header_row, "column": name, "message": f"Column {name} appears twice."})
        positions.setdefault(name, index)
    errors += [
        {"row": header_row, "column": name, "message": f"Required column {name} is missing."}
        for name in required
        if name not in positions
    ]
    if errors:
        missing = [e["column"] for e in errors if "missing" in e["message"]]
        detail = f"required columns missing: {', '.join(missing)}" if missing else "a column appears twice"
        raise TariffFileError(f"The {label} file cannot be read: {detail}.", errors)
    if len(rows) == 1:
        raise TariffFileError(f"The {label} file has no data rows.", [])
    wanted = [c for c in required + optional if c in positions]
    return [
        (number, {c: (cells[positions[c]] if positions[c] < len(cells) else "") for c in wanted})
        for number, cells in rows[1:]
    ]


# -------------------------------------------------------------------------------------------- validation
class _Collector:
    def __init__(self) -> None:
        self.errors: list[dict] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})

    def raise_if_any(self, label: str) -> None:
        if not self.errors:
            return
        count = len(self.errors)
        listed = self.errors[:MAX_ERRORS]
        more = f" (the first {MAX_ERRORS} are listed)" if count > MAX_ERRORS else ""
        noun = "error" if count == 1 else "errors"
        raise TariffFileError(f"The {label} file has {count} {noun}{more}; nothing was imported.", listed)


def _decimal(text: str) -> Decimal | None:
    cleaned = text.replace("£", "").replace(",", "").strip()
    if not _NUMBER_RE.match(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        return None


def _price(text: str, row: int, column: str, out: _Collector) -> int | None:
    """Pence from pounds text; blank → None ("no tariff")."""
    if text == "":
        return None
    amount = _decimal(text)
    if amount is None:
        out.add(row, column, f"'{text}' is not an amount in pounds.")
        return None
    if amount < 0:
        out.add(row, column, f"'{text}' is negative; a price cannot be below zero.")
        return None
    pence = amount * 100
    if pence != pence.to_integral_value():
        out.add(row, column, f"'{text}' has more than 2 decimal places; prices are pounds and pence.")
        return None
    if pence > MAX_PRICE_PENCE:
        out.add(row, column, f"'{text}' is above £1,000,000.00, which no tariff price reaches.")
        return None
    return int(pence)


def _days(text: str, row: int, column: str, out: _Collector) -> int | None:
    """Whole days ≥ 0; blank → None (no trim point: no excess bed days for that HRG)."""
    if text == "":
        return None
    value = _decimal(text)
    if value is None or value != value.to_integral_value():
        out.add(row, column, f"'{text}' is not a whole number of days.")
        return None
    if value < 0:
        out.add(row, column, f"'{text}' is negative; a trim point is 0 days or more.")
        return None
    if value > MAX_TRIM_DAYS:
        out.add(row, column, f"'{text}' days is more than 100 years.")
        return None
    return int(value)


def _code(
    text: str, row: int, column: str, pattern: re.Pattern[str], what: str, out: _Collector
) -> str | None:
    code = text.strip().upper()
    if code == "":
        out.add(row, column, f"{column} is required.")
        return None
    if not pattern.match(code):
        out.add(row, column, f"'{text}' is not {what}.")
        return None
    return code


def _provider(text: str, row: int, out: _Collector) -> str | None:
    code = text.strip().upper()
    if code == "":
        return None
    if not _PROVIDER_RE.match(code):
        out.add(row, "PROCODE3", f"'{text}' is not a 3-character provider code (e.g. RTH).")
        return None
    return code


def _check_duplicates(records: list[dict], key: tuple[str, ...], column: str, out: _Collector) -> None:
    seen: dict[tuple, int] = {}
    for record in records:
        if any(record[k] is None for k in key if k != "provider"):
            continue  # the code itself was wrong: already reported
        value = tuple(record[k] for k in key)
        if value in seen:
            where = f"for provider {value[-1]} " if value[-1] is not None else ""
            out.add(record["row"], column, f"{value[0]} is priced {where}twice (first on row {seen[value]}).")
        else:
            seen[value] = record["row"]


def _frame(records: list[dict], columns: tuple[str, ...], money: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for column in columns:
        if column in money:
            frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
        elif column == "row":
            frame[column] = frame[column].astype("int64")
        else:
            frame[column] = pd.array(frame[column].tolist(), dtype="string")
    return frame


# ------------------------------------------------------------------------------------------------ readers
def read_admitted_tariff(source: Source, *, xlsx_limits: XlsxLimits | None = None) -> pd.DataFrame:
    """Admitted-care spell tariffs by HRG (and provider for local prices); columns ``ADMITTED_COLUMNS``."""
    label = "admitted tariff"
    prices = {
        "ELECTIVE_TARIFF": "elective_pence",
        "NON_ELECTIVE_TARIFF": "non_elective_pence",
        "DAY_CASE_TARIFF": "day_case_pence",
        "ORDINARY_ELECTIVE_TARIFF": "ordinary_elective_pence",
        "SSEM_TARIFF": "ssem_pence",
        "EXCESS_BED_DAY": "excess_bed_day_pence",
    }
    trims = {
        "ELECTIVE_TRIMPOINT_DAYS": "elective_trim_days",
        "NON_ELECTIVE_TRIMPOINT_DAYS": "non_elective_trim_days",
    }
    required = (
        "HRG", "HRG_NAME", "ELECTIVE_TARIFF", "NON_ELECTIVE_TARIFF", "ELECTIVE_TRIMPOINT_DAYS",
        "NON_ELECTIVE_TRIMPOINT_DAYS", "EXCESS_BED_DAY",
    )  # fmt: skip
    optional = ("DAY_CASE_TARIFF", "ORDINARY_ELECTIVE_TARIFF", "SSEM_TARIFF", "PROCODE3")
    out = _Collector()
    records = []
    for row, cells in _table(source, label, required, optional, xlsx_limits):
        record: dict = {
            "row": row,
            "hrg": _code(cells["HRG"], row, "HRG", _HRG_RE, "an HRG4 code (e.g. HA11A)", out),
            "provider": _provider(cells.get("PROCODE3", ""), row, out),
            "hrg_name": cells["HRG_NAME"] or None,
        }
        for column, name in prices.items():
            record[name] = _price(cells.get(column, ""), row, column, out)
        for column, name in trims.items():
            record[name] = _days(cells[column], row, column, out)
        records.append(record)
    _check_duplicates(records, ("hrg", "provider"), "HRG", out)
    out.raise_if_any(label)
    return _frame(records, ADMITTED_COLUMNS, (*prices.values(), *trims.values()))


def read_outpatient_tariff(source: Source, *, xlsx_limits: XlsxLimits | None = None) -> pd.DataFrame:
    """Outpatient attendance tariffs by treatment function; columns ``OUTPATIENT_COLUMNS``."""
    label = "outpatient tariff"
    out = _Collector()
    records = []
    for row, cells in _table(
        source, label, ("TRETSPEF", "FIRST_ATTENDANCE", "FOLLOW_UP_ATTENDANCE"), ("PROCODE3",), xlsx_limits
    ):
        records.append(
            {
                "row": row,
                "tretspef": _code(
                    cells["TRETSPEF"],
                    row,
                    "TRETSPEF",
                    _TRETSPEF_RE,
                    "a 3-digit treatment function code (e.g. 300)",
                    out,
                ),
                "provider": _provider(cells.get("PROCODE3", ""), row, out),
                "first_pence": _price(cells["FIRST_ATTENDANCE"], row, "FIRST_ATTENDANCE", out),
                "follow_up_pence": _price(cells["FOLLOW_UP_ATTENDANCE"], row, "FOLLOW_UP_ATTENDANCE", out),
            }
        )
    _check_duplicates(records, ("tretspef", "provider"), "TRETSPEF", out)
    out.raise_if_any(label)
    return _frame(records, OUTPATIENT_COLUMNS, ("first_pence", "follow_up_pence"))


def read_ae_tariff(source: Source, *, xlsx_limits: XlsxLimits | None = None) -> pd.DataFrame:
    """A&E attendance tariffs by HRG and department type; columns ``AE_COLUMNS``."""
    label = "A&E tariff"
    out = _Collector()
    records = []
    for row, cells in _table(source, label, ("HRG", "TYPE_1_2", "TYPE_3"), ("PROCODE3",), xlsx_limits):
        records.append(
            {
                "row": row,
                "hrg": _code(cells["HRG"], row, "HRG", _HRG_RE, "an HRG4 code (e.g. VB01Z)", out),
                "provider": _provider(cells.get("PROCODE3", ""), row, out),
                "type_1_2_pence": _price(cells["TYPE_1_2"], row, "TYPE_1_2", out),
                "type_3_pence": _price(cells["TYPE_3"], row, "TYPE_3", out),
            }
        )
    _check_duplicates(records, ("hrg", "provider"), "HRG", out)
    out.raise_if_any(label)
    return _frame(records, AE_COLUMNS, ("type_1_2_pence", "type_3_pence"))


def _mff(text: str, row: int, out: _Collector) -> int | None:
    if text == "":
        out.add(row, "MFF", "MFF is required.")
        return None
    value = _decimal(text)
    if value is None:
        out.add(row, "MFF", f"'{text}' is not a decimal number.")
        return None
    if value <= 0:
        out.add(row, "MFF", f"'{text}' is not positive; an MFF is a factor above zero.")
        return None
    scaled = value * MFF_SCALE
    if scaled != scaled.to_integral_value():
        out.add(row, "MFF", f"'{text}' has more than 5 decimal places.")
        return None
    if scaled > MAX_MFF_SCALED:
        out.add(row, "MFF", f"'{text}' is 10 or more, which no market forces factor reaches.")
        return None
    return int(scaled)


def read_mff(source: Source, *, xlsx_limits: XlsxLimits | None = None) -> pd.DataFrame:
    """Market forces factors by provider, scaled by ``MFF_SCALE``; columns ``MFF_COLUMNS``."""
    label = "market forces factor"
    out = _Collector()
    records = []
    for row, cells in _table(source, label, ("PROCODE3", "MFF"), (), xlsx_limits):
        provider = _provider(cells["PROCODE3"], row, out)
        if cells["PROCODE3"].strip() == "":
            out.add(row, "PROCODE3", "PROCODE3 is required.")
        records.append({"row": row, "provider": provider, "mff_scaled": _mff(cells["MFF"], row, out)})
    seen: dict[str, int] = {}
    for record in records:
        provider = record["provider"]
        if provider is None:
            continue
        if provider in seen:
            out.add(record["row"], "PROCODE3", f"{provider} has two MFFs (first on row {seen[provider]}).")
        else:
            seen[provider] = record["row"]
    out.raise_if_any(label)
    return _frame(records, MFF_COLUMNS, ("mff_scaled",))
