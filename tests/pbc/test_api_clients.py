"""What API clients get: token scopes, throttling, CSV for every list, and a schema that documents
every operation's errors."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from pbc.api.schema import REQUIRED_ERRORS
from pbc.choices import ApiTokenScope, Role
from pbc.exceptions import ApplicationError
from pbc.models import ApiToken, Practice
from pbc.services import api_token_issue
from tests.factories.pbc import ListSizeFactory
from tests.mixins.matrix import registered_routes

NEW_PRACTICE = {"code": "L85999", "name": "New Surgery", "locality": "5WV-NORTH"}


@pytest.fixture
def api():
    return APIClient()


def with_token(api, world, role, scope):
    _, key = api_token_issue(user=world.users[role], name="Tracker", scope=scope)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


# --- token scopes ---------------------------------------------------------------------------------


def test_read_token_is_refused_every_change_whatever_the_role(world, api):
    with_token(api, world, Role.API_CLIENT_WRITE, ApiTokenScope.READ)
    assert api.get(reverse("practice-list")).status_code == 200
    for method in ("post", "patch", "put", "delete"):
        response = getattr(api, method)(reverse("practice-list"), NEW_PRACTICE, format="json")
        assert response.status_code == 403, method
        assert response.json() == {
            "message": "This API token may only read. Ask for a read-write token to make changes "
            "(issue_api_token --scope read-write).",
            "errors": {},
            "extra": {},
        }
    assert not Practice.objects.filter(code="L85999").exists()


def test_read_write_token_changes_what_the_role_allows(world, api):
    with_token(api, world, Role.API_CLIENT_WRITE, ApiTokenScope.READ_WRITE)
    response = api.post(reverse("practice-list"), NEW_PRACTICE, format="json")
    assert response.status_code == 201, response.content
    assert Practice.objects.filter(code="L85999").exists()


def test_read_write_token_needs_the_write_role(world):
    with pytest.raises(ApplicationError, match="may only read through the API"):
        api_token_issue(user=world.users[Role.API_CLIENT], name="x", scope=ApiTokenScope.READ_WRITE)
    token, _ = api_token_issue(user=world.users[Role.API_CLIENT], name="x")
    assert token.scope == ApiTokenScope.READ


def test_command_issues_scoped_tokens_and_revokes_them(world, capsys):
    call_command("issue_api_token", "api_client_write", "--scope", "read-write", "--name", "Tracker")
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("Read and write token for api_client_write (Tracker)")
    key = out[-1]
    token = ApiToken.objects.get(prefix=key[:8])
    assert token.scope == ApiTokenScope.READ_WRITE and token.history.count() == 1
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post(reverse("practice-list"), NEW_PRACTICE, format="json").status_code == 201
    call_command("issue_api_token", "api_client_write")  # read is the default
    assert ApiToken.objects.order_by("-pk").first().scope == ApiTokenScope.READ
    call_command("issue_api_token", "--revoke", key[:8])
    assert client.get(reverse("practice-list")).status_code == 401


def test_keys_never_start_with_a_dash(world, monkeypatch):
    # token_urlsafe draws "-" first about once in 64 keys; the CLI would read such a prefix as an option.
    drawn = iter(["-dashfirst" + "a" * 33, "_underscore" + "b" * 32, "Good" + "c" * 39])
    monkeypatch.setattr("pbc.services.secrets.token_urlsafe", lambda n: next(drawn))
    token, key = api_token_issue(user=world.users[Role.API_CLIENT], name="Tracker")
    assert key.startswith("Good") and token.prefix == key[:8]


def test_admin_shows_the_scope(world, admin_client):
    api_token_issue(user=world.users[Role.API_CLIENT_WRITE], name="Tracker", scope=ApiTokenScope.READ_WRITE)
    page = admin_client.get(reverse("admin:pbc_apitoken_changelist"))
    assert page.status_code == 200
    assert "Read and write" in page.content.decode()


# --- throttling -----------------------------------------------------------------------------------

LOW_RATES = {"client": "3/minute", "anon": "2/minute"}


@pytest.fixture
def low_rates(settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": LOW_RATES}
    yield
    cache.clear()


def test_each_client_has_its_own_allowance_and_429_says_when_to_retry(world, api, low_rates):
    with_token(api, world, Role.API_CLIENT, ApiTokenScope.READ)
    for _ in range(3):
        assert api.get(reverse("pct-list")).status_code == 200
    throttled = api.get(reverse("pct-list"))
    assert throttled.status_code == 429
    wait = int(throttled["Retry-After"])
    assert 0 < wait <= 60
    assert throttled.json() == {
        "message": f"Too many requests: try again in {wait} seconds.",
        "errors": {},
        "extra": {"retry_after": wait},
    }
    other = APIClient()  # another client, even of the same organisation, is not held back
    with_token(other, world, Role.API_CLIENT_WRITE, ApiTokenScope.READ)
    assert other.get(reverse("pct-list")).status_code == 200


def test_token_guessing_is_held_to_the_stricter_anonymous_rate(db, api, low_rates):
    api.credentials(HTTP_AUTHORIZATION="Token guessed-key")
    statuses = [api.get(reverse("pct-list")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_rates_come_from_the_environment():
    from django.conf import settings

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(rates) == {"client", "anon"}


# --- CSV ------------------------------------------------------------------------------------------

# Lists that answer without query parameters (one that needs e.g. ?practice= answers 400 in the matrix).
LIST_ROUTES = [
    r
    for r in registered_routes()
    if r.api and r.name.endswith("-list") and r.kwargs is None and r.ok_status == 200
]


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_every_list_route_is_covered():
    assert len(LIST_ROUTES) >= 20


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda r: r.name)
def test_every_list_answers_csv_with_all_its_scoped_rows(route, world, api):
    role = Role.PRACTICE_MANAGER if Role.PRACTICE_MANAGER in route.roles else Role.PCT_FINANCE
    api.force_authenticate(world.users[role])
    url = reverse(route.name)
    as_json = api.get(url, {"page_size": 1000}).json()
    expected = as_json["count"] if isinstance(as_json, dict) and "count" in as_json else len(as_json)
    for response in (api.get(url, {"format": "csv"}), api.get(url, HTTP_ACCEPT="text/csv")):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith("attachment;")
        assert len(read_csv(response)) == expected


def test_csv_streams_every_row_not_one_page_and_only_in_scope(world, api):
    from tests.factories.pbc import PracticeFactory

    for _ in range(4):
        PracticeFactory(pct=world.pct, locality=world.north)
    api.force_authenticate(world.users[Role.LOCALITY_LEAD])
    rows = read_csv(
        api.get(reverse("practice-list"), {"format": "csv", "page_size": 2, "locality": "5WV-NORTH"})
    )
    assert len(rows) == 6 and {r["locality"] for r in rows} == {"5WV-NORTH"}
    api.force_authenticate(world.users[Role.PRACTICE_MANAGER])
    rows = read_csv(api.get(reverse("practice-list"), {"format": "csv"}))
    assert [r["code"] for r in rows] == ["L85001"]


def test_csv_neutralises_formulas_and_keeps_numbers(world, api):
    world.practice.name = '=HYPERLINK("http://evil")'
    world.practice.save()
    ListSizeFactory(practice=world.practice, patients=1234)
    api.force_authenticate(world.users[Role.PRACTICE_MANAGER])
    rows = read_csv(api.get(reverse("practice-list"), {"format": "csv"}))
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil")'
    sizes = read_csv(api.get(reverse("list-size-list"), {"format": "csv"}))
    assert sizes[0]["patients"] == "1234" and sizes[0]["practice"] == "L85001"


def test_money_in_csv_is_pounds_with_two_decimals():
    from pbc.api.renderers import CsvRenderer

    body = CsvRenderer().render([{"practice": "L85001", "budget": "-1234.50", "note": "-not a number"}])
    lines = body.decode("utf-8-sig").splitlines()
    assert lines == ["practice,budget,note", "L85001,-1234.50,'-not a number"]


def test_errors_stay_json_when_csv_is_asked_for(world, api):
    api.force_authenticate(world.users[Role.PRACTICE_MANAGER])
    response = api.get(reverse("practice-detail", kwargs={"code": "L85003"}), {"format": "csv"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Not found, or not in your scope.", "errors": {}, "extra": {}}


def test_writes_answer_json_even_when_csv_is_asked_for(world, api):
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    for extra in ({"QUERY_STRING": "format=csv"}, {"HTTP_ACCEPT": "text/csv"}):
        response = api.post(reverse("practice-list"), {"code": "bad"}, format="json", **extra)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert "code" in response.json()["errors"]


def test_csv_query_count_does_not_grow_with_rows(world, api, django_assert_max_num_queries):
    from tests.factories.pbc import PracticeFactory

    for _ in range(30):
        PracticeFactory(pct=world.pct, locality=world.north)
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    with django_assert_max_num_queries(8):
        rows = read_csv(api.get(reverse("practice-list"), {"format": "csv"}))
    assert len(rows) == 33


# --- the schema -----------------------------------------------------------------------------------


@pytest.fixture
def openapi(world, client):
    client.force_login(world.users[Role.PCT_FINANCE])
    return client.get(reverse("schema"), {"format": "json"}).json()


def operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_every_operation_documents_its_error_bodies(openapi):
    missing = []
    for path, method, operation in operations(openapi):
        kind = "read" if method == "get" else "write"
        responses = operation["responses"]
        for code in REQUIRED_ERRORS[kind]:
            body = responses.get(code, {}).get("content", {}).get("application/json", {})
            if body.get("schema", {}).get("$ref") != "#/components/schemas/Error" or not body.get("examples"):
                missing.append(f"{method.upper()} {path} {code}")
    assert not missing, missing
    assert openapi["components"]["schemas"]["Error"]["required"] == ["errors", "extra", "message"]


def test_every_read_documents_csv_and_writes_do_not(openapi):
    for path, method, operation in operations(openapi):
        ok = [c for c in operation["responses"] if c.startswith("2")]
        for code in ok:
            has_csv = "text/csv" in operation["responses"][code].get("content", {})
            assert has_csv == (method == "get"), (method, path, code)
        for code in set(operation["responses"]) - set(ok):
            assert list(operation["responses"][code]["content"]) == ["application/json"], (path, code)


def test_money_is_documented_as_pounds_strings(openapi):
    money = [
        (name, field, prop)
        for name, component in openapi["components"]["schemas"].items()
        for field, prop in component.get("properties", {}).items()
        if prop.get("pattern") == r"^-?\d+\.\d{2}$"
    ]
    assert len(money) > 20
    assert all(prop["type"] == "string" and prop.get("example") for _, _, prop in money)
    pence = [
        f"{name}.{field}"
        for name, component in openapi["components"]["schemas"].items()
        for field in component.get("properties", {})
        if field.endswith("_pence")
    ]
    assert not pence, f"money must be pounds strings, not pence: {pence}"


# --- imports (the import pages' resource) ---------------------------------------------------------


def test_imports_upload_and_list_through_the_api(world, api, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pbc.models import ImportRun, ListSize

    api.force_authenticate(world.users[Role.PCT_INFORMATION])
    data = b"CODE,NUMBER_OF_PATIENTS,EXTRACT_DATE\nL85001,6120,2024-04-01\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("import-run-list"),
            {"kind": "list_sizes", "file": SimpleUploadedFile("sizes.csv", data)},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    assert (response.json()["status"], response.json()["pct"]) == ("pending", "5WV")
    run = api.get(response["Location"]).json()
    assert (run["kind"], run["status"], run["rows_imported"]) == ("list_sizes", "succeeded", 1)
    assert ListSize.objects.get(practice=world.practice).patients == 6120
    listed = api.get(reverse("import-run-list")).json()
    assert [r["id"] for r in listed["results"]] == [run["id"]]

    empty = api.post(
        reverse("import-run-list"),
        {"kind": "list_sizes", "file": SimpleUploadedFile("empty.csv", b"")},
        format="multipart",
    )
    assert empty.status_code == 400 and "file" in empty.json()["errors"]
    assert ImportRun.objects.count() == 1
    api.force_authenticate(world.users[Role.AUDITOR])
    refused = api.post(reverse("import-run-list"), {"kind": "list_sizes"}, format="multipart")
    assert refused.status_code == 403


def test_register_of_interests_and_notifications_are_scoped(world, api, django_assert_max_num_queries):
    from applications.models import Notification
    from tests.factories.applications import InterestFactory

    pec = world.users[Role.PEC_MEMBER]
    for practice in (world.practice, world.far):
        InterestFactory(pct=world.pct, member=pec, practice=practice)
    InterestFactory(pct=world.other_pct, member=pec, practice=world.foreign)
    Notification.objects.create(user=pec, kind="decision", key="k1", subject="Submitted", body="b")
    api.force_authenticate(pec)
    with django_assert_max_num_queries(6):
        interests = api.get(reverse("interest-list")).json()
    assert sorted(r["practice"] for r in interests["results"]) == ["L85001", "L85003"]
    assert [n["subject"] for n in api.get(reverse("notification-list")).json()["results"]] == ["Submitted"]
    rows = read_csv(api.get(reverse("interest-list"), {"format": "csv", "practice": "ignored"}))
    assert len(rows) == 2 and rows[0]["member"] == "pec_member"
    api.force_authenticate(world.users[Role.AUDITOR])
    assert api.get(reverse("notification-list")).json()["count"] == 0  # only one's own
