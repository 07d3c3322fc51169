"""Choices and the allowed-transition tables of agreements and payments.

Only services change a status, and only along these tables; anything else raises ``InvalidTransition``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from agreements.incentives import Due


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OUT_FOR_SIGNATURE = "out_for_signature", "Out for signature"
    ACTIVE = "active", "Active"
    UNDER_REVIEW = "under_review", "Under review"
    ENDED = "ended", "Ended"


class EndReason(models.TextChoices):
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated with notice"
    SUPERSEDED = "superseded", "Superseded by a new version"


class AgreementAction(models.TextChoices):
    CREATE = "create", "Drafted"
    SEND = "send", "Sent for signature"
    WITHDRAW = "withdraw", "Withdrawn for changes"
    ACTIVATE = "activate", "Signed by every party"
    START_REVIEW = "start_review", "Review started"
    COMPLETE_REVIEW = "complete_review", "Review completed"
    GIVE_NOTICE = "give_notice", "Notice of termination given"
    TERMINATE = "terminate", "Terminated at the end of notice"
    EXPIRE = "expire", "Expired"
    SUPERSEDE = "supersede", "Superseded"


@dataclass(frozen=True)
class Move:
    """An allowed move: from any of ``sources`` to ``target`` (``None`` keeps the status)."""

    sources: frozenset[str]
    target: str | None
    end_reason: str = ""


_LIVE = frozenset({AgreementStatus.ACTIVE, AgreementStatus.UNDER_REVIEW})

AGREEMENT_TRANSITIONS: dict[str, Move] = {
    AgreementAction.SEND: Move(frozenset({AgreementStatus.DRAFT}), AgreementStatus.OUT_FOR_SIGNATURE),
    AgreementAction.WITHDRAW: Move(frozenset({AgreementStatus.OUT_FOR_SIGNATURE}), AgreementStatus.DRAFT),
    AgreementAction.ACTIVATE: Move(frozenset({AgreementStatus.OUT_FOR_SIGNATURE}), AgreementStatus.ACTIVE),
    AgreementAction.START_REVIEW: Move(frozenset({AgreementStatus.ACTIVE}), AgreementStatus.UNDER_REVIEW),
    AgreementAction.COMPLETE_REVIEW: Move(frozenset({AgreementStatus.UNDER_REVIEW}), AgreementStatus.ACTIVE),
    AgreementAction.GIVE_NOTICE: Move(_LIVE, None),
    AgreementAction.TERMINATE: Move(_LIVE, AgreementStatus.ENDED, EndReason.TERMINATED),
    AgreementAction.EXPIRE: Move(_LIVE, AgreementStatus.ENDED, EndReason.EXPIRED),
    AgreementAction.SUPERSEDE: Move(_LIVE, AgreementStatus.ENDED, EndReason.SUPERSEDED),
}

# Actions people start from the agreement page (the others happen to the agreement).
MANUAL_AGREEMENT_ACTIONS = (
    AgreementAction.SEND,
    AgreementAction.WITHDRAW,
    AgreementAction.START_REVIEW,
    AgreementAction.COMPLETE_REVIEW,
    AgreementAction.GIVE_NOTICE,
)
# A new version can be drafted from an agreement in force.
NEW_VERSION_FROM = _LIVE


class PartyKind(models.TextChoices):
    PCT = "pct", "PCT"
    LOCALITY = "locality", "Locality"
    PRACTICE = "practice", "Practice"
    PROVIDER = "provider", "Provider"


PARTY_ORDER = {PartyKind.PCT: 1, PartyKind.LOCALITY: 2, PartyKind.PRACTICE: 3, PartyKind.PROVIDER: 4}


class ReminderKind(models.TextChoices):
    REVIEW = "review", "Review due"
    NOTICE_DEADLINE = "notice_deadline", "Last day to give notice"
    TERMINATION = "termination", "Termination at the end of notice"


class LesLeadRole(models.TextChoices):
    PRACTICE_MANAGER = "practice_manager", "Practice manager"
    PBC_LEAD = "pbc_lead", "Practice PBC lead"


class PayeeKind(models.TextChoices):
    PRACTICE = "practice", "Practice"
    LOCALITY = "locality", "Locality"


class LineKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    ADJUSTMENT = "adjustment", "Adjustment after recalculation"


class PaymentSource(models.TextChoices):
    SCHEME = "scheme", "Incentive scheme"
    FREED_RESOURCES = "freed_resources", "Freed-up resources reward"
    OTHER = "other", "Other"


class PaymentStatus(models.TextChoices):
    DUE = "due", "Due"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    CANCELLED = "cancelled", "Cancelled"


class PaymentAction(models.TextChoices):
    APPROVE = "approve", "Approve"
    PAY = "pay", "Mark paid"
    CANCEL = "cancel", "Cancel"


PAYMENT_TRANSITIONS: dict[str, Move] = {
    PaymentAction.APPROVE: Move(frozenset({PaymentStatus.DUE}), PaymentStatus.APPROVED),
    PaymentAction.PAY: Move(frozenset({PaymentStatus.APPROVED}), PaymentStatus.PAID),
    PaymentAction.CANCEL: Move(frozenset({PaymentStatus.DUE}), PaymentStatus.CANCELLED),
}
PAYMENT_ACTION_PERMISSIONS = {
    PaymentAction.APPROVE: "agreements.approve_payment",
    PaymentAction.PAY: "agreements.pay_payment",
    PaymentAction.CANCEL: "agreements.approve_payment",
}
SETTLED_STATUSES = (PaymentStatus.APPROVED, PaymentStatus.PAID)

DUE_CHOICES = [(due.value, due.label) for due in Due]
