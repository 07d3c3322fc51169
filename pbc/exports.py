"""Downloads that spreadsheets open safely: CSV and formatted Excel workbooks, for pages and the API alike.

Text that a spreadsheet would take as a formula (starting with = + - @, tab or carriage return) is
neutralised with a leading quote, in CSV and Excel alike. Numbers are not text: an ``int``, a ``Decimal``,
:class:`Money` and a string that is nothing but a plain decimal number (``"-14098.36"``, the API's money) are
written as numbers, never quoted, so a negative figure stays a figure. In CSV money is pounds with two
decimals (``-14098.36``) whichever way it came in; in Excel it is a number of pounds with a £ format (never
text). Each table is a sheet with a bold, frozen header row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

from pbc.money import pence_to_str

__all__ = [
    "EXCEL_MONEY_FORMAT",
    "EXCEL_PERCENT_FORMAT",
    "XLSX",
    "Money",
    "Percent",
    "Sheet",
    "csv_cell",
    "csv_response",
    "is_plain_number",
    "safe_cell",
    "workbook_bytes",
    "xlsx_response",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number: what a spreadsheet reads as a number, never as a formula.
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_MONEY_FORMAT = '"£"#,##0.00;[Red]-"£"#,##0.00'
EXCEL_PERCENT_FORMAT = '0.0"%";[Red]-0.0"%"'


def is_plain_number(value: str) -> bool:
    return bool(_PLAIN_NUMBER.match(value))


def safe_cell(value):
    """A leading quote stops a spreadsheet treating ``=SUM(...)``-like text as a formula; a number (even
    written as a string, ``"-12.50"``) is left alone."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not is_plain_number(value):
        return "'" + value
    return value


def csv_cell(value):
    """One CSV cell: empty for None, money as pounds with two decimals, percentages to one decimal, other
    numbers as they are, text made safe."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return pence_to_str(int(value))
    if isinstance(value, Percent):
        return f"{value:.1f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return value
    return safe_cell(value if isinstance(value, str) else str(value))


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a BOM so Excel reads UTF-8
        yield writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([csv_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class Money(int):
    """Whole pence to be written as money (pounds with a £ format in Excel, "1234.50" in CSV)."""


class Percent(Decimal):
    """A percentage (3.5 = 3.5%) written with one decimal."""


@dataclass
class Sheet:
    """One table of a workbook: a title (the sheet's name), a header, rows, an optional total row and
    notes written under it."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence] = field(default_factory=list)
    total: Sequence | None = None
    notes: Sequence[str] = ()


def _excel_value(value):
    if isinstance(value, Money):
        return Decimal(int(value)) / 100
    if isinstance(value, str):
        return safe_cell(value)
    return value


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    used: set[str] = set()
    for sheet in sheets:
        name = "".join(c for c in str(sheet.title) if c not in "[]:*?/\\'").strip()[:31] or "Sheet"
        base, n = name, 2
        while name.lower() in used:
            suffix = f" ({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        ws = book.create_sheet(name)
        ws.append([safe_cell(str(h)) for h in sheet.headers])
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        widths = [len(str(h)) for h in sheet.headers]
        body = [*sheet.rows, *([sheet.total] if sheet.total is not None else [])]
        # Row numbers counted here: the worksheet's max_row scans every cell, so asking it per cell makes a
        # large export take minutes.
        for number, row in enumerate(body, start=2):
            ws.append([_excel_value(v) for v in row])
            for index, value in enumerate(row):
                cell = ws.cell(row=number, column=index + 1)
                if isinstance(value, Money):
                    cell.number_format = EXCEL_MONEY_FORMAT
                elif isinstance(value, Percent):
                    cell.number_format = EXCEL_PERCENT_FORMAT
                elif isinstance(value, str):
                    cell.data_type = "s"  # text stays text, whatever it looks like
                if index < len(widths):
                    shown = f"£{value / 100:,.2f}" if isinstance(value, Money) else str(cell.value or "")
                    widths[index] = max(widths[index], len(shown))
        if sheet.total is not None:
            for cell in ws[ws.max_row]:
                cell.font = bold
        for note in sheet.notes:
            ws.append([safe_cell(str(note))])
            ws.cell(row=ws.max_row, column=1).data_type = "s"
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
