"""Writes to the PCT's readiness self-assessment (Annex 1) and practices' competency checklist (4.24)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from applications.choices import CompetencyStatus, Rag
from applications.constants import ANNEX1_AREA_LABELS, PRACTICE_COMPETENCY_LABELS
from applications.models import PracticeCompetency, ReadinessRating, ReadinessReview
from applications.services._common import require, save
from pbc.exceptions import Conflict
from pbc.models import Pct, Practice


@transaction.atomic
def readiness_review_record(
    *, actor, pct: Pct, review_date: date, ratings: dict[str, tuple[str, str, str]], notes: str = ""
) -> ReadinessReview:
    """Record red/amber/green with evidence and further actions for Annex 1 areas on a date.

    ``ratings`` maps area codes to ``(rag, evidence, actions)``; areas left out are not rated that day.
    """
    require(actor, "applications.assess_readiness", pct, doing="record the readiness self-assessment")
    unknown = set(ratings) - set(ANNEX1_AREA_LABELS)
    if unknown:
        raise ValidationError(f"Unknown readiness areas: {', '.join(sorted(unknown))}.")
    if not ratings:
        raise ValidationError("Rate at least one area.")
    if ReadinessReview.objects.filter(pct=pct, review_date=review_date).exists():
        raise Conflict(f"A self-assessment for {review_date:%d/%m/%Y} already exists: open it instead.")
    review = save(
        ReadinessReview(pct=pct, review_date=review_date, notes=notes, recorded_by=actor), actor=actor
    )
    for area, (rag, evidence, actions) in ratings.items():
        if rag not in Rag.values:
            raise ValidationError({area: "Choose red, amber or green."})
        save(
            ReadinessRating(review=review, area=area, rag=rag, evidence=evidence, actions=actions),
            actor=actor,
        )
    return review


@transaction.atomic
def practice_competency_record(
    *, actor, practice: Practice, items: dict[str, tuple[str, str]], reviewed_on: date | None = None
) -> list[PracticeCompetency]:
    """Record where a practice stands on competency items: ``items`` maps item codes to ``(status, evidence)``."""
    require(actor, "applications.assess_competency", practice, doing="record practice competencies")
    unknown = set(items) - set(PRACTICE_COMPETENCY_LABELS)
    if unknown:
        raise ValidationError(f"Unknown competency items: {', '.join(sorted(unknown))}.")
    reviewed_on = reviewed_on or timezone.localdate()
    existing = {c.item: c for c in PracticeCompetency.objects.select_for_update().filter(practice=practice)}
    saved = []
    for item, (status, evidence) in items.items():
        if status not in CompetencyStatus.values:
            raise ValidationError({item: "Choose a status."})
        row = existing.get(item) or PracticeCompetency(practice=practice, item=item)
        if row.pk and row.status == status and row.evidence == evidence:
            continue
        row.status, row.evidence, row.reviewed_on, row.reviewed_by = status, evidence, reviewed_on, actor
        saved.append(save(row, actor=actor))
    return saved
