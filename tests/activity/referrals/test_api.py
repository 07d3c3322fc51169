"""GET /api/v1/referral-rates/: the rows, their filters and the caller's scope (users and tokens)."""

from django.urls import reverse
from rest_framework.test import APIClient

from pbc.choices import Role
from pbc.services import api_token_issue

URL = reverse("referral-rate-list")


def _get(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(URL, {"financial_year": "2007/08", **params})


def test_rows_have_the_interface_shape_and_the_hand_counted_figures(op_published, world):
    body = _get(world.users[Role.PCT_FINANCE]).json()
    assert body["count"] == 8
    row = next(
        r
        for r in body["results"]
        if (r["practice"], r["specialty"], r["month"]) == ("L85001", "330", "2007-05")
    )
    assert {k: row[k] for k in ("practice", "specialty", "month", "source", "referrals", "list_size", "rate_per_1000")} == {
        "practice": "L85001", "specialty": "330", "month": "2007-05", "source": "gp", "referrals": 3,
        "list_size": 4100, "rate_per_1000": "0.73",
    }  # fmt: skip
    assert row["peer_median"] == "0.00" and row["funnel_pct"] in (
        "within 95%",
        "between 95% and 99.8%",
        "beyond 99.8%",
    )
    assert row["origin"] == "outpatients"


def test_filters(op_published, world):
    user = world.users[Role.PCT_COMMISSIONING]
    gp = _get(user, source="gp").json()
    assert gp["count"] == 6 and {r["source"] for r in gp["results"]} == {"gp"}
    assert sum(r["referrals"] for r in gp["results"]) == 8
    one = _get(user, practice="l85001", specialty="330", source="gp").json()
    assert [(r["practice"], r["month"], r["referrals"]) for r in one["results"]] == [("L85001", "2007-05", 3)]
    assert _get(user, financial_year="2006/07").json()["count"] == 0


def test_practice_user_sees_its_own_practice_only(op_published, world):
    manager = world.users[Role.PRACTICE_MANAGER]
    own = _get(manager).json()
    assert own["count"] == 4 and {r["practice"] for r in own["results"]} == {"L85001"}
    other = _get(
        manager, practice="L85002"
    )  # another practice's code: an empty list, as activity lines answer
    assert other.status_code == 200 and other.json()["count"] == 0
    lead = _get(world.users[Role.LOCALITY_LEAD]).json()
    assert {r["practice"] for r in lead["results"]} == {"L85001", "L85002"}  # north only


def test_a_token_reads_through_the_same_scope(op_published, world):
    # API client roles work across their PCT (a practice cannot hold one): the token's user's scope.
    _, key = api_token_issue(user=world.users[Role.API_CLIENT], name="Tracker")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    by_token = client.get(URL, {"financial_year": "2007/08", "practice": "L85003"}).json()
    assert {r["practice"] for r in by_token["results"]} == {"L85003"} and by_token["count"] == 2
    assert client.get(URL, {"financial_year": "2007/08", "practice": "Y99999"}).json()["count"] == 0


def test_bad_parameters_are_400_with_field_errors(world):
    user = world.users[Role.PCT_FINANCE]
    response = _get(user, financial_year="2003-04", source="hospital")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"financial_year", "source"}


def test_the_page_shows_funnel_positions_and_downloads_csv(op_published, world, client):
    client.force_login(world.users[Role.PCT_INFORMATION])
    page = client.get(reverse("activity:referral_rate_list"), {"financial_year": "2007/08"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-practice="L85003"' in html and 'data-funnel="pct"' in html and "0.13" in html
    csv = client.get(reverse("activity:referral_rate_list"), {"financial_year": "2007/08", "export": "csv"})
    lines = b"".join(csv.streaming_content).decode().lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("Practice,Locality,Specialty,Month,Source,Referrals") and len(lines) == 9


def test_query_count_does_not_grow_with_the_rows(op_published, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = world.users[Role.PCT_FINANCE]
    with CaptureQueriesContext(connection) as one_practice:
        _get(user, practice="L85003")
    with django_assert_max_num_queries(len(one_practice.captured_queries)):
        assert _get(user).json()["count"] == 8
