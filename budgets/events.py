"""Events of budgets and reports for the feed (``pbc.events``): reports recomputed, budgets published."""

from __future__ import annotations

from budgets.choices import BudgetStatus
from budgets.models import BudgetSet, ReportRun
from pbc.events import Event
from pbc.fiscal import FinancialYear as FY
from pbc.permissions import scope_queryset


def reports_recomputed(*, user, since, limit):
    runs = scope_queryset(ReportRun.objects.all(), user)
    if since is not None:
        runs = runs.filter(finished__gt=since)
    for pk, finished, pct, year, rows, trigger in runs.order_by("finished", "pk").values_list(
        "pk", "finished", "pct__code", "year__start_year", "rows", "trigger"
    )[:limit]:
        yield Event(
            "reports.recomputed", pk, finished, pct, f"{FY(year).label} reports: {rows} rows ({trigger})"
        )


def budgets_published(*, user, since, limit):
    sets = scope_queryset(BudgetSet.objects.filter(published_at__isnull=False), user).exclude(
        status=BudgetStatus.DRAFT
    )
    if since is not None:
        sets = sets.filter(published_at__gt=since)
    for pk, published, pct, year, version in sets.order_by("published_at", "pk").values_list(
        "pk", "published_at", "pct__code", "year__start_year", "version"
    )[:limit]:
        yield Event(
            "budget.published", pk, published, pct, f"{FY(year).label} budgets published (version {version})"
        )
