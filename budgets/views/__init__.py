"""Pages of the budgets app."""
