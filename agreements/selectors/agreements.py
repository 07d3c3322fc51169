"""Reads of shared agreements, always narrowed to the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from agreements.choices import AgreementStatus, PartyKind
from agreements.filters import AgreementFilter
from agreements.models import Agreement, AgreementParty, AgreementTransition
from agreements.selectors._common import filtered, get_or_404
from pbc.choices import Role
from pbc.permissions import scope_queryset

# Who may sign for each kind of party (beyond being its named lead, when one is set).
PARTY_SIGNING_ROLES = {
    PartyKind.PCT: (Role.PCT_FINANCE, Role.PCT_COMMISSIONING),
    PartyKind.LOCALITY: (Role.LOCALITY_LEAD,),
    PartyKind.PRACTICE: (Role.PRACTICE_MANAGER,),
    # Providers have no users: PCT commissioning records their named lead's signature.
    PartyKind.PROVIDER: (Role.PCT_COMMISSIONING,),
}


def agreement_list(*, user, filters=None, detailed: bool = False) -> QuerySet[Agreement]:
    """Agreements in the user's scope; ``detailed`` prefetches sections, parties and signatures too."""
    qs = scope_queryset(Agreement.objects.select_related("pct", "locality", "supersedes"), user).distinct()
    if detailed:
        qs = qs.prefetch_related(
            "sections",
            "objectives",
            _parties_prefetch(),
            Prefetch("transitions", queryset=AgreementTransition.objects.select_related("actor")),
        )
    return filtered(AgreementFilter, qs, filters)


def _parties_prefetch() -> Prefetch:
    return Prefetch(
        "parties",
        queryset=AgreementParty.objects.select_related(
            "pct", "locality", "practice", "provider", "lead_user", "signature", "signature__signed_by"
        ),
    )


def agreement_get(*, user, pk: int) -> Agreement:
    qs = agreement_list(user=user, detailed=True)
    return get_or_404(qs.select_related("created_by"), pk=pk)


def agreement_versions(*, agreement: Agreement, user) -> list[Agreement]:
    """Every version of the agreement the user may see, newest first."""
    return list(agreement_list(user=user).filter(reference=agreement.reference).order_by("-version"))


def _memberships(user) -> list[tuple[str, int, int | None, int | None]]:
    cached = getattr(user, "_agreements_memberships", None)
    if cached is None:
        cached = list(user.memberships.values_list("role", "pct_id", "locality_id", "practice_id"))
        user._agreements_memberships = cached
    return cached


def may_sign_for(user, party: AgreementParty) -> bool:
    """Whether ``user`` is the party's named lead: the right role in the party's own organisation."""
    if user is None or not user.is_authenticated or not user.has_perm("agreements.sign_agreement"):
        return False
    if party.lead_user_id and party.lead_user_id != user.pk:
        return False
    roles = PARTY_SIGNING_ROLES[PartyKind(party.kind)]
    for role, pct_id, locality_id, practice_id in _memberships(user):
        if role not in roles:
            continue
        if party.kind == PartyKind.PCT and pct_id == party.pct_id and not (locality_id or practice_id):
            return True
        if party.kind == PartyKind.LOCALITY and locality_id == party.locality_id:
            return True
        if party.kind == PartyKind.PRACTICE and practice_id == party.practice_id:
            return True
        if (
            party.kind == PartyKind.PROVIDER
            and pct_id == party.agreement.pct_id
            and not (locality_id or practice_id)
        ):
            return True
    return False


def signable_parties(*, agreement: Agreement, user) -> list[AgreementParty]:
    """The parties not yet signed for which ``user`` is a signatory."""
    return [p for p in agreement.parties.all() if not has_signature(p) and may_sign_for(user, p)]


def has_signature(party: AgreementParty) -> bool:
    try:
        return party.signature is not None
    except AgreementParty.signature.RelatedObjectDoesNotExist:
        return False


def unsigned_parties(agreement: Agreement) -> list[AgreementParty]:
    return [p for p in agreement.parties.all() if not has_signature(p)]


@dataclass(frozen=True)
class Change:
    what: str
    before: str
    after: str


def agreement_changes(*, agreement: Agreement) -> list[Change]:
    """What this version changed from the one it supersedes: header, sections, objectives, parties."""
    previous = agreement.supersedes
    if previous is None:
        return []
    changes: list[Change] = []
    for field in ("title", "locality", "start_date", "end_date", "review_date", "notice_period_days"):
        before, after = getattr(previous, field), getattr(agreement, field)
        if before != after:
            label = Agreement._meta.get_field(field).verbose_name.capitalize()
            changes.append(Change(label, _text(before), _text(after)))
    old_sections = {s.number: s for s in previous.sections.all()}
    for section in agreement.sections.all():
        old = old_sections.get(section.number)
        if old is None or old.body.strip() != section.body.strip():
            changes.append(
                Change(f"Section {section.number}: {section.title}", old.body if old else "", section.body)
            )

    def objective_key(o):
        return (o.objective, o.measure, o.target, o.due_date)

    old_objectives = {objective_key(o) for o in previous.objectives.all()}
    new_objectives = {objective_key(o) for o in agreement.objectives.all()}
    for o in sorted(old_objectives - new_objectives, key=str):
        changes.append(Change("SMART objective removed", _objective_text(o), ""))
    for o in sorted(new_objectives - old_objectives, key=str):
        changes.append(Change("SMART objective added", "", _objective_text(o)))

    def party_key(p):
        return (p.kind, str(p.organisation), p.lead_name)

    old_parties = {party_key(p) for p in previous.parties.all()}
    new_parties = {party_key(p) for p in agreement.parties.all()}
    for p in sorted(old_parties - new_parties):
        changes.append(Change("Party removed or lead changed", f"{p[1]} (lead {p[2]})", ""))
    for p in sorted(new_parties - old_parties):
        changes.append(Change("Party added or lead changed", "", f"{p[1]} (lead {p[2]})"))
    return changes


def _text(value) -> str:
    if value is None:
        return "—"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _objective_text(key) -> str:
    objective, measure, target, due = key
    return f"{objective} — measured by {measure}; target {target} by {due:%d/%m/%Y}"


def agreements_awaiting_signature_count(*, user) -> int:
    return agreement_list(user=user).filter(status=AgreementStatus.OUT_FOR_SIGNATURE).count()
