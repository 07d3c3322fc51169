"""Report rows made directly (as the recompute would leave them), for the FHIR facade's tests."""

from __future__ import annotations

from datetime import date

from budgets.models import ReportRow
from pbc.models import Practice
from tests.factories.budgets import year


def report_rows(practice: Practice, *, months=(1,), categories=("NEL", "OPFA"), start_year: int = 2007):
    """Practice rows of each month × category (provider ``ALL`` and one provider row), and the ``ALL``
    total; figures in odd pence so exactness shows."""
    fy = year(start_year)
    made = []
    for month in months:
        month_start = fy.fy.month(month)
        totals = dict.fromkeys(("budget", "actual"), 0)
        for i, category in enumerate(categories):
            budget, actual = 123_450 + 1_001 * i + month, 100_005 + 7 * i + month
            totals["budget"] += budget
            totals["actual"] += actual
            for provider in ("ALL", "RD1"):
                made.append(_row(practice, fy, month, month_start, category, provider, budget, actual))
        made.append(_row(practice, fy, month, month_start, "ALL", "ALL", totals["budget"], totals["actual"]))
    return made


def _row(practice, fy, month, month_start: date, category, provider, budget, actual) -> ReportRow:
    return ReportRow.objects.create(
        pct=practice.pct,
        year=fy,
        level="practice",
        practice=practice,
        locality=practice.locality,
        month=month,
        month_start=month_start,
        category=category,
        provider=provider,
        activity_count=3,
        ytd_activity_count=3 * month,
        actual_pence=actual,
        budget_pence=budget,
        annual_budget_pence=budget * 12,
        ytd_budget_pence=budget * month,
        ytd_actual_pence=actual * month,
        variance_pence=(actual - budget) * month,
        variance_tenths=-189,
        forecast_outturn_pence=actual * 12,
        forecast_variance_pence=(actual - budget) * 12,
        rag="green",
    )
