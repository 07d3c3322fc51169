from django.db import models


class Role(models.TextChoices):
    """What a person does in PBC; each role is a group of Django permissions."""

    PCT_FINANCE = "pct_finance", "PCT finance"
    PCT_INFORMATION = "pct_information", "PCT information"
    PCT_COMMISSIONING = "pct_commissioning", "PCT commissioning"
    PEC_MEMBER = "pec_member", "PEC member"
    BOARD_MEMBER = "board_member", "Board member"
    PROJECT_GROUP = "project_group", "PBC project group member"
    LOCALITY_LEAD = "locality_lead", "Locality lead"
    PRACTICE_MANAGER = "practice_manager", "Practice manager / PBC lead"
    AUDITOR = "auditor", "Read-only auditor"
    API_CLIENT = "api_client", "API client (read)"
    API_CLIENT_WRITE = "api_client_write", "API client (read and write)"


class ScopeLevel(models.TextChoices):
    PCT = "pct", "Whole PCT"
    LOCALITY = "locality", "Locality"
    PRACTICE = "practice", "Practice"


class LocalityKind(models.TextChoices):
    LOCALITY = "locality", "Locality"
    CONSORTIUM = "consortium", "Consortium"
    CLUSTER = "cluster", "Cluster"


class GpRole(models.TextChoices):
    PARTNER = "partner", "Partner"
    SALARIED = "salaried", "Salaried GP"
    LOCUM = "locum", "Long-term locum"


class ImportKind(models.TextChoices):
    LIST_SIZES = "list_sizes", "List sizes"
    PRACTICES = "practices", "Practices"
    PROVIDERS = "providers", "Providers"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to run"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Failed"


class ApiTokenScope(models.TextChoices):
    """What an API token may do, whatever its user's role allows: read only, or read and write."""

    READ = "read", "Read"
    READ_WRITE = "read-write", "Read and write"
