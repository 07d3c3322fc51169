"""Activity lines written while an upload is processed and switched on when it is published.

``services._cost_and_store`` calls :func:`store_activity_lines` once per costed chunk (beside the chunk's
aggregates) and ``services._publish`` calls :func:`activity_lines_publish` once inside its transaction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Q

from activity.extract_schema import Dataset, Outcome
from pbc.dbframes import bulk_insert_arrow

# Outcomes a practice is charged for (uncosted lines count as activity at no cost).
LINE_OUTCOMES = (Outcome.COSTED.value, Outcome.UNCOSTED.value)
_ACTIVITY_DATE = {Dataset.APC: "disdate", Dataset.OP: "apptdate", Dataset.AE: "arrivaldate"}
_TEXT = ("practice", "record_key", "patient_key", "pod", "provider", "tretspef", "hrg", "ae_type", "outcome",
         "price_reason")  # fmt: skip


def lines_frame(costed: pd.DataFrame, dataset: Dataset | str, practice_ids: dict[str, int]) -> pd.DataFrame:
    """The costed rows that become lines (costed or uncosted, of a practice of the PCT, with a month), one
    row each, in the stored columns. Pure: no database."""
    dataset = Dataset(dataset)
    outcome = costed["outcome"].astype(object)
    practice_id = costed["practice"].astype(object).map(practice_ids)
    keep = outcome.isin(LINE_OUTCOMES).to_numpy() & practice_id.notna().to_numpy() & costed["month"].notna()
    rows = costed.loc[keep]
    out = pd.DataFrame(index=rows.index)
    for column in _TEXT:
        out[column] = rows[column].astype("string").fillna("") if column in rows else ""
    out["practice_id"] = practice_id[keep].astype("int64")
    out["month"] = pd.to_datetime(rows["month"])
    out["activity_date"] = pd.to_datetime(rows[_ACTIVITY_DATE[dataset]], errors="coerce", format="%Y-%m-%d")
    out["line_no"] = rows["line_no"].astype("int64")
    out["los_days"] = rows["los_days"].astype("Int64")
    out["ssem_eligible"] = rows["ssem_eligible"].astype(bool)
    out["mff_defaulted"] = rows["mff_defaulted"].astype(bool)
    out["excess_days"] = rows["excess_days"].astype("Int64").fillna(0)
    out["cost_pence"] = rows["price_pence"].astype("Int64").fillna(0)
    out["record_key"] = out["record_key"].str.slice(0, 64)
    return out.reset_index(drop=True)


def store_activity_lines(upload, costed: pd.DataFrame, practice_ids: dict[str, int]) -> int:
    """Insert a costed chunk's lines for ``upload``, tagged with its current attempt, column by column
    (no model instance per row). They count once the upload is published by that attempt."""
    from activity.models import ActivityLine

    frame = lines_frame(costed, upload.dataset, practice_ids)
    n = len(frame)
    if not n:
        return 0

    def text(column: str) -> pa.Array:
        return pc.fill_null(pa.array(frame[column], type=pa.string()), "")

    def dates(column: str) -> pa.Array:
        return pa.array(frame[column], from_pandas=True).cast(pa.date32())

    table = pa.table(
        {
            "upload_id": pa.array(np.full(n, upload.pk, dtype=np.int64)),
            "attempt": pa.array(np.full(n, upload.attempts, dtype=np.int64)),
            "pct_id": pa.array(np.full(n, upload.pct_id, dtype=np.int64)),
            "dataset": pa.array(np.full(n, upload.dataset, dtype=object), type=pa.string()),
            "practice_id": pa.array(frame["practice_id"].to_numpy(dtype=np.int64)),
            "practice_code": text("practice"),
            "month": dates("month"),
            "activity_date": dates("activity_date"),
            "line_no": pa.array(frame["line_no"].to_numpy(dtype=np.int64)),
            **{c: text(c) for c in _TEXT if c not in ("practice",)},
            "los_days": pa.array(frame["los_days"], type=pa.int64()),
            "ssem_eligible": pa.array(frame["ssem_eligible"].to_numpy(dtype=bool)),
            "mff_defaulted": pa.array(frame["mff_defaulted"].to_numpy(dtype=bool)),
            "excess_days": pa.array(frame["excess_days"].to_numpy(dtype=np.int64)),
            "cost_pence": pa.array(frame["cost_pence"].to_numpy(dtype=np.int64)),
            "is_current": pa.array(np.ones(n, dtype=bool)),
        }
    )
    return bulk_insert_arrow(ActivityLine, table)


def activity_lines_publish(upload, restated: Q) -> None:
    """Inside the publishing transaction: lines of earlier uploads in the provider-months this upload
    restates stop being current (as their aggregates do), and lines left by the upload's lost attempts
    are dropped (they never counted)."""
    from activity.models import ActivityLine

    (
        ActivityLine.objects.filter(pct_id=upload.pct_id, dataset=upload.dataset, is_current=True)
        .exclude(upload_id=upload.pk)
        .filter(restated)
        .update(is_current=False)
    )
    ActivityLine.objects.filter(upload_id=upload.pk).exclude(attempt=upload.attempts).delete()
