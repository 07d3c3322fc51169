"""budgets — constants (see CONVENTIONS.md section 2 for what belongs here)."""

# Report rows that add up every category, or every provider, carry this code in place of one.
TOTAL = "ALL"

# The points of delivery the peer comparison rates per 1,000 registered patients (BANES peer review:
# outpatient first attendances and emergency admissions).
PEER_PODS: dict[str, str] = {"OPFA": "Outpatient first attendances", "NEL": "Emergency admissions"}

# A budget setting with no PCT resource cap given is never scaled (the resource is "unlimited").
NO_RESOURCE_CAP_PENCE = 2**62

# Default RAG thresholds (% over the year-to-date budget): green up to 0%, amber up to 5%, red above.
DEFAULT_RAG_GREEN_MAX = "0.0"
DEFAULT_RAG_AMBER_MAX = "5.0"
