"""Reads of freed-up resources, scoped to the user; and the one read of the budgets app's figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from freed_resources.benefits import (
    BenefitResult,
    BenefitTarget,
    MonthFigures,
    follow_up,
    month_shift,
    overall_status,
)
from freed_resources.choices import BenefitStatus, EntryKind
from freed_resources.declarations import CategoryFigures
from freed_resources.models import Declaration, ExpectedBenefit, LedgerEntry, Pot, SchemeSetting, Split
from pbc.models import FinancialYear, Locality, Practice
from pbc.permissions import scope_queryset


def budget_outturn(
    *,
    practice: Practice | None = None,
    locality: Locality | None = None,
    year: FinancialYear,
    categories: Sequence[str] = (),
    through_month: int = 12,
) -> list[CategoryFigures]:
    """Year-to-date budget and outturn per category from the published reports (the budgets app's one
    outturn selector; 409 when the year's budgets are not published or the period has no outturn)."""
    from budgets.selectors.outturn import budget_outturn as published_outturn

    return [
        CategoryFigures(category=f.category, budget_pence=f.budget_pence, outturn_pence=f.outturn_pence)
        for f in published_outturn(
            practice=practice,
            locality=locality,
            year=year,
            categories=categories,
            through_month=through_month,
        )
    ]


def scheme_list(*, user) -> QuerySet[SchemeSetting]:
    return scope_queryset(SchemeSetting.objects.select_related("pct", "year"), user)


def scheme_for(*, pct, year) -> SchemeSetting | None:
    return SchemeSetting.objects.filter(pct=pct, year=year).first()


def declaration_list(*, user, filters=None) -> QuerySet[Declaration]:
    from freed_resources.filters import DeclarationFilter

    qs = scope_queryset(
        Declaration.objects.select_related(
            "pct", "year", "practice", "locality", "confirmed_by", "created_by"
        ),
        user,
    )
    return DeclarationFilter(filters, queryset=qs).qs if filters is not None else qs


def declaration_get(*, user, pk: int) -> Declaration:
    return get_object_or_404(declaration_list(user=user), pk=pk)


def split_list(*, user) -> QuerySet[Split]:
    return scope_queryset(
        Split.objects.select_related("declaration", "declaration__year", "practice", "locality"), user
    )


def pot_list(*, user, filters=None) -> QuerySet[Pot]:
    from freed_resources.filters import PotFilter

    qs = scope_queryset(Pot.objects.select_related("pct", "year", "practice", "locality"), user)
    return PotFilter(filters, queryset=qs).qs if filters is not None else qs


def ledger_list(*, user, filters=None) -> QuerySet[LedgerEntry]:
    from freed_resources.filters import LedgerEntryFilter

    qs = scope_queryset(
        LedgerEntry.objects.select_related("year", "practice", "locality", "pot", "application"), user
    )
    return LedgerEntryFilter(filters, queryset=qs).qs if filters is not None else qs


def practice_get(*, user, code: str) -> Practice:
    from pbc import selectors as pbc_selectors

    return pbc_selectors.practice_get(user=user, code=code)


def proposal_list(*, user) -> QuerySet:
    """Proposals for use of freed-up resources the user may see (the applications app scopes them)."""
    from applications.choices import ApplicationKind
    from applications.models import Application

    return (
        scope_queryset(Application.objects.all(), user)
        .filter(kind=ApplicationKind.FREED_RESOURCES)
        .select_related("year", "locality", "pct")
        .prefetch_related("practices")
    )


def proposal_get(*, user, pk: int):
    return get_object_or_404(proposal_list(user=user), pk=pk)


@dataclass
class ProposalMoney:
    """A proposal's commitment from a pot: net committed, spent, and when it was approved (committed)."""

    committed_pence: int = 0
    spent_pence: int = 0
    approved_on: date | None = None
    pot_id: int | None = None

    @property
    def unspent_pence(self) -> int:
        return self.committed_pence - self.spent_pence


def proposal_money(*, application_ids: Sequence[int]) -> dict[int, ProposalMoney]:
    money: dict[int, ProposalMoney] = {pk: ProposalMoney() for pk in application_ids}
    entries = (
        LedgerEntry.objects.filter(
            application_id__in=list(application_ids),
            kind__in=(EntryKind.COMMITTED, EntryKind.RELEASED, EntryKind.SPENT),
        )
        .order_by("created", "pk")
        .values_list("application_id", "kind", "amount_pence", "created", "pot_id")
    )
    for application_id, kind, amount, created, pot_id in entries:
        m = money[application_id]
        if kind == EntryKind.SPENT:
            m.spent_pence += amount
            continue
        m.committed_pence += amount
        m.pot_id = pot_id
        if kind == EntryKind.COMMITTED:
            m.approved_on = timezone.localtime(created).date()
    for m in money.values():
        if m.committed_pence <= 0:
            m.approved_on = None
    return money


@dataclass
class ProposalBenefit:
    """The benefit follow-up of one proposal: its named targets and, once approved, their results."""

    targets: list[ExpectedBenefit] = field(default_factory=list)
    results: list[BenefitResult] = field(default_factory=list)
    approved_on: date | None = None
    compared: str = ""

    @property
    def status(self) -> BenefitStatus | None:
        return overall_status(self.results)


def _rows_of(application) -> tuple[str, dict]:
    """Whose report rows show a proposal's benefit: its one practice's, else its locality's (as its pot)."""
    from budgets.choices import ReportLevel

    practices = list(application.practices.all())
    if len(practices) == 1:
        return f"{practices[0].code} {practices[0].name}", {
            "level": ReportLevel.PRACTICE,
            "practice_id": practices[0].pk,
        }
    return str(application.locality), {"level": ReportLevel.LOCALITY, "locality_id": application.locality_id}


def benefit_follow_up(*, proposals: Sequence, money: dict[int, ProposalMoney]) -> dict[int, ProposalBenefit]:
    """Follow-up of each proposal's expected benefit in the published monthly report rows (provider "ALL"),
    in three queries however many proposals there are."""
    from budgets.constants import TOTAL
    from budgets.models import ReportRow

    follow = {p.pk: ProposalBenefit() for p in proposals}
    for target in ExpectedBenefit.objects.filter(application_id__in=list(follow)):
        follow[target.application_id].targets.append(target)
    wanted, condition = [], Q(pk__in=[])
    for p in proposals:
        f = follow[p.pk]
        f.approved_on = money.get(p.pk, ProposalMoney()).approved_on
        f.compared, owner = _rows_of(p)
        if not f.targets or f.approved_on is None:
            continue
        month = f.approved_on.replace(day=1)
        span = max(t.months for t in f.targets)
        window = {"month_start__gte": month_shift(month, -span), "month_start__lte": month_shift(month, span)}
        condition |= Q(**owner, category__in={t.category for t in f.targets}, **window)
        wanted.append((p, owner))
    series: dict[tuple, list[MonthFigures]] = defaultdict(list)
    if wanted:
        rows = ReportRow.objects.filter(condition, provider=TOTAL, actual_pence__isnull=False).values_list(
            "level", "practice_id", "locality_id", "category", "month_start", "activity_count", "actual_pence"
        )
        for level, practice_id, locality_id, category, month_start, count, cost in rows:
            owner_id = practice_id if practice_id is not None else locality_id
            series[(level, owner_id, category)].append(MonthFigures(month_start, count or 0, cost))
    for p, owner in wanted:
        f = follow[p.pk]
        owner_id = owner.get("practice_id", owner.get("locality_id"))
        f.results = [
            follow_up(
                BenefitTarget(t.category, t.measure, t.expected_reduction, t.months),
                series[(owner["level"], owner_id, t.category)],
                approved_on=f.approved_on,
            )
            for t in f.targets
        ]
    return follow


def with_follow_up(proposals: list) -> list:
    money = proposal_money(application_ids=[p.pk for p in proposals])
    follow = benefit_follow_up(proposals=proposals, money=money)
    for p in proposals:
        p.money, p.benefit = money[p.pk], follow[p.pk]
        p.committed_pence = p.money.committed_pence or None
    return proposals


def statement(
    *, user, year: FinancialYear, practice: Practice | None = None, locality: Locality | None = None
) -> dict:
    """A practice's, locality's or pooled consortium's freed-up resources statement: declarations, split,
    pot, proposals (with their spending and benefit follow-up) and the ledger."""
    if practice is not None:
        owner = {"practice": practice}
        proposals = proposal_list(user=user).filter(practices=practice)
    else:
        owner = {"practice": None, "locality": locality}
        proposals = (
            proposal_list(user=user)
            .filter(locality=locality)
            .annotate(n_practices=Count("practices"))
            .exclude(n_practices=1)
        )
    declarations = list(declaration_list(user=user).filter(year=year, **owner))
    confirmed = [d for d in declarations if d.status == "confirmed"]
    current = max(confirmed, key=lambda d: (d.confirmed_at, d.pk)) if confirmed else None
    split = Split.objects.filter(declaration=current).first() if current else None
    pot = pot_list(user=user).filter(year=year, **owner).first()
    return {
        "practice": practice,
        "locality": locality,
        "owner": practice or locality,
        "year": year,
        "declarations": declarations,
        "declaration": current,
        "split": split,
        "pot": pot,
        "proposals": with_follow_up(list(proposals.order_by("-created"))),
        "entries": list(ledger_list(user=user).filter(year=year, **owner)),
    }


def approved_proposals(*, user, limit: int = 200) -> list:
    """Approved proposals in scope (committed from a pot), newest first, with spending and benefit."""
    committed = LedgerEntry.objects.filter(kind=EntryKind.COMMITTED).values("application_id")
    proposals = list(proposal_list(user=user).filter(pk__in=committed).order_by("-created")[:limit])
    return [p for p in with_follow_up(proposals) if p.money.committed_pence > 0]


def pot_panel(*, user, limit: int = 6) -> dict | None:
    """The user's reinvestment pots for the home page: the latest few and the totals over all in scope."""
    pots = pot_list(user=user)
    totals = pots.aggregate(
        count=Count("pk"),
        declared=Sum("declared_pence"),
        committed=Sum("committed_pence"),
        spent=Sum("spent_pence"),
    )
    if totals["declared"] is None:
        return None
    totals["remaining"] = totals["declared"] - totals["committed"]
    return {
        "pots": list(pots.order_by("-year__start_year", "locality_id", "practice_id")[:limit]),
        "totals": totals,
    }


def pot_chart(*, pots) -> dict:
    """Cumulative declared and committed balances of each pot over time (for the chart and its table)."""
    series = []
    for pot in pots:
        declared = committed = 0
        points = []
        for entry in pot.entries.order_by("created", "pk"):
            if entry.kind == EntryKind.POT:
                declared += entry.amount_pence
            elif entry.kind in (EntryKind.COMMITTED, EntryKind.RELEASED):
                committed += entry.amount_pence
            else:
                continue
            points.append(
                {
                    "date": entry.created.date().isoformat(),
                    "declared": declared / 100,
                    "remaining": (declared - committed) / 100,
                }
            )
        series.append({"name": f"{pot.owner_label} {pot.year}", "points": points})
    return {"series": series}
