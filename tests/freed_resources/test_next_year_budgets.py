"""Freed-up resources do not reduce next year's budgets: savings declared in year N fill a reinvestment pot
(and may pay a reward and fund an approved proposal), but the indicative budgets calculated for year N+1
are the same line for line as without them."""

from __future__ import annotations

import pytest
from django.db import transaction

from budgets.models import BudgetLine
from freed_resources import services
from freed_resources.models import LedgerEntry, Pot
from pbc.choices import Role
from tests.factories.budgets import budget_set, build_baseline
from tests.factories.freed_resources import (
    POUND,
    fy,
    proposal,
    published_budgets,
    report_figures,
    set_scheme,
)
from tests.freed_resources.test_services import approve

pytestmark = pytest.mark.django_db

YEAR_N, NEXT = 2006, 2007


def next_year_budgets(world) -> dict:
    """Calculate (then roll back) a draft of year N+1's budgets; return every figure it produced."""
    finance = world.users[Role.PCT_FINANCE]
    with transaction.atomic():
        bs = budget_set(world.pct, actor=finance, start_year=NEXT, uplift_pct="3", phasing="seasonal")
        bs.refresh_from_db()
        lines = [
            (
                line.practice.code,
                line.category,
                line.devolved,
                line.baseline_pence,
                line.final_pence,
                line.steps,
            )
            for line in BudgetLine.objects.filter(budget_set=bs)
            .select_related("practice")
            .order_by("practice__code", "category")
        ]
        holdings = sorted(
            (h.kind, h.category, h.before_scaling_pence, h.final_pence) for h in bs.holdings.all()
        )
        figures = {
            "lines": lines,
            "holdings": holdings,
            "practice_total": bs.practice_total_pence,
            "central_total": bs.central_total_pence,
        }
        transaction.set_rollback(True)
    return figures


def test_next_years_budgets_are_not_reduced_by_freed_up_resources(world, chair_and_voters):
    build_baseline(world)  # 2006/07 activity, the 2007/08 tariff and list sizes
    finance = world.users[Role.PCT_FINANCE]
    # Year N's published budgets and reports (Abbey under budget by £200,000), and its split scheme.
    published_budgets(world.pct, YEAR_N)
    report_figures(world.practice, {"OP": (500_000, 350_000), "NEL": (300_000, 250_000)}, start_year=YEAR_N)
    set_scheme(world.pct, "national", YEAR_N)

    without = next_year_budgets(world)
    assert without["lines"] and without["practice_total"] > 0
    assert {(line[0], line[1]) for line in without["lines"] if line[4]} >= {
        ("L85001", "NEL"),
        ("L85001", "OPFA"),
    }

    # Abbey declares its year-N savings; PCT finance confirms; the PEC approves a £100,000 proposal on it.
    draft = services.declaration_prepare(
        kind="practice", practice=world.practice, year=fy(YEAR_N), through_month=12, actor=finance
    )
    services.declaration_confirm(declaration=draft, actor=finance)
    approve(proposal(world, cost_pence=100_000 * POUND, start_year=NEXT), chair_and_voters)
    pot = Pot.objects.get(practice=world.practice, year__start_year=YEAR_N)
    assert (pot.declared_pence, pot.committed_pence) == (140_000 * POUND, 100_000 * POUND)
    assert LedgerEntry.objects.filter(kind="committed").exists()

    with_pot = next_year_budgets(world)
    assert with_pot == without
