"""Freed-up resources end to end in a browser: a practice declares from the published reports, PCT finance
confirms (the scheme splits it and the pot fills), the practice drafts and submits a proposal for use of
freed-up resources on the applications pages and names the benefit it expects, the PEC chair records the
approval on the meeting's page (the pot is checked and committed), PCT finance records spending on it, and
the practice's statement shows declaration, split, pot, proposal, spending and whether the benefit showed up
in the following months' reports. Every page is checked with axe."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from applications import services as app_services
from applications.choices import Action
from applications.models import Application
from pbc.choices import Role
from tests.browser.conftest import assert_accessible
from tests.factories.applications import completed_assessment, quorate_item
from tests.factories.freed_resources import (
    POUND,
    backdate_approval,
    fy,
    monthly_rows,
    published_budgets,
    report_figures,
    set_scheme,
)
from tests.factories.pbc import member

pytestmark = pytest.mark.browser
TITLE = "Emergency care practitioners for urgent home visits"


def sign_in(page, base, user):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("a-test-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/login/"))


def test_declaration_split_pot_proposal_statement(page, live_server, world):
    base = live_server.url
    fy(2007)
    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (500_000, 350_000), "NEL": (300_000, 250_000)})
    set_scheme(world.pct, "banes")

    # The practice manager declares from the published reports.
    sign_in(page, base, world.users[Role.PRACTICE_MANAGER])
    page.goto(f"{base}/freed-resources/")
    assert_accessible(page)
    page.get_by_role("link", name="Declare savings").click()
    assert_accessible(page)
    page.get_by_label("Kind").select_option("practice")
    page.get_by_label("Practice").select_option("L85001")
    page.get_by_label("Financial year starting").fill("2007")
    page.get_by_role("button", name="Prepare declaration").click()
    page.wait_for_url(re.compile(r".*/freed-resources/declarations/\d+/$"))
    assert_accessible(page)
    assert "£200,000.00" in page.get_by_test_id("freed").inner_text()
    url = page.url
    sign_out(page)

    # PCT finance reviews and confirms; the BANES scale splits £200,000 → £140,000 / £60,000.
    sign_in(page, base, world.users[Role.PCT_FINANCE])
    page.goto(url)
    assert_accessible(page)
    page.get_by_label("I have reviewed these figures").check()
    page.get_by_role("button", name="Confirm declaration").click()
    page.wait_for_url(url)
    assert_accessible(page)
    assert "Confirmed" in page.get_by_test_id("status").inner_text()
    assert "£140,000.00" in page.get_by_test_id("split-practices").inner_text()
    page.goto(f"{base}/freed-resources/summary/")
    assert_accessible(page)
    page.goto(f"{base}/freed-resources/calculate/?scheme=banes&amount=250000")
    assert_accessible(page)
    assert "£168,000.00" in page.get_by_test_id("result").inner_text()
    sign_out(page)

    # The practice manager drafts and submits a £90,000 proposal for use of freed-up resources, and names
    # the benefit it expects: 4 fewer emergency admissions a month.
    sign_in(page, base, world.users[Role.PRACTICE_MANAGER])
    page.get_by_role("link", name="Applications", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="New application").first.click()
    assert_accessible(page)
    page.get_by_label("Kind of application").select_option("freed_resources")
    page.get_by_label("Title").fill(TITLE)
    assert page.get_by_label("Abbey Surgery").is_checked()
    page.get_by_label("Summary").fill("Two emergency care practitioners see urgent home visits.")
    page.get_by_label("Reasons for the change").fill("Emergency admissions of over-75s are rising.")
    page.get_by_label("Risks").fill("Recruitment of practitioners.")
    page.get_by_label("Expected clinical outcomes").fill("Fewer emergency admissions.")
    page.get_by_label("Benefit to patients").fill("Treated at home rather than admitted.")
    page.get_by_label("Number of patients benefiting").fill("300")
    page.get_by_label("Cost (£ a year)").fill("90,000.00")
    page.get_by_label("Funding source").select_option("freed_resources")
    page.get_by_label("Proposed start").fill("2008-04-01")
    page.get_by_label("Stakeholders consulted").fill("Ambulance trust; LMC.")
    page.get_by_role("button", name="Save draft").click()
    application = Application.objects.get(title=TITLE)
    assert application.kind == "freed_resources" and application.cost_pence == 90_000 * POUND
    page.wait_for_url(f"{base}/applications/{application.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Submit", exact=True).click()
    assert_accessible(page)
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(f"{base}/applications/{application.pk}/")
    assert page.get_by_test_id("status").inner_text() == "Submitted"
    assert_accessible(page)
    page.goto(f"{base}/freed-resources/proposals/{application.pk}/")
    assert_accessible(page)
    page.get_by_label("Expected benefit").fill("NEL, activity, 4, 6")
    page.get_by_role("button", name="Save the expected benefit").click()
    page.wait_for_url(f"{base}/freed-resources/proposals/{application.pk}/")
    assert "Followed up once the proposal is approved" in page.content()
    sign_out(page)

    # The project group assesses and recommends it (its pages are walked in the applications journey);
    # it is on the agenda of a PEC meeting where two members have voted to approve.
    pg = world.users[Role.PROJECT_GROUP]
    app_services.application_transition(application=application, action=Action.START_ASSESSMENT, actor=pg)
    completed_assessment(application, pg)
    app_services.application_transition(
        application=application, action=Action.RECOMMEND, actor=pg, reason="Fits the urgent care plan."
    )
    chair = world.users[Role.PEC_MEMBER]
    voters = [member(Role.PEC_MEMBER, pct=world.pct, username=f"voter{i}") for i in range(2)]
    item = quorate_item(application, chair=chair, voters=voters)

    # The PEC chair records the decision on the meeting's page: approved against the pot (in July 2008),
    # whose remaining falls to £50,000.
    sign_in(page, base, chair)
    page.goto(f"{base}/applications/meetings/{item.meeting_id}/")
    assert_accessible(page)
    page.get_by_role("link", name=f"Record the decision on {application.reference}").click()
    assert_accessible(page)
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(re.compile(rf".*/applications/meetings/{item.meeting_id}/(#item-{item.pk})?$"))
    assert "Approve" in page.get_by_test_id("outcome").inner_text()
    assert_accessible(page)
    page.goto(f"{base}/applications/{application.pk}/")
    assert_accessible(page)
    assert page.get_by_test_id("status").inner_text() == "Approved"
    sign_out(page)
    # The reports then show emergency admissions averaging 40 a month before approval and 35 after.
    backdate_approval(application, datetime(2008, 7, 15, tzinfo=ZoneInfo("Europe/London")))
    monthly_rows(world.practice, "NEL", date(2008, 1, 1), [40, 42, 38, 41, 39, 40, 30, 35, 36, 34])

    # PCT finance records £30,000 spent on it; a penny beyond the commitment is refused.
    sign_in(page, base, world.users[Role.PCT_FINANCE])
    page.goto(f"{base}/freed-resources/proposals/{application.pk}/")
    assert_accessible(page)
    page.get_by_label("Amount spent (£)").fill("90,000.01")
    page.get_by_role("button", name="Record spending").click()
    assert "At most £90,000.00" in page.content()
    assert_accessible(page)
    page.get_by_label("Amount spent (£)").fill("30,000")
    page.get_by_label("What it was spent on").fill("Emergency care practitioners, first quarter")
    page.get_by_role("button", name="Record spending").click()
    page.wait_for_url(f"{base}/freed-resources/proposals/{application.pk}/")
    assert_accessible(page)
    assert "£30,000.00" in page.get_by_test_id("proposal-spent").inner_text()
    assert "Achieved" in page.get_by_test_id("benefit-status").inner_text()
    sign_out(page)

    # The practice's statement shows declaration, split, pot (with the spending), proposal and benefit.
    sign_in(page, base, world.users[Role.PRACTICE_MANAGER])
    assert "£50,000.00" in page.get_by_test_id("pot-panel-remaining").inner_text()
    assert_accessible(page)
    page.goto(f"{base}/freed-resources/statement/L85001/2007/")
    assert_accessible(page)
    assert "£50,000.00" in page.get_by_test_id("pot-remaining").inner_text()
    assert "£30,000.00" in page.get_by_test_id("pot").inner_text()
    proposals = page.get_by_test_id("proposals").inner_text()
    assert application.title in proposals and "Achieved" in proposals and "£30,000.00" in proposals
    assert "£140,000.00" in page.get_by_test_id("split").inner_text()
    assert "Emergency care practitioners, first quarter" in page.get_by_test_id("ledger").inner_text()
    page.wait_for_selector("[data-pot-chart] .main-svg")
