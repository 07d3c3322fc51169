"""Monthly budget-versus-activity reports, stored as rows that pages and the API read directly.

Rows are rebuilt for a PCT and year after every published extract, after a budget version is published and
nightly (``budgets.services.report_recompute``); nothing here is edited by hand.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from budgets.choices import Rag, ReportLevel
from pbc.models import FinancialYear, Locality, Pct, Practice
from pbc.permissions import ScopePaths

_SCOPED = ScopePaths(pct="pct", locality="locality", practice="practice")
# Report rows are derived, rebuilt wholesale by one service from rows that exist; hundreds of thousands are
# written per recompute, so their foreign keys are not enforced by the database (deleting a practice is still
# refused by Django: PROTECT), which keeps a year's recompute to about a second on PostgreSQL.
_DERIVED = {"db_constraint": False, "db_index": False, "related_name": "+"}


class ReportRow(models.Model):
    """One line of the monthly report: an organisation × month × category × provider, as the report stood
    at the end of that month.

    ``level`` says whose line it is: a practice (only its devolved categories), a locality/consortium or the
    PCT (every category). ``category`` and ``provider`` are codes, or ``ALL`` on rows that add up every
    category or every provider; a blank provider is activity with no provider code (or budget no baseline
    provider explains). Months after ``current_to`` (the last month with published activity) carry the
    budget only: their actual, variance, forecast and RAG are empty.
    """

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, **_DERIVED)
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, **_DERIVED)
    budget_set = models.ForeignKey(
        "budgets.BudgetSet", on_delete=models.SET_NULL, null=True, blank=True, **_DERIVED
    )
    level = models.CharField(max_length=10, choices=ReportLevel.choices)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, null=True, blank=True, **_DERIVED)
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, null=True, blank=True, **{**_DERIVED, "db_index": True}
    )
    month = models.PositiveSmallIntegerField(help_text="Financial month: April = 1 … March = 12.")
    month_start = models.DateField()
    category = models.CharField(max_length=10)
    provider = models.CharField(max_length=5, blank=True)
    activity_count = models.BigIntegerField(null=True, blank=True)
    ytd_activity_count = models.BigIntegerField(null=True, blank=True)
    actual_pence = models.BigIntegerField(null=True, blank=True)
    budget_pence = models.BigIntegerField()
    annual_budget_pence = models.BigIntegerField()
    ytd_budget_pence = models.BigIntegerField()
    ytd_actual_pence = models.BigIntegerField(null=True, blank=True)
    variance_pence = models.BigIntegerField(null=True, blank=True)
    variance_tenths = models.BigIntegerField(
        null=True, blank=True, help_text="Variance % × 10 (1 dp); empty when there is no YTD budget."
    )
    forecast_outturn_pence = models.BigIntegerField(null=True, blank=True)
    forecast_variance_pence = models.BigIntegerField(null=True, blank=True)
    rag = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    is_future = models.BooleanField(default=False)
    current_to = models.DateField(null=True, blank=True, help_text="Data current to (first of the month).")

    scope_paths = _SCOPED

    class Meta:
        ordering = ["year", "level", "locality_id", "practice_id", "category", "provider", "month"]
        indexes = [
            # Practice pages and the API by practice; overviews read the provider totals only (a third of
            # the rows), so their index leaves the rest out and costs less to keep up.
            models.Index(fields=["practice", "year", "month"], name="report_practice_year"),
            models.Index(
                fields=["pct", "year", "level", "month"],
                name="report_totals_pct_year",
                condition=Q(provider="ALL"),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="report_month_in_year"),
            models.CheckConstraint(
                condition=Q(budget_pence__gte=0) & Q(annual_budget_pence__gte=0) & Q(ytd_budget_pence__gte=0),
                name="report_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(actual_pence__gte=0) | Q(actual_pence__isnull=True),
                name="report_actual_not_negative",
            ),
        ]
        permissions = [
            ("view_report_overview", "Can see locality and PCT report overviews and league tables"),
            ("recompute_reports", "Can ask for reports to be recomputed now"),
        ]

    def __str__(self) -> str:
        who = self.practice_id or self.locality_id or self.pct_id
        return f"{self.level} {who} {self.year_id} m{self.month} {self.category}/{self.provider or '-'}"

    @property
    def variance_pct(self) -> Decimal | None:
        return None if self.variance_tenths is None else Decimal(self.variance_tenths).scaleb(-1)


class PeerActivity(models.Model):
    """Activity counts of a practice by POD and month, for rates per 1,000 registered patients."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, **_DERIVED)
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, **_DERIVED)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, **_DERIVED)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, null=True, blank=True, **_DERIVED)
    month = models.PositiveSmallIntegerField()
    pod = models.CharField("POD", max_length=6)
    activity_count = models.BigIntegerField()

    scope_paths = _SCOPED

    class Meta:
        ordering = ["year", "practice_id", "pod", "month"]
        verbose_name_plural = "peer activity"
        indexes = [models.Index(fields=["pct", "year", "pod"], name="peer_pct_year_pod")]

    def __str__(self) -> str:
        return f"{self.practice_id} {self.year_id} m{self.month} {self.pod}: {self.activity_count}"


class ReportRun(models.Model):
    """One recompute of a PCT's reports for a year: why, when, how long, and what it found."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="report_runs")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    budget_set = models.ForeignKey(
        "budgets.BudgetSet", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(max_length=100)
    started = models.DateTimeField()
    finished = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    current_to = models.DateField(null=True, blank=True)
    summary = models.JSONField(
        default=dict, blank=True, help_text="Unattributed and unbudgeted activity, providers' last months."
    )

    # Any member of the PCT may see when its reports were last brought up to date.
    scope_paths = ScopePaths(pct="pct", locality="pct__localities", practice="pct__practices")

    class Meta:
        ordering = ["-finished", "-pk"]
        indexes = [models.Index(fields=["pct", "year", "-finished"], name="report_run_latest")]

    def __str__(self) -> str:
        return f"{self.pct_id} {self.year_id} reports ({self.trigger})"
