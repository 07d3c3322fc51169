"""Downloads of the activity app that pages and the API share."""

from __future__ import annotations

from collections.abc import Sequence

from pbc.exports import csv_response


def problem_rows_csv(upload_pk: int, rows: Sequence):
    """An upload's problem rows as CSV: line, outcome, reason, then every field any row holds (the same
    download from the upload page and from the API's ``?format=csv``)."""
    rows = list(rows)
    fields = sorted({k for r in rows for k in r.fields})
    return csv_response(
        f"upload-{upload_pk}-problem-rows.csv",
        ["line", "outcome", "reason", *fields],
        ([r.line_no, r.outcome, r.reason, *[r.fields.get(f) for f in fields]] for r in rows),
    )
