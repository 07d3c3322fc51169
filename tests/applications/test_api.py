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
    assert refused.status_code == 400 and "proposed_start" in refused.json()["errors"]
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
    assert bad.status_code == 400 and "cost" in bad.json()["errors"]
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
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
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


# --- readiness self-assessment (Annex 1) and practice competencies ----------------------------------


def csv_rows(response) -> list[list[str]]:
    import csv
    import io

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


READINESS = {
    "review_date": "2024-06-01",
    "notes": "Quarterly review",
    "ratings": [
        {"area": "rel_collaborative", "rag": "green", "evidence": "Locality boards meet monthly"},
        {"area": "rel_clinical", "rag": "amber", "actions": "GP leads for each locality"},
    ],
}


def test_readiness_self_assessment_over_the_api(client, world):
    from applications.models import ReadinessReview

    url = reverse("readiness-review-create")
    assert post(client, url, READINESS).status_code == 401
    login(client, world, Role.PRACTICE_MANAGER)
    assert post(client, url, READINESS).status_code == 403
    login(client, world, Role.PCT_INFORMATION)
    response = post(client, url, READINESS)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["pct"], body["review_date"], body["recorded_by"]) == ("5WV", "2024-06-01", "pct_information")
    assert [(r["area"], r["rag"]) for r in body["ratings"]] == [
        ("rel_collaborative", "green"),
        ("rel_clinical", "amber"),
    ]
    assert body["ratings"][0]["area_label"] == "Collaborative working"
    review = ReadinessReview.objects.get()
    assert (
        review.history.count() == 1
        and review.history.first().history_user == world.users[Role.PCT_INFORMATION]
    )
    again = post(client, url, READINESS)
    assert again.status_code == 409 and "already exists" in again.json()["message"]
    bad = post(
        client, url, {**READINESS, "review_date": "2024-07-01", "ratings": [{"area": "nope", "rag": "blue"}]}
    )
    assert bad.status_code == 400 and bad.json()["errors"]["ratings"]
    twice = {**READINESS, "review_date": "2024-07-01", "ratings": READINESS["ratings"][:1] * 2}
    assert post(client, url, twice).status_code == 400
    assert post(client, url, {**READINESS, "review_date": "2024-07-01", "ratings": []}).status_code == 400
    assert ReadinessReview.objects.count() == 1

    detail = reverse("readiness-review-detail", kwargs={"pk": review.pk})
    assert client.get(detail).json()["id"] == review.pk
    other = ReadinessReview.objects.create(pct=world.other_pct, review_date=review.review_date)
    assert client.get(reverse("readiness-review-detail", kwargs={"pk": other.pk})).status_code == 404
    listed = client.get(reverse("readiness-review-list"), {"date_from": "2024-01-01"}).json()
    assert [r["id"] for r in listed["results"]] == [review.pk]
    assert client.get(reverse("readiness-review-list"), {"date_to": "2024-01-01"}).json()["count"] == 0
    rows = csv_rows(client.get(reverse("readiness-review-list"), {"format": "csv"}))
    assert len(rows) == 2 and rows[1][rows[0].index("pct")] == "5WV"
    login(client, world, Role.PRACTICE_MANAGER)  # the PCT's self-assessment is not a practice's to read
    assert client.get(detail).status_code == 403
    client.logout()
    assert client.get(detail).status_code == 401


def test_practice_competencies_over_the_api(client, world):
    from applications.models import PracticeCompetency

    url = reverse("practice-competency-record")
    payload = {
        "practice": "L85001",
        "reviewed_on": "2024-05-02",
        "items": [
            {"item": "delivery_plans", "status": "met", "evidence": "Plan for 2024/25"},
            {"item": "agenda", "status": "partly_met"},
        ],
    }
    assert post(client, url, payload).status_code == 401
    login(client, world, Role.PRACTICE_MANAGER)
    assert post(client, url, payload).status_code == 403
    login(client, world, Role.PROJECT_GROUP)
    response = post(client, url, payload)
    assert response.status_code == 200, response.content
    assert [(r["item"], r["status"], r["reviewed_on"]) for r in response.json()] == [
        ("delivery_plans", "met", "2024-05-02"),
        ("agenda", "partly_met", "2024-05-02"),
    ]
    row = PracticeCompetency.objects.get(practice=world.practice, item="delivery_plans")
    assert row.history.count() == 1 and row.history.first().history_user == world.users[Role.PROJECT_GROUP]
    bad = post(client, url, {**payload, "items": [{"item": "nope", "status": "met"}]})
    assert bad.status_code == 400 and bad.json()["errors"]["items"]
    foreign = post(client, url, {**payload, "practice": "Y99999"})
    assert foreign.status_code == 400 and foreign.json()["errors"]["practice"]
    post(client, url, {**payload, "practice": "L85002", "items": [{"item": "agenda", "status": "met"}]})
    post(client, url, {**payload, "practice": "L85003", "items": [{"item": "agenda", "status": "not_met"}]})

    list_url = reverse("practice-competency-list")
    neighbour = PracticeCompetency.objects.get(practice=world.neighbour)
    client.logout()
    assert client.get(list_url).status_code == 401
    login(client, world, Role.PRACTICE_MANAGER)
    body = client.get(list_url).json()
    assert body["count"] == 2 and {r["practice"] for r in body["results"]} == {"L85001"}
    assert client.get(reverse("practice-competency-detail", kwargs={"pk": neighbour.pk})).status_code == 404
    own = client.get(reverse("practice-competency-detail", kwargs={"pk": row.pk})).json()
    assert (own["item_label"], own["status_label"], own["locality"]) == (
        "Sound local delivery plans in place",
        "Met",
        "5WV-NORTH",
    )
    rows = csv_rows(client.get(list_url, {"format": "csv"}))
    assert len(rows) == 3 and {r[rows[0].index("practice")] for r in rows[1:]} == {"L85001"}
    login(client, world, Role.LOCALITY_LEAD)
    assert client.get(list_url).json()["count"] == 3
    login(client, world, Role.AUDITOR)
    assert client.get(list_url).json()["count"] == 4
    agenda_met = client.get(list_url, {"item": "agenda", "status": "met"}).json()["results"]
    assert [r["practice"] for r in agenda_met] == ["L85002"]
    assert client.get(list_url, {"locality": "5wv-south"}).json()["count"] == 1
    assert client.get(list_url, {"status": "nonsense"}).status_code == 400


def test_competency_and_readiness_lists_have_bounded_query_counts(
    client, world, django_assert_max_num_queries
):
    from applications.models import PracticeCompetency, ReadinessRating, ReadinessReview

    for practice in (world.practice, world.neighbour, world.far):
        for item in ("delivery_plans", "agenda"):
            PracticeCompetency.objects.create(
                practice=practice, item=item, status="met", reviewed_by=world.users[Role.PROJECT_GROUP]
            )
    for day in (1, 2, 3):
        review = ReadinessReview.objects.create(pct=world.pct, review_date=f"2024-06-0{day}")
        ReadinessRating.objects.create(review=review, area="rel_clinical", rag="green")
    login(client, world, Role.AUDITOR)
    # session, user, permissions (2), memberships, count, rows (+ ratings): the same for any number of rows
    with django_assert_max_num_queries(7):
        assert client.get(reverse("practice-competency-list")).json()["count"] == 6
    with django_assert_max_num_queries(8):
        assert client.get(reverse("readiness-review-list")).json()["count"] == 3


def test_money_in_other_scripts_is_a_field_error(client, world):
    login(client, world, Role.PRACTICE_MANAGER)
    bad = post(client, reverse("application-list"), {"title": "x", "practices": ["L85001"], "cost": "٣٤٥"})
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["cost"]
    assert not Application.objects.exists()


def test_a_member_who_tries_to_end_their_interest_in_the_meeting_still_cannot_vote_by_api(client, world):
    chair = world.users[Role.PEC_MEMBER]
    application = application_for(world.practice, status=S.RECOMMENDED)
    item = AgendaItemFactory(meeting=MeetingFactory(pct=world.pct, chair=chair), application=application)
    partner = member(Role.PEC_MEMBER, pct=world.pct, username="dr_partner")
    declaration = InterestFactory(
        pct=world.pct, member=partner, practice=world.practice, description="Partner at Abbey Surgery"
    )
    end_url = reverse("interest-end", kwargs={"pk": declaration.pk})
    votes_url = reverse("agenda-item-votes", kwargs={"pk": item.pk})
    client.force_login(partner)
    blank = post(client, end_url, {"reason": " "})
    assert blank.status_code == 400 and list(blank.json()["errors"]) == ["reason"]
    refused = post(client, end_url, {"reason": "Resolved"})
    assert refused.status_code == 409 and "still open" in refused.json()["message"]
    assert refused.json()["extra"] == {"agenda_items": [item.pk]}
    vote = post(client, votes_url, {"choice": VoteChoice.APPROVE})
    assert vote.status_code == 403 and "declared an interest" in vote.json()["message"]

    client.force_login(world.users[Role.PCT_COMMISSIONING])
    ended = post(client, end_url, {"reason": "Left the partnership in March"})
    assert ended.status_code == 200, ended.content
    body = ended.json()
    assert (body["ended_by"], body["end_reason"]) == ("pct_commissioning", "Left the partnership in March")
    client.force_login(partner)
    vote = post(client, votes_url, {"choice": VoteChoice.APPROVE})
    assert vote.status_code == 200
    mine = next(v for v in vote.json()["votes"] if v["member"] == "dr_partner")
    assert mine["declared_interest_at_vote"] is True
    assert mine["interests_at_vote"][0]["end_reason"] == "Left the partnership in March"
    assert post(client, end_url, {"reason": "again"}).status_code == 409  # already ended
