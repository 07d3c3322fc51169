"""Sign-in lockout: django-axes locks a username + address after ``AXES_FAILURE_LIMIT`` failures, and this
handler adds an address-wide limit against password spraying (one address trying many usernames).

Both limits count failures within ``AXES_COOLOFF_TIME`` and answer alike (axes' 429 and its lockout page),
so a caller cannot tell which one stopped them.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def address_failures(request) -> int:
    """Failed sign-ins from the request's address within the cool-off, whatever the username."""
    return (
        AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(n=Sum("failures_since_start"))["n"]
        or 0
    )


class AddressLimitAxesHandler(AxesDatabaseHandler):
    """Axes' database handler; an address past ``PBC_LOGIN_ADDRESS_LIMIT`` counts as locked for every user."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        limit = settings.PBC_LOGIN_ADDRESS_LIMIT
        if limit and getattr(request, "axes_ip_address", None) and address_failures(request) >= limit:
            # On the scale axes compares with its own limit, so the same lockout follows.
            return max(failures, get_failure_limit(request, credentials))
        return failures
