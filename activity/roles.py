"""Capabilities of the budgets app, by role. Scope (which practices) comes from memberships."""

from pbc.choices import Role
from pbc.roles import EVERY_ROLE, PCT_STAFF, grant

# Activity, tariffs and uploads.
grant(EVERY_ROLE, ("activity.view_tariffversion", "activity.view_activityaggregate"))
grant(PCT_STAFF + (Role.AUDITOR,), ("activity.view_extractupload",))
grant((Role.PCT_FINANCE, Role.PCT_INFORMATION), ("activity.import_tariff", "activity.upload_extract"))
grant((Role.API_CLIENT_WRITE,), ("activity.upload_extract", "activity.view_extractupload"))
