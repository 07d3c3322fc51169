"""One journey per role: sign in, see the role's home page, open a practice in scope, get 404 outside."""

import pytest

from pbc.choices import Role
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser

ROLES = list(Role)


def in_and_out_of_scope(world, role):
    if role == Role.PRACTICE_MANAGER:
        return world.practice, world.neighbour
    if role == Role.LOCALITY_LEAD:
        return world.neighbour, world.far
    return world.far, world.foreign


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_role_journey(role, world, live_server, page):
    user = world.users[role]
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    assert_accessible(page)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("a-test-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    assert Role(role).label in page.get_by_test_id("roles").inner_text()
    assert_accessible(page)

    inside, outside = in_and_out_of_scope(world, role)
    page.goto(f"{live_server.url}/practices/{inside.code}/")
    assert inside.name in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)
    response = page.goto(f"{live_server.url}/practices/{outside.code}/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"


def test_failed_sign_in_says_so(world, live_server, page):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("practice_manager")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    assert "did not match" in page.get_by_role("alert").inner_text()
