"""PEC papers: the meeting pack and the minutes render as PDF; the pack's budget position comes from a hook."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from applications import packs, services
from applications.choices import Action, ApplicationStatus, VoteChoice
from pbc.choices import Role
from tests.factories.applications import (
    AgendaItemFactory,
    InterestFactory,
    MeetingFactory,
    application_for,
    completed_assessment,
)
from tests.factories.pbc import member


@pytest.fixture
def meeting(world):
    chair = world.users[Role.PEC_MEMBER]
    meeting = MeetingFactory(pct=world.pct, chair=chair, quorum=2)
    application = application_for(
        world.practice, status=ApplicationStatus.UNDER_ASSESSMENT, title="Minor surgery hub"
    )
    completed_assessment(application, world.users[Role.PROJECT_GROUP])
    application.__class__.objects.filter(pk=application.pk).update(status=ApplicationStatus.RECOMMENDED)
    item = AgendaItemFactory(meeting=meeting, application=application)
    partner = member(Role.PEC_MEMBER, pct=world.pct, username="dr_partner")
    InterestFactory(
        pct=world.pct, member=partner, practice=world.practice, description="Partner at Abbey Surgery"
    )
    for name in ("dr_a", "dr_b"):
        services.vote_cast(
            item=item, actor=member(Role.PEC_MEMBER, pct=world.pct, username=name), choice=VoteChoice.APPROVE
        )
    services.agenda_item_decide(
        item=item, actor=chair, outcome=Action.APPROVE_WITH_CONDITIONS, reason="Report at 6 months"
    )
    return meeting


def test_minutes_and_pack_are_pdfs(meeting):
    assert packs.meeting_minutes_pdf(meeting).startswith(b"%PDF")
    assert packs.meeting_pack_pdf(meeting).startswith(b"%PDF")


def test_minutes_show_votes_conflicts_and_decision(meeting):
    html = render_to_string("applications/pdf/minutes.html", packs.meeting_minutes_context(meeting))
    assert "Minor surgery hub" in html
    assert "Did not vote (interest declared):" in html and "Partner at Abbey Surgery" in html
    assert "Approve with conditions — Report at 6 months" in html
    assert "Votes from members without an interest: 2 (quorum 2)" in html


def test_pack_says_no_budget_report_until_a_provider_is_registered(meeting, world):
    html = render_to_string("applications/pdf/meeting_pack.html", packs.meeting_pack_context(meeting))
    assert "Abbey Surgery (L85001)</strong>: No budget report is published yet for this practice." in html
    assert "A1. Satisfies the key local aims" in html  # the assessment is in the pack

    def month_six(*, practice, on):
        return packs.BudgetPosition(
            title="Month 6 of 2024/25",
            rows=[("Budget to date", "£610,000.00"), ("Forecast outturn", "£1,180,000.00")],
        )

    packs.register_budget_position(month_six)
    try:
        html = render_to_string("applications/pdf/meeting_pack.html", packs.meeting_pack_context(meeting))
    finally:
        packs.unregister_budget_position(month_six)
    assert "Month 6 of 2024/25" in html and "£1,180,000.00" in html
    assert "No budget report is published yet" not in html


@pytest.mark.parametrize("name", ["applications:meeting_minutes_pdf", "applications:meeting_pack_pdf"])
def test_pdf_pages(client, world, meeting, name):
    client.force_login(world.users[Role.BOARD_MEMBER])
    response = client.get(reverse(name, kwargs={"pk": meeting.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_minutes_show_an_interest_ended_before_the_vote(world):
    chair = world.users[Role.PEC_MEMBER]
    item = AgendaItemFactory(
        meeting=MeetingFactory(pct=world.pct, chair=chair, quorum=1),
        application=application_for(world.practice, status=ApplicationStatus.RECOMMENDED),
    )
    voter = member(Role.PEC_MEMBER, pct=world.pct, username="dr_former")
    declaration = InterestFactory(
        pct=world.pct, member=voter, practice=world.practice, description="Former partner"
    )
    services.interest_end(
        declaration=declaration, actor=world.users[Role.PCT_COMMISSIONING], reason="Left in 2006"
    )
    services.vote_cast(item=item, actor=voter, choice=VoteChoice.APPROVE)
    html = render_to_string("applications/pdf/minutes.html", packs.meeting_minutes_context(item.meeting))
    assert (
        "Declared an interest (Former partner), ended by pct_commissioning before voting: Left in 2006"
        in html
    )
