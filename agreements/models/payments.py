"""Payment schedules: one line per component, payee and year, with its status and decisions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agreements.choices import DUE_CHOICES, LineKind, PayeeKind, PaymentSource, PaymentStatus
from pbc.fiscal import FinancialYear
from pbc.permissions import ScopePaths


class Payment(models.Model):
    """A line of a practice's or a locality's payment schedule for a year.

    ``locality`` is set for both payees: the locality paid, or the practice's locality (so a locality
    lead sees their practices' lines). ``amount_pence`` is what is payable after the indicative-budget
    rule; ``calculated_pence`` what the component gave. An *adjustment* line carries the difference
    when a recalculation changes a line that was already approved or paid (negative: to recover).
    """

    pct = models.ForeignKey("pbc.Pct", on_delete=models.PROTECT, related_name="payments")
    start_year = models.PositiveSmallIntegerField()
    payee_kind = models.CharField(max_length=20, choices=PayeeKind.choices)
    practice = models.ForeignKey(
        "pbc.Practice", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    locality = models.ForeignKey(
        "pbc.Locality", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    scheme = models.ForeignKey(
        "agreements.IncentiveScheme", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    source = models.CharField(max_length=20, choices=PaymentSource.choices, default=PaymentSource.SCHEME)
    source_reference = models.CharField(
        max_length=100, blank=True, help_text="The originating record, for lines added by another app."
    )
    kind = models.CharField(max_length=20, choices=LineKind.choices, default=LineKind.PAYMENT)
    component_code = models.CharField(max_length=100)
    name = models.CharField(max_length=300)
    basis = models.TextField(blank=True)
    calculated_pence = models.BigIntegerField()
    amount_pence = models.BigIntegerField()
    due = models.CharField(max_length=20, choices=DUE_CHOICES)
    due_by = models.DateField()
    eligible = models.BooleanField(default=True)
    clawback = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.DUE)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(pct="pct", locality="locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        ordering = [
            "-start_year",
            "payee_kind",
            "practice__code",
            "locality__code",
            "due_by",
            "component_code",
            "pk",
        ]
        indexes = [
            models.Index(fields=["pct", "start_year", "status"]),
            models.Index(fields=["scheme", "practice", "component_code"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(payee_kind=PayeeKind.PRACTICE, practice__isnull=False)
                | Q(payee_kind=PayeeKind.LOCALITY, practice__isnull=True, locality__isnull=False),
                name="payment_one_payee",
            ),
            models.CheckConstraint(
                condition=Q(kind=LineKind.ADJUSTMENT) | Q(amount_pence__gte=0, calculated_pence__gte=0),
                name="payment_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(start_year__gte=1990) & Q(start_year__lte=2100), name="payment_year_plausible"
            ),
        ]
        permissions = [
            ("approve_payment", "Can approve payments"),
            ("pay_payment", "Can mark payments paid"),
            ("view_payment_summary", "Can see the PCT-wide payment summary"),
            ("view_locality_statement", "Can see locality payment statements"),
        ]

    def __str__(self) -> str:
        return f"{self.payee} {self.year} {self.name}: {self.amount_pence}p ({self.status})"

    @property
    def payee(self):
        return self.practice if self.payee_kind == PayeeKind.PRACTICE else self.locality

    @property
    def year(self) -> str:
        return FinancialYear(self.start_year).label

    def clean(self) -> None:
        if self.practice_id and self.locality_id and self.practice.locality_id != self.locality_id:
            raise ValidationError({"locality": "A practice's line carries the practice's own locality."})
        for org in (self.practice, self.locality):
            if org is not None and org.pct_id != self.pct_id:
                raise ValidationError(f"{org} is not in this PCT.")
        if self.scheme_id and self.scheme.start_year != self.start_year:
            raise ValidationError("A scheme's payment belongs to the scheme's year.")


class PaymentTransition(models.Model):
    """A status change of a payment line: who approved or paid it, when, with what reference."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, choices=PaymentStatus.choices)
    to_status = models.CharField(max_length=20, choices=PaymentStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    scope_paths = ScopePaths(pct="payment__pct", locality="payment__locality", practice="payment__practice")

    class Meta:
        ordering = ["payment", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.from_status} → {self.to_status}"
