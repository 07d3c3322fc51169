"""A business case from draft to Board ratification, in real Chromium, checked for accessibility on every page.

A practice manager drafts and submits; a project group member assesses and recommends; the PEC chair puts
it on the agenda; a member who is a partner of the applying practice cannot vote; the PEC approves with
conditions; the Board ratifies; the practice manager sees every step and has been notified.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from applications import services
from applications.choices import InterestKind
from applications.models import Application
from pbc.choices import Role
from tests.browser.conftest import assert_accessible
from tests.factories.pbc import member

pytestmark = pytest.mark.browser
PASSWORD = "a-test-password-1"


def sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    assert_accessible(page)


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    assert_accessible(page)


def test_business_case_from_draft_to_board_ratification(world, live_server, page):
    base = live_server.url
    chair = world.users[Role.PEC_MEMBER]
    partner = member(Role.PEC_MEMBER, pct=world.pct, username="dr_partner")
    member(Role.PEC_MEMBER, pct=world.pct, username="dr_voter")
    services.interest_declare(
        actor=partner,
        pct=world.pct,
        kind=InterestKind.PRACTICE,
        practice=world.practice,
        description="Partner at Abbey Surgery",
    )
    meeting = services.meeting_create(
        actor=world.users[Role.PCT_COMMISSIONING],
        pct=world.pct,
        starts_at=timezone.now() + timedelta(days=14),
        chair=chair,
        location="PCT board room",
        quorum=2,
    )

    # 1. The practice manager drafts and submits.
    sign_in(page, base, "practice_manager")
    page.get_by_role("link", name="Applications", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="New application").first.click()
    assert_accessible(page)
    page.get_by_label("Kind of application").select_option("new_service")
    page.get_by_label("Title").fill("Community dermatology service")
    assert page.get_by_label("Abbey Surgery").is_checked()
    page.get_by_label("Summary").fill(
        "A GP with a special interest sees dermatology referrals in the community."
    )
    page.get_by_label("Reasons for the change").fill("Hospital waits of 18 weeks for dermatology.")
    page.get_by_label("Services affected").fill("330")
    page.get_by_label("Risks").fill("GPwSI cover during leave.")
    page.get_by_label("Expected clinical outcomes").fill(
        "Treatment within 4 weeks; fewer hospital referrals."
    )
    page.get_by_label("Benefit to patients").fill("Care closer to home.")
    page.get_by_label("Number of patients benefiting").fill("600")
    page.get_by_label("Cost (£ a year)").fill("150,000.00")
    page.get_by_label("Expected savings (£ a year)").fill("190,000.00")
    page.get_by_label("Management cost asked (£)").fill("5,000")
    page.get_by_label("Funding source").select_option("indicative_budget")
    page.get_by_label("Proposed start").fill("2025-01-06")
    page.get_by_label("Stakeholders consulted").fill("Acute trust dermatologists; LMC.")
    page.get_by_label("Patients consulted").fill("Patient participation group.")
    page.get_by_role("button", name="Save draft").click()
    application = Application.objects.get()
    page.wait_for_url(f"{base}/applications/{application.pk}/")
    assert_accessible(page)
    assert page.get_by_test_id("status").inner_text() == "Draft"
    page.get_by_role("link", name="Submit", exact=True).click()
    assert_accessible(page)
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(f"{base}/applications/{application.pk}/")
    assert page.get_by_test_id("status").inner_text() == "Submitted"
    assert_accessible(page)
    sign_out(page)

    # 2. A project group member assesses it and recommends it.
    sign_in(page, base, "project_group")
    assert "assessment due" in page.get_by_test_id("home-notifications").inner_text()
    visit(page, f"{base}/applications/{application.pk}/")
    page.get_by_role("link", name="Start assessment").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start assessment").click()
    page.get_by_role("link", name="Record your assessment").click()
    assert_accessible(page)
    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    page.get_by_label("Comments on A1").fill("Fits the LDP priority on outpatient waits.")
    page.get_by_label("Your recommendation").select_option("recommend")
    page.get_by_label("Summary of your assessment").fill("Meets all Annex 2 criteria.")
    page.get_by_label("My assessment is complete").check()
    page.get_by_role("button", name="Save assessment").click()
    page.wait_for_url(f"{base}/applications/{application.pk}/#assessments")
    assert_accessible(page)
    page.get_by_role("link", name="Recommend to the PEC").click()
    page.get_by_label("The project group's recommendation").fill(
        "Recommended: strong fit, savings exceed cost."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Recommend to the PEC").click()
    assert page.get_by_test_id("status").inner_text() == "Recommended to the PEC"
    sign_out(page)

    # 3. The PEC chair puts it on the agenda and votes.
    sign_in(page, base, chair.username)
    page.get_by_role("link", name="Applications", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="PEC meetings").click()
    assert_accessible(page)
    page.get_by_role(
        "link",
        name=meeting.starts_at.astimezone(timezone.get_current_timezone()).strftime("%-d %b %Y"),
        exact=False,
    ).first.click()
    assert_accessible(page)
    page.get_by_role("combobox", name="Application").select_option(str(application.pk))
    page.get_by_role("button", name="Add to agenda").click()
    assert_accessible(page)
    page.get_by_role("link", name=f"Vote on {application.reference}").click()
    assert_accessible(page)
    page.get_by_label("Approve with conditions").check()
    page.get_by_role("button", name="Record my vote").click()
    assert "1 of 2 needed" in page.get_by_test_id("votes").inner_text()
    sign_out(page)

    # 4. A partner of the applying practice cannot vote: shown, and refused if tried.
    sign_in(page, base, "dr_partner")
    visit(page, f"{base}/applications/meetings/{meeting.pk}/")
    assert "you cannot vote on it" in page.get_by_test_id("cannot-vote").inner_text()
    assert page.get_by_role("link", name=f"Vote on {application.reference}").count() == 0
    item = meeting.items.get()
    visit(page, f"{base}/applications/agenda-items/{item.pk}/vote/")
    assert "cannot vote" in page.get_by_test_id("cannot-vote").inner_text()
    sign_out(page)

    # 5. Another member votes; the meeting is quorate.
    sign_in(page, base, "dr_voter")
    visit(page, f"{base}/applications/meetings/{meeting.pk}/")
    page.get_by_role("link", name=f"Vote on {application.reference}").click()
    page.get_by_label("Approve with conditions").check()
    page.get_by_role("button", name="Record my vote").click()
    assert "(quorate)" in page.get_by_test_id("votes").inner_text()
    assert_accessible(page)
    sign_out(page)

    # 6. The chair records the PEC's decision: approved with conditions.
    sign_in(page, base, chair.username)
    visit(page, f"{base}/applications/meetings/{meeting.pk}/")
    assert "dr_partner" in page.get_by_test_id("conflicts").inner_text()
    page.get_by_role("link", name=f"Record the decision on {application.reference}").click()
    assert_accessible(page)
    page.get_by_label("Approve with conditions").check()
    page.get_by_label("Conditions or reasons").fill("Audit of waiting times at six months.")
    page.get_by_role("button", name="Record the decision").click()
    assert "Approve with conditions" in page.get_by_test_id("outcome").inner_text()
    assert_accessible(page)
    pack = page.request.get(f"{base}/applications/meetings/{meeting.pk}/pack.pdf")
    assert pack.ok and pack.body().startswith(b"%PDF")
    sign_out(page)

    # 7. The Board ratifies (the cost is above £100,000).
    sign_in(page, base, "board_member")
    assert "Board ratification due" in page.get_by_test_id("home-notifications").inner_text()
    visit(page, f"{base}/applications/{application.pk}/")
    assert page.get_by_test_id("status").inner_text() == "Approved by the PEC, awaiting Board ratification"
    page.get_by_role("link", name="Ratify").click()
    assert_accessible(page)
    page.get_by_role("button", name="Ratify").click()
    assert page.get_by_test_id("status").inner_text() == "Approved"
    sign_out(page)

    # 8. The applicant sees every step, and was notified of each.
    sign_in(page, base, "practice_manager")
    notices = page.get_by_test_id("home-notifications").inner_text()
    for text in ("submission received", "on the PEC agenda", "approve with conditions", "ratify"):
        assert text in notices, (text, notices)
    page.get_by_test_id("home-notifications").get_by_role("link").first.click()
    assert_accessible(page)
    timeline = page.get_by_test_id("timeline").inner_text()
    for step in (
        "Submit",
        "Start assessment",
        "Recommend to the PEC",
        "Put on the agenda of the PEC meeting",
        "Approve with conditions",
        "Ratify",
    ):
        assert step in timeline, (step, timeline)
    assert "Audit of waiting times at six months." in page.get_by_test_id("conditions").inner_text()
    assert page.get_by_test_id("status").inner_text() == "Approved"
    visit(page, f"{base}/applications/notifications/")
