"""Assessment of applications against a PCT's criteria for the year (Annex 2 by default)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from applications.choices import Answer, AssessmentStatus, CriterionSection, Recommendation
from applications.models.core import APPLICATION_SCOPE, Application
from pbc.models import FinancialYear, Pct
from pbc.permissions import ScopePaths


class CriteriaSet(models.Model):
    """The assessment criteria a PCT uses in a financial year."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="criteria_sets")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="criteria_sets")
    name = models.CharField(max_length=200, default="Practice application assessment (Annex 2)")

    scope_paths = ScopePaths(pct="pct")
    history = HistoricalRecords()

    class Meta:
        ordering = ["pct__code", "-year__start_year"]
        constraints = [models.UniqueConstraint(fields=["pct", "year"], name="criteria_set_once_per_year")]

    def __str__(self) -> str:
        return f"{self.name} — {self.pct.code} {self.year}"


class Criterion(models.Model):
    """One yes/no question of a criteria set, in one of the Annex 2 sections A–E."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    section = models.CharField(max_length=1, choices=CriterionSection.choices)
    code = models.CharField(max_length=10)
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    scope_paths = ScopePaths(pct="criteria_set__pct")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "criteria"
        ordering = ["criteria_set_id", "section", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Assessment(models.Model):
    """One assessor's assessment of an application; the project group recommends from several of these."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="assessments")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    summary = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    scope_paths = APPLICATION_SCOPE
    history = HistoricalRecords()

    class Meta:
        ordering = ["application_id", "created", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "assessor"], name="assessment_once_per_assessor"),
            models.CheckConstraint(
                condition=~Q(status=AssessmentStatus.COMPLETED) | ~Q(recommendation=""),
                name="assessment_completed_has_recommendation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} assessed by {self.assessor}"

    def clean(self) -> None:
        if self.status == AssessmentStatus.COMPLETED and not self.recommendation:
            raise ValidationError({"recommendation": "A completed assessment says whether to recommend."})


class AssessmentAnswer(models.Model):
    """An assessor's yes/no answer to one criterion, with comments."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers")
    answer = models.CharField(max_length=3, choices=Answer.choices, blank=True)
    comment = models.TextField(blank=True)

    scope_paths = ScopePaths(
        pct="assessment__application__pct",
        locality="assessment__application__locality",
        practice="assessment__application__practices",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment_id", "criterion__section", "criterion__position", "criterion__code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="answer_once_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.get_answer_display() or 'unanswered'}"
