"""The local enhanced service sign-up sheet (Hertfordshire 2007/08 style) and year-end declarations."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agreements.choices import LesLeadRole
from agreements.constants import LES_MIN_HOURS_PER_GP_PER_MONTH
from pbc.permissions import ScopePaths


class LesSignUp(models.Model):
    """A practice's signature sheet joining a scheme's LES: every GP named, at least 2 hours a month each.

    Signing up makes the scheme's "on sign-up" payments due (e.g. Hertfordshire's £1 a patient).
    """

    scheme = models.ForeignKey(
        "agreements.IncentiveScheme", on_delete=models.PROTECT, related_name="sign_ups"
    )
    practice = models.ForeignKey("pbc.Practice", on_delete=models.PROTECT, related_name="les_sign_ups")
    locality = models.ForeignKey(
        "pbc.Locality",
        on_delete=models.PROTECT,
        related_name="les_sign_ups",
        help_text="The PBC locality the practice has joined.",
    )
    lead_name = models.CharField("practice manager or PBC lead", max_length=200)
    lead_role = models.CharField(max_length=20, choices=LesLeadRole.choices)
    hours_per_gp_per_month = models.PositiveSmallIntegerField(default=LES_MIN_HOURS_PER_GP_PER_MONTH)
    contact_number = models.CharField(max_length=30, blank=True)
    signed_on = models.DateField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_paths = ScopePaths(pct="practice__pct", locality="practice__locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-signed_on", "practice__code", "pk"]
        verbose_name = "LES sign-up"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "practice"], name="les_sign_up_once_per_scheme"),
            models.CheckConstraint(
                condition=Q(hours_per_gp_per_month__gte=LES_MIN_HOURS_PER_GP_PER_MONTH),
                name="les_minimum_hours",
            ),
        ]
        permissions = [("sign_les", "Can sign the LES sheet and year-end declarations for their practice")]

    def __str__(self) -> str:
        return f"{self.practice.code} joined {self.scheme} on {self.signed_on:%d/%m/%Y}"

    def clean(self) -> None:
        if (
            self.hours_per_gp_per_month is not None
            and self.hours_per_gp_per_month < LES_MIN_HOURS_PER_GP_PER_MONTH
        ):
            raise ValidationError(
                {
                    "hours_per_gp_per_month": (
                        f"The LES asks for at least {LES_MIN_HOURS_PER_GP_PER_MONTH} hours per GP per month."
                    )
                }
            )
        if self.practice_id and self.locality_id and self.practice.pct_id != self.locality.pct_id:
            raise ValidationError({"locality": "The locality belongs to another PCT."})


class LesSignUpGp(models.Model):
    """A GP named on a sign-up sheet, and their year-end declaration that the commitment was met."""

    sign_up = models.ForeignKey(LesSignUp, on_delete=models.CASCADE, related_name="gps")
    gp = models.ForeignKey("pbc.Gp", on_delete=models.PROTECT, related_name="les_sign_ups")
    gp_name = models.CharField(max_length=200)
    declared_met = models.BooleanField(null=True, blank=True)
    declared_on = models.DateField(null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_paths = ScopePaths(
        pct="sign_up__practice__pct", locality="sign_up__practice__locality", practice="sign_up__practice"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["sign_up", "gp_name", "pk"]
        verbose_name = "GP on a LES sign-up"
        constraints = [models.UniqueConstraint(fields=["sign_up", "gp"], name="les_gp_once_per_sign_up")]

    def __str__(self) -> str:
        return self.gp_name
