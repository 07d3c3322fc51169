"""Tariffs per financial year (versioned), activity extract uploads and the costed activity they publish.

Activity is stored aggregated at a grain that lets it be reported by practice × month × POD × provider ×
treatment function × HRG and re-costed exactly at another year's tariff — never patient identifiers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from activity.choices import DatasetChoice, TariffKind, UploadStatus
from pbc.models import FinancialYear, Pct, Practice
from pbc.permissions import ScopePaths


class TariffVersion(models.Model):
    """One version of a financial year's tariff; a re-import makes a new version, never an overwrite."""

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="tariff_versions")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    files = models.JSONField(default=dict, blank=True, help_text="File name and checksum per tariff kind.")
    counts = models.JSONField(default=dict, blank=True)

    scope_paths = None  # national prices: every signed-in user may read them
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year__start_year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="tariff_version_unique"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(is_current=True), name="one_current_tariff_per_year"
            ),
        ]
        permissions = [("import_tariff", "Can import tariff files")]

    def __str__(self) -> str:
        return f"{self.year} tariff v{self.version}"

    def has(self, kind: str) -> bool:
        return kind in self.files


# A code's national price (provider NULL) before its local prices, on every database (PostgreSQL sorts NULL
# last, SQLite first).
NATIONAL_FIRST = F("provider").asc(nulls_first=True)


class TariffRowBase(models.Model):
    tariff = models.ForeignKey(TariffVersion, on_delete=models.CASCADE, related_name="+")
    # NULL (not blank) marks a national price, as the tariff reader returns it.
    provider = models.CharField(max_length=3, blank=True, null=True, help_text="Blank = national price.")  # noqa: DJ001
    row = models.PositiveIntegerField(help_text="Row number in the imported file.")

    scope_paths = None

    class Meta:
        abstract = True


class AdmittedTariff(TariffRowBase):
    hrg = models.CharField("HRG", max_length=5)
    hrg_name = models.CharField("HRG name", max_length=255, blank=True)
    elective_pence = models.BigIntegerField(null=True, blank=True)
    non_elective_pence = models.BigIntegerField(null=True, blank=True)
    day_case_pence = models.BigIntegerField(null=True, blank=True)
    ordinary_elective_pence = models.BigIntegerField(null=True, blank=True)
    ssem_pence = models.BigIntegerField("short-stay emergency tariff (pence)", null=True, blank=True)
    elective_trim_days = models.IntegerField(null=True, blank=True)
    non_elective_trim_days = models.IntegerField(null=True, blank=True)
    excess_bed_day_pence = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["tariff", "hrg", NATIONAL_FIRST]
        indexes = [models.Index(fields=["tariff", "hrg"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(elective_pence__gte=0) | Q(elective_pence__isnull=True),
                name="admitted_el_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(non_elective_pence__gte=0) | Q(non_elective_pence__isnull=True),
                name="admitted_nel_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hrg} {self.hrg_name}"


class OutpatientTariff(TariffRowBase):
    tretspef = models.CharField("treatment function", max_length=3)
    first_pence = models.BigIntegerField(null=True, blank=True)
    follow_up_pence = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["tariff", "tretspef", NATIONAL_FIRST]

    def __str__(self) -> str:
        return f"TF {self.tretspef}"


class AeTariff(TariffRowBase):
    hrg = models.CharField("HRG", max_length=5)
    type_1_2_pence = models.BigIntegerField(null=True, blank=True)
    type_3_pence = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["tariff", "hrg", NATIONAL_FIRST]
        verbose_name = "A&E tariff"

    def __str__(self) -> str:
        return f"A&E {self.hrg}"


class MarketForcesFactor(TariffRowBase):
    mff_scaled = models.PositiveIntegerField(
        help_text="MFF × 100,000 (1.05 → 105000), so pricing stays exact."
    )

    class Meta:
        ordering = ["tariff", NATIONAL_FIRST]
        verbose_name = "market forces factor"

    def __str__(self) -> str:
        return f"{self.provider} {self.mff_scaled / 100000:.5f}"


TARIFF_MODELS = {
    TariffKind.ADMITTED: AdmittedTariff,
    TariffKind.OUTPATIENT: OutpatientTariff,
    TariffKind.AE: AeTariff,
    TariffKind.MFF: MarketForcesFactor,
}


class ExtractUpload(models.Model):
    """An uploaded HES/SUS extract and its processing job; its activity counts once it is published."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="extract_uploads")
    dataset = models.CharField(max_length=3, choices=DatasetChoice.choices)
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="extract_uploads")
    file = models.FileField(upload_to="extracts/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField(default=0)
    checksum = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=UploadStatus.choices, default=UploadStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Executions that claimed the job; the last one is the attempt whose rows count."
    )
    owner = models.CharField(
        max_length=32, blank=True, editable=False, help_text="The execution holding the job."
    )
    lease_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The owner holds the job until then unless it renews.",
    )
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    tariff = models.ForeignKey(
        TariffVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="uploads"
    )
    rows_read = models.PositiveBigIntegerField(default=0)
    bytes_read = models.PositiveBigIntegerField(
        default=0, help_text="Bytes of the file the job has read so far (its progress against size_bytes)."
    )
    heartbeat = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the job processing it."
    )
    quality = models.JSONField(default=dict, blank=True, help_text="The data-quality report.")
    changes = models.JSONField(default=dict, blank=True, help_text="What publishing this upload changed.")
    error = models.TextField(blank=True)
    error_extra = models.JSONField(default=dict, blank=True)

    scope_paths = ScopePaths(pct="pct")

    class Meta:
        ordering = ["-created", "-pk"]
        permissions = [("upload_extract", "Can upload activity extracts")]

    def __str__(self) -> str:
        return f"{self.get_dataset_display()} {self.year} — {self.filename}"

    @property
    def raw_file_kept(self) -> bool:
        return bool(self.file)

    @property
    def progress_percent(self) -> int | None:
        """Whole percent of the file read by the job (None: not known, e.g. an XLSX workbook mid-read)."""
        if not self.size_bytes or not self.bytes_read:
            return None
        return min(100, self.bytes_read * 100 // self.size_bytes)


class ActivityAggregateQuerySet(models.QuerySet):
    def current(self) -> ActivityAggregateQuerySet:
        """The published figures: rows still current (not restated by a later upload) of uploads whose
        processing finished. Rows of a job still running, killed or failed are never figures."""
        return self.filter(
            is_current=True, upload__status=UploadStatus.SUCCEEDED, attempt=F("upload__attempts")
        )


class ActivityAggregate(models.Model):
    """Costed activity at the stored grain; ``objects.current()`` are the published figures.

    Rows are stored current (unless rejected or duplicate) and count once their upload is published, so
    publishing switches an upload's figures on without rewriting them. The foreign keys have no database
    constraint and no index of their own (each leads a composite index): bulk loads skip both, and Django
    still applies CASCADE and PROTECT.
    """

    upload = models.ForeignKey(
        ExtractUpload,
        on_delete=models.CASCADE,
        related_name="aggregates",
        db_index=False,
        db_constraint=False,
    )
    pct = models.ForeignKey(
        Pct, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    dataset = models.CharField(max_length=3, choices=DatasetChoice.choices)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="activity", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    practice_code = models.CharField(max_length=10, blank=True)
    month = models.DateField(null=True, blank=True)
    pod = models.CharField("POD", max_length=6, blank=True)
    provider = models.CharField(max_length=5, blank=True)
    tretspef = models.CharField("treatment function", max_length=3, blank=True)
    hrg = models.CharField("HRG", max_length=5, blank=True)
    ae_type = models.CharField(max_length=4, blank=True)
    los_days = models.IntegerField(null=True, blank=True)
    ssem_eligible = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20)
    reason = models.CharField(max_length=40, blank=True)
    price_reason = models.CharField(max_length=40, blank=True)
    mff_defaulted = models.BooleanField(default=False)
    activity = models.PositiveIntegerField()
    cost_pence = models.BigIntegerField()
    excess_days = models.BigIntegerField(default=0)
    is_current = models.BooleanField(default=False)  # False once a later upload restates its slice
    attempt = models.PositiveSmallIntegerField(default=0)  # the execution that stored it (see activity.jobs)

    objects = ActivityAggregateQuerySet.as_manager()

    scope_paths = ScopePaths(pct="pct", locality="practice__locality", practice="practice")

    class Meta:
        ordering = ["month", "practice_code", "pod", "provider"]
        indexes = [
            models.Index(fields=["pct", "dataset", "is_current", "month"]),
            models.Index(fields=["practice", "month"]),
            models.Index(fields=["upload", "provider", "month"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(cost_pence__gte=0), name="activity_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.practice_code} {self.month} {self.pod} {self.provider}: {self.activity}"


class ProblemRow(models.Model):
    """A sample of the rows an upload could not cost or attribute, with their line numbers."""

    upload = models.ForeignKey(ExtractUpload, on_delete=models.CASCADE, related_name="problem_rows")
    line_no = models.PositiveBigIntegerField()
    attempt = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=20)
    reason = models.CharField(max_length=40, blank=True)
    fields = models.JSONField(default=dict)

    scope_paths = ScopePaths(pct="upload__pct")

    class Meta:
        ordering = ["upload", "line_no"]

    def __str__(self) -> str:
        return f"line {self.line_no}: {self.outcome} {self.reason}"


# Validation and challenge of activity lines (a sub-domain kept in its own module).
# Referrals (a sub-domain kept in its own module).
from activity.referrals.models import Referral, ReferralUpload  # noqa: E402, F401
from activity.validation.models import (  # noqa: E402, F401
    ActivityAdjustment,
    ActivityChallenge,
    ActivityLine,
    ValidationMonthClosure,
    ValidationReturn,
)
