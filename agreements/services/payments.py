"""Writes to payment schedules: lines from a scheme's calculation, lines other apps add, and the
due → approved → paid decisions."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from agreements import incentives, selectors
from agreements.choices import (
    PAYMENT_TRANSITIONS,
    SETTLED_STATUSES,
    LineKind,
    PayeeKind,
    PaymentAction,
    PaymentSource,
    PaymentStatus,
)
from agreements.models import IncentiveScheme, Payment, PaymentTransition
from agreements.services._common import save
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from pbc.fiscal import FinancialYear
from pbc.models import Locality, Practice
from pbc.money import format_gbp

_LINE_FIELDS = (
    "name",
    "basis",
    "calculated_pence",
    "amount_pence",
    "due",
    "due_by",
    "eligible",
    "clawback",
    "reason",
)


def _payee_filter(payee_kind: str, payee) -> dict:
    if payee_kind == PayeeKind.PRACTICE:
        return {"payee_kind": payee_kind, "practice": payee}
    return {"payee_kind": payee_kind, "locality": payee, "practice": None}


def _payee_fields(payee_kind: str, payee) -> dict:
    """A new line's payee; a practice's line also carries the practice's locality (for scope)."""
    if payee_kind == PayeeKind.PRACTICE:
        return {"payee_kind": payee_kind, "practice": payee, "locality_id": payee.locality_id}
    return {"payee_kind": payee_kind, "practice": None, "locality": payee}


def _update(row: Payment, values: dict, *, actor) -> Payment:
    changed = [f for f, v in values.items() if getattr(row, f) != v]
    if row.pk is None:
        for f, v in values.items():
            setattr(row, f, v)
        return save(row, actor=actor)
    if changed:
        for f in changed:
            setattr(row, f, values[f])
        save(row, actor=actor, update_fields=[*changed, "updated_at"], reason="Recalculated.")
    return row


def _transition(row: Payment, action: str, *, actor, note: str = "") -> Payment:
    move = PAYMENT_TRANSITIONS[PaymentAction(action)]
    if row.status not in move.sources:
        raise InvalidTransition(
            f"This payment is {row.get_status_display().lower()}: it cannot be "
            f"{'approved' if action == PaymentAction.APPROVE else 'paid' if action == PaymentAction.PAY else 'cancelled'}.",
            {"status": row.status},
        )
    from_status = row.status
    row.status = move.target
    fields = ["status"]
    now = timezone.now()
    if action == PaymentAction.APPROVE:
        row.approved_by, row.approved_at = actor, now
        fields += ["approved_by", "approved_at"]
    elif action == PaymentAction.PAY:
        row.paid_by, row.paid_at = actor, now
        fields += ["paid_by", "paid_at"]
    save(
        row,
        actor=actor,
        update_fields=[*fields, "payment_reference", "updated_at"],
        reason=note[:100] or None,
    )
    PaymentTransition.objects.create(
        payment=row, action=action, from_status=from_status, to_status=row.status, actor=actor, note=note
    )
    return row


def _apply_line(
    *, scheme: IncentiveScheme, payee_kind: str, payee, line: incentives.PaymentLine, actor
) -> Payment | None:
    """Bring a payee's lines for one component in line with a calculated line.

    Nothing approved or paid is ever changed: a difference from them becomes a due adjustment (negative
    when money is to be recovered), which a later recalculation updates or cancels.
    """
    existing = list(
        Payment.objects.select_for_update()
        .filter(scheme=scheme, component_code=line.component_code, **_payee_filter(payee_kind, payee))
        .exclude(status=PaymentStatus.CANCELLED)
        .order_by("created_at", "pk")
    )
    settled = [row for row in existing if row.status in SETTLED_STATUSES]
    due = [row for row in existing if row.status == PaymentStatus.DUE]
    values = {
        "name": line.name,
        "basis": line.basis,
        "calculated_pence": line.calculated_pence,
        "amount_pence": line.amount_pence,
        "due": line.due.value,
        "due_by": line.due_by,
        "eligible": line.eligible,
        "clawback": line.clawback,
        "reason": line.reason,
    }
    new = Payment(
        pct_id=scheme.pct_id,
        start_year=scheme.start_year,
        scheme=scheme,
        source=PaymentSource.SCHEME,
        component_code=line.component_code,
        **_payee_fields(payee_kind, payee),
    )
    if not settled:
        row = due[0] if due else new
        for extra in due[1:]:
            _transition(extra, PaymentAction.CANCEL, actor=actor, note="Replaced by a recalculation.")
        return _update(row, values, actor=actor)

    settled_total = sum(row.amount_pence for row in settled)
    difference = line.amount_pence - settled_total
    if difference == 0:
        for row in due:
            _transition(
                row, PaymentAction.CANCEL, actor=actor, note="No longer needed: the recalculation matches."
            )
        return None
    values.update(
        kind=LineKind.ADJUSTMENT,
        calculated_pence=difference,
        amount_pence=difference,
        clawback=difference < 0 or line.clawback,
        basis=(
            f"Recalculated: {line.basis} = {format_gbp(line.amount_pence)}, less "
            f"{format_gbp(settled_total)} already approved or paid"
        ),
    )
    row = due[0] if due else new
    for extra in due[1:]:
        _transition(extra, PaymentAction.CANCEL, actor=actor, note="Replaced by a recalculation.")
    return _update(row, values, actor=actor)


def _retire(*, scheme: IncentiveScheme, payee_kind: str, payee, keep: set[str], actor) -> list[Payment]:
    """Lines of components the calculation no longer produces for the payee (a locality moved up a
    level, a count was withdrawn): due lines are cancelled; what was approved or paid is offset by an
    adjustment, so the payee's net for that component becomes nil."""
    stale = list(
        Payment.objects.select_for_update()
        .filter(scheme=scheme, **_payee_filter(payee_kind, payee))
        .exclude(status=PaymentStatus.CANCELLED)
        .exclude(component_code__in=keep)
        .order_by("created_at", "pk")
    )
    rows = []
    for code in sorted({row.component_code for row in stale}):
        lines = [row for row in stale if row.component_code == code]
        if not any(row.status in SETTLED_STATUSES for row in lines):
            for row in lines:
                _transition(
                    row, PaymentAction.CANCEL, actor=actor, note="No longer payable after recalculation."
                )
            continue
        first = lines[0]
        nil = incentives.PaymentLine(
            component_code=code,
            name=first.name,
            basis="no longer payable under the scheme as now calculated",
            amount_pence=0,
            calculated_pence=0,
            due=incentives.Due(first.due),
            due_by=first.due_by,
            reason="No longer payable after recalculation.",
        )
        row = _apply_line(scheme=scheme, payee_kind=payee_kind, payee=payee, line=nil, actor=actor)
        if row is not None:
            rows.append(row)
    return rows


def _apply_all(*, scheme: IncentiveScheme, payee_kind: str, payee, lines, actor) -> list[Payment]:
    rows = []
    for line in lines:
        row = _apply_line(scheme=scheme, payee_kind=payee_kind, payee=payee, line=line, actor=actor)
        if row is not None:
            rows.append(row)
    keep = {line.component_code for line in lines}
    return rows + _retire(scheme=scheme, payee_kind=payee_kind, payee=payee, keep=keep, actor=actor)


@transaction.atomic
def payment_schedule_calculate(
    *, scheme: IncentiveScheme, practice: Practice, actor, components: Iterable[str] | None = None
) -> list[Payment]:
    """Calculate a practice's payments under the scheme and bring its schedule in line.

    ``components`` limits the calculation to some components (sign-up pays only the sign-up payment).
    A practice with no list size for the year gets a clear error and nothing is saved.
    """
    calculation = selectors.practice_calculation(scheme, practice)
    if calculation.error:
        raise ApplicationError(calculation.error)
    if components is None:
        return _apply_all(
            scheme=scheme, payee_kind=PayeeKind.PRACTICE, payee=practice, lines=calculation.lines, actor=actor
        )
    wanted = set(components)
    rows = []
    for line in calculation.lines:
        if line.component_code in wanted:
            row = _apply_line(
                scheme=scheme, payee_kind=PayeeKind.PRACTICE, payee=practice, line=line, actor=actor
            )
            if row is not None:
                rows.append(row)
    return rows


@transaction.atomic
def payment_schedule_calculate_locality(
    *, scheme: IncentiveScheme, locality: Locality, actor, level: int | None = None
) -> list[Payment]:
    """Calculate a locality's allowances (at its agreed level) and bring its schedule in line."""
    if locality.pct_id != scheme.pct_id:
        raise ApplicationError(f"{locality} is not in {scheme.pct}, whose scheme this is.")
    calculations = selectors.locality_calculations(scheme, [locality], level=level)
    errors = [c.error for c in calculations if c.error]
    if errors:
        raise ApplicationError(" ".join(errors))
    lines = [line for c in calculations for line in c.lines]
    return _apply_all(scheme=scheme, payee_kind=PayeeKind.LOCALITY, payee=locality, lines=lines, actor=actor)


@transaction.atomic
def payment_schedule_calculate_all(*, scheme: IncentiveScheme, actor) -> list[Payment]:
    """Calculate every practice's and locality's payments under the scheme. If any payee cannot be
    calculated (e.g. no list size), nothing is saved and every problem is listed."""
    calculation = selectors.scheme_calculation(
        scheme,
        practices=Practice.objects.filter(pct=scheme.pct_id),
        localities=Locality.objects.filter(pct=scheme.pct_id),
    )
    if calculation.errors:
        raise ApplicationError(
            f"Nothing was saved: {len(calculation.errors)} payee(s) cannot be calculated. "
            + " ".join(calculation.errors),
            {"problems": calculation.errors},
        )
    rows = []
    for practice_calc in calculation.practices:
        rows += _apply_all(
            scheme=scheme,
            payee_kind=PayeeKind.PRACTICE,
            payee=practice_calc.practice,
            lines=practice_calc.lines,
            actor=actor,
        )
    by_locality: dict[int, tuple] = {}
    for locality_calc in calculation.localities:
        entry = by_locality.setdefault(locality_calc.locality.pk, (locality_calc.locality, []))
        entry[1].extend(locality_calc.lines)
    for locality, lines in by_locality.values():
        rows += _apply_all(
            scheme=scheme, payee_kind=PayeeKind.LOCALITY, payee=locality, lines=lines, actor=actor
        )
    return rows


@transaction.atomic
def payment_line_add(
    *,
    year: FinancialYear | int,
    component_code: str,
    name: str,
    amount_pence: int,
    actor,
    practice: Practice | None = None,
    locality: Locality | None = None,
    due: incentives.Due | str = incentives.Due.YEAR_END,
    due_by=None,
    basis: str = "",
    reason: str = "",
    source: str = PaymentSource.FREED_RESOURCES,
    source_reference: str = "",
) -> Payment:
    """Add a line to a practice's or locality's schedule from elsewhere (e.g. a freed-up resources
    reward payment). With a ``source_reference`` it is idempotent: calling again updates the due line,
    and refuses to change one already approved or paid."""
    if (practice is None) == (locality is None):
        raise ApplicationError("A payment line is for exactly one practice or one locality.")
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence < 0:
        raise ApplicationError("A payment is a whole, non-negative number of pence.")
    if source not in PaymentSource.values:
        raise ApplicationError(f"Unknown payment source {source!r}.")
    year = year if isinstance(year, FinancialYear) else FinancialYear(int(year))
    due = incentives.Due(due)
    payee_kind = PayeeKind.PRACTICE if practice is not None else PayeeKind.LOCALITY
    payee = practice if practice is not None else locality
    values = {
        "name": name,
        "basis": basis,
        "calculated_pence": amount_pence,
        "amount_pence": amount_pence,
        "due": due.value,
        "due_by": due_by or due.due_by(year),
        "eligible": True,
        "clawback": False,
        "reason": reason,
    }
    row = None
    if source_reference:
        row = (
            Payment.objects.select_for_update()
            .filter(source=source, source_reference=source_reference, component_code=component_code)
            .exclude(status=PaymentStatus.CANCELLED)
            .order_by("pk")  # the default ordering joins nullable payees, which PostgreSQL cannot lock
            .first()
        )
        if row is not None and row.status != PaymentStatus.DUE:
            if row.amount_pence == amount_pence:
                return row
            raise Conflict(
                f"The payment for {source_reference} is already {row.get_status_display().lower()}; it cannot change."
            )
    row = row or Payment(
        pct_id=payee.pct_id,
        start_year=year.start_year,
        source=source,
        source_reference=source_reference,
        component_code=component_code,
        **_payee_fields(payee_kind, payee),
    )
    return _update(row, values, actor=actor)


@transaction.atomic
def payment_transition(
    *, payment: Payment, action: str, actor, note: str = "", reference: str = ""
) -> Payment:
    """Approve, pay or cancel a payment line; each decision is a transition row."""
    if action not in PAYMENT_TRANSITIONS:
        raise ApplicationError(f"Unknown action {action!r}: approve, pay or cancel.")
    row = Payment.objects.select_for_update().get(pk=payment.pk)
    if action == PaymentAction.PAY:
        reference = (reference or "").strip()
        if not reference:
            raise ApplicationError(
                "Give the payment reference (remittance or ledger).", {"fields": {"reference": ["Required."]}}
            )
        row.payment_reference = reference[:100]
    if action == PaymentAction.CANCEL and not (note or "").strip():
        raise ApplicationError("Say why the payment is cancelled.", {"fields": {"note": ["Required."]}})
    return _transition(row, action, actor=actor, note=note)


def payment_approve(*, payment: Payment, actor, note: str = "") -> Payment:
    return payment_transition(payment=payment, action=PaymentAction.APPROVE, actor=actor, note=note)


def payment_pay(*, payment: Payment, actor, reference: str, note: str = "") -> Payment:
    return payment_transition(
        payment=payment, action=PaymentAction.PAY, actor=actor, reference=reference, note=note
    )
