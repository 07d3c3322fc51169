"""Writes to incentive schemes, achievements with their evidence, and year-end budget facts."""

from __future__ import annotations

import copy
import mimetypes
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from agreements import incentives, selectors
from agreements.constants import EVIDENCE_EXTENSIONS, EVIDENCE_MAX_BYTES
from agreements.models import (
    Achievement,
    AchievementAttachment,
    IncentiveScheme,
    SubstantialActionAgreement,
    YearEndBudgetPosition,
)
from agreements.services._common import save
from pbc.exceptions import ApplicationError, Conflict
from pbc.fiscal import FinancialYear
from pbc.models import Locality, Pct, Practice


def _parse(pct: Pct, definition: Any) -> incentives.Scheme:
    """The calculation module's scheme from a definition; its errors become the definition field's."""
    if not isinstance(definition, Mapping):
        raise ValidationError({"definition": ["The definition must be a JSON object (a scheme)."]})
    data = copy.deepcopy(dict(definition))
    data["pct"] = pct.name  # the scheme belongs to the PCT that holds it
    try:
        return incentives.Scheme.from_dict(data)
    except incentives.SchemeError as exc:
        raise ValidationError({"definition": [str(exc)]}) from exc


@transaction.atomic
def scheme_create(*, pct: Pct, definition: Mapping, actor) -> IncentiveScheme:
    """Configure a scheme for a PCT and year from its components as data."""
    parsed = _parse(pct, definition)
    year = parsed.financial_year.start_year
    if IncentiveScheme.objects.filter(pct=pct, code=parsed.code, start_year=year).exists():
        raise ValidationError(
            {"definition": [f"{pct.name} already has a scheme with code {parsed.code} for {parsed.year}."]}
        )
    scheme = IncentiveScheme(
        pct=pct,
        start_year=year,
        code=parsed.code,
        name=parsed.name,
        definition=parsed.to_dict(),
        created_by=actor,
    )
    return save(scheme, actor=actor, reason="Scheme configured.")


@transaction.atomic
def scheme_update(
    *, scheme: IncentiveScheme, definition: Mapping, actor, reason: str = ""
) -> IncentiveScheme:
    """Change a scheme's definition. Once any of its payments is approved or paid, the change needs a
    reason; every change is a new revision kept in the history."""
    scheme = IncentiveScheme.objects.select_for_update().get(pk=scheme.pk)
    parsed = _parse(scheme.pct, definition)
    if parsed.financial_year.start_year != scheme.start_year:
        raise ValidationError(
            {"definition": [f"This scheme is for {scheme.year}; create a new scheme for {parsed.year}."]}
        )
    new_definition = parsed.to_dict()
    if new_definition == scheme.definition:
        return scheme
    reason = (reason or "").strip()
    if not reason and selectors.scheme_has_settled_payments(scheme.pk):
        raise ApplicationError(
            f"Payments under {scheme.name} have already been approved: give a reason for changing the scheme.",
            {"fields": {"reason": ["A reason is needed once payments are approved."]}},
        )
    other = IncentiveScheme.objects.filter(pct=scheme.pct, code=parsed.code, start_year=scheme.start_year)
    if other.exclude(pk=scheme.pk).exists():
        raise ValidationError(
            {"definition": [f"Another scheme already has code {parsed.code} for {scheme.year}."]}
        )
    scheme.definition = new_definition
    scheme.code, scheme.name = parsed.code, parsed.name
    scheme.revision += 1
    return save(
        scheme,
        actor=actor,
        update_fields=["definition", "code", "name", "revision", "updated_at"],
        reason=reason[:100] or f"Revision {scheme.revision}.",
    )


# --- achievements ------------------------------------------------------------------------------------


def _check_attachment(upload) -> None:
    name = getattr(upload, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EVIDENCE_EXTENSIONS:
        raise ApplicationError(
            f"{name or 'The file'} is not a kind of evidence file we keep ({', '.join(EVIDENCE_EXTENSIONS)}).",
            {"fields": {"attachments": ["Unsupported file type."]}},
        )
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ApplicationError(
            f"{name} is larger than {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB.",
            {"fields": {"attachments": ["Too large."]}},
        )
    if upload.size == 0:
        raise ApplicationError(f"{name} is empty.", {"fields": {"attachments": ["Empty file."]}})


def _attach(achievement: Achievement, upload, *, actor) -> AchievementAttachment:
    _check_attachment(upload)
    attachment = AchievementAttachment(
        achievement=achievement,
        filename=upload.name[:255],
        content_type=getattr(upload, "content_type", "") or mimetypes.guess_type(upload.name)[0] or "",
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, upload, save=False)
    return save(attachment, actor=actor)


def _achievement_target(
    scheme: IncentiveScheme,
    component: incentives.Component,
    *,
    outcome_code: str,
    practice: Practice | None,
    locality: Locality | None,
    count: int | None,
    level: int | None,
) -> dict:
    """Check an achievement fits its component; return the fields that identify it."""
    for org in (practice, locality):
        if org is not None and org.pct_id != scheme.pct_id:
            raise ApplicationError(f"{org} is not in {scheme.pct}, whose scheme this is.")

    def refuse(message: str, field: str):
        raise ApplicationError(message, {"fields": {field: [message]}})

    if isinstance(component, incentives.WeightedOutcomesComponent):
        outcome = next((o for o in component.outcomes if o.code == outcome_code), None)
        if outcome is None:
            refuse(f"Choose one of the outcomes of {component.name}.", "outcome_code")
        if count is not None or level is not None:
            refuse("An outcome is achieved or not: it has no count or level.", "count")
        if outcome.judged_for is incentives.JudgedFor.PRACTICE:
            if practice is None:
                refuse(
                    f"Outcome {outcome.code} is judged for each practice: choose the practice.", "practice"
                )
            locality = practice.locality
        else:
            if practice is not None:
                refuse(
                    f"Outcome {outcome.code} is judged for the consortium as a whole, not a practice.",
                    "practice",
                )
        return {"outcome_code": outcome.code, "practice": practice, "locality": locality}
    if outcome_code:
        refuse(f"{component.name} has no outcomes.", "outcome_code")
    if isinstance(component, incentives.LocalityLevelComponent):
        if locality is None or practice is not None:
            refuse(
                f"{component.name} is achieved by a locality: choose the locality (not a practice).",
                "locality",
            )
        if level is None:
            refuse("Give the operating level the locality achieved.", "level")
        try:
            component.level_for(level)
        except incentives.SchemeError as exc:
            refuse(str(exc), "level")
        return {"outcome_code": "", "practice": None, "locality": locality}
    if practice is None:
        refuse(f"{component.name} is achieved by a practice: choose the practice.", "practice")
    if level is not None:
        refuse("Only locality-level components have levels.", "level")
    if isinstance(component, incentives.PerActivityComponent):
        if count is None:
            refuse(f"Give the count ({component.unit}s).", "count")
        try:
            component.amount_pence(count=count)
        except incentives.SchemeError as exc:
            refuse(str(exc), "count")
    elif count is not None:
        refuse(f"{component.name} is paid per registered patient: it has no count.", "count")
    return {"outcome_code": "", "practice": practice, "locality": practice.locality}


@transaction.atomic
def achievement_record(
    *,
    scheme: IncentiveScheme,
    actor,
    component_code: str,
    outcome_code: str = "",
    practice: Practice | None = None,
    locality: Locality | None = None,
    achieved: bool = True,
    count: int | None = None,
    level: int | None = None,
    evidence_notes: str = "",
    attachments: Iterable = (),
) -> Achievement:
    """Record (or correct) what was achieved under a component, with its evidence."""
    try:
        component = scheme.scheme.component(component_code)
    except incentives.SchemeError as exc:
        raise ApplicationError(str(exc), {"fields": {"component_code": [str(exc)]}}) from exc
    target = _achievement_target(
        scheme,
        component,
        outcome_code=outcome_code or "",
        practice=practice,
        locality=locality,
        count=count,
        level=level,
    )
    attachments = list(attachments)
    evidence_notes = (evidence_notes or "").strip()
    if not evidence_notes and not attachments:
        raise ApplicationError(
            "Record the evidence: notes (minutes, references) or an attached file.",
            {"fields": {"evidence_notes": ["Evidence is needed."]}},
        )
    for upload in attachments:
        _check_attachment(upload)
    existing = (
        Achievement.objects.select_for_update()
        .filter(
            scheme=scheme,
            component_code=component.code,
            outcome_code=target["outcome_code"],
            practice=target["practice"],
            locality=target["locality"],
        )
        .order_by("pk")
        .first()
    )
    achievement = existing or Achievement(scheme=scheme, component_code=component.code, **target)
    achievement.achieved = achieved
    achievement.count = count
    achievement.level = level
    if evidence_notes:
        achievement.evidence_notes = evidence_notes
    achievement.recorded_by = actor
    save(achievement, actor=actor)
    for upload in attachments:
        _attach(achievement, upload, actor=actor)
    return achievement


@transaction.atomic
def achievement_attachment_add(*, achievement: Achievement, upload, actor) -> AchievementAttachment:
    return _attach(achievement, upload, actor=actor)


# --- the indicative-budget rule's facts --------------------------------------------------------------


@transaction.atomic
def budget_position_record(
    *, practice: Practice, year: FinancialYear, budget_pence: int, outturn_pence: int, evidence: str, actor
) -> YearEndBudgetPosition:
    """Record a practice's year-end indicative budget and outturn (PCT finance)."""
    if budget_pence < 0 or outturn_pence < 0:
        raise ApplicationError("A budget and an outturn cannot be negative.")
    if not (evidence or "").strip():
        raise ApplicationError(
            "Say where the figures come from (the report and its date).",
            {"fields": {"evidence": ["Required."]}},
        )
    position = YearEndBudgetPosition.objects.filter(practice=practice, start_year=year.start_year).first()
    position = position or YearEndBudgetPosition(practice=practice, start_year=year.start_year)
    position.budget_pence, position.outturn_pence = budget_pence, outturn_pence
    position.overspent = outturn_pence > budget_pence
    position.evidence, position.recorded_by = evidence.strip(), actor
    return save(position, actor=actor)


@transaction.atomic
def substantial_action_record(
    *, practice: Practice, year: FinancialYear, agreed_on: date, notes: str, actor
) -> SubstantialActionAgreement:
    """Record the locality's agreement that the practice took substantial action to reduce spend."""
    if practice.locality_id is None:
        raise ApplicationError(f"{practice} is in no locality, so no locality can agree its action.")
    if SubstantialActionAgreement.objects.filter(practice=practice, start_year=year.start_year).exists():
        raise Conflict(f"The locality's agreement for {practice.name} in {year.label} is already recorded.")
    return save(
        SubstantialActionAgreement(
            practice=practice,
            start_year=year.start_year,
            locality=practice.locality,
            agreed_on=agreed_on,
            notes=(notes or "").strip(),
            recorded_by=actor,
        ),
        actor=actor,
    )
