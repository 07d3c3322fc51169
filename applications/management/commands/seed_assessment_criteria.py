"""Give a PCT its assessment criteria for a financial year, copied from the Annex 2 template (seed 001).

    manage.py seed_assessment_criteria 5WV 2007/08 [--dry-run]

Running it again changes nothing: a PCT's criteria for a year, once set (and perhaps adapted), are kept.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from applications.constants import ANNEX2_CRITERIA
from applications.models import CriteriaSet
from applications.services import criteria_set_ensure
from pbc.fiscal import FinancialYear as FY
from pbc.models import FinancialYear, Pct


class Command(BaseCommand):
    help = "Copy the Annex 2 assessment criteria for a PCT and financial year (if it has none yet)."

    def add_arguments(self, parser):
        parser.add_argument("pct", help="PCT code, e.g. 5WV")
        parser.add_argument("year", help="Financial year, e.g. 2007/08")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen; change nothing.")

    def handle(self, *args, pct: str, year: str, dry_run: bool, **options):
        try:
            fy = FY.parse(year)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        organisation = Pct.objects.filter(code=pct.strip().upper()).first()
        if organisation is None:
            raise CommandError(f"No PCT has the code {pct}.")
        existing = CriteriaSet.objects.filter(pct=organisation, year__start_year=fy.start_year).first()
        if existing:
            self.stdout.write(
                f"{organisation.code} already has {existing.criteria.count()} criteria for {fy}: kept."
            )
            return
        if dry_run:
            self.stdout.write(
                f"Would copy {len(ANNEX2_CRITERIA)} Annex 2 criteria for {organisation.code} {fy}."
            )
            return
        with transaction.atomic():
            year_row, _ = FinancialYear.objects.get_or_create(start_year=fy.start_year)
            criteria_set = criteria_set_ensure(pct=organisation, year=year_row)
        self.stdout.write(
            self.style.SUCCESS(
                f"Copied {criteria_set.criteria.count()} Annex 2 criteria for {organisation.code} {fy}."
            )
        )
