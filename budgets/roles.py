"""Capabilities of the activity side, by role."""

from pbc.choices import Role
from pbc.roles import EVERY_ROLE, PCT_STAFF, grant

grant(EVERY_ROLE, ("budgets.view_tariffversion", "budgets.view_activityaggregate"))
grant(PCT_STAFF + (Role.AUDITOR,), ("budgets.view_extractupload",))
grant((Role.PCT_FINANCE, Role.PCT_INFORMATION), ("budgets.import_tariff", "budgets.upload_extract"))
grant((Role.API_CLIENT_WRITE,), ("budgets.upload_extract", "budgets.view_extractupload"))
