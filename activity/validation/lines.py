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
from activity.referrals.rules import valid_dates
from pbc.dbframes import bulk_insert_arrow

# Outcomes a practice is charged for (uncosted lines count as activity at no cost).
LINE_OUTCOMES = (Outcome.COSTED.value, Outcome.UNCOSTED.value)
_REFERRAL_CODES = ("firstatt", "refsourc", "priority")  # outpatients: kept for referrals (DOMAIN 10)
_ACTIVITY_DATE = {Dataset.APC: "disdate", Dataset.OP: "apptdate", Dataset.AE: "arrivaldate"}
_TEXT = ("practice", "record_key", "patient_key", "pod", "provider", "tretspef", "hrg", "ae_type", "outcome",
         "price_reason", *_REFERRAL_CODES)  # fmt: skip


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
    for column in _REFERRAL_CODES:
        out[column] = out[column].str.slice(0, 2)
    reqdate = rows["reqdate"] if "reqdate" in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
    out["reqdate"] = valid_dates(reqdate)
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
            "reqdate": dates("reqdate"),
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


_PRICE_KEYS = [
    "practice",
    "month",
    "pod",
    "provider",
    "tretspef",
    "hrg",
    "ae_type",
    "los_days",
    "ssem_eligible",
]


def reprice_lines(lines: pd.DataFrame, tariff) -> pd.DataFrame:
    """Lines (``pk`` + the pricing columns + ``outcome``, ``price_reason``) priced at another tariff, the way
    :func:`costing.recost_aggregates` prices the aggregates: each distinct pricing key is priced once (as an
    aggregate of one) and its unit price given back to every line with that key. Returns ``pk``,
    ``cost_pence``, ``outcome``, ``price_reason``, ``mff_defaulted``, ``excess_days``. Pure."""
    from activity.costing import TARIFF_INDEPENDENT_REASONS, recost_aggregates

    independent = {r.value for r in TARIFF_INDEPENDENT_REASONS}
    frame = lines.copy()
    # A reason no tariff cures (e.g. did not attend) keeps a line unpriced: it is part of its key.
    frame["kept"] = frame["price_reason"].where(frame["price_reason"].isin(independent), "")
    keys = [*_PRICE_KEYS, "kept"]
    unique = frame.drop_duplicates(keys)[[*keys, "outcome", "price_reason"]].copy()
    unique["reason"] = ""
    unique["mff_defaulted"] = False
    unique["activity"] = 1
    unique["price_pence"] = pd.array([pd.NA] * len(unique), dtype="Int64")
    unique["excess_days"] = pd.array([pd.NA] * len(unique), dtype="Int64")
    for column in (
        "practice",
        "pod",
        "provider",
        "tretspef",
        "hrg",
        "ae_type",
        "outcome",
        "price_reason",
        "reason",
    ):
        unique[column] = unique[column].astype("string").replace("", pd.NA)
    unique["los_days"] = unique["los_days"].astype("Int64")
    priced = recost_aggregates(unique.drop(columns="kept"), tariff=tariff)
    priced["price_reason"] = priced["price_reason"].astype("string").fillna("")
    priced["kept"] = priced["price_reason"].where(priced["price_reason"].isin(independent), "")
    for column in ("practice", "pod", "provider", "tretspef", "hrg", "ae_type"):
        priced[column] = priced[column].astype("string").fillna("")
    activity = priced["activity"].astype("int64")
    priced["cost_pence"] = (priced["price_pence"].astype("Int64").fillna(0) // activity).astype("int64")
    priced["excess_days"] = (priced["excess_days"].astype("Int64").fillna(0) // activity).astype("int64")
    priced["outcome"] = priced["outcome"].astype("string")
    for column in ("practice", "pod", "provider", "tretspef", "hrg", "ae_type"):
        frame[column] = frame[column].astype("string").fillna("")
    frame["los_days"] = frame["los_days"].astype("Int64")
    priced["los_days"] = priced["los_days"].astype("Int64")
    frame["month"] = pd.to_datetime(frame["month"])
    priced["month"] = pd.to_datetime(priced["month"])
    out = frame[["pk", *keys]].merge(
        priced[
            [*keys, "cost_pence", "outcome", "price_reason", "mff_defaulted", "excess_days"]
        ].drop_duplicates(keys),
        on=keys,
        how="left",
        validate="many_to_one",
    )
    return out[["pk", "cost_pence", "outcome", "price_reason", "mff_defaulted", "excess_days"]]


def activity_lines_recost(upload, tariff) -> int:
    """Inside the re-costing transaction of ``upload``: its lines priced at the new tariff (as its
    aggregates are), and the adjustments of accepted challenges follow their line's new cost. Returns the
    number of lines whose price changed."""
    from activity.models import ActivityAdjustment, ActivityLine

    fields = ["pk", "practice_code", *_PRICE_KEYS[1:], "outcome", "price_reason"]
    rows = list(
        ActivityLine.objects.filter(upload_id=upload.pk, attempt=upload.attempts).values_list(*fields)
    )
    if not rows:
        return 0
    lines = pd.DataFrame.from_records(rows, columns=["pk", "practice", *fields[2:]])
    priced = reprice_lines(lines, tariff).set_index("pk")
    changed = []
    for line in ActivityLine.objects.filter(pk__in=list(priced.index)).only(
        "pk", "cost_pence", "outcome", "price_reason", "mff_defaulted", "excess_days"
    ):
        new = priced.loc[line.pk]
        values = {
            "cost_pence": int(new["cost_pence"]), "outcome": str(new["outcome"]),
            "price_reason": str(new["price_reason"] or ""), "mff_defaulted": bool(new["mff_defaulted"]),
            "excess_days": int(new["excess_days"]),
        }  # fmt: skip
        if any(getattr(line, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(line, k, v)
            changed.append(line)
    ActivityLine.objects.bulk_update(changed, list(values), batch_size=2000) if changed else None
    for adjustment in ActivityAdjustment.objects.filter(line__in=[c.pk for c in changed]).select_related(
        "line"
    ):
        adjustment.cost_pence = -adjustment.line.cost_pence
        adjustment.save(update_fields=["cost_pence"])
    return len(changed)
