"""Freed-up resources: split schemes (data per PCT and year), savings declarations (versioned, confirmed by
PCT finance), the splits they produce, reinvestment pots and the ledger that explains every pot figure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from freed_resources.choices import BenefitMeasure, DeclarationKind, DeclarationStatus, EntryKind
from freed_resources.constants import BENEFIT_DEFAULT_MONTHS
from pbc.models import FinancialYear, Locality, Pct, Practice
from pbc.permissions import ScopePaths

# Everyone in the PCT may read its schemes (practices need to know the rule that splits their savings).
_WHOLE_PCT = ScopePaths(pct="pct", locality="pct__localities", practice="pct__practices")
_OWNED = ScopePaths(pct="pct", locality="locality", practice="practice")


class SchemeSetting(models.Model):
    """The split scheme a PCT uses for a year, stored as the data ``freed_resources.splits`` reads."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="freed_resource_schemes")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    data = models.JSONField(help_text="The scheme as freed_resources.splits.scheme_to_dict writes it.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    scope_paths = _WHOLE_PCT

    class Meta:
        ordering = ["pct_id", "-year__start_year"]
        constraints = [models.UniqueConstraint(fields=["pct", "year"], name="freed_scheme_once_per_year")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    @property
    def scheme(self):
        from freed_resources.splits import scheme_from_dict

        return scheme_from_dict(self.data)


class Declaration(models.Model):
    """One version of a savings declaration for a practice, a locality or a pooled consortium in a year.

    Figures are copied from the published reports when the version is made; a restatement is a new version
    (``supersedes``) that stores the difference from the version it replaces.
    """

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=DeclarationKind.choices)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.DRAFT
    )
    through_month = models.PositiveSmallIntegerField(help_text="Financial month: April = 1 … March = 12.")
    categories = models.JSONField(default=list, help_text="The agreed category codes.")
    planned_investments = models.JSONField(default=list, blank=True)
    figures = models.JSONField(default=list, help_text="Per category: budget, outturn, top-sliced, freed.")
    members = models.JSONField(default=list, blank=True, help_text="A pool's members and contributions.")
    budget_pence = models.BigIntegerField(default=0)
    outturn_pence = models.BigIntegerField(default=0)
    top_sliced_pence = models.BigIntegerField(default=0)
    freed_pence = models.BigIntegerField(default=0, help_text="Net freed-up resource; negative = overspend.")
    overspent = models.BooleanField(default=False)
    list_size = models.PositiveIntegerField(null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    difference = models.JSONField(default=dict, blank=True, help_text="What the restatement changed.")
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    scope_paths = _OWNED

    class Meta:
        ordering = ["-year__start_year", "kind", "locality_id", "practice_id", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="practice") & Q(practice__isnull=False))
                | (~Q(kind="practice") & Q(practice__isnull=True) & Q(locality__isnull=False)),
                name="freed_declaration_has_its_entity",
            ),
            models.CheckConstraint(
                condition=Q(through_month__gte=1) & Q(through_month__lte=12), name="freed_declaration_month"
            ),
            models.UniqueConstraint(
                fields=["kind", "practice", "locality", "year", "version"], name="freed_declaration_version"
            ),
        ]
        permissions = [("confirm_declaration", "Can confirm (and restate) savings declarations")]

    def __str__(self) -> str:
        return f"{self.entity_label} {self.year} v{self.version}"

    @property
    def entity_label(self) -> str:
        if self.practice_id:
            return f"{self.practice.code} {self.practice.name}"
        return f"{self.locality.code} {self.locality.name}"

    @property
    def freed_up_pence(self) -> int:
        return max(self.freed_pence, 0)


class Split(models.Model):
    """How a confirmed declaration's freed-up amount was split, with the scheme used and the explanation."""

    declaration = models.OneToOneField(Declaration, on_delete=models.PROTECT, related_name="split")
    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scheme_name = models.CharField(max_length=200)
    scheme = models.JSONField()
    amount_pence = models.BigIntegerField()
    reward_pence = models.BigIntegerField(default=0)
    returned_for_investment_pence = models.BigIntegerField(default=0)
    practices_pence = models.BigIntegerField(default=0)
    pct_pence = models.BigIntegerField(default=0)
    residue_party = models.CharField(max_length=30)
    residue_pence = models.BigIntegerField(default=0)
    reward_withheld = models.BooleanField(default=False)
    steps = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    scope_paths = _OWNED

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gte=0)
                & Q(reward_pence__gte=0)
                & Q(returned_for_investment_pence__gte=0)
                & Q(practices_pence__gte=0)
                & Q(pct_pence__gte=0),
                name="freed_split_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Split of {self.declaration}"


class Pot(models.Model):
    """A practice's or locality's reinvestment pot for a year. Its balances are kept here (updated only by
    services, under a row lock) and explained entry by entry in the ledger."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    declared_pence = models.BigIntegerField(default=0)
    committed_pence = models.BigIntegerField(default=0)
    spent_pence = models.BigIntegerField(default=0)
    history = HistoricalRecords()

    scope_paths = _OWNED

    class Meta:
        ordering = ["-year__start_year", "locality_id", "practice_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "year"],
                condition=Q(practice__isnull=False),
                name="freed_pot_practice_once",
            ),
            models.UniqueConstraint(
                fields=["locality", "year"],
                condition=Q(practice__isnull=True),
                name="freed_pot_locality_once",
            ),
            models.CheckConstraint(
                condition=Q(committed_pence__lte=models.F("declared_pence")),
                name="freed_pot_not_overcommitted",
            ),
            models.CheckConstraint(
                condition=Q(spent_pence__lte=models.F("committed_pence")),
                name="freed_pot_spent_within_committed",
            ),
            models.CheckConstraint(
                condition=Q(committed_pence__gte=0) & Q(spent_pence__gte=0) & Q(declared_pence__gte=0),
                name="freed_pot_not_negative",
            ),
        ]
        permissions = [("view_pct_summary", "Can see the PCT summary of freed-up resources")]

    def __str__(self) -> str:
        owner = self.practice.code if self.practice_id else self.locality.code
        return f"Reinvestment pot {owner} {self.year}"

    @property
    def remaining_pence(self) -> int:
        return self.declared_pence - self.committed_pence

    @property
    def owner_label(self) -> str:
        if self.practice_id:
            return f"{self.practice.code} {self.practice.name}"
        return f"{self.locality.code} {self.locality.name}"


class LedgerEntry(models.Model):
    """One posting: a party's share of a split, or a commitment/spend against a pot. Amounts are signed
    (a restatement that lowers a figure posts a negative adjustment)."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pot = models.ForeignKey(Pot, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    amount_pence = models.BigIntegerField()
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment_id_ref = models.PositiveIntegerField(null=True, blank=True, help_text="Agreements payment line.")
    description = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    scope_paths = _OWNED

    class Meta:
        ordering = ["created", "pk"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_pence}p"


class ExpectedBenefit(models.Model):
    """What a reinvestment proposal expects to change in one category's monthly activity or cost: the link
    from savings to business case to later activity, followed up in the reports after approval."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="expected_benefits"
    )
    category = models.CharField(max_length=10, help_text="A category code of the monthly reports.")
    measure = models.CharField(max_length=10, choices=BenefitMeasure.choices)
    expected_reduction = models.BigIntegerField(
        help_text="Expected fall per month: a count of activity, or pence of cost."
    )
    months = models.PositiveSmallIntegerField(
        default=BENEFIT_DEFAULT_MONTHS, help_text="Months compared before and after approval."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    scope_paths = ScopePaths(
        pct="application__pct", locality="application__locality", practice="application__practices"
    )

    class Meta:
        ordering = ["application_id", "category", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "category", "measure"], name="freed_benefit_once_per_measure"
            ),
            models.CheckConstraint(condition=Q(expected_reduction__gt=0), name="freed_benefit_positive"),
            models.CheckConstraint(
                condition=Q(months__gte=1) & Q(months__lte=24), name="freed_benefit_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.get_measure_display()} −{self.expected_reduction}"
