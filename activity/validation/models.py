"""Activity lines (one per costed spell or attendance), challenges, adjustments and validation returns."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from activity.choices import DatasetChoice, UploadStatus
from activity.validation.choices import ChallengeReason, ChallengeStatus
from pbc.models import Pct, Practice
from pbc.permissions import ScopePaths

_SCOPE = ScopePaths(pct="pct", locality="practice__locality", practice="practice")


class ActivityLineQuerySet(models.QuerySet):
    def current(self) -> ActivityLineQuerySet:
        """Lines that count: still current (not restated by a later upload), of a published upload, and
        written by the attempt that published it (lines of a lost attempt never count)."""
        return self.filter(
            is_current=True, upload__status=UploadStatus.SUCCEEDED, attempt=F("upload__attempts")
        )


class ActivityLine(models.Model):
    """One costed spell, attendance or A&E arrival of a practice, as published; never edited.

    Written chunk by chunk with the upload's aggregates and counted once the upload is published, as they
    are. The patient is kept only as the reader's keyed hash; ``record_key`` is the provider's own record
    identifier (SUSSPELLID, ATTENDKEY…), which the provider's contract manager needs to find a queried line.
    """

    upload = models.ForeignKey(
        "activity.ExtractUpload", on_delete=models.CASCADE, related_name="lines", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    attempt = models.PositiveSmallIntegerField(help_text="The processing attempt that wrote the line.")
    pct = models.ForeignKey(
        Pct, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    dataset = models.CharField(max_length=3, choices=DatasetChoice.choices)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="activity_lines", db_index=False, db_constraint=False
    )
    practice_code = models.CharField(max_length=10)
    month = models.DateField()
    activity_date = models.DateField(null=True, blank=True, help_text="Discharge, appointment or arrival.")
    line_no = models.PositiveBigIntegerField(help_text="Line in the uploaded file.")
    record_key = models.CharField(max_length=64, blank=True)
    patient_key = models.CharField(max_length=32, blank=True, help_text="Keyed hash of the pseudonym.")
    pod = models.CharField("POD", max_length=6, blank=True)
    provider = models.CharField(max_length=5, blank=True)
    tretspef = models.CharField("treatment function", max_length=3, blank=True)
    hrg = models.CharField("HRG", max_length=5, blank=True)
    ae_type = models.CharField(max_length=8, blank=True)
    los_days = models.IntegerField(null=True, blank=True)
    ssem_eligible = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20)
    price_reason = models.CharField(max_length=40, blank=True)
    mff_defaulted = models.BooleanField(default=False)
    excess_days = models.BigIntegerField(default=0)
    cost_pence = models.BigIntegerField()
    is_current = models.BooleanField(default=True)  # False once a later upload restates its slice
    # Outpatients, kept for referrals (DOMAIN 10): FIRSTATT, REFSOURC, a valid REQDATE, PRIORITY.
    firstatt = models.CharField("FIRSTATT", max_length=2, blank=True)
    refsourc = models.CharField("REFSOURC", max_length=2, blank=True)
    reqdate = models.DateField("REQDATE", null=True, blank=True, help_text="Only when a valid date.")
    priority = models.CharField("PRIORITY", max_length=2, blank=True)

    objects = ActivityLineQuerySet.as_manager()
    scope_paths = _SCOPE

    class Meta:
        ordering = ["month", "practice_code", "provider", "pk"]
        indexes = [
            models.Index(fields=["practice", "month"], name="activity_line_practice_month"),
            models.Index(fields=["upload", "attempt"], name="activity_line_upload_attempt"),
            models.Index(
                fields=["pct", "dataset", "is_current", "provider", "month"], name="activity_line_slice"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(cost_pence__gte=0), name="activity_line_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.practice_code} {self.month:%Y-%m} {self.pod} {self.provider} line {self.line_no}"


class ActivityChallenge(models.Model):
    """A practice's challenge of one activity line, and the PCT's decision on it."""

    line = models.ForeignKey(ActivityLine, on_delete=models.PROTECT, related_name="challenges")
    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="activity_challenges")
    month = models.DateField()
    provider = models.CharField(max_length=5, blank=True)
    reason = models.CharField(max_length=30, choices=ChallengeReason.choices)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ChallengeStatus.choices, default=ChallengeStatus.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    scope_paths = _SCOPE
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        permissions = [("decide_activitychallenge", "Can accept or reject activity challenges")]
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=Q(status="open"), name="one_open_challenge_per_line"
            ),
            models.UniqueConstraint(
                fields=["line"], condition=Q(status="accepted"), name="one_accepted_challenge_per_line"
            ),
        ]

    def __str__(self) -> str:
        return f"Challenge {self.pk} of line {self.line_id}: {self.get_reason_display()} ({self.status})"


class ActivityAdjustmentQuerySet(models.QuerySet):
    def counted(self) -> ActivityAdjustmentQuerySet:
        """Adjustments whose line still counts (a restated line takes its adjustment with it)."""
        return self.filter(
            line__is_current=True,
            line__upload__status=UploadStatus.SUCCEEDED,
            line__attempt=F("line__upload__attempts"),
        )


class ActivityAdjustment(models.Model):
    """The adjusting entry of an accepted challenge: minus the line's activity and cost, kept beside the raw
    line. Reports add these to the published activity."""

    challenge = models.OneToOneField(ActivityChallenge, on_delete=models.PROTECT, related_name="adjustment")
    line = models.ForeignKey(ActivityLine, on_delete=models.PROTECT, related_name="adjustments")
    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="activity_adjustments")
    dataset = models.CharField(max_length=3, choices=DatasetChoice.choices)
    month = models.DateField()
    pod = models.CharField("POD", max_length=6, blank=True)
    provider = models.CharField(max_length=5, blank=True)
    tretspef = models.CharField("treatment function", max_length=3, blank=True)
    hrg = models.CharField("HRG", max_length=5, blank=True)
    activity = models.IntegerField(default=-1)
    cost_pence = models.BigIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ActivityAdjustmentQuerySet.as_manager()
    scope_paths = _SCOPE
    history = HistoricalRecords()

    class Meta:
        ordering = ["month", "provider", "pk"]
        indexes = [models.Index(fields=["pct", "month"], name="activity_adjustment_pct_month")]
        constraints = [
            models.CheckConstraint(condition=Q(cost_pence__lte=0), name="activity_adjustment_not_positive"),
            models.CheckConstraint(condition=Q(activity__lte=0), name="activity_adjustment_activity_le0"),
        ]

    def __str__(self) -> str:
        return f"Adjustment of line {self.line_id}: {self.cost_pence}p"


class ValidationReturn(models.Model):
    """A practice's monthly validation return: it has checked the month's activity (with or without
    challenges). One per practice and month."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="validation_returns")
    month = models.DateField(help_text="First day of the month validated.")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    challenges = models.PositiveIntegerField(default=0, help_text="Challenges raised for the month so far.")
    note = models.TextField(blank=True)

    scope_paths = _SCOPE
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "practice__code"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "month"], name="one_validation_return_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.practice} validation return {self.month:%B %Y}"


class ValidationMonthClosure(models.Model):
    """The PCT closed a month for challenges before the automatic closing date."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)

    scope_paths = ScopePaths(pct="pct")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month"]
        permissions = [("close_validation_month", "Can close a month for activity challenges")]
        constraints = [models.UniqueConstraint(fields=["pct", "month"], name="one_closure_per_pct_month")]

    def __str__(self) -> str:
        return f"{self.month:%B %Y} closed"
