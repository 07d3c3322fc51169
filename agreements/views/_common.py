"""Helpers shared by the agreements pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from pbc import selectors as pbc_selectors
from pbc.exceptions import ApplicationError


def show_errors(form, exc: Exception) -> None:
    """Put a service's refusal on the form: field messages where the form has the field, and the
    message itself at the top."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, messages)
        else:
            form.add_error(None, exc.messages)
        return
    if isinstance(exc, ApplicationError):
        for name, messages in (exc.extra.get("fields") or {}).items():
            if name in form.fields and name not in form.errors:
                form.add_error(name, messages)
        form.add_error(None, exc.message)
        return
    raise exc


def home_pct(request):
    return pbc_selectors.home_pct(user=request.user)


def querystring(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
