"""The permission matrix for writes: every route, every method it handles besides the one the main matrix
checks (a page's POST, an API detail's PUT/PATCH/DELETE, an API list's POST), every role.

Anonymous → sign-in (pages) or 401 (API); a role the route does not admit → 403; an object outside the
user's scope → 404; and none of these refusals changes a row."""

from __future__ import annotations

import json

import pytest
from django.urls import resolve, reverse

from pbc.choices import Role
from tests.drills.conftest import row_counts
from tests.mixins.matrix import registered_routes

WRITE_METHODS = ("post", "put", "patch", "delete")


def handled_methods(url: str) -> set[str]:
    """The HTTP methods the view behind ``url`` answers (class-based pages, APIViews and viewsets)."""
    func = resolve(url).func
    view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
    if view_class is None:
        return {"get"}
    allowed = set(view_class.http_method_names) - {"options", "head", "trace"}
    actions = getattr(func, "actions", None)  # a DRF viewset: its method → action map for this route
    if actions:
        return set(actions) & allowed
    return {m for m in allowed if hasattr(view_class, m)}


def _url(route, world, role, in_scope=True):
    return reverse(route.name, kwargs=route.kwargs(world, role, in_scope) if route.kwargs else {})


ROUTES = registered_routes()


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_writes_are_refused_outside_role_and_scope(route, world, client):
    methods = [m for m in WRITE_METHODS if m in handled_methods(_url(route, world, Role.PCT_FINANCE))]
    methods = [m for m in methods if m != route.method]
    if not methods:
        pytest.skip("no write method beyond the one the main matrix checks")
    # Addresses first: building one may create the object it names.
    inside = {role: _url(route, world, role) for role in world.users}
    outside = {
        role: _url(route, world, role, in_scope=False)
        for role in world.users
        if route.kwargs and role in route.roles and role in route.scoped_roles
    }
    before = row_counts()
    for method in methods:

        def call(url, method=method):
            if route.api:
                return getattr(client, method)(url, json.dumps({}), content_type="application/json")
            return getattr(client, method)(url, {})

        anonymous = call(inside[Role.PCT_FINANCE])
        if route.api:
            assert anonymous.status_code == 401, (method, anonymous.status_code)
        else:
            assert anonymous.status_code == 302 and "/login/" in anonymous["Location"], method

        for role, user in world.users.items():
            client.force_login(user)
            if role not in route.roles:
                response = call(inside[role])
                assert response.status_code == 403, (method, role, response.status_code)
            elif role in outside:
                response = call(outside[role])
                assert response.status_code in (403, 404), (
                    method,
                    role,
                    "out of scope",
                    response.status_code,
                )
            client.logout()
    assert row_counts() == before
