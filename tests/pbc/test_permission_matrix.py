"""anonymous → sign-in (pages) or 401 (API); no capability → 403; out of scope → 404; in scope → 200."""

import pytest
from django.urls import reverse

from pbc.choices import Role
from tests.mixins.matrix import all_route_names, registered_routes

ROUTES = registered_routes()


def test_every_route_has_a_matrix_entry():
    missing = all_route_names() - {r.name for r in ROUTES}
    assert not missing, f"routes without a permission-matrix entry: {sorted(missing)}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_route_permissions(route, world, client):
    def url(role, in_scope=True):
        kwargs = route.kwargs(world, role, in_scope) if route.kwargs else {}
        return reverse(route.name, kwargs=kwargs)

    call = getattr(client, route.method)
    anonymous = call(url(Role.PCT_FINANCE))
    if route.api:
        assert anonymous.status_code == 401, anonymous.content
    else:
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]

    for role, user in world.users.items():
        client.force_login(user)
        response = call(url(role))
        if role in route.roles:
            assert response.status_code == route.ok_status, (role, response.status_code)
            if route.kwargs and role in route.scoped_roles:
                outside = call(url(role, in_scope=False))
                assert outside.status_code == 404, (role, "out of scope", outside.status_code)
        else:
            assert response.status_code == 403, (role, response.status_code)
        client.logout()
