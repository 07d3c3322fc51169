"""Indicative budgets: categories per PCT and year, versioned budget settings (methodology parameters, the
inputs they were run on, the results by practice × category with every step, central holdings) and the
status history of each version."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from budgets.categories import CategoryError, CategorySpec, check_categories
from budgets.choices import (
    OPEN_BUDGET_STATUSES,
    BudgetStatus,
    HoldingKind,
    Phasing,
    RiskMode,
    ShareBasis,
    UnattributedTreatment,
)
from budgets.constants import NO_RESOURCE_CAP_PENCE
from pbc.models import FinancialYear, Pct, Practice
from pbc.permissions import ScopePaths

_PCT_ONLY = ScopePaths(pct="pct")


def _pct_field(max_digits: int = 7) -> models.DecimalField:
    return models.DecimalField(max_digits=max_digits, decimal_places=3, default=Decimal(0))


class BudgetCategory(models.Model):
    """A budget category of a PCT in a year: some PODs, or some treatment functions (a devolved area such
    as dermatology = 330). Devolved categories are budgeted and reported to practices; the others are held
    and monitored at locality/consortium level."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="budget_categories")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="budget_categories")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    pods = models.JSONField(default=list, blank=True, help_text='Points of delivery, e.g. ["OPFA"].')
    tretspefs = models.JSONField(
        "treatment functions", default=list, blank=True, help_text='e.g. ["330"] for dermatology.'
    )
    devolved = models.BooleanField(
        default=True, help_text="Devolved to practices; otherwise held at locality/consortium level."
    )
    position = models.PositiveSmallIntegerField(default=0)

    # Every member of the PCT may see how its budgets are broken down.
    scope_paths = ScopePaths(pct="pct", locality="pct__localities", practice="pct__practices")
    history = HistoricalRecords()

    class Meta:
        ordering = ["pct", "-year__start_year", "position", "code"]
        verbose_name_plural = "budget categories"
        constraints = [
            models.UniqueConstraint(fields=["pct", "year", "code"], name="budget_category_code_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name} ({self.year})"

    @property
    def spec(self) -> CategorySpec:
        return CategorySpec(
            code=self.code,
            name=self.name,
            pods=tuple(self.pods),
            tretspefs=tuple(self.tretspefs),
            devolved=self.devolved,
        )

    def clean(self) -> None:
        self.code = (self.code or "").strip().upper()
        try:
            check_categories([self.spec])
        except CategoryError as exc:
            raise ValidationError(str(exc)) from exc


class BudgetSet(models.Model):
    """One version of a PCT's indicative budgets for a year: the methodology's parameters, and once
    calculated its totals. Draft → approved (PCT finance) → published to practices; a change after
    publication is a new version with a reason, and publishing it supersedes the old one."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="budget_sets")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="budget_sets")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=BudgetStatus.choices, default=BudgetStatus.DRAFT)
    label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True, help_text="Why this version exists (required after a publication).")
    revises = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )

    # The methodology's parameters.
    baseline_start = models.DateField(help_text="First month of the baseline period.")
    baseline_end = models.DateField(help_text="Last month of the baseline period (inclusive).")
    base_list_date = models.DateField(
        null=True, blank=True, help_text="Date of the base-period list (default: start of the baseline)."
    )
    resource_pence = models.BigIntegerField(
        null=True, blank=True, help_text="The PCT resource the budgets must fit in; blank = no cap."
    )
    uplift_pct = _pct_field()
    uplift_by_category = models.JSONField(default=dict, blank=True)
    list_size_adjustment = models.BooleanField(default=True)
    pace_of_change_pct = _pct_field()
    pace_by_category = models.JSONField(default=dict, blank=True)
    need_weights = models.JSONField(default=dict, blank=True, help_text="Practice code → need weight.")
    risk_mode = models.CharField(max_length=20, choices=RiskMode.choices, default=RiskMode.NONE)
    risk_top_slice_pct = _pct_field()
    risk_threshold_pence = models.BigIntegerField(null=True, blank=True)
    unattributed = models.CharField(
        max_length=20, choices=UnattributedTreatment.choices, default=UnattributedTreatment.CENTRAL
    )
    unattributed_share_basis = models.CharField(
        max_length=20, choices=ShareBasis.choices, default=ShareBasis.BASELINE
    )
    phasing = models.CharField(max_length=20, choices=Phasing.choices, default=Phasing.SEASONAL)
    rag_green_max_pct = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("0.0"))
    rag_amber_max_pct = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("5.0"))
    categories = models.JSONField(
        default=list, blank=True, help_text="The categories this version was calculated with."
    )

    # Results of the last calculation.
    calculated_at = models.DateTimeField(null=True, blank=True)
    practice_total_pence = models.BigIntegerField(default=0)
    central_total_pence = models.BigIntegerField(default=0)
    total_before_scaling_pence = models.BigIntegerField(default=0)
    scale_factor = models.CharField(max_length=30, blank=True)
    step_totals = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    baseline_summary = models.JSONField(default=dict, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    # PCT-wide: every practice's figures are on it. Practices and localities see their own lines.
    scope_paths = _PCT_ONLY
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year__start_year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["pct", "year", "version"], name="budget_set_version_unique"),
            models.UniqueConstraint(
                fields=["pct", "year"],
                condition=Q(status="published"),
                name="one_published_budget_per_year",
            ),
            models.UniqueConstraint(
                fields=["pct", "year"],
                condition=Q(status__in=["draft", "approved"]),
                name="one_open_budget_per_year",
            ),
            models.CheckConstraint(
                condition=Q(resource_pence__gte=0) | Q(resource_pence__isnull=True),
                name="budget_set_resource_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(risk_threshold_pence__gte=0) | Q(risk_threshold_pence__isnull=True),
                name="budget_set_threshold_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(practice_total_pence__gte=0) & Q(central_total_pence__gte=0),
                name="budget_set_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(baseline_end__gte=models.F("baseline_start")), name="budget_set_baseline_ordered"
            ),
        ]
        permissions = [
            ("view_draft_budgets", "Can see budget versions before publication"),
            ("approve_budgetset", "Can approve budget versions"),
            ("publish_budgetset", "Can publish budget versions to practices"),
        ]

    def __str__(self) -> str:
        return f"{self.year} budgets v{self.version} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_BUDGET_STATUSES

    @property
    def is_calculated(self) -> bool:
        return self.calculated_at is not None

    @property
    def total_pence(self) -> int:
        return self.practice_total_pence + self.central_total_pence

    @property
    def effective_resource_pence(self) -> int:
        return NO_RESOURCE_CAP_PENCE if self.resource_pence is None else self.resource_pence

    @property
    def baseline_label(self) -> str:
        start, end = self.baseline_start, self.baseline_end
        if start == end:
            return f"{start:%b %Y}"
        return f"{start:%b %Y} – {end:%b %Y}"

    @property
    def category_specs(self) -> list[CategorySpec]:
        return [CategorySpec.from_dict(c) for c in self.categories]

    @property
    def devolved_codes(self) -> set[str]:
        return {c["code"] for c in self.categories if c.get("devolved", True)}

    def clean(self) -> None:
        errors = {}
        if self.baseline_start and self.baseline_start.day != 1:
            errors["baseline_start"] = "A baseline month starts on the 1st."
        if self.baseline_end and self.baseline_end.day != 1:
            errors["baseline_end"] = "A baseline month starts on the 1st."
        if self.baseline_start and self.baseline_end:
            months = (self.baseline_end.year - self.baseline_start.year) * 12 + (
                self.baseline_end.month - self.baseline_start.month
            )
            if months < 0:
                errors["baseline_end"] = "The baseline ends before it starts."
            elif months >= 24:
                errors["baseline_end"] = "A baseline is at most 24 months."
        if self.year_id and self.baseline_end and self.baseline_end >= self.year.fy.start:
            errors["baseline_end"] = "The baseline must end before the target year starts."
        for name in ("uplift_pct", "pace_of_change_pct", "risk_top_slice_pct"):
            value = getattr(self, name)
            if value is None:
                errors[name] = "Required."
        if self.pace_of_change_pct is not None and not 0 <= self.pace_of_change_pct <= 100:
            errors["pace_of_change_pct"] = "Between 0 and 100."
        if self.risk_top_slice_pct is not None and not 0 <= self.risk_top_slice_pct <= 100:
            errors["risk_top_slice_pct"] = "Between 0 and 100."
        if self.uplift_pct is not None and self.uplift_pct < -100:
            errors["uplift_pct"] = "At least -100."
        if self.risk_mode == RiskMode.THRESHOLD and self.risk_threshold_pence is None:
            errors["risk_threshold_pence"] = "Give the £ threshold above which spells are held centrally."
        if (
            self.rag_green_max_pct is not None
            and self.rag_amber_max_pct is not None
            and self.rag_green_max_pct > self.rag_amber_max_pct
        ):
            errors["rag_amber_max_pct"] = "The amber limit cannot be below the green one."
        if errors:
            raise ValidationError(errors)


class BudgetBaseline(models.Model):
    """The facts a budget version was calculated on, kept so it can be explained, re-run for a what-if
    and phased by provider and month without re-costing the activity again.

    ``lines``: [practice code, category, provider, pence] (base-period activity re-costed at the target
    year's tariff); ``unattributed``: {category: pence}; ``high_cost``: {"code|category": pence} above the
    threshold; ``lists``: {code: [base list, target list]}; ``profile``: {category: [12 monthly pence]}.
    """

    budget_set = models.OneToOneField(BudgetSet, on_delete=models.CASCADE, related_name="baseline")
    lines = models.JSONField(default=list)
    unattributed = models.JSONField(default=dict)
    high_cost = models.JSONField(default=dict)
    lists = models.JSONField(default=dict)
    profile = models.JSONField(default=dict)

    scope_paths = ScopePaths(pct="budget_set__pct")

    def __str__(self) -> str:
        return f"Baseline of {self.budget_set}"


class BudgetAdjustment(models.Model):
    """A local adjustment to one practice × category line (a service moved, a planned investment)."""

    budget_set = models.ForeignKey(BudgetSet, on_delete=models.CASCADE, related_name="adjustments")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="budget_adjustments")
    category = models.CharField(max_length=10)
    amount_pence = models.BigIntegerField(help_text="Positive adds to the budget, negative takes away.")
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    scope_paths = ScopePaths(pct="budget_set__pct", locality="practice__locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        ordering = ["budget_set", "practice__code", "category", "pk"]

    def __str__(self) -> str:
        return f"{self.practice.code} {self.category} {self.amount_pence:+d}p: {self.reason}"

    def clean(self) -> None:
        if not (self.reason or "").strip():
            raise ValidationError({"reason": "Every adjustment needs a reason the practice can read."})


class BudgetLine(models.Model):
    """A practice's indicative budget for one category in one version, with the steps that built it."""

    budget_set = models.ForeignKey(BudgetSet, on_delete=models.CASCADE, related_name="lines")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="budget_lines")
    category = models.CharField(max_length=10)
    devolved = models.BooleanField(default=True)
    baseline_pence = models.BigIntegerField(default=0)
    final_pence = models.BigIntegerField()
    steps = models.JSONField(
        default=list, help_text="[{name, label, rule, before_pence, change_pence, after_pence}] in order."
    )

    scope_paths = ScopePaths(pct="budget_set__pct", locality="practice__locality", practice="practice")

    class Meta:
        ordering = ["budget_set", "practice__code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget_set", "practice", "category"], name="budget_line_once_per_category"
            ),
            models.CheckConstraint(condition=Q(final_pence__gte=0), name="budget_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} {self.category}: {self.final_pence}p"


class BudgetHolding(models.Model):
    """Money the PCT holds centrally in a version: a category's risk pool or its unattributed activity."""

    budget_set = models.ForeignKey(BudgetSet, on_delete=models.CASCADE, related_name="holdings")
    kind = models.CharField(max_length=20, choices=HoldingKind.choices)
    category = models.CharField(max_length=10)
    rule = models.TextField()
    before_scaling_pence = models.BigIntegerField()
    final_pence = models.BigIntegerField()

    scope_paths = ScopePaths(pct="budget_set__pct")

    class Meta:
        ordering = ["budget_set", "kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(final_pence__gte=0), name="budget_holding_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.category}: {self.final_pence}p"


class BudgetSetTransition(models.Model):
    """One status change of a budget version: who, when, from what to what, and why."""

    budget_set = models.ForeignKey(BudgetSet, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=BudgetStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=BudgetStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    scope_paths = ScopePaths(pct="budget_set__pct")

    class Meta:
        ordering = ["budget_set", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.budget_set}: {self.from_status or 'new'} → {self.to_status}"


__all__ = [
    "BudgetAdjustment",
    "BudgetBaseline",
    "BudgetCategory",
    "BudgetHolding",
    "BudgetLine",
    "BudgetSet",
    "BudgetSetTransition",
]
