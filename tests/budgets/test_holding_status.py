"""Budget-holding status per practice and year (DOMAIN section 12): the model's rules, the service and its
history, and GET /api/v1/practices/{code}/budget-holding/ with its scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from budgets.models import BudgetHoldingStatus
from budgets.services import budget_holding_status_set
from pbc.choices import Role
from pbc.fiscal import FinancialYear

Y0506 = FinancialYear(2005)
Y0809 = FinancialYear(2008)


def url(code, year="2008/09"):
    return f"/api/v1/practices/{code}/budget-holding/" + (f"?financial_year={year}" if year else "")


def api_for(world, role):
    client = APIClient()
    client.force_authenticate(world.users[role])
    return client


def set_status(world, practice=None, **kwargs):
    values = {
        "practice": practice or world.practice,
        "year": Y0809,
        "status": "holding",
        "holding_from": date(2008, 4, 1),
        "reason": "Request to hold a budget approved by the PEC",
        "actor": world.users[Role.PCT_COMMISSIONING],
        **kwargs,
    }
    return budget_holding_status_set(**values)


# --- service and model --------------------------------------------------------------------------------


def test_setting_and_changing_the_status_keeps_history_with_reasons(world):
    row = set_status(
        world,
        status="shadow",
        holding_from=None,
        shadow_start=date(2008, 4, 1),
        shadow_end=date(2008, 9, 30),
        reason="Shadow period, first half-year",
    )
    row = set_status(world, categories=["op", "EL"], reason="Holding outpatients and electives from April")
    assert BudgetHoldingStatus.objects.count() == 1
    assert row.status == "holding" and row.categories == ["OP", "EL"]
    history = list(row.history.order_by("history_date"))
    assert [h.status for h in history] == ["shadow", "holding"]
    assert [h.history_change_reason for h in history] == [
        "Shadow period, first half-year",
        "Holding outpatients and electives from April",
    ]
    assert history[-1].history_user == world.users[Role.PCT_COMMISSIONING]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"holding_from": None}, "holding_from"),
        ({"status": "shadow", "holding_from": None}, "shadow_start"),
        (
            {
                "status": "shadow",
                "holding_from": None,
                "shadow_start": date(2008, 9, 1),
                "shadow_end": date(2008, 4, 1),
            },
            "shadow_end",
        ),
        ({"status": "not_holding"}, "holding_from"),
        ({"categories": ["OP", "op"]}, "categories"),
    ],
)
def test_bad_status_values_are_field_errors_and_save_nothing(world, kwargs, field):
    with pytest.raises(ValidationError) as error:
        set_status(world, **kwargs)
    assert field in error.value.message_dict
    assert not BudgetHoldingStatus.objects.exists()


# --- the endpoint -------------------------------------------------------------------------------------


def test_no_record_is_not_holding(world):
    response = api_for(world, Role.PCT_FINANCE).get(url(world.practice.code))
    assert response.status_code == 200
    assert response.json() == {
        "practice": world.practice.code,
        "financial_year": "2008/09",
        "status": "not_holding",
        "categories": [],
        "shadow_start": None,
        "shadow_end": None,
        "holding_from": None,
    }


def test_a_practice_sees_its_own_status(world):
    set_status(world, categories=["OP"], shadow_start=date(2005, 4, 1), shadow_end=date(2005, 9, 30))
    response = api_for(world, Role.PRACTICE_MANAGER).get(url(world.practice.code.lower()))
    assert response.status_code == 200
    assert response.json() == {
        "practice": world.practice.code,
        "financial_year": "2008/09",
        "status": "holding",
        "categories": ["OP"],
        "shadow_start": "2005-04-01",
        "shadow_end": "2005-09-30",
        "holding_from": "2008-04-01",
    }
    # another year has nothing recorded
    assert api_for(world, Role.PRACTICE_MANAGER).get(url(world.practice.code, "2009/10")).json()[
        "status"
    ] == ("not_holding")


def test_the_shadow_period(world):
    set_status(
        world,
        year=Y0506,
        status="shadow",
        holding_from=None,
        shadow_start=date(2005, 4, 1),
        shadow_end=date(2005, 9, 30),
        reason="DH default shadow period",
    )
    data = api_for(world, Role.LOCALITY_LEAD).get(url(world.practice.code, "2005/06")).json()
    assert data["status"] == "shadow"
    assert (data["shadow_start"], data["shadow_end"], data["holding_from"]) == (
        "2005-04-01",
        "2005-09-30",
        None,
    )


def test_another_practice_is_404_for_a_practice_user(world):
    set_status(world, practice=world.neighbour)
    response = api_for(world, Role.PRACTICE_MANAGER).get(url(world.neighbour.code))
    assert response.status_code == 404
    assert set(response.json()) == {"message", "errors", "extra"}
    assert api_for(world, Role.PCT_FINANCE).get(url(world.foreign.code)).status_code == 404


def test_the_year_defaults_to_the_current_one(world):
    from django.utils import timezone

    from pbc.fiscal import fy_of

    response = api_for(world, Role.PCT_FINANCE).get(url(world.practice.code, year=None))
    assert response.status_code == 200
    assert response.json()["financial_year"] == fy_of(timezone.localdate()).label


@pytest.mark.parametrize("year", ["2008-09", "2008/10", "08/09", "x"])
def test_a_malformed_year_is_400(world, year):
    response = api_for(world, Role.PCT_FINANCE).get(url(world.practice.code, year))
    assert response.status_code == 400
    assert "financial_year" in response.json()["errors"]


def test_anonymous_is_401(world):
    assert APIClient().get(url(world.practice.code)).status_code == 401


# --- an approved request to hold a budget sets it ---------------------------------------------------


def test_approving_a_request_to_hold_a_budget_makes_the_practice_a_holder(world):
    from applications.choices import ApplicationKind, ApplicationStatus
    from applications.services import application_transition
    from tests.factories.applications import application_for

    application = application_for(
        world.practice,
        kind=ApplicationKind.HOLD_BUDGET,
        status=ApplicationStatus.AWAITING_RATIFICATION,
        proposed_start=None,
    )
    year = application.year.start_year
    assert (
        api_for(world, Role.PRACTICE_MANAGER)
        .get(url(world.practice.code, FinancialYear(year).label))
        .json()["status"]
        == "not_holding"
    )
    application_transition(
        application=application, action="ratify", actor=world.users[Role.BOARD_MEMBER], reason="Ratified"
    )
    data = (
        api_for(world, Role.PRACTICE_MANAGER).get(url(world.practice.code, FinancialYear(year).label)).json()
    )
    assert data["status"] == "holding"
    assert data["holding_from"] == FinancialYear(year).start.isoformat()
    assert data["categories"] == []
    row = BudgetHoldingStatus.objects.get(practice=world.practice, start_year=year)
    assert row.history.get().history_change_reason.startswith(f"{application.reference} approved")


def test_approving_another_kind_changes_no_status(world):
    from applications.choices import ApplicationStatus
    from applications.services import application_transition
    from tests.factories.applications import application_for

    application = application_for(world.practice, status=ApplicationStatus.AWAITING_RATIFICATION)
    application_transition(
        application=application, action="ratify", actor=world.users[Role.BOARD_MEMBER], reason="Ratified"
    )
    assert not BudgetHoldingStatus.objects.exists()


def test_the_admin_lists_statuses_read_only(world, admin_client):
    set_status(world)
    response = admin_client.get("/admin/budgets/budgetholdingstatus/")
    assert response.status_code == 200
    assert world.practice.code in response.content.decode()


# --- PCT staff change it through the API ------------------------------------------------------------


def test_pct_staff_set_the_status_with_a_reason(world):
    body = {
        "financial_year": "2008/09",
        "status": "shadow",
        "categories": ["OP"],
        "shadow_start": "2008-04-01",
        "shadow_end": "2008-09-30",
        "reason": "Shadow for outpatients first",
    }
    response = api_for(world, Role.PCT_FINANCE).post(url(world.practice.code, None), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "shadow" and response.json()["categories"] == ["OP"]
    row = BudgetHoldingStatus.objects.get(practice=world.practice)
    assert row.history.get().history_user == world.users[Role.PCT_FINANCE]
    assert row.history.get().history_change_reason == "Shadow for outpatients first"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "holding", "reason": "x"}, "holding_from"),
        ({"status": "holding", "holding_from": "2008-04-01"}, "reason"),
        ({"status": "holding", "holding_from": "2008-04-01", "reason": " "}, "reason"),
        ({"status": "owning", "reason": "x"}, "status"),
        ({"status": "shadow", "reason": "x"}, "shadow_start"),
        ({"status": "holding", "holding_from": "2008-13-01", "reason": "x"}, "holding_from"),
    ],
)
def test_bad_status_bodies_are_400_and_save_nothing(world, body, field):
    response = api_for(world, Role.PCT_FINANCE).post(
        url(world.practice.code, None), {"financial_year": "2008/09", **body}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not BudgetHoldingStatus.objects.exists()


def test_practices_cannot_change_their_status_and_other_pcts_are_404(world):
    body = {"financial_year": "2008/09", "status": "holding", "holding_from": "2008-04-01", "reason": "x"}
    own = api_for(world, Role.PRACTICE_MANAGER).post(url(world.practice.code, None), body, format="json")
    assert own.status_code == 403
    foreign = api_for(world, Role.PCT_FINANCE).post(url(world.foreign.code, None), body, format="json")
    assert foreign.status_code == 404
    assert not BudgetHoldingStatus.objects.exists()
