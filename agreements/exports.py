"""PDF renderings of agreements and statements (an HTML template rendered by WeasyPrint).

Excel exports use the project's shared workbook writer, :mod:`pbc.exports` (money as numbers of
pounds with a £ format, a bold frozen header, formula-like text neutralised); it is re-exported here so
the app's views import their exports from one place.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string

from pbc.exports import Money, Sheet, safe_cell, workbook_bytes, xlsx_response

__all__ = ["Money", "Sheet", "pdf_bytes", "pdf_response", "safe_cell", "workbook_bytes", "xlsx_response"]


def pdf_bytes(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context)).write_pdf()


def pdf_response(template: str, context: dict, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(pdf_bytes(template, context), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
