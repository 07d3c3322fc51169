"""Request middleware: one structured log line per request (who asked for what, the status and the time
taken), and a clean 503 when the database is lost mid-request (or only busy: "try again in a moment")."""

from __future__ import annotations

import logging
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from pbc.api.exceptions import error_body
from pbc.busy import DATABASE_BUSY, RETRY_AFTER_SECONDS, is_database_busy

logger = logging.getLogger("pbc.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "user": user.username if user is not None and user.is_authenticated else None,
            },
        )
        return response


DATABASE_UNAVAILABLE = (
    "The database could not be reached, so the request was not completed and nothing was changed. "
    "Please try again in a minute."
)


class DatabaseUnavailableMiddleware:
    """A lost database connection is answered 503 "try again", not a traceback or a bare 500.

    The transaction of the failed request is rolled back by the database, so nothing was half-saved.
    The page is rendered without the site layout, which would need the database.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if is_database_busy(exception):  # locked by another writer (SQLite), not lost
            logger.warning("database busy", extra={"method": request.method, "path": request.path})
            return self._busy(request)
        logger.error(
            "database unavailable",
            exc_info=exception,
            extra={"method": request.method, "path": request.path},
        )
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"message": DATABASE_UNAVAILABLE, "extra": {"retry_after_seconds": self.RETRY_AFTER_SECONDS}},
                status=503,
            )
        else:
            response = HttpResponse(
                render_to_string("503.html", {"message": DATABASE_UNAVAILABLE}), status=503
            )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response

    @staticmethod
    def _busy(request):
        if request.path.startswith("/api/"):
            body = error_body(DATABASE_BUSY, extra={"retry_after_seconds": RETRY_AFTER_SECONDS})
            response = JsonResponse(body, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": DATABASE_BUSY}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
