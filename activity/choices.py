from django.db import models

from activity.extract_schema import PODS, Dataset, Outcome, Reason


class DatasetChoice(models.TextChoices):
    APC = Dataset.APC.value, "Admitted patient care"
    OP = Dataset.OP.value, "Outpatients"
    AE = Dataset.AE.value, "A&E"


class TariffKind(models.TextChoices):
    ADMITTED = "admitted", "Admitted (HRG spell tariff)"
    OUTPATIENT = "outpatient", "Outpatient (treatment function)"
    AE = "ae", "A&E"
    MFF = "mff", "Market forces factor"


class UploadStatus(models.TextChoices):
    PENDING = "pending", "Waiting to run"
    RUNNING = "running", "Processing"
    SUCCEEDED = "succeeded", "Published"
    FAILED = "failed", "Failed"


OutcomeChoice = models.TextChoices(
    "OutcomeChoice", [(o.name, (o.value, o.value.replace("_", " "))) for o in Outcome]
)
ReasonChoice = models.TextChoices(
    "ReasonChoice", [(r.name, (r.value, r.value.replace("_", " ") or "—")) for r in Reason]
)
PodChoice = models.TextChoices("PodChoice", [(p, p) for p in PODS])
