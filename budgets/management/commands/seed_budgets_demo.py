"""Add budgets to the demo PCT (run ``seed_demo`` first): tariffs, last year's and this year's extracts
uploaded and costed, this year's budgets set, approved and published, and the monthly reports."""

from django.core.management.base import BaseCommand, CommandError

from budgets.demo import seed_budgets_demo
from pbc.models import Pct


class Command(BaseCommand):
    help = "Add demo tariffs, extracts, published budgets and reports to the demo PCT (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--pct", default="5WV", help="Code of the demo PCT (default 5WV).")

    def handle(self, *args, **options):
        if not Pct.objects.filter(code=options["pct"]).exists():
            raise CommandError(
                "Run `manage.py seed_demo` first: the demo PCT, practices and users are needed."
            )
        self.stdout.write(self.style.SUCCESS(seed_budgets_demo(pct_code=options["pct"])))
