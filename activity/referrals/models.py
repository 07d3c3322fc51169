"""Referral extract uploads and the referrals they load (one row per referral, DOMAIN 10)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from activity.referrals.choices import ReferralPriority, ReferralSource
from pbc.models import Pct, Practice
from pbc.permissions import ScopePaths


class ReferralUpload(models.Model):
    """An uploaded referral extract: the import record (file, checksum, row counts, data-quality report)."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="referral_uploads")
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField(default=0)
    checksum = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_loaded = models.PositiveBigIntegerField(default=0)
    quality = models.JSONField(default=dict, blank=True, help_text="The data-quality report.")

    scope_paths = ScopePaths(pct="pct")

    class Meta:
        ordering = ["-created", "-pk"]
        permissions = [("upload_referrals", "Can upload referral extracts")]

    def __str__(self) -> str:
        return f"Referral extract {self.filename} ({self.rows_loaded:,} referrals)"


class Referral(models.Model):
    """One referral of a practice, from a referral extract. The referral identifier is kept only as its
    keyed hash (the patient hash's key), which finds the same referral sent again in a later upload."""

    upload = models.ForeignKey(ReferralUpload, on_delete=models.CASCADE, related_name="referrals")
    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="referrals")
    practice_code = models.CharField(max_length=10)
    referral_key = models.CharField(max_length=32, help_text="Keyed hash of the referral identifier.")
    referral_date = models.DateField()
    month = models.DateField(help_text="First day of the referral's month.")
    referrer = models.CharField("referring GP code", max_length=10, blank=True)
    provider = models.CharField(max_length=5, blank=True)
    specialty = models.CharField("treatment function", max_length=3, blank=True)
    priority = models.CharField(
        max_length=20, choices=ReferralPriority.choices, default=ReferralPriority.UNKNOWN
    )
    source = models.CharField(max_length=20, choices=ReferralSource.choices)
    led_to_first_attendance = models.BooleanField(default=False)
    line_no = models.PositiveBigIntegerField(help_text="Line in the uploaded file.")

    scope_paths = ScopePaths(pct="pct", locality="practice__locality", practice="practice")

    class Meta:
        ordering = ["referral_date", "practice_code", "pk"]
        indexes = [
            models.Index(fields=["pct", "month"], name="referral_pct_month"),
            models.Index(fields=["practice", "month"], name="referral_practice_month"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["pct", "referral_key"], name="referral_once_per_pct"),
        ]

    def __str__(self) -> str:
        return f"{self.practice_code} {self.referral_date:%Y-%m-%d} {self.specialty} ({self.source})"
