"""Signatures of shared agreements: sending a draft to its parties, withdrawing it, each party's
named lead signing, and telling signatories an agreement waits for them."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction

from agreements import selectors
from agreements.choices import NEW_VERSION_FROM, AgreementAction, AgreementStatus, PartyKind
from agreements.models import Agreement, AgreementParty, AgreementSignature
from agreements.services._common import actor_name, save
from agreements.services.agreements import _label, _locked, _move
from pbc import queue
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from pbc.models import Membership

# --- signature ---------------------------------------------------------------------------------------


def _missing_for_signature(agreement: Agreement) -> list[str]:
    problems = []
    parties = list(agreement.parties.all())
    if not any(p.kind == PartyKind.PCT for p in parties):
        problems.append("The PCT must be a party.")
    if len(parties) < 2:
        problems.append("Add at least one party besides the PCT (a locality, practices or a provider).")
    empty = [str(s.number) for s in agreement.sections.all() if not s.body.strip()]
    if empty:
        problems.append(
            f"Section {', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty: write the text, "
            "or 'Not applicable' and why."
        )
    if not agreement.objectives.exists():
        problems.append("Section 1 needs at least one SMART objective.")
    return problems


@transaction.atomic
def agreement_send_for_signature(*, agreement: Agreement, actor, reason: str = "") -> Agreement:
    """Send a complete draft to its parties for signature; each party's signatories are told."""
    agreement = _locked(agreement)
    problems = _missing_for_signature(agreement) if agreement.status == AgreementStatus.DRAFT else []
    if problems:
        raise ApplicationError(
            f"{_label(agreement)} is not ready for signature: " + " ".join(problems), {"problems": problems}
        )
    _move(agreement, AgreementAction.SEND, actor=actor, reason=reason)
    agreement_id = agreement.pk
    transaction.on_commit(
        lambda: queue.send_or_log("agreements.tasks.agreement_signature_requested_task", agreement_id)
    )
    return agreement


@transaction.atomic
def agreement_withdraw(*, agreement: Agreement, actor, reason: str) -> Agreement:
    """Take an agreement back from signature to change it; signatures given are cleared (kept in history)."""
    agreement = _locked(agreement)
    if not (reason or "").strip():
        raise ApplicationError(
            "Say why the agreement is withdrawn from signature.", {"fields": {"reason": ["Required."]}}
        )
    _move(agreement, AgreementAction.WITHDRAW, actor=actor, reason=reason)
    for signature in AgreementSignature.objects.filter(party__agreement=agreement):
        signature._history_user = actor
        signature.delete()
    return agreement


def _signatory_role(actor, party: AgreementParty) -> str:
    roles = selectors.PARTY_SIGNING_ROLES[PartyKind(party.kind)]
    held = sorted(
        {Role(r).label for r in actor.memberships.filter(role__in=roles).values_list("role", flat=True)}
    )
    if party.kind == PartyKind.PROVIDER:
        lead = f"{party.lead_name}, {party.lead_role}" if party.lead_role else party.lead_name
        return f"{lead} (recorded by {actor_name(actor)}, {', '.join(held)})"
    return f"{', '.join(held)}, {party.organisation.name}"


@transaction.atomic
def agreement_sign(
    *,
    agreement: Agreement,
    actor,
    party: AgreementParty | None = None,
    signatory_name: str = "",
    statement: str = "",
) -> AgreementSignature:
    """Sign for a party; when every party has signed the agreement becomes active (and ends the
    version it supersedes)."""
    agreement = _locked(agreement)
    if agreement.is_superseded:
        newer = Agreement.objects.filter(supersedes=agreement).first()
        raise InvalidTransition(
            f"{_label(agreement)} was superseded by version {newer.version if newer else 'a newer version'} "
            f"on {agreement.ended_on:%d %B %Y}: sign the current version instead.",
            {"current_version": newer.pk if newer else None},
        )
    if agreement.status != AgreementStatus.OUT_FOR_SIGNATURE:
        raise InvalidTransition(
            f"{_label(agreement)} is {agreement.get_status_display().lower()}: only an agreement out for "
            "signature can be signed."
        )
    parties = list(
        agreement.parties.select_related("pct", "locality", "practice", "provider", "signature", "agreement")
    )
    mine = [p for p in parties if selectors.may_sign_for(actor, p)]
    if party is not None:
        party = next((p for p in parties if p.pk == party.pk), None)
        if party is None or party not in mine:
            raise ApplicationError(
                f"{actor_name(actor)} is not the named lead of that party: only each party's named lead can sign.",
                {"fields": {"party": ["Not a party you can sign for."]}},
            )
    else:
        unsigned = [p for p in mine if not selectors.has_signature(p)]
        if not mine:
            raise ApplicationError(
                f"{actor_name(actor)} is not a signatory for any party to {_label(agreement)}: only each party's "
                "named lead can sign (a practice manager for their practice, a locality lead for their locality, "
                "PCT finance or commissioning for the PCT)."
            )
        if not unsigned:
            raise Conflict(f"You have already signed {_label(agreement)} for {mine[0].organisation}.")
        if len(unsigned) > 1:
            names = ", ".join(str(p.organisation) for p in unsigned)
            raise ApplicationError(
                f"Choose the party you are signing for: {names}.", {"fields": {"party": ["Choose a party."]}}
            )
        party = unsigned[0]
    if selectors.has_signature(party):
        raise Conflict(f"{party.organisation} has already signed {_label(agreement)}.")
    on_behalf = party.kind == PartyKind.PROVIDER
    signature = save(
        AgreementSignature(
            party=party,
            signed_by=actor,
            signatory_name=party.lead_name if on_behalf else (signatory_name.strip() or actor_name(actor)),
            signatory_role=_signatory_role(actor, party),
            recorded_on_behalf=on_behalf,
            statement=statement,
        ),
        actor=actor,
    )
    party.signature = signature
    if all(selectors.has_signature(p) for p in parties):
        _move(agreement, AgreementAction.ACTIVATE, actor=actor, reason="Signed by every party.")
        previous = agreement.supersedes
        if previous is not None and previous.status in NEW_VERSION_FROM:
            _move(
                _locked(previous),
                AgreementAction.SUPERSEDE,
                actor=actor,
                reason=f"Superseded by version {agreement.version}, signed by every party.",
            )
    return signature


def _emails_for_party(party: AgreementParty) -> set[str]:
    if party.lead_user_id:
        return {party.lead_user.email} if party.lead_user.email else set()
    roles = selectors.PARTY_SIGNING_ROLES[PartyKind(party.kind)]
    memberships = Membership.objects.filter(role__in=roles)
    if party.kind == PartyKind.PCT:
        memberships = memberships.filter(pct=party.pct, locality__isnull=True, practice__isnull=True)
    elif party.kind == PartyKind.LOCALITY:
        memberships = memberships.filter(locality=party.locality)
    elif party.kind == PartyKind.PRACTICE:
        memberships = memberships.filter(practice=party.practice)
    else:
        memberships = memberships.filter(
            pct=party.agreement.pct, locality__isnull=True, practice__isnull=True
        )
    return {e for e in memberships.values_list("user__email", flat=True) if e}


def agreement_notify_signatories(*, agreement_id: int) -> int:
    """Tell each party's signatories that the agreement waits for their signature. Returns emails sent."""
    agreement = Agreement.objects.select_related("pct").get(pk=agreement_id)
    if agreement.status != AgreementStatus.OUT_FOR_SIGNATURE:
        return 0
    sent = 0
    for party in agreement.parties.select_related(
        "agreement", "lead_user", "signature", "pct", "locality", "practice", "provider"
    ):
        if selectors.has_signature(party):
            continue
        to = sorted(_emails_for_party(party))
        if to:
            send_mail(
                f"Please sign: {agreement}",
                f"{agreement} is out for signature. Please sign it for {party.organisation} in PBC Manager.",
                None,
                to,
            )
            sent += 1
    return sent
