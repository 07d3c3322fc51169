"""Writes of the applications app, one function per business operation, re-exported here."""

from applications.services.applications import (
    application_create,
    application_submit,
    application_transition,
    application_update,
    attachment_add,
    decision_rules_set,
    financial_year_for,
)
from applications.services.assessment import assessment_save, criteria_set_ensure
from applications.services.meetings import (
    agenda_item_add,
    agenda_item_decide,
    interest_declare,
    interest_end,
    meeting_close,
    meeting_create,
    vote_cast,
)
from applications.services.notifications import notifications_mark_read, notify_agenda_item, notify_transition
from applications.services.readiness import practice_competency_record, readiness_review_record

__all__ = [
    "agenda_item_add",
    "agenda_item_decide",
    "application_create",
    "application_submit",
    "application_transition",
    "application_update",
    "assessment_save",
    "attachment_add",
    "criteria_set_ensure",
    "decision_rules_set",
    "financial_year_for",
    "interest_declare",
    "interest_end",
    "meeting_close",
    "meeting_create",
    "notifications_mark_read",
    "notify_agenda_item",
    "notify_transition",
    "practice_competency_record",
    "readiness_review_record",
    "vote_cast",
]
