"""The applications API through HTTP: scope, drafting, submit, transitions (409/403), assessments, PEC."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.choices import ApplicationStatus, VoteChoice
from applications.models import Application
from pbc import services as pbc_services
from pbc.choices import Role
from tests.factories.applications import (
    AgendaItemFactory,
    InterestFactory,
    MeetingFactory,
    application_for,
    completed_assessment,
)
from tests.factories.pbc import member

S = ApplicationStatus


def login(client, world, role):
    client.force_login(world.users[role])
    return world.users[role]


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_list_is_scoped(client, world):
    own = application_for(world.practice)
    neighbour = application_for(world.neighbour)
    far = application_for(world.far)
    application_for(world.foreign)
    expected = {
        Role.PRACTICE_MANAGER: {own.pk},
        Role.LOCALITY_LEAD: {own.pk, neighbour.pk},
        Role.PCT_FINANCE: {own.pk, neighbour.pk, far.pk},
        Role.API_CLIENT: {own.pk, neighbour.pk, far.pk},
    }
    for role, ids in expected.items():
        login(client, world, role)
        body = client.get(reverse("application-list")).json()
        assert {row["id"] for row in body["results"]} == ids, role


def test_list_query_count_is_bounded(client, world, django_assert_max_num_queries):
    for practice in (world.practice, world.neighbour, world.far) * 8:
        application_for(practice)
    login(client, world, Role.PCT_COMMISSIONING)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("application-list")).json()
    assert body["count"] == 24


def test_filters_are_the_filterset(client, world):
    application_for(world.practice, title="Anticoagulation clinic", status=S.SUBMITTED)
    application_for(world.far, title="Physiotherapy")
    login(client, world, Role.AUDITOR)
    body = client.get(reverse("application-list"), {"status": "submitted", "practice": "L85001"}).json()
    assert [row["title"] for row in body["results"]] == ["Anticoagulation clinic"]


def test_draft_edit_submit_and_read_the_timeline(client, world):
    login(client, world, Role.PRACTICE_MANAGER)
    response = post(
        client,
        reverse("application-list"),
        {
            "kind": "new_service",
            "title": "Community ophthalmology",
            "practices": ["L85001"],
            "summary": "Optometrists manage low-risk referrals",
            "reasons": "Waits",
            "risks": "Capacity",
            "clinical_outcomes": "Fewer referrals",
            "patient_benefit": "Closer to home",
            "patients_benefiting": 900,
            "cost": "84000.00",
            "expected_savings": "120000.50",
            "funding_source": "indicative_budget",
            "stakeholders_consulted": "LOC",
            "treatment_functions": ["130"],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["cost"], body["expected_savings"], body["practices"]) == (
        "draft",
        "84000.00",
        "120000.50",
        ["L85001"],
    )
    assert [a["action"] for a in body["available_actions"]] == ["submit", "withdraw"]
    pk = body["id"]
    submit = reverse("application-submit", kwargs={"pk": pk})
    assert client.get(submit).json() == {"id": pk, "status": "draft", "can_submit": True}
    refused = post(client, submit)
    assert refused.status_code == 400 and "proposed_start" in refused.json()["extra"]["fields"]
    patched = client.patch(
        reverse("application-detail", kwargs={"pk": pk}),
        {"proposed_start": "2024-11-01"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["year"] == "2024/25"
    submitted = post(client, submit)
    assert submitted.status_code == 200
    assert submitted.json()["timeline"][0] | {"at": None} == {
        "action": "submit",
        "action_label": "Submit",
        "from_status": "draft",
        "to_status": "submitted",
        "actor": "practice_manager",
        "reason": "",
        "agenda_item": None,
        "at": None,
    }
    again = post(client, submit)
    assert again.status_code == 409
    assert again.json()["extra"]["status"] == "submitted"
    assert "cannot be given" in again.json()["message"]


def test_money_and_scope_are_validated(client, world):
    login(client, world, Role.PRACTICE_MANAGER)
    bad = post(client, reverse("application-list"), {"title": "x", "practices": ["L85001"], "cost": "12.345"})
    assert bad.status_code == 400 and "cost" in bad.json()["extra"]["fields"]
    outside = post(client, reverse("application-list"), {"title": "x", "practices": ["L85002"]})
    assert outside.status_code == 404
    assert not Application.objects.exists()


def test_transitions_403_for_the_wrong_role_and_409_for_an_illegal_move(client, world):
    application = application_for(world.practice, status=S.SUBMITTED)
    url = reverse("application-transitions", kwargs={"pk": application.pk})
    login(client, world, Role.PRACTICE_MANAGER)
    wrong_role = post(client, url, {"action": "start_assessment"})
    assert wrong_role.status_code == 403
    login(client, world, Role.BOARD_MEMBER)
    illegal = post(client, url, {"action": "ratify"})
    assert illegal.status_code == 409
    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED
    login(client, world, Role.PROJECT_GROUP)
    ok = post(client, url, {"action": "start_assessment", "reason": "Assigned to two assessors"})
    assert ok.status_code == 200
    body = ok.json()
    assert (
        body["status"] == "under_assessment" and body["timeline"][-1]["reason"] == "Assigned to two assessors"
    )
    assert {a["action"] for a in body["available_actions"]} == {"recommend", "not_recommend"}
    no_reason = post(client, url, {"action": "not_recommend"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["extra"]["fields"]
    login(client, world, Role.AUDITOR)
    assert post(client, url, {"action": "recommend", "reason": "Looks fine"}).status_code == 403
    assert client.get(url).json()["status"] == "under_assessment"


def test_pec_decisions_are_not_taken_through_transitions(client, world):
    application = application_for(world.practice, status=S.RECOMMENDED)
    login(client, world, Role.PEC_MEMBER)
    response = post(
        client, reverse("application-transitions", kwargs={"pk": application.pk}), {"action": "approve"}
    )
    assert response.status_code == 400 and "agenda item" in response.json()["message"]


def test_assessments_through_the_api(client, world):
    application = application_for(world.practice, status=S.UNDER_ASSESSMENT)
    url = reverse("application-assessments", kwargs={"pk": application.pk})
    login(client, world, Role.PROJECT_GROUP)
    response = post(
        client,
        url,
        {"answers": [{"criterion": "A1", "answer": "yes", "comment": "Fits"}], "recommendation": "recommend"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "draft"
    assert {a["criterion"]: a["answer"] for a in response.json()["answers"]}["A1"] == "yes"
    incomplete = post(client, url, {"answers": [], "complete": True})
    assert incomplete.status_code == 400
    login(client, world, Role.PRACTICE_MANAGER)
    assert client.get(url).json()[0]["assessor"] == "project_group"
    assert post(client, url, {"answers": []}).status_code == 403


def test_pec_meeting_votes_and_decision_through_the_api(client, world):
    chair = world.users[Role.PEC_MEMBER]
    application = application_for(world.practice, status=S.UNDER_ASSESSMENT)
    completed_assessment(application, world.users[Role.PROJECT_GROUP])
    Application.objects.filter(pk=application.pk).update(status=S.RECOMMENDED)

    login(client, world, Role.PCT_COMMISSIONING)
    meeting = post(
        client,
        reverse("pec-meeting-list"),
        {
            "starts_at": "2024-09-12T14:00:00+01:00",
            "chair": chair.username,
            "quorum": 2,
            "location": "Room 1",
        },
    )
    assert meeting.status_code == 201, meeting.json()
    meeting_id = meeting.json()["id"]

    client.force_login(chair)
    item = post(
        client, reverse("pec-meeting-agenda", kwargs={"pk": meeting_id}), {"application": application.pk}
    )
    assert item.status_code == 201
    item_id = item.json()["id"]
    votes_url = reverse("agenda-item-votes", kwargs={"pk": item_id})
    decision_url = reverse("agenda-item-decision", kwargs={"pk": item_id})

    partner = member(Role.PEC_MEMBER, pct=world.pct, username="dr_partner")
    InterestFactory(
        pct=world.pct, member=partner, practice=world.practice, description="Partner at Abbey Surgery"
    )
    client.force_login(partner)
    conflicted = post(client, votes_url, {"choice": VoteChoice.APPROVE})
    assert conflicted.status_code == 403 and "interest" in conflicted.json()["message"]

    client.force_login(chair)
    not_quorate = post(client, decision_url, {"outcome": "approve"})
    assert not_quorate.status_code == 409 and not_quorate.json()["extra"] == {
        "eligible_votes": 0,
        "quorum": 2,
    }

    for name in ("dr_a", "dr_b"):
        client.force_login(member(Role.PEC_MEMBER, pct=world.pct, username=name))
        assert post(client, votes_url, {"choice": "approve_with_conditions"}).status_code == 200
    votes = client.get(votes_url).json()
    assert (votes["eligible_votes"], votes["quorate"], votes["conflicted_members"]) == (
        2,
        True,
        ["dr_partner"],
    )

    client.force_login(chair)
    decided = post(
        client, decision_url, {"outcome": "approve_with_conditions", "reason": "Audit at six months"}
    )
    assert decided.status_code == 200
    assert decided.json()["outcome"] == "approve_with_conditions"
    again = post(client, decision_url, {"outcome": "reject", "reason": "Changed our minds"})
    assert again.status_code == 409

    detail = client.get(reverse("pec-meeting-detail", kwargs={"pk": meeting_id})).json()
    assert (
        detail["items"][0]["outcome"] == "approve_with_conditions" and len(detail["items"][0]["votes"]) == 2
    )

    login(client, world, Role.PRACTICE_MANAGER)
    decisions = client.get(reverse("pec-decision-list")).json()["results"]
    assert [(d["application"], d["outcome"]) for d in decisions] == [
        (application.pk, "approve_with_conditions")
    ]
    app = client.get(reverse("application-detail", kwargs={"pk": application.pk})).json()
    assert app["status"] == "approved" and app["conditions"] == "Audit at six months"
    assert [t["action"] for t in app["timeline"]] == ["approve_with_conditions"]
    assert client.get(reverse("pec-meeting-detail", kwargs={"pk": meeting_id})).status_code == 403


def test_api_clients_read_with_a_token_but_cannot_act(client, world):
    application = application_for(world.practice)
    _, key = pbc_services.api_token_issue(
        user=world.users[Role.API_CLIENT_WRITE], name="Commissioning tracker"
    )
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get(reverse("application-list"), **auth).status_code == 200
    detail = client.get(reverse("application-detail", kwargs={"pk": application.pk}), **auth).json()
    assert detail["available_actions"] == []
    submit = client.post(reverse("application-submit", kwargs={"pk": application.pk}), **auth)
    assert submit.status_code == 403
    assert client.get(reverse("application-list")).status_code == 401


def test_decision_list_and_meetings_query_counts(client, world, django_assert_max_num_queries):
    chair = world.users[Role.PEC_MEMBER]
    meeting = MeetingFactory(pct=world.pct, chair=chair)
    for practice in (world.practice, world.far) * 5:
        AgendaItemFactory(meeting=meeting, application=application_for(practice, status=S.RECOMMENDED))
    login(client, world, Role.AUDITOR)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("pec-meeting-list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("pec-decision-list")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/applications/",
        "/api/v1/applications/{id}/transitions/",
        "/api/v1/agenda-items/{id}/decision/",
        "/api/v1/pec-meetings/",
    ],
)
def test_documented_in_the_schema(client, world, path):
    login(client, world, Role.AUDITOR)
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    assert path in schema["paths"]
