"""The permission matrix: every named route × every role (anonymous, without the capability, out of
scope, in scope). A route with no entry here fails the suite, so new pages cannot skip the check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

from pbc.choices import Role

PCT_STAFF = {Role.PCT_FINANCE, Role.PCT_INFORMATION, Role.PCT_COMMISSIONING}
ALL_ROLES = set(Role)

# Routes that are deliberately public or belong to Django/DRF machinery tested elsewhere.
EXEMPT = {
    "login",
    "logout",
    "healthz",
    "schema",
    "swagger-ui",
    "redoc",
}
EXEMPT_NAMESPACES = {"admin"}


@dataclass
class Route:
    """``kwargs(world, role, in_scope)`` gives URL kwargs; ``None`` for routes without an object."""

    name: str
    roles: set
    api: bool = False
    kwargs: Callable | None = None
    method: str = "get"
    ok_status: int = 200  # what an allowed, in-scope request answers (e.g. 302 after a POST)
    scoped_roles: set = field(default_factory=lambda: set(Role))


def all_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace
                if ns in EXEMPT_NAMESPACES:
                    continue
                walk(p.url_patterns, f"{prefix}{ns}:" if ns else prefix)
            elif isinstance(p, URLPattern) and p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns)
    return {n for n in names if n not in EXEMPT and not n.endswith("api-root") and "-format" not in n}


def registered_routes() -> list[Route]:
    """Every app declares its routes in ``tests/<app>/routes.py``."""
    import importlib

    routes: list[Route] = []
    for app in ("pbc", "activity", "budgets", "applications", "agreements", "freed_resources", "fhir"):
        try:
            module = importlib.import_module(f"tests.{app}.routes")
        except ModuleNotFoundError:
            continue
        routes.extend(module.ROUTES)
    return routes
