"""Writes of the monthly reports: rebuild a PCT's stored report rows for a year.

Run by a Celery task after each published extract (``register_after_publish``), after a budget version is
published, after activity is re-costed at a new tariff, nightly (beat), and on request by PCT finance.
Safe to run twice: it replaces the year's rows in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time

import pandas as pd
from django.db import connection, transaction
from django.db.models import Case, CharField, Count, Exists, F, Max, OuterRef, Q, Sum, Value, When
from django.utils import timezone

from activity.choices import DatasetChoice, UploadStatus
from activity.extract_schema import Outcome
from activity.models import ActivityAggregate, ExtractUpload
from activity.validation.selectors import activity_adjustments_counted
from budgets.budget_io import rag_thresholds
from budgets.categories import CategorySpec
from budgets.choices import BudgetStatus
from budgets.models import BudgetLine, BudgetSet, PeerActivity, ReportRow, ReportRun
from budgets.report_tables import ReportInputs, build_report
from budgets.services.budget_sets import budget_categories_for
from pbc import queue
from pbc.dbframes import bulk_insert_frame, queryset_frame
from pbc.fiscal import FinancialYear as FY
from pbc.models import FinancialYear, Pct, Practice

logger = logging.getLogger(__name__)

__all__ = ["category_case", "report_recompute", "report_recompute_after_upload", "reports_due"]

_REPORTED_OUTCOMES = (Outcome.COSTED.value, Outcome.UNCOSTED.value, Outcome.UNATTRIBUTED.value)


def category_case(specs: list[CategorySpec]) -> Case:
    """The category of each activity row, in SQL (same rules as :func:`budgets.categories.category_of`)."""
    whens = []
    for spec in specs:
        if spec.is_specialty:
            condition = Q(tretspef__in=list(spec.tretspefs))
            if spec.pods:
                condition &= Q(pod__in=list(spec.pods))
            whens.append(When(condition, then=Value(spec.code)))
    plain = [spec for spec in specs if not spec.is_specialty]
    if all(spec.pods == (spec.code,) for spec in plain):
        # The usual case, categories named after their POD: one membership test per row instead of one
        # comparison per category (a year is hundreds of thousands of rows).
        whens.append(When(pod__in=[spec.code for spec in plain], then=F("pod")))
    else:
        whens.extend(When(pod__in=list(spec.pods), then=Value(spec.code)) for spec in plain)
    return Case(*whens, default=Value(""), output_field=CharField())


def _year_rows(pct: Pct, fy: FY):
    return ActivityAggregate.objects.current().filter(
        pct=pct,
        dataset__in=DatasetChoice.values,  # lets PostgreSQL use the (pct, dataset, is_current, month) index
        month__gte=fy.start,
        month__lte=fy.end,
        outcome__in=_REPORTED_OUTCOMES,
    )


def _year_activity(pct: Pct, fy: FY, specs: list[CategorySpec]) -> pd.DataFrame:
    qs = (
        _year_rows(pct, fy)
        .annotate(category=category_case(specs))
        .values("practice_id", "month", "pod", "provider", "category")
        .annotate(activity=Sum("activity"), cost=Sum("cost_pence"))
        .order_by()
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # room to aggregate a year's rows in memory, not on disk
                cursor.execute("SET LOCAL work_mem = '64MB'")
                # A plain scan and hash aggregate: compiling it (JIT) costs more than it saves.
                cursor.execute("SET LOCAL jit = off")
        frame = _activity_frame(qs)
    adjustments = _year_adjustments(pct, fy, specs)
    if len(adjustments):  # accepted challenges, kept beside the raw activity (activity.validation)
        frame = pd.concat([frame, adjustments], ignore_index=True)
    frame["fm"] = ((frame["month"].dt.month - 4) % 12 + 1).astype("int64") if len(frame) else 0
    frame["provider"] = frame["provider"].fillna("")
    return frame


def _year_adjustments(pct: Pct, fy: FY, specs: list[CategorySpec]) -> pd.DataFrame:
    """The adjusting entries of accepted activity challenges, in the activity frame's shape (negative
    activity and cost), categorised as the activity they adjust."""
    qs = (
        activity_adjustments_counted(pct_id=pct.pk, start=fy.start, end=fy.end)
        .annotate(category=category_case(specs))
        .values("practice_id", "month", "pod", "provider", "category")
        .annotate(activity=Sum("activity"), cost=Sum("cost_pence"))
        .order_by()
    )
    return _activity_frame(qs)


def _activity_frame(qs) -> pd.DataFrame:
    return queryset_frame(
        qs,
        {
            "practice_id": "int",
            "month": "date",
            "pod": "text",
            "provider": "text",
            "category": "text",
            "activity": "int",
            "cost": "int",
        },
    )


def _quality(pct: Pct, year: FinancialYear) -> dict:
    """What the year's published uploads say about the data: rows by outcome, providers priced at MFF
    1.00000, months missing between a provider's first and last month."""
    uploads = (
        ExtractUpload.objects.filter(pct=pct, year=year, status=UploadStatus.SUCCEEDED)
        .filter(Exists(ActivityAggregate.objects.current().filter(upload=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "dataset", "filename", "published_at", "quality")
    )
    by_outcome: dict[str, dict[str, int]] = {}
    mff: set[str] = set()
    gaps: dict[str, list] = {}
    listed = []
    for pk, dataset, filename, published_at, quality in uploads:
        listed.append(
            {
                "id": pk,
                "dataset": dataset,
                "filename": filename,
                "published_at": published_at.isoformat() if published_at else None,
            }
        )
        for outcome, figures in (quality.get("by_outcome") or {}).items():
            into = by_outcome.setdefault(outcome, {"rows": 0, "value_pence": 0})
            into["rows"] += int(figures.get("rows") or 0)
            into["value_pence"] += int(figures.get("value_pence") or 0)
        mff.update(p.get("provider") or "" for p in quality.get("mff_defaulted_providers") or [])
        for provider, months in (quality.get("coverage_gaps") or {}).items():
            gaps.setdefault(provider, []).extend(months)
    return {
        "uploads": listed,
        "by_outcome": by_outcome,
        "mff_defaulted_providers": sorted(mff),
        "coverage_gaps": {p: sorted(set(m)) for p, m in gaps.items()},
    }


def _shares(published: BudgetSet | None, practice_ids: dict[str, int]) -> pd.DataFrame:
    columns = ["practice_id", "category", "provider", "baseline_pence"]
    baseline = getattr(published, "baseline", None) if published else None
    if baseline is None:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c.endswith(("_id", "_pence")) else object) for c in columns}
        )
    rows = [
        (practice_ids[code], category, provider, int(pence))
        for code, category, provider, pence in baseline.lines
        if code in practice_ids
    ]
    return pd.DataFrame.from_records(rows, columns=columns)


def _profile(published: BudgetSet | None) -> pd.DataFrame | None:
    baseline = getattr(published, "baseline", None) if published else None
    if baseline is None or not baseline.profile:
        return None
    rows = [
        (category, month, int(pence))
        for category, months in baseline.profile.items()
        for month, pence in enumerate(months, start=1)
    ]
    return pd.DataFrame.from_records(rows, columns=["category", "month", "baseline_pence"])


_ROW_COLUMNS = [
    "pct_id", "year_id", "budget_set_id", "level", "practice_id", "locality_id", "month", "month_start", "category",
    "provider", "activity_count", "ytd_activity_count", "actual_pence", "budget_pence", "annual_budget_pence",
    "ytd_budget_pence", "ytd_actual_pence", "variance_pence", "variance_tenths", "forecast_outturn_pence",
    "forecast_variance_pence", "rag", "is_future", "current_to",
]  # fmt: skip


def _row_frame(rows: pd.DataFrame, *, pct_id, year_id, budget_set_id, fy: FY, current_to):
    """The report frame with the table's columns, in ``_ROW_COLUMNS`` order (dates as ISO text, which
    every database takes and is cheap to write by the hundred thousand)."""
    month_start = {m: fy.month(m).isoformat() for m in range(1, 13)}
    out = rows.copy()
    out["month"] = out["month"].astype("int64")
    out["month_start"] = out["month"].map(month_start)
    out["pct_id"], out["year_id"] = pct_id, year_id
    out["budget_set_id"] = pd.array([budget_set_id] * len(out), dtype="Int64")
    out["current_to"] = current_to.isoformat() if current_to else None
    out["is_future"] = out["is_future"].astype(bool)
    return out[_ROW_COLUMNS]


def _peer_frame(peers: pd.DataFrame, *, pct_id: int, year_id: int, localities: dict) -> pd.DataFrame:
    """Peer counts with the table's columns, built column-wise (no Python loop over the rows)."""
    practice = peers["practice_id"].astype("int64")
    return pd.DataFrame(
        {
            "pct_id": pct_id,
            "year_id": year_id,
            "practice_id": practice,
            "locality_id": practice.map(localities).astype("Int64"),
            "month": peers["fm"].astype("int64"),
            "pod": peers["pod"].astype(object).fillna(""),
            "activity_count": peers["activity"].astype("int64"),
        }
    )


def _inputs_fingerprint(pct: Pct, fy: FY, published: BudgetSet | None, specs, practices, uploads) -> str:
    """A digest of everything the year's report is built from: the published budget version, the
    categories, the practices and their localities, the published uploads and the current activity (row
    count, totals and highest id, which change with any upload, restatement or re-costing)."""
    activity = _year_rows(pct, fy).aggregate(
        rows=Count("pk"), activity=Sum("activity"), cost=Sum("cost_pence"), last=Max("pk")
    )
    adjusted = activity_adjustments_counted(pct_id=pct.pk, start=fy.start, end=fy.end).aggregate(
        rows=Count("pk"), cost=Sum("cost_pence"), last=Max("pk")
    )
    inputs = {
        "budget_set": [published.pk, published.published_at.isoformat()] if published else None,
        "categories": [s.as_dict() for s in specs],
        "practices": sorted([pk, code, locality] for pk, code, locality in practices),
        "uploads": [[u["id"], u["published_at"]] for u in uploads],
        "activity": [activity["rows"], activity["activity"], activity["cost"], activity["last"]],
        "adjustments": [adjusted["rows"], adjusted["cost"], adjusted["last"]],
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def report_recompute(
    *, pct: Pct, year: FinancialYear, trigger: str, only_if_changed: bool = False
) -> ReportRun:
    """Rebuild the PCT's report rows for the year from the published activity and budgets.

    ``only_if_changed`` (the nightly job): when nothing the report is built from has changed since the
    last run, keep its rows and return that run.
    """
    started = timezone.now()
    clock = time.monotonic()
    fy = year.fy
    published = (
        BudgetSet.objects.filter(pct=pct, year=year, status=BudgetStatus.PUBLISHED)
        .select_related("baseline", "year")
        .first()
    )
    if published is not None and published.categories:
        specs = published.category_specs
    else:
        specs = [c.spec for c in budget_categories_for(pct=pct, year=year)]
    practices = list(Practice.objects.filter(pct=pct).values_list("pk", "code", "locality_id"))
    quality = _quality(pct, year)
    # Only the nightly job digests its inputs (one more pass over the year's rows); a run without a digest
    # is never taken as unchanged, so the first night after any other trigger rebuilds, then nights skip.
    fingerprint = None
    if only_if_changed:
        fingerprint = _inputs_fingerprint(pct, fy, published, specs, practices, quality["uploads"])
        last = ReportRun.objects.filter(pct=pct, year=year).order_by("-finished", "-pk").first()
        if last is not None and last.summary.get("inputs") == fingerprint:
            logger.info("reports unchanged", extra={"pct": pct.code, "year": year.label, "trigger": trigger})
            return last
    practice_ids = {code: pk for pk, code, _ in practices}
    localities = {pk: locality for pk, _, locality in practices}

    activity = _year_activity(pct, fy, specs)
    current_to = int(activity["fm"].max()) if len(activity) else 0
    attributed = activity[activity["practice_id"].notna()]
    budgeted = attributed[attributed["category"].notna()]
    actuals = (
        budgeted.groupby(["practice_id", "category", "provider", "fm"], as_index=False)[["activity", "cost"]]
        .sum()
        .rename(columns={"fm": "month", "activity": "activity_count", "cost": "actual_pence"})
    )
    actuals["practice_id"] = actuals["practice_id"].astype("int64")
    if published is not None:
        budgets = pd.DataFrame.from_records(
            list(
                BudgetLine.objects.filter(budget_set=published).values_list(
                    "practice_id", "category", "final_pence"
                )
            ),
            columns=["practice_id", "category", "annual_budget_pence"],
        )
        devolved = frozenset(published.devolved_codes)
    else:
        budgets = pd.DataFrame({"practice_id": [], "category": [], "annual_budget_pence": []})
        devolved = frozenset(s.code for s in specs if s.devolved)
    rows = build_report(
        ReportInputs(
            actuals=actuals,
            budgets=budgets,
            provider_shares=_shares(published, practice_ids),
            localities=localities,
            devolved=devolved,
            profile=_profile(published),
            phasing=published.phasing if published else "flat",
            thresholds=rag_thresholds(published),
            current_to=current_to,
            budgeted=published is not None,
        )
    )
    peers = (
        attributed.groupby(["practice_id", "fm", "pod"], as_index=False)["activity"].sum()
        if len(attributed)
        else pd.DataFrame(columns=["practice_id", "fm", "pod", "activity"])
    )
    unattributed = activity[activity["practice_id"].isna()]
    to_date = activity[activity["fm"] <= current_to] if current_to else activity
    summary = {
        "categories": [s.as_dict() for s in specs],
        "unattributed": {
            (c or "none"): {"activity": int(g["activity"].sum()), "cost_pence": int(g["cost"].sum())}
            for c, g in unattributed.groupby(unattributed["category"].fillna(""))
        },
        "unbudgeted": {
            "activity": int(attributed.loc[attributed["category"].isna(), "activity"].sum()),
            "cost_pence": int(attributed.loc[attributed["category"].isna(), "cost"].sum()),
        },
        "provider_last_month": {
            (p or ""): int(m) for p, m in to_date.groupby("provider")["fm"].max().items()
        },
        "quality": quality,
        "inputs": fingerprint,
    }
    current_to_date = fy.month(current_to) if current_to else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Derived rows, rebuilt by the next trigger or nightly if lost in a crash: no need to wait for
            # the write-ahead log to reach the disk before carrying on.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        Pct.objects.select_for_update().filter(pk=pct.pk).first()
        # Two runs of the year can overlap (a redelivered task, the nightly job beside an upload's): each
        # replaces all rows, so nothing is counted twice, and a run that started later read newer inputs,
        # so an older run that reaches the lock after it writes nothing.
        newer = ReportRun.objects.filter(pct=pct, year=year, started__gt=started).order_by("-started").first()
        if newer is not None:
            logger.info("reports superseded", extra={"pct": pct.code, "year": year.label, "trigger": trigger})
            return newer
        ReportRow.objects.filter(pct=pct, year=year).delete()
        PeerActivity.objects.filter(pct=pct, year=year).delete()
        count = bulk_insert_frame(
            ReportRow,
            _row_frame(
                rows,
                pct_id=pct.pk,
                year_id=year.pk,
                budget_set_id=published.pk if published else None,
                fy=fy,
                current_to=current_to_date,
            ),
        )
        bulk_insert_frame(
            PeerActivity, _peer_frame(peers, pct_id=pct.pk, year_id=year.pk, localities=localities)
        )
        run = ReportRun.objects.create(
            pct=pct,
            year=year,
            budget_set=published,
            trigger=trigger[:100],
            started=started,
            finished=timezone.now(),
            duration_ms=int((time.monotonic() - clock) * 1000),
            rows=count,
            current_to=current_to_date,
            summary=summary,
        )
    logger.info(
        "reports recomputed",
        extra={"pct": pct.code, "year": year.label, "rows": count, "ms": run.duration_ms, "trigger": trigger},
    )
    return run


def report_recompute_after_upload(upload_id: int) -> None:
    """After an extract is published: queue the recompute of its PCT's reports for its year."""
    upload = ExtractUpload.objects.filter(pk=upload_id).values("pct_id", "year__start_year").first()
    if upload:
        # Lost only while the queue is down, and rebuilt by the nightly run then.
        queue.send_or_log(
            "budgets.tasks.report_recompute_task",
            upload["pct_id"],
            upload["year__start_year"],
            f"extract {upload_id} published",
        )


def reports_due() -> list[tuple[int, int]]:
    """(PCT id, start year) of every year with published activity or a published budget."""
    pairs = set(
        BudgetSet.objects.filter(status=BudgetStatus.PUBLISHED).values_list("pct_id", "year__start_year")
    )
    pairs |= set(
        ExtractUpload.objects.filter(status=UploadStatus.SUCCEEDED)
        .values_list("pct_id", "year__start_year")
        .distinct()
        .order_by()
    )
    return sorted(pairs)
