"""Writes to assessment: a PCT's criteria for a year (Annex 2 by default) and assessors' assessments."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.choices import Answer, ApplicationStatus, AssessmentStatus, Recommendation
from applications.constants import ANNEX2_CRITERIA
from applications.models import Application, Assessment, AssessmentAnswer, CriteriaSet, Criterion
from applications.services._common import require, save
from pbc.exceptions import ApplicationError, InvalidTransition
from pbc.models import FinancialYear, Pct


@transaction.atomic
def criteria_set_ensure(*, pct: Pct, year: FinancialYear, actor=None) -> CriteriaSet:
    """The PCT's criteria for the year; where none are set yet, a copy of the Annex 2 template."""
    existing = CriteriaSet.objects.filter(pct=pct, year=year).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            criteria_set = save(CriteriaSet(pct=pct, year=year), actor=actor)
    except IntegrityError:  # created meanwhile by another request
        return CriteriaSet.objects.get(pct=pct, year=year)
    for position, (section, code, text) in enumerate(ANNEX2_CRITERIA, start=1):
        save(
            Criterion(criteria_set=criteria_set, section=section, code=code, text=text, position=position),
            actor=actor,
        )
    return criteria_set


@transaction.atomic
def assessment_save(
    *,
    application: Application,
    actor,
    answers: dict[str, tuple[str, str]],
    recommendation: str = "",
    summary: str = "",
    complete: bool = False,
) -> Assessment:
    """Record the actor's own assessment (one per assessor): yes/no and a comment for each criterion.

    ``answers`` maps criterion codes to ``(answer, comment)``. A completed assessment answers every
    criterion and says whether to recommend; it may still be revised until the project group recommends.
    """
    application = Application.objects.select_for_update().select_related("pct", "year").get(pk=application.pk)
    require(actor, "applications.assess_application", application, doing="assess applications")
    if application.status != ApplicationStatus.UNDER_ASSESSMENT:
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}: it is not under assessment.",
            {"status": application.status},
        )
    assessment = Assessment.objects.filter(application=application, assessor=actor).first()
    criteria_set = (
        assessment.criteria_set
        if assessment
        else criteria_set_ensure(pct=application.pct, year=application.year, actor=actor)
    )
    criteria = list(criteria_set.criteria.all())
    unknown = set(answers) - {c.code for c in criteria}
    if unknown:
        raise ApplicationError(f"Unknown criteria: {', '.join(sorted(unknown))}.")
    bad = [code for code, (answer, _) in answers.items() if answer not in ("", *Answer.values)]
    if bad:
        raise ApplicationError(f"Answer yes or no to {', '.join(sorted(bad))}.")
    if recommendation not in ("", *Recommendation.values):
        raise ApplicationError("Recommend or do not recommend.")
    if complete:
        unanswered = [c.code for c in criteria if not answers.get(c.code, ("", ""))[0]]
        errors = {}
        if unanswered:
            errors["answers"] = [f"Answer every criterion before completing: {', '.join(unanswered)}."]
        if not recommendation:
            errors["recommendation"] = ["Say whether you recommend the application."]
        if errors:
            raise ApplicationError("The assessment is not complete.", {"fields": errors})

    if assessment is None:
        assessment = Assessment(application=application, assessor=actor, criteria_set=criteria_set)
    assessment.recommendation = recommendation
    assessment.summary = summary
    assessment.status = AssessmentStatus.COMPLETED if complete else AssessmentStatus.DRAFT
    assessment.completed_at = timezone.now() if complete else None
    save(assessment, actor=actor)
    existing = {a.criterion_id: a for a in assessment.answers.all()}
    for criterion in criteria:
        answer, comment = answers.get(criterion.code, ("", ""))
        row = existing.get(criterion.pk) or AssessmentAnswer(assessment=assessment, criterion=criterion)
        if row.pk and row.answer == answer and row.comment == comment:
            continue
        row.answer, row.comment = answer, comment
        save(row, actor=actor)
    return assessment
