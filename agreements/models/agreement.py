"""Shared agreements on the ten-section template: sections, SMART objectives, parties, signatures,
status transitions and reminders."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agreements.choices import AgreementAction, AgreementStatus, EndReason, PartyKind, ReminderKind
from agreements.constants import DEFAULT_NOTICE_PERIOD_DAYS, SECTION_COUNT
from pbc.permissions import ScopePaths

_AGREEMENT_SCOPE = ScopePaths(
    pct="agreement__pct", locality="agreement__locality", practice="agreement__parties__practice"
)


class Agreement(models.Model):
    """One version of a PBC shared agreement between the PCT and practices or a locality.

    Versions of one agreement share a ``reference``; a new version ``supersedes`` the one before and,
    once every party has signed it, ends it. ``locality`` is the locality the agreement is with (its
    practices must belong to it); a locality lead sees their locality's agreements, a practice manager
    those their practice is a party to.
    """

    pct = models.ForeignKey("pbc.Pct", on_delete=models.PROTECT, related_name="agreements")
    reference = models.CharField(max_length=30)
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    title = models.CharField(max_length=200)
    locality = models.ForeignKey(
        "pbc.Locality", on_delete=models.PROTECT, null=True, blank=True, related_name="agreements"
    )
    status = models.CharField(max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Leave empty for an open-ended agreement.")
    review_date = models.DateField(null=True, blank=True)
    notice_period_days = models.PositiveSmallIntegerField(default=DEFAULT_NOTICE_PERIOD_DAYS)
    notice_given_on = models.DateField(null=True, blank=True)
    terminates_on = models.DateField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    change_summary = models.TextField(
        blank=True, help_text="What changed from the previous version, and why."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(pct="pct", locality="locality", practice="parties__practice")
    history = HistoricalRecords()

    class Meta:
        ordering = ["reference", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["reference", "version"], name="agreement_version_once"),
            models.CheckConstraint(condition=Q(version__gte=1), name="agreement_version_positive"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="agreement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status=AgreementStatus.ENDED) | Q(end_reason=""),
                name="agreement_end_reason_only_when_ended",
            ),
        ]
        permissions = [("sign_agreement", "Can sign agreements for their organisation")]

    def __str__(self) -> str:
        return f"{self.reference} v{self.version}: {self.title}"

    def clean(self) -> None:
        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The agreement cannot end before it starts."
        if self.review_date and self.start_date and self.review_date < self.start_date:
            errors["review_date"] = "The review date cannot be before the agreement starts."
        if self.review_date and self.end_date and self.review_date > self.end_date:
            errors["review_date"] = "The review date cannot be after the agreement ends."
        if self.locality_id and self.pct_id and self.locality.pct_id != self.pct_id:
            errors["locality"] = "The locality belongs to another PCT."
        if self.status == AgreementStatus.ENDED and not self.end_reason:
            errors["end_reason"] = "An ended agreement says why it ended."
        if errors:
            raise ValidationError(errors)

    @property
    def is_superseded(self) -> bool:
        return self.status == AgreementStatus.ENDED and self.end_reason == EndReason.SUPERSEDED

    @property
    def is_editable(self) -> bool:
        return self.status == AgreementStatus.DRAFT

    @property
    def notice_deadline(self):
        """The last day notice can be given for the agreement to end on its end date."""
        if self.end_date is None:
            return None
        return self.end_date - timedelta(days=self.notice_period_days)


class AgreementSection(models.Model):
    """One of the ten sections of the template: its guidance and the parties' free text."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True)
    body = models.TextField(blank=True)

    scope_paths = _AGREEMENT_SCOPE
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_section_once"),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=SECTION_COUNT), name="agreement_section_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class SmartObjective(models.Model):
    """A specific, measurable, achievable, realistic and timely objective of section 1."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField(default=1)
    objective = models.CharField(max_length=500)
    measure = models.CharField(max_length=500)
    target = models.CharField(max_length=300)
    due_date = models.DateField()

    scope_paths = _AGREEMENT_SCOPE
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "position", "pk"]
        verbose_name = "SMART objective"

    def __str__(self) -> str:
        return self.objective


class AgreementParty(models.Model):
    """A party to an agreement (the PCT, a locality, a practice or a provider) and its named lead.

    Only the named lead signs: a practice manager for their practice, a locality lead for their
    locality, PCT finance or commissioning for the PCT. Providers have no users: PCT commissioning
    records the provider lead's signature. When ``lead_user`` is set only that person may sign.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(max_length=20, choices=PartyKind.choices)
    position = models.PositiveSmallIntegerField(default=1)
    pct = models.ForeignKey("pbc.Pct", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    locality = models.ForeignKey(
        "pbc.Locality", on_delete=models.PROTECT, null=True, blank=True, related_name="agreement_parties"
    )
    practice = models.ForeignKey(
        "pbc.Practice", on_delete=models.PROTECT, null=True, blank=True, related_name="agreement_parties"
    )
    provider = models.ForeignKey(
        "pbc.Provider", on_delete=models.PROTECT, null=True, blank=True, related_name="agreement_parties"
    )
    lead_name = models.CharField("named lead", max_length=200)
    lead_role = models.CharField("lead's role", max_length=200, blank=True)
    lead_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_paths = _AGREEMENT_SCOPE
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "position", "pk"]
        verbose_name_plural = "agreement parties"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=PartyKind.PCT,
                        pct__isnull=False,
                        locality__isnull=True,
                        practice__isnull=True,
                        provider__isnull=True,
                    )
                    | Q(
                        kind=PartyKind.LOCALITY,
                        pct__isnull=True,
                        locality__isnull=False,
                        practice__isnull=True,
                        provider__isnull=True,
                    )
                    | Q(
                        kind=PartyKind.PRACTICE,
                        pct__isnull=True,
                        locality__isnull=True,
                        practice__isnull=False,
                        provider__isnull=True,
                    )
                    | Q(
                        kind=PartyKind.PROVIDER,
                        pct__isnull=True,
                        locality__isnull=True,
                        practice__isnull=True,
                        provider__isnull=False,
                    )
                ),
                name="agreement_party_one_organisation",
            ),
            models.UniqueConstraint(
                fields=["agreement", "pct"], condition=Q(pct__isnull=False), name="agreement_party_pct_once"
            ),
            models.UniqueConstraint(
                fields=["agreement", "locality"],
                condition=Q(locality__isnull=False),
                name="agreement_party_locality_once",
            ),
            models.UniqueConstraint(
                fields=["agreement", "practice"],
                condition=Q(practice__isnull=False),
                name="agreement_party_practice_once",
            ),
            models.UniqueConstraint(
                fields=["agreement", "provider"],
                condition=Q(provider__isnull=False),
                name="agreement_party_provider_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_kind_display()}), lead {self.lead_name}"

    @property
    def organisation(self):
        return self.pct or self.locality or self.practice or self.provider

    def clean(self) -> None:
        wanted = {
            PartyKind.PCT: "pct",
            PartyKind.LOCALITY: "locality",
            PartyKind.PRACTICE: "practice",
            PartyKind.PROVIDER: "provider",
        }.get(self.kind)
        given = [name for name in ("pct", "locality", "practice", "provider") if getattr(self, f"{name}_id")]
        if wanted is None or given != [wanted]:
            raise ValidationError(f"A {self.get_kind_display() or 'party'} party names exactly one {wanted}.")
        if not self.lead_name.strip():
            raise ValidationError({"lead_name": "Every party has a named lead."})


class AgreementSignature(models.Model):
    """A party's signature: who signed, in what role, and when."""

    party = models.OneToOneField(AgreementParty, on_delete=models.CASCADE, related_name="signature")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signatory_name = models.CharField(max_length=200)
    signatory_role = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    recorded_on_behalf = models.BooleanField(
        default=False, help_text="Recorded by the PCT for a provider's named lead who signed on paper."
    )
    statement = models.TextField(blank=True)

    scope_paths = ScopePaths(
        pct="party__agreement__pct",
        locality="party__agreement__locality",
        practice="party__agreement__parties__practice",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.signatory_name} ({self.signatory_role}) at {self.signed_at:%d/%m/%Y %H:%M}"


class AgreementTransition(models.Model):
    """A status change of an agreement: the decision, who made it, when and why."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20, choices=AgreementAction.choices)
    from_status = models.CharField(max_length=20, choices=AgreementStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=AgreementStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    effective_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)

    scope_paths = _AGREEMENT_SCOPE

    class Meta:
        ordering = ["agreement", "at", "pk"]

    def __str__(self) -> str:
        return (
            f"{self.agreement.reference}: {self.get_action_display()} ({self.from_status} → {self.to_status})"
        )


class AgreementReminder(models.Model):
    """A reminder sent about a review, notice or termination date; one per agreement, kind and date."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.TextField(blank=True)

    scope_paths = _AGREEMENT_SCOPE

    class Meta:
        ordering = ["-sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "kind", "due_on"], name="agreement_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on:%d/%m/%Y} for {self.agreement.reference}"
