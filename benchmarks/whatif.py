"""Prototypes of the app changes RESULTS.md recommends, applied by monkeypatching, to measure their gain.

    python -m benchmarks.run --code HEAD --sizes 1000000 --db sqlite postgres --variant fast

Nothing here changes the app's files: ``benchmarks.child`` calls :func:`apply` (before the timed ingest) and
:func:`alter_schema` (after migrating) when a run asks for a variant, and the run is verified against the
DuckDB reference like any other, so a prototype that changed the results would show as a mismatch. Each
prototype stands for a change described in RESULTS.md; they are written against revision 4b0ae25 of
``budgets/services/__init__.py`` and ``budgets/extract_reader.py``.

Variants (comma-separated names, or ``fast`` for all of them):

* ``nohash`` — ``extract_reader``: do not compute the keyed patient hash for a spell-level file (it is used
  only to fold HES episodes into spells; nothing stores it). Prototype: the hasher returns nulls.
* ``dedupe`` — ``services._cost_and_store``/``_mark_duplicates``: keep the record-key hashes already seen as
  one sorted array, test membership with ``searchsorted`` and merge each chunk in (``np.insert``), instead of
  ``np.isin`` + ``np.union1d`` (which re-sort everything seen, every chunk).
* ``copy`` — ``services._insert_aggregates``: build the rows column-wise with pyarrow (COPY text written by
  ``pyarrow.csv`` on PostgreSQL; ISO-date strings and plain ints for SQLite's executemany) instead of a Python
  loop per row, and mark the rows' ``is_current`` at insert time (see ``publish``).
* ``publish`` — ``services._publish``: no ``UPDATE … SET is_current`` over the upload's rows. Stands for
  publishing by pointer (the upload, or its provider-months, marked current in a small table that reads join),
  which makes publication O(provider-months) instead of O(rows). Needs ``copy``.
* ``schema`` — ``budgets.models.ActivityAggregate``: no single-column indexes on ``upload``, ``pct`` and
  ``practice`` (``db_index=False``: each is the leading column of a composite index already) and, on
  PostgreSQL, no database foreign keys on them (``db_constraint=False``; Django still enforces PROTECT and
  CASCADE itself), so bulk loads skip three index updates and three deferred constraint checks per row.
* ``keys`` — ``services._write_keys``: stream the record keys into the storage file instead of concatenating
  them and copying the result twice through ``BytesIO`` (peak memory at 5M spells).
* ``loop`` — ``services._cost_and_store`` (a copy with four changes): each chunk's record keys are appended to
  a temporary file as they are produced (the same ``.npy`` is written at the end by streaming that file), so
  they no longer accumulate in memory (56 bytes a spell); their month text comes from
  ``np.datetime_as_string`` instead of ``Series.dt.strftime``; the restated (provider, month) pairs are taken
  from the distinct pairs of the chunk's aggregates instead of a Python ``zip`` over every aggregate row;
  ``seen`` is merged with ``_merge_sorted`` (the ``dedupe`` prototype) instead of ``np.union1d``.

``fast`` is all of them (``keys`` is then unused: ``loop`` writes the keys its own way).
"""

from __future__ import annotations

import io
import tempfile
import types

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

ALL = ("nohash", "dedupe", "copy", "publish", "schema", "keys", "loop")
_MARK_CURRENT_AT_INSERT = False  # set by the 'publish' prototype


def parse(variant: str | None) -> set[str]:
    if not variant:
        return set()
    names = set(ALL) if variant == "fast" else {v.strip() for v in variant.split(",") if v.strip()}
    unknown = names - set(ALL)
    if unknown:
        raise SystemExit(f"unknown variant(s): {', '.join(sorted(unknown))}; choose from {', '.join(ALL)}")
    if "publish" in names and "copy" not in names:
        raise SystemExit("the 'publish' prototype needs 'copy' (rows are marked current when inserted)")
    return names


# --------------------------------------------------------------------------------------------- schema
def alter_schema(names: set[str]) -> list[str]:
    """Drop what the ``schema`` prototype removes from the freshly migrated table; returns the statements."""
    if "schema" not in names:
        return []
    from django.db import connection

    from budgets.models import ActivityAggregate

    table = ActivityAggregate._meta.db_table
    done = []
    with connection.cursor() as cursor:
        single = {
            name
            for name, info in connection.introspection.get_constraints(cursor, table).items()
            if info["index"] and info["columns"] in (["upload_id"], ["pct_id"], ["practice_id"])
        }
        foreign = {
            name
            for name, info in connection.introspection.get_constraints(cursor, table).items()
            if info["foreign_key"] and info["columns"] in (["upload_id"], ["pct_id"], ["practice_id"])
        }
        for name in sorted(single):
            sql = f'DROP INDEX "{name}"'
            cursor.execute(sql)
            done.append(sql)
        if connection.vendor == "postgresql":
            for name in sorted(foreign):
                sql = f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'
                cursor.execute(sql)
                done.append(sql)
    return done


# --------------------------------------------------------------------------------------------- patches
def _in_sorted(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    if not len(ordered) or not len(values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return ordered[at] == values


def _merge_sorted(ordered: np.ndarray, more: np.ndarray) -> np.ndarray:
    """``np.union1d(ordered, more)`` for an ``ordered`` that is already sorted and unique, in O(n + m log n)."""
    more = np.unique(more)
    if not len(ordered):
        return more
    new = more[~_in_sorted(more, ordered)]
    return np.insert(ordered, np.searchsorted(ordered, new), new)


def apply(names: set[str]) -> None:
    """Install the chosen prototypes (call after ``django.setup()``, before the ingest)."""
    from budgets import extract_reader, services

    if "nohash" in names:

        def keys(self, values: pa.ChunkedArray) -> pa.ChunkedArray:
            return pa.chunked_array([pa.nulls(len(values), type=pa.string())])

        extract_reader._PatientHasher.keys = keys

    if "dedupe" in names:
        from budgets.extract_schema import Outcome, Reason

        def mark_duplicates(costed, hashes, seen, loaded):
            outcome = costed["outcome"].astype(object).to_numpy()
            eligible = (
                ~np.isin(outcome, [Outcome.REJECTED.value, Outcome.DUPLICATE.value])
                & costed["record_key"].notna().to_numpy()
            )
            in_file = eligible & _in_sorted(hashes, seen)
            already = eligible & ~in_file & _in_sorted(hashes, loaded)
            for mask, reason in ((in_file, Reason.DUPLICATE_IN_FILE), (already, Reason.DUPLICATE_LOADED)):
                if mask.any():  # as services._mark_duplicates (4b0ae25) does, membership test aside
                    costed.loc[mask, "outcome"] = Outcome.DUPLICATE.value
                    costed.loc[mask, "reason"] = reason.value
                    costed.loc[mask, "price_pence"] = pd.NA
                    costed.loc[mask, "excess_days"] = pd.NA
                    costed.loc[mask, "price_reason"] = Reason.NONE.value
                    costed.loc[mask, "mff_defaulted"] = False

        services._mark_duplicates = mark_duplicates
        proxy = types.ModuleType("numpy_with_sorted_union")
        proxy.__getattr__ = lambda name: getattr(np, name)  # type: ignore[method-assign]
        proxy.union1d = _merge_sorted  # only _cost_and_store calls union1d, always with the sorted 'seen'
        services.np = proxy

    if "copy" in names:
        global _MARK_CURRENT_AT_INSERT
        _MARK_CURRENT_AT_INSERT = "publish" in names
        services._insert_aggregates = _insert_aggregates_columnar

    if "publish" in names:
        services._publish = _make_publish_without_update(services)

    if "loop" in names:
        services._cost_and_store = _make_cost_and_store(services)

    if "keys" in names:

        def write_keys(upload_id: int, parts: list[np.ndarray]) -> None:
            from django.core.files import File
            from django.core.files.storage import default_storage

            total = sum(len(p) for p in parts)
            with tempfile.TemporaryFile() as fh:
                header = {"descr": np.lib.format.dtype_to_descr(services._KEY_DTYPE), "fortran_order": False}
                np.lib.format.write_array_header_1_0(fh, {**header, "shape": (total,)})
                for part in parts:  # same .npy file as np.save(concatenate(parts)), without the copies
                    fh.write(part.astype(services._KEY_DTYPE, copy=False).tobytes())
                fh.seek(0)
                name = services._keys_name(upload_id)
                if default_storage.exists(name):
                    default_storage.delete(name)
                default_storage.save(name, File(fh))

        services._write_keys = write_keys


def _insert_aggregates_columnar(upload, dataset, agg: pd.DataFrame, practice_ids, *, current: bool = False):
    """``services._insert_aggregates``, column-wise. With the ``publish`` prototype, rows that are neither
    rejected nor duplicate are marked current here, as publishing no longer flips them."""
    from django.db import connection, transaction

    from budgets import services
    from budgets.extract_schema import Outcome
    from budgets.models import ActivityAggregate

    n = len(agg)
    text = {
        c: pa.array(agg[c].astype(object).where(agg[c].notna(), "").to_numpy(), type=pa.string())
        for c in (
            "practice",
            "pod",
            "provider",
            "tretspef",
            "hrg",
            "ae_type",
            "outcome",
            "reason",
            "price_reason",
        )
    }
    outcome = agg["outcome"].astype(object).to_numpy()
    live = ~np.isin(outcome, [Outcome.REJECTED.value, Outcome.DUPLICATE.value]) & _MARK_CURRENT_AT_INSERT
    practice_id = pd.Series(agg["practice"].astype(object)).map(practice_ids).astype("Int64")
    columns = {
        "upload_id": pa.array(np.full(n, upload.pk, dtype=np.int64)),
        "pct_id": pa.array(np.full(n, upload.pct_id, dtype=np.int64)),
        "dataset": pa.array([dataset.value] * n, type=pa.string()),
        "practice_id": pa.array(
            practice_id.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True
        ).cast(pa.int64()),
        "practice_code": text["practice"],
        "month": pa.array(agg["month"], from_pandas=True).cast(pa.date32()).cast(pa.string()),
        "pod": text["pod"],
        "provider": text["provider"],
        "tretspef": text["tretspef"],
        "hrg": text["hrg"],
        "ae_type": text["ae_type"],
        "los_days": pa.array(
            agg["los_days"].astype("Int64").to_numpy(dtype="float64", na_value=np.nan), from_pandas=True
        ).cast(pa.int64()),  # fmt: skip
        "ssem_eligible": pa.array(agg["ssem_eligible"].to_numpy(dtype=bool)),
        "outcome": text["outcome"],
        "reason": text["reason"],
        "price_reason": text["price_reason"],
        "mff_defaulted": pa.array(agg["mff_defaulted"].to_numpy(dtype=bool)),
        "activity": pa.array(agg["activity"].to_numpy(dtype="int64")),
        "cost_pence": pa.array(agg["price_pence"].astype("Int64").fillna(0).to_numpy(dtype="int64")),
        "excess_days": pa.array(agg["excess_days"].astype("Int64").fillna(0).to_numpy(dtype="int64")),
        "is_current": pa.array(live | current),
    }
    assert list(columns) == list(services._AGG_COLUMNS)
    table = ActivityAggregate._meta.db_table
    names = ", ".join(columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            pacsv.write_csv(pa.table(columns), buffer, pacsv.WriteOptions(include_header=False))
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            arrow = pa.table(columns)
            for start in range(0, n, 50_000):  # Python tuples for 50k rows at a time: bounded memory
                part = arrow.slice(start, 50_000)
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
                    list(zip(*(column.to_pylist() for column in part.columns), strict=True)),
                )


def _make_publish_without_update(services):
    """``services._publish`` minus the UPDATE that flips the upload's own rows to current."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from budgets.choices import UploadStatus
    from budgets.extract_schema import Outcome
    from budgets.models import ActivityAggregate, ExtractUpload
    from pbc.models import Pct

    def publish(upload, slices, summary) -> None:
        with transaction.atomic():
            Pct.objects.select_for_update().get(pk=upload.pct_id)
            by_provider: dict = {}
            for provider, month in slices:
                by_provider.setdefault(provider, []).append(month)
            restated = Q(pk__in=[])
            for provider, months in by_provider.items():
                restated |= Q(provider=provider, month__in=months)
            old = (
                ActivityAggregate.objects.filter(pct=upload.pct, dataset=upload.dataset, is_current=True)
                .exclude(upload=upload)
                .filter(restated)
            )
            before = services._slice_totals(old)
            replaced_uploads = sorted(set(old.values_list("upload_id", flat=True)))
            old.update(is_current=False)
            # (prototype) the upload's own rows were inserted current: no UPDATE over them here.
            after = services._slice_totals(
                ActivityAggregate.objects.filter(upload=upload, is_current=True)
                .filter(restated)
                .exclude(outcome__in=[Outcome.REJECTED, Outcome.DUPLICATE])
            )
            changes = [
                {"provider": k[0], "month": k[1], "activity_before": 0, "activity_after": a["activity"],
                 "cost_before_pence": 0, "cost_after_pence": a["cost_pence"]}
                for k, a in sorted(after.items())
            ]  # fmt: skip
            if replaced_uploads:
                raise NotImplementedError("the prototype times a first upload only")
            quality = services.upload_quality(upload)
            quality.update(summary)
            ExtractUpload.objects.filter(pk=upload.pk).update(
                status=UploadStatus.SUCCEEDED,
                finished=timezone.now(),
                published_at=timezone.now(),
                quality=quality,
                changes={
                    "replaced_uploads": replaced_uploads,
                    "slices": changes,
                    "had_previous": bool(before),
                },
            )

    return publish


def _make_cost_and_store(services):
    """``services._cost_and_store`` of 4b0ae25 with the ``loop`` changes (see the module docstring)."""
    from datetime import date

    from django.conf import settings
    from django.core.files import File
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from budgets import costing, extract_reader
    from budgets.extract_schema import Dataset, Outcome
    from budgets.models import ExtractUpload, ProblemRow
    from pbc.models import Practice

    def write_keys(upload_id: int, spill, count: int) -> None:
        """The .npy that ``_write_keys`` writes, from the spilled raw records, a megabyte at a time."""
        with tempfile.TemporaryFile() as fh:
            header = {"descr": np.lib.format.dtype_to_descr(services._KEY_DTYPE), "fortran_order": False}
            np.lib.format.write_array_header_1_0(fh, {**header, "shape": (count,)})
            spill.seek(0)
            while block := spill.read(1 << 20):
                fh.write(block)
            fh.seek(0)
            name = services._keys_name(upload_id)
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, File(fh))

    services._write_keys = write_keys  # timed as "write record keys" by the benchmark's wrapper

    def cost_and_store(upload):
        from budgets.selectors import tariff_current, tariff_tables

        dataset = Dataset(upload.dataset)
        version = tariff_current(year=upload.year)
        tables = tariff_tables(version=version)
        pct_practices = dict(Practice.objects.filter(pct=upload.pct).values_list("code", "pk"))
        path = upload.file.path
        loaded = services._loaded_keys(upload, path, dataset)
        seen = np.empty(0, dtype=np.uint64)
        slices: set[tuple[str, date]] = set()
        problems_left = services.PROBLEM_ROW_SAMPLE
        today = timezone.localdate()
        spilled = 0
        with (
            tempfile.TemporaryFile() as spill,
            extract_reader.read_extract(
                path, dataset, patient_salt=services._salt(), chunk_rows=services.CHUNK_ROWS,
                max_bytes=settings.PBC_MAX_UPLOAD_BYTES,
            ) as stream,
        ):  # fmt: skip
            for frame in stream:
                costed = costing.cost_activity(
                    frame, dataset, tariff=tables, financial_year=upload.year.fy,
                    pct_practices=frozenset(pct_practices), all_known_practices=None, today=today,
                )  # fmt: skip
                hashes = services._key_hashes(costed["record_key"])
                services._mark_duplicates(costed, hashes, seen, loaded)
                outcome = costed["outcome"].astype(object).to_numpy()
                kept = costed["record_key"].notna().to_numpy() & (outcome != Outcome.REJECTED.value)
                seen = _merge_sorted(seen, hashes[kept])
                live = kept & (costed["outcome"].astype(object).to_numpy() != Outcome.DUPLICATE.value)
                part = np.empty(int(live.sum()), dtype=services._KEY_DTYPE)
                part["key"] = hashes[live]
                part["provider"] = costed.loc[live, "provider"].astype(object).fillna("").to_numpy()
                months = costed["month"].to_numpy(dtype="datetime64[M]")[live]
                text = np.datetime_as_string(months, unit="M")
                part["month"] = np.where(np.isnat(months), "", text)
                spill.write(part.tobytes())
                spilled += len(part)
                agg = costing.aggregate_costed(costed)
                in_use = (
                    ~agg["outcome"].astype(object).isin([Outcome.REJECTED.value, Outcome.DUPLICATE.value])
                    & agg["month"].notna()
                )
                pairs = agg.loc[in_use, ["provider", "month"]].drop_duplicates()
                slices.update(
                    zip(pairs["provider"].astype(object).fillna(""), pairs["month"].dt.date, strict=True)
                )
                services._insert_aggregates(upload, dataset, agg, pct_practices)
                if problems_left > 0:
                    sample = costing.problem_rows(costed, limit=problems_left)
                    ProblemRow.objects.bulk_create(
                        [
                            ProblemRow(
                                upload=upload, line_no=r.pop("line_no"), outcome=r.pop("outcome"),
                                reason=r.pop("reason") or "", fields=r,
                            )
                            for r in (services._plain(rec) for rec in sample.to_dict("records"))
                        ]
                    )  # fmt: skip
                    problems_left -= len(sample)
                ExtractUpload.objects.filter(pk=upload.pk).update(
                    rows_read=stream.summary.rows_read, heartbeat=timezone.now()
                )
            summary = stream.summary
            if summary.malformed_lines:
                services._store_malformed(upload, dataset, summary.malformed_lines, problems_left)
            services._write_keys(upload.pk, spill, spilled)
        ExtractUpload.objects.filter(pk=upload.pk).update(tariff=version)
        return slices, {
            "rows_read": summary.rows_read,
            "malformed_rows": len(summary.malformed_lines),
            "spells": summary.rows_yielded,
            "episodes_folded": summary.episodes_folded,
            "episode_level": stream.episode_level,
            "tariff_version": version.version if version else None,
        }

    return cost_and_store
