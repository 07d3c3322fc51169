"""Writes of the activity side: tariff versions, extract uploads, costing and publication."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from simple_history.utils import update_change_reason

from activity import costing, extract_reader, jobs, restatement, tariff_files
from activity.choices import TariffKind, UploadStatus
from activity.extract_schema import Dataset, Outcome, Reason
from activity.models import (
    TARIFF_MODELS,
    ActivityAggregate,
    ActivityLine,
    ExtractUpload,
    ProblemRow,
    TariffVersion,
)
from activity.validation.lines import activity_lines_publish, activity_lines_recost, store_activity_lines
from pbc import queue
from pbc.busy import retry_when_busy, run_retrying_when_busy
from pbc.dbframes import bulk_insert_arrow
from pbc.exceptions import ApplicationError, Conflict
from pbc.models import FinancialYear, Pct, Practice
from pbc.workbooks import XlsxLimits

logger = logging.getLogger(__name__)

_READERS = {
    TariffKind.ADMITTED: tariff_files.read_admitted_tariff,
    TariffKind.OUTPATIENT: tariff_files.read_outpatient_tariff,
    TariffKind.AE: tariff_files.read_ae_tariff,
    TariffKind.MFF: tariff_files.read_mff,
}
_COLUMNS = {
    TariffKind.ADMITTED: tariff_files.ADMITTED_COLUMNS,
    TariffKind.OUTPATIENT: tariff_files.OUTPATIENT_COLUMNS,
    TariffKind.AE: tariff_files.AE_COLUMNS,
    TariffKind.MFF: tariff_files.MFF_COLUMNS,
}


def _records(kind: str, frame: pd.DataFrame, version: TariffVersion) -> list:
    model = TARIFF_MODELS[TariffKind(kind)]
    columns = list(_COLUMNS[TariffKind(kind)])
    clean = frame[columns].astype(object).where(frame[columns].notna(), None)
    return [model(tariff=version, **row) for row in clean.to_dict("records")]


def tariff_files_parse(*, files: dict[str, tuple[str, bytes]]) -> dict[str, pd.DataFrame]:
    """Read and check tariff files without storing anything (an import's first step, and a dry run).

    Raises ApplicationError (``TariffFileError`` with every bad row listed) for any file at fault.
    """
    if not files:
        raise ApplicationError("Choose at least one tariff file.")
    unknown = set(files) - set(TariffKind.values)
    if unknown:
        raise ApplicationError(f"Unknown tariff kind: {', '.join(sorted(unknown))}.")
    limits = XlsxLimits.from_settings()
    return {kind: _READERS[TariffKind(kind)](data, xlsx_limits=limits) for kind, (_, data) in files.items()}


@retry_when_busy
@transaction.atomic
def tariff_import(
    *, year: FinancialYear, files: dict[str, tuple[str, bytes]], actor, reason: str = ""
) -> TariffVersion:
    """Import one or more tariff files for a year as a new version.

    Kinds not given are carried over from the current version, so a year's tariff is always whole. A
    year that already has a tariff needs a reason for the new version: it never changes silently.
    """
    # Parse everything first: any file at fault raises with its rows, before anything is written.
    frames = tariff_files_parse(files=files)
    FinancialYear.objects.select_for_update().filter(pk=year.pk).first()  # one import per year at a time
    current = TariffVersion.objects.filter(year=year, is_current=True).first()
    if current and not reason.strip():
        raise ApplicationError(
            f"{year} already has a tariff (version {current.version}). Give a reason for the new version.",
            {"fields": {"reason": ["Required when replacing a tariff."]}},
        )
    number = (
        TariffVersion.objects.filter(year=year).order_by("-version").values_list("version", flat=True).first()
        or 0
    ) + 1
    if current:
        current.is_current = False
        current._history_user = actor
        current.save(update_fields=["is_current"])
    version = TariffVersion(
        year=year,
        version=number,
        actor=actor,
        reason=reason.strip(),
        files={
            k: {"filename": name, "sha256": hashlib.sha256(data).hexdigest()}
            for k, (name, data) in files.items()
        },
    )
    version.full_clean()
    version._history_user = actor
    version.save()
    counts = {}
    for kind in TariffKind.values:
        model = TARIFF_MODELS[TariffKind(kind)]
        if kind in frames:
            rows = _records(kind, frames[kind], version)
        elif current and current.has(kind):
            rows = list(model.objects.filter(tariff=current))
            for row in rows:
                row.pk, row.tariff = None, version
            version.files[kind] = {**current.files[kind], "carried_from_version": current.version}
        else:
            continue
        model.objects.bulk_create(rows, batch_size=2000)
        counts[kind] = len(rows)
    version.counts = counts
    version.save(update_fields=["files", "counts"])
    if version.reason:
        update_change_reason(version, version.reason)
    logger.info("tariff imported", extra={"year": year.label, "version": number, "counts": counts})
    _after_tariff(version.pk)
    return version


def _after_tariff(version_id: int) -> None:
    queue.enqueue_on_commit(
        "activity.tasks.activity_recost_year_task",
        version_id,
        on_failure=lambda exc: logger.error("tariff re-costing not queued", extra={"version": version_id}),
    )


# --- extract uploads ------------------------------------------------------------------------------------


CHUNK_ROWS = 250_000
PROBLEM_ROW_SAMPLE = 1_000
_AFTER_PUBLISH: list[Callable[[int], None]] = []
_AFTER_RECOST: list[Callable[[int, int, str], None]] = []


def register_after_publish(callback: Callable[[int], None]) -> None:
    """Run ``callback(upload_id)`` after an upload's activity is published (e.g. recompute reports)."""
    if callback not in _AFTER_PUBLISH:
        _AFTER_PUBLISH.append(callback)


def register_after_recost(callback: Callable[[int, int, str], None]) -> None:
    """Run ``callback(pct_id, start_year, trigger)`` after a PCT year's activity is re-costed at a new
    tariff (e.g. recompute its reports). Apps above this one register; this app imports none of them."""
    if callback not in _AFTER_RECOST:
        _AFTER_RECOST.append(callback)


def _salt() -> bytes:
    return settings.PBC_PATIENT_HASH_KEY.encode()


# Normalised extract column → the model fields its values are stored in: the reader rejects a longer value
# as a row (the same on SQLite, which does not enforce lengths, as on PostgreSQL, which would fail the file).
_STORED_IN = {
    "procode3": ((ActivityAggregate, "provider"), (ActivityLine, "provider")),
    "tretspef": ((ActivityAggregate, "tretspef"), (ActivityLine, "tretspef")),
    "hrg": ((ActivityAggregate, "hrg"), (ActivityLine, "hrg")),
    "record_key": ((ActivityLine, "record_key"),),
}


def stored_lengths() -> dict[str, int]:
    """The longest value of each extract column the database can store: its narrowest model field."""
    return {
        column: min(model._meta.get_field(name).max_length for model, name in fields)
        for column, fields in _STORED_IN.items()
    }


def _read(path, dataset: Dataset, **options) -> extract_reader.ExtractStream:
    """An extract's normalised frames, keyed and length-checked as everything here reads them."""
    return extract_reader.read_extract(
        path,
        dataset,
        patient_salt=_salt(),
        max_lengths=stored_lengths(),
        xlsx_limits=XlsxLimits.from_settings(),
        **options,
    )


def _reject(exc: extract_reader.ExtractRejected) -> ApplicationError:
    return ApplicationError(
        str(exc.args[0]) if exc.args else "The file cannot be read.", getattr(exc, "extra", {}) or {}
    )


def _check_period(path, dataset: Dataset, year: FinancialYear) -> None:
    """Refuse a file whose first rows all fall outside the chosen year or in the future: the wrong year
    was chosen, or the file is not this year's. Stray rows in a good file are rejected row by row."""
    with _read(path, dataset, chunk_rows=5_000, spells=False) as stream:
        frame = next(stream, None)
    if frame is None or frame.empty:
        return
    costed = costing.cost_activity(
        frame,
        dataset,
        tariff=None,
        financial_year=year.fy,
        pct_practices=frozenset(),
        all_known_practices=None,
        today=timezone.localdate(),
    )
    reasons = costed["reason"].astype(object)
    outside = int((reasons == Reason.DATE_OUTSIDE_YEAR.value).sum())
    future = int((reasons == Reason.DATE_IN_FUTURE.value).sum())
    if outside + future == len(costed):
        months = costed["month"].dropna()
        span = f" (dated {months.min():%b %Y} to {months.max():%b %Y})" if len(months) else ""
        what = "in the future" if future and not outside else f"outside {year}"
        raise ApplicationError(
            f"The first {len(costed):,} rows of the file are all dated {what}{span}. "
            f"Choose the financial year the file covers.",
            {"fields": {"year": [f"The file's activity is not in {year}."]}},
        )


def extract_check(*, path, dataset: str, year: FinancialYear) -> extract_reader.FileInfo:
    """The refusals of an upload that need only the file (over the size limit, not a delimited file or XLSX,
    empty, header only, missing columns, wrong dataset, every first row outside the year), as
    ApplicationError; stores nothing. An upload's first step, and a dry run."""
    dataset = Dataset(dataset)
    try:
        info = extract_reader.sniff(
            path, max_bytes=settings.PBC_MAX_UPLOAD_BYTES, xlsx_limits=XlsxLimits.from_settings()
        )
        extract_reader.check_columns(info.headers, dataset)
        _check_period(path, dataset, year)
    except extract_reader.ExtractRejected as exc:
        raise _reject(exc) from exc
    return info


def extract_upload_create(
    *, pct: Pct, dataset: str, year: FinancialYear, upload: File, filename: str, actor, confirm_restate=False
) -> ExtractUpload:
    """Check an uploaded extract can be read as the dataset, store it privately and queue its processing.

    Refusals (not a delimited file or XLSX, empty, header only, missing columns, wrong dataset, over the
    size limit, every row outside the year) raise ApplicationError and store nothing.
    """
    dataset = Dataset(dataset)
    limit = settings.PBC_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ApplicationError(
            f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB.",
            {"fields": {"file": ["Too large."]}},
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = ExtractUpload(
        pct=pct, dataset=dataset.value, year=year, filename=filename[:255], size_bytes=upload.size or 0,
        checksum=digest.hexdigest(), actor=actor,
    )  # fmt: skip
    stored.full_clean(exclude=["file"])
    stored.file.save(filename, upload, save=False)
    try:
        extract_check(path=stored.file.path, dataset=dataset, year=year)
        if not confirm_restate:
            _restatement_check(stored, stored.file.path, dataset)
    except ApplicationError:
        stored.file.delete(save=False)
        raise
    try:
        run_retrying_when_busy(lambda: _save_and_queue(stored, actor))
    except ApplicationError:  # DatabaseBusy too: the file goes when the row does
        stored.file.delete(save=False)
        raise
    return stored


@transaction.atomic
def _save_and_queue(stored: ExtractUpload, actor) -> None:
    """The upload's write transaction: run again whole when the database was busy."""
    stored.pk, stored._state.adding = None, True  # a busy attempt rolled its insert back
    _refuse_duplicate(stored)
    stored._history_user = actor
    stored.save()
    _queue(stored.pk)


def _refuse_duplicate(stored: ExtractUpload) -> None:
    """One load at a time per file: refuse a file this PCT is already loading (sent twice at once, or
    resent before the first finished). The PCT row lock queues the two requests here, so the second
    sees the first. A file sent again after its load finished restates the same figures (no change)."""
    Pct.objects.select_for_update().filter(pk=stored.pct_id).first()
    loading = ExtractUpload.objects.filter(
        pct_id=stored.pct_id,
        dataset=stored.dataset,
        year=stored.year,
        checksum=stored.checksum,
        status__in=[UploadStatus.PENDING, UploadStatus.RUNNING],
    ).first()
    if loading is not None:
        raise Conflict(
            f"This file is already being loaded as upload {loading.pk} ({loading.filename}); "
            "it is loaded once. Follow that upload instead.",
            {"upload": loading.pk, "fields": {"file": ["Already being loaded."]}},
        )


def _queue(upload_id: int) -> None:
    """Process the upload once the transaction commits; refused now if the task queue is down."""
    queue.enqueue_on_commit(
        "activity.tasks.extract_process_task", upload_id, on_failure=lambda exc: _not_queued(upload_id, exc)
    )


def _not_queued(upload_id: int, exc: ApplicationError) -> None:
    ExtractUpload.objects.filter(pk=upload_id, status=UploadStatus.PENDING).update(
        status=UploadStatus.FAILED, finished=timezone.now(), error=f"{exc.message} Retry it."
    )


STALL_AFTER = timedelta(minutes=10)


def extract_mark_stalled(*, older_than: timedelta = STALL_AFTER) -> list[int]:
    """Mark as failed (and so retryable) the jobs whose worker stopped: no heartbeat for a while.

    A killed worker leaves its job 'processing' with unpublished rows; those rows never count, and the
    job is cleaned up when it is retried.
    """
    cutoff = timezone.now() - older_than
    stalled = list(
        ExtractUpload.objects.filter(status=UploadStatus.RUNNING, heartbeat__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    ExtractUpload.objects.filter(pk__in=stalled, status=UploadStatus.RUNNING, heartbeat__lt=cutoff).update(
        status=UploadStatus.FAILED,
        finished=timezone.now(),
        error="Processing stopped (the worker was lost). Nothing was published; retry it.",
        owner="",  # an owner that comes back to life can no longer publish
        lease_until=None,
    )
    return stalled


def extract_reclaim(*, now=None) -> dict[str, list[int]]:
    """Put back on the queue the jobs whose owner stopped renewing its lease (a killed or lost worker), so
    the next worker claims them; after ``PBC_JOB_MAX_ATTEMPTS`` claims, fail them for a person to look at.
    Runs every few seconds from beat: a lost job restarts within a lease and a sweep."""
    now = now or timezone.now()
    requeued, failed = [], []
    for pk, attempts in jobs.expired(now).values_list("pk", "attempts"):
        if attempts >= settings.PBC_JOB_MAX_ATTEMPTS:
            if (
                jobs.expired(now)
                .filter(pk=pk)
                .update(
                    status=UploadStatus.FAILED,
                    finished=now,
                    error=f"Processing stopped {attempts} times (the worker was lost). Nothing was published; "
                    "retry it, or ask the information team to check the file.",
                    owner="",
                    lease_until=None,
                )
            ):
                failed.append(pk)
            continue
        with transaction.atomic():
            _queue(pk)
        requeued.append(pk)
    if requeued or failed:
        logger.warning("extract jobs reclaimed", extra={"requeued": requeued, "failed": failed})
    return {"requeued": requeued, "failed": failed}


def extract_raw_files_purge(*, now=None) -> int:
    """Delete uploaded files older than the retention setting; their costed activity stays."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.PBC_RAW_FILE_RETENTION_DAYS)
    purged = 0
    for upload in (
        ExtractUpload.objects.filter(created__lt=cutoff).exclude(file="").exclude(status=UploadStatus.RUNNING)
    ):
        upload.file.delete(save=False)
        ExtractUpload.objects.filter(pk=upload.pk).update(file="")
        purged += 1
    return purged


def extract_upload_retry(*, upload: ExtractUpload, actor) -> ExtractUpload:
    if upload.status != UploadStatus.FAILED:
        from pbc.exceptions import Conflict

        raise Conflict("Only a failed upload can be retried.")
    if not upload.file or not default_storage.exists(upload.file.name):
        raise ApplicationError("The uploaded file is no longer kept; upload it again.")
    with transaction.atomic():
        ExtractUpload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.PENDING, error="", error_extra={}
        )
        _queue(upload.pk)
    upload.refresh_from_db()
    return upload


def extract_process(*, upload_id: int) -> ExtractUpload:
    """Read, cost, aggregate and store an upload, then publish it in one switch.

    Only the execution that claims the job works on it (``activity.jobs``): a second execution of the same
    task — a redelivery, a second worker, a retry while the first still runs — exits without effect. The
    owner's rows carry its attempt number; published figures change only in the final transaction, which
    only the owner can commit.
    """
    lease = jobs.claim(upload_id)
    if lease is None:
        return ExtractUpload.objects.get(pk=upload_id)
    upload = ExtractUpload.objects.get(pk=upload_id)
    try:
        with lease:
            # Work of earlier attempts is never counted; clear what a lost owner left behind.
            _discard_attempts(upload)
            slices, summary = _cost_and_store(upload, lease)
            _publish(upload, slices, summary, lease)
    except jobs.LeaseLost:
        logger.warning("extract job lost its lease", extra={"upload": upload_id, "attempt": lease.attempt})
        _discard_attempts(upload, only=lease.attempt)
        return ExtractUpload.objects.get(pk=upload_id)
    except extract_reader.ExtractRejected as exc:
        return _fail(upload, _reject(exc), lease)
    except ApplicationError as exc:
        return _fail(upload, exc, lease)
    except Exception as exc:
        _fail(
            upload,
            ApplicationError(f"Processing stopped unexpectedly ({type(exc).__name__}); retry it."),
            lease,
        )
        raise
    upload.refresh_from_db()
    for callback in _AFTER_PUBLISH:
        transaction.on_commit(lambda cb=callback: cb(upload.pk))
    return upload


def extract_wait(*, upload_id: int, timeout: float = 600.0, poll: float = 0.5) -> ExtractUpload:
    """Wait until the upload's job has finished (succeeded or failed), e.g. on a worker."""
    deadline = time.monotonic() + timeout
    while (upload := ExtractUpload.objects.get(pk=upload_id)).status in (
        UploadStatus.PENDING,
        UploadStatus.RUNNING,
    ):
        if time.monotonic() > deadline:
            raise ApplicationError(f"{upload.filename} is still being processed: is a Celery worker running?")
        time.sleep(poll)
    return upload


def _discard_attempts(upload: ExtractUpload, *, keep: int | None = None, only: int | None = None) -> None:
    """Delete stored rows of the upload: of one attempt (``only``), or of every attempt but ``keep``."""
    for model in (ActivityAggregate, ProblemRow, ActivityLine):
        rows = model.objects.filter(upload=upload)
        if only is not None:
            rows = rows.filter(attempt=only)
        elif keep is not None:
            rows = rows.exclude(attempt=keep)
        rows.delete()


def _fail(upload: ExtractUpload, exc: ApplicationError, lease: jobs.Lease) -> ExtractUpload:
    """Fail the job, if this execution still owns it; a lost owner's failure is not the job's."""
    failed = ExtractUpload.objects.filter(
        pk=upload.pk, owner=lease.owner, status=UploadStatus.RUNNING
    ).update(
        status=UploadStatus.FAILED,
        finished=timezone.now(),
        error=exc.message,
        error_extra=exc.extra,
        owner="",
        lease_until=None,
    )
    _discard_attempts(upload, only=lease.attempt)
    upload.refresh_from_db()
    if failed:
        logger.warning("extract failed", extra={"upload": upload.pk, "error": exc.message})
    return upload


def _key_hashes(keys: pd.Series) -> np.ndarray:
    return pd.util.hash_pandas_object(keys.astype("string").fillna(""), index=False).to_numpy()


_DATE_COLUMN = {Dataset.APC: "disdate", Dataset.OP: "apptdate", Dataset.AE: "arrivaldate"}


def _frame_slices(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Each read row's (provider, month) slice, as columns ``p`` and ``m`` (month start; NaT if undated)."""
    months = pd.to_datetime(frame[_DATE_COLUMN[dataset]], errors="coerce", format="%Y-%m-%d")
    return pd.DataFrame({"p": frame["procode3"].fillna(""), "m": months.dt.to_period("M").dt.start_time})


def _slice_counts(path: str, dataset: Dataset) -> dict[tuple[str, date], int]:
    """Spells per (provider, month) of a file, read cheaply before costing: the slices it restates."""
    counts: dict[tuple[str, date], int] = {}
    with _read(path, dataset, chunk_rows=CHUNK_ROWS, patient_keys=False) as stream:
        for frame in stream:
            for (provider, month), n in _frame_slices(frame, dataset).dropna().value_counts().items():
                key = (provider, month.date())
                counts[key] = counts.get(key, 0) + int(n)
    return counts


def _slices_of_file(upload: ExtractUpload, path: str, dataset: Dataset) -> set[tuple[str, date]]:
    """(provider, month) pairs an upload restates, read cheaply before costing."""
    return set(_slice_counts(path, dataset))


def _restatement_check(stored: ExtractUpload, path: str, dataset: Dataset) -> None:
    """Refuse (409, storing nothing) an upload that would shrink published slices to under the PCT's share
    or empty them, with each slice's figures before and after, until it is sent again confirmed."""
    published = ActivityAggregate.objects.current().filter(pct=stored.pct_id, dataset=dataset.value)
    if not published.exists():
        return
    after = _slice_counts(path, dataset)
    restated = Q(pk__in=[])
    for provider, month in after:
        restated |= Q(provider=provider, month=month)
    before = {
        (r["provider"], r["month"]): (r["activity"], r["cost"])
        for r in published.filter(restated)
        .values("provider", "month")
        .annotate(activity=Sum("activity"), cost=Sum("cost_pence"))
    }
    changes = restatement.shrinking_slices(before, after, min_share=settings.PBC_RESTATE_MIN_SHARE)
    if not changes:
        return
    costs = _slice_costs(stored, path, dataset, {(c.provider, c.month) for c in changes})
    shown = [{**c.as_dict(), "cost_after_pence": costs.get((c.provider, c.month), 0)} for c in changes]
    listed = "; ".join(
        f"{c['provider']} {c['month']}: {c['activity_before']:,} to {c['activity_after']:,} spells"
        for c in shown
    )
    raise Conflict(
        f"This file would replace {len(shown)} published provider-month(s) with much less activity ({listed}). "
        "Check the figures; if the file is right, send it again confirming the restatement.",
        {"slices": shown, "fields": {"confirm_restate": ["Confirm to replace these provider-months."]}},
    )


def _slice_costs(stored: ExtractUpload, path: str, dataset: Dataset, keys: set) -> dict:
    """The cost (pence) the file would publish for a few slices: their rows costed at the current tariff."""
    from activity.selectors import tariff_current, tariff_tables

    tables = tariff_tables(version=tariff_current(year=stored.year))
    practices = frozenset(Practice.objects.filter(pct=stored.pct_id).values_list("code", flat=True))
    costs: dict = {}
    with _read(path, dataset, chunk_rows=CHUNK_ROWS, patient_keys=False) as stream:
        for frame in stream:
            tags = _frame_slices(frame, dataset)
            wanted = [
                (p, m.date()) in keys if pd.notna(m) else False
                for p, m in zip(tags["p"], tags["m"], strict=True)
            ]
            part = frame[wanted]
            if part.empty:
                continue
            costed = costing.cost_activity(
                part, dataset, tariff=tables, financial_year=stored.year.fy, pct_practices=practices,
                all_known_practices=None, today=timezone.localdate(),
            )  # fmt: skip
            counted = costed[~costed["outcome"].astype(object).isin(_NOT_FIGURES)]
            for (provider, month), pence in (
                counted.groupby([counted["provider"].astype(object).fillna(""), "month"])["price_pence"]
                .sum()
                .items()
            ):
                key = (provider, month.date())
                costs[key] = costs.get(key, 0) + int(pence)
    return costs


def _loaded_keys(upload: ExtractUpload, path: str, dataset: Dataset) -> np.ndarray:
    """Record keys published by other current uploads, outside the months this upload restates."""
    others = list(
        ExtractUpload.objects.filter(pct=upload.pct, dataset=upload.dataset, status=UploadStatus.SUCCEEDED)
        .filter(Exists(ActivityAggregate.objects.filter(upload=OuterRef("pk"), is_current=True)))
        .exclude(pk=upload.pk)
        .values_list("pk", "attempts")
    )
    arrays = [a for a in (_read_keys(pk, attempt) for pk, attempt in others) if a is not None and len(a)]
    if not arrays:
        return np.empty(0, dtype=np.uint64)
    restated = _slices_of_file(upload, path, dataset)
    loaded = np.concatenate(arrays)
    if restated:
        provider_month = {f"{p}|{m:%Y-%m}" for p, m in restated}
        tags = np.char.add(np.char.add(loaded["provider"].astype(str), "|"), loaded["month"].astype(str))
        loaded = loaded[~np.isin(tags, list(provider_month))]
    return np.unique(loaded["key"])


_KEY_DTYPE = np.dtype([("key", "u8"), ("provider", "U5"), ("month", "U7")])


def _keys_name(upload_id: int, attempt: int) -> str:
    return f"extract_keys/{upload_id}-{attempt}.npy"


def _read_keys(upload_id: int, attempt: int) -> np.ndarray | None:
    name = _keys_name(upload_id, attempt)
    if not default_storage.exists(name):
        name = f"extract_keys/{upload_id}.npy"  # stored before uploads had attempts
        if not default_storage.exists(name):
            return None
    with default_storage.open(name, "rb") as fh:
        return np.load(fh, allow_pickle=False)


def _write_keys(upload: ExtractUpload, spill, count: int) -> None:
    """Store the ``count`` records spilled (raw ``_KEY_DTYPE`` bytes) as one .npy, a megabyte at a time."""
    with tempfile.TemporaryFile() as fh:
        header = {
            "descr": np.lib.format.dtype_to_descr(_KEY_DTYPE),
            "fortran_order": False,
            "shape": (count,),
        }
        np.lib.format.write_array_header_1_0(fh, header)
        spill.seek(0)
        while block := spill.read(1 << 20):
            fh.write(block)
        fh.seek(0)
        name = _keys_name(upload.pk, upload.attempts)
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, File(fh))


def _in_sorted(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """``np.isin(values, ordered)`` for a sorted ``ordered``, by binary search (no re-sort)."""
    if not len(ordered) or not len(values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return ordered[at] == values


def _merge_sorted(ordered: np.ndarray, more: np.ndarray) -> np.ndarray:
    """``np.union1d(ordered, more)`` for an ``ordered`` already sorted and unique: O(n + m log n), where
    union1d sorts everything again."""
    more = np.unique(more)
    if not len(ordered):
        return more
    new = more[~_in_sorted(more, ordered)]
    return np.insert(ordered, np.searchsorted(ordered, new), new)


def _mark_duplicates(costed: pd.DataFrame, hashes: np.ndarray, seen: np.ndarray, loaded: np.ndarray) -> None:
    """Keys seen in an earlier chunk of this file, or already published, make a row a duplicate."""
    outcome = costed["outcome"].astype(object).to_numpy()
    eligible = (
        ~np.isin(outcome, [Outcome.REJECTED.value, Outcome.DUPLICATE.value])
        & costed["record_key"].notna().to_numpy()
    )
    in_file = eligible & _in_sorted(hashes, seen)
    already = eligible & ~in_file & _in_sorted(hashes, loaded)
    for mask, reason in ((in_file, Reason.DUPLICATE_IN_FILE), (already, Reason.DUPLICATE_LOADED)):
        if mask.any():
            costed.loc[mask, "outcome"] = Outcome.DUPLICATE.value
            costed.loc[mask, "reason"] = reason.value
            # As the costing engine leaves its own duplicates: unpriced, nothing about pricing kept.
            costed.loc[mask, "price_pence"] = pd.NA
            costed.loc[mask, "excess_days"] = pd.NA
            costed.loc[mask, "price_reason"] = Reason.NONE.value
            costed.loc[mask, "mff_defaulted"] = False


_NOT_FIGURES = (Outcome.REJECTED.value, Outcome.DUPLICATE.value)  # kept for the upload's report only


def _cost_and_store(upload: ExtractUpload, lease: jobs.Lease) -> tuple[pd.DataFrame, dict]:
    """Cost and store the upload chunk by chunk. Returns the activity and cost it publishes per (provider,
    month) — the slices it restates — and the reader's summary."""
    from activity.selectors import tariff_current, tariff_tables

    dataset = Dataset(upload.dataset)
    version = tariff_current(year=upload.year)
    tables = tariff_tables(version=version)
    pct_practices = dict(Practice.objects.filter(pct=upload.pct).values_list("code", "pk"))
    path = upload.file.path
    loaded = _loaded_keys(upload, path, dataset)
    seen = np.empty(0, dtype=np.uint64)  # sorted, unique
    slice_parts: list[pd.DataFrame] = []
    spilled = 0
    problems_left = PROBLEM_ROW_SAMPLE
    today = timezone.localdate()
    with (
        tempfile.TemporaryFile() as spill,  # record keys as produced: nothing grows with the file in memory
        _read(
            path,
            dataset,
            chunk_rows=CHUNK_ROWS,
            max_bytes=settings.PBC_MAX_UPLOAD_BYTES,
            patient_keys=True,  # activity lines keep the keyed hash (never the pseudonym)
        ) as stream,
    ):
        for frame in stream:
            costed = costing.cost_activity(
                frame,
                dataset,
                tariff=tables,
                financial_year=upload.year.fy,
                pct_practices=frozenset(pct_practices),
                # The PCT holds its own practices, not the national list: any well-formed code outside
                # the PCT counts as non-PCT rather than invalid.
                all_known_practices=None,
                today=today,
            )
            del frame
            hashes = _key_hashes(costed["record_key"])
            _mark_duplicates(costed, hashes, seen, loaded)
            outcome = costed["outcome"].astype(object).to_numpy()
            kept = costed["record_key"].notna().to_numpy() & (outcome != Outcome.REJECTED.value)
            seen = _merge_sorted(seen, hashes[kept])
            live = kept & (outcome != Outcome.DUPLICATE.value)
            spilled += _spill_keys(spill, costed, hashes, live)
            agg = costing.aggregate_costed(costed)
            published = agg[~agg["outcome"].astype(object).isin(_NOT_FIGURES) & agg["month"].notna()]
            slice_parts.append(
                published.groupby([published["provider"].astype(object).fillna(""), "month"])[
                    ["activity", "price_pence"]
                ].sum()
            )
            _insert_aggregates(upload, dataset, agg, pct_practices)
            store_activity_lines(upload, costed, pct_practices)  # one row per costed spell (validation)
            if problems_left > 0:
                problems_left -= _store_problem_rows(upload, costed, problems_left)
            lease.renew(rows_read=stream.summary.rows_read, bytes_read=stream.summary.bytes_read)
        summary = stream.summary
        if summary.malformed_lines:
            _store_malformed(upload, dataset, summary.malformed_lines, problems_left)
        lease.renew(tariff=version)
        _write_keys(upload, spill, spilled)
    slices = pd.concat(slice_parts).groupby(level=[0, 1]).sum() if slice_parts else pd.DataFrame()
    return slices, {
        "rows_read": summary.rows_read,
        "malformed_rows": len(summary.malformed_lines),
        "spells": summary.rows_yielded,
        "episodes_folded": summary.episodes_folded,
        "episode_level": stream.episode_level,
        "tariff_version": version.version if version else None,
    }


def _spill_keys(spill, costed: pd.DataFrame, hashes: np.ndarray, live: np.ndarray) -> int:
    """Append the chunk's published record keys, with their provider and month, to ``spill``."""
    part = np.empty(int(live.sum()), dtype=_KEY_DTYPE)
    part["key"] = hashes[live]
    part["provider"] = costed["provider"].astype(object).fillna("").to_numpy()[live]
    months = costed["month"].to_numpy(dtype="datetime64[M]")[live]
    part["month"] = np.where(np.isnat(months), "", np.datetime_as_string(months, unit="M"))
    spill.write(part.tobytes())
    return len(part)


def _store_problem_rows(upload: ExtractUpload, costed: pd.DataFrame, limit: int) -> int:
    sample = costing.problem_rows(costed, limit=limit)
    ProblemRow.objects.bulk_create(
        [
            ProblemRow(
                upload=upload,
                attempt=upload.attempts,
                line_no=r.pop("line_no"),
                outcome=r.pop("outcome"),
                reason=r.pop("reason") or "",
                fields=r,
            )
            for r in (_plain(rec) for rec in sample.to_dict("records"))
        ]
    )
    return len(sample)


def _store_malformed(upload: ExtractUpload, dataset: Dataset, lines: list[int], sample: int) -> None:
    """Rows the reader could not split into the header's fields are rejected, with their line numbers."""
    row = {name: [pd.NA] for name in costing.GRAIN}
    row.update(
        month=[pd.NaT], ssem_eligible=[False], mff_defaulted=[False], outcome=[Outcome.REJECTED.value],
        reason=[Reason.MALFORMED_ROW.value], activity=[len(lines)], price_pence=[0], excess_days=[0],
    )  # fmt: skip
    frame = pd.DataFrame(row)
    frame["month"] = pd.to_datetime(frame["month"])
    frame["los_days"] = frame["los_days"].astype("Int64")
    _insert_aggregates(upload, dataset, frame, {})
    ProblemRow.objects.bulk_create(
        [
            ProblemRow(
                upload=upload,
                attempt=upload.attempts,
                line_no=n,
                outcome=Outcome.REJECTED,
                reason=Reason.MALFORMED_ROW,
                fields={},
            )
            for n in lines[: max(sample, 0)]
        ]
    )


def _plain(record: dict) -> dict:
    out = {}
    for key, value in record.items():
        if (
            value is None
            or value is pd.NA
            or value is pd.NaT
            or (isinstance(value, float) and np.isnan(value))
        ):
            out[key] = None
        elif isinstance(value, pd.Timestamp | date):
            out[key] = value.strftime("%Y-%m-%d")
        elif isinstance(value, np.integer | np.bool_):
            out[key] = value.item()
        else:
            out[key] = value if isinstance(value, int | bool) else str(value)
    return out


_AGG_TEXT = ("practice", "pod", "provider", "tretspef", "hrg", "ae_type", "outcome", "reason", "price_reason")


def _insert_aggregates(
    upload: ExtractUpload, dataset: Dataset, agg: pd.DataFrame, practice_ids: dict[str, int]
) -> None:
    """Store an aggregate frame, built column by column (no Python object per row).

    Rows are stored current unless rejected or duplicate (or the frame's own ``is_current`` says not);
    they count as figures only once the upload is published (``ActivityAggregate.objects.current()``).
    """
    n = len(agg)

    def text(column: str) -> pa.Array:
        return pc.fill_null(pa.array(agg[column].astype("string"), type=pa.string()), "")

    def integers(values: pd.Series, *, null_as_zero: bool = False) -> pa.Array:
        values = pd.to_numeric(values).astype("Int64")
        if null_as_zero:
            values = values.fillna(0)
        return pa.array(values, type=pa.int64())

    current = ~agg["outcome"].astype(object).isin(_NOT_FIGURES).to_numpy()
    if "is_current" in agg:
        current &= agg["is_current"].to_numpy(dtype=bool)
    table = pa.table(
        {
            "upload_id": pa.array(np.full(n, upload.pk, dtype=np.int64)),
            "pct_id": pa.array(np.full(n, upload.pct_id, dtype=np.int64)),
            "dataset": pa.array(np.full(n, dataset.value, dtype=object), type=pa.string()),
            "practice_id": integers(agg["practice"].astype(object).map(practice_ids)),
            "practice_code": text("practice"),
            "month": pa.array(agg["month"], from_pandas=True).cast(pa.date32()),
            **{column: text(column) for column in _AGG_TEXT if column != "practice"},
            "los_days": integers(agg["los_days"]),
            "ssem_eligible": pa.array(agg["ssem_eligible"].to_numpy(dtype=bool)),
            "mff_defaulted": pa.array(agg["mff_defaulted"].to_numpy(dtype=bool)),
            "activity": integers(agg["activity"]),
            "cost_pence": integers(agg["price_pence"], null_as_zero=True),
            "excess_days": integers(agg["excess_days"], null_as_zero=True),
            "is_current": pa.array(current),
            "attempt": pa.array(np.full(n, upload.attempts, dtype=np.int64)),
        }
    )
    bulk_insert_arrow(ActivityAggregate, table)


def _slice_totals(qs) -> dict[tuple[str, str], dict]:
    rows = qs.values("provider", "month").annotate(activity=Sum("activity"), cost=Sum("cost_pence"))
    return {
        (r["provider"], r["month"].isoformat()): {"activity": r["activity"], "cost_pence": r["cost"]}
        for r in rows
    }


def upload_quality(upload: ExtractUpload) -> dict:
    """The data-quality report, from what the upload stored (so it always matches the published figures)."""
    rows = (
        ActivityAggregate.objects.filter(upload=upload, attempt=upload.attempts)
        .values("outcome", "reason", "provider", "month", "mff_defaulted")
        .annotate(activity=Sum("activity"), price_pence=Sum("cost_pence"))
    )
    frame = pd.DataFrame.from_records(
        list(rows),
        columns=["outcome", "reason", "provider", "month", "mff_defaulted", "activity", "price_pence"],
    )
    frame["month"] = pd.to_datetime(frame["month"])
    frame["price_pence"] = frame["price_pence"].astype("Int64")
    return costing.data_quality_summary(frame)


def _publish(upload: ExtractUpload, slices: pd.DataFrame, summary: dict, lease: jobs.Lease) -> None:
    """The one switch: the upload becomes published (its rows were stored current, so they count from
    now), and the restated provider-months of earlier uploads stop being current — one transaction, whose
    writes are the old rows of the restated slices and the upload's own row, not the upload's activity.

    ``slices`` holds the activity and cost the upload publishes per (provider, month)."""
    quality = upload_quality(upload)  # outside the lock: the upload's rows no longer change
    quality.update(summary)
    by_provider: dict[str, list[date]] = {}
    for provider, month in slices.index:
        by_provider.setdefault(provider, []).append(month.date())
    restated = Q(pk__in=[])
    for provider, months in by_provider.items():
        restated |= Q(provider=provider, month__in=months)
    with transaction.atomic():
        Pct.objects.select_for_update().get(pk=upload.pct_id)  # one publication per PCT at a time
        owned = ExtractUpload.objects.select_for_update().filter(
            pk=upload.pk, owner=lease.owner, status=UploadStatus.RUNNING
        )
        if not owned.exists():
            raise jobs.LeaseLost(f"upload {upload.pk}: attempt {lease.attempt} no longer owns the job")
        _discard_attempts(upload, keep=lease.attempt)  # what a lost owner may still have written
        # The published figures of the other uploads, named by (upload, attempt) rather than by a join to
        # the uploads: PostgreSQL can plan an UPDATE through that join badly enough to take minutes.
        published = Q(pk__in=[])
        for pk, attempts in (
            ExtractUpload.objects.filter(
                pct_id=upload.pct_id, dataset=upload.dataset, status=UploadStatus.SUCCEEDED
            )
            .exclude(pk=upload.pk)
            .values_list("pk", "attempts")
        ):
            published |= Q(upload_id=pk, attempt=attempts)
        old = ActivityAggregate.objects.filter(
            pct_id=upload.pct_id, dataset=upload.dataset, is_current=True
        ).filter(published, restated)
        before = _slice_totals(old)
        replaced_uploads = sorted(set(old.values_list("upload_id", flat=True)))
        old.update(is_current=False)
        activity_lines_publish(upload, restated)  # the activity lines follow their aggregates
        after = {
            (provider, f"{month:%Y-%m-%d}"): {
                "activity": int(row.activity),
                "cost_pence": int(row.price_pence),
            }
            for (provider, month), row in slices.iterrows()
        }
        nothing = {"activity": 0, "cost_pence": 0}
        changes = [
            {"provider": key[0], "month": key[1], "activity_before": b["activity"], "activity_after": a["activity"],
             "cost_before_pence": b["cost_pence"], "cost_after_pence": a["cost_pence"]}
            for key in sorted(set(before) | set(after))
            for b, a in [(before.get(key, nothing), after.get(key, nothing))]
        ]  # fmt: skip
        owned.update(
            status=UploadStatus.SUCCEEDED,
            owner="",
            lease_until=None,
            finished=timezone.now(),
            published_at=timezone.now(),
            quality=quality,
            changes={"replaced_uploads": replaced_uploads, "slices": changes, "had_previous": bool(before)},
        )


def _stored_aggregates(rows) -> pd.DataFrame:
    """Stored aggregates back in the costing engine's frame shape (blank text → <NA>)."""
    stored = [("practice_code", "practice"), ("cost_pence", "price_pence")]
    names = dict(stored)
    fields = [
        f if f not in names.values() else {v: k for k, v in names.items()}[f]
        for f in (*costing.GRAIN, *costing.MEASURES)
    ]
    frame = pd.DataFrame.from_records(list(rows.values_list(*fields)), columns=fields).rename(columns=names)
    for column in (
        "practice",
        "pod",
        "provider",
        "tretspef",
        "hrg",
        "ae_type",
        "outcome",
        "reason",
        "price_reason",
    ):
        frame[column] = frame[column].astype("string").replace("", pd.NA)
    frame["month"] = pd.to_datetime(frame["month"])
    for column in ("los_days", "price_pence", "excess_days"):
        frame[column] = frame[column].astype("Int64")
    frame["activity"] = frame["activity"].astype("int64")
    frame["ssem_eligible"] = frame["ssem_eligible"].astype(bool)
    frame["mff_defaulted"] = frame["mff_defaulted"].astype(bool)
    return frame


def activity_recost_for_tariff(*, tariff_version_id: int) -> int:
    """Re-cost the year's published activity at a newly imported tariff version (e.g. activity that
    arrived before its year's tariff). Returns the number of uploads re-costed."""
    from activity.selectors import tariff_tables

    version = TariffVersion.objects.select_related("year").get(pk=tariff_version_id)
    if not version.is_current:
        return 0  # a newer version arrived meanwhile; its own task re-costs
    tables = tariff_tables(version=version)
    uploads = ExtractUpload.objects.filter(year=version.year, status=UploadStatus.SUCCEEDED).exclude(
        tariff=version
    )
    done = 0
    recosted_pcts: set[int] = set()
    for upload in uploads:
        rows = ActivityAggregate.objects.filter(upload=upload, attempt=upload.attempts)
        pct_practices = dict(Practice.objects.filter(pct=upload.pct).values_list("code", "pk"))
        with transaction.atomic():
            Pct.objects.select_for_update().get(pk=upload.pct_id)  # no publication restates it meanwhile
            if ExtractUpload.objects.filter(pk=upload.pk, tariff=version).exists():
                continue  # a second run of this task re-costed it meanwhile
            # Current and restated rows re-costed apart, so each keeps its state.
            parts = {
                current: _stored_aggregates(rows.filter(is_current=current)) for current in (True, False)
            }
            if all(agg.empty for agg in parts.values()):
                continue
            rows.delete()
            for current, agg in parts.items():
                if not agg.empty:
                    recosted = costing.recost_aggregates(agg, tariff=tables).assign(is_current=current)
                    _insert_aggregates(upload, Dataset(upload.dataset), recosted, pct_practices)
            activity_lines_recost(upload, tables)  # the activity lines follow their aggregates
            quality = {**upload.quality, **upload_quality(upload)}
            ExtractUpload.objects.filter(pk=upload.pk).update(tariff=version, quality=quality)
        done += 1
        recosted_pcts.add(upload.pct_id)
    start_year = version.year.start_year
    trigger = f"activity re-costed at tariff v{version.version}"
    for pct_id in sorted(recosted_pcts):  # what stands on the year's prices is rebuilt
        for callback in _AFTER_RECOST:
            transaction.on_commit(lambda cb=callback, p=pct_id: cb(p, start_year, trigger))
    return done


__all__ = [
    "activity_recost_for_tariff",
    "extract_check",
    "extract_mark_stalled",
    "extract_process",
    "extract_raw_files_purge",
    "extract_reclaim",
    "extract_upload_create",
    "extract_upload_retry",
    "extract_wait",
    "register_after_publish",
    "register_after_recost",
    "tariff_files_parse",
    "tariff_import",
    "upload_quality",
]
