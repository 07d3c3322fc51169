"""Every API error is one JSON shape: ``{"message": str, "errors": {field: [str, ...]}, "extra": {...}}``.

``errors`` holds field messages (empty when the error is not about a field); ``extra`` holds context such as
the conflicting status or the retry delay. Services pass field messages as ``extra["fields"]``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from pbc.busy import DatabaseBusy, is_database_busy
from pbc.exceptions import ApplicationError


def error_body(message: str, errors: dict | None = None, extra: dict | None = None) -> dict:
    return {"message": message, "errors": errors or {}, "extra": extra or {}}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if is_database_busy(exc):  # SQLite locked by another writer outside a retried service: busy, not lost
        exc = DatabaseBusy()
    if isinstance(exc, ApplicationError):
        extra = dict(exc.extra)
        fields = extra.pop("fields", {})
        response = Response(error_body(exc.message, fields, extra), status=exc.status_code)
        if isinstance(exc, DatabaseBusy):
            response["Retry-After"] = str(extra["retry_after_seconds"])
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found, or not in your scope.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("The request has invalid values.", fields)
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.Throttled):
        wait = max(1, int(exc.wait or 1))
        response.data = error_body(
            f"Too many requests: try again in {wait} seconds.", extra={"retry_after": wait}
        )
    else:
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
        response.data = error_body(str(detail))
    return response
