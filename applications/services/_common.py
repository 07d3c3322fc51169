"""Helpers every service of the app uses: validated saves with history, access checks, after-commit tasks."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from pbc import queue
from pbc.permissions import can


def save(obj, *, actor, update_fields: list[str] | None = None):
    """Validate and save, recording ``actor`` in the model's history."""
    obj.full_clean()
    if actor is not None and getattr(actor, "is_authenticated", False):
        obj._history_user = actor
    obj.save(update_fields=update_fields)
    return obj


def require(actor, perm: str, obj=None, *, doing: str) -> None:
    """``actor`` must hold ``perm`` and, for an object, have it in scope; otherwise PermissionDenied (403)."""
    if not can(actor, perm, obj):
        raise PermissionDenied(f"Your role does not allow you to {doing}.")


def after_commit(task, *args) -> None:
    """Queue a Celery task once the surrounding transaction has committed (never before)."""
    transaction.on_commit(lambda: queue.send_or_log(task, *args))


def display_name(user) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


Check = Callable[..., None]
