"""Navigation shown in the page header: only the sections a user may open."""

from __future__ import annotations

from django.urls import reverse

NAV_ITEMS: list[tuple[str, str, str | None]] = [
    ("Home", "home", None),
    ("Practices", "pbc:practice_list", "pbc.view_practice"),
    ("Localities", "pbc:locality_list", "pbc.view_locality"),
    ("Providers", "pbc:provider_list", "pbc.view_provider"),
    ("Imports", "pbc:import_list", "pbc.view_importrun"),
]


def register_nav(label: str, url_name: str, perm: str | None) -> None:
    """Domain apps add their sections here from ``AppConfig.ready``."""
    if (label, url_name, perm) not in NAV_ITEMS:
        NAV_ITEMS.append((label, url_name, perm))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for label, url_name, perm in NAV_ITEMS:
        if perm is None or user.has_perm(perm):
            url = reverse(url_name)
            active = path == url if url == "/" else path.startswith(url)
            items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
