"""PEC meetings: agendas of applications, declarations of interest, votes and decisions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from applications.choices import PEC_DECISIONS, Action, InterestKind, MeetingStatus, VoteChoice
from applications.models.core import Application
from pbc.models import Pct, Practice, Provider
from pbc.permissions import ScopePaths


class Meeting(models.Model):
    """A meeting of the PEC. Its chair (a PEC member) runs the agenda and records decisions."""

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="pec_meetings")
    title = models.CharField(max_length=200, default="Professional Executive Committee")
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    quorum = models.PositiveSmallIntegerField(
        help_text="Members without an interest who must vote on an item before a decision is recorded."
    )
    status = models.CharField(max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    scope_paths = ScopePaths(pct="pct")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        permissions = [("manage_meetings", "Can schedule PEC meetings and manage their agendas")]
        constraints = [models.CheckConstraint(condition=Q(quorum__gte=1), name="meeting_quorum_at_least_one")]

    def __str__(self) -> str:
        return f"{self.title}, {self.starts_at:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.status == MeetingStatus.SCHEDULED


class AgendaItem(models.Model):
    """An application on a meeting's agenda, and the PEC's decision on it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=1)
    outcome = models.CharField(
        max_length=30, choices=[(a, Action(a).label) for a in PEC_DECISIONS], blank=True
    )
    outcome_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    declared_interest_at_decision = models.BooleanField(
        default=False,
        help_text="Whether the chair who decided had ever declared an interest in it (since ended).",
    )
    interests_at_decision = models.JSONField(
        default=list,
        blank=True,
        help_text="Every declaration touching the application when it was decided, current or ended.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    scope_paths = ScopePaths(
        pct="meeting__pct", locality="application__locality", practice="application__practices"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "agenda item"
        ordering = ["meeting_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "application"], name="agenda_item_once_per_meeting"),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(decided_at__isnull=False), name="agenda_item_decision_dated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.application}"

    @property
    def is_decided(self) -> bool:
        return bool(self.outcome)


class Vote(models.Model):
    """A PEC member's vote on an agenda item. Members with an interest cannot vote."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=30, choices=VoteChoice.choices)
    comment = models.CharField(max_length=500, blank=True)
    cast_at = models.DateTimeField(auto_now=True)
    declared_interest_at_vote = models.BooleanField(
        default=False, help_text="Whether the member had ever declared an interest in it (since ended)."
    )
    interests_at_vote = models.JSONField(
        default=list, blank=True, help_text="The member's ended declarations touching the application."
    )

    scope_paths = ScopePaths(pct="item__meeting__pct")
    history = HistoricalRecords()

    class Meta:
        ordering = ["item_id", "cast_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="vote_once_per_member")]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_choice_display()}"


class InterestDeclaration(models.Model):
    """A member's declared interest: standing (a practice, a provider) or in one application.

    A current declaration that touches an application stops its member from voting on or deciding it.
    """

    pct = models.ForeignKey(Pct, on_delete=models.PROTECT, related_name="interest_declarations")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interests")
    kind = models.CharField(max_length=20, choices=InterestKind.choices)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="interest_declarations"
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="interest_declarations"
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="interest_declarations"
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interest_declarations",
        help_text="The meeting at which it was declared, if any.",
    )
    description = models.CharField(max_length=300)
    declared_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.TextField(blank=True, help_text="Why the interest ended; required to end it.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_paths = ScopePaths(pct="pct")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-declared_at", "-pk"]
        permissions = [("declare_interest", "Can declare interests as a PEC or Board member")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=InterestKind.PRACTICE) | Q(practice__isnull=False),
                name="interest_practice_named",
            ),
            models.CheckConstraint(
                condition=~Q(kind=InterestKind.PROVIDER) | Q(provider__isnull=False),
                name="interest_provider_named",
            ),
            models.CheckConstraint(
                condition=~Q(kind=InterestKind.APPLICATION) | Q(application__isnull=False),
                name="interest_application_named",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | ~Q(end_reason=""), name="interest_end_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_kind_display()} — {self.description}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    def clean(self) -> None:
        needed = {
            InterestKind.PRACTICE: ("practice", "Name the practice."),
            InterestKind.PROVIDER: ("provider", "Name the provider."),
            InterestKind.APPLICATION: ("application", "Name the application."),
        }.get(self.kind)
        if needed and getattr(self, f"{needed[0]}_id") is None:
            raise ValidationError({needed[0]: needed[1]})
        for org in (self.practice, self.application):
            if org is not None and self.pct_id and org.pct_id != self.pct_id:
                raise ValidationError(f"{org} belongs to another PCT.")
