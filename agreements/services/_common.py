"""Helpers shared by the agreements services."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from pbc.exceptions import ApplicationError


def save(obj, *, actor, update_fields: list[str] | None = None, reason: str | None = None):
    """Validate and save ``obj``, recording ``actor`` (and ``reason``) in its history."""
    obj.full_clean()
    if actor is not None:
        obj._history_user = actor
    if reason:
        obj._change_reason = reason
    obj.save(update_fields=update_fields)
    return obj


def actor_name(actor) -> str:
    if actor is None:
        return "the system"
    return actor.get_full_name() or actor.get_username()


def as_application_error(exc: ValidationError) -> ApplicationError:
    """A model's ValidationError as a rule message with its field messages (for nested writes)."""
    fields = exc.message_dict if hasattr(exc, "error_dict") else {}
    return ApplicationError(" ".join(exc.messages), {"fields": fields} if fields else {})
