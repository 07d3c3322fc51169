from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from activity.choices import UploadStatus
from activity.services import extract_check, extract_process, extract_upload_create, extract_wait
from pbc.exceptions import ApplicationError
from pbc.fiscal import FinancialYear as FY
from pbc.models import FinancialYear, Pct
from pbc.money import format_gbp


class Command(BaseCommand):
    help = (
        "Upload a HES/SUS extract (APC, OP or AE) for a PCT and year, process it and print its data-quality "
        "summary. --dry-run checks the file as an upload would and stores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=["APC", "OP", "AE"])
        parser.add_argument("path", type=Path)
        parser.add_argument("--pct", required=True, help="The PCT's ODS code.")
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2007/08.")
        parser.add_argument("--user", help="Username recorded as the uploader.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file (format, columns, year); store nothing."
        )

    def handle(self, *args, dataset, path, pct, year, user=None, dry_run=False, **options):
        pct_obj = Pct.objects.filter(code=pct.upper()).first()
        if pct_obj is None:
            raise CommandError(f"There is no PCT {pct}.")
        try:
            year_obj = FinancialYear.objects.get(start_year=FY.parse(year).start_year)
        except (ValueError, FinancialYear.DoesNotExist) as exc:
            raise CommandError(f"{year} is not a financial year the PCT works in.") from exc
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if dry_run:
            try:
                info = extract_check(path=path, dataset=dataset, year=year_obj)
            except ApplicationError as exc:
                raise CommandError(f"{path.name} would not be loaded: {exc.message}") from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {path.name} can be loaded as {dataset} for {year_obj} "
                    f"({info.format}, {len(info.headers)} columns, {info.size_bytes:,} bytes); nothing stored."
                )
            )
            return
        actor = get_user_model().objects.filter(username=user).first() if user else None
        try:
            with path.open("rb") as handle:
                upload = extract_upload_create(
                    pct=pct_obj,
                    dataset=dataset,
                    year=year_obj,
                    upload=File(handle, name=path.name),
                    filename=path.name,
                    actor=actor,
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        upload.refresh_from_db()
        if upload.status == UploadStatus.PENDING:
            # A broker is configured: work on it here unless a worker has claimed it first (only one of
            # the two can own the job), then wait for whichever does.
            extract_process(upload_id=upload.pk)
            try:
                upload = extract_wait(upload_id=upload.pk)
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
        if upload.status != UploadStatus.SUCCEEDED:
            raise CommandError(f"{path.name} was not loaded: {upload.error}")
        self.stdout.write(self.style.SUCCESS(f"Published {path.name}: {upload.rows_read:,} rows read."))
        for outcome, figures in upload.quality["by_outcome"].items():
            self.stdout.write(
                f"  {outcome:<13} {figures['rows']:>10,} rows  {format_gbp(figures['value_pence']):>16}"
            )
