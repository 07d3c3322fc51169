"""Reads of referrals, narrowed to the user's scope; the counting rules are in :mod:`rules`.

Rates are computed for every practice of a PCT (a practice is judged against all its peers, including the
ones that made no referral in a specialty) and only the rows of practices in the user's scope are
returned: a practice user or token sees its own practice's figures, with the peer median and its funnel
position, never another practice's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd
from django.db.models import Count, QuerySet
from django.http import Http404

from activity.choices import DatasetChoice
from activity.extract_schema import OP_FIRST
from activity.referrals import rules
from activity.referrals.choices import ReferralOrigin, SourceGroup
from activity.referrals.models import Referral, ReferralUpload
from activity.validation.models import ActivityLine
from activity.validation.rules import month_end
from pbc.fiscal import FinancialYear as FY
from pbc.models import ListSize, Practice
from pbc.permissions import scope_queryset

__all__ = [
    "referral_counts",
    "referral_detail_counts",
    "referral_list",
    "referral_origin",
    "referral_rate_rows",
    "referral_upload_get",
    "referral_upload_list",
]

_COUNT_COLUMNS = ["practice_id", "specialty", "month", "source", "referrals"]


def referral_upload_list(*, user) -> QuerySet[ReferralUpload]:
    return scope_queryset(ReferralUpload.objects.select_related("pct", "actor"), user)


def referral_upload_get(*, user, pk: int) -> ReferralUpload:
    try:
        return referral_upload_list(user=user).get(pk=pk)
    except ReferralUpload.DoesNotExist as exc:
        raise Http404("No such referral upload, or not in your scope.") from exc


def referral_list(*, user) -> QuerySet[Referral]:
    return scope_queryset(Referral.objects.select_related("practice"), user)


def referral_origin(*, pct_id: int, year: FY) -> str:
    """A PCT's referrals for a year come from its referral extract when it has loaded one for the year,
    else from its published HES/SUS outpatient activity."""
    loaded = Referral.objects.filter(pct_id=pct_id, month__gte=year.start, month__lte=year.end).exists()
    return ReferralOrigin.EXTRACT if loaded else ReferralOrigin.OUTPATIENTS


_DETAIL_KEYS = ["practice_id", "provider", "specialty", "month", "source", "priority"]


def referral_detail_counts(
    *, pct_id: int, year: FY, practice_id: int | None = None
) -> tuple[str, pd.DataFrame]:
    """Referrals of a PCT's practices (or one practice) in a financial year by practice, provider,
    specialty, month, source group ("gp"/"other") and priority, and where they came from (the referral
    extract, or outpatients: :func:`referral_origin`). Columns: ``_DETAIL_KEYS`` + ``referrals``."""
    origin = referral_origin(pct_id=pct_id, year=year)
    if origin == ReferralOrigin.EXTRACT:
        referrals = Referral.objects.filter(pct_id=pct_id, month__gte=year.start, month__lte=year.end)
        if practice_id is not None:
            referrals = referrals.filter(practice_id=practice_id)
        rows = referrals.values(*_DETAIL_KEYS).annotate(referrals=Count("pk")).order_by()
        frame = pd.DataFrame.from_records(list(rows), columns=[*_DETAIL_KEYS, "referrals"])
        frame["source"] = frame["source"].map(rules.source_group)
    else:
        fields = ["practice_id", "provider", "firstatt", "refsourc", "reqdate", "activity_date", "tretspef",
                  "priority"]  # fmt: skip
        lines = (
            ActivityLine.objects.current()
            .filter(pct_id=pct_id, dataset=DatasetChoice.OP, firstatt__in=sorted(OP_FIRST))
            .filter(month__gte=year.start)  # a referral is made before (or when) it is attended
        )
        if practice_id is not None:
            lines = lines.filter(practice_id=practice_id)
        derived = rules.outpatient_referrals(
            pd.DataFrame.from_records(list(lines.values_list(*fields).order_by()), columns=fields)
        )
        derived = derived[
            (derived["month"] >= pd.Timestamp(year.start)) & (derived["month"] <= pd.Timestamp(year.end))
        ]
        frame = (
            derived.assign(source=derived["source_group"], month=derived["month"].dt.date)
            .groupby(_DETAIL_KEYS, as_index=False)
            .size()
            .rename(columns={"size": "referrals"})
        )
    if frame.empty:
        return origin, pd.DataFrame(columns=[*_DETAIL_KEYS, "referrals"])
    frame["referrals"] = frame["referrals"].astype("int64")
    return origin, frame


def referral_counts(*, pct_id: int, year: FY) -> tuple[str, pd.DataFrame]:
    """Referrals of every practice of a PCT per specialty, month and source group ("gp"/"other") in a
    financial year, and where they came from. Columns: ``practice_id``, ``specialty``, ``month`` (date),
    ``source`` (group), ``referrals``."""
    origin, frame = referral_detail_counts(pct_id=pct_id, year=year)
    if frame.empty:
        return origin, pd.DataFrame(columns=_COUNT_COLUMNS)
    keys = _COUNT_COLUMNS[:-1]
    return origin, frame.groupby(keys, as_index=False)["referrals"].sum()[_COUNT_COLUMNS]


def _monthly_lists(practice_ids: Iterable[int], months: list[date]) -> dict[tuple[int, date], int]:
    """The list size of each practice in each month: its latest list extract dated on or before the
    month's last day (none before it: no list size)."""
    ends = {month: month_end(month) for month in months}
    extracts = sorted(
        ListSize.objects.filter(practice_id__in=list(practice_ids), extract_date__lte=max(ends.values()))
        .values_list("practice_id", "extract_date", "patients")
        .order_by()
    )
    sizes: dict[tuple[int, date], int] = {}
    for month, end in ends.items():
        for practice_id, extract_date, patients in extracts:  # sorted: the latest on or before wins
            if extract_date <= end:
                sizes[(practice_id, month)] = patients
    return sizes


def referral_rate_rows(
    *,
    user,
    year: FY,
    practice: str | None = None,
    specialty: str | None = None,
    source: str | None = None,
) -> list[dict]:
    """Referral rates per practice × specialty × month × source group in ``year``, for the practices in
    the user's scope (``practice``: one of them by code; another practice's code gives no rows).

    Each row: ``practice``, ``practice_name``, ``locality``, ``specialty``, ``month`` (date), ``source``
    ("gp" or "other"), ``referrals``, ``list_size``, ``rate_per_1000`` (Decimal, half-up 2 dp), the same
    for the year to date (``ytd_referrals``, ``ytd_rate_per_1000``), ``peer_median`` (the PCT's practices
    that month), ``locality_median``, ``funnel_pct`` and ``funnel_locality`` (funnel-plot positions), and
    ``origin`` (referral extract or outpatients). Only rows with referrals are listed.
    """
    visible = scope_queryset(Practice.objects.select_related("locality"), user)
    if practice:
        visible = visible.filter(code__iexact=practice.strip())
    visible = list(visible.order_by("code"))
    rows: list[dict] = []
    for pct_id in sorted({p.pct_id for p in visible}):
        rows.extend(_pct_rows(pct_id, year, {p.pk for p in visible}, specialty, source))
    rows.sort(key=lambda r: (r["practice"], r["specialty"], r["month"], r["source"]))
    return rows


def _pct_rows(
    pct_id: int, year: FY, shown: set[int], specialty: str | None, source: str | None
) -> list[dict]:
    origin, counts = referral_counts(pct_id=pct_id, year=year)
    if specialty:
        counts = counts[counts["specialty"] == specialty.strip().upper()]
    if source:
        counts = counts[counts["source"] == source]
    if counts.empty or not set(counts["practice_id"]) & shown:
        return []
    practices = {p.pk: p for p in Practice.objects.filter(pct_id=pct_id).select_related("locality")}
    sizes = _monthly_lists(practices, year.months())
    table = rules.rate_table(
        counts,
        pd.DataFrame(
            {"practice_id": list(practices), "locality": [p.locality_id for p in practices.values()]},
            columns=["practice_id", "locality"],
        ),
        pd.DataFrame(
            [(pk, month, n) for (pk, month), n in sizes.items()],
            columns=["practice_id", "month", "list_size"],
        ),
    )
    table = table[table["practice_id"].isin(shown)]
    rows = []
    for r in table.to_dict("records"):
        p = practices[r["practice_id"]]
        rows.append(
            {
                **{k: r[k] for k in ("specialty", "month", "source", "referrals", "list_size", "rate_per_1000",
                                     "ytd_referrals", "ytd_rate_per_1000", "peer_median", "locality_median",
                                     "funnel_pct", "funnel_locality")},
                "referrals": int(r["referrals"]),
                "ytd_referrals": int(r["ytd_referrals"]),
                "practice": p.code,
                "practice_name": p.name,
                "locality": p.locality.code if p.locality else "",
                "source_label": SourceGroup(r["source"]).label,
                "origin": origin,
            }
        )  # fmt: skip
    return rows
