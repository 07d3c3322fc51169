import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from pbc.choices import Role
from pbc.models import ApiToken, ListSize, Practice
from pbc.services import api_token_issue, api_token_revoke
from tests.factories.pbc import PracticeFactory


@pytest.fixture
def api():
    return APIClient()


def token_for(world, role):
    _, key = api_token_issue(user=world.users[role], name="Reporting")
    return key


def test_token_auth_and_revocation(world, api):
    key = token_for(world, Role.API_CLIENT)
    assert ApiToken.objects.get().key_hash != key  # only the hash is kept
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("practice-list")).status_code == 200
    api_token_revoke(token=ApiToken.objects.get())
    response = api.get(reverse("practice-list"))
    assert response.status_code == 401
    assert response.json()["message"] == "The token is not valid or has been revoked."
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(reverse("practice-list")).status_code == 401


def test_tokens_only_for_api_clients(world):
    from pbc.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        api_token_issue(user=world.users[Role.PRACTICE_MANAGER], name="x")


def test_issue_token_command(world, capsys):
    call_command("issue_api_token", "api_client", "--name", "SUS reporting")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(reverse("practice-list")).status_code == 200
    call_command("issue_api_token", "--revoke", key[:8])
    assert client.get(reverse("practice-list")).status_code == 401


def test_practice_list_is_scoped(world, api):
    api.force_authenticate(world.users[Role.PRACTICE_MANAGER])
    codes = [p["code"] for p in api.get(reverse("practice-list")).json()["results"]]
    assert codes == ["L85001"]
    api.force_authenticate(world.users[Role.LOCALITY_LEAD])
    codes = [p["code"] for p in api.get(reverse("practice-list")).json()["results"]]
    assert codes == ["L85001", "L85002"]
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    codes = [p["code"] for p in api.get(reverse("practice-list")).json()["results"]]
    assert codes == ["L85001", "L85002", "L85003"]  # not the other PCT's Y99999


def test_filters_shared_with_pages(world, api):
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    codes = [
        p["code"] for p in api.get(reverse("practice-list"), {"locality": "5wv-south"}).json()["results"]
    ]
    assert codes == ["L85003"]
    codes = [p["code"] for p in api.get(reverse("practice-list"), {"q": "bridge"}).json()["results"]]
    assert codes == ["L85002"]


def test_write_needs_write_rights(world, api):
    payload = {"code": "L85050", "name": "New Surgery", "locality": "5WV-NORTH"}
    api.force_authenticate(world.users[Role.API_CLIENT])
    assert api.post(reverse("practice-list"), payload, format="json").status_code == 403
    api.force_authenticate(world.users[Role.PRACTICE_MANAGER])
    assert api.post(reverse("practice-list"), payload, format="json").status_code == 403
    api.force_authenticate(world.users[Role.API_CLIENT_WRITE])
    response = api.post(reverse("practice-list"), payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "code": "L85050", "name": "New Surgery", "pct": "5WV", "locality": "5WV-NORTH", "postcode": "",
        "open_date": None, "close_date": None, "current_list_size": None,
    }  # fmt: skip
    assert Practice.history.filter(code="L85050", history_user=world.users[Role.API_CLIENT_WRITE]).exists()


def test_bad_input_is_400_with_field_messages_and_nothing_saved(world, api):
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    response = api.post(reverse("practice-list"), {"code": "V81999", "name": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "The request has invalid values."
    assert set(body["errors"]) == {"code", "name"}
    response = api.post(reverse("practice-list"), {"code": "L85001", "name": "Dup"}, format="json")
    assert response.status_code == 400 and "already exists" in response.json()["message"]
    response = api.post(reverse("practice-list"), data="{not json", content_type="application/json")
    assert response.status_code == 400
    response = api.post(
        reverse("list-size-list"),
        {"practice": "L85001", "extract_date": "2024-13-01", "patients": -1},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()["errors"]) == {
        "extract_date",
        "patients",
    }
    assert Practice.objects.count() == 4 and ListSize.objects.count() == 0


def test_update_and_out_of_scope_write(world, api):
    api.force_authenticate(world.users[Role.PCT_COMMISSIONING])
    url = reverse("practice-detail", kwargs={"code": "L85002"})
    response = api.patch(url, {"name": "Bridge Street Surgery", "locality": "5WV-SOUTH"}, format="json")
    assert response.status_code == 200 and response.json()["locality"] == "5WV-SOUTH"
    foreign = reverse("practice-detail", kwargs={"code": "Y99999"})
    assert api.patch(foreign, {"name": "Hijack"}, format="json").status_code == 404
    assert Practice.objects.get(code="Y99999").name != "Hijack"


def test_list_size_post_scoped(world, api):
    api.force_authenticate(world.users[Role.API_CLIENT_WRITE])
    ok = api.post(
        reverse("list-size-list"),
        {"practice": "L85001", "extract_date": "2024-04-01", "patients": 6100},
        format="json",
    )
    assert ok.status_code == 201 and ok.json() == {
        "practice": "L85001",
        "extract_date": "2024-04-01",
        "patients": 6100,
    }
    foreign = api.post(
        reverse("list-size-list"),
        {"practice": "Y99999", "extract_date": "2024-04-01", "patients": 1},
        format="json",
    )
    assert foreign.status_code == 404


def test_practice_list_query_count_is_bounded(world, api, django_assert_max_num_queries):
    for _ in range(30):
        PracticeFactory(pct=world.pct, locality=world.north)
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    with django_assert_max_num_queries(6):
        response = api.get(reverse("practice-list"))
    assert response.json()["count"] == 33


def test_schema_and_docs_render(world, client):
    client.force_login(world.users[Role.PCT_FINANCE])
    schema = client.get(reverse("schema"))
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/practices/{code}/" in text and "ErrorResponse" not in text
    assert client.get(reverse("swagger-ui")).status_code == 200
    assert client.get(reverse("redoc")).status_code == 200


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"extract_date": "9999-12-31", "patients": 6100}, "extract_date"),
        ({"extract_date": "2024-04-01", "patients": 0}, "patients"),
    ],
)
def test_list_sizes_far_in_the_future_or_empty_are_field_errors(world, api, values, field):
    api.force_authenticate(world.users[Role.API_CLIENT_WRITE])
    response = api.post(reverse("list-size-list"), {"practice": "L85001", **values}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == [field]
    assert ListSize.objects.count() == 0
