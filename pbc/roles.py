"""Roles as groups of Django permissions. Each app may add its own capabilities with :func:`grant`;
the groups are brought in line with this table after every migrate."""

from __future__ import annotations

from collections import defaultdict

from pbc.choices import Role

PCT_STAFF = (Role.PCT_FINANCE, Role.PCT_INFORMATION, Role.PCT_COMMISSIONING)
EVERY_ROLE = tuple(Role)

_READ_ORGANISATIONS = (
    "pbc.view_pct",
    "pbc.view_locality",
    "pbc.view_practice",
    "pbc.view_listsize",
    "pbc.view_gp",
    "pbc.view_provider",
    "pbc.view_financialyear",
)
_WRITE_ORGANISATIONS = (
    "pbc.add_locality",
    "pbc.change_locality",
    "pbc.add_practice",
    "pbc.change_practice",
    "pbc.add_listsize",
    "pbc.change_listsize",
    "pbc.add_gp",
    "pbc.change_gp",
    "pbc.add_provider",
    "pbc.change_provider",
)

ROLE_PERMISSIONS: dict[str, set[str]] = defaultdict(set)
OUR_APPS = frozenset({"pbc", "activity", "budgets", "applications", "agreements", "freed_resources"})


def grant(roles, perms) -> None:
    """Give every role in ``roles`` the permissions ``perms`` ("app_label.codename")."""
    for role in roles:
        ROLE_PERMISSIONS[str(role)].update(perms)


grant(EVERY_ROLE, _READ_ORGANISATIONS)
grant(PCT_STAFF, _WRITE_ORGANISATIONS)
grant(PCT_STAFF, ("pbc.view_importrun", "pbc.import_organisations"))
grant((Role.API_CLIENT_WRITE,), _WRITE_ORGANISATIONS)
grant((Role.AUDITOR,), ("pbc.view_importrun", "pbc.view_membership"))
grant((Role.PCT_FINANCE,), ("pbc.view_membership",))


def group_name(role: str) -> str:
    return Role(role).label


def sync_role_groups(sender=None, **kwargs) -> None:
    """Create one group per role holding exactly the permissions in ROLE_PERMISSIONS."""
    from django.contrib.auth.models import Group, Permission

    # Each app's permissions exist only once its own post_migrate has run, so sync after each of ours.
    if sender is not None and sender.label not in OUR_APPS:
        return
    by_key = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for role in Role:
        group, _ = Group.objects.get_or_create(name=group_name(role))
        wanted = [by_key[p] for p in sorted(ROLE_PERMISSIONS[str(role)]) if p in by_key]
        group.permissions.set(wanted)
