"""Writes to shared agreements: drafting on the ten-section template, parties and new versions.

Every status change (here, in ``signatures`` and in ``lifecycle``) goes through :func:`_move`, which
checks ``AGREEMENT_TRANSITIONS`` and writes an ``AgreementTransition`` row; field changes are kept by
simple-history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone

from agreements import selectors
from agreements.choices import (
    AGREEMENT_TRANSITIONS,
    NEW_VERSION_FROM,
    PARTY_ORDER,
    AgreementAction,
    AgreementStatus,
    PartyKind,
)
from agreements.constants import AGREEMENT_SECTIONS, DEFAULT_NOTICE_PERIOD_DAYS
from agreements.models import (
    Agreement,
    AgreementParty,
    AgreementSection,
    AgreementTransition,
    SmartObjective,
)
from agreements.services._common import actor_name, save
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from pbc.models import Locality, Pct, Practice, Provider

HEADER_FIELDS = (
    "title",
    "locality",
    "start_date",
    "end_date",
    "review_date",
    "notice_period_days",
    "change_summary",
)
OBJECTIVE_FIELDS = ("objective", "measure", "target", "due_date")


# --- transitions ------------------------------------------------------------------------------------


def _label(agreement: Agreement) -> str:
    return f"{agreement.reference} version {agreement.version}"


def _move(
    agreement: Agreement, action: str, *, actor, reason: str = "", effective_on: date | None = None
) -> AgreementTransition:
    """Apply an allowed status change and record it; anything not in the table is refused."""
    move = AGREEMENT_TRANSITIONS[AgreementAction(action)]
    if agreement.status not in move.sources:
        raise InvalidTransition(
            f"{_label(agreement)} is {agreement.get_status_display().lower()}: it cannot be "
            f"{AgreementAction(action).label.lower()}.",
            {"status": agreement.status, "action": str(action)},
        )
    from_status = agreement.status
    fields = []
    if move.target is not None and move.target != agreement.status:
        agreement.status = move.target
        fields.append("status")
    if move.end_reason:
        agreement.end_reason = move.end_reason
        agreement.ended_on = effective_on or timezone.localdate()
        fields += ["end_reason", "ended_on"]
    if action == AgreementAction.ACTIVATE:
        agreement.activated_at = timezone.now()
        fields.append("activated_at")
    if fields:
        save(agreement, actor=actor, update_fields=[*fields, "updated_at"], reason=reason[:100] or None)
    transition = AgreementTransition(
        agreement=agreement,
        action=action,
        from_status=from_status,
        to_status=agreement.status,
        actor=actor,
        effective_on=effective_on,
        reason=reason,
    )
    transition.save()
    return transition


def _locked(agreement: Agreement) -> Agreement:
    # No joins: PostgreSQL cannot lock the nullable side of an outer join (the locality).
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _require_draft(agreement: Agreement) -> None:
    if agreement.status != AgreementStatus.DRAFT:
        hint = (
            "withdraw it from signature first"
            if agreement.status == AgreementStatus.OUT_FOR_SIGNATURE
            else "draft a new version instead"
        )
        raise InvalidTransition(
            f"{_label(agreement)} is {agreement.get_status_display().lower()}: only a draft can be changed; {hint}."
        )


# --- drafting ---------------------------------------------------------------------------------------


def _next_reference(pct: Pct) -> str:
    number = Agreement.objects.filter(pct=pct, version=1).count() + 1
    while Agreement.objects.filter(reference=f"{pct.code}-AGR-{number:04d}").exists():
        number += 1
    return f"{pct.code}-AGR-{number:04d}"


@transaction.atomic
def agreement_create(
    *,
    pct: Pct,
    title: str,
    start_date: date,
    actor,
    locality: Locality | None = None,
    end_date: date | None = None,
    review_date: date | None = None,
    notice_period_days: int = DEFAULT_NOTICE_PERIOD_DAYS,
    pct_lead_name: str = "",
    pct_lead_role: str = "",
    sections: Mapping[int, str] | None = None,
    objectives: Iterable[Mapping] | None = None,
    parties: Iterable[Mapping] = (),
) -> Agreement:
    """Draft an agreement on the ten-section template, with the PCT as its first party."""
    agreement = Agreement(
        pct=pct,
        reference=_next_reference(pct),
        title=title,
        locality=locality,
        start_date=start_date,
        end_date=end_date,
        review_date=review_date,
        notice_period_days=notice_period_days,
        created_by=actor,
    )
    save(agreement, actor=actor)
    bodies = dict(sections or {})
    unknown = sorted(set(bodies) - {n for n, _, _ in AGREEMENT_SECTIONS})
    if unknown:
        raise ApplicationError(
            f"The template has no section {', '.join(map(str, unknown))}; sections run 1–10."
        )
    for number, section_title, guidance in AGREEMENT_SECTIONS:
        save(
            AgreementSection(
                agreement=agreement,
                number=number,
                title=section_title,
                guidance=guidance,
                body=bodies.get(number, ""),
            ),
            actor=actor,
        )
    _replace_objectives(agreement, objectives or [], actor=actor)
    role = pct_lead_role or _pct_role_label(actor, pct)
    _party_add(
        agreement,
        kind=PartyKind.PCT,
        organisation=pct,
        lead_name=pct_lead_name or actor_name(actor),
        lead_role=role,
        actor=actor,
    )
    for party in parties:
        _party_add(agreement, actor=actor, **party)
    _record_create(agreement, actor=actor, reason="Drafted on the ten-section template.")
    return agreement


def _record_create(agreement: Agreement, *, actor, reason: str) -> None:
    AgreementTransition.objects.create(
        agreement=agreement,
        action=AgreementAction.CREATE,
        from_status="",
        to_status=agreement.status,
        actor=actor,
        reason=reason,
    )


def _pct_role_label(actor, pct: Pct) -> str:
    if actor is None:
        return ""
    roles = actor.memberships.filter(pct=pct, locality__isnull=True, practice__isnull=True).values_list(
        "role", flat=True
    )
    return ", ".join(sorted(Role(r).label for r in roles))


def _replace_objectives(agreement: Agreement, objectives: Iterable[Mapping], *, actor) -> None:
    for existing in agreement.objectives.all():
        existing._history_user = actor
        existing.delete()
    for position, data in enumerate(objectives, start=1):
        values = {f: data.get(f) for f in OBJECTIVE_FIELDS}
        missing = [f.replace("_", " ") for f, v in values.items() if v in (None, "")]
        if missing:
            raise ApplicationError(
                f"SMART objective {position} needs {', '.join(missing)}: every objective says what, how it "
                "is measured, the target and the date.",
                {"fields": {"objectives": [f"Objective {position} is incomplete."]}},
            )
        save(SmartObjective(agreement=agreement, position=position, **values), actor=actor)


@transaction.atomic
def agreement_draft_update(
    *,
    agreement: Agreement,
    actor,
    data: Mapping | None = None,
    sections: Mapping[int, str] | None = None,
    objectives: Iterable[Mapping] | None = None,
) -> Agreement:
    """Change a draft: its header fields, section texts and (replacing them) its SMART objectives."""
    agreement = _locked(agreement)
    _require_draft(agreement)
    data = dict(data or {})
    fields = [f for f in HEADER_FIELDS if f in data and getattr(agreement, f) != data[f]]
    if "locality" in fields and data["locality"] is not None:
        _check_locality_fits(agreement, data["locality"])
    for name in fields:
        setattr(agreement, name, data[name])
    if fields:
        save(agreement, actor=actor, update_fields=[*fields, "updated_at"])
    if sections:
        by_number = {s.number: s for s in agreement.sections.all()}
        unknown = sorted(set(sections) - set(by_number))
        if unknown:
            raise ApplicationError(
                f"The template has no section {', '.join(map(str, unknown))}; sections run 1–10."
            )
        for number, body in sections.items():
            section = by_number[number]
            if section.body != body:
                section.body = body
                save(section, actor=actor, update_fields=["body"])
    if objectives is not None:
        _replace_objectives(agreement, objectives, actor=actor)
    return agreement


def _check_locality_fits(agreement: Agreement, locality: Locality) -> None:
    if locality.pct_id != agreement.pct_id:
        raise ApplicationError(f"{locality} is not in {agreement.pct}.")
    outside = [
        p.practice.code
        for p in agreement.parties.filter(kind=PartyKind.PRACTICE).select_related("practice")
        if p.practice.locality_id != locality.pk
    ]
    if outside:
        raise ApplicationError(
            f"Practice {', '.join(outside)} is not in {locality.name}; remove it or choose its locality."
        )
    other = agreement.parties.filter(kind=PartyKind.LOCALITY).exclude(locality=locality).first()
    if other:
        raise ApplicationError(f"{other.locality.name} is a party: an agreement is with one locality.")


# --- parties ----------------------------------------------------------------------------------------

_KIND_TYPES = {
    PartyKind.PCT: Pct,
    PartyKind.LOCALITY: Locality,
    PartyKind.PRACTICE: Practice,
    PartyKind.PROVIDER: Provider,
}


def _party_add(
    agreement: Agreement,
    *,
    kind: str,
    organisation,
    lead_name: str,
    actor,
    lead_role: str = "",
    lead_user=None,
) -> AgreementParty:
    kind = PartyKind(kind)
    if not isinstance(organisation, _KIND_TYPES[kind]):
        raise ApplicationError(f"A {kind.label.lower()} party must name a {kind.label.lower()}.")
    if not (lead_name or "").strip():
        raise ApplicationError(
            f"Name the lead of {organisation}: every party has a named lead.",
            {"fields": {"lead_name": ["Required."]}},
        )
    if kind in (PartyKind.LOCALITY, PartyKind.PRACTICE) and organisation.pct_id != agreement.pct_id:
        raise ApplicationError(f"{organisation} is not in {agreement.pct}.")
    if (
        kind == PartyKind.PRACTICE
        and agreement.locality_id
        and organisation.locality_id != agreement.locality_id
    ):
        raise ApplicationError(
            f"{organisation} is not in {agreement.locality.name}, the locality this agreement is with."
        )
    if kind == PartyKind.LOCALITY:
        if agreement.locality_id and agreement.locality_id != organisation.pk:
            raise ApplicationError(
                f"This agreement is with {agreement.locality.name}; {organisation.name} cannot also be a party."
            )
        if not agreement.locality_id:
            _check_locality_fits(agreement, organisation)
            agreement.locality = organisation
            save(agreement, actor=actor, update_fields=["locality", "updated_at"])
    if agreement.parties.filter(**{kind.value: organisation}).exists():
        raise Conflict(f"{organisation} is already a party to this agreement.")
    party = AgreementParty(
        agreement=agreement,
        kind=kind,
        position=PARTY_ORDER[kind],
        lead_name=lead_name.strip(),
        lead_role=lead_role,
        lead_user=lead_user,
        **{kind.value: organisation},
    )
    if lead_user is not None and not selectors.may_sign_for(lead_user, party):
        raise ApplicationError(
            f"{actor_name(lead_user)} cannot sign for {organisation}: a named lead who signs in the app needs "
            "the signing role in that organisation.",
            {"fields": {"lead_user": ["Not a signatory for this organisation."]}},
        )
    return save(party, actor=actor)


@transaction.atomic
def agreement_party_add(
    *,
    agreement: Agreement,
    kind: str,
    organisation,
    lead_name: str,
    actor,
    lead_role: str = "",
    lead_user=None,
) -> AgreementParty:
    """Add a party (PCT, locality, practice or provider) and its named lead to a draft."""
    agreement = _locked(agreement)
    _require_draft(agreement)
    return _party_add(
        agreement,
        kind=kind,
        organisation=organisation,
        lead_name=lead_name,
        lead_role=lead_role,
        lead_user=lead_user,
        actor=actor,
    )


@transaction.atomic
def agreement_party_remove(*, party: AgreementParty, actor) -> Agreement:
    agreement = _locked(party.agreement)
    _require_draft(agreement)
    party._history_user = actor
    party.delete()
    return agreement


@transaction.atomic
def agreement_new_version(*, agreement: Agreement, actor, change_summary: str) -> Agreement:
    """Draft the next version: a copy of sections, objectives and parties (unsigned), linked to this one."""
    agreement = _locked(agreement)
    if agreement.status not in NEW_VERSION_FROM:
        raise InvalidTransition(
            f"{_label(agreement)} is {agreement.get_status_display().lower()}: only an agreement in force can "
            "get a new version."
        )
    if not (change_summary or "").strip():
        raise ApplicationError(
            "Say what the new version changes and why.", {"fields": {"change_summary": ["Required."]}}
        )
    if Agreement.objects.filter(supersedes=agreement).exists():
        raise Conflict(f"Version {agreement.version + 1} of {agreement.reference} is already being drafted.")
    new = Agreement(
        pct=agreement.pct,
        reference=agreement.reference,
        version=agreement.version + 1,
        supersedes=agreement,
        title=agreement.title,
        locality=agreement.locality,
        start_date=agreement.start_date,
        end_date=agreement.end_date,
        review_date=agreement.review_date,
        notice_period_days=agreement.notice_period_days,
        change_summary=change_summary.strip(),
        created_by=actor,
    )
    save(new, actor=actor)
    for section in agreement.sections.all():
        save(
            AgreementSection(
                agreement=new,
                number=section.number,
                title=section.title,
                guidance=section.guidance,
                body=section.body,
            ),
            actor=actor,
        )
    _replace_objectives(
        new, [{f: getattr(o, f) for f in OBJECTIVE_FIELDS} for o in agreement.objectives.all()], actor=actor
    )
    for party in agreement.parties.all():
        save(
            AgreementParty(
                agreement=new,
                kind=party.kind,
                position=party.position,
                pct=party.pct,
                locality=party.locality,
                practice=party.practice,
                provider=party.provider,
                lead_name=party.lead_name,
                lead_role=party.lead_role,
                lead_user=party.lead_user,
            ),
            actor=actor,
        )
    _record_create(
        new,
        actor=actor,
        reason=f"Version {new.version} drafted from version {agreement.version}: {new.change_summary}",
    )
    return new
