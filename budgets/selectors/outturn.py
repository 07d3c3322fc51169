"""Outturn against budget from the PUBLISHED monthly reports: the one place other apps read it from
(freed-up resources declare savings from it; agreements read a practice's year-end overspend from it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from budgets.choices import BudgetStatus, ReportLevel
from budgets.constants import TOTAL
from budgets.models import BudgetSet, ReportRow
from pbc.exceptions import Conflict
from pbc.models import FinancialYear, Locality, Practice

YEAR_END_MONTH = 12


@dataclass(frozen=True)
class CategoryOutturn:
    """Year-to-date budget and outturn of one category."""

    category: str
    budget_pence: int
    outturn_pence: int


@dataclass(frozen=True)
class YearOutturn:
    """A practice's year: budget and outturn over all its devolved categories (outturn ``None`` while the
    reports do not yet hold the whole year)."""

    budget_pence: int
    outturn_pence: int | None

    @property
    def overspent(self) -> bool | None:
        return None if self.outturn_pence is None else self.outturn_pence > self.budget_pence


def budgets_published(*, pct_id: int, start_year: int) -> bool:
    return BudgetSet.objects.filter(
        pct_id=pct_id, year__start_year=start_year, status=BudgetStatus.PUBLISHED
    ).exists()


def budget_outturn(
    *,
    practice: Practice | None = None,
    locality: Locality | None = None,
    year: FinancialYear,
    categories: Sequence[str] = (),
    through_month: int = YEAR_END_MONTH,
) -> list[CategoryOutturn]:
    """Year-to-date budget and outturn per category through ``through_month``.

    Refuses (409) when the PCT has no published budgets for the year, or the reports hold no outturn for
    the period; ``categories`` empty means every category.
    """
    if (practice is None) == (locality is None):
        raise ValueError("Give exactly one of practice or locality.")
    owner = practice if practice is not None else locality
    if not budgets_published(pct_id=owner.pct_id, start_year=year.start_year):
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
        figures.append(CategoryOutturn(category=category, budget_pence=budget, outturn_pence=actual))
    missing = sorted(set(categories) - {f.category for f in figures})
    if missing or not figures:
        raise Conflict(
            f"The published reports for {owner.code} in {year} have no figures for "
            f"{', '.join(missing) or 'any category'} through month {through_month}.",
            {"fields": {"categories": [f"No published figures for {', '.join(missing) or 'any category'}."]}},
        )
    return figures


def practice_year_outturn(*, practice: Practice, start_year: int) -> YearOutturn | None:
    """The practice's year-end position over all its devolved categories (practice report rows hold only
    those); ``None`` when the year has no published reports for the practice."""
    if not budgets_published(pct_id=practice.pct_id, start_year=start_year):
        return None
    row = (
        ReportRow.objects.filter(
            year__start_year=start_year,
            level=ReportLevel.PRACTICE,
            practice=practice,
            month=YEAR_END_MONTH,
            provider=TOTAL,
        )
        .exclude(category=TOTAL)
        .values_list("ytd_budget_pence", "ytd_actual_pence")
    )
    rows = list(row)
    if not rows:
        return None
    budget = sum(b for b, _ in rows)
    actuals = [a for _, a in rows]
    outturn = None if any(a is None for a in actuals) else sum(actuals)
    return YearOutturn(budget_pence=budget, outturn_pence=outturn)
