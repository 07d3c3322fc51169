"""The budgets demo command: what `make run` shows a practice manager and PCT finance."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from budgets.choices import BudgetStatus
from budgets.models import BudgetSet, ExtractUpload, ReportRow


def test_budgets_demo_needs_the_demo_pct(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_budgets_demo")


def test_budgets_demo_publishes_budgets_and_reports_once(db, client, capsys):
    call_command("seed_demo")
    call_command("seed_budgets_demo")
    assert "budgets published (version 1)" in capsys.readouterr().out
    published = BudgetSet.objects.get(pct__code="5WV", status=BudgetStatus.PUBLISHED)
    uploads, rows = ExtractUpload.objects.count(), ReportRow.objects.count()
    assert uploads and rows
    call_command("seed_budgets_demo")  # again: nothing new
    assert BudgetSet.objects.filter(pct__code="5WV").count() == 1
    assert (ExtractUpload.objects.count(), ReportRow.objects.count()) == (uploads, rows)
    # The demo practice manager sees their dashboard, built from the uploaded extracts, and only theirs.
    client.force_login(get_user_model().objects.get(username="practice"))
    page = client.get(reverse("budgets:practice_dashboard", args=["L85001"]))
    assert page.status_code == 200 and published.year.label in page.content.decode()
    assert ReportRow.objects.filter(
        practice__code="L85001", year=published.year, level="practice", actual_pence__gt=0
    ).exists()
    assert client.get(reverse("budgets:practice_dashboard", args=["L85002"])).status_code == 404
