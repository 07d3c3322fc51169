"""Declaration → split → ledger → pot → approved proposal → statement, and the refusals on bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications import services as app_services
from applications.choices import Action, ApplicationStatus
from freed_resources import selectors, services
from freed_resources.choices import EntryKind
from freed_resources.models import Declaration, LedgerEntry, Pot, Split
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict
from tests.factories.applications import quorate_item
from tests.factories.freed_resources import (
    POUND,
    confirmed_declaration,
    fy,
    proposal,
    published_budgets,
    report_figures,
    set_scheme,
)
from tests.factories.pbc import ListSizeFactory

pytestmark = pytest.mark.django_db


def approve(application, chair_and_voters):
    chair, voters = chair_and_voters
    item = quorate_item(application, chair=chair, voters=voters)
    return app_services.agenda_item_decide(item=item, actor=chair, outcome=Action.APPROVE)


def test_declaration_to_statement(world, finance, chair_and_voters, client):
    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (500_000, 350_000), "NEL": (300_000, 250_000), "AE": (10, 5)})
    set_scheme(world.pct, "national")
    draft = services.declaration_prepare(
        kind="practice",
        practice=world.practice,
        year=fy(2007),
        through_month=12,
        categories=["OP", "NEL"],
        planned_investments=[
            {"name": "Emergency care practitioners", "category": "NEL", "pence": 20_000 * POUND}
        ],
        actor=world.users[Role.PRACTICE_MANAGER],
    )
    assert draft.status == "draft"
    assert draft.budget_pence == 800_000 * POUND and draft.outturn_pence == 600_000 * POUND
    assert draft.top_sliced_pence == 20_000 * POUND and draft.freed_pence == 180_000 * POUND
    assert not LedgerEntry.objects.exists()

    declaration = services.declaration_confirm(declaration=draft, actor=finance)
    assert declaration.status == "confirmed" and declaration.confirmed_by == finance
    assert [h.status for h in declaration.history.order_by("history_date")] == ["draft", "confirmed"]
    assert declaration.history.latest().history_user == finance
    split = Split.objects.get(declaration=declaration)
    assert (split.practices_pence, split.pct_pence) == (126_000 * POUND, 54_000 * POUND)
    pot = Pot.objects.get(practice=world.practice)
    assert (pot.declared_pence, pot.committed_pence, pot.remaining_pence) == (
        126_000 * POUND,
        0,
        126_000 * POUND,
    )
    kinds = dict(LedgerEntry.objects.values_list("kind", "amount_pence"))
    assert kinds == {EntryKind.POT: 126_000 * POUND, EntryKind.PCT_RECOVERY: 54_000 * POUND}

    application = proposal(world, cost_pence=100_000 * POUND)
    approved = approve(application, chair_and_voters)
    # Committed at the PEC's approval (the Board may still have to ratify a large one; ratifying commits no more).
    assert approved.status in (ApplicationStatus.APPROVED, ApplicationStatus.AWAITING_RATIFICATION)
    pot.refresh_from_db()
    assert (pot.committed_pence, pot.remaining_pence) == (100_000 * POUND, 26_000 * POUND)
    assert pot.history.latest().committed_pence == 100_000 * POUND
    entry = LedgerEntry.objects.get(kind=EntryKind.COMMITTED)
    assert entry.application == application and entry.amount_pence == 100_000 * POUND

    manager = world.users[Role.PRACTICE_MANAGER]
    data = selectors.statement(user=manager, practice=world.practice, year=fy(2007))
    assert data["declaration"] == declaration and data["pot"] == pot
    assert [p.pk for p in data["proposals"]] == [application.pk]
    client.force_login(manager)
    page = client.get(reverse("freed_resources:statement_practice", args=[world.practice.code, 2007]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "£126,000.00" in html and "£26,000.00" in html and application.title in html


def test_proposal_larger_than_pot_is_refused_and_nothing_posted(world, chair_and_voters):
    confirmed_declaration(world)  # £200,000 → pot £140,000
    application = proposal(world, cost_pence=140_000 * POUND + 1)
    with pytest.raises(Conflict, match="has only £140,000.00 remaining"):
        approve(application, chair_and_voters)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECOMMENDED
    assert not LedgerEntry.objects.filter(kind=EntryKind.COMMITTED).exists()
    assert Pot.objects.get().committed_pence == 0


def test_exactly_the_pot_is_allowed_and_second_refused(world, chair_and_voters):
    confirmed_declaration(world)
    approve(proposal(world, cost_pence=140_000 * POUND), chair_and_voters)
    with pytest.raises(Conflict):
        approve(proposal(world, cost_pence=1), chair_and_voters)
    assert Pot.objects.get().remaining_pence == 0


def test_declaration_for_unpublished_year_is_refused(world, finance):
    published_budgets(world.pct, status="approved")
    report_figures(world.practice, {"OP": (100, 50)})
    with pytest.raises(Conflict, match="not published"):
        services.declaration_prepare(
            kind="practice", practice=world.practice, year=fy(2007), through_month=12, actor=finance
        )
    assert not Declaration.objects.exists()


def test_restatement_posts_only_the_difference(world, finance):
    first = confirmed_declaration(world)  # £200,000 freed
    from budgets.models import ReportRow

    ReportRow.objects.filter(practice=world.practice, category="OP").update(ytd_actual_pence=370_000 * POUND)
    restated = services.declaration_prepare(
        kind="practice", practice=world.practice, year=fy(2007), through_month=12, actor=finance
    )
    assert restated.version == 2 and restated.supersedes == first
    assert restated.difference["freed_change_pence"] == -20_000 * POUND
    op = next(c for c in restated.difference["changes"] if c["category"] == "OP")
    assert op["outturn_change_pence"] == 20_000 * POUND and op["status"] == "changed"
    with pytest.raises(Conflict, match="draft"):
        services.declaration_prepare(
            kind="practice", practice=world.practice, year=fy(2007), through_month=12, actor=finance
        )
    services.declaration_confirm(declaration=restated, actor=finance)
    first.refresh_from_db()
    assert first.status == "superseded"
    pot = Pot.objects.get()
    assert pot.declared_pence == 126_000 * POUND
    adjustments = LedgerEntry.objects.filter(declaration=restated).values_list("kind", "amount_pence")
    assert dict(adjustments) == {EntryKind.POT: -14_000 * POUND, EntryKind.PCT_RECOVERY: -6_000 * POUND}


def test_hertfordshire_reward_feeds_the_payment_schedule(world, finance):
    from agreements.models import Payment

    ListSizeFactory(practice=world.practice, patients=10_000)
    confirmed_declaration(world, scheme="hertfordshire")
    split = Split.objects.get()
    assert (split.reward_pence, split.practices_pence, split.pct_pence) == (
        10_000 * POUND,
        133_000 * POUND,
        57_000 * POUND,
    )
    payment = Payment.objects.get(practice=world.practice)
    assert payment.amount_pence == 10_000 * POUND
    entry = LedgerEntry.objects.get(kind=EntryKind.REWARD)
    assert entry.payment_id_ref == payment.pk


def test_overspent_practice_gets_no_reward(world, finance):
    ListSizeFactory(practice=world.practice, patients=10_000)
    # OP saves £60,000, NEL overspends £10,000: net £50,000 freed, but outturn is not above budget overall.
    confirmed_declaration(
        world, figures={"OP": (100_000, 140_000), "NEL": (100_000, 10_000)}, scheme="hertfordshire"
    )
    split = Split.objects.get()
    assert split.declaration.overspent is False and split.reward_pence == 5_000 * POUND


def test_pool_nets_overspends(world, finance):
    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (100_000, 50_000)})
    report_figures(world.neighbour, {"OP": (100_000, 120_000)})
    set_scheme(world.pct, "national")
    pool = services.declaration_prepare(
        kind="pool", locality=world.north, year=fy(2007), through_month=12, actor=finance
    )
    assert pool.freed_pence == 30_000 * POUND
    assert {m["entity"]: m["contribution_pence"] for m in pool.members} == {
        "L85001": 50_000 * POUND,
        "L85002": -20_000 * POUND,
    }
    services.declaration_confirm(declaration=pool, actor=finance)
    assert Pot.objects.get(locality=world.north, practice=None).declared_pence == 21_000 * POUND


def test_scheme_with_non_increasing_points_is_refused(world, finance):
    data = {
        "name": "Bad",
        "practice_share": "0.70",
        "returned_points": [
            {"freed_pence": 300_000, "returned_pence": 0},
            {"freed_pence": 200_000, "returned_pence": 100},
        ],
    }
    with pytest.raises(ApplicationError, match="must be for more than point 1"):
        services.scheme_set(pct=world.pct, year=fy(2007), data=data, actor=finance)
    assert not world.pct.freed_resource_schemes.exists()


def test_confirm_needs_a_scheme(world, finance):
    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (100, 50)})
    draft = services.declaration_prepare(
        kind="practice", practice=world.practice, year=fy(2007), through_month=12, actor=finance
    )
    with pytest.raises(Conflict, match="split scheme"):
        services.declaration_confirm(declaration=draft, actor=finance)
    assert not LedgerEntry.objects.exists()


def test_practice_manager_cannot_confirm(world):
    from django.core.exceptions import PermissionDenied

    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (100, 50)})
    set_scheme(world.pct)
    manager = world.users[Role.PRACTICE_MANAGER]
    draft = services.declaration_prepare(
        kind="practice", practice=world.practice, year=fy(2007), through_month=12, actor=manager
    )
    with pytest.raises(PermissionDenied):
        services.declaration_confirm(declaration=draft, actor=manager)
