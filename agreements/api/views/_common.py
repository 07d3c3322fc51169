"""Helpers shared by the agreements API views: capabilities per method, codes to organisations."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from agreements import selectors
from agreements.api import serializers as s
from agreements.choices import PartyKind
from pbc import selectors as pbc_selectors
from pbc.exceptions import ApplicationError
from pbc.models import Pct, Provider


class MethodPermissions:
    """Capabilities per HTTP method; ``ScopedModelPermissions`` reads ``required_permissions``."""

    method_permissions: dict[str, tuple[str, ...]] = {}

    @property
    def required_permissions(self):
        method = self.request.method
        if method in ("HEAD", "OPTIONS"):
            method = "GET"
        return self.method_permissions.get(method)


def _home_pct(user) -> Pct:
    pct = pbc_selectors.home_pct(user=user)
    if pct is None:
        raise ApplicationError("You are not a member of a PCT.")
    return pct


def _not_found(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {"fields": {field: [message]}})


def _locality(user, code, *, pct=None, field="locality"):
    if not code:
        return None
    qs = pbc_selectors.locality_list(user=user)
    if pct is not None:
        qs = qs.filter(pct=pct)
    found = qs.filter(code=code.strip().upper()).first()
    if found is None:
        raise _not_found(field, f"No locality {code} in your scope.")
    return found


def _practice(user, code, *, pct=None, field="practice"):
    if not code:
        return None
    qs = pbc_selectors.practice_list(user=user)
    if pct is not None:
        qs = qs.filter(pct=pct)
    found = qs.filter(code=code.strip().upper()).first()
    if found is None:
        raise _not_found(field, f"No practice {code} in your scope.")
    return found


def _organisation(user, pct, kind: str, code: str):
    if kind == PartyKind.LOCALITY:
        return _locality(user, code, pct=pct, field="parties")
    if kind == PartyKind.PRACTICE:
        return _practice(user, code, pct=pct, field="parties")
    provider = Provider.objects.filter(code=code.strip().upper()).first()
    if provider is None:
        raise _not_found("parties", f"No provider {code}.")
    return provider


def _lead_user(username: str):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise _not_found("parties", f"No active user {username}.")
    return user


def _agreement_out(user, pk: int) -> dict:
    return s.AgreementOutputSerializer(selectors.agreement_get(user=user, pk=pk)).data
