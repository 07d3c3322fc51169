"""Budget-holding status: whether a practice holds its indicative budget in a year, for which categories,
after which shadow period (DOMAIN section 12; seed 001 4.26)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from budgets.choices import BudgetHoldingStatusChoice
from pbc.fiscal import FinancialYear
from pbc.models import Practice
from pbc.permissions import ScopePaths


class BudgetHoldingStatus(models.Model):
    """A practice's budget-holding status for one financial year: not holding, shadow (with its period) or
    holding from a date, for every category (``categories`` empty) or the category codes listed. No row
    means not holding. Changed only through services, with a reason; history kept."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="budget_holding_statuses")
    start_year = models.PositiveSmallIntegerField(
        help_text="The financial year starting 1 April of this year."
    )
    status = models.CharField(
        max_length=20,
        choices=BudgetHoldingStatusChoice.choices,
        default=BudgetHoldingStatusChoice.NOT_HOLDING,
    )
    categories = models.JSONField(default=list, blank=True, help_text="Category codes held; empty: all.")
    shadow_start = models.DateField(null=True, blank=True)
    shadow_end = models.DateField(null=True, blank=True)
    holding_from = models.DateField(null=True, blank=True)
    reason = models.TextField(
        help_text="Why the status is what it is (the approved application, a decision)."
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(pct="practice__pct", locality="practice__locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_year", "practice__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "start_year"], name="budget_holding_status_once_a_year"
            ),
            models.CheckConstraint(
                condition=Q(shadow_start__isnull=True)
                | Q(shadow_end__isnull=True)
                | Q(shadow_start__lte=models.F("shadow_end")),
                name="budget_holding_shadow_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice.code} {self.year.label}: {self.get_status_display()}"

    @property
    def year(self) -> FinancialYear:
        return FinancialYear(self.start_year)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not (self.reason or "").strip():
            errors["reason"] = "Say why the practice's budget-holding status is set (or changed)."
        if not isinstance(self.categories, list) or not all(
            isinstance(c, str) and c.strip() for c in self.categories
        ):
            errors["categories"] = "Give a list of category codes (empty for every category)."
        elif len(set(self.categories)) != len(self.categories):
            errors["categories"] = "Give each category once."
        if self.status == BudgetHoldingStatusChoice.SHADOW and not (self.shadow_start and self.shadow_end):
            errors["shadow_start"] = "A shadow period needs its start and end dates."
        if self.shadow_start and self.shadow_end and self.shadow_start > self.shadow_end:
            errors["shadow_end"] = "The shadow period cannot end before it starts."
        if self.status == BudgetHoldingStatusChoice.HOLDING and not self.holding_from:
            errors["holding_from"] = "Give the date the practice holds its budget from."
        if self.status != BudgetHoldingStatusChoice.HOLDING and self.holding_from:
            errors["holding_from"] = "Only a holding practice has a holding-from date."
        if errors:
            raise ValidationError(errors)
