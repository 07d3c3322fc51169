"""Token authentication for API clients: revocable, expiring tokens stored as hashes. A request with an
expired token is refused (401) with a message saying so; a valid one notes its last use (at most once a
minute, by one UPDATE)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from pbc import services
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
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(expired_message(token))
        services.api_token_record_use(token=token, now=now)
        return token.user, token


def expired_message(token: ApiToken) -> str:
    when = timezone.localtime(token.expires_at).strftime("%d/%m/%Y %H:%M")
    if token.replaced_by_id is not None:
        return f"The token was rotated and its grace period ended on {when}: use the key that replaced it."
    return (
        f"The token expired on {when}. Ask your PCT for a new one; rotate a token before it expires "
        "(POST /api/v1/tokens/{id}/rotate/) to keep working without a gap."
    )
