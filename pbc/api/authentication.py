"""Token authentication for API clients: revocable tokens stored as hashes."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from pbc.api.throttling import FailedTokenThrottle
from pbc.models import ApiToken


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` (or ``Bearer <key>``)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"token", b"bearer"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as 'Authorization: Token <key>'.")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("The token contains invalid characters.") from exc
        try:
            return self.authenticate_credentials(key)
        except exceptions.AuthenticationFailed:
            # Wrong keys count against the caller's address at the anonymous rate, so guessing is slow.
            guesses = FailedTokenThrottle()
            if not guesses.allow_request(request, None):
                raise exceptions.Throttled(guesses.wait()) from None
            raise

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token is not valid or has been revoked.")
        now = timezone.now()
        if token.last_used is None or now - token.last_used > timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token
