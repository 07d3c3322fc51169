from django.db import models


class BudgetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved by PCT finance"
    PUBLISHED = "published", "Published to practices"
    SUPERSEDED = "superseded", "Superseded by a later version"


# The allowed moves of a budget version. Publishing a version supersedes the one published before it;
# that move is made by the publish service, never asked for directly.
BUDGET_TRANSITIONS: dict[str, frozenset[str]] = {
    BudgetStatus.DRAFT: frozenset({BudgetStatus.APPROVED}),
    BudgetStatus.APPROVED: frozenset({BudgetStatus.DRAFT, BudgetStatus.PUBLISHED}),
    BudgetStatus.PUBLISHED: frozenset({BudgetStatus.SUPERSEDED}),
    BudgetStatus.SUPERSEDED: frozenset(),
}
OPEN_BUDGET_STATUSES = (BudgetStatus.DRAFT, BudgetStatus.APPROVED)
VISIBLE_TO_PRACTICES = (BudgetStatus.PUBLISHED, BudgetStatus.SUPERSEDED)


class RiskMode(models.TextChoices):
    NONE = "none", "No risk pool"
    TOP_SLICE = "top_slice", "Top-slice a % of every budget"
    THRESHOLD = "threshold", "Hold spells above a £ threshold centrally"


class UnattributedTreatment(models.TextChoices):
    CENTRAL = "central", "Held centrally by the PCT"
    PRO_RATA = "pro_rata", "Shared between practices pro rata"


class ShareBasis(models.TextChoices):
    BASELINE = "baseline", "By each practice's attributed baseline"
    LIST_SIZE = "list_size", "By list size at 1 April of the target year"


class Phasing(models.TextChoices):
    FLAT = "flat", "Flat twelfths"
    SEASONAL = "seasonal", "The baseline's seasonal profile"


class HoldingKind(models.TextChoices):
    RISK_POOL = "risk_pool", "Risk pool"
    UNATTRIBUTED = "unattributed", "Unattributed activity"


class BudgetHoldingStatusChoice(models.TextChoices):
    """Whether a practice holds its indicative budget in a year (DOMAIN section 12)."""

    NOT_HOLDING = "not_holding", "Not holding"
    SHADOW = "shadow", "Shadow (monitored, not holding)"
    HOLDING = "holding", "Holding"


# --- reports ---------------------------------------------------------------------------------------------


class ReportLevel(models.TextChoices):
    PRACTICE = "practice", "Practice"
    LOCALITY = "locality", "Locality / consortium"
    PCT = "pct", "PCT"


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"
    NONE = "", "Not assessed"
