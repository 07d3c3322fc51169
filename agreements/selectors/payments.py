"""Reads of payment schedules: lines, statements per practice and locality, and the PCT summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from agreements.choices import PayeeKind, PaymentStatus
from agreements.filters import PaymentFilter
from agreements.models import Payment, PaymentTransition
from agreements.selectors._common import filtered, get_or_404
from pbc.fiscal import FinancialYear
from pbc.models import Locality, Practice
from pbc.permissions import scope_queryset


def payment_list(*, user, filters=None) -> QuerySet[Payment]:
    qs = scope_queryset(
        Payment.objects.select_related("pct", "practice", "locality", "scheme", "approved_by", "paid_by"),
        user,
    )
    return filtered(PaymentFilter, qs, filters)


def payment_get(*, user, pk: int) -> Payment:
    qs = payment_list(user=user).prefetch_related(
        Prefetch("transitions", queryset=PaymentTransition.objects.select_related("actor"))
    )
    return get_or_404(qs, pk=pk)


@dataclass
class Totals:
    calculated_pence: int = 0
    amount_pence: int = 0
    due_pence: int = 0
    approved_pence: int = 0
    paid_pence: int = 0
    lines: int = 0

    def add(self, line: Payment) -> None:
        self.lines += 1
        self.calculated_pence += line.calculated_pence
        self.amount_pence += line.amount_pence
        if line.status == PaymentStatus.DUE:
            self.due_pence += line.amount_pence
        elif line.status == PaymentStatus.APPROVED:
            self.approved_pence += line.amount_pence
        elif line.status == PaymentStatus.PAID:
            self.paid_pence += line.amount_pence

    @property
    def outstanding_pence(self) -> int:
        return self.amount_pence - self.paid_pence


@dataclass
class Statement:
    """A payee's schedule for a year: every live line, with totals by status."""

    payee: Practice | Locality
    year: FinancialYear
    lines: list[Payment]
    totals: Totals = field(default_factory=Totals)
    practice_totals: list[tuple[Practice, Totals]] = field(default_factory=list)

    @property
    def payee_label(self) -> str:
        return f"{self.payee.name} ({self.payee.code})"


def _live(qs: QuerySet[Payment]) -> QuerySet[Payment]:
    return qs.exclude(status=PaymentStatus.CANCELLED)


def practice_statement(*, user, practice: Practice, year: FinancialYear) -> Statement:
    """A practice's payment statement. ``practice`` comes from a scoped selector; lines are scoped too."""
    lines = list(
        _live(payment_list(user=user)).filter(
            payee_kind=PayeeKind.PRACTICE, practice=practice, start_year=year.start_year
        )
    )
    statement = Statement(payee=practice, year=year, lines=lines)
    for line in lines:
        statement.totals.add(line)
    return statement


def locality_statement(*, user, locality: Locality, year: FinancialYear) -> Statement:
    """A locality's own allowance lines, and the totals of its practices' lines."""
    lines = list(_live(payment_list(user=user)).filter(locality=locality, start_year=year.start_year))
    own = [line for line in lines if line.payee_kind == PayeeKind.LOCALITY]
    statement = Statement(payee=locality, year=year, lines=own)
    for line in own:
        statement.totals.add(line)
    per_practice: dict[int, tuple[Practice, Totals]] = {}
    for line in lines:
        if line.payee_kind == PayeeKind.PRACTICE:
            per_practice.setdefault(line.practice_id, (line.practice, Totals()))[1].add(line)
    statement.practice_totals = sorted(per_practice.values(), key=lambda item: item[0].code)
    return statement


@dataclass
class SummaryRow:
    payee_kind: str
    code: str
    name: str
    locality: str
    totals: Totals


@dataclass
class Summary:
    year: FinancialYear
    rows: list[SummaryRow]
    by_component: list[tuple[str, str, Totals]]
    totals: Totals


def payment_summary(*, user, year: FinancialYear) -> Summary:
    """Every payee's totals for the year across the user's scope, by payee and by component."""
    lines = _live(payment_list(user=user)).filter(start_year=year.start_year)
    rows: dict[tuple[str, int], SummaryRow] = {}
    components: dict[str, tuple[str, Totals]] = {}
    grand = Totals()
    for line in lines:
        payee = line.payee
        key = (line.payee_kind, payee.pk)
        if key not in rows:
            locality = line.locality.name if line.locality and line.payee_kind == PayeeKind.PRACTICE else ""
            rows[key] = SummaryRow(line.payee_kind, payee.code, payee.name, locality, Totals())
        rows[key].totals.add(line)
        components.setdefault(line.component_code, (line.name, Totals()))[1].add(line)
        grand.add(line)
    ordered = sorted(rows.values(), key=lambda r: (r.payee_kind != PayeeKind.PRACTICE, r.code))
    by_component = sorted(
        ((code, name, totals) for code, (name, totals) in components.items()), key=lambda c: c[0]
    )
    return Summary(year=year, rows=ordered, by_component=by_component, totals=grand)


def scheme_has_settled_payments(scheme_id: int) -> bool:
    return Payment.objects.filter(
        scheme_id=scheme_id, status__in=(PaymentStatus.APPROVED, PaymentStatus.PAID)
    ).exists()
