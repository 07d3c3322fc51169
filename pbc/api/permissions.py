"""API capability checks: Django model permissions, including view permission for reads, and the
token's own scope (a read token may not change anything, whatever its user's role allows).

Scope is applied by the views' selectors, so an object outside scope answers 404.
"""

from rest_framework import exceptions, permissions

from pbc.models import ApiToken

READ_ONLY_SCOPE_MESSAGE = (
    "This API token may only read. Ask for a read-write token to make changes "
    "(issue_api_token --scope read-write)."
)


def check_token_scope(request, view=None) -> None:
    """A read token may not change anything. A view whose POST only calculates (``changes_nothing``, such
    as the DES calculation) is a read."""
    token = request.auth
    if getattr(view, "changes_nothing", False):
        return
    if request.method not in permissions.SAFE_METHODS and isinstance(token, ApiToken) and not token.can_write:
        raise exceptions.PermissionDenied(READ_ONLY_SCOPE_MESSAGE)


class ScopedModelPermissions(permissions.DjangoModelPermissions):
    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        check_token_scope(request, view)
        required = getattr(view, "required_permissions", None)
        if isinstance(required, dict):  # per HTTP method, e.g. {"GET": (...), "POST": (...)}
            required = required.get("GET" if request.method in ("HEAD", "OPTIONS") else request.method, ())
        if required is not None:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(required))
        return super().has_permission(request, view)
