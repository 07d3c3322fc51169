"""Approved reinvestment proposals: spending from the pot (pages and API, 400/409, ledger), the expected
benefit they name and its follow-up in the published monthly reports, scoped."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from freed_resources import selectors, services
from freed_resources.choices import EntryKind
from freed_resources.models import ExpectedBenefit, LedgerEntry, Pot
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict
from tests.factories.freed_resources import (
    POUND,
    backdate_approval,
    confirmed_declaration,
    monthly_rows,
    proposal,
)
from tests.freed_resources.test_services import approve

pytestmark = pytest.mark.django_db

JULY_2008 = datetime(2008, 7, 15, 10, 0, tzinfo=ZoneInfo("Europe/London"))
NEL_TARGET = {"category": "NEL", "measure": "activity", "expected_reduction": 4, "months": 6}


@pytest.fixture
def approved(world, chair_and_voters):
    """A £100,000 proposal approved against Abbey's £140,000 pot, expecting 4 fewer emergency admissions."""
    confirmed_declaration(world)
    application = proposal(world, cost_pence=100_000 * POUND)
    services.expected_benefits_set(
        application=application, targets=[NEL_TARGET], actor=world.users[Role.PRACTICE_MANAGER]
    )
    approve(application, chair_and_voters)
    backdate_approval(application, JULY_2008)
    return application


def pot(world) -> Pot:
    return Pot.objects.get(practice=world.practice)


# --- spending --------------------------------------------------------------------------------------------


def test_spending_goes_on_the_ledger_and_the_pot(world, finance, approved):
    entry = services.proposal_spend_record(
        application=approved, amount_pence=30_000 * POUND, description="Two ECPs, April", actor=finance
    )
    assert (entry.kind, entry.amount_pence, entry.application, entry.actor) == (
        EntryKind.SPENT,
        30_000 * POUND,
        approved,
        finance,
    )
    p = pot(world)
    assert (p.declared_pence, p.committed_pence, p.spent_pence, p.remaining_pence) == (
        140_000 * POUND,
        100_000 * POUND,
        30_000 * POUND,
        40_000 * POUND,
    )
    assert p.history.latest().spent_pence == 30_000 * POUND and p.history.latest().history_user == finance
    money = selectors.proposal_money(application_ids=[approved.pk])[approved.pk]
    assert (money.committed_pence, money.spent_pence, money.unspent_pence) == (
        100_000 * POUND,
        30_000 * POUND,
        70_000 * POUND,
    )
    # Exactly what is left is allowed; a penny more is not.
    services.proposal_spend_record(application=approved, amount_pence=70_000 * POUND, actor=finance)
    with pytest.raises(Conflict, match="Only £0.00 of the £100,000.00 committed"):
        services.proposal_spend_record(application=approved, amount_pence=1, actor=finance)
    assert pot(world).spent_pence == 100_000 * POUND


def test_spending_more_than_committed_is_refused_and_nothing_posted(world, finance, approved):
    with pytest.raises(Conflict, match="Only £100,000.00 of the £100,000.00 committed"):
        services.proposal_spend_record(application=approved, amount_pence=100_000 * POUND + 1, actor=finance)
    assert pot(world).spent_pence == 0
    assert not LedgerEntry.objects.filter(kind=EntryKind.SPENT).exists()


@pytest.mark.parametrize("amount", [0, -100, 12.5, True, "100"])
def test_spending_is_a_positive_whole_number_of_pence(world, finance, approved, amount):
    with pytest.raises(ApplicationError, match="positive amount"):
        services.proposal_spend_record(application=approved, amount_pence=amount, actor=finance)
    assert pot(world).spent_pence == 0


def test_nothing_is_spent_on_a_proposal_not_approved(world, finance):
    confirmed_declaration(world)
    waiting = proposal(world, cost_pence=10 * POUND)
    with pytest.raises(Conflict, match="no approved commitment"):
        services.proposal_spend_record(application=waiting, amount_pence=POUND, actor=finance)


def test_a_practice_cannot_record_spending(world, approved):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.proposal_spend_record(
            application=approved, amount_pence=POUND, actor=world.users[Role.PRACTICE_MANAGER]
        )


def test_spent_commitment_is_not_released(world, finance, approved):
    services.proposal_spend_record(application=approved, amount_pence=POUND, actor=finance)
    with pytest.raises(Conflict, match="already been spent"):
        services.proposal_release(application=approved, actor=finance)
    assert pot(world).committed_pence == 100_000 * POUND


def spend_api(client, application, body):
    return client.post(
        reverse("freed-proposal-spend", args=[application.pk]), body, content_type="application/json"
    )


@pytest.mark.parametrize(
    ("amount", "field_error"),
    [("-5.00", "amount"), ("abc", "amount"), ("1.234", "amount"), ("", "amount")],
)
def test_api_bad_spending_is_400(client, world, finance, approved, amount, field_error):
    client.force_login(finance)
    response = spend_api(client, approved, {"amount": amount})
    assert response.status_code == 400, response.content
    assert field_error in response.json()["errors"]
    assert pot(world).spent_pence == 0


def test_api_spending_beyond_the_commitment_is_409(client, world, finance, approved):
    client.force_login(finance)
    response = spend_api(client, approved, {"amount": "100000.01"})
    assert response.status_code == 409
    body = response.json()
    assert "£100,000.00" in body["message"] and body["errors"]["amount"] == ["At most £100,000.00."]
    assert pot(world).spent_pence == 0


def test_api_records_spending(client, world, finance, approved):
    client.force_login(finance)
    response = spend_api(client, approved, {"amount": "30000.00", "description": "ECP salaries"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["committed"], body["spent"], body["unspent"]) == ("100000.00", "30000.00", "70000.00")
    pots = client.get(reverse("freed-pot-list")).json()["results"]
    assert pots[0]["spent"] == "30000.00" and pots[0]["remaining"] == "40000.00"
    entry = LedgerEntry.objects.get(kind=EntryKind.SPENT)
    assert entry.description == "ECP salaries" and entry.amount_pence == 30_000 * POUND


def test_api_spending_out_of_scope_is_404(client, world, approved):
    from tests.factories.pbc import member

    other_finance = member(Role.PCT_FINANCE, pct=world.other_pct, username="other_finance")
    client.force_login(other_finance)
    assert spend_api(client, approved, {"amount": "1.00"}).status_code == 404


def test_page_records_spending(client, world, finance, approved):
    client.force_login(finance)
    url = reverse("freed_resources:proposal_spend", args=[approved.pk])
    bad = client.post(url, {"amount": "-3", "description": ""})
    assert bad.status_code == 400 and "cannot be negative" in bad.content.decode()
    too_much = client.post(url, {"amount": "100,000.01"})
    assert too_much.status_code == 409 and "At most £100,000.00" in too_much.content.decode()
    assert pot(world).spent_pence == 0
    ok = client.post(url, {"amount": "2,500.50", "description": "Clinic room"})
    assert ok.status_code == 302
    assert pot(world).spent_pence == 2_500_50
    page = client.get(reverse("freed_resources:proposal_detail", args=[approved.pk]))
    html = page.content.decode()
    assert "Clinic room" in html and "£2,500.50" in html and "£97,499.50" in html


# --- expected benefit ------------------------------------------------------------------------------------


def test_benefit_is_named_with_history_and_checked(world):
    manager = world.users[Role.PRACTICE_MANAGER]
    application = proposal(world, cost_pence=POUND)
    services.expected_benefits_set(
        application=application,
        targets=[NEL_TARGET, {"category": "op", "measure": "cost", "expected_reduction": 1_500_00}],
        actor=manager,
    )
    saved = list(
        ExpectedBenefit.objects.filter(application=application).values_list("category", "measure", "months")
    )
    assert saved == [("NEL", "activity", 6), ("OP", "cost", 6)]
    assert ExpectedBenefit.history.filter(history_type="+").first().history_user == manager
    with pytest.raises(ApplicationError) as bad:
        services.expected_benefits_set(
            application=application,
            targets=[
                {"category": "", "measure": "beds", "expected_reduction": 0, "months": 30},
                NEL_TARGET,
                NEL_TARGET,
            ],
            actor=manager,
        )
    problems = bad.value.extra["problems"]
    assert "Target 1: give a report category code (up to 10 characters)." in problems
    assert "Target 1: the measure is activity or cost." in problems
    assert "Target 1: the follow-up is 1 to 24 months." in problems
    assert "Target 3: NEL activity is named twice." in problems
    # Nothing changed by the refused attempt.
    assert ExpectedBenefit.objects.filter(application=application).count() == 2


def test_benefit_is_fixed_once_approved(world, approved):
    with pytest.raises(Conflict, match="cannot be changed"):
        services.expected_benefits_set(
            application=approved, targets=[NEL_TARGET], actor=world.users[Role.PRACTICE_MANAGER]
        )


def test_benefit_only_on_freed_resources_proposals(world):
    from tests.factories.applications import application_for

    other = application_for(world.practice)
    with pytest.raises(ApplicationError, match="Only a proposal for use of freed-up resources"):
        services.expected_benefits_set(
            application=other, targets=[NEL_TARGET], actor=world.users[Role.PCT_FINANCE]
        )


def test_api_sets_the_benefit(client, world):
    application = proposal(world, cost_pence=POUND)
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    url = reverse("freed-proposal-benefit", args=[application.pk])
    bad = client.put(
        url, {"targets": [{"category": "NEL", "measure": "beds"}]}, content_type="application/json"
    )
    assert bad.status_code == 400 and "targets" in bad.json()["errors"]
    empty = client.put(url, {"targets": []}, content_type="application/json")
    assert empty.status_code == 400
    ok = client.put(url, {"targets": [NEL_TARGET]}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["targets"] == [NEL_TARGET] and ok.json()["benefit_status"] is None


def test_page_sets_the_benefit(client, world):
    application = proposal(world, cost_pence=POUND)
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    url = reverse("freed_resources:proposal_benefit", args=[application.pk])
    bad = client.post(url, {"targets": "NEL, activity, lots"})
    assert bad.status_code == 400 and "cannot be read" in bad.content.decode()
    ok = client.post(url, {"targets": "NEL, activity, 4, 6\nOP, cost, 1500.00\n"})
    assert ok.status_code == 302
    assert list(ExpectedBenefit.objects.values_list("category", "expected_reduction")) == [
        ("NEL", 4),
        ("OP", 1_500_00),
    ]


# --- follow-up in the published reports ---------------------------------------------------------------


def test_follow_up_through_the_api_page_statement_and_summary(client, world, approved):
    # Abbey's emergency admissions: Jan–Jun 2008 average 40; Aug–Oct 2008 average 35 (approved July).
    monthly_rows(world.practice, "NEL", date(2008, 1, 1), [40, 42, 38, 41, 39, 40, 30, 35, 36, 34])
    # Another category and another practice's rows do not count.
    monthly_rows(world.practice, "OP", date(2008, 8, 1), [1, 1, 1])
    monthly_rows(world.neighbour, "NEL", date(2008, 8, 1), [90, 90, 90])
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    body = client.get(reverse("freed-proposal-benefit", args=[approved.pk])).json()
    assert body["approved_on"] == "2008-07-15" and body["benefit_status"] == "achieved"
    (result,) = body["results"]
    assert [m["month"] for m in result["baseline"]] == [f"2008-0{m}-01" for m in range(1, 7)]
    assert [m["activity_count"] for m in result["after"]] == [35, 36, 34]
    assert (result["baseline_average"], result["after_average"], result["reduction"]) == (
        "40.00",
        "35.00",
        "5.00",
    )
    assert result["after"][0]["cost"] == "35000.00"
    page = client.get(reverse("freed_resources:proposal_detail", args=[approved.pk])).content.decode()
    assert "Achieved" in page and "fell by 5 a month (40 before, 35 after) against 4 expected" in page
    statement = client.get(reverse("freed_resources:statement_practice", args=[world.practice.code, 2007]))
    assert "Achieved" in statement.content.decode()
    client.force_login(world.users[Role.PCT_FINANCE])
    summary = client.get(reverse("freed_resources:summary")).content.decode()
    assert approved.title in summary and "Achieved" in summary
    listed = client.get(reverse("freed-proposal-list")).json()["results"]
    assert [(p["id"], p["benefit_status"]) for p in listed] == [(approved.pk, "achieved")]


def test_api_cost_averages_are_pounds(client, world, finance, chair_and_voters):
    confirmed_declaration(world)
    application = proposal(world, cost_pence=POUND)
    target = {"category": "OP", "measure": "cost", "expected_reduction": 50_00, "months": 3}
    services.expected_benefits_set(application=application, targets=[target], actor=finance)
    approve(application, chair_and_voters)
    backdate_approval(application, JULY_2008)
    # Apr–Jun £1,000.00, £1,100.00, £1,000.01 (average £1,033.33⅔); Aug–Oct £1,200.00: a rise.
    monthly_rows(world.practice, "OP", date(2008, 4, 1), [5, 6, 5], [1_000_00, 1_100_00, 1_000_01])
    monthly_rows(world.practice, "OP", date(2008, 8, 1), [7, 7, 7], [1_200_00] * 3)
    client.force_login(finance)
    (result,) = client.get(reverse("freed-proposal-benefit", args=[application.pk])).json()["results"]
    assert (result["baseline_average"], result["after_average"], result["reduction"]) == (
        "1033.34",
        "1200.00",
        "-166.66",
    )
    assert result["status"] == "not_achieved"


def test_follow_up_not_yet_then_not_achieved(world, approved):
    monthly_rows(world.practice, "NEL", date(2008, 1, 1), [40] * 6)
    monthly_rows(world.practice, "NEL", date(2008, 8, 1), [38, 37])

    def status():
        (p,) = selectors.with_follow_up([selectors.proposal_list(user=world.users[Role.PCT_FINANCE]).get()])
        return p.benefit.status

    assert status() == "not_yet"
    monthly_rows(world.practice, "NEL", date(2008, 10, 1), [38, 37, 38, 37])
    assert status() == "not_achieved"


def test_follow_up_is_scoped(client, world, approved):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    assert client.get(reverse("freed-proposal-benefit", args=[approved.pk])).status_code == 200
    neighbour = proposal(world, world.neighbour, cost_pence=POUND)
    assert client.get(reverse("freed-proposal-benefit", args=[neighbour.pk])).status_code == 404
    assert client.get(reverse("freed_resources:proposal_detail", args=[neighbour.pk])).status_code == 404
    assert [p["id"] for p in client.get(reverse("freed-proposal-list")).json()["results"]] == [approved.pk]


def test_locality_proposal_follows_locality_rows(world, finance, chair_and_voters):
    from tests.factories.freed_resources import published_budgets, report_figures, set_scheme

    published_budgets(world.pct)
    set_scheme(world.pct)
    report_figures(world.north, {"NEL": (300_000, 200_000)}, level="locality")
    draft = services.declaration_prepare(
        kind="locality", locality=world.north, year=confirmed_year(), through_month=12, actor=finance
    )
    services.declaration_confirm(declaration=draft, actor=finance)
    shared = proposal(world, cost_pence=50_000 * POUND)
    shared.practices.add(world.neighbour)
    services.expected_benefits_set(application=shared, targets=[NEL_TARGET], actor=finance)
    approve(shared, chair_and_voters)
    backdate_approval(shared, JULY_2008)
    assert Pot.objects.get(practice=None, locality=world.north).committed_pence == 50_000 * POUND
    monthly_rows(world.north, "NEL", date(2008, 1, 1), [80] * 6 + [0, 70, 70, 70], level="locality")
    monthly_rows(world.practice, "NEL", date(2008, 1, 1), [40] * 10)
    (p,) = selectors.with_follow_up([selectors.proposal_list(user=finance).get(pk=shared.pk)])
    assert p.benefit.compared == str(world.north)
    assert (p.benefit.results[0].baseline_average, p.benefit.results[0].after_average) == (80, 70)
    assert p.benefit.status == "achieved"


def confirmed_year():
    from tests.factories.freed_resources import fy

    return fy(2007)


# --- approval over HTTP: the pot is checked by the PEC's decision -------------------------------------


def pot_state(world) -> tuple:
    p = pot(world)
    return (p.declared_pence, p.committed_pence, p.spent_pence, p.remaining_pence, p.history.count())


def ledger_state() -> list:
    return list(LedgerEntry.objects.order_by("pk").values_list("kind", "amount_pence", "application_id"))


@pytest.fixture
def too_big(world, chair_and_voters):
    """Abbey's £140,000 pot, and a £140,000.01 proposal on a quorate PEC agenda (votes all to approve)."""
    from tests.factories.applications import quorate_item

    confirmed_declaration(world)
    chair, voters = chair_and_voters
    application = proposal(world, cost_pence=140_000 * POUND + 1)
    return quorate_item(application, chair=chair, voters=voters)


def assert_nothing_posted(world, item, before_pot, before_ledger):
    from applications.choices import ApplicationStatus

    assert pot_state(world) == before_pot
    assert ledger_state() == before_ledger
    assert not LedgerEntry.objects.filter(kind=EntryKind.COMMITTED).exists()
    item.refresh_from_db()
    item.application.refresh_from_db()
    assert item.outcome == "" and item.decided_at is None
    assert item.application.status == ApplicationStatus.RECOMMENDED


@pytest.mark.parametrize("outcome", ["approve", "approve_with_conditions"])
def test_api_approving_more_than_the_pot_is_409_and_nothing_posted(
    client, world, chair_and_voters, too_big, outcome
):
    before_pot, before_ledger = pot_state(world), ledger_state()
    client.force_login(chair_and_voters[0])
    response = client.post(
        reverse("agenda-item-decision", args=[too_big.pk]),
        {"outcome": outcome, "reason": "Audit at six months."},
        content_type="application/json",
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["message"] == (
        "The proposal costs £140,000.01 but the L85001 Abbey Surgery reinvestment pot has only £140,000.00 "
        "remaining; nothing was approved."
    )
    assert body["extra"]["remaining_pence"] == 140_000 * POUND
    assert_nothing_posted(world, too_big, before_pot, before_ledger)


def test_page_approving_more_than_the_pot_shows_the_error_and_nothing_posted(
    client, world, chair_and_voters, too_big
):
    before_pot, before_ledger = pot_state(world), ledger_state()
    client.force_login(chair_and_voters[0])
    url = reverse("applications:decision_record", args=[too_big.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"outcome": "approve", "reason": ""})
    assert response.status_code == 409
    html = response.content.decode()
    assert "only £140,000.00 remaining; nothing was approved" in html
    assert "Record the decision" in html  # the form is shown again, to decide otherwise
    assert_nothing_posted(world, too_big, before_pot, before_ledger)


def test_api_approving_exactly_the_pot_commits_it(client, world, chair_and_voters):
    """The control: a proposal of exactly what remains is approved over the same endpoint."""
    from tests.factories.applications import quorate_item

    confirmed_declaration(world)
    chair, voters = chair_and_voters
    item = quorate_item(proposal(world, cost_pence=140_000 * POUND), chair=chair, voters=voters)
    client.force_login(chair)
    response = client.post(
        reverse("agenda-item-decision", args=[item.pk]),
        {"outcome": "approve"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    p = pot(world)
    assert (p.committed_pence, p.remaining_pence) == (140_000 * POUND, 0)
    entry = LedgerEntry.objects.get(kind=EntryKind.COMMITTED)
    assert (entry.application_id, entry.amount_pence, entry.actor) == (
        item.application_id,
        140_000 * POUND,
        chair,
    )
