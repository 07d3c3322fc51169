"""What each role may do with freed-up resources. Scope (which practices and localities) comes from
memberships; these are capabilities only."""

from __future__ import annotations

from pbc.choices import Role
from pbc.roles import EVERY_ROLE, grant

_READ = (
    "freed_resources.view_schemesetting",
    "freed_resources.view_declaration",
    "freed_resources.view_split",
    "freed_resources.view_pot",
    "freed_resources.view_ledgerentry",
    "freed_resources.view_expectedbenefit",
)
# Every role reads (scoped: a practice sees only its own statement, pots and ledger).
grant(EVERY_ROLE, _READ)
# The PCT summary across practices: everyone but a practice manager.
grant(tuple(r for r in EVERY_ROLE if r != Role.PRACTICE_MANAGER), ("freed_resources.view_pct_summary",))
# Practices, localities and PCT finance prepare declarations from the published reports.
grant(
    (Role.PCT_FINANCE, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER, Role.API_CLIENT_WRITE),
    ("freed_resources.add_declaration",),
)
# Whoever puts a proposal's business case names the benefit it expects (followed up after approval).
grant(
    (Role.PCT_FINANCE, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER, Role.API_CLIENT_WRITE),
    ("freed_resources.add_expectedbenefit",),
)
# PCT finance sets the split schemes and reviews and confirms declarations (which posts the ledger).
grant(
    (Role.PCT_FINANCE,),
    (
        "freed_resources.add_schemesetting",
        "freed_resources.change_schemesetting",
        "freed_resources.confirm_declaration",
    ),
)
