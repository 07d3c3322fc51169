"""Budget categories: every activity row in exactly one category, specialty areas carved out of PODs."""

from __future__ import annotations

import pytest

from budgets import services
from budgets.categories import (
    DEFAULT_CATEGORY_SPECS,
    CategoryError,
    CategorySpec,
    assign_categories,
    category_of,
    check_categories,
)
from budgets.models import BudgetCategory
from pbc.exceptions import ApplicationError
from tests.factories.budgets import year

DERM = CategorySpec(code="DERM", name="Dermatology", pods=("OPFA", "OPFUP"), tretspefs=("330",))
SPECS = (*DEFAULT_CATEGORY_SPECS, DERM)


@pytest.mark.parametrize(
    ("pod", "tretspef", "expected"),
    [
        ("OPFA", "330", "DERM"),  # dermatology outpatients leave OPFA for the devolved area
        ("OPFUP", "330", "DERM"),
        ("EL", "330", "EL"),  # the area covers outpatients only, so a dermatology admission stays EL
        ("OPFA", "300", "OPFA"),
        ("NEL", "", "NEL"),
        ("AE", None, "AE"),
        (None, "330", None),
        ("XX", "100", None),
    ],
)
def test_each_row_goes_to_one_category(pod, tretspef, expected):
    assert category_of(pod, tretspef, SPECS) == expected


def test_vectorised_assignment_matches_the_scalar_rule():
    pods = ["OPFA", "OPFA", "EL", None, "NEL", "OPFUP"] * 3
    tfs = ["330", "300", "330", "330", None, "330"] * 3
    assert list(assign_categories(pods, tfs, SPECS)) == [
        category_of(p, t, SPECS) for p, t in zip(pods, tfs, strict=True)
    ]


def test_a_specialty_in_every_pod_when_no_pods_are_named():
    eyes = CategorySpec(code="EYES", name="Ophthalmology", tretspefs=("130",))
    assert category_of("EL", "130", (*DEFAULT_CATEGORY_SPECS, eyes)) == "EYES"
    assert category_of("OPFA", "130", (*DEFAULT_CATEGORY_SPECS, eyes)) == "EYES"


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ((), "at least one"),
        (
            (
                CategorySpec(code="EL", name="a", pods=("EL",)),
                CategorySpec(code="EL", name="b", pods=("DC",)),
            ),
            "once",
        ),
        (
            (CategorySpec(code="A", name="a", pods=("EL",)), CategorySpec(code="B", name="b", pods=("EL",))),
            "both hold EL",
        ),
        ((DERM, CategorySpec(code="SKIN", name="s", tretspefs=("330",))), "both claim"),
        ((CategorySpec(code="ALL", name="a", pods=("EL",)),), "not a category code"),
        ((CategorySpec(code="X", name="a", pods=("ZZ",)),), "unknown point of delivery"),
        ((CategorySpec(code="X", name="a", tretspefs=("33",)),), "three digits"),
        ((CategorySpec(code="X", name="a"),), "some PODs or some treatment functions"),
    ],
)
def test_categories_that_would_double_count_are_refused(specs, message):
    with pytest.raises(CategoryError, match=message):
        check_categories(specs)


def test_defaults_are_created_once_and_a_devolved_area_added(world):
    y = year(2007)
    first = services.budget_categories_for(pct=world.pct, year=y)
    assert [c.code for c in first] == ["EL", "DC", "NEL", "OPFA", "OPFUP", "OPPROC", "AE"]
    assert services.budget_categories_for(pct=world.pct, year=y) == first
    derm = services.budget_category_create(
        pct=world.pct,
        year=y,
        code="derm",
        name="Dermatology",
        pods=["OPFA", "OPFUP"],
        tretspefs=["330"],
        actor=None,
    )
    assert derm.code == "DERM" and derm.devolved
    with pytest.raises(ApplicationError, match="both claim"):
        services.budget_category_create(
            pct=world.pct, year=y, code="SKIN", name="Skin", tretspefs=["330"], actor=None
        )
    nel = BudgetCategory.objects.get(pct=world.pct, year=y, code="NEL")
    services.budget_category_update(category=nel, actor=None, devolved=False)
    nel.refresh_from_db()
    assert not nel.devolved
    assert nel.history.count() == 2
    with pytest.raises(ApplicationError, match="both hold"):
        services.budget_category_update(category=nel, actor=None, pods=["NEL", "EL"])
