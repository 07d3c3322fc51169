"""Writes to applications: drafting, the workflow's transitions, attachments, decision rules."""

from __future__ import annotations

import hashlib
import os
from datetime import date

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from applications import selectors, workflow
from applications.choices import (
    APPEAL_OUTCOMES,
    TERMINAL_STATES,
    WORKFLOW,
    Action,
    ApplicationKind,
    ApplicationStatus,
    Step,
)
from applications.constants import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES
from applications.exceptions import ConflictOfInterest
from applications.models import AgendaItem, Application, ApplicationTransition, Attachment, DecisionRules
from applications.services._common import after_commit, display_name, require, save
from budgets.services import budget_holding_status_set
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from pbc.fiscal import FinancialYear as FiscalYear
from pbc.fiscal import fy_of
from pbc.models import FinancialYear, Locality, Practice
from pbc.permissions import scope_queryset, user_scope

EDITABLE_FIELDS = (
    "kind",
    "title",
    "summary",
    "reasons",
    "treatment_functions",
    "risks",
    "clinical_outcomes",
    "patient_benefit",
    "patients_benefiting",
    "cost_pence",
    "expected_savings_pence",
    "management_cost_pence",
    "funding_source",
    "proposed_start",
    "stakeholders_consulted",
    "patients_consulted",
    "provider",
    "provider_is_applicant",
)
REQUIRED_TO_SUBMIT = {
    "summary": "Give a summary.",
    "reasons": "Say why the change is needed.",
    "risks": "Identify the risks.",
    "clinical_outcomes": "State the expected clinical outcomes.",
    "patient_benefit": "Describe the benefit to patients.",
    "patients_benefiting": "Say how many patients would benefit.",
    "funding_source": "Say where the money would come from.",
    "proposed_start": "Give a proposed start date.",
    "stakeholders_consulted": "Say which stakeholders and patients were consulted.",
}


def financial_year_for(day: date) -> FinancialYear:
    year, _ = FinancialYear.objects.get_or_create(start_year=fy_of(day).start_year)
    return year


def _applicant_orgs(*, actor, practices, locality) -> tuple[list[Practice], Locality | None]:
    """Check the actor may apply for these organisations, and work out the application's locality."""
    practices = list(practices or [])
    if not practices and locality is None:
        raise ValidationError({"practices": "Name the applying practice or practices, or the locality."})
    visible = set(
        scope_queryset(Practice.objects.filter(pk__in=[p.pk for p in practices]), actor).values_list(
            "pk", flat=True
        )
    )
    outside = [p.code for p in practices if p.pk not in visible]
    if outside:
        raise PermissionDenied(f"You cannot apply for {', '.join(outside)}: outside your scope.")
    if not practices:
        scope = user_scope(actor)
        locality_level = (
            scope.everything or locality.pct_id in scope.pct_ids or locality.pk in scope.locality_ids
        )
        if not locality_level:
            raise PermissionDenied("Only the locality's lead or the PCT can apply for a whole locality.")
    pcts = {p.pct_id for p in practices} | ({locality.pct_id} if locality else set())
    if len(pcts) != 1:
        raise ValidationError({"practices": "The practices and locality must belong to one PCT."})
    if locality is None:
        locality = practices[0].locality
    return practices, locality


@transaction.atomic
def application_create(
    *, actor, title: str, practices=(), locality: Locality | None = None, data: dict | None = None
) -> Application:
    """Save a new draft for one practice, several practices or (with no practices) a whole locality."""
    require(actor, "applications.submit_application", doing="draft an application")
    practices, locality = _applicant_orgs(actor=actor, practices=practices, locality=locality)
    data = {k: v for k, v in (data or {}).items() if k in EDITABLE_FIELDS}
    pct = practices[0].pct if practices else locality.pct
    application = Application(
        pct=pct,
        locality=locality,
        title=title,
        created_by=actor,
        year=financial_year_for(data.get("proposed_start") or timezone.localdate()),
        **data,
    )
    save(application, actor=actor)
    application.practices.set(practices)
    return application


@transaction.atomic
def application_update(
    *, application: Application, actor, data: dict, practices=None, locality: Locality | None = None
) -> Application:
    """Change a draft. Once submitted, an application changes only through its workflow."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    require(actor, "applications.submit_application", application, doing="change this application")
    if not application.is_draft:
        raise InvalidTransition(
            f"{application.reference} has been submitted: it can no longer be changed.",
            {"status": application.status},
        )
    fields = [f for f in (*EDITABLE_FIELDS, "title") if f in data]
    for name in fields:
        setattr(application, name, data[name])
    if "proposed_start" in fields:
        application.year = financial_year_for(data["proposed_start"] or timezone.localdate())
        fields.append("year")
    if practices is not None:
        practices, new_locality = _applicant_orgs(actor=actor, practices=practices, locality=locality)
        application.locality = new_locality
        fields.append("locality")
    save(application, actor=actor, update_fields=[*fields, "updated"] if fields else None)
    if practices is not None:
        application.practices.set(practices)
    return application


def _check_complete(application: Application) -> None:
    missing = {
        name: [message]
        for name, message in REQUIRED_TO_SUBMIT.items()
        if getattr(application, name) in (None, "", [])
    }
    if not application.practices.exists() and not application.locality_id:
        missing["practices"] = ["Name the applying practice or practices, or the locality."]
    if missing:
        raise ApplicationError(
            "The application is not complete yet: " + " ".join(m[0] for m in missing.values()),
            {"fields": missing},
        )


def _check_assessed(application: Application) -> None:
    if not selectors.completed_assessment_count(application=application):
        raise ApplicationError(
            "No assessment has been completed yet: the project group recommends from completed assessments."
        )


def _check_pec_decision(application: Application, agenda_item: AgendaItem | None, actor) -> AgendaItem:
    if agenda_item is None:
        raise ApplicationError("PEC decisions are recorded by the meeting's chair on an agenda item.")
    item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=agenda_item.pk)
    meeting = item.meeting
    if item.application_id != application.pk:
        raise ApplicationError("That agenda item is about another application.")
    if meeting.chair_id != actor.pk:
        raise PermissionDenied("Only the meeting's chair records the PEC's decision.")
    if not meeting.is_open:
        raise InvalidTransition("The meeting is closed: its decisions can no longer change.")
    if item.is_decided:
        raise InvalidTransition("The PEC has already decided this item.")
    conflicts = selectors.member_conflicts(member=actor, application=application)
    if conflicts:
        raise ConflictOfInterest(
            "You have declared an interest in this application, so you cannot decide it: "
            + "; ".join(d.description for d in conflicts)
            + ". Ask another PEC member to chair this item.",
            {"declarations": [d.pk for d in conflicts]},
        )
    eligible = selectors.eligible_vote_count(item=item)
    if not workflow.quorate(eligible_votes=eligible, quorum=meeting.quorum):
        raise Conflict(
            f"The meeting is not quorate on this item: {eligible} of the {meeting.quorum} votes needed "
            "from members without an interest have been recorded.",
            {"eligible_votes": eligible, "quorum": meeting.quorum},
        )
    return item


def _refuse_if_illegal(application: Application, step: Step) -> None:
    if application.status not in step.sources:
        allowed = [s.action for s in WORKFLOW.values() if application.status in s.sources]
        raise InvalidTransition(
            f"{application.reference} is {ApplicationStatus(application.status).label.lower()}: "
            f"it cannot be given “{step.label}” now.",
            {"status": application.status, "action": step.action, "allowed_actions": allowed},
        )


@transaction.atomic
def application_transition(
    *, application: Application, action: str, actor, reason: str = "", agenda_item: AgendaItem | None = None
) -> Application:
    """Take one action of the workflow table on an application, under a lock on its row.

    Refuses with PermissionDenied (the actor's role may not take the action, or the application is outside
    their scope), InvalidTransition (not from the application's current state), or ApplicationError (no
    reason where one is required, an incomplete application, a PEC decision without quorum, …). On success
    the status changes, a transition row records who, when, from, to and why, and the people concerned
    are notified once the transaction commits.
    """
    step = WORKFLOW.get(str(action))
    if step is None:
        raise InvalidTransition(f"“{action}” is not an action of the workflow.")
    application = Application.objects.select_for_update().select_related("pct", "year").get(pk=application.pk)
    require(actor, step.permission, application, doing=f"“{step.label.lower()}” applications")
    _refuse_if_illegal(application, step)
    reason = (reason or "").strip()
    if step.reason_required and not reason:
        raise ApplicationError(
            f"{step.reason_label} must be given.", {"fields": {"reason": ["This is required."]}}
        )

    item = None
    if step.action == Action.SUBMIT:
        _check_complete(application)
    elif step.action in (Action.RECOMMEND, Action.NOT_RECOMMEND):
        _check_assessed(application)
    elif step.at_meeting:
        item = _check_pec_decision(application, agenda_item, actor)
    for check in workflow.transition_checks(application.kind, step.action):
        check(application=application, actor=actor, reason=reason)

    now = timezone.now()
    from_status = application.status
    fields = ["status"]
    needs_ratification = False
    if step.ratifiable:
        rules = selectors.decision_rules_for(pct=application.pct, year=application.year)
        needs_ratification = workflow.ratification_required(
            total_cost_pence=application.total_cost_pence,
            threshold_pence=rules.ratification_threshold_pence,
            provider_is_applicant=application.provider_is_applicant,
        )
        application.ratification_required = needs_ratification
        fields.append("ratification_required")
    application.status = workflow.target_of(step, needs_ratification=needs_ratification)
    if step.action == Action.SUBMIT:
        application.submitted_at = now
        fields.append("submitted_at")
    if step.action in (Action.RECOMMEND, Action.NOT_RECOMMEND):
        application.recommendation_summary = reason
        fields.append("recommendation_summary")
    if step.action == Action.APPROVE_WITH_CONDITIONS:
        application.conditions = reason
        fields.append("conditions")
    elif step.action == Action.APPROVE:
        application.conditions = ""
        fields.append("conditions")
    if step.at_meeting or step.action in (Action.RATIFY, Action.REFER_BACK, *APPEAL_OUTCOMES):
        application.decided_at = now
        fields.append("decided_at")
    save(application, actor=actor, update_fields=[*fields, "updated"])

    transition = ApplicationTransition.objects.create(
        application=application,
        action=step.action,
        from_status=from_status,
        to_status=application.status,
        actor=actor,
        actor_name=display_name(actor),
        reason=reason,
        agenda_item=item,
    )
    if item is not None:
        record = selectors.interest_record_on(application=application)
        item.outcome = step.action
        item.outcome_reason = reason
        item.decided_by = actor
        item.decided_at = now
        item.declared_interest_at_decision = actor.pk in record
        item.interests_at_decision = selectors.interest_snapshot(
            sorted((d for decls in record.values() for d in decls), key=lambda d: (d.declared_at, d.pk))
        )
        save(
            item,
            actor=actor,
            update_fields=[
                "outcome",
                "outcome_reason",
                "decided_by",
                "decided_at",
                "declared_interest_at_decision",
                "interests_at_decision",
            ],
        )

    if (
        application.kind == ApplicationKind.HOLD_BUDGET
        and application.status == ApplicationStatus.APPROVED
        and from_status != ApplicationStatus.APPROVED
    ):
        _hold_budget_approved(application, actor=actor)

    after_commit("applications.tasks.application_transition_notify_task", transition.pk)
    return application


def _hold_budget_approved(application: Application, *, actor) -> None:
    """An approved request to hold a budget makes each of its practices a budget holder for the year, for
    every category, from the proposed start (or the start of the year). PCT staff change it afterwards
    through ``budget_holding_status_set`` with a reason."""
    year = FiscalYear(application.year.start_year)
    proposed = application.proposed_start
    start = proposed if proposed is not None and proposed in year else year.start
    for practice in application.practices.order_by("code"):
        budget_holding_status_set(
            practice=practice,
            year=year,
            status="holding",
            holding_from=start,
            reason=f"{application.reference} approved: {application.title}",
            actor=actor,
        )


def application_submit(*, application: Application, actor) -> Application:
    """Submit a complete draft to the PCT (the workflow's first step)."""
    return application_transition(application=application, action=Action.SUBMIT, actor=actor)


def attachment_max_bytes() -> int:
    return int(getattr(settings, "PBC_APPLICATION_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES))


def detect_attachment_type(*, name: str, head: bytes) -> str:
    """The file's type by its content; refuses types we do not take and names that disguise the content."""
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    allowed = ", ".join(sorted({label for label, _ in ATTACHMENT_TYPES.values()}))
    if mime not in ATTACHMENT_TYPES:
        found = f"a {kind.extension.upper()} file" if kind else "not a recognised document"
        raise ValidationError({"file": f"{name} is {found}. Only these can be attached: {allowed}."})
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    label, extensions = ATTACHMENT_TYPES[mime]
    if ext not in extensions:
        raise ValidationError(
            {
                "file": f"{name} is named as .{ext or '(none)'} but its content is {label}: rename it and try again."
            }
        )
    return mime


@transaction.atomic
def attachment_add(*, application: Application, actor, upload, description: str = "") -> Attachment:
    """Attach a document to an application after checking its size and, by content, its type."""
    require(actor, "applications.add_attachment", application, doing="attach documents")
    if application.status in TERMINAL_STATES:
        raise InvalidTransition(f"{application.reference} is closed: documents can no longer be added.")
    name = os.path.basename(upload.name or "document")[:255]
    limit = attachment_max_bytes()
    size = upload.size
    if size == 0:
        raise ValidationError({"file": f"{name} is empty."})
    if size > limit:
        raise ValidationError(
            {
                "file": f"{name} is {size / 1_048_576:.1f} MB; attachments may be up to {limit / 1_048_576:.0f} MB."
            }
        )
    upload.seek(0)
    head = upload.read(8192)
    mime = detect_attachment_type(name=name, head=head)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        application=application,
        original_name=name,
        description=description,
        content_type=mime,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    return save(attachment, actor=actor)


@transaction.atomic
def decision_rules_set(
    *, actor, pct, year: FinancialYear, ratification_threshold_pence: int, pec_quorum: int
) -> DecisionRules:
    """Set the PCT's ratification threshold and PEC quorum for a year (meetings already scheduled keep theirs)."""
    require(actor, "applications.configure_decisions", pct, doing="set decision rules")
    rules = DecisionRules.objects.select_for_update().filter(pct=pct, year=year).first() or DecisionRules(
        pct=pct, year=year
    )
    rules.ratification_threshold_pence = ratification_threshold_pence
    rules.pec_quorum = pec_quorum
    return save(rules, actor=actor)
