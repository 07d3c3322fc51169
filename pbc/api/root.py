"""The API root lists every collection of the API, read from the URL configuration (so a new app's list
appears without anyone keeping a list)."""

from __future__ import annotations

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

API_PREFIX = "api/v1/"
ROOT_NAME = "api-root"


def _names(patterns) -> list[str]:
    names: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            if not p.namespace:  # namespaced includes would need their prefix; the API has none
                names.extend(_names(p.url_patterns))
        elif isinstance(p, URLPattern) and p.name:
            names.append(p.name)
    return names


def collection_routes(urlconf=None) -> dict[str, str]:
    """``{url name: path}`` of every route under ``/api/v1/`` that takes no argument, in path order."""
    names: list[str] = []
    for p in get_resolver(urlconf).url_patterns:
        if isinstance(p, URLResolver) and str(p.pattern) == API_PREFIX:
            names.extend(_names(p.url_patterns))
    routes: dict[str, str] = {}
    for name in dict.fromkeys(names):
        if name == ROOT_NAME:
            continue
        try:
            path = reverse(name, urlconf=urlconf)
        except NoReverseMatch:  # needs an id (a detail or an action on one)
            continue
        if path.startswith("/" + API_PREFIX) and path != "/" + API_PREFIX:
            routes[name] = path
    return dict(sorted(routes.items(), key=lambda item: (item[1], item[0])))
