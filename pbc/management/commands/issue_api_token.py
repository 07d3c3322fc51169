from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pbc.exceptions import ApplicationError
from pbc.models import ApiToken
from pbc.services import api_token_issue, api_token_revoke


class Command(BaseCommand):
    help = (
        "Issue an API token to a user who holds an API client role (read, or read and write), "
        "or revoke one with --revoke PREFIX. The key is shown once; only its hash is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--name", default="API client", help="Which system will use the token.")
        parser.add_argument(
            "--revoke", metavar="PREFIX", help="Revoke the token whose key starts with PREFIX."
        )

    def handle(self, *args, username=None, name="API client", revoke=None, **options):
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
            token, key = api_token_issue(user=user, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Token for {username} ({name}). Keep it safe; it is not shown again:")
        )
        self.stdout.write(key)
