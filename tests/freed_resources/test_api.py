"""The calculation endpoint and the calculator page give every DOMAIN.md figure exactly; the scoped API;
bad input is refused with a clear message and nothing posted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from freed_resources.models import Declaration, LedgerEntry, SchemeSetting
from pbc.choices import Role
from tests.factories.freed_resources import confirmed_declaration, fy, published_budgets, report_figures
from tests.freed_resources.test_splits import BANES_TABLE

pytestmark = pytest.mark.django_db

CALC = "freed-calculation"


def money(pounds: int) -> str:
    return f"{pounds}.00"


@pytest.fixture
def api(client, world):
    client.force_login(world.users[Role.API_CLIENT])
    return client


def calculate(api, **body):
    return api.post(reverse(CALC), body, content_type="application/json")


@pytest.mark.parametrize(("freed", "practices", "pct", "returned"), BANES_TABLE, ids=lambda v: str(v))
def test_banes_table_through_the_endpoint(api, freed, practices, pct, returned):
    response = calculate(api, scheme="banes", amount=money(freed))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["practices"], body["pct"], body["returned_for_investment"]) == (
        money(practices),
        money(pct),
        money(returned),
    )
    assert body["amount"] == money(freed)


@pytest.mark.parametrize(
    ("freed", "returned", "practices", "pct"),
    [
        ("250000.00", "10000.00", "168000.00", "72000.00"),  # DOMAIN.md's worked example between rows
        ("50000.00", "0.00", "35000.00", "15000.00"),  # below the first non-zero point
        ("1500000.00", "400000.00", "770000.00", "330000.00"),  # beyond the table: capped, rest 70/30
        ("350000.01", "35000.00", "220500.01", "94500.00"),  # between rows, penny residue to the PCT
    ],
)
def test_banes_between_and_beyond_the_rows(api, freed, returned, practices, pct):
    body = calculate(api, scheme="banes", amount=freed).json()
    assert (body["returned_for_investment"], body["practices"], body["pct"]) == (returned, practices, pct)
    total = sum(
        int(body[k].replace(".", "")) for k in ("reward", "returned_for_investment", "practices", "pct")
    )
    assert total == int(freed.replace(".", ""))


def test_hertfordshire_example(api):
    body = calculate(api, scheme="hertfordshire", amount="200000.00", list_size=10_000).json()
    assert (body["reward"], body["practices"], body["pct"]) == ("10000.00", "133000.00", "57000.00")
    overspent = calculate(api, scheme="hertfordshire", amount="200000.00", list_size=10_000, overspent=True)
    assert overspent.json()["reward"] == "0.00" and overspent.json()["reward_withheld"] is True


def test_national_example(api):
    body = calculate(api, scheme="national", amount="100000.00").json()
    assert (body["practices"], body["pct"], body["residue_party"]) == ("70000.00", "30000.00", "pct")


def test_custom_scheme(api):
    custom = {
        "name": "Our scale",
        "practice_share": "0.80",
        "returned_points": [
            {"freed": "100.00", "returned": "0.00"},
            {"freed": "200.00", "returned": "50.00"},
        ],
    }
    body = calculate(api, custom_scheme=custom, amount="150.00").json()
    assert (body["returned_for_investment"], body["practices"], body["pct"]) == ("25.00", "100.00", "25.00")


@pytest.mark.parametrize("amount", ["-1.00", "lots", "1.001", ""])
def test_bad_amounts_are_400(api, amount):
    response = calculate(api, scheme="national", amount=amount)
    assert response.status_code == 400
    assert response.json()["errors"]["amount"]


def test_non_increasing_points_are_400_with_the_problem(api):
    custom = {
        "name": "Bad",
        "practice_share": "0.70",
        "returned_points": [
            {"freed": "300.00", "returned": "0.00"},
            {"freed": "200.00", "returned": "10.00"},
        ],
    }
    response = calculate(api, custom_scheme=custom, amount="250.00")
    assert response.status_code == 400
    assert "must be for more than point 1" in response.json()["message"]


def test_hertfordshire_without_list_size_is_400(api):
    response = calculate(api, scheme="hertfordshire", amount="200000.00")
    assert response.status_code == 400 and "list size" in response.json()["message"]


def test_scheme_set_refuses_non_increasing_points(client, world):
    client.force_login(world.users[Role.PCT_FINANCE])
    body = {
        "name": "Bad",
        "practice_share": "0.70",
        "returned_points": [
            {"freed": "300.00", "returned": "0.00"},
            {"freed": "300.00", "returned": "10.00"},
        ],
    }
    response = client.put(reverse("freed-scheme-set", args=[2007]), body, content_type="application/json")
    assert response.status_code == 400 and "smallest to largest" in response.json()["message"]
    assert not SchemeSetting.objects.exists()


def test_declaration_for_unpublished_year_is_409(client, world):
    fy(2007)
    client.force_login(world.users[Role.PCT_FINANCE])
    response = client.post(
        reverse("freed-declaration-create"),
        {"kind": "practice", "practice": world.practice.code, "year": 2007},
        content_type="application/json",
    )
    assert response.status_code == 409 and "not published" in response.json()["message"]
    assert not Declaration.objects.exists()


def test_declare_and_confirm_over_the_api(client, world):
    published_budgets(world.pct)
    report_figures(world.practice, {"OP": (500_000, 300_000)})
    from tests.factories.freed_resources import set_scheme

    set_scheme(world.pct, "banes")
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    created = client.post(
        reverse("freed-declaration-create"),
        {"kind": "practice", "practice": world.practice.code, "year": 2007, "categories": ["OP"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["freed"] == "200000.00"
    refused = client.post(reverse("freed-declaration-confirm", args=[created.json()["id"]]))
    assert refused.status_code == 403
    client.force_login(world.users[Role.PCT_FINANCE])
    confirmed = client.post(reverse("freed-declaration-confirm", args=[created.json()["id"]]))
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    pots = client.get(reverse("freed-pot-list")).json()["results"]
    assert [(p["practice"], p["declared"], p["remaining"]) for p in pots] == [
        ("L85001", "140000.00", "140000.00")
    ]
    assert LedgerEntry.objects.count() == 2


def test_practice_sees_only_its_own(client, world):
    confirmed_declaration(world)
    confirmed_declaration(world, world.neighbour)
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    for name in ("freed-declaration-list", "freed-pot-list", "freed-ledger-list", "freed-split-list"):
        rows = client.get(reverse(name)).json()["results"]
        assert rows and {r["practice"] for r in rows} == {"L85001"}, name
    own = client.get(reverse("freed_resources:statement_practice", args=["L85001", 2007]))
    assert own.status_code == 200
    for suffix in ("", "_xlsx", "_pdf"):
        other = client.get(reverse(f"freed_resources:statement_practice{suffix}", args=["L85002", 2007]))
        assert other.status_code == 404, suffix
    xlsx = client.get(reverse("freed_resources:statement_practice_xlsx", args=["L85001", 2007]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert client.get(reverse("freed_resources:summary")).status_code == 403


@pytest.mark.parametrize(("freed", "practices", "pct", "returned"), BANES_TABLE, ids=lambda v: str(v))
def test_banes_table_through_the_calculator_page(client, world, freed, practices, pct, returned):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    page = client.get(reverse("freed_resources:calculate"), {"scheme": "banes", "amount": str(freed)})
    assert page.status_code == 200
    parts = {p["party"]: p["pence"] for p in page.context["parts"]}
    assert (parts["practices"], parts["pct"], parts["returned_for_investment"]) == (
        practices * 100,
        pct * 100,
        returned * 100,
    )
    assert f"£{practices:,}.00" in page.content.decode()


def test_calculator_page_refuses_bad_amount(client, world):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    page = client.get(reverse("freed_resources:calculate"), {"scheme": "banes", "amount": "-5"})
    assert page.status_code == 400 and "cannot be negative" in page.content.decode()


def test_scheme_page_shows_non_increasing_points(client, world):
    client.force_login(world.users[Role.PCT_FINANCE])
    page = client.post(
        reverse("freed_resources:scheme_edit"),
        {
            "year": 2007,
            "name": "Bad",
            "practice_share": "0.70",
            "residue_party": "pct",
            "returned_points": "300000, 0\n200000, 10000",
        },
    )
    assert page.status_code == 400 and "smallest to largest" in page.content.decode()
    assert not SchemeSetting.objects.exists()


def page_parts(html: str) -> dict[str, str]:
    """The calculator page's result table as shown: party → the amount in the row's money cell."""
    import re

    return dict(
        re.findall(
            r'<tr data-party="([a-z_]+)"><td>[^<]*</td><td class="table-money">([^<]*)</td></tr>', html
        )
    )


# The API examples above, through the calculator page: scheme, query, then reward, returned, practices, PCT.
PAGE_EXAMPLES = [
    pytest.param(
        "hertfordshire",
        {"amount": "200000", "list_size": "10000"},
        ("£10,000.00", "£0.00", "£133,000.00", "£57,000.00"),
        id="hertfordshire-200000-list-10000",
    ),
    pytest.param(
        "hertfordshire",
        {"amount": "200000", "list_size": "10000", "overspent": "on"},
        ("£0.00", "£0.00", "£140,000.00", "£60,000.00"),
        id="hertfordshire-overspent-no-reward",
    ),
    pytest.param(
        "national", {"amount": "100000"}, ("£0.00", "£0.00", "£70,000.00", "£30,000.00"), id="national-70-30"
    ),
    pytest.param(
        "banes", {"amount": "50000"}, ("£0.00", "£0.00", "£35,000.00", "£15,000.00"), id="banes-50000-below"
    ),
    pytest.param(
        "banes",
        {"amount": "250000"},
        ("£0.00", "£10,000.00", "£168,000.00", "£72,000.00"),
        id="banes-250000-between",
    ),
    pytest.param(
        "banes",
        {"amount": "350,000.01"},
        ("£0.00", "£35,000.00", "£220,500.01", "£94,500.00"),
        id="banes-350000.01-penny",
    ),
    pytest.param(
        "banes",
        {"amount": "1500000"},
        ("£0.00", "£400,000.00", "£770,000.00", "£330,000.00"),
        id="banes-1500000-beyond",
    ),
]


@pytest.mark.parametrize(("scheme", "query", "expected"), PAGE_EXAMPLES)
def test_worked_examples_through_the_calculator_page(client, world, scheme, query, expected):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    page = client.get(reverse("freed_resources:calculate"), {"scheme": scheme, **query})
    assert page.status_code == 200, page.content.decode()
    html = page.content.decode()
    shown = page_parts(html)
    assert (
        shown["reward"],
        shown["returned_for_investment"],
        shown["practices"],
        shown["pct"],
    ) == expected
    # The parts add up exactly to the amount entered, which the page shows as the total.
    result = page.context["result"]
    assert sum(p["pence"] for p in page.context["parts"]) == result.amount_pence == result.total_pence
    amount = query["amount"].replace(",", "")
    pounds, _, pence = amount.partition(".")
    assert result.amount_pence == int(pounds) * 100 + int(pence or 0)
    assert result.reward_withheld is ("overspent" in query)
    if "overspent" in query:
        assert "No reward payment" in html and "overspent its indicative budget" in html
