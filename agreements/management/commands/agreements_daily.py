"""Run the daily agreements job now: end agreements whose end date passed or whose notice ran, and
send the review and notice reminders due. Celery beat runs the same job every morning."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "End expired or terminated agreements and send the reminders due (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as on this day (YYYY-MM-DD); today by default.")

    def handle(self, *args, **options):
        from agreements.services import agreement_lifecycle_run, agreement_reminders_send

        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date {options['date']!r} is not a date like 2008-03-31.") from exc
        counts = agreement_lifecycle_run(today=day)
        reminders = agreement_reminders_send(today=day)
        self.stdout.write(
            f"{day:%d %B %Y}: {counts['expired']} expired, {counts['terminated']} terminated, "
            f"{reminders} reminder(s) sent."
        )
