"""Directed enhanced services (seed 000; DOMAIN sections 7 and 12): each DES both ways with the seed's
figures, half-up rounding from the exact product, bad input, and the calculation endpoint."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from agreements.des import DesCode, DesConfig, DesError, DesInput, calculate_des
from pbc.choices import ApiTokenScope, Role
from pbc.fiscal import FinancialYear
from pbc.services import api_token_issue

Y0809 = FinancialYear(2008)
CONFIG = DesConfig(average_list_sizes={"2008/09": 6000})


def calc(des, list_size=6000, year=Y0809, config=CONFIG, **kwargs):
    return calculate_des(DesInput(des=DesCode(des), year=year, list_size=list_size, **kwargs), config)


# --- the pure rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("des", "count", "pence"),
    [
        ("heart_failure", 10, 35_000),  # £35 per patient treated
        ("alcohol", 7, 1_631),  # £2.33 per newly registered patient screened
        ("heart_failure", 0, 0),
        ("alcohol", 0, 0),
    ],
)
def test_per_item_deses_pay_the_seed_rate_per_item(des, count, pence):
    result = calc(des, count=count)
    assert result.amount_pence == pence
    assert result.conditions == []


def test_learning_disabilities_pays_only_after_the_education_session():
    paid = calc("learning_disabilities", count=12, attended_education=True)
    assert paid.amount_pence == 120_000  # £100 a health check
    assert [(c.met) for c in paid.conditions] == [True]
    unpaid = calc("learning_disabilities", count=12, attended_education=False)
    assert unpaid.amount_pence == 0 and unpaid.conditions[0].met is False
    assert calc("learning_disabilities", count=12).amount_pence == 0  # not recorded: not attended


def test_ethnicity_pays_5_6p_a_patient_rounded_once():
    assert calc("ethnicity", list_size=6000).amount_pence == 33_600
    assert calc("ethnicity", list_size=3).amount_pence == 17  # 16.8p, not 3 × 6p
    assert calc("ethnicity", list_size=1).amount_pence == 6  # 5.6p rounds up
    assert calc("ethnicity", list_size=0).amount_pence == 0


def test_osteoporosis_average_practice_meeting_all_three():
    result = calc("osteoporosis", criteria_met=[1, 2, 3])
    assert result.amount_pence == 58_821
    assert [c.met for c in result.conditions] == [True, True, True]


def test_osteoporosis_scales_by_list_and_shares_without_intermediate_rounding():
    assert calc("osteoporosis", criteria_met=[1, 2]).amount_pence == 39_214  # two thirds
    assert calc("osteoporosis", criteria_met=[3]).amount_pence == 19_607
    # 58,821 × 7,000 / 6,000 × 2/3 = 45,749.67p → £457.50 (a third rounded first would give 45,749.5…)
    assert calc("osteoporosis", list_size=7000, criteria_met=[1, 3]).amount_pence == 45_750
    # half a penny rounds up: 58,821 × 3,000 / 6,000 = 29,410.5p
    assert calc("osteoporosis", list_size=3000, criteria_met=[1, 2, 3]).amount_pence == 29_411
    none = calc("osteoporosis", criteria_met=[])
    assert none.amount_pence == 0 and [c.met for c in none.conditions] == [False, False, False]


def test_osteoporosis_shares_and_average_are_configurable():
    config = DesConfig(
        average_list_sizes={"2008/09": 5000},
        osteoporosis_shares=(Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)),
    )
    # 58,821 × 5,000 / 5,000 × 1/2 = 29,410.5 → 29,411
    assert calc("osteoporosis", list_size=5000, criteria_met=[1], config=config).amount_pence == 29_411
    # the average given in the request wins over the configured one
    assert calc(
        "osteoporosis", list_size=5000, average_list_size=2500, criteria_met=[1, 2, 3]
    ).amount_pence == (117_642)


def test_extended_hours_needs_three_hours_a_week_scaled():
    paid = calc("extended_hours", hours_provided=Decimal("3"))
    assert paid.amount_pence == 1_770_000  # £2.95 × 6,000
    assert paid.conditions[0].met is True
    short = calc("extended_hours", hours_provided=Decimal("2.99"))
    assert short.amount_pence == 0 and short.conditions[0].met is False
    # 9,000 patients need 4.5 hours
    assert calc("extended_hours", list_size=9000, hours_provided=Decimal("4.5")).amount_pence == 2_655_000
    assert calc("extended_hours", list_size=9000, hours_provided=Decimal("4.49")).amount_pence == 0


def test_imt_is_claimable_until_31_march_2009():
    paid = calc("im_t", claimed_pence=150_000)
    assert paid.amount_pence == 150_000 and paid.conditions[0].met is True
    late = calc("im_t", year=FinancialYear(2009), claimed_pence=150_000)
    assert late.amount_pence == 0 and late.conditions[0].met is False
    assert calc("im_t", year=FinancialYear(2009)).amount_pence == 0  # refused: no amount needed
    assert (
        calc("im_t", config=DesConfig(imt_claim_deadline=date(2008, 3, 31)), claimed_pence=1).amount_pence
        == 0
    )


@pytest.mark.parametrize(
    ("des", "kwargs", "field"),
    [
        ("heart_failure", {}, "count"),
        ("learning_disabilities", {"attended_education": True}, "count"),
        ("osteoporosis", {}, "criteria_met"),
        ("osteoporosis", {"criteria_met": [4]}, "criteria_met"),
        ("osteoporosis", {"criteria_met": [1, 1]}, "criteria_met"),
        ("extended_hours", {}, "hours_provided"),
        ("im_t", {}, "amount"),
        ("ethnicity", {"list_size": -1}, "list_size"),
    ],
)
def test_missing_or_bad_figures_name_the_field(des, kwargs, field):
    with pytest.raises(DesError) as error:
        calc(des, **kwargs)
    assert error.value.field == field


def test_a_year_without_an_average_needs_one_given():
    with pytest.raises(DesError) as error:
        calc("osteoporosis", year=FinancialYear(2010), criteria_met=[1])
    assert error.value.field == "average_list_size"
    given = calc("osteoporosis", year=FinancialYear(2010), average_list_size=6000, criteria_met=[1, 2, 3])
    assert given.amount_pence == 58_821


# --- the endpoint ------------------------------------------------------------------------------------

URL = "/api/v1/incentives/des-calculation/"


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.users[Role.PRACTICE_MANAGER])
    return client


def test_url_is_named():
    assert reverse("des-calculation") == URL


@pytest.mark.parametrize(
    ("body", "amount", "met"),
    [
        ({"des": "heart_failure", "count": 10}, "350.00", []),
        ({"des": "alcohol", "count": 7}, "16.31", []),
        ({"des": "learning_disabilities", "count": 12, "attended_education": True}, "1200.00", [True]),
        ({"des": "learning_disabilities", "count": 12, "attended_education": False}, "0.00", [False]),
        ({"des": "ethnicity"}, "336.00", []),
        ({"des": "osteoporosis", "criteria_met": [1, 2, 3]}, "588.21", [True, True, True]),
        ({"des": "osteoporosis", "criteria_met": [1, 2]}, "392.14", [True, True, False]),
        ({"des": "osteoporosis", "criteria_met": [], "list_size": 3000}, "0.00", [False, False, False]),
        ({"des": "osteoporosis", "criteria_met": [1, 2, 3], "list_size": 3000}, "294.11", [True] * 3),
        ({"des": "extended_hours", "hours_provided": "3"}, "17700.00", [True]),
        ({"des": "extended_hours", "hours_provided": 2.5}, "0.00", [False]),
        ({"des": "im_t", "amount": "1500.00"}, "1500.00", [True]),
        ({"des": "im_t", "financial_year": "2009/10"}, "0.00", [False]),
    ],
)
def test_endpoint_pays_each_des_or_not(api, body, amount, met):
    response = api.post(URL, {"financial_year": "2008/09", "list_size": 6000, **body}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["amount"] == amount
    assert [c["met"] for c in data["conditions"]] == met
    assert all(set(c) == {"name", "met"} for c in data["conditions"])


def test_endpoint_uses_the_configured_average(api, settings):
    settings.PBC_DES_AVERAGE_LIST_SIZES = {"2008/09": 3000}
    settings.PBC_DES_OSTEOPOROSIS_SHARES = ["1/2", "1/4", "1/4"]
    body = {"des": "osteoporosis", "financial_year": "2008/09", "list_size": 3000, "criteria_met": [1]}
    assert api.post(URL, body, format="json").json()["amount"] == "294.11"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"des": "dental", "financial_year": "2008/09", "list_size": 6000}, "des"),
        ({"des": "ethnicity", "financial_year": "2008/09", "list_size": -5}, "list_size"),
        ({"des": "ethnicity", "financial_year": "2008/09"}, "list_size"),
        ({"des": "ethnicity", "financial_year": "2008-09", "list_size": 6000}, "financial_year"),
        ({"des": "ethnicity", "financial_year": "2008/10", "list_size": 6000}, "financial_year"),
        ({"des": "ethnicity", "list_size": 6000}, "financial_year"),
        ({"des": "heart_failure", "financial_year": "2008/09", "list_size": 6000}, "count"),
        ({"des": "heart_failure", "financial_year": "2008/09", "list_size": 6000, "count": -1}, "count"),
        ({"des": "osteoporosis", "financial_year": "2008/09", "list_size": 6000}, "criteria_met"),
        (
            {"des": "osteoporosis", "financial_year": "2008/09", "list_size": 6000, "criteria_met": [4]},
            "criteria_met",
        ),
        (
            {"des": "osteoporosis", "financial_year": "2008/09", "list_size": 6000, "criteria_met": [2, 2]},
            "criteria_met",
        ),
        (
            {"des": "osteoporosis", "financial_year": "2010/11", "list_size": 6000, "criteria_met": [1]},
            "average_list_size",
        ),
        (
            {"des": "osteoporosis", "financial_year": "2008/09", "list_size": 1, "average_list_size": 0},
            "average_list_size",
        ),
        ({"des": "extended_hours", "financial_year": "2008/09", "list_size": 6000}, "hours_provided"),
        (
            {"des": "extended_hours", "financial_year": "2008/09", "list_size": 6000, "hours_provided": "x"},
            "hours_provided",
        ),
        ({"des": "im_t", "financial_year": "2008/09", "list_size": 6000}, "amount"),
        ({"des": "im_t", "financial_year": "2008/09", "list_size": 6000, "amount": "1.234"}, "amount"),
    ],
)
def test_bad_input_is_400_with_field_errors(api, body, field):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    data = response.json()
    assert set(data) == {"message", "errors", "extra"}
    assert field in data["errors"], data


def test_anonymous_is_refused():
    response = APIClient().post(URL, {}, format="json")
    assert response.status_code == 401


def test_a_read_token_may_calculate(world):
    _, key = api_token_issue(user=world.users[Role.API_CLIENT], name="Reader", scope=ApiTokenScope.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = {"des": "ethnicity", "financial_year": "2008/09", "list_size": 6000}
    response = client.post(URL, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "336.00"


def test_the_schema_documents_the_endpoint(client):
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    operation = schema["paths"][URL]["post"]
    assert "DesCalculationInput" in str(operation["requestBody"])
    assert "DesCalculationOutput" in str(operation["responses"]["200"])
