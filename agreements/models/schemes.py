"""Incentive schemes (per PCT and year, stored as the calculation module's plain data), achievements
with evidence, and the year-end budget facts the indicative-budget rule needs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agreements import incentives
from pbc.fiscal import FinancialYear
from pbc.permissions import ScopePaths

_YEAR_CHECK = Q(start_year__gte=1990) & Q(start_year__lte=2100)


class IncentiveScheme(models.Model):
    """One PCT's incentive scheme for one financial year.

    ``definition`` is :meth:`agreements.incentives.Scheme.to_dict` — components as data — so the PCT
    configures it from a page and the calculation module turns it into payments. Every change bumps
    ``revision`` and is kept in the history; once payments are approved a change needs a reason.
    """

    pct = models.ForeignKey("pbc.Pct", on_delete=models.PROTECT, related_name="incentive_schemes")
    start_year = models.PositiveSmallIntegerField(
        help_text="The financial year starting 1 April of this year."
    )
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    definition = models.JSONField()
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # Everyone in the PCT sees its schemes; a practice or locality sees its own PCT's.
    scope_paths = ScopePaths(pct="pct", locality="pct__localities", practice="pct__practices")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["pct", "code", "start_year"], name="scheme_code_once_per_year"),
            models.CheckConstraint(condition=_YEAR_CHECK, name="scheme_year_plausible"),
        ]

    def __str__(self) -> str:
        return self.name if self.year in self.name else f"{self.name} ({self.year})"

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear(self.start_year)

    @property
    def year(self) -> str:
        return self.financial_year.label

    @property
    def scheme(self) -> incentives.Scheme:
        """The calculation module's scheme; a stored definition was validated when it was saved."""
        cached = getattr(self, "_scheme_cache", None)
        if cached is None or cached[0] != self.definition:
            cached = (self.definition, incentives.Scheme.from_dict(self.definition))
            self._scheme_cache = cached
        return cached[1]

    @property
    def has_sign_up(self) -> bool:
        return any(c.due is incentives.Due.ON_SIGN_UP for c in self.scheme.components)

    def clean(self) -> None:
        try:
            scheme = incentives.Scheme.from_dict(self.definition)
        except incentives.SchemeError as exc:
            raise ValidationError({"definition": str(exc)}) from exc
        if self.start_year and scheme.financial_year.start_year != self.start_year:
            raise ValidationError({"definition": f"The definition is for {scheme.year}, not {self.year}."})


class Achievement(models.Model):
    """What was achieved under a scheme component, with its evidence, recorded by who monitors it.

    - an outcome of a weighted-outcomes framework, for the consortium (no practice) or for a practice;
    - a count of activity for a per-activity component (patients treated, health checks), per practice;
    - a locality operating level agreed for a locality-level component;
    - delivery of a per-patient component paid in arrears, per practice.

    ``locality`` is the locality the achievement counts in (a practice's own locality for a practice's
    achievement), so a locality lead sees their practices' achievements.
    """

    scheme = models.ForeignKey(IncentiveScheme, on_delete=models.PROTECT, related_name="achievements")
    component_code = models.CharField(max_length=60)
    outcome_code = models.CharField(max_length=60, blank=True)
    practice = models.ForeignKey(
        "pbc.Practice", on_delete=models.PROTECT, null=True, blank=True, related_name="achievements"
    )
    locality = models.ForeignKey(
        "pbc.Locality", on_delete=models.PROTECT, null=True, blank=True, related_name="achievements"
    )
    achieved = models.BooleanField(default=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence_notes = models.TextField(
        blank=True, help_text="Minutes, notes and references that show the achievement."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(pct="scheme__pct", locality="locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "component_code", "outcome_code", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1), name="achievement_level"
            ),
        ]

    def __str__(self) -> str:
        what = self.outcome_code or self.component_code
        whom = self.practice or self.locality or "consortium"
        return f"{what} for {whom}"


class AchievementAttachment(models.Model):
    """A file of evidence for an achievement (minutes, reports); kept privately, served through a view."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="agreements/evidence/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    scope_paths = ScopePaths(
        pct="achievement__scheme__pct", locality="achievement__locality", practice="achievement__practice"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["achievement", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.filename


class YearEndBudgetPosition(models.Model):
    """A practice's indicative budget and outturn for a year, recorded by PCT finance.

    Stands in for the published budget reports until they exist; the indicative-budget rule asks
    ``agreements.selectors.practice_overspent``, which reads this.
    """

    practice = models.ForeignKey("pbc.Practice", on_delete=models.PROTECT, related_name="budget_positions")
    start_year = models.PositiveSmallIntegerField()
    budget_pence = models.BigIntegerField()
    outturn_pence = models.BigIntegerField()
    overspent = models.BooleanField()
    evidence = models.TextField(blank=True, help_text="Where the figures come from (report, date).")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    scope_paths = ScopePaths(pct="practice__pct", locality="practice__locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_year", "practice__code"]
        verbose_name = "year-end budget position"
        constraints = [
            models.UniqueConstraint(fields=["practice", "start_year"], name="budget_position_once_per_year"),
            models.CheckConstraint(condition=Q(budget_pence__gte=0), name="budget_position_budget_positive"),
            models.CheckConstraint(
                condition=Q(outturn_pence__gte=0), name="budget_position_outturn_positive"
            ),
            models.CheckConstraint(
                condition=Q(overspent=True, outturn_pence__gt=models.F("budget_pence"))
                | Q(overspent=False, outturn_pence__lte=models.F("budget_pence")),
                name="budget_position_overspent_matches",
            ),
            models.CheckConstraint(condition=_YEAR_CHECK, name="budget_position_year_plausible"),
        ]

    def __str__(self) -> str:
        state = "overspent" if self.overspent else "within budget"
        return f"{self.practice.code} {FinancialYear(self.start_year).label}: {state}"

    @property
    def year(self) -> str:
        return FinancialYear(self.start_year).label

    @property
    def variance_pence(self) -> int:
        return self.budget_pence - self.outturn_pence


class SubstantialActionAgreement(models.Model):
    """The locality's agreement that an overspent practice took substantial action to reduce spend,
    so the PCT does not claw back LES payments already made."""

    practice = models.ForeignKey(
        "pbc.Practice", on_delete=models.PROTECT, related_name="substantial_action_agreements"
    )
    start_year = models.PositiveSmallIntegerField()
    locality = models.ForeignKey("pbc.Locality", on_delete=models.PROTECT, related_name="+")
    agreed_on = models.DateField()
    notes = models.TextField(help_text="The action taken and where the locality agreed it (minutes).")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    scope_paths = ScopePaths(pct="practice__pct", locality="practice__locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_year", "practice__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "start_year"], name="substantial_action_once_per_year"
            ),
            models.CheckConstraint(condition=_YEAR_CHECK, name="substantial_action_year_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.practice.code} {FinancialYear(self.start_year).label}: substantial action agreed"

    def clean(self) -> None:
        if not (self.notes or "").strip():
            raise ValidationError({"notes": "Say what action was taken and where the locality agreed it."})
        if self.practice_id and self.locality_id and self.practice.locality_id != self.locality_id:
            raise ValidationError({"locality": "Only the practice's own locality can agree its action."})
