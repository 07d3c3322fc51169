from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pbc.choices import ImportKind, ImportStatus
from pbc.models import Pct
from pbc.services import import_file


class Command(BaseCommand):
    help = (
        "Import practices, providers or list sizes from CSV. List sizes use NHS Digital's layout "
        "(CODE, NUMBER_OF_PATIENTS, EXTRACT_DATE); practices CODE, NAME[, LOCALITY, POSTCODE, OPEN_DATE, CLOSE_DATE]; "
        "providers CODE, NAME[, OPEN_DATE, CLOSE_DATE]. "
        "Any bad row stops the import with its row number; nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[k.value for k in ImportKind])
        parser.add_argument("path", type=Path)
        parser.add_argument("--pct", required=True, help="The PCT's ODS code, e.g. 5WV.")
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file without importing it.")

    def handle(self, *args, kind, path, pct, user=None, dry_run=False, **options):
        try:
            pct_obj = Pct.objects.get(code=pct.upper())
        except Pct.DoesNotExist as exc:
            raise CommandError(f"There is no PCT {pct}.") from exc
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"There is no user {user}.")
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        run = import_file(
            kind=kind, pct=pct_obj, filename=path.name, data=path.read_bytes(), actor=actor, dry_run=dry_run
        )
        if run.status != ImportStatus.SUCCEEDED:
            for error in run.errors:
                where = f"row {error['row']}" if error.get("row") else "file"
                column = f", {error['column']}" if error.get("column") else ""
                self.stderr.write(f"{where}{column}: {error['message']}")
            raise CommandError(f"{path.name} was not imported: nothing was changed.")
        verb = "Checked" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {path.name}: {run.rows_read} rows read, {run.rows_imported} imported, {run.rows_skipped} skipped."
            )
        )
        for reason, count in run.summary.get("skipped", {}).items():
            self.stdout.write(f"  skipped — {reason}: {count}")
