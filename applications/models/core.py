"""Applications, their transitions (the decision trail), attachments and the per-PCT decision rules."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from applications.choices import Action, ApplicationKind, ApplicationStatus, FundingSource
from applications.constants import DEFAULT_PEC_QUORUM, DEFAULT_RATIFICATION_THRESHOLD_PENCE
from pbc.models import FinancialYear, Locality, Pct, Practice, Provider
from pbc.money import format_gbp
from pbc.permissions import ScopePaths

APPLICATION_SCOPE = ScopePaths(
    pct="application__pct", locality="application__locality", practice="application__practices"
)


class DecisionRules(models.Model):
    """A PCT's rules for a financial year: when the Board must ratify a PEC approval, and the PEC quorum.

    Where a PCT has no row for a year, the defaults in ``applications.constants`` apply.
    """

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="decision_rules")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="decision_rules")
    ratification_threshold_pence = models.BigIntegerField(
        "Board ratification above (pence)",
        default=DEFAULT_RATIFICATION_THRESHOLD_PENCE,
        help_text="PEC approvals of applications costing more than this need the Board's ratification.",
    )
    pec_quorum = models.PositiveSmallIntegerField(
        "PEC quorum",
        default=DEFAULT_PEC_QUORUM,
        help_text="Members without an interest who must vote on an item before the chair records a decision.",
    )

    scope_paths = ScopePaths(pct="pct")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "decision rules"
        verbose_name_plural = "decision rules"
        ordering = ["pct__code", "-year__start_year"]
        permissions = [("configure_decisions", "Can set decision rules and assessment criteria")]
        constraints = [
            models.UniqueConstraint(fields=["pct", "year"], name="decision_rules_once_per_year"),
            models.CheckConstraint(
                condition=Q(ratification_threshold_pence__gte=0), name="decision_rules_threshold_not_negative"
            ),
            models.CheckConstraint(condition=Q(pec_quorum__gte=1), name="decision_rules_quorum_at_least_one"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.pct.code} {self.year}: ratify above {format_gbp(self.ratification_threshold_pence)}, "
            f"quorum {self.pec_quorum}"
        )


class Application(models.Model):
    """A business case or other PBC application from one practice, several practices or a locality."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="applications")
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        help_text="The applying locality, or the locality of the lead practice.",
    )
    practices = models.ManyToManyField(Practice, related_name="applications", blank=True)
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="applications")
    kind = models.CharField(
        max_length=30, choices=ApplicationKind.choices, default=ApplicationKind.NEW_SERVICE
    )
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=30, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT, db_index=True
    )

    summary = models.TextField(blank=True)
    reasons = models.TextField("Reasons for the change", blank=True)
    treatment_functions = models.JSONField(
        "Services affected (treatment function codes)", default=list, blank=True
    )
    risks = models.TextField(blank=True)
    clinical_outcomes = models.TextField("Expected clinical outcomes", blank=True)
    patient_benefit = models.TextField("Patient benefit", blank=True)
    patients_benefiting = models.PositiveIntegerField("Patients benefiting", null=True, blank=True)
    cost_pence = models.BigIntegerField("Cost (pence)", default=0)
    expected_savings_pence = models.BigIntegerField("Expected savings (pence)", default=0)
    management_cost_pence = models.BigIntegerField("Management cost asked (pence)", default=0)
    funding_source = models.CharField(max_length=30, choices=FundingSource.choices, blank=True)
    proposed_start = models.DateField(null=True, blank=True)
    stakeholders_consulted = models.TextField(blank=True)
    patients_consulted = models.TextField("Patients consulted", blank=True)
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        help_text="The provider that would deliver the service, where it is not the applicant.",
    )
    provider_is_applicant = models.BooleanField(
        "The applicant would also provide the service",
        default=False,
        help_text="A commissioner that is also the provider has an interest: the Board must ratify.",
    )

    recommendation_summary = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    ratification_required = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    scope_paths = ScopePaths(pct="pct", locality="locality", practice="practices")
    history = HistoricalRecords(m2m_fields=[practices], excluded_fields=["updated"])

    class Meta:
        ordering = ["-created", "-pk"]
        permissions = [
            ("submit_application", "Can draft, submit and withdraw applications"),
            ("appeal_application", "Can appeal a rejected application"),
            ("assess_application", "Can assess applications and recommend them to the PEC"),
            ("decide_application", "Can vote on and decide applications at the PEC"),
            ("ratify_application", "Can ratify PEC approvals for the Board"),
            ("arbitrate_appeal", "Can record local dispute resolution and SHA arbitration outcomes"),
            ("close_application", "Can mark approved applications implemented and closed"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(cost_pence__gte=0), name="application_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(expected_savings_pence__gte=0), name="application_savings_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(management_cost_pence__gte=0), name="application_management_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_status_known"
            ),
        ]
        indexes = [models.Index(fields=["pct", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return self.reference_for(self.pk)

    @staticmethod
    def reference_for(pk: int | None) -> str:
        return f"PBC-{pk:05d}" if pk else "PBC-(new)"

    @property
    def total_cost_pence(self) -> int:
        """What ratification is judged on: the cost of the proposal plus the management cost asked."""
        return self.cost_pence + self.management_cost_pence

    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    def clean(self) -> None:
        errors = {}
        if self.locality_id and self.pct_id and self.locality.pct_id != self.pct_id:
            errors["locality"] = "The locality belongs to another PCT."
        codes = self.treatment_functions or []
        if not isinstance(codes, list) or not all(
            isinstance(c, str) and len(c) == 3 and c.isalnum() for c in codes
        ):
            errors["treatment_functions"] = "Give treatment function codes of three characters, e.g. 110."
        for name in ("cost_pence", "expected_savings_pence", "management_cost_pence"):
            if (getattr(self, name) or 0) < 0:
                errors[name] = "An amount cannot be negative."
        if errors:
            raise ValidationError(errors)


class ApplicationTransition(models.Model):
    """One step of an application's workflow: who took which action, when, from and to which state, and why.

    Rows are only ever added (by ``application_transition``); together they are the application's timeline.
    """

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField(max_length=30, choices=Action.choices)
    from_status = models.CharField(max_length=30, choices=ApplicationStatus.choices)
    to_status = models.CharField(max_length=30, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    agenda_item = models.ForeignKey(
        "applications.AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transitions",
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    scope_paths = APPLICATION_SCOPE

    class Meta:
        ordering = ["application_id", "created", "pk"]
        get_latest_by = "created"

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.get_action_display()} ({self.from_status} → {self.to_status})"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under MEDIA_ROOT (never served directly) with a random name; the original name is kept apart."""
    ext = os.path.splitext(filename)[1].lower()[:8]
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}{ext}"


class Attachment(models.Model):
    """A document supporting an application, checked by content and served only to users in scope."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(max_length=255)
    description = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    scope_paths = APPLICATION_SCOPE
    history = HistoricalRecords()

    class Meta:
        ordering = ["application_id", "uploaded_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty")]

    def __str__(self) -> str:
        return self.original_name
