"""Service tests: drafting, ratification, appeals, registered checks, meetings, assessment, readiness."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from applications import selectors, services, workflow
from applications.choices import (
    Action,
    ApplicationKind,
    ApplicationStatus,
    AssessmentStatus,
    CompetencyStatus,
    InterestKind,
    MeetingStatus,
    VoteChoice,
)
from applications.constants import ANNEX1_AREAS, ANNEX2_CRITERIA
from applications.exceptions import ConflictOfInterest
from applications.models import (
    Application,
    Assessment,
    CriteriaSet,
    DecisionRules,
    PracticeCompetency,
    ReadinessRating,
    Vote,
)
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from tests.factories.applications import (
    AgendaItemFactory,
    InterestFactory,
    MeetingFactory,
    VoteFactory,
    application_for,
    completed_assessment,
    financial_year,
    quorate_item,
)
from tests.factories.pbc import member

S = ApplicationStatus


@pytest.fixture
def pm(world):
    return world.users[Role.PRACTICE_MANAGER]


@pytest.fixture
def chair(world):
    return world.users[Role.PEC_MEMBER]


@pytest.fixture
def voters(world):
    return [member(Role.PEC_MEMBER, pct=world.pct, username=f"pec{i}") for i in range(3)]


# Drafting ------------------------------------------------------------------------------------------


def test_a_practice_manager_drafts_for_their_practice(world, pm):
    application = services.application_create(
        actor=pm,
        title="Diabetes clinic",
        practices=[world.practice],
        data={"summary": "In-house clinic", "cost_pence": 12_500_00, "proposed_start": date(2025, 1, 5)},
    )
    assert application.status == S.DRAFT
    assert application.locality == world.north and application.pct == world.pct
    assert list(application.practices.all()) == [world.practice]
    assert application.year.start_year == 2024  # January 2025 is in 2024/25
    assert application.cost_pence == 12_500_00
    records = list(application.history.order_by("history_id"))
    assert records[0].history_type == "+" and {r.history_user for r in records} == {pm}
    assert [p.practice_id for p in records[-1].practices.all()] == [
        world.practice.pk
    ]  # the practices' history too


def test_nobody_drafts_for_a_practice_outside_their_scope(world, pm):
    with pytest.raises(PermissionDenied):
        services.application_create(actor=pm, title="x", practices=[world.neighbour])
    assert not Application.objects.exists()


def test_only_the_locality_lead_applies_for_a_whole_locality(world, pm):
    with pytest.raises(PermissionDenied):
        services.application_create(actor=pm, title="Locality upgrade", locality=world.north)
    lead = world.users[Role.LOCALITY_LEAD]
    application = services.application_create(
        actor=lead,
        title="Locality upgrade",
        locality=world.north,
        data={"kind": ApplicationKind.LOCALITY_UPGRADE},
    )
    assert application.locality == world.north and not application.practices.exists()
    assert selectors.applicant_practices(application=application) == [world.practice, world.neighbour]


def test_roles_that_do_not_apply_cannot_draft(world):
    with pytest.raises(PermissionDenied):
        services.application_create(actor=world.users[Role.PEC_MEMBER], title="x", practices=[world.far])


def test_a_draft_changes_until_it_is_submitted(world, pm):
    application = application_for(world.practice)
    services.application_update(
        application=application, actor=pm, data={"title": "New title", "cost_pence": 1}
    )
    application.refresh_from_db()
    assert (application.title, application.cost_pence) == ("New title", 1)
    assert application.history.first().history_user == pm
    services.application_submit(application=application, actor=pm)
    with pytest.raises(InvalidTransition):
        services.application_update(application=application, actor=pm, data={"title": "Too late"})
    assert Application.objects.get(pk=application.pk).title == "New title"


def test_an_incomplete_draft_cannot_be_submitted(world, pm):
    application = application_for(world.practice, summary="", patients_benefiting=None, proposed_start=None)
    with pytest.raises(ApplicationError) as exc:
        services.application_submit(application=application, actor=pm)
    assert set(exc.value.extra["fields"]) == {"summary", "patients_benefiting", "proposed_start"}
    application.refresh_from_db()
    assert application.status == S.DRAFT and not application.transitions.exists()


def test_money_cannot_be_negative(world, pm):
    application = application_for(world.practice)
    with pytest.raises(ValidationError):
        services.application_update(application=application, actor=pm, data={"cost_pence": -1})


# Board ratification --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost", "management", "provider_is_applicant", "ratify"),
    [
        (98_000_00, 2_000_00, False, False),  # exactly £100,000.00 in total: not above the threshold
        (98_000_00, 2_000_01, False, True),  # a penny above
        (1_000_00, 0, True, True),  # the applicant would provide the service
    ],
)
def test_board_ratification_above_the_threshold_or_when_applicant_provides(
    world, chair, voters, cost, management, provider_is_applicant, ratify
):
    application = application_for(
        world.practice,
        status=S.RECOMMENDED,
        cost_pence=cost,
        management_cost_pence=management,
        provider_is_applicant=provider_is_applicant,
    )
    item = quorate_item(application, chair=chair, voters=voters[:2])
    services.agenda_item_decide(item=item, actor=chair, outcome=Action.APPROVE)
    application.refresh_from_db()
    assert application.ratification_required is ratify
    assert application.status == (S.AWAITING_RATIFICATION if ratify else S.APPROVED)


def test_the_threshold_is_configurable_per_pct_and_year(world, chair, voters):
    comm = world.users[Role.PCT_COMMISSIONING]
    rules = services.decision_rules_set(
        actor=comm,
        pct=world.pct,
        year=financial_year(2024),
        ratification_threshold_pence=10_000_00,
        pec_quorum=2,
    )
    assert rules.history.first().history_user == comm
    application = application_for(
        world.practice, status=S.RECOMMENDED, cost_pence=20_000_00, management_cost_pence=0
    )
    services.agenda_item_decide(
        item=quorate_item(application, chair=chair, voters=voters[:2]), actor=chair, outcome=Action.APPROVE
    )
    application.refresh_from_db()
    assert application.status == S.AWAITING_RATIFICATION
    other_year = application_for(
        world.practice,
        status=S.RECOMMENDED,
        cost_pence=20_000_00,
        management_cost_pence=0,
        year=financial_year(2025),
    )
    services.agenda_item_decide(
        item=quorate_item(other_year, chair=chair, voters=voters[:2]), actor=chair, outcome=Action.APPROVE
    )
    other_year.refresh_from_db()
    assert other_year.status == S.APPROVED  # 2025/26 has no rule: the £100,000 default applies


def test_setting_rules_needs_the_capability(world):
    with pytest.raises(PermissionDenied):
        services.decision_rules_set(
            actor=world.users[Role.PEC_MEMBER],
            pct=world.pct,
            year=financial_year(),
            ratification_threshold_pence=1,
            pec_quorum=1,
        )
    assert not DecisionRules.objects.exists()


def test_ratification_rule_is_pure():
    assert (
        workflow.ratification_required(total_cost_pence=5, threshold_pence=5, provider_is_applicant=False)
        is False
    )
    assert (
        workflow.ratification_required(total_cost_pence=6, threshold_pence=5, provider_is_applicant=False)
        is True
    )
    assert (
        workflow.ratification_required(total_cost_pence=0, threshold_pence=5, provider_is_applicant=True)
        is True
    )


def test_the_board_refers_back_to_the_pec(world):
    application = application_for(world.practice, status=S.AWAITING_RATIFICATION)
    services.application_transition(
        application=application,
        action=Action.REFER_BACK,
        actor=world.users[Role.BOARD_MEMBER],
        reason="Check risks.",
    )
    application.refresh_from_db()
    assert application.status == S.DEFERRED


# Rejection, appeal, arbitration --------------------------------------------------------------------


def _rejected(world, chair, voters):
    application = application_for(world.practice, status=S.NOT_RECOMMENDED)
    item = quorate_item(application, chair=chair, voters=voters[:2])
    services.agenda_item_decide(
        item=item, actor=chair, outcome=Action.REJECT, reason="No evidence of savings."
    )
    application.refresh_from_db()
    return application


@pytest.mark.parametrize(
    ("outcome", "final"), [(Action.UPHOLD, S.REJECTION_UPHELD), (Action.OVERTURN, S.APPROVED)]
)
def test_rejection_appeal_local_resolution_then_sha_arbitration(world, pm, chair, voters, outcome, final):
    comm = world.users[Role.PCT_COMMISSIONING]
    application = _rejected(world, chair, voters)
    assert application.status == S.REJECTED
    services.application_transition(
        application=application, action=Action.APPEAL, actor=pm, reason="Savings evidence was attached."
    )
    services.application_transition(
        application=application, action=Action.REFER_TO_SHA, actor=pm, reason="No agreement locally."
    )
    with pytest.raises(PermissionDenied):  # the applicant cannot record the SHA's finding
        services.application_transition(application=application, action=outcome, actor=pm, reason="We won")
    services.application_transition(
        application=application, action=outcome, actor=comm, reason="SHA panel finding."
    )
    application.refresh_from_db()
    assert application.status == final
    assert [t.action for t in application.transitions.all()] == [
        Action.REJECT,
        Action.APPEAL,
        Action.REFER_TO_SHA,
        outcome,
    ]
    assert application.transitions.last().reason == "SHA panel finding."


def test_local_dispute_resolution_sends_it_back_to_the_pec(world, pm, chair, voters):
    application = _rejected(world, chair, voters)
    services.application_transition(
        application=application, action=Action.APPEAL, actor=pm, reason="Grounds."
    )
    services.application_transition(
        application=application,
        action=Action.RESOLVE_LOCALLY,
        actor=world.users[Role.PCT_COMMISSIONING],
        reason="PCT agreed to reconsider with new data.",
    )
    application.refresh_from_db()
    assert application.status == S.DEFERRED
    assert application in selectors.agenda_candidates(
        user=chair, meeting=MeetingFactory(pct=world.pct, chair=chair)
    )


def test_withdrawal_only_before_a_decision(world, pm, chair, voters):
    application = application_for(world.practice, status=S.UNDER_ASSESSMENT)
    services.application_transition(application=application, action=Action.WITHDRAW, actor=pm)
    assert Application.objects.get(pk=application.pk).status == S.WITHDRAWN
    decided = _rejected(world, chair, voters)
    with pytest.raises(InvalidTransition):
        services.application_transition(application=decided, action=Action.WITHDRAW, actor=pm)


# Checks registered by other apps -------------------------------------------------------------------


def test_a_registered_check_runs_for_its_kind_under_the_lock(world, chair, voters):
    calls = []

    def pot_is_empty(*, application, actor, reason):
        calls.append((application.pk, application.status, actor.pk))
        raise ApplicationError("The freed-up resources pot holds £0.00: not enough for £47,000.00.")

    # Only this test's check: freed_resources registers the real pot check for the same kind and action.
    key = (str(ApplicationKind.FREED_RESOURCES), str(Action.APPROVE))
    registered = list(workflow._CHECKS.get(key, []))
    workflow._CHECKS[key] = []
    workflow.register_transition_check(ApplicationKind.FREED_RESOURCES, Action.APPROVE, pot_is_empty)
    try:
        proposal = application_for(world.practice, status=S.RECOMMENDED, kind=ApplicationKind.FREED_RESOURCES)
        item = quorate_item(proposal, chair=chair, voters=voters[:2])
        with pytest.raises(ApplicationError, match="pot"):
            services.agenda_item_decide(item=item, actor=chair, outcome=Action.APPROVE)
        proposal.refresh_from_db()
        item.refresh_from_db()
        assert proposal.status == S.RECOMMENDED and not proposal.transitions.exists() and item.outcome == ""
        assert calls == [(proposal.pk, S.RECOMMENDED, chair.pk)]
        business_case = application_for(world.practice, status=S.RECOMMENDED)
        services.agenda_item_decide(
            item=quorate_item(business_case, chair=chair, voters=voters[:2]),
            actor=chair,
            outcome=Action.APPROVE,
        )
        assert len(calls) == 1  # other kinds are not checked
    finally:
        workflow._CHECKS[key] = registered


def test_checks_register_only_for_workflow_actions():
    with pytest.raises(ValueError):
        workflow.register_transition_check(ApplicationKind.NEW_SERVICE, "launch", lambda **kw: None)


# Meetings, interests, votes, quorum ------------------------------------------------------------------


@pytest.fixture
def item(world, chair):
    application = application_for(world.practice, status=S.RECOMMENDED)
    return AgendaItemFactory(
        meeting=MeetingFactory(pct=world.pct, chair=chair, quorum=2), application=application
    )


def test_a_partner_of_the_applying_practice_cannot_vote(world, item, voters):
    partner = voters[0]
    InterestFactory(
        pct=world.pct, member=partner, practice=world.practice, description="Partner at Abbey Surgery"
    )
    with pytest.raises(ConflictOfInterest, match="Partner at Abbey Surgery") as exc:
        services.vote_cast(item=item, actor=partner, choice=VoteChoice.APPROVE)
    assert exc.value.status_code == 403
    assert not Vote.objects.exists()
    assert set(selectors.conflicts_on(application=item.application)) == {partner.pk}


def test_a_provider_interest_conflicts_when_the_provider_would_deliver(world, item, voters):
    Application.objects.filter(pk=item.application_id).update(provider=world.provider)
    InterestFactory(
        pct=world.pct,
        member=voters[0],
        kind=InterestKind.PROVIDER,
        provider=world.provider,
        description="Consultant",
    )
    with pytest.raises(ConflictOfInterest):
        services.vote_cast(item=item, actor=voters[0], choice=VoteChoice.APPROVE)


def test_other_and_ended_interests_do_not_stop_a_vote(world, item, voters):
    InterestFactory(pct=world.pct, member=voters[0], kind=InterestKind.OTHER, description="Charity trustee")
    ended = InterestFactory(
        pct=world.pct, member=voters[0], practice=world.practice, description="Former partner"
    )
    # The practice's application is on an open agenda, so the PEC secretary ends it (with a reason).
    secretary = world.users[Role.PCT_COMMISSIONING]
    services.interest_end(declaration=ended, actor=secretary, reason="Left the partnership in March")
    vote = services.vote_cast(item=item, actor=voters[0], choice=VoteChoice.REJECT, comment="Too costly")
    assert vote.history.get().history_user == voters[0]
    assert vote.declared_interest_at_vote is True
    assert [(d["id"], d["current"], d["ended_by"], d["end_reason"]) for d in vote.interests_at_vote] == [
        (ended.pk, False, secretary.username, "Left the partnership in March")
    ]


def test_ending_an_interest_needs_a_reason(world, voters):
    declaration = InterestFactory(pct=world.pct, member=voters[0], practice=world.far, description="Partner")
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            services.interest_end(declaration=declaration, actor=voters[0], reason=blank)
        assert list(exc.value.message_dict) == ["reason"]
    declaration.refresh_from_db()
    assert declaration.ended_at is None and declaration.history.count() == 1


def test_a_member_cannot_end_an_interest_covering_an_open_agenda_and_then_vote(world, item, voters):
    partner = voters[0]
    declaration = InterestFactory(
        pct=world.pct, member=partner, practice=world.practice, description="Partner at Abbey Surgery"
    )
    with pytest.raises(Conflict, match="still open") as exc:
        services.interest_end(declaration=declaration, actor=partner, reason="No longer relevant")
    assert exc.value.status_code == 409 and exc.value.extra == {"agenda_items": [item.pk]}
    declaration.refresh_from_db()
    assert declaration.ended_at is None
    with pytest.raises(ConflictOfInterest):
        services.vote_cast(item=item, actor=partner, choice=VoteChoice.APPROVE)
    assert not Vote.objects.exists()


def test_once_the_meeting_closes_the_member_ends_it_with_who_when_and_why(world, item, chair, voters):
    partner = voters[0]
    declaration = InterestFactory(
        pct=world.pct, member=partner, practice=world.practice, description="Partner"
    )
    services.meeting_close(meeting=item.meeting, actor=chair)
    ended = services.interest_end(declaration=declaration, actor=partner, reason="Retired on 31 March")
    assert (ended.ended_by, ended.end_reason) == (partner, "Retired on 31 March") and ended.ended_at
    last = ended.history.latest()
    assert (last.history_user, last.end_reason) == (partner, "Retired on 31 March")
    with pytest.raises(Conflict, match="already ended"):
        services.interest_end(declaration=declaration, actor=partner, reason="Again")


def test_an_interest_off_the_open_agendas_is_ended_by_its_member_but_not_by_another(world, item, voters):
    declaration = InterestFactory(pct=world.pct, member=voters[0], practice=world.far, description="Partner")
    with pytest.raises(PermissionDenied):
        services.interest_end(declaration=declaration, actor=voters[1], reason="Not theirs to end")
    services.interest_end(declaration=declaration, actor=voters[0], reason="Left the practice")
    declaration.refresh_from_db()
    assert declaration.ended_by == voters[0]


def test_the_secretary_ending_their_own_interest_is_still_the_member(world, item):
    secretary = world.users[Role.PCT_COMMISSIONING]
    declaration = InterestFactory(pct=world.pct, member=secretary, practice=world.practice, description="x")
    with pytest.raises(Conflict, match="still open"):
        services.interest_end(declaration=declaration, actor=secretary, reason="Mine")


def test_a_decision_keeps_the_interests_as_they_stood(world, item, chair, voters):
    secretary = world.users[Role.PCT_COMMISSIONING]
    chairs = InterestFactory(
        pct=world.pct, member=chair, practice=world.practice, description="Former partner"
    )
    services.interest_end(declaration=chairs, actor=secretary, reason="Left the partnership in 2006")
    current = InterestFactory(pct=world.pct, member=voters[2], practice=world.practice, description="Partner")
    for v in voters[:2]:
        services.vote_cast(item=item, actor=v, choice=VoteChoice.APPROVE)
    services.agenda_item_decide(item=item, actor=chair, outcome=Action.APPROVE)
    item.refresh_from_db()
    assert item.declared_interest_at_decision is True
    assert [(d["id"], d["member"], d["current"]) for d in item.interests_at_decision] == [
        (chairs.pk, chair.username, False),
        (current.pk, voters[2].username, True),
    ]
    assert all(not v.declared_interest_at_vote and v.interests_at_vote == [] for v in item.votes.all())


def test_declaring_an_interest_in_an_item_withdraws_the_vote(world, item, voters):
    services.vote_cast(item=item, actor=voters[0], choice=VoteChoice.APPROVE)
    services.interest_declare(
        actor=voters[0],
        pct=world.pct,
        kind=InterestKind.APPLICATION,
        description="My spouse manages the applying practice",
        application=item.application,
        meeting=item.meeting,
    )
    assert not Vote.objects.filter(member=voters[0]).exists()
    with pytest.raises(ConflictOfInterest):
        services.vote_cast(item=item, actor=voters[0], choice=VoteChoice.APPROVE)


def test_a_partner_in_the_locality_has_an_interest_in_a_locality_application(world, chair, voters):
    application = application_for(world.practice, status=S.RECOMMENDED, practices=[])
    InterestFactory(
        pct=world.pct, member=voters[0], practice=world.neighbour, description="Partner at Bridge"
    )
    assert set(selectors.conflicts_on(application=application)) == {voters[0].pk}


def test_quorum_counts_only_members_without_an_interest(world, item, chair, voters):
    services.vote_cast(item=item, actor=voters[0], choice=VoteChoice.APPROVE)
    conflicted = voters[1]
    VoteFactory(item=item, member=conflicted)  # cast before the interest was known
    InterestFactory(pct=world.pct, member=conflicted, practice=world.practice, description="Partner")
    with pytest.raises(Conflict, match="not quorate") as exc:
        services.agenda_item_decide(item=item, actor=chair, outcome=Action.APPROVE)
    assert exc.value.extra == {"eligible_votes": 1, "quorum": 2}
    assert Application.objects.get(pk=item.application_id).status == S.RECOMMENDED
    services.vote_cast(item=item, actor=voters[2], choice=VoteChoice.APPROVE)
    services.agenda_item_decide(item=item, actor=chair, outcome=Action.APPROVE)
    item.refresh_from_db()
    assert item.outcome == Action.APPROVE and item.decided_by == chair


def test_the_quorum_comes_from_the_pcts_rule(world, chair):
    services.decision_rules_set(
        actor=world.users[Role.PCT_COMMISSIONING],
        pct=world.pct,
        year=financial_year(2024),
        ratification_threshold_pence=1,
        pec_quorum=4,
    )
    from datetime import datetime
    from zoneinfo import ZoneInfo

    meeting = services.meeting_create(
        actor=world.users[Role.PCT_COMMISSIONING],
        pct=world.pct,
        starts_at=datetime(2024, 9, 12, 14, tzinfo=ZoneInfo("Europe/London")),
        chair=chair,
    )
    assert meeting.quorum == 4 and meeting.history.get().history_user == world.users[Role.PCT_COMMISSIONING]
    with pytest.raises(ValidationError):
        services.meeting_create(
            actor=world.users[Role.PCT_COMMISSIONING],
            pct=world.pct,
            starts_at=datetime(2024, 9, 12, 14, tzinfo=ZoneInfo("Europe/London")),
            chair=world.users[Role.BOARD_MEMBER],
        )


def test_only_the_chair_records_a_decision_and_not_when_conflicted(world, item, chair, voters):
    for v in voters[:2]:
        services.vote_cast(item=item, actor=v, choice=VoteChoice.APPROVE)
    with pytest.raises(PermissionDenied):
        services.agenda_item_decide(item=item, actor=voters[2], outcome=Action.APPROVE)
    InterestFactory(pct=world.pct, member=chair, practice=world.practice, description="Partner")
    with pytest.raises(ConflictOfInterest):
        services.agenda_item_decide(item=item, actor=chair, outcome=Action.APPROVE)
    assert Application.objects.get(pk=item.application_id).status == S.RECOMMENDED


def test_a_decided_item_takes_no_more_votes_or_decisions(world, item, chair, voters):
    for v in voters[:2]:
        services.vote_cast(item=item, actor=v, choice=VoteChoice.REJECT)
    services.agenda_item_decide(item=item, actor=chair, outcome=Action.REJECT, reason="Unaffordable")
    with pytest.raises(InvalidTransition):
        services.vote_cast(item=item, actor=voters[2], choice=VoteChoice.APPROVE)
    with pytest.raises(InvalidTransition):
        services.agenda_item_decide(item=item, actor=chair, outcome=Action.APPROVE)


def test_agenda_rules(world, chair, voters):
    comm = world.users[Role.PCT_COMMISSIONING]
    meeting = MeetingFactory(pct=world.pct, chair=chair)
    draft = application_for(world.practice)
    with pytest.raises(InvalidTransition):
        services.agenda_item_add(meeting=meeting, application=draft, actor=chair)
    waiting = application_for(world.practice, status=S.RECOMMENDED)
    with pytest.raises(PermissionDenied):
        services.agenda_item_add(meeting=meeting, application=waiting, actor=voters[0])
    item = services.agenda_item_add(meeting=meeting, application=waiting, actor=chair)
    assert item.position == 1 and item.history.get().history_user == chair
    later = MeetingFactory(pct=world.pct, chair=chair)
    with pytest.raises(Conflict):
        services.agenda_item_add(meeting=later, application=waiting, actor=comm)
    services.meeting_close(meeting=meeting, actor=chair)
    assert meeting.history.first().status == MeetingStatus.CLOSED
    services.agenda_item_add(meeting=later, application=waiting, actor=comm)  # not reached: goes to the next
    with pytest.raises(InvalidTransition):
        services.agenda_item_add(
            meeting=meeting, application=application_for(world.practice, status=S.DEFERRED), actor=chair
        )


def test_deferral_puts_it_back_on_a_later_agenda(world, item, chair, voters):
    for v in voters[:2]:
        services.vote_cast(item=item, actor=v, choice=VoteChoice.DEFER)
    services.agenda_item_decide(item=item, actor=chair, outcome=Action.DEFER, reason="Needs activity data.")
    later = MeetingFactory(pct=world.pct, chair=chair)
    assert item.application in selectors.agenda_candidates(user=chair, meeting=later)


# Assessment ------------------------------------------------------------------------------------------


def test_annex2_criteria_are_seeded_per_pct_and_year(world):
    criteria_set = services.criteria_set_ensure(pct=world.pct, year=financial_year(2024))
    rows = list(criteria_set.criteria.values_list("section", "code", "text"))
    assert rows == list(ANNEX2_CRITERIA)
    assert {s for s, _, _ in rows} == {"A", "B", "C", "D", "E"}
    assert services.criteria_set_ensure(pct=world.pct, year=financial_year(2024)) == criteria_set
    criteria_set.criteria.filter(code="A2").update(text="Local outcome 1 delivered?")
    next_year = services.criteria_set_ensure(pct=world.pct, year=financial_year(2025))
    assert next_year.criteria.get(code="A2").text == "Key outcomes delivered?"
    assert CriteriaSet.objects.count() == 2


def test_several_assessors_and_the_recommendation(world):
    pg = world.users[Role.PROJECT_GROUP]
    second = member(Role.PROJECT_GROUP, pct=world.pct, username="assessor2")
    application = application_for(world.practice, status=S.UNDER_ASSESSMENT)
    with pytest.raises(ApplicationError, match="No assessment"):
        services.application_transition(
            application=application, action=Action.RECOMMEND, actor=pg, reason="ok"
        )
    draft = services.assessment_save(
        application=application, actor=pg, answers={"A1": ("yes", "Fits the LDP")}
    )
    assert (
        draft.status == AssessmentStatus.DRAFT
        and draft.answers.get(criterion__code="A1").comment == "Fits the LDP"
    )
    with pytest.raises(ApplicationError) as exc:
        services.assessment_save(
            application=application, actor=pg, answers={"A1": ("yes", "")}, complete=True
        )
    assert set(exc.value.extra["fields"]) == {"answers", "recommendation"}
    completed_assessment(application, pg)
    completed_assessment(application, second, recommendation="not_recommend")
    assert Assessment.objects.filter(application=application).count() == 2
    assert Assessment.objects.get(assessor=pg).history.first().history_user == pg
    services.application_transition(
        application=application, action=Action.RECOMMEND, actor=pg, reason="One of two assessors recommends."
    )
    application.refresh_from_db()
    assert application.recommendation_summary == "One of two assessors recommends."
    with pytest.raises(InvalidTransition):
        services.assessment_save(application=application, actor=pg, answers={})


def test_only_the_project_group_assesses(world):
    application = application_for(world.practice, status=S.UNDER_ASSESSMENT)
    with pytest.raises(PermissionDenied):
        services.assessment_save(application=application, actor=world.users[Role.PEC_MEMBER], answers={})


# Readiness and competencies --------------------------------------------------------------------------


def test_readiness_self_assessment_and_trend(world):
    finance = world.users[Role.PCT_FINANCE]
    first = services.readiness_review_record(
        actor=finance,
        pct=world.pct,
        review_date=date(2024, 4, 1),
        ratings={
            "fin_budgets": ("red", "No budgets yet", "Set 2004/05 budgets"),
            "gov_roles": ("amber", "", ""),
        },
    )
    second = services.readiness_review_record(
        actor=finance,
        pct=world.pct,
        review_date=date(2024, 10, 1),
        ratings={"fin_budgets": ("green", "Set", "")},
    )
    assert ReadinessRating.objects.filter(review=first).count() == 2
    assert first.history.get().history_user == finance
    reviews = list(selectors.readiness_review_list(user=finance).order_by("review_date"))
    trend = {
        row.code: [c.rag if c else None for c in row.cells]
        for row in selectors.readiness_trend(reviews=reviews)
    }
    assert trend["fin_budgets"] == ["red", "green"] and trend["gov_roles"] == ["amber", None]
    assert len(trend) == len(ANNEX1_AREAS)
    with pytest.raises(Conflict):
        services.readiness_review_record(
            actor=finance,
            pct=world.pct,
            review_date=second.review_date,
            ratings={"fin_budgets": ("red", "", "")},
        )
    with pytest.raises(ValidationError):
        services.readiness_review_record(
            actor=finance, pct=world.pct, review_date=date(2025, 1, 1), ratings={"nope": ("red", "", "")}
        )
    with pytest.raises(PermissionDenied):
        services.readiness_review_record(
            actor=world.users[Role.PRACTICE_MANAGER],
            pct=world.pct,
            review_date=date(2025, 2, 1),
            ratings={"fin_budgets": ("red", "", "")},
        )


def test_practice_competency_checklist(world):
    pg = world.users[Role.PROJECT_GROUP]
    saved = services.practice_competency_record(
        actor=pg,
        practice=world.practice,
        items={
            "data_quality": (CompetencyStatus.MET, "98% NHS numbers"),
            "list_size": (CompetencyStatus.NOT_MET, ""),
        },
        reviewed_on=date(2024, 5, 1),
    )
    assert len(saved) == 2
    row = PracticeCompetency.objects.get(practice=world.practice, item="data_quality")
    assert row.history.get().history_user == pg
    checklist = selectors.competency_checklist(practice=world.practice)
    assert len(checklist) == 13 and {c: r for c, _, r in checklist}["data_quality"] == row
    with pytest.raises(PermissionDenied):
        services.practice_competency_record(
            actor=world.users[Role.PRACTICE_MANAGER], practice=world.practice, items={}
        )
    with pytest.raises(PermissionDenied):
        services.practice_competency_record(actor=pg, practice=world.foreign, items={})
