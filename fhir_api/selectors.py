"""Scoped reads for the FHIR facade, built on the organisation and report selectors (so scope comes from
``pbc.permissions`` exactly as in the REST API: a practice manager sees their own practice and its
parents; providers are national reference data).

Searches page over several querysets at once (one count and at most one page query each), so their cost
does not grow with the number of organisations or reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from budgets.constants import TOTAL
from budgets.selectors import budget_category_list, report_row_list
from fhir_api.builders import MonthReport, split_org_id
from pbc import selectors as org


@dataclass(frozen=True)
class Page:
    total: int
    items: list  # (kind, object) pairs, or MonthReports


def _querysets(user) -> dict[str, QuerySet]:
    return {
        "pct": org.pct_list(user=user),
        "locality": org.locality_list(user=user),
        "practice": org.practice_list(user=user),
        "provider": org.provider_list(user=user),
    }


def _page_union(parts: Sequence[tuple[str, QuerySet]], *, offset: int, limit: int) -> Page:
    counts = [qs.count() for _, qs in parts]
    items: list = []
    skip, need = offset, limit
    for (kind, qs), n in zip(parts, counts, strict=True):
        if need <= 0:
            break
        if skip >= n:
            skip -= n
            continue
        chunk = list(qs.order_by("code")[skip : skip + need])
        items.extend((kind, obj) for obj in chunk)
        need -= len(chunk)
        skip = 0
    return Page(total=sum(counts), items=items)


def organization_get(*, user, logical_id: str):
    """``(kind, object)`` for an id like ``practice-L85001``; 404 when unknown or out of scope."""
    parsed = split_org_id(logical_id)
    if parsed is None:
        raise Http404("No such Organization.")
    kind, code = parsed
    obj = _querysets(user)[kind].filter(code=code).first()
    if obj is None:
        raise Http404("No such Organization, or not in your scope.")
    return kind, obj


def organization_search(*, user, code: str | None = "", name: str = "", offset: int, limit: int) -> Page:
    """Organisations of every kind, PCTs first; ``code`` ``None`` matches nothing, ``""`` anything."""
    if code is None:
        return Page(0, [])
    parts = []
    for kind, qs in _querysets(user).items():
        if code:
            qs = qs.filter(code=code)
        if name:
            qs = qs.filter(name__icontains=name)
        parts.append((kind, qs))
    return _page_union(parts, offset=offset, limit=limit)


def affiliation_get(*, user, logical_id: str):
    """``(kind, member)`` for ``<member id>.<primary id>`` while the member is still part of that primary."""
    from fhir_api.builders import affiliation_id

    member_id, _, _primary = logical_id.partition(".")
    try:
        kind, obj = organization_get(user=user, logical_id=member_id)
    except Http404:
        raise Http404("No such OrganizationAffiliation.") from None
    if kind not in ("practice", "locality") or affiliation_id(kind, obj) != logical_id:
        raise Http404("No such OrganizationAffiliation.")
    return kind, obj


def affiliation_search(
    *, user, participating: str | None = None, primary: str | None = None, offset: int, limit: int
) -> Page:
    """Localities in their PCT and practices in their locality (or PCT, without one), in scope."""
    qs = _querysets(user)
    localities, practices = qs["locality"], qs["practice"]
    for given, apply in ((participating, _by_member), (primary, _by_primary)):
        if given is not None:
            localities, practices = apply(given, localities, practices)
    return _page_union([("locality", localities), ("practice", practices)], offset=offset, limit=limit)


def _by_member(logical_id: str, localities: QuerySet, practices: QuerySet):
    parsed = split_org_id(logical_id)
    kind, code = parsed or ("", "")
    return (
        localities.filter(code=code) if kind == "locality" else localities.none(),
        practices.filter(code=code) if kind == "practice" else practices.none(),
    )


def _by_primary(logical_id: str, localities: QuerySet, practices: QuerySet):
    parsed = split_org_id(logical_id)
    kind, code = parsed or ("", "")
    if kind == "locality":
        return localities.none(), practices.filter(locality__code=code)
    if kind == "pct":
        return localities.filter(pct__code=code), practices.filter(locality__isnull=True, pct__code=code)
    return localities.none(), practices.none()


def _month_rows(user) -> QuerySet:
    """Practice report rows summed over providers: one per category (and the ``ALL`` total) and month."""
    return report_row_list(user=user).filter(level="practice", provider=TOTAL)


def _category_names(user, rows) -> dict[tuple[int, int], dict[str, str]]:
    keys = {(r.pct_id, r.year_id) for r in rows}
    names: dict[tuple[int, int], dict[str, str]] = {}
    if not keys:
        return names
    for pct_id, year_id, code, name in (
        budget_category_list(user=user)
        .filter(pct_id__in={k[0] for k in keys}, year_id__in={k[1] for k in keys})
        .values_list("pct_id", "year_id", "code", "name")
    ):
        names.setdefault((pct_id, year_id), {})[code] = name
    return names


@dataclass(frozen=True)
class Reports:
    total: int
    reports: list[tuple[MonthReport, dict[str, str]]]  # each with its category names


def _assemble(user, rows: list) -> list[tuple[MonthReport, dict[str, str]]]:
    names = _category_names(user, rows)
    grouped: dict[tuple[int, object], list] = {}
    for row in rows:
        grouped.setdefault((row.practice_id, row.month_start), []).append(row)
    out = []
    for group in grouped.values():
        first = group[0]
        report = MonthReport(
            practice=first.practice, pct=first.pct, month_start=first.month_start, rows=group
        )
        out.append((report, names.get((first.pct_id, first.year_id), {})))
    return out


def measure_report_get(*, user, practice_code: str, month_start) -> tuple[MonthReport, dict[str, str]]:
    rows = list(_month_rows(user).filter(practice__code=practice_code, month_start=month_start))
    if not rows:
        raise Http404("No such MeasureReport, or not in your scope.")
    return _assemble(user, rows)[0]


def measure_report_search(
    *, user, practice_code: str | None = "", months: Sequence[dict] = (), offset: int, limit: int
) -> Reports:
    """One report per practice × month that has rows, ordered by practice code then month.

    ``practice_code`` ``None`` matches nothing, ``""`` every practice in scope; ``months`` are lookups on
    ``month_start`` (from ``fhir.params.month_bounds``), all of which must hold."""
    if practice_code is None:
        return Reports(0, [])
    rows = _month_rows(user)
    if practice_code:
        rows = rows.filter(practice__code=practice_code)
    for lookup in months:
        rows = rows.filter(**lookup)
    keys = rows.order_by("practice__code", "month_start").values_list("practice_id", "month_start").distinct()
    total = keys.count()
    page = list(keys[offset : offset + limit]) if limit else []
    if not page:
        return Reports(total, [])
    wanted = set(page)
    loaded = rows.filter(practice_id__in={p for p, _ in page}, month_start__in={m for _, m in page}).order_by(
        "practice__code", "month_start", "category"
    )
    chosen = [r for r in loaded if (r.practice_id, r.month_start) in wanted]
    return Reports(total, _assemble(user, chosen))
