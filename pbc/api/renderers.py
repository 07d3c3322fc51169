"""CSV for every API list and report: ``?format=csv`` or ``Accept: text/csv``.

A paginated list streams every row of its filtered, scoped queryset (see
``pbc.api.pagination``); other responses are rendered here. Nested objects become dotted columns,
lists of plain values are joined with "; ", and money stays a pounds string ("-12.50"). Cells are written by
``pbc.exports.csv_cell``, as every page's CSV is: numbers (negative money too) stay numbers, and text that a
spreadsheet would run as a formula is neutralised. Errors are always JSON ``{"message", "errors", "extra"}``, whatever
format was asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from rest_framework import serializers
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import BaseRenderer, JSONRenderer

from pbc.exports import csv_response

CSV_MEDIA_TYPE = "text/csv"


def flatten(value, prefix: str = "") -> dict:
    """One CSV row from a serialized object: nested objects become ``parent.child`` columns."""
    row: dict = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            row.update(flatten(item, f"{name}."))
        else:
            row[name] = item
    return row


def header_for(serializer, prefix: str = "") -> list[str]:
    """The columns a serializer's rows flatten to, so an empty list still has its header."""
    columns: list[str] = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            columns.extend(header_for(field, f"{prefix}{name}."))
        else:
            columns.append(f"{prefix}{name}")
    return columns


def cell(value):
    """A serialized value as one cell; ``csv_response`` then writes it (numbers as numbers, text made safe)."""
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return "; ".join("" if v is None else str(v) for v in value)
        return json.dumps(value, default=str)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return value


def table_rows(header: list[str], rows: Iterable[dict]) -> Iterator[list]:
    for row in rows:
        yield [cell(row.get(column)) for column in header]


def rows_of(data) -> tuple[list[str], list[dict]]:
    """The table inside a response: a list, a page's ``results``, or a report's one list of rows
    (with the report's own scalar values repeated on every row)."""
    if isinstance(data, dict):
        if isinstance(data.get("results"), list):
            data = data["results"]
        else:
            tables = [k for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)]
            if len(tables) == 1:
                common = {k: v for k, v in data.items() if k != tables[0]}
                data = [{**flatten(common), **flatten(item)} for item in data[tables[0]]]
            else:
                data = [data]
    rows = [flatten(item) if isinstance(item, dict) else {"value": item} for item in data or []]
    header: list[str] = []
    for row in rows:
        header.extend(k for k in row if k not in header)
    return header, rows


class CsvRenderer(BaseRenderer):
    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            response["Content-Type"] = "application/json"
            return JSONRenderer().render(data)
        if data is None:
            return b""
        header, rows = rows_of(data)
        return b"".join(
            part if isinstance(part, bytes) else part.encode()
            for part in csv_response("export.csv", header, table_rows(header, rows)).streaming_content
        )


class ApiContentNegotiation(DefaultContentNegotiation):
    """CSV is for reading: a write (POST, PUT, PATCH, DELETE) always answers JSON, even when the
    address carries ``?format=csv`` from the list it was posted to."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.method in SAFE_METHODS:
            return super().select_renderer(request, renderers, format_suffix)
        renderers = [r for r in renderers if r.media_type != CSV_MEDIA_TYPE]
        json_renderer = next(r for r in renderers if isinstance(r, JSONRenderer))
        if (format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)) == "csv":
            return json_renderer, json_renderer.media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:  # "Accept: text/csv" only: the outcome of a write is still worth reading
            return json_renderer, json_renderer.media_type
