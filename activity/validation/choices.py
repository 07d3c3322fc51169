from django.db import models


class ChallengeReason(models.TextChoices):
    NOT_OUR_PATIENT = "not_our_patient", "Not our patient"
    DUPLICATE = "duplicate", "Duplicate"
    WRONG_PROVIDER = "wrong_provider", "Wrong provider"
    WRONG_POD_OR_TARIFF = "wrong_pod_or_tariff", "Wrong point of delivery or tariff"
    DID_NOT_HAPPEN = "did_not_happen", "Did not happen"
    WRONG_MONTH = "wrong_month", "Wrong month"


class ChallengeStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class ChallengeOutcome(models.TextChoices):
    """What PCT staff decide on an open challenge."""

    ACCEPTED = "accepted", "Accept"
    REJECTED = "rejected", "Reject"


# An open challenge may only be decided; a decided one is final.
CHALLENGE_TRANSITIONS = {
    ChallengeStatus.OPEN: {ChallengeStatus.ACCEPTED, ChallengeStatus.REJECTED},
    ChallengeStatus.ACCEPTED: set(),
    ChallengeStatus.REJECTED: set(),
}


class ReturnStatus(models.TextChoices):
    """A practice's monthly validation return, as the PCT sees it."""

    RETURNED = "returned", "Returned"
    LATE = "late", "Returned late"
    MISSING = "missing", "Missing"
    DUE = "due", "Not yet due"
