"""Constants of the freed-up resources app."""

REWARD_COMPONENT_CODE = "freed-resources-reward"
REWARD_COMPONENT_NAME = "Freed-up resources reward payment"
