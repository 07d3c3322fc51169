"""The organisation core: PCT, localities, practices and their list sizes and GPs, providers,
financial years, users' memberships (roles and scope), API tokens and import runs."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from pbc import ods
from pbc.choices import ApiTokenScope, GpRole, ImportKind, ImportStatus, LocalityKind, Role, ScopeLevel
from pbc.fiscal import FinancialYear as FY
from pbc.list_sizes import list_size_errors
from pbc.permissions import ScopePaths


class OrganisationBase(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    open_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        self.code = ods.normalise(self.code)
        if self.open_date and self.close_date and self.close_date < self.open_date:
            raise ValidationError({"close_date": "A closing date cannot be before the opening date."})

    def is_open_on(self, day: date) -> bool:
        return (self.open_date is None or self.open_date <= day) and (
            self.close_date is None or day <= self.close_date
        )


class Pct(OrganisationBase):
    """A primary care trust: the commissioner that holds the legal budget."""

    scope_paths = ScopePaths(pct="pk", locality="localities", practice="practices")
    history = HistoricalRecords()

    class Meta(OrganisationBase.Meta):
        verbose_name = "PCT"
        verbose_name_plural = "PCTs"

    def clean(self) -> None:
        super().clean()
        ods.validate_org3_code(self.code)


class Locality(OrganisationBase):
    """A group of practices commissioning together (locality, consortium or cluster)."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="localities")
    kind = models.CharField(max_length=20, choices=LocalityKind.choices, default=LocalityKind.LOCALITY)

    scope_paths = ScopePaths(pct="pct", locality="pk", practice="practices")
    history = HistoricalRecords()

    class Meta(OrganisationBase.Meta):
        verbose_name_plural = "localities"

    def clean(self) -> None:
        super().clean()
        if self.pct_id:
            ods.validate_locality_code(self.code, self.pct.code)


class Practice(OrganisationBase):
    """A GP practice, known by its ODS code (one letter and five digits)."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="practices")
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="practices", null=True, blank=True
    )
    postcode = models.CharField(max_length=10, blank=True)

    scope_paths = ScopePaths(pct="pct", locality="locality", practice="pk")
    history = HistoricalRecords()

    class Meta(OrganisationBase.Meta):
        indexes = [models.Index(fields=["pct", "locality"])]

    def clean(self) -> None:
        super().clean()
        ods.validate_practice_code(self.code)
        if self.locality_id and self.pct_id and self.locality.pct_id != self.pct_id:
            raise ValidationError({"locality": "The locality belongs to another PCT."})


class ListSize(models.Model):
    """Registered patients of a practice on an extract date (the budget year uses the list at 1 April)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="list_sizes")
    extract_date = models.DateField()
    patients = models.PositiveIntegerField()
    import_run = models.ForeignKey(
        "pbc.ImportRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="list_sizes"
    )

    scope_paths = ScopePaths(pct="practice__pct", locality="practice__locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        ordering = ["practice__code", "-extract_date"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "extract_date"], name="list_size_once_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.practice.code} on {self.extract_date:%d/%m/%Y}: {self.patients:,}"

    def clean(self) -> None:
        errors = list_size_errors(
            extract_date=self.extract_date, patients=self.patients, today=timezone.localdate()
        )
        if errors:
            raise ValidationError(errors)


class Gp(models.Model):
    """A GP of a practice (needed by name on LES sign-up sheets)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="gps")
    name = models.CharField(max_length=200)
    gmc_number = models.CharField("GMC number", max_length=7, blank=True)
    role = models.CharField(max_length=20, choices=GpRole.choices, default=GpRole.PARTNER)
    joined = models.DateField(null=True, blank=True)
    left = models.DateField(null=True, blank=True)

    scope_paths = ScopePaths(pct="practice__pct", locality="practice__locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "GP"
        verbose_name_plural = "GPs"
        ordering = ["practice__code", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.practice.code})"

    def clean(self) -> None:
        if self.gmc_number and not (self.gmc_number.isdigit() and len(self.gmc_number) == 7):
            raise ValidationError({"gmc_number": "A GMC number is seven digits."})

    def is_current_on(self, day: date) -> bool:
        return (self.joined is None or self.joined <= day) and (self.left is None or day <= self.left)


class Provider(OrganisationBase):
    """A provider of hospital activity (trust), by its three-character ODS code."""

    scope_paths = None  # national reference data, visible to every signed-in user
    history = HistoricalRecords()

    def clean(self) -> None:
        super().clean()
        ods.validate_org3_code(self.code)


class FinancialYear(models.Model):
    """An NHS financial year (1 April – 31 March) the PCT works in."""

    start_year = models.PositiveSmallIntegerField(unique=True)

    scope_paths = None

    class Meta:
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__gte=1990) & Q(start_year__lte=2100), name="financial_year_plausible"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def fy(self) -> FY:
        return FY(self.start_year)

    @property
    def label(self) -> str:
        return self.fy.label


ROLE_SCOPE_LEVEL: dict[str, str] = {
    Role.PRACTICE_MANAGER: ScopeLevel.PRACTICE,
    Role.LOCALITY_LEAD: ScopeLevel.LOCALITY,
}


class Membership(models.Model):
    """A user's role in an organisation: the PCT, one of its localities or one of its practices.

    The role gives capabilities (through its group's permissions); the organisation gives scope.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="memberships")
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    created = models.DateTimeField(auto_now_add=True)

    scope_paths = ScopePaths(pct="pct", locality="locality", practice="practice")
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "pct", "locality", "practice"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(locality__isnull=True) | Q(practice__isnull=True),
                name="membership_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.scope_label})"

    @property
    def level(self) -> str:
        if self.practice_id:
            return ScopeLevel.PRACTICE
        if self.locality_id:
            return ScopeLevel.LOCALITY
        return ScopeLevel.PCT

    @property
    def scope_label(self) -> str:
        org = self.practice or self.locality or self.pct
        return str(org)

    def clean(self) -> None:
        needed = ROLE_SCOPE_LEVEL.get(self.role, ScopeLevel.PCT)
        if needed == ScopeLevel.PRACTICE and not self.practice_id:
            raise ValidationError({"practice": "A practice manager's membership names their practice."})
        if needed == ScopeLevel.LOCALITY and not self.locality_id:
            raise ValidationError({"locality": "A locality lead's membership names their locality."})
        if needed == ScopeLevel.PCT and (self.practice_id or self.locality_id):
            raise ValidationError("This role works across the whole PCT: do not name a locality or practice.")
        for org in (self.practice, self.locality):
            if org is not None and org.pct_id != self.pct_id:
                raise ValidationError(f"{org} does not belong to {self.pct}.")


def api_token_expiry():
    """When a token issued now expires: ``PBC_API_TOKEN_LIFETIME_DAYS`` from now."""
    return timezone.now() + timedelta(days=settings.PBC_API_TOKEN_LIFETIME_DAYS)


class ApiToken(models.Model):
    """A revocable API token for another NHS system; only a hash of the key is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="Which system uses this token.")
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        max_length=10,
        choices=ApiTokenScope.choices,
        default=ApiTokenScope.READ,
        help_text="A read token is refused every change, whatever its user's role allows.",
    )
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        default=api_token_expiry,
        help_text="After this the token is refused (401). A rotated token expires when its grace period ends.",
    )
    last_used_at = models.DateTimeField(
        null=True, blank=True, help_text="Recorded at most once a minute, not on every request."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        help_text="The token issued when this one was rotated.",
    )

    scope_paths = None
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    @property
    def can_write(self) -> bool:
        return self.scope == ApiTokenScope.READ_WRITE


class ImportRun(models.Model):
    """One import of a file (list sizes, practices): what came in, who sent it, and how it ended."""

    kind = models.CharField(max_length=30, choices=ImportKind.choices)
    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="import_runs")
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255)
    checksum = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    dry_run = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    scope_paths = ScopePaths(pct="pct", locality=None, practice=None)

    class Meta:
        ordering = ["-created", "-pk"]
        permissions = [("import_organisations", "Can import practices and list sizes")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.filename} ({self.get_status_display()})"
