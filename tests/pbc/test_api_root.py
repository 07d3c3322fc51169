"""The API root lists every collection of the API, read from the URL configuration: nothing to keep by hand."""

from urllib.parse import urlparse

import yaml
from django.urls import reverse

from pbc.choices import Role


def _root(client, world):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    response = client.get(reverse("api-root"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_root_lists_every_collection_path_of_the_openapi_schema(world, client):
    root = _root(client, world)
    paths = {urlparse(url).path for url in root.values()}
    schema = yaml.safe_load(client.get(reverse("schema")).content)
    collections = {p for p in schema["paths"] if p.startswith("/api/v1/") and "{" not in p}
    assert len(collections) > 40
    assert collections - paths == set()
    assert paths - collections == set(), "the root names an address the schema does not describe"


def test_root_entries_are_named_absolute_urls_that_answer(world, client):
    root = _root(client, world)
    assert root["practice-list"] == "http://testserver/api/v1/practices/"
    assert root["report-row-list"] == "http://testserver/api/v1/reports/"
    assert root["application-list"] == "http://testserver/api/v1/applications/"
    assert "api-root" not in root and not any("{" in u or "<" in u for u in root.values())
    assert not any("/fhir/" in u for u in root.values())
    assert client.get(urlparse(root["provider-list"]).path).status_code == 200


def test_root_needs_authentication(world, client):
    assert client.get(reverse("api-root")).status_code == 401


def test_fhir_facade_is_not_in_the_openapi_schema(world, client):
    client.force_login(world.users[Role.PCT_FINANCE])
    schema = yaml.safe_load(client.get(reverse("schema")).content)
    assert not any(p.startswith("/fhir") for p in schema["paths"])
