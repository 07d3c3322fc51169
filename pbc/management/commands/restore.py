from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pbc.backup import backup_restore
from pbc.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Restore the database and the private media from a backup directory, replacing what is there, "
        "and check every table's rows against the backup's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="A directory made by the backup command.")
        parser.add_argument("--yes", action="store_true", help="Do not ask before replacing the data.")

    def handle(self, *args, source, yes=False, **options):
        if not yes and input("This replaces the database and private files. Type 'restore': ") != "restore":
            raise CommandError("Nothing restored.")
        try:
            backup = backup_restore(source=Path(source))
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {sum(backup.rows.values())} rows from {source}"))
