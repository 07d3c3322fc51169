"""What each role may do with agreements, LES sign-ups, incentive schemes and payments.

Scope (which practices and localities) comes from memberships; these are capabilities only.
"""

from __future__ import annotations

from pbc.choices import Role
from pbc.roles import EVERY_ROLE, PCT_STAFF, grant

_READ = (
    "agreements.view_agreement",
    "agreements.view_lessignup",
    "agreements.view_incentivescheme",
    "agreements.view_achievement",
    "agreements.view_payment",
    "agreements.view_yearendbudgetposition",
    "agreements.view_substantialactionagreement",
)
_PCT_OVERSIGHT = (Role.PEC_MEMBER, Role.BOARD_MEMBER, Role.PROJECT_GROUP, Role.AUDITOR)
# Who monitors achievements: PCT staff and the PBC project group / governance committee.
_MONITORS = (*PCT_STAFF, Role.PROJECT_GROUP)

grant(EVERY_ROLE, _READ)
# Everyone but a practice manager sees a locality's statement (a practice sees only its own).
grant(tuple(r for r in EVERY_ROLE if r != Role.PRACTICE_MANAGER), ("agreements.view_locality_statement",))
grant((*PCT_STAFF, *_PCT_OVERSIGHT), ("agreements.view_payment_summary",))

# PCT commissioning drafts agreements and manages their lifecycle.
grant((Role.PCT_COMMISSIONING,), ("agreements.add_agreement", "agreements.change_agreement"))
# Parties' named leads sign: PCT finance/commissioning for the PCT, locality leads, practice managers.
grant(
    (Role.PCT_FINANCE, Role.PCT_COMMISSIONING, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER),
    ("agreements.sign_agreement",),
)

# The practice manager or PBC lead signs the LES sheet and the year-end declarations.
grant((Role.PRACTICE_MANAGER,), ("agreements.sign_les",))

# PCT finance configures schemes, calculates schedules, approves and pays, records budget outturns.
grant(
    (Role.PCT_FINANCE,),
    (
        "agreements.add_incentivescheme",
        "agreements.change_incentivescheme",
        "agreements.add_payment",
        "agreements.approve_payment",
        "agreements.pay_payment",
        "agreements.add_yearendbudgetposition",
        "agreements.change_yearendbudgetposition",
        "agreements.add_substantialactionagreement",
    ),
)
# The locality agrees that an overspent practice took substantial action.
grant((Role.LOCALITY_LEAD,), ("agreements.add_substantialactionagreement",))

grant(_MONITORS, ("agreements.add_achievement", "agreements.change_achievement"))
grant((Role.API_CLIENT_WRITE,), ("agreements.add_achievement", "agreements.change_achievement"))
