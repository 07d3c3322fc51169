"""What every applications page shares: calling a service from a form and showing its refusals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError

from pbc.exceptions import ApplicationError


def apply_errors(form, exc: Exception) -> None:
    """Show a service's ValidationError or ApplicationError on the form (field messages where it can)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return
    fields = exc.extra.get("fields", {}) if isinstance(exc, ApplicationError) else {}
    shown = False
    for field, errors in fields.items():
        if field in form.fields:
            form.add_error(field, errors)
            shown = True
    if not shown or not fields:
        form.add_error(None, exc.message)


class ServiceFormMixin:
    """``form_valid`` calls :meth:`perform`; refusals become form errors, success a message and redirect."""

    success_message = ""

    def perform(self, form):  # pragma: no cover - every view defines it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except (ApplicationError, ValidationError) as exc:
            apply_errors(form, exc)
            response = self.form_invalid(form)
            if isinstance(exc, ApplicationError):
                response.status_code = exc.status_code
            return response
        if self.success_message:
            messages.success(self.request, self.success_message)
        return result
