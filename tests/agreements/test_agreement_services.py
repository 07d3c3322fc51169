"""Shared agreements through their services: drafting, parties, signatures, lifecycle, versions.

Every test asserts the transition rows and history the service leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agreements import selectors, services
from agreements.choices import AgreementAction, AgreementStatus, EndReason, PartyKind
from agreements.constants import AGREEMENT_SECTIONS
from agreements.models import Agreement, AgreementSignature, AgreementTransition
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from tests.factories.agreements import OBJECTIVE, TEXT, active_agreement, draft_agreement, sent_agreement
from tests.factories.pbc import member


def actions(agreement) -> list[tuple[str, str, str]]:
    return list(
        AgreementTransition.objects.filter(agreement=agreement)
        .order_by("at", "pk")
        .values_list("action", "from_status", "to_status")
    )


def sign(world, agreement, role, **kwargs):
    return services.agreement_sign(agreement=agreement, actor=world.users[role], **kwargs)


def test_a_draft_has_the_ten_template_sections_and_the_pct_as_first_party(world):
    agreement = draft_agreement(world, complete=False)
    sections = list(agreement.sections.order_by("number"))
    assert [(s.number, s.title) for s in sections] == [(n, t) for n, t, _ in AGREEMENT_SECTIONS]
    assert all(s.guidance for s in sections) and not any(s.body for s in sections)
    parties = list(agreement.parties.order_by("position", "pk"))
    assert [p.kind for p in parties] == [PartyKind.PCT, PartyKind.LOCALITY, PartyKind.PRACTICE]
    assert parties[0].pct == world.pct and parties[0].lead_name == "Carla Commissioning"
    assert agreement.reference == "5WV-AGR-0001" and agreement.version == 1
    assert agreement.locality == world.north
    assert actions(agreement) == [(AgreementAction.CREATE, "", AgreementStatus.DRAFT)]
    created = agreement.history.last()
    assert created.history_type == "+" and created.history_user == world.users[Role.PCT_COMMISSIONING]
    assert (
        agreement.history.first().locality == world.north
    )  # the locality party set the agreement's locality


def test_agreement_goes_from_draft_to_active_when_every_party_has_signed(world):
    agreement = draft_agreement(world)
    services.agreement_send_for_signature(agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING])
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.OUT_FOR_SIGNATURE

    first = sign(world, agreement, Role.PCT_FINANCE)
    assert first.party.kind == PartyKind.PCT
    assert first.signed_by == world.users[Role.PCT_FINANCE]
    assert first.signatory_role == "PCT finance, Wessex Vale PCT"
    assert first.signed_at <= timezone.now()
    sign(world, agreement, Role.PRACTICE_MANAGER)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.OUT_FOR_SIGNATURE  # the locality has not signed yet
    last = sign(world, agreement, Role.LOCALITY_LEAD, signatory_name="Dr Lee Locality")
    assert last.signatory_name == "Dr Lee Locality"
    assert last.signatory_role == "Locality lead, North"

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE and agreement.activated_at is not None
    assert actions(agreement) == [
        (AgreementAction.CREATE, "", AgreementStatus.DRAFT),
        (AgreementAction.SEND, AgreementStatus.DRAFT, AgreementStatus.OUT_FOR_SIGNATURE),
        (AgreementAction.ACTIVATE, AgreementStatus.OUT_FOR_SIGNATURE, AgreementStatus.ACTIVE),
    ]
    activation = agreement.transitions.get(action=AgreementAction.ACTIVATE)
    assert activation.actor == world.users[Role.LOCALITY_LEAD]
    assert [h.status for h in agreement.history.order_by("history_date", "history_id")][
        -1
    ] == AgreementStatus.ACTIVE
    assert AgreementSignature.history.count() == 3


def test_sending_tells_each_party_and_is_queued_on_commit(world, django_capture_on_commit_callbacks):
    world.users[Role.PRACTICE_MANAGER].email = "pm@example.nhs.uk"
    world.users[Role.PRACTICE_MANAGER].save()
    agreement = draft_agreement(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.agreement_send_for_signature(agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING])
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["pm@example.nhs.uk"]]
    assert "Please sign" in mail.outbox[0].subject


def test_an_incomplete_draft_cannot_be_sent(world):
    agreement = draft_agreement(world, complete=False)
    with pytest.raises(ApplicationError) as exc:
        services.agreement_send_for_signature(agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING])
    problems = exc.value.extra["problems"]
    assert "Section 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 are empty" in problems[0]
    assert problems[1] == "Section 1 needs at least one SMART objective."
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert actions(agreement) == [(AgreementAction.CREATE, "", AgreementStatus.DRAFT)]


def test_a_signature_by_someone_who_is_not_a_party_is_refused_and_nothing_saved(world):
    agreement = sent_agreement(world)
    outsider = member(Role.PRACTICE_MANAGER, pct=world.pct, practice=world.neighbour, username="neighbour_pm")
    southern = member(Role.LOCALITY_LEAD, pct=world.pct, locality=world.south, username="south_lead")
    for user in (outsider, southern, world.users[Role.AUDITOR], world.users[Role.PEC_MEMBER]):
        with pytest.raises(ApplicationError) as exc:
            services.agreement_sign(agreement=agreement, actor=user)
        assert "only each party's named lead can sign" in exc.value.message
    assert not AgreementSignature.objects.exists()


def test_a_named_lead_user_is_the_only_one_who_signs_for_the_party(world):
    other_pm = member(Role.PRACTICE_MANAGER, pct=world.pct, practice=world.practice, username="second_pm")
    agreement = draft_agreement(world)
    party = agreement.parties.get(kind=PartyKind.PRACTICE)
    party.lead_user = other_pm
    party.save()
    services.agreement_send_for_signature(agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING])
    with pytest.raises(ApplicationError):
        sign(world, agreement, Role.PRACTICE_MANAGER)
    assert services.agreement_sign(agreement=agreement, actor=other_pm).party == party


def test_a_lead_user_must_be_able_to_sign_for_the_organisation(world):
    agreement = draft_agreement(world)
    with pytest.raises(ApplicationError, match="cannot sign for"):
        services.agreement_party_add(
            agreement=agreement,
            kind=PartyKind.PROVIDER,
            organisation=world.provider,
            lead_name="Ruth Trust",
            lead_user=world.users[Role.PRACTICE_MANAGER],
            actor=world.users[Role.PCT_COMMISSIONING],
        )
    assert agreement.parties.count() == 3


def test_signing_twice_or_before_sending_is_refused(world):
    agreement = draft_agreement(world)
    with pytest.raises(InvalidTransition, match="only an agreement out for signature can be signed"):
        sign(world, agreement, Role.PRACTICE_MANAGER)
    services.agreement_send_for_signature(agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING])
    sign(world, agreement, Role.PRACTICE_MANAGER)
    with pytest.raises(Conflict, match="already signed"):
        sign(world, agreement, Role.PRACTICE_MANAGER)
    assert AgreementSignature.objects.count() == 1


def test_pct_staff_record_a_providers_signature_on_its_leads_behalf(world):
    agreement = sent_agreement(world, provider=True)
    commissioning = world.users[Role.PCT_COMMISSIONING]
    pct_party = agreement.parties.get(kind=PartyKind.PCT)
    provider_party = agreement.parties.get(kind=PartyKind.PROVIDER)
    with pytest.raises(ApplicationError, match="Choose the party you are signing for"):
        services.agreement_sign(agreement=agreement, actor=commissioning)
    signature = services.agreement_sign(agreement=agreement, actor=commissioning, party=provider_party)
    assert signature.recorded_on_behalf and signature.signatory_name == "Ruth Trust"
    assert "recorded by" in signature.signatory_role
    services.agreement_sign(agreement=agreement, actor=commissioning, party=pct_party)
    with pytest.raises(ApplicationError):  # finance cannot record for the provider
        services.agreement_sign(
            agreement=agreement, actor=world.users[Role.PCT_FINANCE], party=provider_party
        )


def test_withdrawing_returns_to_draft_and_clears_signatures_kept_in_history(world):
    agreement = sent_agreement(world)
    sign(world, agreement, Role.PRACTICE_MANAGER)
    with pytest.raises(ApplicationError, match="Say why"):
        services.agreement_withdraw(agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING], reason="")
    services.agreement_withdraw(
        agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING], reason="Fix section 8"
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert not AgreementSignature.objects.exists()
    assert AgreementSignature.history.filter(history_type="-").count() == 1
    assert actions(agreement)[-1] == (
        AgreementAction.WITHDRAW,
        AgreementStatus.OUT_FOR_SIGNATURE,
        AgreementStatus.DRAFT,
    )
    assert agreement.transitions.last().reason == "Fix section 8"


def test_only_a_draft_can_be_changed(world):
    agreement = sent_agreement(world)
    with pytest.raises(
        InvalidTransition, match="only a draft can be changed; withdraw it from signature first"
    ):
        services.agreement_draft_update(
            agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING], sections={1: "Changed"}
        )
    assert agreement.sections.get(number=1).body == TEXT


def test_draft_update_changes_header_sections_and_objectives_with_history(world):
    agreement = draft_agreement(world)
    actor = world.users[Role.PCT_COMMISSIONING]
    services.agreement_draft_update(
        agreement=agreement,
        actor=actor,
        data={"title": "New title", "notice_period_days": 60},
        sections={3: "Dermatology in the community"},
        objectives=[OBJECTIVE, {**OBJECTIVE, "objective": "Second"}],
    )
    agreement.refresh_from_db()
    assert agreement.title == "New title" and agreement.notice_period_days == 60
    section = agreement.sections.get(number=3)
    assert section.body == "Dermatology in the community"
    assert section.history.first().history_user == actor
    assert list(agreement.objectives.values_list("objective", flat=True)) == [
        OBJECTIVE["objective"],
        "Second",
    ]
    with pytest.raises(ApplicationError, match="needs target"):
        services.agreement_draft_update(
            agreement=agreement, actor=actor, objectives=[{**OBJECTIVE, "target": ""}]
        )


def test_parties_must_fit_the_agreements_locality(world):
    agreement = draft_agreement(world)
    actor = world.users[Role.PCT_COMMISSIONING]
    with pytest.raises(ApplicationError, match="is not in North"):
        services.agreement_party_add(
            agreement=agreement, kind=PartyKind.PRACTICE, organisation=world.far, lead_name="X", actor=actor
        )
    with pytest.raises(ApplicationError, match="cannot also be a party"):
        services.agreement_party_add(
            agreement=agreement, kind=PartyKind.LOCALITY, organisation=world.south, lead_name="X", actor=actor
        )
    with pytest.raises(Conflict, match="already a party"):
        services.agreement_party_add(
            agreement=agreement,
            kind=PartyKind.PRACTICE,
            organisation=world.practice,
            lead_name="X",
            actor=actor,
        )
    with pytest.raises(ApplicationError, match="named lead"):
        services.agreement_party_add(
            agreement=agreement,
            kind=PartyKind.PRACTICE,
            organisation=world.neighbour,
            lead_name=" ",
            actor=actor,
        )
    assert agreement.parties.count() == 3


def test_review_cycle_and_notice_end_the_agreement_at_the_end_of_notice(world):
    agreement = active_agreement(world)
    actor = world.users[Role.PCT_COMMISSIONING]
    services.agreement_review_start(agreement=agreement, actor=actor, reason="Annual review")
    next_review = timezone.localdate() + timedelta(days=200)
    services.agreement_review_complete(agreement=agreement, actor=actor, next_review_date=next_review)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE and agreement.review_date == next_review

    today = timezone.localdate()
    services.agreement_give_notice(
        agreement=agreement, actor=actor, given_on=today, reason="Locality dissolved"
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.terminates_on == today + timedelta(days=90)
    with pytest.raises(Conflict, match="already given"):
        services.agreement_give_notice(agreement=agreement, actor=actor, given_on=today, reason="Again")

    assert services.agreement_lifecycle_run(today=today) == {"expired": 0, "terminated": 0}
    assert services.agreement_lifecycle_run(today=agreement.terminates_on) == {"expired": 0, "terminated": 1}
    assert services.agreement_lifecycle_run(today=agreement.terminates_on) == {"expired": 0, "terminated": 0}
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ENDED and agreement.end_reason == EndReason.TERMINATED
    assert agreement.ended_on == agreement.terminates_on
    assert [a for a, _, _ in actions(agreement)][-5:] == [
        AgreementAction.ACTIVATE,
        AgreementAction.START_REVIEW,
        AgreementAction.COMPLETE_REVIEW,
        AgreementAction.GIVE_NOTICE,
        AgreementAction.TERMINATE,
    ]
    assert agreement.transitions.last().actor is None  # ended by the daily job


def test_notice_given_long_ago_terminates_at_once(world):
    agreement = active_agreement(world)
    services.agreement_give_notice(
        agreement=agreement,
        actor=world.users[Role.PCT_COMMISSIONING],
        given_on=timezone.localdate() - timedelta(days=120),
        reason="Backdated notice",
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ENDED and agreement.end_reason == EndReason.TERMINATED


def test_an_agreement_expires_after_its_end_date(world):
    agreement = active_agreement(world)
    assert services.agreement_lifecycle_run(today=agreement.end_date) == {"expired": 0, "terminated": 0}
    assert services.agreement_lifecycle_run(today=agreement.end_date + timedelta(days=1))["expired"] == 1
    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_reason, agreement.ended_on) == (
        AgreementStatus.ENDED,
        EndReason.EXPIRED,
        agreement.end_date,
    )


def test_illegal_moves_are_refused(world):
    agreement = draft_agreement(world)
    actor = world.users[Role.PCT_COMMISSIONING]
    with pytest.raises(InvalidTransition, match="draft: it cannot be review started"):
        services.agreement_review_start(agreement=agreement, actor=actor)
    with pytest.raises(InvalidTransition):
        services.agreement_new_version(agreement=agreement, actor=actor, change_summary="x")
    assert actions(agreement) == [(AgreementAction.CREATE, "", AgreementStatus.DRAFT)]


def test_a_new_version_keeps_what_changed_and_supersedes_the_old_one_once_signed(world):
    v1 = active_agreement(world)
    actor = world.users[Role.PCT_COMMISSIONING]
    with pytest.raises(ApplicationError, match="Say what the new version changes"):
        services.agreement_new_version(agreement=v1, actor=actor, change_summary=" ")
    v2 = services.agreement_new_version(
        agreement=v1, actor=actor, change_summary="Section 8: savings criteria"
    )
    assert (v2.reference, v2.version, v2.supersedes, v2.status) == (
        v1.reference,
        2,
        v1,
        AgreementStatus.DRAFT,
    )
    assert v2.parties.count() == 3 and not AgreementSignature.objects.filter(party__agreement=v2).exists()
    with pytest.raises(Conflict, match="already being drafted"):
        services.agreement_new_version(agreement=v1, actor=actor, change_summary="again")
    services.agreement_draft_update(agreement=v2, actor=actor, sections={8: "Savings reinvested 70/30."})
    changes = selectors.agreement_changes(agreement=v2)
    assert [(c.what, c.before, c.after) for c in changes] == [
        ("Section 8: Financial management", TEXT, "Savings reinvested 70/30.")
    ]

    services.agreement_send_for_signature(agreement=v2, actor=actor)
    for role in (Role.PCT_FINANCE, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER):
        sign(world, v2, role)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v2.status == AgreementStatus.ACTIVE
    assert v1.status == AgreementStatus.ENDED and v1.end_reason == EndReason.SUPERSEDED
    assert actions(v1)[-1] == (AgreementAction.SUPERSEDE, AgreementStatus.ACTIVE, AgreementStatus.ENDED)
    assert "version 2" in v1.transitions.last().reason


def test_signing_a_superseded_version_is_refused(world):
    v1 = active_agreement(world)
    actor = world.users[Role.PCT_COMMISSIONING]
    v2 = services.agreement_new_version(agreement=v1, actor=actor, change_summary="New objectives")
    services.agreement_send_for_signature(agreement=v2, actor=actor)
    for role in (Role.PCT_COMMISSIONING, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER):
        sign(world, v2, role)
    before = AgreementSignature.objects.count()
    with pytest.raises(InvalidTransition) as exc:
        sign(world, v1, Role.PRACTICE_MANAGER)
    assert exc.value.message.startswith(f"{v1.reference} version 1 was superseded by version 2")
    assert "sign the current version instead" in exc.value.message
    assert AgreementSignature.objects.count() == before


def test_reminders_of_review_and_notice_are_sent_once(world):
    commissioning = world.users[Role.PCT_COMMISSIONING]
    commissioning.email = "commissioning@example.nhs.uk"
    commissioning.save()
    agreement = active_agreement(world)
    today = timezone.localdate()
    Agreement.objects.filter(pk=agreement.pk).update(
        review_date=today + timedelta(days=10), end_date=today + timedelta(days=100), notice_period_days=90
    )
    assert services.agreement_reminders_send(today=today) == 2
    assert services.agreement_reminders_send(today=today) == 0  # safe to run twice
    subjects = sorted(m.subject.split(":")[0] for m in mail.outbox)
    assert subjects == ["Last day to give notice", "Review due"]
    assert mail.outbox[0].to == ["commissioning@example.nhs.uk"]
    assert set(agreement.reminders.values_list("kind", flat=True)) == {"review", "notice_deadline"}
