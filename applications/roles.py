"""What each role may do with applications. The workflow's permissions are granted to exactly the roles
the workflow table names for them, so the table stays the one place that says who may do what."""

from __future__ import annotations

from applications.choices import WORKFLOW
from pbc.choices import Role
from pbc.roles import EVERY_ROLE, PCT_STAFF, grant

# Everyone reads applications in their scope, with their timeline, attachments, assessments and decisions.
grant(
    EVERY_ROLE,
    (
        "applications.view_application",
        "applications.view_applicationtransition",
        "applications.view_attachment",
        "applications.view_assessment",
        "applications.view_agendaitem",
        "applications.view_practicecompetency",
    ),
)

# The PCT-level work: meetings, interests, rules and criteria, readiness.
PCT_LEVEL = (
    *PCT_STAFF,
    Role.PEC_MEMBER,
    Role.BOARD_MEMBER,
    Role.PROJECT_GROUP,
    Role.AUDITOR,
    Role.API_CLIENT,
    Role.API_CLIENT_WRITE,
)
grant(
    PCT_LEVEL,
    (
        "applications.view_meeting",
        "applications.view_vote",
        "applications.view_interestdeclaration",
        "applications.view_decisionrules",
        "applications.view_criteriaset",
    ),
)
grant(
    (*PCT_STAFF, Role.PEC_MEMBER, Role.BOARD_MEMBER, Role.PROJECT_GROUP, Role.AUDITOR),
    ("applications.view_readinessreview",),
)

# The workflow: each action's permission to the roles the table names.
for step in WORKFLOW.values():
    grant(step.roles, (step.permission,))

grant(
    (Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD, Role.PCT_COMMISSIONING, Role.PROJECT_GROUP),
    ("applications.add_attachment",),
)
grant((Role.PCT_COMMISSIONING,), ("applications.manage_meetings", "applications.configure_decisions"))
grant((Role.PEC_MEMBER, Role.BOARD_MEMBER), ("applications.declare_interest",))
grant(PCT_STAFF, ("applications.assess_readiness",))
grant((Role.PCT_COMMISSIONING, Role.PROJECT_GROUP), ("applications.assess_competency",))
