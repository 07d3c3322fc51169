"""The FHIR R4 facade: every resource it returns parses as R4 (fhir.resources 6.2, FHIR 4.0.1), searches
find what they name, report figures equal the stored report rows to the penny, and scope is the REST API's."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from fhir.resources import construct_fhir_element
from rest_framework.test import APIClient

from budgets.constants import TOTAL
from budgets.models import ReportRow
from fhir_api import builders
from fhir_api.params import SearchError, month_bounds, ods_code
from fhir_api.renderers import dumps
from pbc.choices import ApiTokenScope, Role
from pbc.money import pence_to_decimal
from pbc.services import api_token_issue
from tests.factories.fhir import report_rows
from tests.factories.pbc import PracticeFactory

ODS = builders.ODS_SYSTEM
FIGURE_FIELDS = {code: attr for code, _, attr, _ in builders.FIGURES}


def fhir_get(client, url, **params):
    response = client.get(url, params)
    assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
    return response, json.loads(response.content, parse_float=Decimal)


def valid(data: dict):
    """Parse as its R4 resource type (every entry of a Bundle too); returns the model."""
    model = construct_fhir_element(data["resourceType"], json.loads(dumps(data)))
    for entry in data.get("entry", []):
        construct_fhir_element(entry["resource"]["resourceType"], json.loads(dumps(entry["resource"])))
    return model


def all_pages(client, path, **params):
    """Every resource of a search, following the Bundle's next links."""
    resources, url, seen = [], path, 0
    response, body = fhir_get(client, url, **params)
    while True:
        assert response.status_code == 200, body
        valid(body)
        resources.extend(e["resource"] for e in body["entry"])
        seen += 1
        nxt = [link["url"] for link in body["link"] if link["relation"] == "next"]
        if not nxt or seen > 50:
            break
        response, body = fhir_get(client, nxt[0].removeprefix("http://testserver"))
    assert len(resources) == body["total"]
    return resources


@pytest.fixture
def as_role(world, client):
    def login(role):
        client.force_login(world.users[role])
        return client

    return login


# --- metadata, errors, encoding ----------------------------------------------------------------------


def test_metadata_is_a_capability_statement_of_every_resource_and_search(world, as_role):
    response, body = fhir_get(as_role(Role.PRACTICE_MANAGER), "/fhir/metadata")
    assert response.status_code == 200
    valid(body)
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(resources) == {"Organization", "OrganizationAffiliation", "MeasureReport"}
    assert body["fhirVersion"] == "4.0.1"
    params = {r: {p["name"] for p in res["searchParam"]} for r, res in resources.items()}
    assert {"identifier", "name", "_count", "_page"} <= params["Organization"]
    assert {"participating-organization", "primary-organization"} <= params["OrganizationAffiliation"]
    assert {"subject", "subject:identifier", "period"} <= params["MeasureReport"]


@pytest.mark.parametrize(
    "path",
    ["/fhir/metadata", "/fhir/Organization", "/fhir/Organization/practice-L85001", "/fhir/MeasureReport"],
)
def test_anonymous_and_bad_tokens_get_401_operation_outcomes(world, path):
    for client in (APIClient(), APIClient(HTTP_AUTHORIZATION="Token not-a-real-key")):
        response, body = fhir_get(client, path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"]
        valid(body)
        assert body["issue"][0]["code"] == "login"


def test_errors_are_operation_outcomes(world, as_role):
    client = as_role(Role.PCT_FINANCE)
    for path, params, status, code in [
        ("/fhir/Organization/practice-Z00000", {}, 404, "not-found"),
        ("/fhir/Organization/nonsense", {}, 404, "not-found"),
        ("/fhir/Patient/1", {}, 404, "not-found"),
        ("/fhir/MeasureReport/practice-L85001-2007-13", {}, 404, "not-found"),
        ("/fhir/Organization", {"colour": "blue"}, 400, "invalid"),
        ("/fhir/Organization", {"_count": "many"}, 400, "invalid"),
        ("/fhir/Organization", {"_page": "0"}, 400, "invalid"),
        ("/fhir/Organization", {"_format": "xml"}, 400, "invalid"),
        ("/fhir/MeasureReport", {"period": "after2007"}, 400, "invalid"),
        ("/fhir/MeasureReport", {"period": "ge2007-02-30"}, 400, "invalid"),
        ("/fhir/MeasureReport", {"subject": "Patient/1"}, 400, "invalid"),
        ("/fhir/OrganizationAffiliation", {"primary-organization": "a b"}, 400, "invalid"),
    ]:
        response, body = fhir_get(client, path, **params)
        assert response.status_code == status, (path, params, body)
        valid(body)
        assert body["issue"][0]["code"] == code, (path, params)
    response = client.post("/fhir/Organization", {})
    assert response.status_code == 405
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"


def test_json_is_asked_for_and_fhir_json_is_answered(world, as_role):
    response = as_role(Role.PCT_FINANCE).get("/fhir/metadata", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/fhir+json")


def test_decimals_are_written_exactly_and_floats_refused():
    assert dumps({"v": Decimal("1234.50"), "n": [Decimal("-0.05"), 3, None, True, "£"]}) == (
        '{"v":1234.50,"n":[-0.05,3,null,true,"£"]}'
    )
    assert dumps(builders.money(123450)) == (
        '{"value":1234.50,"unit":"GBP","system":"urn:iso:std:iso:4217","code":"GBP"}'
    )
    with pytest.raises(TypeError):
        dumps({"v": 1234.5})


@pytest.mark.parametrize(
    "value, lookups",
    [
        ("ge2007-05-15", {"month_start__gte": date(2007, 5, 1)}),
        ("gt2007-05-15", {"month_start__gte": date(2007, 5, 1)}),
        ("gt2007-05", {"month_start__gte": date(2007, 6, 1)}),
        ("le2007-05-15", {"month_start__lte": date(2007, 5, 15)}),
        ("le2007-05", {"month_start__lte": date(2007, 5, 31)}),
        ("lt2007-05-15", {"month_start__lt": date(2007, 5, 15)}),
        ("2007-05", {"month_start__gte": date(2007, 5, 1), "month_start__lt": date(2007, 6, 1)}),
        ("eq2007-05-15", {"month_start__gte": date(2007, 5, 15), "month_start__lt": date(2007, 5, 1)}),
        ("2007", {"month_start__gte": date(2007, 1, 1), "month_start__lt": date(2008, 1, 1)}),
        ("ge2007-12", {"month_start__gte": date(2007, 12, 1)}),
    ],
)
def test_period_values_become_month_lookups(value, lookups):
    assert month_bounds(value) == lookups


def test_identifier_tokens():
    assert ods_code(f"{ODS}|l85001") == "L85001"
    assert ods_code("L85001") == "L85001"
    assert ods_code(f"{ODS}|") == ""
    assert ods_code("http://example.org/other|L85001") is None
    with pytest.raises(SearchError):
        ods_code(" ")


# --- Organization and OrganizationAffiliation --------------------------------------------------------


@pytest.mark.parametrize("token", [f"{ODS}|L85001", "L85001", "l85001"])
def test_search_by_ods_identifier_returns_a_bundle_holding_the_practice(world, as_role, token):
    response, body = fhir_get(as_role(Role.PCT_FINANCE), "/fhir/Organization", identifier=token)
    assert response.status_code == 200
    valid(body)
    assert body["type"] == "searchset" and body["total"] == 1
    practice = body["entry"][0]["resource"]
    assert practice["id"] == "practice-L85001"
    assert body["entry"][0]["fullUrl"] == "http://testserver/fhir/Organization/practice-L85001"
    assert practice["identifier"] == [{"system": ODS, "value": "L85001"}]
    assert practice["meta"]["profile"] == [builders.UK_CORE_ORGANIZATION]
    assert practice["partOf"]["reference"] == "Organization/locality-5WV-NORTH"
    assert practice["active"] is True


def test_an_identifier_of_another_system_matches_nothing(world, as_role):
    _, body = fhir_get(as_role(Role.PCT_FINANCE), "/fhir/Organization", identifier="urn:x|L85001")
    assert body["total"] == 0 and body["entry"] == []


def test_every_kind_of_organisation_has_a_stable_unique_id_and_parses(world, as_role):
    PracticeFactory(
        pct=world.pct, locality=None, code="L85009", name="Closed Surgery", close_date=date(2008, 3, 31)
    )
    resources = all_pages(as_role(Role.PCT_FINANCE), "/fhir/Organization", _count="3")
    ids = [r["id"] for r in resources]
    assert len(ids) == len(set(ids))
    assert {"pct-5WV", "locality-5WV-NORTH", "locality-5WV-SOUTH", "practice-L85001", "provider-RD1"} <= set(
        ids
    )
    by_id = {r["id"]: r for r in resources}
    assert "partOf" not in by_id["pct-5WV"] and "partOf" not in by_id["provider-RD1"]
    assert by_id["locality-5WV-NORTH"]["partOf"]["reference"] == "Organization/pct-5WV"
    closed = by_id["practice-L85009"]
    assert closed["active"] is False and closed["partOf"]["reference"] == "Organization/pct-5WV"
    client = as_role(Role.PCT_FINANCE)
    for logical_id, resource in by_id.items():
        response, body = fhir_get(client, f"/fhir/Organization/{logical_id}")
        assert response.status_code == 200 and body == resource
        valid(body)


def test_name_search_contains_any_case_and_pages(world, as_role):
    client = as_role(Role.PCT_FINANCE)
    _, body = fhir_get(client, "/fhir/Organization", name="SURGERY", _count="2")
    assert body["total"] == 3  # Abbey, Bridge, Castle (not the other PCT's practice)
    assert [e["resource"]["name"] for e in body["entry"]] == ["Abbey Surgery", "Bridge Surgery"]
    links = {link["relation"]: link["url"] for link in body["link"]}
    assert "_page=2" in links["next"] and "name=SURGERY" in links["self"]
    _, second = fhir_get(client, links["next"].removeprefix("http://testserver"))
    assert [e["resource"]["name"] for e in second["entry"]] == ["Castle Surgery"]
    assert "next" not in {link["relation"] for link in second["link"]}


def test_organisations_are_scoped_like_the_rest_api(world, as_role):
    client = as_role(Role.PRACTICE_MANAGER)
    ids = {r["id"] for r in all_pages(client, "/fhir/Organization")}
    assert ids == {"pct-5WV", "locality-5WV-NORTH", "practice-L85001", "provider-RD1"}
    assert client.get("/api/v1/practices/L85002/").status_code == 404  # the REST API agrees
    assert fhir_get(client, "/fhir/Organization/practice-L85002")[0].status_code == 404
    lead = as_role(Role.LOCALITY_LEAD)
    ids = {r["id"] for r in all_pages(lead, "/fhir/Organization", name="surgery")}
    assert ids == {"practice-L85001", "practice-L85002"}


def test_affiliations_link_practices_to_localities_and_localities_to_the_pct(world, as_role):
    client = as_role(Role.PCT_FINANCE)
    everything = all_pages(client, "/fhir/OrganizationAffiliation")
    pairs = {
        (r["participatingOrganization"]["reference"], r["organization"]["reference"]) for r in everything
    }
    assert ("Organization/practice-L85001", "Organization/locality-5WV-NORTH") in pairs
    assert ("Organization/locality-5WV-NORTH", "Organization/pct-5WV") in pairs
    assert not any("5XX" in p or "Y99999" in p for pair in pairs for p in pair)

    _, body = fhir_get(
        client, "/fhir/OrganizationAffiliation", **{"primary-organization": "Organization/locality-5WV-NORTH"}
    )
    valid(body)
    assert {e["resource"]["participatingOrganization"]["reference"] for e in body["entry"]} == {
        "Organization/practice-L85001",
        "Organization/practice-L85002",
    }
    _, body = fhir_get(client, "/fhir/OrganizationAffiliation", **{"primary-organization": "pct-5WV"})
    assert {e["resource"]["id"] for e in body["entry"]} == {
        "locality-5WV-NORTH.pct-5WV",
        "locality-5WV-SOUTH.pct-5WV",
    }
    _, body = fhir_get(
        client,
        "/fhir/OrganizationAffiliation",
        **{"participating-organization": "Organization/practice-L85003"},
    )
    assert [e["resource"]["id"] for e in body["entry"]] == ["practice-L85003.locality-5WV-SOUTH"]

    response, read = fhir_get(client, "/fhir/OrganizationAffiliation/practice-L85003.locality-5WV-SOUTH")
    assert response.status_code == 200 and read == body["entry"][0]["resource"]
    valid(read)
    assert (
        fhir_get(client, "/fhir/OrganizationAffiliation/practice-L85003.locality-5WV-NORTH")[0].status_code
        == 404
    )
    practice_manager = as_role(Role.PRACTICE_MANAGER)
    mine = all_pages(practice_manager, "/fhir/OrganizationAffiliation")
    assert {r["id"] for r in mine} == {"practice-L85001.locality-5WV-NORTH", "locality-5WV-NORTH.pct-5WV"}


# --- MeasureReport ------------------------------------------------------------------------------------


def _figures(group: dict) -> dict[str, Decimal]:
    return {
        s["value"]["coding"][0]["code"]: s["measureScore"]["value"] for s in group["stratifier"][0]["stratum"]
    }


def assert_report_equals_rows(report: dict, rows: list[ReportRow]) -> None:
    groups = {g["code"]["coding"][0]["code"]: g for g in report["group"]}
    assert set(groups) == {r.category for r in rows}
    for row in rows:
        group = groups[row.category]
        figures = _figures(group)
        for code, attr in FIGURE_FIELDS.items():
            value = getattr(row, attr)
            if value is None:
                assert code not in figures
            elif code == "variance-percent":
                assert figures[code] == row.variance_pct
            else:
                assert figures[code] == pence_to_decimal(value), (row, code)
                assert figures[code] * 100 == value
        if row.variance_pence is None:
            assert "measureScore" not in group
        else:
            assert group["measureScore"] == {
                "value": pence_to_decimal(row.variance_pence),
                "unit": "GBP",
                "system": "urn:iso:std:iso:4217",
                "code": "GBP",
            }
        if row.activity_count is not None:
            assert group["population"][0]["count"] == row.activity_count


def test_a_measure_report_for_every_practice_month_with_figures_equal_to_the_rows(reported, world, as_role):
    rows = list(ReportRow.objects.filter(level="practice", provider=TOTAL).order_by("pk"))
    assert rows, "the fixture recomputed reports"
    expected: dict[str, list[ReportRow]] = {}
    for row in rows:
        expected.setdefault(builders.measure_report_id(row.practice.code, row.month_start), []).append(row)
    client = as_role(Role.PCT_FINANCE)
    reports = all_pages(client, "/fhir/MeasureReport", _count="7")
    assert {r["id"] for r in reports} == set(expected)
    assert len(reports) == len(expected)
    for report in reports:
        assert_report_equals_rows(report, expected[report["id"]])
        row = expected[report["id"]][0]
        assert report["subject"]["reference"] == f"Organization/practice-{row.practice.code}"
        assert report["period"]["start"] == row.month_start.isoformat()
        assert report["status"] == ("pending" if row.is_future else "complete")
    # Actual spend came from the extract, not only budget: some report carries it.
    assert any("actual" in _figures(g) for r in reports for g in r["group"])
    one = reports[0]
    response, read = fhir_get(client, f"/fhir/MeasureReport/{one['id']}")
    assert response.status_code == 200 and read == one
    valid(read)


def test_money_is_written_as_exact_json_numbers(world, as_role):
    report_rows(world.practice, months=(1,), categories=("NEL",))  # budget 123,451 pence: £1,234.51
    ReportRow.objects.filter(category="NEL", provider=TOTAL).update(budget_pence=123_450)
    response = as_role(Role.PCT_FINANCE).get("/fhir/MeasureReport/practice-L85001-2007-04")
    assert response.status_code == 200
    text = response.content.decode()
    assert '"value":1234.50,"unit":"GBP"' in text
    body = json.loads(text, parse_float=Decimal)
    nel = next(g for g in body["group"] if g["code"]["coding"][0]["code"] == "NEL")
    assert _figures(nel)["budget"] == Decimal("1234.50")
    assert str(_figures(nel)["variance-percent"]) == "-18.9"


def test_measure_reports_search_by_subject_and_period(world, as_role):
    report_rows(world.practice, months=range(1, 13))
    report_rows(world.neighbour, months=(1, 2, 3))
    client = as_role(Role.PCT_FINANCE)
    ids = lambda body: [e["resource"]["id"] for e in body["entry"]]  # noqa: E731

    _, body = fhir_get(client, "/fhir/MeasureReport", subject="Organization/practice-L85002")
    assert ids(body) == [f"practice-L85002-2007-0{m}" for m in (4, 5, 6)]
    _, body = fhir_get(client, "/fhir/MeasureReport", **{"subject:identifier": f"{ODS}|L85002"})
    assert body["total"] == 3
    _, body = fhir_get(
        client, "/fhir/MeasureReport", subject="practice-L85001", period=["ge2007-05-01", "le2007-06"]
    )
    assert ids(body) == ["practice-L85001-2007-05", "practice-L85001-2007-06"]
    _, body = fhir_get(client, "/fhir/MeasureReport", period="2008-03")
    assert ids(body) == ["practice-L85001-2008-03"]
    _, body = fhir_get(client, "/fhir/MeasureReport", period="ge2008-01", _count="2")
    assert body["total"] == 3 and len(body["entry"]) == 2
    _, body = fhir_get(client, "/fhir/MeasureReport", subject="Organization/pct-5WV")
    assert body["total"] == 0
    _, body = fhir_get(client, "/fhir/MeasureReport", _count="0")
    assert body["total"] == 15 and body["entry"] == []


@pytest.mark.parametrize(
    "role, visible",
    [
        (Role.PRACTICE_MANAGER, {"L85001"}),
        (Role.LOCALITY_LEAD, {"L85001", "L85002"}),
        (Role.PCT_FINANCE, {"L85001", "L85002", "L85003"}),
        (Role.AUDITOR, {"L85001", "L85002", "L85003"}),
        (Role.API_CLIENT, {"L85001", "L85002", "L85003"}),
    ],
)
def test_measure_reports_are_scoped_per_role(world, as_role, role, visible):
    for practice in (world.practice, world.neighbour, world.far, world.foreign):
        report_rows(practice)
    client = as_role(role)
    reports = all_pages(client, "/fhir/MeasureReport")
    assert {r["subject"]["identifier"]["value"] for r in reports} == visible
    for code in ("L85001", "L85002", "L85003", "Y99999"):
        response, body = fhir_get(client, f"/fhir/MeasureReport/practice-{code}-2007-04")
        assert response.status_code == (200 if code in visible else 404), (code, body)
        _, found = fhir_get(client, "/fhir/MeasureReport", subject=f"Organization/practice-{code}")
        assert found["total"] == (1 if code in visible else 0)


def test_token_clients_read_through_their_roles_scope(world):
    """API tokens belong to API-client roles, which work across their PCT (the service refuses a token for
    any other role): such a client reads its PCT's reports and nothing of another PCT's."""
    _, key = api_token_issue(
        user=world.users[Role.API_CLIENT], name="Trust reporting", scope=ApiTokenScope.READ
    )
    for practice in (world.practice, world.foreign):
        report_rows(practice)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    response, body = fhir_get(client, "/fhir/MeasureReport")
    assert response.status_code == 200 and body["total"] == 1
    assert body["entry"][0]["resource"]["subject"]["identifier"]["value"] == "L85001"
    assert fhir_get(client, "/fhir/MeasureReport/practice-Y99999-2007-04")[0].status_code == 404
    assert fhir_get(client, "/fhir/Organization/practice-Y99999")[0].status_code == 404
    assert fhir_get(client, "/fhir/Organization/provider-RD1")[0].status_code == 200


def test_search_query_counts_do_not_grow_with_the_data(world, as_role, django_assert_max_num_queries):
    for i in range(30):
        PracticeFactory(pct=world.pct, locality=world.south, code=f"L86{i:03d}", name=f"Extra Surgery {i}")
    for practice in (world.practice, world.neighbour, world.far):
        report_rows(practice, months=range(1, 13), categories=("NEL", "OPFA", "EL"))
    client = as_role(Role.PCT_FINANCE)
    client.get("/fhir/metadata")  # the session and scope are loaded per request; warm nothing else
    for path, params in [
        ("/fhir/Organization", {"_count": "100"}),
        ("/fhir/Organization", {"name": "surgery", "_count": "100"}),
        ("/fhir/OrganizationAffiliation", {"_count": "100"}),
        ("/fhir/MeasureReport", {"_count": "100"}),
        ("/fhir/MeasureReport", {"subject": "practice-L85001", "period": "ge2007-06"}),
    ]:
        with django_assert_max_num_queries(14):
            response = client.get(path, params)
        assert response.status_code == 200
    _, body = fhir_get(client, "/fhir/MeasureReport", _count="100")
    assert body["total"] == 36 and len(body["entry"]) == 36
