from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pbc.choices import ApiTokenScope
from pbc.exceptions import ApplicationError
from pbc.models import ApiToken
from pbc.services import api_token_issue, api_token_revoke, api_token_rotate


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


class Command(BaseCommand):
    help = (
        "Issue an API token to a user who holds an API client role, with --scope read (the default) "
        "or read-write, rotate one with --rotate PREFIX (the old key works until the grace period ends), "
        "or revoke one with --revoke PREFIX. Tokens expire after PBC_API_TOKEN_LIFETIME_DAYS. "
        "The key is shown once; only its hash is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--name", default="API client", help="Which system will use the token.")
        parser.add_argument(
            "--scope",
            choices=ApiTokenScope.values,
            default=ApiTokenScope.READ,
            help="read: every change is refused; read-write: changes the user's role allows.",
        )
        parser.add_argument(
            "--revoke", metavar="PREFIX", help="Revoke the token whose key starts with PREFIX."
        )
        parser.add_argument(
            "--rotate",
            metavar="PREFIX",
            help="Replace the token whose key starts with PREFIX; the old key works for the grace period.",
        )

    def handle(
        self,
        *args,
        username=None,
        name="API client",
        scope=ApiTokenScope.READ,
        revoke=None,
        rotate=None,
        **options,
    ):
        if revoke:
            token = self._token(revoke)
            api_token_revoke(token=token)
            self.stdout.write(self.style.SUCCESS(f"Revoked {token}."))
            return
        if rotate:
            old = self._token(rotate)
            try:
                token, key = api_token_rotate(token=old, actor=None)
            except (ApplicationError, PermissionDenied) as exc:
                raise CommandError(getattr(exc, "message", str(exc))) from exc
            old.refresh_from_db()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Rotated {old}: the old key works until {_when(old.expires_at)}. The new key expires "
                    f"on {_when(token.expires_at)}. Keep it safe; it is not shown again:"
                )
            )
            self.stdout.write(key)
            return
        if not username:
            raise CommandError("Name the user to issue a token to.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username}.")
        try:
            token, key = api_token_issue(user=user, name=name, scope=scope)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{ApiTokenScope(scope).label} token for {username} ({name}), expiring on "
                f"{_when(token.expires_at)}. Keep it safe; it is not shown again:"
            )
        )
        self.stdout.write(key)

    def _token(self, prefix: str) -> ApiToken:
        token = ApiToken.objects.filter(prefix=prefix[:8], revoked_at__isnull=True).first()
        if token is None:
            raise CommandError(f"No active token starts with {prefix[:8]}.")
        return token
