"""The overspend rule reads the practice's year outturn from the published budget reports; the recorded
year-end position is used only for a year with no published reports."""

from __future__ import annotations

import pytest

from agreements import incentives, selectors, services
from budgets.models import ReportRow
from pbc.choices import Role
from tests.factories.freed_resources import published_budgets, report_figures

pytestmark = pytest.mark.django_db


def record_position(world, *, budget_pence: int, outturn_pence: int):
    return services.budget_position_record(
        practice=world.practice,
        year=incentives.FinancialYear(2007),
        budget_pence=budget_pence,
        outturn_pence=outturn_pence,
        evidence="Month 12 report",
        actor=world.users[Role.PCT_FINANCE],
    )


def test_overspent_over_all_devolved_categories_from_the_reports(world):
    published_budgets(world.pct)
    # Outpatients £10,000 over, non-elective £20,000 under: £10,000 under over the year.
    report_figures(world.practice, {"OP": (500_000, 510_000), "NEL": (300_000, 280_000)})
    # The published reports win over a recorded position that says otherwise.
    record_position(world, budget_pence=100, outturn_pence=200)
    assert selectors.practice_overspent(world.practice, 2007) is False


def test_overspent_when_the_year_outturn_is_above_budget(world):
    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (500_000, 520_000), "NEL": (300_000, 290_000)})
    assert selectors.practice_overspent(world.practice, 2007) is True
    # The neighbour has no report rows in the year: nothing known, and no recorded position either.
    assert selectors.practice_overspent(world.neighbour, 2007) is None


def test_exactly_on_budget_is_not_overspent(world):
    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (500_000, 500_000)})
    assert selectors.practice_overspent(world.practice, incentives.FinancialYear(2007)) is False


def test_not_known_until_the_reports_hold_the_year_end(world):
    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (500_000, 520_000)})
    ReportRow.objects.update(ytd_actual_pence=None, is_future=True)
    record_position(world, budget_pence=100, outturn_pence=200)
    assert selectors.practice_overspent(world.practice, 2007) is None


def test_only_the_year_end_month_counts(world):
    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (250_000, 300_000)}, month=6)
    # Month 6 is over budget, but the year end is not: the year is judged at month 12.
    report_figures(world.practice, {"OP": (500_000, 490_000)}, month=12)
    assert selectors.practice_overspent(world.practice, 2007) is False


@pytest.mark.parametrize("budgets", ["none", "draft"])
def test_falls_back_to_the_recorded_position_without_published_reports(world, budgets):
    if budgets == "draft":
        published_budgets(world.pct, status="draft")
        # Rows of an unpublished budget are not the published reports.
        report_figures(world.practice, {"OP": (500_000, 400_000)})
    assert selectors.practice_overspent(world.practice, 2007) is None
    record_position(world, budget_pence=500_000_00, outturn_pence=510_000_00)
    assert selectors.practice_overspent(world.practice, 2007) is True
    record_position(world, budget_pence=500_000_00, outturn_pence=490_000_00)
    assert selectors.practice_overspent(world.practice, 2007) is False


def test_published_budgets_without_report_rows_fall_back(world):
    published_budgets(world.pct)
    record_position(world, budget_pence=500_000_00, outturn_pence=510_000_00)
    assert selectors.practice_overspent(world.practice, 2007) is True


def test_a_year_with_published_reports_elsewhere_does_not_leak(world):
    published_budgets(world.pct, 2008)
    report_figures(world.practice, {"OP": (500_000, 900_000)}, start_year=2008)
    assert selectors.practice_overspent(world.practice, 2007) is None
    assert selectors.practice_overspent(world.practice, 2008) is True
