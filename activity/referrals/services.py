"""Writes of referrals: loading a referral extract (read, judge every row, store, in one transaction)."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from activity import costing, extract_reader
from activity.extract_schema import Dataset, Reason
from activity.referrals import rules
from activity.referrals.models import Referral, ReferralUpload
from pbc.dbframes import bulk_insert_arrow
from pbc.exceptions import ApplicationError
from pbc.models import Pct, Practice

logger = logging.getLogger(__name__)

CHUNK_ROWS = 250_000
PROBLEM_LINE_SAMPLE = 1_000


def _salt() -> bytes:
    return settings.PBC_PATIENT_HASH_KEY.encode()


def _refused(exc: extract_reader.ExtractRejected) -> ApplicationError:
    return ApplicationError(exc.message, {**exc.extra, "fields": {"file": [exc.message]}})


def referral_extract_check(*, path) -> extract_reader.FileInfo:
    """The refusals that need only the file (size, format, empty, header only, required columns missing,
    another kind of extract), as ApplicationError with a ``file`` field error; stores nothing."""
    try:
        info = extract_reader.sniff(path, max_bytes=settings.PBC_MAX_UPLOAD_BYTES)
        extract_reader.check_columns(info.headers, Dataset.REF)
    except extract_reader.ExtractRejected as exc:
        raise _refused(exc) from exc
    return info


def _store(upload: ReferralUpload, rows: pd.DataFrame, practice_ids: dict[str, int]) -> int:
    n = len(rows)
    if not n:
        return 0
    dates = pd.to_datetime(rows["referral_date"])

    def text(column: str, width: int) -> pa.Array:
        return pa.array(rows[column].astype("string").fillna("").str.slice(0, width), type=pa.string())

    table = pa.table(
        {
            "upload_id": pa.array(np.full(n, upload.pk, dtype=np.int64)),
            "pct_id": pa.array(np.full(n, upload.pct_id, dtype=np.int64)),
            "practice_id": pa.array(rows["practice"].map(practice_ids).to_numpy(dtype=np.int64)),
            "practice_code": text("practice", 10),
            "referral_key": text("referral_key", 32),
            "referral_date": pa.array(dates, from_pandas=True).cast(pa.date32()),
            "month": pa.array(dates.dt.to_period("M").dt.start_time, from_pandas=True).cast(pa.date32()),
            "referrer": text("referrer", 10),
            "provider": text("provider", 5),
            "specialty": text("specialty", 3),
            "priority": text("priority", 20),
            "source": text("source", 20),
            "led_to_first_attendance": pa.array(rows["led_to_first_attendance"].to_numpy(dtype=bool)),
            "line_no": pa.array(rows["line_no"].to_numpy(dtype=np.int64)),
        }
    )
    return bulk_insert_arrow(Referral, table)


def _quality(info, stream, outcomes: Counter, reasons: Counter, problems: list[dict]) -> dict:
    summary = stream.summary
    return {
        "format": info.format,
        "encoding": info.encoding,
        "delimiter": info.delimiter,
        "columns": stream.columns.source,
        "rows_read": summary.rows_read,
        "by_outcome": dict(outcomes),
        "by_reason": {k: v for k, v in reasons.items() if k},
        "malformed_lines": summary.malformed_lines[:PROBLEM_LINE_SAMPLE],
        "problem_lines": problems,
    }


def referral_upload_create(*, pct: Pct, upload: File, filename: str, actor) -> ReferralUpload:
    """Load a referral extract for a PCT: every row is loaded or has one reason it is not (rejected with
    its line number, duplicate of a referral already held, unattributed, another PCT's practice), and the
    data-quality report is kept on the upload.

    A file that cannot be read as a referral extract, or of which no row can be loaded, raises
    ApplicationError (a ``file`` field error) and stores nothing: the load is one transaction.
    """
    limit = settings.PBC_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ApplicationError(
            f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB.",
            {"fields": {"file": ["Too large."]}},
        )
    with tempfile.TemporaryFile() as copy:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
            copy.write(chunk)
        copy.seek(0)
        info = referral_extract_check(path=copy)
        try:
            return _load(pct, copy, info, filename, digest.hexdigest(), actor)
        except extract_reader.ExtractRejected as exc:
            raise _refused(exc) from exc


@transaction.atomic
def _load(pct: Pct, source, info, filename: str, checksum: str, actor) -> ReferralUpload:
    Pct.objects.select_for_update().filter(pk=pct.pk).first()  # one load per PCT at a time: duplicates hold
    practice_ids = dict(Practice.objects.filter(pct=pct).values_list("code", "pk"))
    pcts = frozenset(practice_ids)
    held = set(Referral.objects.filter(pct=pct).values_list("referral_key", flat=True))
    seen: set[str] = set()  # loaded from this file, in earlier chunks
    stored = ReferralUpload(
        pct=pct, filename=filename[:255], size_bytes=info.size_bytes, checksum=checksum, actor=actor
    )
    stored.full_clean()
    stored.save()
    outcomes: Counter = Counter()
    reasons: Counter = Counter()
    problems: list[dict] = []
    today = timezone.localdate()
    with extract_reader.read_extract(
        source,
        Dataset.REF,
        patient_salt=_salt(),
        chunk_rows=CHUNK_ROWS,
        max_bytes=settings.PBC_MAX_UPLOAD_BYTES,
    ) as stream:
        for frame in stream:
            judged = rules.classify_extract_rows(
                frame,
                practice_reasons=costing.practice_reasons(frame["gpprac"], pcts),
                loaded_keys=held | seen if seen else held,
                today=today,
            )
            again = (judged["reason"] == Reason.DUPLICATE_LOADED.value) & judged["referral_key"].isin(seen)
            judged.loc[again, "reason"] = Reason.DUPLICATE_IN_FILE.value
            outcomes.update(judged["outcome"].tolist())
            reasons.update(judged["reason"].tolist())
            keep = judged["outcome"] == rules.LOADED
            stored.rows_loaded += _store(stored, judged[keep], practice_ids)
            seen.update(judged.loc[keep, "referral_key"].tolist())
            for row in judged.loc[~keep, ["line_no", "outcome", "reason"]].itertuples(index=False):
                if len(problems) >= PROBLEM_LINE_SAMPLE:
                    break
                problems.append({"line": int(row.line_no), "outcome": row.outcome, "reason": row.reason})
    stored.rows_read = stream.summary.rows_read
    stored.quality = _quality(info, stream, outcomes, reasons, problems)
    if not stored.rows_loaded:
        listed = ", ".join(
            f"{reason.replace('_', ' ')}: {n:,}" for reason, n in reasons.most_common() if reason
        )
        raise ApplicationError(
            f"No row of the file could be loaded ({listed or 'no rows'}).",
            {"quality": stored.quality, "fields": {"file": ["No row could be loaded."]}},
        )
    stored.save(update_fields=["rows_read", "rows_loaded", "quality"])
    logger.info(
        "referral extract loaded",
        extra={"upload": stored.pk, "rows": stored.rows_read, "loaded": stored.rows_loaded},
    )
    return stored


def referral_upload_from_path(*, pct: Pct, path, actor) -> ReferralUpload:
    """Load a referral extract from a file on disk (the management command)."""
    name = Path(path).name
    with open(path, "rb") as handle:
        return referral_upload_create(pct=pct, upload=File(handle, name=name), filename=name, actor=actor)
