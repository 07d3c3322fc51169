"""Notifications, the PCT's readiness self-assessment (Annex 1) and practices' competency checklist."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from applications.choices import CompetencyStatus, NotificationKind, Rag
from applications.constants import ANNEX1_AREAS, PRACTICE_COMPETENCIES
from applications.models.core import Application
from pbc.models import Pct, Practice
from pbc.permissions import ScopePaths


class Notification(models.Model):
    """Something a user should know, shown on their home page and (once) sent by email.

    ``key`` names the event (e.g. ``transition:12``), so re-running the task that creates it is harmless.
    Notifications are personal: selectors read them by user, never through scope.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    key = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    scope_paths = ScopePaths(pct=None)  # only ever read as "the signed-in user's own"

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_event")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.subject}"


class ReadinessReview(models.Model):
    """The PCT's self-assessment of its readiness for PbC on a date (Annex 1)."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="readiness_reviews")
    review_date = models.DateField()
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    scope_paths = ScopePaths(pct="pct")
    history = HistoricalRecords()

    class Meta:
        ordering = ["pct__code", "-review_date"]
        permissions = [("assess_readiness", "Can record the PCT's readiness self-assessment")]
        constraints = [models.UniqueConstraint(fields=["pct", "review_date"], name="readiness_once_per_date")]

    def __str__(self) -> str:
        return f"{self.pct.code} readiness on {self.review_date:%d/%m/%Y}"


class ReadinessRating(models.Model):
    """Red, amber or green for one Annex 1 area, with the evidence and the further actions needed."""

    review = models.ForeignKey(ReadinessReview, on_delete=models.CASCADE, related_name="ratings")
    area = models.CharField(max_length=40, choices=[(code, label) for _, code, label in ANNEX1_AREAS])
    rag = models.CharField("State of readiness", max_length=5, choices=Rag.choices)
    evidence = models.TextField("Evidence of progress or achievement", blank=True)
    actions = models.TextField("Further actions required", blank=True)

    scope_paths = ScopePaths(pct="review__pct")
    history = HistoricalRecords()

    class Meta:
        ordering = ["review_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["review", "area"], name="readiness_area_once")]

    def __str__(self) -> str:
        return f"{self.get_area_display()}: {self.get_rag_display()}"


class PracticeCompetency(models.Model):
    """Where a practice stands on one item of the competency checklist (seed 001 4.24)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="competencies")
    item = models.CharField(max_length=30, choices=PRACTICE_COMPETENCIES)
    status = models.CharField(
        max_length=20, choices=CompetencyStatus.choices, default=CompetencyStatus.NOT_ASSESSED
    )
    evidence = models.TextField(blank=True)
    reviewed_on = models.DateField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_paths = ScopePaths(pct="practice__pct", locality="practice__locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "practice competencies"
        ordering = ["practice__code", "pk"]
        permissions = [("assess_competency", "Can record practices' PbC competencies")]
        constraints = [models.UniqueConstraint(fields=["practice", "item"], name="competency_once_per_item")]

    def __str__(self) -> str:
        return f"{self.practice.code} {self.get_item_display()}: {self.get_status_display()}"
