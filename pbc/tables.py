"""Tables that pages show and export the same way: on screen, as CSV (one table) and as an Excel
workbook (one sheet per table). Cells are plain values or markers: :class:`pbc.exports.Money` (pence),
:class:`pbc.exports.Percent`, :class:`RagCell`, :class:`Link`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404

from pbc.exports import Money, Percent, Sheet, csv_response, xlsx_response

__all__ = [
    "Link",
    "Money",
    "Percent",
    "RagCell",
    "Table",
    "TablesMixin",
    "money",
    "percent_tenths",
]


class RagCell(str):
    """A RAG status ("green", "amber", "red" or "" for not assessed)."""

    @property
    def label(self) -> str:
        return {"green": "Green", "amber": "Amber", "red": "Red"}.get(str(self), "—")


@dataclass(frozen=True)
class Link:
    text: str
    url: str

    def __str__(self) -> str:
        return self.text


def money(pence) -> Money | None:
    return None if pence is None else Money(int(pence))


def percent_tenths(tenths) -> Percent | None:
    return None if tenths is None else Percent(Decimal(int(tenths)).scaleb(-1))


@dataclass
class Table:
    slug: str
    title: str
    headers: Sequence[str]
    rows: list[Sequence] = field(default_factory=list)
    total: Sequence | None = None
    notes: Sequence[str] = ()
    caption: str = ""

    def _numeric(self) -> list[bool]:
        flags = []
        for index in range(len(self.headers)):
            values = [row[index] for row in self.rows if index < len(row) and row[index] is not None]
            flags.append(bool(values) and all(_is_number(v) for v in values))
        return flags

    def header_cells(self) -> list[tuple[str, bool]]:
        return list(zip(self.headers, self._numeric(), strict=False))

    def body(self) -> list[list[tuple[object, bool]]]:
        flags = self._numeric()
        return [list(zip(row, flags, strict=False)) for row in self.rows]

    def total_cells(self) -> list[tuple[object, bool]] | None:
        return None if self.total is None else list(zip(self.total, self._numeric(), strict=False))

    def sheet(self) -> Sheet:
        plain = [[_plain(v) for v in row] for row in self.rows]
        total = [_plain(v) for v in self.total] if self.total is not None else None
        return Sheet(title=self.title, headers=list(self.headers), rows=plain, total=total, notes=self.notes)

    def csv_rows(self):
        """Rows for :func:`pbc.exports.csv_response`, which writes money, percentages and numbers as numbers."""
        for row in [*self.rows, *([self.total] if self.total is not None else [])]:
            yield [_plain(v) for v in row]


def _is_number(value) -> bool:
    return isinstance(value, int | Decimal | float) and not isinstance(value, bool)


def _plain(value):
    if isinstance(value, Link | RagCell):
        return str(value) if not isinstance(value, RagCell) else value.label if value else ""
    return value


class TablesMixin:
    """``?export=csv&table=<slug>`` downloads one table as CSV; ``?export=xlsx`` every table as a sheet."""

    export_name = "report"

    def get_tables(self) -> list[Table]:
        raise NotImplementedError

    def export_response(self, request):
        kind = request.GET.get("export")
        if kind not in ("csv", "xlsx"):
            return None
        tables = self.get_tables()
        name = self.get_export_name()
        if kind == "xlsx":
            return xlsx_response([t.sheet() for t in tables], f"{name}.xlsx")
        slug = request.GET.get("table") or (tables[0].slug if tables else "")
        table = next((t for t in tables if t.slug == slug), None)
        if table is None:
            raise Http404("No such table.")
        return csv_response(f"{name}-{table.slug}.csv", list(table.headers), table.csv_rows())

    def get_export_name(self) -> str:
        return self.export_name

    def get(self, request, *args, **kwargs):
        response = self.export_response(request) if request.GET.get("export") else None
        return response or super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for name in ("export", "table", "page"):
            query.pop(name, None)
        ctx["querystring"] = query.urlencode()
        return ctx
