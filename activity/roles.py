"""Capabilities of the budgets app, by role. Scope (which practices) comes from memberships."""

from pbc.choices import Role
from pbc.roles import EVERY_ROLE, PCT_STAFF, grant

# Activity, tariffs and uploads.
grant(EVERY_ROLE, ("activity.view_tariffversion", "activity.view_activityaggregate"))
grant(PCT_STAFF + (Role.AUDITOR,), ("activity.view_extractupload",))
grant((Role.PCT_FINANCE, Role.PCT_INFORMATION), ("activity.import_tariff", "activity.upload_extract"))
grant((Role.API_CLIENT_WRITE,), ("activity.upload_extract", "activity.view_extractupload"))

# Validation of activity lines: everyone reads the lines, challenges and returns in scope; a practice
# challenges its lines and makes its monthly return; PCT staff decide challenges and close months.
grant(
    EVERY_ROLE,
    (
        "activity.view_activityline",
        "activity.view_activitychallenge",
        "activity.view_validationreturn",
    ),
)
grant((Role.PRACTICE_MANAGER,), ("activity.add_activitychallenge", "activity.add_validationreturn"))
grant(PCT_STAFF, ("activity.decide_activitychallenge", "activity.view_activityadjustment"))
grant((Role.AUDITOR,), ("activity.view_activityadjustment",))
grant((Role.PCT_FINANCE, Role.PCT_INFORMATION), ("activity.close_validation_month",))

# Referrals: everyone reads referral rates in scope (with peer medians and funnel positions); PCT staff
# and write clients load referral extracts.
grant(EVERY_ROLE, ("activity.view_referral",))
grant(PCT_STAFF + (Role.AUDITOR, Role.API_CLIENT_WRITE), ("activity.view_referralupload",))
grant(PCT_STAFF + (Role.API_CLIENT_WRITE,), ("activity.upload_referrals",))
