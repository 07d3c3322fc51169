"""The demo seed on the production shape (PostgreSQL, Redis, a real worker): every extract is published
once and the reports equal what the same code computes in process, as on SQLite with eager Celery."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from activity.models import ActivityAggregate, ExtractUpload
from budgets.models import ReportRow
from budgets.services import report_recompute

pytestmark = pytest.mark.worker
FIELDS = (
    "level",
    "practice_id",
    "locality_id",
    "category",
    "provider",
    "month",
    "actual_pence",
    "budget_pence",
)


def _rows():
    return sorted(ReportRow.objects.values_list(*FIELDS), key=lambda row: tuple(str(v) for v in row))


def test_demo_seed_on_a_real_worker_publishes_each_extract_once(live_worker):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL")
    call_command("seed_demo", verbosity=0)
    call_command("seed_budgets_demo", verbosity=0)
    uploads = ExtractUpload.objects.all()
    assert uploads.exists()
    assert set(uploads.values_list("status", "attempts")) == {("succeeded", 1)}
    # One attempt's rows count per upload: nothing of a second execution is current.
    attempts = (
        ActivityAggregate.objects.current().values("upload").annotate(n=Count("attempt", distinct=True))
    )
    assert {a["n"] for a in attempts} == {1}

    on_worker = _rows()
    assert on_worker
    for pct_id, year_id in set(ReportRow.objects.values_list("pct", "year")):
        from pbc.models import FinancialYear, Pct

        report_recompute(
            pct=Pct.objects.get(pk=pct_id), year=FinancialYear.objects.get(pk=year_id), trigger="check"
        )
    assert _rows() == on_worker
