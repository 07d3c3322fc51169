"""Savings declarations: budget − outturn − top-sliced investments, pooled across a consortium."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from freed_resources.declarations import (
    CategoryFigures,
    ChangeStatus,
    Declaration,
    DeclarationError,
    PlannedInvestment,
    PoolMember,
    declare_freed_resources,
    pool_declarations,
    restatement_difference,
)
from freed_resources.splits import BANES_SCHEME, HERTFORDSHIRE_SCHEME, split_freed_resources

K = 100_000  # £1,000 in pence

OUTPATIENTS = "Outpatients"
NON_ELECTIVE = "Non-elective admissions"
DERMATOLOGY = "Dermatology"


def practice_a(*, non_elective_outturn=1_850 * K, dermatology=True, extra=()):
    categories = [
        CategoryFigures(OUTPATIENTS, 1_000 * K, 900 * K),
        CategoryFigures(NON_ELECTIVE, 2_000 * K, non_elective_outturn),
    ]
    if dermatology:
        categories.append(CategoryFigures(DERMATOLOGY, 300 * K, 320 * K))
    return declare_freed_resources(
        entity="L81001",
        categories=[*categories, *extra],
        planned_investments=[PlannedInvestment("Emergency care practitioners", NON_ELECTIVE, 60 * K)],
    )


def practice_b():
    return declare_freed_resources(
        entity="L81002",
        categories=[
            CategoryFigures(OUTPATIENTS, 500 * K, 540 * K),
            CategoryFigures(NON_ELECTIVE, 800 * K, 790 * K),
        ],
    )


def practice_c():
    return declare_freed_resources(
        entity="L81003",
        categories=[
            CategoryFigures(OUTPATIENTS, 400 * K, 350 * K),
            CategoryFigures(DERMATOLOGY, 100 * K, 100 * K),
        ],
    )


# --- a single declaration -----------------------------------------------------------------------------


def test_declaration_per_category_and_total():
    declaration = practice_a()
    freed = {c.category: c.freed_pence for c in declaration.categories}
    # 1,000k − 900k; 2,000k − 1,850k − 60k ECPs; 300k − 320k
    assert freed == {OUTPATIENTS: 100 * K, NON_ELECTIVE: 90 * K, DERMATOLOGY: -20 * K}
    non_elective = declaration.category(NON_ELECTIVE)
    assert non_elective.variance_pence == 150 * K
    assert non_elective.planned_investments_pence == 60 * K
    assert non_elective.top_sliced_pence == 60 * K
    assert declaration.budget_pence == 3_300 * K
    assert declaration.outturn_pence == 3_070 * K
    assert declaration.variance_pence == 230 * K
    assert declaration.planned_investments_pence == 60 * K
    assert declaration.freed_pence == 170 * K
    assert declaration.freed_up_pence == 170 * K
    assert declaration.shortfall_pence == 0
    assert declaration.overspent is False


def test_declared_amount_feeds_the_split():
    # £170,000 lies between the BANES £100,000 and £200,000 points, which both return nothing.
    result = split_freed_resources(BANES_SCHEME, practice_a().freed_up_pence)
    assert (result.returned_for_investment_pence, result.practices_pence, result.pct_pence) == (
        0,
        119 * K,
        51 * K,
    )


def test_overspent_declaration():
    declaration = practice_b()
    assert declaration.freed_pence == -30 * K  # −40k outpatients, +10k non-elective
    assert declaration.freed_up_pence == 0
    assert declaration.shortfall_pence == 30 * K
    assert declaration.overspent is True


def test_overspent_flag_withholds_the_hertfordshire_reward():
    declaration = declare_freed_resources(
        entity="E82001",
        categories=[
            CategoryFigures("Acute", 1_000 * K, 1_010 * K),
            CategoryFigures("Prescribing", 500 * K, 400 * K),
        ],
    )
    assert declaration.overspent is False  # 1,410k outturn against 1,500k budget
    assert declaration.freed_up_pence == 90 * K
    result = split_freed_resources(
        HERTFORDSHIRE_SCHEME, declaration.freed_up_pence, list_size=5_000, overspent=declaration.overspent
    )
    assert (result.reward_pence, result.practices_pence, result.pct_pence) == (
        5 * K,
        59_500 * 100,
        25_500 * 100,
    )


def test_several_investments_in_one_category_are_summed():
    declaration = declare_freed_resources(
        entity="L81001",
        categories=[CategoryFigures(NON_ELECTIVE, 2_000 * K, 1_850 * K)],
        planned_investments=[
            PlannedInvestment("Emergency care practitioners", NON_ELECTIVE, 60 * K),
            PlannedInvestment("Falls service", NON_ELECTIVE, 15 * K),
        ],
    )
    assert declaration.category(NON_ELECTIVE).planned_investments_pence == 75 * K
    assert declaration.freed_pence == 75 * K
    assert len(declaration.planned_investments) == 2


def test_investment_larger_than_savings_nets_against_other_categories_by_default():
    declaration = declare_freed_resources(
        entity="L81001",
        categories=[
            CategoryFigures(NON_ELECTIVE, 200 * K, 180 * K),
            CategoryFigures(OUTPATIENTS, 100 * K, 60 * K),
        ],
        planned_investments=[PlannedInvestment("ECPs", NON_ELECTIVE, 50 * K)],
    )
    assert declaration.category(NON_ELECTIVE).freed_pence == -30 * K
    assert declaration.freed_pence == 10 * K
    assert declaration.overspent is False


def test_top_slice_can_be_limited_to_the_category_savings():
    declaration = declare_freed_resources(
        entity="L81001",
        categories=[
            CategoryFigures(NON_ELECTIVE, 200 * K, 180 * K),
            CategoryFigures(OUTPATIENTS, 100 * K, 60 * K),
            CategoryFigures(DERMATOLOGY, 50 * K, 60 * K),
        ],
        planned_investments=[
            PlannedInvestment("ECPs", NON_ELECTIVE, 50 * K),
            PlannedInvestment("Dermatology nurse", DERMATOLOGY, 5 * K),
        ],
        limit_top_slice_to_savings=True,
    )
    non_elective = declaration.category(NON_ELECTIVE)
    assert (
        non_elective.planned_investments_pence,
        non_elective.top_sliced_pence,
        non_elective.freed_pence,
    ) == (
        50 * K,
        20 * K,
        0,
    )
    dermatology = declaration.category(DERMATOLOGY)
    assert (dermatology.top_sliced_pence, dermatology.freed_pence) == (0, -10 * K)
    assert declaration.freed_pence == 30 * K  # 0 + 40k − 10k
    assert declaration.top_sliced_pence == 20 * K


def test_category_lookup_of_unknown_name():
    with pytest.raises(KeyError):
        practice_a().category("Prescribing")


# --- pools --------------------------------------------------------------------------------------------


def test_pool_nets_overspends_against_savings():
    pool = pool_declarations(pool="BANES consortium", members=[practice_a(), practice_b(), practice_c()])
    assert pool.members == (
        PoolMember("L81001", 170 * K, False),
        PoolMember("L81002", -30 * K, True),
        PoolMember("L81003", 50 * K, False),
    )
    assert pool.freed_pence == 190 * K
    assert pool.freed_up_pence == 190 * K
    assert pool.savings_pence == 220 * K
    assert pool.overspends_pence == 30 * K
    assert pool.overspent is False
    assert pool.entity == "BANES consortium"
    pooled = {
        c.category: (c.budget_pence, c.outturn_pence, c.top_sliced_pence, c.freed_pence)
        for c in pool.categories
    }
    assert pooled == {
        OUTPATIENTS: (1_900 * K, 1_790 * K, 0, 110 * K),
        NON_ELECTIVE: (2_800 * K, 2_640 * K, 60 * K, 100 * K),
        DERMATOLOGY: (400 * K, 420 * K, 0, -20 * K),
    }
    assert [c.category for c in pool.categories] == [OUTPATIENTS, NON_ELECTIVE, DERMATOLOGY]
    assert (pool.budget_pence, pool.outturn_pence) == (5_100 * K, 4_850 * K)


def test_pool_that_overspent_overall_frees_up_nothing():
    overspent_c = declare_freed_resources(
        entity="L81003", categories=[CategoryFigures(OUTPATIENTS, 100 * K, 110 * K)]
    )
    pool = pool_declarations(pool="Cluster", members=[practice_b(), overspent_c])
    assert pool.freed_pence == -40 * K
    assert pool.freed_up_pence == 0
    assert pool.shortfall_pence == 40 * K
    assert pool.savings_pence == 0
    assert pool.overspends_pence == 40 * K
    assert pool.overspent is True


def test_pool_categories_are_the_union_in_first_seen_order():
    pool = pool_declarations(pool="Cluster", members=[practice_b(), practice_c()])
    assert [c.category for c in pool.categories] == [OUTPATIENTS, NON_ELECTIVE, DERMATOLOGY]
    assert pool.category(DERMATOLOGY).budget_pence == 100 * K


# --- restatements -------------------------------------------------------------------------------------


def test_restatement_difference():
    old = practice_a()
    new = practice_a(
        non_elective_outturn=1_870 * K,
        dermatology=False,
        extra=[CategoryFigures("Community services", 100 * K, 90 * K)],
    )
    restatement = restatement_difference(old, new)
    summary = {
        c.category: (c.status, c.budget_change_pence, c.outturn_change_pence, c.freed_change_pence)
        for c in restatement.changes
    }
    assert summary == {
        OUTPATIENTS: (ChangeStatus.UNCHANGED, 0, 0, 0),
        NON_ELECTIVE: (ChangeStatus.CHANGED, 0, 20 * K, -20 * K),
        DERMATOLOGY: (ChangeStatus.REMOVED, -300 * K, -320 * K, 20 * K),
        "Community services": (ChangeStatus.ADDED, 100 * K, 90 * K, 10 * K),
    }
    assert [c.category for c in restatement.changes] == [
        OUTPATIENTS,
        NON_ELECTIVE,
        DERMATOLOGY,
        "Community services",
    ]
    assert (restatement.old_freed_pence, restatement.new_freed_pence) == (170 * K, 180 * K)
    assert restatement.freed_change_pence == 10 * K
    assert restatement.changed is True
    assert restatement.changes[2].new is None
    assert restatement.changes[3].old is None


def test_restatement_of_an_added_investment():
    old = declare_freed_resources(
        entity="L81002", categories=[CategoryFigures(NON_ELECTIVE, 800 * K, 700 * K)]
    )
    new = declare_freed_resources(
        entity="L81002",
        categories=[CategoryFigures(NON_ELECTIVE, 800 * K, 700 * K)],
        planned_investments=[PlannedInvestment("ECPs", NON_ELECTIVE, 25 * K)],
    )
    change = restatement_difference(old, new).changes[0]
    assert change.status == ChangeStatus.CHANGED
    assert (change.planned_investments_change_pence, change.top_sliced_change_pence) == (25 * K, 25 * K)
    assert change.freed_change_pence == -25 * K


def test_unchanged_restatement():
    restatement = restatement_difference(practice_a(), practice_a())
    assert restatement.changed is False
    assert restatement.freed_change_pence == 0


def test_restatement_of_a_pool():
    old = pool_declarations(pool="Cluster", members=[practice_b(), practice_c()])
    new = pool_declarations(pool="Cluster", members=[practice_b()])
    restatement = restatement_difference(old, new)
    assert restatement.freed_change_pence == -50 * K
    assert restatement.old_overspent is False  # 1,300k + 500k budget, 1,330k + 450k outturn
    assert restatement.new_overspent is True


def test_restatement_of_different_entities_is_refused():
    with pytest.raises(DeclarationError, match="different entities"):
        restatement_difference(practice_a(), practice_b())


def test_restatement_needs_declarations():
    with pytest.raises(DeclarationError, match="not a declaration"):
        restatement_difference(practice_a(), {"entity": "L81001"})


# --- errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"entity": ""}, "Say whose declaration"),
        ({"categories": []}, "at least one agreed category"),
        ({"categories": [CategoryFigures(OUTPATIENTS, -1, 0)]}, "budget for 'Outpatients' is negative"),
        ({"categories": [CategoryFigures(OUTPATIENTS, 1, -5)]}, "outturn for 'Outpatients' is negative"),
        ({"categories": [CategoryFigures(OUTPATIENTS, 10.5, 0)]}, "whole number of pence"),
        ({"categories": [CategoryFigures(OUTPATIENTS, True, 0)]}, "whole number of pence"),
        ({"categories": [CategoryFigures(" ", 1, 0)]}, "no category name"),
        ({"categories": [("Outpatients", 1, 0)]}, "not a category's budget and outturn"),
        (
            {"categories": [CategoryFigures(OUTPATIENTS, 1, 0), CategoryFigures(OUTPATIENTS, 2, 0)]},
            "entered more than once",
        ),
        (
            {"planned_investments": [PlannedInvestment("ECPs", "Elective", 10)]},
            "not one of the declared categories",
        ),
        (
            {"planned_investments": [PlannedInvestment("ECPs", OUTPATIENTS, -10)]},
            "enter the cost as a positive",
        ),
        ({"planned_investments": [PlannedInvestment("ECPs", OUTPATIENTS, "10")]}, "whole number of pence"),
        ({"planned_investments": [PlannedInvestment("", OUTPATIENTS, 10)]}, "has no name"),
        ({"planned_investments": ["ECPs"]}, "is not a planned investment"),
        ({"limit_top_slice_to_savings": "yes"}, "true or false"),
    ],
)
def test_bad_declaration(kwargs, message):
    arguments = {"entity": "L81001", "categories": [CategoryFigures(OUTPATIENTS, 100, 90)]} | kwargs
    with pytest.raises(DeclarationError, match=message):
        declare_freed_resources(**arguments)


def test_declaration_error_lists_every_problem():
    with pytest.raises(DeclarationError) as caught:
        declare_freed_resources(
            entity="L81001",
            categories=[CategoryFigures(OUTPATIENTS, -1, -1)],
            planned_investments=[PlannedInvestment("ECPs", "Elective", 10)],
        )
    assert len(caught.value.problems) == 3
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("pool", "members", "message"),
    [
        ("", [practice_b()], "Name the pool"),
        ("Cluster", [], "at least one member"),
        ("Cluster", [practice_b(), practice_b()], "'L81002' is in the pool more than once"),
        ("Cluster", [practice_b(), "L81003"], "Member 2 is not a practice's declaration"),
    ],
)
def test_bad_pool(pool, members, message):
    with pytest.raises(DeclarationError, match=message):
        pool_declarations(pool=pool, members=members)


# --- properties ---------------------------------------------------------------------------------------

pence = st.integers(min_value=0, max_value=10**11)


@st.composite
def declarations(draw, entity):
    names = draw(
        st.lists(st.sampled_from(["OP", "NEL", "Derm", "Community"]), min_size=1, max_size=4, unique=True)
    )
    figures = [CategoryFigures(name, draw(pence), draw(pence)) for name in names]
    investments = [
        PlannedInvestment(f"Investment {n}", draw(st.sampled_from(names)), draw(st.integers(0, 10**9)))
        for n in range(draw(st.integers(0, 3)))
    ]
    return declare_freed_resources(
        entity=entity,
        categories=figures,
        planned_investments=investments,
        limit_top_slice_to_savings=draw(st.booleans()),
    )


@given(declaration=declarations("P1"))
def test_declared_total_is_budget_less_outturn_less_top_slice(declaration: Declaration):
    figures = declaration.categories
    assert declaration.freed_pence == sum(
        c.budget_pence - c.outturn_pence - c.top_sliced_pence for c in figures
    )
    assert declaration.freed_up_pence - declaration.shortfall_pence == declaration.freed_pence
    assert min(declaration.freed_up_pence, declaration.shortfall_pence) == 0
    if not declaration.limit_top_slice_to_savings:
        assert declaration.top_sliced_pence == sum(i.pence for i in declaration.planned_investments)
    assert all(0 <= c.top_sliced_pence <= c.planned_investments_pence for c in figures)


@given(first=declarations("P1"), second=declarations("P2"), third=declarations("P3"))
def test_pool_total_is_the_sum_of_member_contributions(first, second, third):
    pool = pool_declarations(pool="Pool", members=[first, second, third])
    assert pool.freed_pence == first.freed_pence + second.freed_pence + third.freed_pence
    assert pool.savings_pence - pool.overspends_pence == pool.freed_pence
    assert pool.budget_pence == first.budget_pence + second.budget_pence + third.budget_pence
    assert sum(m.contribution_pence for m in pool.members) == pool.freed_pence
