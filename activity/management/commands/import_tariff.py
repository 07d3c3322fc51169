from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from activity.services import tariff_files_parse, tariff_import
from pbc.exceptions import ApplicationError
from pbc.fiscal import FinancialYear as FY
from pbc.models import FinancialYear


class Command(BaseCommand):
    help = (
        "Import a financial year's tariff files (CSV or XLSX) as a new tariff version. Files not given are "
        "carried over from the current version; replacing a tariff needs --reason. --dry-run checks the "
        "files and stores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", help="Financial year, e.g. 2007/08.")
        for kind in ("admitted", "outpatient", "ae", "mff"):
            parser.add_argument(f"--{kind}", type=Path, help=f"The {kind} tariff file.")
        parser.add_argument("--reason", default="", help="Why the year's tariff is being replaced.")
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files and report their rows; store nothing."
        )

    def handle(self, *args, year, reason="", user=None, dry_run=False, **options):
        try:
            start = FY.parse(year).start_year
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        files = {}
        for kind in ("admitted", "outpatient", "ae", "mff"):
            path = options.get(kind)
            if path:
                if not path.is_file():
                    raise CommandError(f"{path} is not a file.")
                files[kind] = (path.name, path.read_bytes())
        try:
            if dry_run:
                frames = tariff_files_parse(files=files)
            else:
                year_obj, _ = FinancialYear.objects.get_or_create(start_year=start)
                actor = get_user_model().objects.filter(username=user).first() if user else None
                version = tariff_import(year=year_obj, files=files, actor=actor, reason=reason)
        except ApplicationError as exc:
            for error in exc.extra.get("errors", [])[:200]:
                self.stderr.write(f"row {error.get('row')}, {error.get('column')}: {error.get('message')}")
            raise CommandError(exc.message) from exc
        if dry_run:
            counts = ", ".join(f"{kind}: {len(frame)} rows" for kind, frame in frames.items())
            self.stdout.write(
                self.style.SUCCESS(f"Dry run: the {FY(start)} files are valid ({counts}); nothing stored.")
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Imported {version}: {version.counts}"))
