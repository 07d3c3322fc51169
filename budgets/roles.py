from pbc.choices import Role
from pbc.roles import EVERY_ROLE, PCT_STAFF, grant

# Budgets: everyone sees the published budgets in their scope (a practice its own lines, a locality lead
# the locality's practices); the PCT-wide versions, their central holdings and history are for PCT roles.
NOT_PRACTICE_SCOPED = tuple(r for r in EVERY_ROLE if r not in (Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD))
grant(
    EVERY_ROLE,
    ("budgets.view_budgetline", "budgets.view_budgetcategory", "budgets.view_budgetholdingstatus"),
)
grant(
    NOT_PRACTICE_SCOPED,
    (
        "budgets.view_budgetset",
        "budgets.view_budgetholding",
        "budgets.view_budgetsettransition",
        "budgets.view_budgetadjustment",
    ),
)
grant(PCT_STAFF + (Role.AUDITOR,), ("budgets.view_draft_budgets",))
grant(
    (Role.PCT_FINANCE,),
    (
        "budgets.add_budgetset",
        "budgets.change_budgetset",
        "budgets.approve_budgetset",
        "budgets.publish_budgetset",
        "budgets.add_budgetcategory",
        "budgets.change_budgetcategory",
        "budgets.add_budgetadjustment",
        "budgets.delete_budgetadjustment",
    ),
)
grant(
    (Role.PCT_FINANCE, Role.PCT_COMMISSIONING),
    ("budgets.add_budgetholdingstatus", "budgets.change_budgetholdingstatus"),
)

# Reports: every role reads the rows in its scope; overviews (league tables, heat maps) are for roles that
# look across practices. PCT finance may ask for a recompute now.
grant(EVERY_ROLE, ("budgets.view_reportrow", "budgets.view_reportrun"))
grant(tuple(r for r in EVERY_ROLE if r != Role.PRACTICE_MANAGER), ("budgets.view_report_overview",))
grant((Role.PCT_FINANCE,), ("budgets.recompute_reports",))
