from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pbc.choices import ApiTokenScope
from pbc.exceptions import ApplicationError
from pbc.models import ApiToken
from pbc.services import api_token_issue, api_token_revoke


class Command(BaseCommand):
    help = (
        "Issue an API token to a user who holds an API client role, with --scope read (the default) "
        "or read-write, or revoke one with --revoke PREFIX. The key is shown once; only its hash is kept."
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

    def handle(
        self, *args, username=None, name="API client", scope=ApiTokenScope.READ, revoke=None, **options
    ):
        if revoke:
            token = ApiToken.objects.filter(prefix=revoke[:8], revoked_at__isnull=True).first()
            if token is None:
                raise CommandError(f"No active token starts with {revoke[:8]}.")
            api_token_revoke(token=token)
            self.stdout.write(self.style.SUCCESS(f"Revoked {token}."))
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
                f"{ApiTokenScope(scope).label} token for {username} ({name}). Keep it safe; it is not shown again:"
            )
        )
        self.stdout.write(key)
