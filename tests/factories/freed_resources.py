"""Published budgets and report rows for freed-up resources tests (written directly: the figures a
declaration reads), and helpers that build a confirmed declaration and a proposal ready for the PEC."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from freed_resources import services
from freed_resources.splits import BANES_SCHEME, HERTFORDSHIRE_SCHEME, NATIONAL_SCHEME, scheme_to_dict
from pbc.models import FinancialYear

POUND = 100
SCHEMES = {"national": NATIONAL_SCHEME, "hertfordshire": HERTFORDSHIRE_SCHEME, "banes": BANES_SCHEME}


def fy(start_year: int = 2007) -> FinancialYear:
    return FinancialYear.objects.get_or_create(start_year=start_year)[0]


def published_budgets(pct, start_year: int = 2007, *, status: str = "published"):
    from budgets.models import BudgetSet

    return BudgetSet.objects.create(
        pct=pct,
        year=fy(start_year),
        version=1,
        status=status,
        baseline_start=date(start_year - 1, 4, 1),
        baseline_end=date(start_year, 3, 1),
        published_at=timezone.now() if status == "published" else None,
    )


def report_figures(owner, figures: dict, *, start_year: int = 2007, month: int = 12, level: str = "practice"):
    """``figures``: category → (YTD budget £, YTD actual £) at ``month`` for a practice or locality."""
    from budgets.models import ReportRow

    year = fy(start_year)
    for category, (budget, actual) in figures.items():
        ReportRow.objects.create(
            pct=owner.pct,
            year=year,
            level=level,
            practice=owner if level == "practice" else None,
            locality=owner if level == "locality" else None,
            month=month,
            month_start=year.fy.month(month),
            category=category,
            provider="ALL",
            budget_pence=budget * POUND // 12,
            annual_budget_pence=budget * POUND,
            ytd_budget_pence=budget * POUND,
            ytd_actual_pence=actual * POUND,
        )


def set_scheme(pct, key: str = "national", start_year: int = 2007, actor=None):
    return services.scheme_set(pct=pct, year=fy(start_year), data=scheme_to_dict(SCHEMES[key]), actor=actor)


def confirmed_declaration(world, practice=None, *, figures=None, scheme: str = "national", start_year=2007):
    """Published budgets, report rows, a scheme and a confirmed practice declaration (£200,000 freed)."""
    from budgets.models import BudgetSet
    from pbc.choices import Role

    practice = practice or world.practice
    if not BudgetSet.objects.filter(
        pct=practice.pct, year__start_year=start_year, status="published"
    ).exists():
        published_budgets(practice.pct, start_year)
    report_figures(
        practice, figures or {"OP": (500_000, 350_000), "NEL": (300_000, 250_000)}, start_year=start_year
    )
    if not practice.pct.freed_resource_schemes.filter(year__start_year=start_year).exists():
        set_scheme(practice.pct, scheme, start_year)
    finance = world.users[Role.PCT_FINANCE]
    declaration = services.declaration_prepare(
        kind="practice", practice=practice, year=fy(start_year), through_month=12, actor=None
    )
    return services.declaration_confirm(
        declaration=declaration, actor=finance if practice.pct == world.pct else None
    )


def proposal(world, practice=None, *, cost_pence: int, status: str = "recommended", start_year: int = 2008):
    from applications.choices import ApplicationKind, FundingSource
    from tests.factories.applications import application_for, financial_year

    return application_for(
        practice or world.practice,
        kind=ApplicationKind.FREED_RESOURCES,
        funding_source=FundingSource.FREED_RESOURCES,
        cost_pence=cost_pence,
        status=status,
        year=financial_year(start_year),
    )


def monthly_rows(owner, category: str, first: date, counts, costs=None, *, level: str = "practice"):
    """Published monthly report rows (provider "ALL") of one category from month ``first`` on: activity
    counts and costs (pence) per month, across financial years as the months fall."""
    from budgets.models import ReportRow

    costs = costs or [c * 1_000 * POUND for c in counts]
    for i, (count, cost) in enumerate(zip(counts, costs, strict=True)):
        index = first.year * 12 + first.month - 1 + i
        month_start = date(index // 12, index % 12 + 1, 1)
        start_year = month_start.year if month_start.month >= 4 else month_start.year - 1
        ReportRow.objects.create(
            pct=owner.pct,
            year=fy(start_year),
            level=level,
            practice=owner if level == "practice" else None,
            locality=owner if level == "locality" else None,
            month=(month_start.month - 4) % 12 + 1,
            month_start=month_start,
            category=category,
            provider="ALL",
            activity_count=count,
            actual_pence=cost,
            budget_pence=0,
            annual_budget_pence=0,
            ytd_budget_pence=0,
        )


def backdate_approval(application, when):
    """Move a proposal's commitment (its approval) to ``when`` (a datetime), so reports can follow it."""
    from freed_resources.models import LedgerEntry

    LedgerEntry.objects.filter(application=application, kind="committed").update(created=when)
