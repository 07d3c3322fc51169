from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pbc.backup import backup_create
from pbc.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Back up the database and the private media into a new directory (default backups/<time>/)."

    def add_arguments(self, parser):
        parser.add_argument("target", nargs="?", help="A new or empty directory.")

    def handle(self, *args, target=None, **options):
        path = Path(target or f"backups/{timezone.now():%Y%m%d-%H%M%S}")
        try:
            backup = backup_create(target=path)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {backup.vendor} ({sum(backup.rows.values())} rows) to {path}")
        )
