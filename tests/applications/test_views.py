"""Pages: only the actions a user may take, forms that call services, refusals shown, bounded queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from applications.choices import ApplicationStatus, VoteChoice
from applications.constants import ANNEX1_AREAS
from applications.models import (
    Application,
    DecisionRules,
    InterestDeclaration,
    Meeting,
    PracticeCompetency,
    ReadinessReview,
    Vote,
)
from pbc.choices import Role
from tests.factories.applications import (
    AgendaItemFactory,
    InterestFactory,
    MeetingFactory,
    application_for,
)
from tests.factories.pbc import member

S = ApplicationStatus


def action_links(html: str) -> set[str]:
    return set(re.findall(r"/applications/\d+/do/([a-z_]+)/", html))


@pytest.mark.parametrize(
    ("status", "role", "actions"),
    [
        (S.DRAFT, Role.PRACTICE_MANAGER, {"submit", "withdraw"}),
        (S.DRAFT, Role.PROJECT_GROUP, set()),
        (S.SUBMITTED, Role.PROJECT_GROUP, {"start_assessment"}),
        (S.SUBMITTED, Role.PRACTICE_MANAGER, {"withdraw"}),
        (S.AWAITING_RATIFICATION, Role.BOARD_MEMBER, {"ratify", "refer_back"}),
        (S.RECOMMENDED, Role.PEC_MEMBER, set()),  # PEC decisions are taken at a meeting
        (S.REJECTED, Role.LOCALITY_LEAD, {"appeal"}),
        (S.SHA_ARBITRATION, Role.PCT_COMMISSIONING, {"uphold", "overturn"}),
        (S.APPROVED, Role.AUDITOR, set()),
    ],
)
def test_detail_shows_only_the_actions_the_user_may_take(client, world, status, role, actions):
    application = application_for(world.practice, status=status)
    client.force_login(world.users[role])
    html = client.get(
        reverse("applications:application_detail", kwargs={"pk": application.pk})
    ).content.decode()
    assert action_links(html) == actions


def test_draft_through_the_form_then_submit(client, world):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    form = client.get(reverse("applications:application_create")).content.decode()
    assert re.search(rf'value="{world.practice.pk}"[^>]*checked', form)  # their one practice is ticked
    response = client.post(
        reverse("applications:application_create"),
        {
            "kind": "new_service",
            "title": "Warfarin clinic",
            "practices": [world.practice.pk],
            "cost_pence": "12,500.50",
            "treatment_functions": "324, 300",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/applications/{application.pk}/")
    assert (application.cost_pence, application.treatment_functions) == (1_250_050, ["324", "300"])
    submit = reverse("applications:application_transition", kwargs={"pk": application.pk, "action": "submit"})
    refused = client.post(submit)
    assert refused.status_code == 400 and "not complete" in refused.content.decode()
    edit = reverse("applications:application_update", kwargs={"pk": application.pk})
    data = {
        "kind": "new_service",
        "title": "Warfarin clinic",
        "practices": [world.practice.pk],
        "summary": "Near-patient testing",
        "reasons": "Hospital clinic is full",
        "risks": "Training",
        "clinical_outcomes": "INR in range",
        "patient_benefit": "No travel",
        "patients_benefiting": "350",
        "cost_pence": "12500.50",
        "funding_source": "indicative_budget",
        "proposed_start": "2024-10-01",
        "stakeholders_consulted": "Haematology",
    }
    assert client.post(edit, data).status_code == 302
    assert client.post(submit).status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert client.post(edit, data).status_code == 409


def test_reason_is_required_on_the_page_and_illegal_moves_are_refused(client, world):
    application = application_for(world.practice, status=S.REJECTED)
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    url = reverse("applications:application_transition", kwargs={"pk": application.pk, "action": "appeal"})
    assert "Grounds of appeal" in client.get(url).content.decode()
    assert client.post(url, {"reason": ""}).status_code == 200
    assert Application.objects.get(pk=application.pk).status == S.REJECTED
    assert client.post(url, {"reason": "New evidence on savings"}).status_code == 302
    assert Application.objects.get(pk=application.pk).status == S.LOCAL_RESOLUTION
    again = client.post(url, {"reason": "Again"})
    assert again.status_code == 409
    assert "cannot be done while" in client.get(url).content.decode()


def test_list_page_queries_are_bounded(client, world, django_assert_max_num_queries):
    for practice in (world.practice, world.neighbour, world.far) * 10:
        application_for(practice)
    client.force_login(world.users[Role.PCT_FINANCE])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("applications:application_list"))
    assert "30 applications" in response.content.decode()


def test_meeting_page_shows_conflicts_and_refuses_a_conflicted_vote(client, world):
    chair = world.users[Role.PEC_MEMBER]
    application = application_for(world.practice, status=S.RECOMMENDED)
    item = AgendaItemFactory(meeting=MeetingFactory(pct=world.pct, chair=chair), application=application)
    partner = member(Role.PEC_MEMBER, pct=world.pct, username="dr_partner")
    InterestFactory(
        pct=world.pct, member=partner, practice=world.practice, description="Partner at Abbey Surgery"
    )
    client.force_login(partner)
    html = client.get(reverse("applications:meeting_detail", kwargs={"pk": item.meeting_id})).content.decode()
    assert "you cannot vote on it" in html
    assert reverse("applications:vote_cast", kwargs={"pk": item.pk}) not in html
    vote_url = reverse("applications:vote_cast", kwargs={"pk": item.pk})
    assert "cannot vote" in client.get(vote_url).content.decode()
    refused = client.post(vote_url, {"choice": VoteChoice.APPROVE})
    assert refused.status_code == 403 and "declared an interest" in refused.content.decode()
    assert not Vote.objects.exists()
    client.force_login(chair)
    html = client.get(reverse("applications:meeting_detail", kwargs={"pk": item.meeting_id})).content.decode()
    assert "Members with an interest (cannot vote)" in html and "dr_partner" in html
    decision = client.post(
        reverse("applications:decision_record", kwargs={"pk": item.pk}), {"outcome": "approve", "reason": ""}
    )
    assert decision.status_code == 409 and "not quorate" in decision.content.decode()


def test_only_the_chair_opens_the_decision_page(client, world):
    item = AgendaItemFactory(
        meeting=MeetingFactory(pct=world.pct, chair=world.users[Role.PEC_MEMBER]),
        application=application_for(world.practice, status=S.RECOMMENDED),
    )
    client.force_login(member(Role.PEC_MEMBER, pct=world.pct, username="other_pec"))
    assert client.get(reverse("applications:decision_record", kwargs={"pk": item.pk})).status_code == 403


def test_schedule_a_meeting_and_set_its_agenda(client, world):
    chair = world.users[Role.PEC_MEMBER]
    client.force_login(world.users[Role.PCT_COMMISSIONING])
    response = client.post(
        reverse("applications:meeting_create"),
        {
            "title": "PEC",
            "starts_at": "2024-09-12T14:00",
            "location": "Room 1",
            "chair": chair.pk,
            "quorum": "",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and meeting.quorum == 3 and meeting.chair == chair
    application = application_for(world.practice, status=S.RECOMMENDED)
    client.force_login(chair)
    page = client.get(reverse("applications:meeting_detail", kwargs={"pk": meeting.pk})).content.decode()
    assert application.title in page  # offered for the agenda
    response = client.post(
        reverse("applications:agenda_item_add", kwargs={"pk": meeting.pk}), {"application": application.pk}
    )
    assert response.status_code == 302 and meeting.items.get().application == application


def test_assessment_page(client, world):
    application = application_for(world.practice, status=S.UNDER_ASSESSMENT)
    client.force_login(world.users[Role.PROJECT_GROUP])
    url = reverse("applications:assessment_edit", kwargs={"pk": application.pk})
    html = client.get(url).content.decode()
    assert "A. Strategic fit" in html and "E1. Proposed start date" in html
    codes = re.findall(r'name="answer_([A-E]\d)"', html)
    data = {f"answer_{c}": "yes" for c in codes} | {
        "recommendation": "recommend",
        "complete": "on",
        "summary": "Good",
    }
    assert client.post(url, data).status_code == 302
    assert application.assessments.get().status == "completed"
    html = client.get(
        reverse("applications:application_detail", kwargs={"pk": application.pk})
    ).content.decode()
    assert "Completed: Recommend to the PEC" in html


def test_readiness_pages(client, world):
    client.force_login(world.users[Role.PCT_INFORMATION])
    data = {
        "review_date": "2024-06-01",
        "notes": "",
        "rag_it_solutions": "amber",
        "evidence_it_solutions": "Pilot",
    }
    response = client.post(reverse("applications:readiness_create"), data)
    review = ReadinessReview.objects.get()
    assert response.status_code == 302 and review.ratings.get().rag == "amber"
    html = client.get(reverse("applications:readiness_list")).content.decode()
    assert "Possible IT solutions explored" in html and "Amber" in html
    assert len(ANNEX1_AREAS) == html.count('<th scope="row"')


def test_competency_pages(client, world):
    url = reverse("applications:competency_practice", kwargs={"code": world.practice.code})
    client.force_login(world.users[Role.PROJECT_GROUP])
    data = {"reviewed_on": "2024-05-01", "status_ppi": "met", "evidence_ppi": "Patient group minutes"}
    for code in ("delivery_plans", "influence", "agenda", "list_size", "data_quality", "performance", "it_systems",
                 "no_disputes", "systematic", "choice", "governance", "agreements"):  # fmt: skip
        data[f"status_{code}"] = "not_assessed"
    assert client.post(url, data).status_code == 302
    assert PracticeCompetency.objects.get(item="ppi").evidence == "Patient group minutes"
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    html = client.get(url).content.decode()
    assert "Patient group minutes" in html and "<form" not in html.split("<main")[1].split("Sign out")[0]
    assert client.post(url, data).status_code == 403


def test_decision_rules_and_interest_pages(client, world):
    client.force_login(world.users[Role.PCT_COMMISSIONING])
    response = client.post(
        reverse("applications:decision_rules"),
        {"year": "2024/25", "ratification_threshold_pence": "50,000", "pec_quorum": "4"},
    )
    assert response.status_code == 302
    assert DecisionRules.objects.get().ratification_threshold_pence == 50_000_00
    client.force_login(world.users[Role.PEC_MEMBER])
    assert client.post(reverse("applications:decision_rules"), {}).status_code == 403
    response = client.post(
        reverse("applications:interest_create"),
        {"kind": "practice", "practice": world.far.pk, "description": "Partner at Castle Surgery"},
    )
    assert response.status_code == 302
    declaration = InterestDeclaration.objects.get()
    assert declaration.member == world.users[Role.PEC_MEMBER] and declaration.practice == world.far
    end_url = reverse("applications:interest_end", kwargs={"pk": declaration.pk})
    blank = client.post(end_url, {"reason": ""})
    assert blank.status_code == 200 and "reason" in blank.context["form"].errors
    assert client.post(end_url, {"reason": "Left Castle Surgery in March"}).status_code == 302
    declaration.refresh_from_db()
    assert declaration.ended_at is not None and declaration.ended_by == world.users[Role.PEC_MEMBER]
    register = client.get(reverse("applications:interest_list")).content.decode()
    assert "Left Castle Surgery in March" in register and "Why it ended" in register


def test_a_member_who_tries_to_end_their_interest_in_the_meeting_still_cannot_vote(client, world):
    chair = world.users[Role.PEC_MEMBER]
    application = application_for(world.practice, status=S.RECOMMENDED)
    item = AgendaItemFactory(meeting=MeetingFactory(pct=world.pct, chair=chair), application=application)
    partner = member(Role.PEC_MEMBER, pct=world.pct, username="dr_partner")
    client.force_login(partner)
    declared = client.post(
        reverse("applications:item_interest_declare", kwargs={"pk": item.pk}),
        {"description": "My spouse is a partner at Abbey Surgery"},
    )
    assert declared.status_code == 302
    declaration = InterestDeclaration.objects.get(member=partner)
    end_url = reverse("applications:interest_end", kwargs={"pk": declaration.pk})
    assert "still open" in client.get(end_url).content.decode()
    refused = client.post(end_url, {"reason": "Resolved"})
    assert refused.status_code == 409 and "still open" in refused.content.decode()
    declaration.refresh_from_db()
    assert declaration.ended_at is None
    vote = client.post(
        reverse("applications:vote_cast", kwargs={"pk": item.pk}), {"choice": VoteChoice.APPROVE}
    )
    assert vote.status_code == 403 and "declared an interest" in vote.content.decode()
    assert not Vote.objects.exists()

    # The PEC secretary may end it during the meeting, with a reason; the vote then records it.
    client.force_login(world.users[Role.PCT_COMMISSIONING])
    assert "As PEC secretary" in client.get(end_url).content.decode()
    assert client.post(end_url, {"reason": "Recorded against the wrong application"}).status_code == 302
    client.force_login(partner)
    vote = client.post(
        reverse("applications:vote_cast", kwargs={"pk": item.pk}), {"choice": VoteChoice.APPROVE}
    )
    assert vote.status_code == 302
    cast = Vote.objects.get(member=partner)
    assert cast.declared_interest_at_vote and cast.interests_at_vote[0]["end_reason"].startswith("Recorded")


def test_every_model_has_an_admin_page(client, world):
    from django.apps import apps
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    application_for(world.practice)
    client.force_login(
        get_user_model().objects.create_superuser("root", "root@nhs.example", "a-test-password-1")
    )
    for model in apps.get_app_config("applications").get_models():
        if model.__name__.startswith("Historical"):
            continue
        assert model in admin.site._registry, model
        url = reverse(f"admin:applications_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, model


def test_money_in_other_scripts_is_a_field_error_on_the_form(client, world):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    response = client.post(
        reverse("applications:application_create"),
        {
            "kind": "new_service",
            "title": "Warfarin clinic",
            "practices": [world.practice.pk],
            "cost_pence": "٣٤٥",
        },
    )
    assert response.status_code == 200 and "cost_pence" in response.context["form"].errors
    assert not Application.objects.exists()
