"""One structured log line per request: who asked for what, the status and the time taken."""

from __future__ import annotations

import logging
import time

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
