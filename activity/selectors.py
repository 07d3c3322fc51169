"""Reads of the activity side, narrowed to the user's scope."""

from __future__ import annotations

import pandas as pd
from django.db.models import QuerySet
from django.http import Http404

from activity import tariff_files
from activity.choices import TariffKind
from activity.models import TARIFF_MODELS, ActivityAggregate, ExtractUpload, ProblemRow, TariffVersion
from pbc.models import FinancialYear
from pbc.permissions import scope_queryset

_COLUMNS = {
    TariffKind.ADMITTED: tariff_files.ADMITTED_COLUMNS,
    TariffKind.OUTPATIENT: tariff_files.OUTPATIENT_COLUMNS,
    TariffKind.AE: tariff_files.AE_COLUMNS,
    TariffKind.MFF: tariff_files.MFF_COLUMNS,
}
_INT_SUFFIXES = ("_pence", "_days", "_scaled", "row")


def _get(qs: QuerySet, **lookup):
    try:
        return qs.get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404("Not found, or not in your scope.") from exc


def tariff_version_list(*, user, filters=None) -> QuerySet[TariffVersion]:
    from activity.filters import TariffVersionFilter

    qs = scope_queryset(TariffVersion.objects.select_related("year", "actor"), user)
    if filters is None:
        return qs
    fs = TariffVersionFilter(data=filters, queryset=qs)
    return fs.qs if fs.is_valid() else qs.none()


def tariff_rows(*, version: TariffVersion, kind: str) -> QuerySet:
    """One table of a tariff version (admitted, outpatient, ae or mff); national prices are open to all, so
    no scope applies. Pages filter it with ``budgets.filters.TARIFF_ROW_FILTERS[kind]``."""
    return TARIFF_MODELS[TariffKind(kind)].objects.filter(tariff=version)


def tariff_version_get(*, user, pk: int) -> TariffVersion:
    return _get(tariff_version_list(user=user), pk=pk)


def tariff_current(*, year: FinancialYear) -> TariffVersion | None:
    return TariffVersion.objects.filter(year=year, is_current=True).first()


def tariff_tables(*, version: TariffVersion | None) -> tariff_files.TariffTables | None:
    """A stored tariff version as the costing engine's tables (None: the year has no tariff)."""
    if version is None:
        return None
    tables = {}
    for kind in TariffKind.values:
        columns = list(_COLUMNS[TariffKind(kind)])
        rows = list(TARIFF_MODELS[TariffKind(kind)].objects.filter(tariff=version).values_list(*columns))
        if not rows and not version.has(kind):
            tables[kind] = None
            continue
        frame = pd.DataFrame.from_records(rows, columns=columns)
        for column in columns:
            if column.endswith(_INT_SUFFIXES):
                frame[column] = frame[column].astype("Int64")
            else:
                frame[column] = frame[column].astype("string")
        tables[kind] = frame
    return tariff_files.TariffTables(
        admitted=tables[TariffKind.ADMITTED],
        outpatient=tables[TariffKind.OUTPATIENT],
        ae=tables[TariffKind.AE],
        mff=tables[TariffKind.MFF],
    )


def upload_list(*, user) -> QuerySet[ExtractUpload]:
    return scope_queryset(ExtractUpload.objects.select_related("pct", "year", "actor", "tariff"), user)


def upload_get(*, user, pk: int) -> ExtractUpload:
    return _get(upload_list(user=user), pk=pk)


def problem_row_list(*, user, upload_pk: int, filters=None) -> QuerySet[ProblemRow]:
    """The problem rows (a sample, with line numbers) of an upload in the user's scope (404 otherwise)."""
    from activity.filters import ProblemRowFilter

    upload = upload_get(user=user, pk=upload_pk)
    qs = ProblemRow.objects.filter(upload=upload, attempt=upload.attempts).order_by("line_no", "pk")
    if filters is None:
        return qs
    fs = ProblemRowFilter(data=filters, queryset=qs)
    return fs.qs if fs.is_valid() else qs.none()


def activity_list(*, user, filters=None) -> QuerySet[ActivityAggregate]:
    from activity.filters import ActivityFilter

    qs = scope_queryset(
        ActivityAggregate.objects.current().select_related("practice", "practice__locality"),
        user,
    )
    if filters is None:
        return qs
    fs = ActivityFilter(data=filters, queryset=qs)
    return fs.qs if fs.is_valid() else qs.none()
