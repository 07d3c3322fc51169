"""View mixins every page uses: sign-in, capability, and scope (through selectors)."""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


class PbcPermissionMixin(AccessMixin):
    """Anonymous → sign-in page; signed in without the capability → 403.

    Scope is not checked here: views load objects through selectors, so out-of-scope objects are 404.
    """

    permission_required: str | tuple[str, ...] | None = None

    def get_permission_required(self) -> tuple[str, ...]:
        perms = self.permission_required
        if perms is None:
            return ()
        return (perms,) if isinstance(perms, str) else tuple(perms)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(), self.get_login_url(), self.get_redirect_field_name()
            )
        if not request.user.has_perms(self.get_permission_required()):
            raise PermissionDenied("Your role does not give access to this page.")
        return super().dispatch(request, *args, **kwargs)
