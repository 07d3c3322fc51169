"""Bad form values on every page: each form a page shows (filters and writes alike) is sent back with
hostile values in every field, by a user allowed to use it. Nothing may answer a server error, and a write
that is refused shows why."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import reverse

from pbc.choices import Role
from tests.mixins.matrix import registered_routes

# Each round fills every field of the form with one of these.
BAD_VALUES = {
    "formula": '=HYPERLINK("http://evil.example/","x")',
    "negative": "-1",
    "words": "not a number or a date",
    "huge": "9" * 40,
    "null_byte": "abc\x00def",
    "impossible_date": "2007-13-45",
}
# Users tried in this order: the first one the route allows fills its forms.
ROLE_ORDER = [
    Role.PCT_FINANCE,
    Role.PCT_INFORMATION,
    Role.PCT_COMMISSIONING,
    Role.PEC_MEMBER,
    Role.BOARD_MEMBER,
    Role.PROJECT_GROUP,
    Role.LOCALITY_LEAD,
    Role.PRACTICE_MANAGER,
    Role.AUDITOR,
]
# Pages a signed-in role of the list can open (the API client roles have no pages to fill in).
PAGES = [r for r in registered_routes() if not r.api and r.method == "get" and set(ROLE_ORDER) & r.roles]


class _Forms(HTMLParser):
    """Forms on a page: method, action and the names of their fields (files and the CSRF token aside)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "fields": [],
                "multipart": "multipart" in (a.get("enctype") or ""),
            }
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea") and self._current is not None:
            name = a.get("name")
            kind = (a.get("type") or "").lower()
            if name and name != "csrfmiddlewaretoken" and kind not in ("file", "submit", "button", "image"):
                self._current["fields"].append(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_on(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [f for f in parser.forms if f["fields"]]


@pytest.mark.parametrize("route", PAGES, ids=lambda r: r.name)
def test_hostile_values_in_every_form_never_break_a_page(route, world, client):
    role = next(r for r in ROLE_ORDER if r in route.roles)
    client.force_login(world.users[role])
    url = reverse(route.name, kwargs=route.kwargs(world, role, True) if route.kwargs else {})
    page = client.get(url, follow=True)
    assert page.status_code == 200, page.status_code
    url = page.request["PATH_INFO"]  # where a redirecting page (a home that picks a default) ended up
    if "text/html" not in page.get("Content-Type", ""):
        pytest.skip("not an HTML page (a download): it has no form to fill")
    forms = forms_on(page.content.decode())
    if not forms:
        pytest.skip("this page shows no form with fields")
    for form in forms:
        target = urlsplit(urljoin(url, form["action"] or url))
        if target.netloc or not target.path.startswith("/") or "logout" in target.path:
            continue
        for label, value in BAD_VALUES.items():
            data = dict.fromkeys(form["fields"], value)
            with transaction.atomic():  # each round meets the page's original state
                if form["method"] == "post":
                    response = client.post(target.path, data)
                else:
                    response = client.get(target.path, data)
                transaction.set_rollback(True)
            assert response.status_code < 500, (form["action"], form["method"], label, response.status_code)
            if form["method"] == "post" and response.status_code == 200:
                body = response.content.decode()
                assert any(
                    sign in body for sign in ("invalid-feedback", "errorlist", "alert-danger", "is-invalid")
                ), (target.path, label, "a refused write must say why")
