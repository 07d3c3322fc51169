"""Writes of freed-up resources: schemes, declarations (prepare, confirm, restate), ledger postings and the
pot check that reinvestment proposals pass when they are approved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from freed_resources import selectors
from freed_resources.choices import (
    PARTY_ENTRY,
    BenefitMeasure,
    DeclarationKind,
    DeclarationStatus,
    EntryKind,
)
from freed_resources.constants import (
    BENEFIT_DEFAULT_MONTHS,
    REWARD_COMPONENT_CODE,
    REWARD_COMPONENT_NAME,
)
from freed_resources.declarations import (
    CategoryFigures,
    CategoryResult,
    DeclarationError,
    PlannedInvestment,
    declare_freed_resources,
    pool_declarations,
    restatement_difference,
)
from freed_resources.declarations import (
    Declaration as DeclarationFigures,
)
from freed_resources.models import Declaration, ExpectedBenefit, LedgerEntry, Pot, SchemeSetting, Split
from freed_resources.splits import SplitError, scheme_from_dict, scheme_to_dict, split_freed_resources
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from pbc.models import FinancialYear, ListSize, Locality, Pct, Practice
from pbc.money import format_gbp
from pbc.permissions import can


def _save(obj, *, actor, update_fields: list[str] | None = None):
    obj.full_clean()
    if actor is not None and getattr(actor, "is_authenticated", False):
        obj._history_user = actor
    obj.save(update_fields=update_fields)
    return obj


def _require(actor, perm: str, obj=None, *, doing: str) -> None:
    if actor is not None and not can(actor, perm, obj):
        raise PermissionDenied(f"Your role does not allow you to {doing}.")


def _problems(exc: SplitError | DeclarationError, field: str = "scheme") -> ApplicationError:
    return ApplicationError(str(exc), {"problems": list(exc.problems), "fields": {field: list(exc.problems)}})


# --- schemes ------------------------------------------------------------------------------------------


@transaction.atomic
def scheme_set(*, pct: Pct, year: FinancialYear, data: dict, actor) -> SchemeSetting:
    """Store (or replace) the PCT's split scheme for a year; every problem with the scheme is reported."""
    try:
        scheme = scheme_from_dict(data)
    except SplitError as exc:
        raise _problems(exc) from exc
    setting = SchemeSetting.objects.select_for_update().filter(pct=pct, year=year).first()
    if setting is None:
        setting = SchemeSetting(pct=pct, year=year)
    setting.name = scheme.name
    setting.data = scheme_to_dict(scheme)
    setting.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    return _save(setting, actor=actor)


# --- declarations -------------------------------------------------------------------------------------


def _list_size(practices: Sequence[Practice], year: FinancialYear) -> int | None:
    total, found = 0, False
    for practice in practices:
        latest = (
            ListSize.objects.filter(practice=practice, extract_date__lte=year.fy.end)
            .order_by("-extract_date")
            .values_list("patients", flat=True)
            .first()
        )
        if latest is not None:
            total, found = total + latest, True
    return total if found else None


def _investments(raw: Sequence[dict]) -> list[PlannedInvestment]:
    return [PlannedInvestment(name=i["name"], category=i["category"], pence=i["pence"]) for i in raw]


def _figures_of(declaration: Declaration) -> DeclarationFigures:
    return DeclarationFigures(
        entity=declaration.entity_label,
        categories=tuple(CategoryResult(**c) for c in declaration.figures),
    )


@transaction.atomic
def declaration_prepare(
    *,
    kind: str,
    year: FinancialYear,
    through_month: int,
    actor,
    practice: Practice | None = None,
    locality: Locality | None = None,
    categories: Sequence[str] = (),
    planned_investments: Sequence[dict] = (),
    limit_top_slice_to_savings: bool = False,
    reason: str = "",
) -> Declaration:
    """Work out a declaration from the published reports and save it as a draft version for PCT finance.

    If a confirmed version exists this is a restatement: the new version records the difference.
    """
    kind = DeclarationKind(kind)
    if kind == DeclarationKind.PRACTICE:
        if practice is None:
            raise ApplicationError("Choose the practice.", {"fields": {"practice": ["Required."]}})
        owner, locality = practice, practice.locality
    else:
        if locality is None:
            raise ApplicationError("Choose the locality.", {"fields": {"locality": ["Required."]}})
        owner, practice = locality, None
    _require(actor, "freed_resources.add_declaration", owner, doing="declare freed-up resources")
    if not 1 <= int(through_month) <= 12:
        raise ApplicationError("The period ends in a financial month from 1 (April) to 12 (March).")
    entity = {"practice": practice} if practice is not None else {"practice": None, "locality": locality}
    versions = Declaration.objects.filter(kind=kind, year=year, **entity).order_by("-version")
    if versions.filter(status=DeclarationStatus.DRAFT).exists():
        raise Conflict(
            "A draft declaration is already waiting for PCT finance; confirm it before restating the figures."
        )
    previous = versions.filter(status=DeclarationStatus.CONFIRMED).first()
    latest = versions.first()

    investments = _investments(planned_investments)
    members_out: list[dict] = []
    try:
        if kind == DeclarationKind.PRACTICE:
            figures = selectors.budget_outturn(
                practice=practice, year=year, categories=categories, through_month=through_month
            )
            members = [practice]
        elif kind == DeclarationKind.LOCALITY:
            figures = selectors.budget_outturn(
                locality=locality, year=year, categories=categories, through_month=through_month
            )
            members = list(Practice.objects.filter(locality=locality).order_by("code"))
        else:
            members = list(Practice.objects.filter(locality=locality).order_by("code"))
            if not members:
                raise ApplicationError(f"{locality.code} has no member practices to pool.")
            member_declarations = [
                declare_freed_resources(
                    entity=m.code,
                    categories=selectors.budget_outturn(
                        practice=m, year=year, categories=categories, through_month=through_month
                    ),
                )
                for m in members
            ]
            pool = pool_declarations(pool=locality.code, members=member_declarations)
            members_out = [asdict(m) for m in pool.members]
            figures = [CategoryFigures(c.category, c.budget_pence, c.outturn_pence) for c in pool.categories]
        result = declare_freed_resources(
            entity=owner.code,
            categories=figures,
            planned_investments=investments,
            limit_top_slice_to_savings=limit_top_slice_to_savings,
        )
    except DeclarationError as exc:
        raise _problems(exc, "planned_investments") from exc

    declaration = Declaration(
        pct=owner.pct,
        year=year,
        kind=kind,
        practice=practice,
        locality=locality,
        version=(latest.version + 1) if latest else 1,
        through_month=through_month,
        categories=[f.category for f in figures],
        planned_investments=[asdict(i) for i in investments],
        figures=[asdict(c) for c in result.categories],
        members=members_out,
        budget_pence=result.budget_pence,
        outturn_pence=result.outturn_pence,
        top_sliced_pence=result.top_sliced_pence,
        freed_pence=result.freed_pence,
        overspent=result.overspent,
        list_size=_list_size(members, year),
        supersedes=previous,
        reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if previous is not None:
        diff = restatement_difference(_figures_of(previous), _figures_of(declaration))
        declaration.difference = {
            "old_freed_pence": diff.old_freed_pence,
            "new_freed_pence": diff.new_freed_pence,
            "freed_change_pence": diff.freed_change_pence,
            "changes": [
                {
                    "category": c.category,
                    "status": str(c.status),
                    "budget_change_pence": c.budget_change_pence,
                    "outturn_change_pence": c.outturn_change_pence,
                    "top_sliced_change_pence": c.top_sliced_change_pence,
                    "freed_change_pence": c.freed_change_pence,
                }
                for c in diff.changes
            ],
        }
    return _save(declaration, actor=actor)


def _pot_for(declaration: Declaration) -> Pot:
    lookup = (
        {"practice": declaration.practice}
        if declaration.practice_id
        else {"practice": None, "locality": declaration.locality}
    )
    pot = Pot.objects.select_for_update().filter(year=declaration.year, **lookup).first()
    if pot is None:
        pot = Pot.objects.create(
            pct=declaration.pct,
            year=declaration.year,
            practice=declaration.practice,
            locality=declaration.locality,
        )
        pot = Pot.objects.select_for_update().get(pk=pot.pk)
    return pot


@transaction.atomic
def declaration_confirm(*, declaration: Declaration, actor) -> Declaration:
    """PCT finance confirms a draft: the PCT's scheme splits it and the split is posted to the ledger.

    A restatement posts only the difference from the version it replaces, so the ledger always adds up
    to the current confirmed figures.
    """
    declaration = Declaration.objects.select_for_update().select_related("year", "pct").get(pk=declaration.pk)
    _require(actor, "freed_resources.confirm_declaration", declaration, doing="confirm declarations")
    if declaration.status != DeclarationStatus.DRAFT:
        raise InvalidTransition(f"This declaration is {declaration.get_status_display().lower()} already.")
    setting = selectors.scheme_for(pct=declaration.pct, year=declaration.year)
    if setting is None:
        raise Conflict(f"Set the PCT's split scheme for {declaration.year} before confirming declarations.")
    scheme = setting.scheme
    try:
        result = split_freed_resources(
            scheme,
            declaration.freed_up_pence,
            list_size=declaration.list_size,
            overspent=declaration.overspent,
        )
    except SplitError as exc:
        raise _problems(exc, "list_size") from exc

    now = timezone.now()
    previous = declaration.supersedes
    old_parts = dict.fromkeys(PARTY_ENTRY, 0)
    if previous is not None:
        previous = Declaration.objects.select_for_update().get(pk=previous.pk)
        old_split = Split.objects.filter(declaration=previous).first()
        if old_split is not None:
            old_parts = {
                "practices": old_split.practices_pence,
                "pct": old_split.pct_pence,
                "reward": old_split.reward_pence,
                "returned_for_investment": old_split.returned_for_investment_pence,
            }
        previous.status = DeclarationStatus.SUPERSEDED
        _save(previous, actor=actor, update_fields=["status"])

    declaration.status = DeclarationStatus.CONFIRMED
    declaration.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    declaration.confirmed_at = now
    _save(declaration, actor=actor, update_fields=["status", "confirmed_by", "confirmed_at"])

    split = Split(
        declaration=declaration,
        pct=declaration.pct,
        practice=declaration.practice,
        locality=declaration.locality,
        scheme_name=scheme.name,
        scheme=scheme_to_dict(scheme),
        amount_pence=result.amount_pence,
        reward_pence=result.reward_pence,
        returned_for_investment_pence=result.returned_for_investment_pence,
        practices_pence=result.practices_pence,
        pct_pence=result.pct_pence,
        residue_party=result.residue_party,
        residue_pence=result.residue_pence,
        reward_withheld=result.reward_withheld,
        steps=[asdict(s) for s in result.steps],
    )
    _save(split, actor=actor)
    _post_split(declaration=declaration, parts=result.parts(), old_parts=old_parts, actor=actor)
    return declaration


def _post_split(*, declaration: Declaration, parts: dict[str, int], old_parts: dict[str, int], actor) -> None:
    pot = _pot_for(declaration)
    common = {
        "pct": declaration.pct,
        "year": declaration.year,
        "practice": declaration.practice,
        "locality": declaration.locality,
        "declaration": declaration,
        "actor": actor if getattr(actor, "is_authenticated", False) else None,
    }
    label = f"{declaration.entity_label} {declaration.year} v{declaration.version}"
    for party, kind in PARTY_ENTRY.items():
        delta = parts[party] - old_parts.get(party, 0)
        if delta == 0:
            continue
        entry = LedgerEntry(
            kind=kind,
            amount_pence=delta,
            pot=pot if kind == EntryKind.POT else None,
            description=(
                f"{EntryKind(kind).label}: {label}"
                + (" (restatement adjustment)" if declaration.supersedes_id else "")
            ),
            **common,
        )
        if kind == EntryKind.POT:
            if pot.declared_pence + delta < pot.committed_pence:
                raise Conflict(
                    f"The restated figures would leave the pot at {format_gbp(pot.declared_pence + delta)}, "
                    f"below the {format_gbp(pot.committed_pence)} already committed to approved proposals."
                )
            pot.declared_pence += delta
            _save(pot, actor=actor, update_fields=["declared_pence"])
        if kind == EntryKind.REWARD:
            entry.payment_id_ref = _post_reward(
                declaration=declaration, amount_pence=parts[party], actor=actor
            )
        entry.save()


def _post_reward(*, declaration: Declaration, amount_pence: int, actor) -> int | None:
    """The reward feeds the practice's (or locality's) payment schedule (idempotent per entity and year)."""
    from agreements.services import payment_line_add

    if amount_pence == 0 and declaration.supersedes_id is None:
        return None
    owner = declaration.practice or declaration.locality
    payment = payment_line_add(
        practice=declaration.practice,
        locality=None if declaration.practice_id else declaration.locality,
        year=declaration.year.start_year,
        component_code=REWARD_COMPONENT_CODE,
        name=REWARD_COMPONENT_NAME,
        amount_pence=amount_pence,
        actor=actor,
        basis=f"Freed-up resources declared for {declaration.year} (version {declaration.version})",
        source_reference=f"freed-resources:{declaration.kind}:{owner.code}:{declaration.year.start_year}",
    )
    return payment.pk


# --- proposals and the pot ----------------------------------------------------------------------------


def _proposal_pot(application) -> Pot | None:
    """The pot a proposal draws on: its single practice's pot, else its locality's; the latest year up to
    the proposal's (savings from one year are reinvested in the next)."""
    practices = list(application.practices.all())
    pots = Pot.objects.select_for_update().filter(year__start_year__lte=application.year.start_year)
    if len(practices) == 1:
        pots = pots.filter(practice=practices[0])
    else:
        pots = pots.filter(practice=None, locality_id=application.locality_id)
    return pots.order_by("-year__start_year").first()


def _net_commitment(application) -> int:
    return (
        LedgerEntry.objects.filter(
            application=application, kind__in=(EntryKind.COMMITTED, EntryKind.RELEASED)
        ).aggregate(total=Sum("amount_pence"))["total"]
        or 0
    )


def proposal_commit(*, application, actor, reason: str = "") -> None:
    """Transition check on approving a proposal: lock the pot, refuse if the cost exceeds what remains,
    otherwise commit the cost to the pot (once, however many approving steps follow)."""
    pot = _proposal_pot(application)
    if pot is None:
        raise Conflict(
            "There is no confirmed reinvestment pot for this proposal's practice or locality: "
            "a proposal for use of freed-up resources needs a confirmed declaration first."
        )
    if _net_commitment(application) > 0:
        return
    cost = application.cost_pence
    if cost > pot.remaining_pence:
        raise Conflict(
            f"The proposal costs {format_gbp(cost)} but the {pot.owner_label} reinvestment pot has only "
            f"{format_gbp(pot.remaining_pence)} remaining; nothing was approved.",
            {"cost_pence": cost, "remaining_pence": pot.remaining_pence},
        )
    pot.committed_pence += cost
    _save(pot, actor=actor, update_fields=["committed_pence"])
    LedgerEntry.objects.create(
        pct=pot.pct,
        year=pot.year,
        practice=pot.practice,
        locality=pot.locality,
        pot=pot,
        kind=EntryKind.COMMITTED,
        amount_pence=cost,
        application=application,
        description=f"Committed to “{application.title}”",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def proposal_release(*, application, actor, reason: str = "") -> None:
    """Transition check on referring an approval back: give its commitment back to the pot."""
    committed = _net_commitment(application)
    if committed <= 0:
        return
    spent = _spent_on(application)
    if spent:
        raise Conflict(
            f"{format_gbp(spent)} has already been spent on “{application.title}”: its commitment cannot be "
            "given back to the pot."
        )
    entry = LedgerEntry.objects.filter(application=application, kind=EntryKind.COMMITTED).first()
    pot = Pot.objects.select_for_update().get(pk=entry.pot_id)
    pot.committed_pence -= committed
    _save(pot, actor=actor, update_fields=["committed_pence"])
    LedgerEntry.objects.create(
        pct=pot.pct,
        year=pot.year,
        practice=pot.practice,
        locality=pot.locality,
        pot=pot,
        kind=EntryKind.RELEASED,
        amount_pence=-committed,
        application=application,
        description=f"Released from “{application.title}” ({reason or 'referred back'})",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _spent_on(application) -> int:
    return (
        LedgerEntry.objects.filter(application=application, kind=EntryKind.SPENT).aggregate(
            total=Sum("amount_pence")
        )["total"]
        or 0
    )


@transaction.atomic
def proposal_spend_record(*, application, amount_pence: int, actor, description: str = "") -> LedgerEntry:
    """PCT finance records money spent on an approved proposal: at most what is committed to it and not yet
    spent; the pot's "spent" goes up and the ledger says what for."""
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
        raise ApplicationError(
            "Spending is a positive amount of money.", {"fields": {"amount": ["Give a positive amount."]}}
        )
    commitment = (
        LedgerEntry.objects.filter(application=application, kind=EntryKind.COMMITTED).order_by("pk").first()
    )
    if commitment is None or _net_commitment(application) <= 0:
        raise Conflict(
            f"“{application.title}” has no approved commitment from a reinvestment pot, so nothing can be "
            "spent on it."
        )
    pot = Pot.objects.select_for_update().get(pk=commitment.pot_id)
    _require(actor, "freed_resources.confirm_declaration", pot, doing="record spending of freed-up resources")
    committed, spent = _net_commitment(application), _spent_on(application)
    if spent + amount_pence > committed:
        left = committed - spent
        raise Conflict(
            f"Only {format_gbp(left)} of the {format_gbp(committed)} committed to “{application.title}” is "
            f"unspent; {format_gbp(amount_pence)} cannot be recorded.",
            {"fields": {"amount": [f"At most {format_gbp(left)}."]}, "unspent_pence": left},
        )
    pot.spent_pence += amount_pence
    _save(pot, actor=actor, update_fields=["spent_pence"])
    return LedgerEntry.objects.create(
        pct=pot.pct,
        year=pot.year,
        practice=pot.practice,
        locality=pot.locality,
        pot=pot,
        kind=EntryKind.SPENT,
        amount_pence=amount_pence,
        application=application,
        description=(description or "").strip()[:300] or f"Spent on “{application.title}”",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


# --- expected benefits ----------------------------------------------------------------------------------


def _benefit_problems(targets: Sequence[dict]) -> list[str]:
    problems, seen = [], set()
    if not targets:
        problems.append("Name at least one category and the benefit expected in it.")
    for n, t in enumerate(targets, start=1):
        category = str(t.get("category") or "").strip().upper()
        if not category or len(category) > 10:
            problems.append(f"Target {n}: give a report category code (up to 10 characters).")
        if t.get("measure") not in BenefitMeasure.values:
            problems.append(f"Target {n}: the measure is activity or cost.")
        value = t.get("expected_reduction")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problems.append(f"Target {n}: the expected reduction per month is a positive whole number.")
        months = t.get("months", BENEFIT_DEFAULT_MONTHS)
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 24:
            problems.append(f"Target {n}: the follow-up is 1 to 24 months.")
        if (category, t.get("measure")) in seen:
            problems.append(f"Target {n}: {category} {t.get('measure')} is named twice.")
        seen.add((category, t.get("measure")))
    return problems


@transaction.atomic
def expected_benefits_set(*, application, targets: Sequence[dict], actor) -> list[ExpectedBenefit]:
    """Name the categories a reinvestment proposal targets and the monthly reduction expected in each.

    The business case is fixed once the proposal is approved: after approval the benefit can only be named
    if none was (so the follow-up can still start), never changed.
    """
    from applications.choices import ApplicationKind

    _require(actor, "freed_resources.add_expectedbenefit", application, doing="name a proposal's benefits")
    if application.kind != ApplicationKind.FREED_RESOURCES:
        raise ApplicationError("Only a proposal for use of freed-up resources has a benefit follow-up.")
    problems = _benefit_problems(targets)
    if problems:
        raise ApplicationError(
            "The expected benefit is not complete: " + " ".join(problems),
            {"problems": problems, "fields": {"targets": problems}},
        )
    existing = ExpectedBenefit.objects.select_for_update().filter(application=application)
    if _net_commitment(application) > 0 and existing.exists():
        raise Conflict(
            "The proposal is approved: the benefit it was approved on cannot be changed.",
            {"fields": {"targets": ["Approved proposals keep their expected benefit."]}},
        )
    for old in existing:
        if getattr(actor, "is_authenticated", False):
            old._history_user = actor
        old.delete()
    return [
        _save(
            ExpectedBenefit(
                application=application,
                category=str(t["category"]).strip().upper(),
                measure=t["measure"],
                expected_reduction=t["expected_reduction"],
                months=t.get("months", BENEFIT_DEFAULT_MONTHS),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            ),
            actor=actor,
        )
        for t in targets
    ]
