"""Constants of the freed-up resources app."""

REWARD_COMPONENT_CODE = "freed-resources-reward"
REWARD_COMPONENT_NAME = "Freed-up resources reward payment"

# Benefit follow-up of an approved proposal: the months before approval (baseline) and after it that are
# compared, unless the proposal names its own window; and how many months after approval must be published
# before a benefit can be called achieved.
BENEFIT_DEFAULT_MONTHS = 6
BENEFIT_MIN_MONTHS = 3
