"""The practice dashboard's report rows are cached under their report run: read again, they cost no row
query; after a recompute (a new run) the fresh rows are read; the cache never widens anyone's scope."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from activity.models import ActivityAggregate
from budgets import selectors, services
from budgets.models import ReportRow
from pbc.choices import Role
from pbc.permissions import user_scope
from tests.factories.budgets import year


def _read(user, practice):
    with CaptureQueriesContext(connection) as queries:
        dashboard = selectors.practice_dashboard(user=user, practice=practice, year=year(2007))
    return dashboard, len(queries.captured_queries)


def test_rows_are_read_once_per_report_run(reported, baseline):
    manager = baseline.users[Role.PRACTICE_MANAGER]
    user_scope(manager)  # the reader's scope is read once per request anyway
    first, first_queries = _read(manager, baseline.practice)
    again, again_queries = _read(manager, baseline.practice)
    assert first.rows and again.rows == first.rows
    assert again_queries == first_queries - 1  # the latest run is still looked up, the rows are not

    # New figures arrive only through a recompute, which is a new run: the dashboard reads them.
    ActivityAggregate.objects.filter(practice=baseline.practice, upload__year=year(2007)).delete()
    services.report_recompute(pct=baseline.pct, year=year(2007), trigger="test")
    fresh, fresh_queries = _read(manager, baseline.practice)
    assert fresh_queries == again_queries + 1
    stored = list(
        ReportRow.objects.filter(practice=baseline.practice, year=year(2007), level="practice")
        .order_by("category", "provider", "month")
        .values_list("category", "provider", "month", "actual_pence")
    )
    assert [(r["category"], r["provider"], r["month"], r["actual_pence"]) for r in fresh.rows] == stored
    assert fresh.rows != first.rows


def test_cached_rows_are_not_shown_out_of_scope(reported, baseline):
    _read(baseline.users[Role.PCT_FINANCE], baseline.practice)  # cached for a PCT-wide reader
    other_manager = baseline.users[Role.PRACTICE_MANAGER]
    dashboard, _ = _read(other_manager, baseline.neighbour)  # not their practice
    assert dashboard.rows == []
