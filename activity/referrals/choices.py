from django.db import models


class ReferralPriority(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    TWO_WEEK_WAIT = "two_week_wait", "Two-week wait"
    UNKNOWN = "unknown", "Unknown"


class ReferralSource(models.TextChoices):
    GP = "gp", "GP"
    AE = "ae", "A&E"
    CONSULTANT = "consultant", "Consultant-to-consultant"
    SELF = "self", "Self-referral"
    OTHER = "other", "Other"


class SourceGroup(models.TextChoices):
    """How rates keep referrals apart: GP referrals, and every other source together."""

    GP = "gp", "GP referrals"
    OTHER = "other", "Other sources"


class ReferralOrigin(models.TextChoices):
    """Where a PCT's referral figures come from in a year."""

    EXTRACT = "extract", "Referral extract"
    OUTPATIENTS = "outpatients", "Derived from HES/SUS outpatients"
