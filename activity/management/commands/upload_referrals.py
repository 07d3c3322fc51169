from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from activity.referrals.services import referral_extract_check, referral_upload_from_path
from pbc.exceptions import ApplicationError
from pbc.models import Pct


class Command(BaseCommand):
    help = (
        "Load a referral extract (one row per referral; CSV or XLSX, see the README) for a PCT and print its "
        "data-quality summary. --dry-run checks the file as an upload would and stores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--pct", required=True, help="The PCT's ODS code.")
        parser.add_argument("--user", help="Username recorded as the uploader.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file's format and columns only."
        )

    def handle(self, *args, path, pct, user=None, dry_run=False, **options):
        pct_obj = Pct.objects.filter(code=pct.upper()).first()
        if pct_obj is None:
            raise CommandError(f"There is no PCT {pct}.")
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            if dry_run:
                info = referral_extract_check(path=path)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Dry run: {path.name} can be loaded as a referral extract ({info.format}, "
                        f"{len(info.headers)} columns, {info.size_bytes:,} bytes); nothing stored."
                    )
                )
                return
            actor = get_user_model().objects.filter(username=user).first() if user else None
            upload = referral_upload_from_path(pct=pct_obj, path=path, actor=actor)
        except ApplicationError as exc:
            raise CommandError(f"{path.name} was not loaded: {exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {path.name}: {upload.rows_loaded:,} referrals of {upload.rows_read:,} rows."
            )
        )
        for outcome, rows in sorted(upload.quality["by_outcome"].items()):
            self.stdout.write(f"  {outcome:<13} {rows:>10,} rows")
        for reason, rows in sorted(upload.quality["by_reason"].items()):
            self.stdout.write(f"    {reason:<40} {rows:>10,}")
