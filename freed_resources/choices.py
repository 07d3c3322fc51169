"""Choices of the freed-up resources app."""

from __future__ import annotations

from django.db import models


class DeclarationKind(models.TextChoices):
    PRACTICE = "practice", "Practice"
    LOCALITY = "locality", "Locality / consortium"
    POOL = "pool", "Pooled consortium (members' figures netted)"


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", "Draft, awaiting PCT finance"
    CONFIRMED = "confirmed", "Confirmed by PCT finance"
    SUPERSEDED = "superseded", "Superseded by a restatement"


class EntryKind(models.TextChoices):
    POT = "pot", "Reinvestment pot (practices' share)"
    PCT_RECOVERY = "pct_recovery", "PCT recovery (PCT's share)"
    REWARD = "reward", "Reward payment (practice income)"
    INVESTMENT_RETURNED = "investment_returned", "Investment returned to the PCT"
    COMMITTED = "committed", "Committed to an approved proposal"
    RELEASED = "released", "Commitment released"
    SPENT = "spent", "Spent"


# Which ledger kind receives each party of a split (freed_resources.splits.Party values).
PARTY_ENTRY = {
    "practices": EntryKind.POT,
    "pct": EntryKind.PCT_RECOVERY,
    "reward": EntryKind.REWARD,
    "returned_for_investment": EntryKind.INVESTMENT_RETURNED,
}


class BenefitMeasure(models.TextChoices):
    ACTIVITY = "activity", "Activity count per month"
    COST = "cost", "Cost per month"


class BenefitStatus(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    NOT_YET = "not_yet", "Not yet"
    NOT_ACHIEVED = "not_achieved", "Not achieved"
