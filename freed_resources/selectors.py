"""Reads of freed-up resources, scoped to the user; and the one read of the budgets app's figures."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from freed_resources.choices import EntryKind
from freed_resources.declarations import CategoryFigures
from freed_resources.models import Declaration, LedgerEntry, Pot, SchemeSetting, Split
from pbc.exceptions import Conflict
from pbc.models import FinancialYear, Locality, Practice
from pbc.permissions import scope_queryset


def budget_outturn(
    *,
    practice: Practice | None = None,
    locality: Locality | None = None,
    year: FinancialYear,
    categories: Sequence[str] = (),
    through_month: int = 12,
) -> list[CategoryFigures]:
    """Year-to-date budget and outturn per category from the PUBLISHED monthly reports.

    The only place that knows the budgets models. Refuses (409) when the PCT has no published budgets for
    the year, or the reports hold no outturn for the period; ``categories`` empty means every category.
    """
    from budgets.choices import BudgetStatus, ReportLevel
    from budgets.constants import TOTAL
    from budgets.models import BudgetSet, ReportRow

    if (practice is None) == (locality is None):
        raise ValueError("Give exactly one of practice or locality.")
    owner = practice if practice is not None else locality
    if not BudgetSet.objects.filter(pct_id=owner.pct_id, year=year, status=BudgetStatus.PUBLISHED).exists():
        raise Conflict(
            f"The budgets for {year} are not published yet, so nothing can be declared for {year}: "
            "PCT finance must publish the year's indicative budgets first.",
            {"fields": {"year": [f"No published budgets for {year}."]}},
        )
    rows = ReportRow.objects.filter(year=year, month=through_month, provider=TOTAL).exclude(category=TOTAL)
    if practice is not None:
        rows = rows.filter(level=ReportLevel.PRACTICE, practice=practice)
    else:
        rows = rows.filter(level=ReportLevel.LOCALITY, locality=locality)
    if categories:
        rows = rows.filter(category__in=list(categories))
    figures = []
    for category, budget, actual in rows.order_by("category").values_list(
        "category", "ytd_budget_pence", "ytd_actual_pence"
    ):
        if actual is None:
            raise Conflict(
                f"The reports hold no outturn for {category} through month {through_month} of {year}; "
                "declare for a period whose activity has been published."
            )
        figures.append(CategoryFigures(category=category, budget_pence=budget, outturn_pence=actual))
    missing = sorted(set(categories) - {f.category for f in figures})
    if missing or not figures:
        raise Conflict(
            f"The published reports for {owner.code} in {year} have no figures for "
            f"{', '.join(missing) or 'any category'} through month {through_month}.",
            {"fields": {"categories": [f"No published figures for {', '.join(missing) or 'any category'}."]}},
        )
    return figures


def scheme_list(*, user) -> QuerySet[SchemeSetting]:
    return scope_queryset(SchemeSetting.objects.select_related("pct", "year"), user)


def scheme_for(*, pct, year) -> SchemeSetting | None:
    return SchemeSetting.objects.filter(pct=pct, year=year).first()


def declaration_list(*, user, filters=None) -> QuerySet[Declaration]:
    from freed_resources.filters import DeclarationFilter

    qs = scope_queryset(
        Declaration.objects.select_related(
            "pct", "year", "practice", "locality", "confirmed_by", "created_by"
        ),
        user,
    )
    return DeclarationFilter(filters, queryset=qs).qs if filters is not None else qs


def declaration_get(*, user, pk: int) -> Declaration:
    return get_object_or_404(declaration_list(user=user), pk=pk)


def split_list(*, user) -> QuerySet[Split]:
    return scope_queryset(
        Split.objects.select_related("declaration", "declaration__year", "practice", "locality"), user
    )


def pot_list(*, user, filters=None) -> QuerySet[Pot]:
    from freed_resources.filters import PotFilter

    qs = scope_queryset(Pot.objects.select_related("pct", "year", "practice", "locality"), user)
    return PotFilter(filters, queryset=qs).qs if filters is not None else qs


def ledger_list(*, user, filters=None) -> QuerySet[LedgerEntry]:
    from freed_resources.filters import LedgerEntryFilter

    qs = scope_queryset(
        LedgerEntry.objects.select_related("year", "practice", "locality", "pot", "application"), user
    )
    return LedgerEntryFilter(filters, queryset=qs).qs if filters is not None else qs


def practice_get(*, user, code: str) -> Practice:
    from pbc import selectors as pbc_selectors

    return pbc_selectors.practice_get(user=user, code=code)


def statement(*, user, practice: Practice, year: FinancialYear) -> dict:
    """A practice's freed-up resources statement: declarations, split, pot, proposals."""
    from applications.choices import ApplicationKind
    from applications.models import Application

    declarations = list(declaration_list(user=user).filter(practice=practice, year=year))
    current = next((d for d in declarations if d.status == "confirmed"), None)
    split = Split.objects.filter(declaration=current).first() if current else None
    pot = pot_list(user=user).filter(practice=practice, year=year).first()
    proposals = list(
        scope_queryset(Application.objects.all(), user)
        .filter(kind=ApplicationKind.FREED_RESOURCES, practices=practice)
        .order_by("-created")
    )
    committed = {
        e.application_id: e.amount_pence
        for e in LedgerEntry.objects.filter(pot=pot, kind=EntryKind.COMMITTED)
        if pot is not None
    }
    for proposal in proposals:
        proposal.committed_pence = committed.get(proposal.pk)
    entries = list(ledger_list(user=user).filter(practice=practice, year=year))
    return {
        "practice": practice,
        "year": year,
        "declarations": declarations,
        "declaration": current,
        "split": split,
        "pot": pot,
        "proposals": proposals,
        "entries": entries,
    }


def pot_chart(*, pots) -> dict:
    """Cumulative declared and committed balances of each pot over time (for the chart and its table)."""
    series = []
    for pot in pots:
        declared = committed = 0
        points = []
        for entry in pot.entries.order_by("created", "pk"):
            if entry.kind == EntryKind.POT:
                declared += entry.amount_pence
            elif entry.kind in (EntryKind.COMMITTED, EntryKind.RELEASED):
                committed += entry.amount_pence
            else:
                continue
            points.append(
                {
                    "date": entry.created.date().isoformat(),
                    "declared": declared / 100,
                    "remaining": (declared - committed) / 100,
                }
            )
        series.append({"name": f"{pot.owner_label} {pot.year}", "points": points})
    return {"series": series}
