"""Budget-setting methodology: each step with hand-checked pence, the order of steps, and the invariants."""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.methodology import (
    DEFAULT_CATEGORIES,
    STEP_ORDER,
    BudgetInputs,
    LocalAdjustment,
    MethodologyError,
    MethodologyParams,
    PracticeInput,
    set_budgets,
    what_if,
)
from pbc.fiscal import FinancialYear

BIG = 10**12  # a resource that never binds


def practices(*rows: tuple[str, int, int]) -> tuple[PracticeInput, ...]:
    return tuple(PracticeInput(code=c, base_list_size=b, target_list_size=t) for c, b, t in rows)


def inputs(
    baseline: dict[tuple[str, str], int],
    *,
    lists: tuple[tuple[str, int, int], ...] = (("A00001", 1000, 1000), ("B00002", 2000, 2000)),
    categories: tuple[str, ...] = ("EL",),
    unattributed: dict[str, int] | None = None,
    high_cost: dict[tuple[str, str], int] | None = None,
) -> BudgetInputs:
    return BudgetInputs(
        categories=categories,
        practices=practices(*lists),
        baseline_pence=baseline,
        unattributed_pence=unattributed or {},
        high_cost_pence=high_cost or {},
    )


def params(**overrides: object) -> MethodologyParams:
    return MethodologyParams(**{"resource_pence": BIG, **overrides})


def line(result, code: str, category: str = "EL"):
    return result.practice(code).line(category)


# --- apportionment -------------------------------------------------------------------------------------


# --- step by step --------------------------------------------------------------------------------------


def test_baseline_is_the_attributed_base_period_cost():
    result = set_budgets(params=params(), inputs=inputs({("A00001", "EL"): 100_000}))
    step = line(result, "A00001").step("baseline")
    assert (step.before_pence, step.change_pence, step.after_pence) == (100_000, 0, 100_000)
    # A practice with no baseline in a category has a £0 line, not a missing one.
    assert line(result, "B00002").final_pence == 0


def test_uplift_overall_and_per_category_rounds_half_up():
    data = inputs(
        {
            ("A00001", "EL"): 100_000,
            ("A00001", "NEL"): 30_000,
            ("B00002", "EL"): 10,
            ("B00002", "NEL"): 12_345,
        },
        categories=("EL", "NEL"),
    )
    result = set_budgets(
        params=params(uplift_pct=Decimal("3.5"), uplift_pct_by_category={"NEL": Decimal("2.5")}), inputs=data
    )
    # EL overall 3.5%: 100,000 × 1.035 = 103,500; 10 × 1.035 = 10.35 → 10.
    assert line(result, "A00001").step("uplift").after_pence == 103_500
    assert line(result, "B00002").step("uplift").after_pence == 10
    # NEL 2.5%: 30,000 × 1.025 = 30,750; 12,345 × 1.025 = 12,653.625 → 12,654.
    assert line(result, "A00001", "NEL").step("uplift").after_pence == 30_750
    assert line(result, "B00002", "NEL").step("uplift").after_pence == 12_654
    assert "NEL uplift" in line(result, "A00001", "NEL").step("uplift").rule
    # Half-up on an exact half: 10 × 1.05 = 10.5 → 11.
    tie = set_budgets(params=params(uplift_pct=Decimal(5)), inputs=inputs({("A00001", "EL"): 10}))
    assert line(tie, "A00001").step("uplift").after_pence == 11


def test_list_size_change_is_target_list_over_base_list():
    data = inputs(
        {("A00001", "EL"): 103_500, ("B00002", "EL"): 5, ("C00003", "EL"): 700},
        lists=(("A00001", 1000, 1100), ("B00002", 1000, 1100), ("C00003", 0, 500)),
    )
    result = set_budgets(params=params(target_year=FinancialYear(2007)), inputs=data)
    # 103,500 × 1,100 / 1,000 = 113,850.
    step = line(result, "A00001").step("list_change")
    assert (step.before_pence, step.change_pence, step.after_pence) == (103_500, 10_350, 113_850)
    assert "1 April 2007 1,100" in step.rule and "1,000" in step.rule
    # 5 × 1.1 = 5.5 → 6 (half-up).
    assert line(result, "B00002").step("list_change").after_pence == 6
    # No base-period list: not adjusted, and said so.
    assert line(result, "C00003").step("list_change").change_pence == 0
    assert any("C00003" in w for w in result.warnings)
    off = set_budgets(params=params(list_size_adjustment=False), inputs=data)
    assert line(off, "A00001").step("list_change").change_pence == 0
    assert "switched off" in line(off, "A00001").step("list_change").rule


def test_local_adjustments_add_with_reasons_and_floor_at_zero():
    adjustments = (
        LocalAdjustment(
            practice_code="A00001", category="EL", pence=50_000, reason="Planned investment: ECPs"
        ),
        LocalAdjustment(
            practice_code="A00001", category="EL", pence=-20_000, reason="Anticoagulation moved out"
        ),
        LocalAdjustment(
            practice_code="B00002", category="EL", pence=-9_000, reason="Minor surgery moved out"
        ),
    )
    data = inputs({("A00001", "EL"): 100_000, ("B00002", "EL"): 5_000})
    result = set_budgets(params=params(adjustments=adjustments), inputs=data)
    # 100,000 + 50,000 − 20,000 = 130,000.
    step = line(result, "A00001").step("adjustments")
    assert (step.change_pence, step.after_pence) == (30_000, 130_000)
    assert (
        "Planned investment: ECPs (+£500.00)" in step.rule
        and "Anticoagulation moved out (-£200.00)" in step.rule
    )
    # 5,000 − 9,000 would be −4,000: floored at £0 and warned.
    assert line(result, "B00002").step("adjustments").after_pence == 0
    assert any("B00002 EL" in w for w in result.warnings)


def test_fair_share_moves_the_agreed_pace_towards_weighted_capitation():
    data = inputs(
        {("A00001", "EL"): 60_000, ("B00002", "EL"): 40_000},
        lists=(("A00001", 1000, 1000), ("B00002", 3000, 3000)),
    )
    result = set_budgets(params=params(pace_of_change_pct=Decimal(50)), inputs=data)
    # Total 100,000; weighted lists 1,000 : 3,000 → targets 25,000 and 75,000.
    # A: 60,000 + 50% × (25,000 − 60,000) = 42,500; B: 40,000 + 50% × (75,000 − 40,000) = 57,500.
    a, b = line(result, "A00001").step("fair_share"), line(result, "B00002").step("fair_share")
    assert (a.change_pence, a.after_pence) == (-17_500, 42_500)
    assert (b.change_pence, b.after_pence) == (17_500, 57_500)
    assert "Target £250.00" in a.rule and "50%" in a.rule


def test_fair_share_uses_need_weights_and_gives_the_penny_to_the_largest_remainder():
    data = inputs(
        {("A00001", "EL"): 60_000, ("B00002", "EL"): 40_000},
        lists=(("A00001", 1000, 1000), ("B00002", 3000, 3000)),
    )
    weights = {"A00001": Decimal("1.5")}
    result = set_budgets(params=params(pace_of_change_pct=Decimal(100), need_weights=weights), inputs=data)
    # Weighted lists 1,000 × 1.5 = 1,500 and 3,000 × 1 = 3,000 → targets 33,333.33 and 66,666.67:
    # 33,333 + 66,666 = 99,999, the penny to B (remainder .67 > .33). Pace 100% lands on the targets.
    assert line(result, "A00001").final_pence == 33_333
    assert line(result, "B00002").final_pence == 66_667


def test_fair_share_step_is_zero_sum_within_each_category():
    data = inputs(
        {("A00001", "EL"): 12_345, ("B00002", "EL"): 67_891, ("C00003", "EL"): 1},
        lists=(("A00001", 1234, 1234), ("B00002", 987, 987), ("C00003", 5555, 5555)),
    )
    result = set_budgets(params=params(pace_of_change_pct=Decimal("33.3")), inputs=data)
    moves = [p.line("EL").step("fair_share").change_pence for p in result.practices]
    assert sum(moves) == 0 and any(moves)


def test_pace_of_change_per_category_and_zero_pace_means_no_move():
    data = inputs(
        {
            ("A00001", "EL"): 60_000,
            ("B00002", "EL"): 40_000,
            ("A00001", "NEL"): 60_000,
            ("B00002", "NEL"): 40_000,
        },
        lists=(("A00001", 1000, 1000), ("B00002", 3000, 3000)),
        categories=("EL", "NEL"),
    )
    result = set_budgets(params=params(pace_of_change_pct_by_category={"NEL": Decimal(50)}), inputs=data)
    assert line(result, "A00001").step("fair_share").change_pence == 0
    assert "pace of change 0%" in line(result, "A00001").step("fair_share").rule
    assert line(result, "A00001", "NEL").step("fair_share").change_pence == -17_500


def test_risk_top_slice_moves_a_percentage_into_the_central_pool():
    data = inputs({("A00001", "EL"): 57_500, ("B00002", "EL"): 12_345})
    result = set_budgets(params=params(risk_mode="top_slice", risk_top_slice_pct=Decimal(2)), inputs=data)
    # 57,500 × 2% = 1,150 → 56,350; 12,345 × 2% = 246.9 → 247 → 12,098. Pool 1,150 + 247 = 1,397.
    assert line(result, "A00001").step("risk").change_pence == -1_150
    assert line(result, "B00002").final_pence == 12_098
    pool = result.holding("risk_pool", "EL")
    assert pool is not None and pool.final_pence == 1_397
    assert result.total_pence == 57_500 + 12_345


def test_risk_threshold_strips_high_cost_spells_taken_through_uplift_and_list_change():
    data = inputs(
        {("A00001", "EL"): 100_000, ("B00002", "EL"): 50_000},
        lists=(("A00001", 1000, 1100), ("B00002", 2000, 2000)),
        high_cost={("A00001", "EL"): 20_000, ("B00002", "EL"): 50_000},
    )
    result = set_budgets(
        params=params(uplift_pct=Decimal("3.5"), risk_mode="threshold", risk_threshold_pence=500_000),
        inputs=data,
    )
    # A: line 100,000 × 1.035 × 1.1 = 113,850; high-cost 20,000 × 1.035 = 20,700 × 1.1 = 22,770 held.
    a = line(result, "A00001").step("risk")
    assert (a.before_pence, a.change_pence, a.after_pence) == (113_850, -22_770, 91_080)
    assert "Spells above £5,000.00" in a.rule
    # B: all its baseline is high-cost: 50,000 × 1.035 = 51,750 held, leaving nothing.
    assert line(result, "B00002").final_pence == 0
    assert result.holding("risk_pool", "EL").final_pence == 22_770 + 51_750


def test_no_risk_mode_holds_nothing():
    result = set_budgets(params=params(), inputs=inputs({("A00001", "EL"): 1_000}))
    assert line(result, "A00001").step("risk").change_pence == 0
    assert result.holding("risk_pool", "EL") is None


def test_unattributed_activity_held_centrally_is_uplifted_and_shown():
    data = inputs({("A00001", "EL"): 100_000, ("B00002", "EL"): 50_000}, unattributed={"EL": 1_500})
    result = set_budgets(params=params(uplift_pct=Decimal("3.5"), unattributed="central"), inputs=data)
    # 1,500 × 1.035 = 1,552.5 → 1,553 held centrally; practices get none of it.
    held = result.holding("unattributed", "EL")
    assert held is not None and held.final_pence == 1_553
    assert line(result, "A00001").step("baseline").change_pence == 0
    assert result.central_total_pence == 1_553


def test_unattributed_activity_shared_pro_rata_to_baseline_or_list():
    data = inputs(
        {("A00001", "EL"): 100_000, ("B00002", "EL"): 50_000},
        lists=(("A00001", 1000, 1100), ("B00002", 2000, 2000)),
        unattributed={"EL": 1_500},
    )
    by_baseline = set_budgets(params=params(unattributed="pro_rata", list_size_adjustment=False), inputs=data)
    # 1,500 × 100,000 / 150,000 = 1,000 and × 50,000 / 150,000 = 500.
    assert line(by_baseline, "A00001").step("baseline").change_pence == 1_000
    assert line(by_baseline, "B00002").step("baseline").change_pence == 500
    assert by_baseline.holding("unattributed", "EL") is None
    by_list = set_budgets(
        params=params(
            unattributed="pro_rata", unattributed_share_basis="list_size", list_size_adjustment=False
        ),
        inputs=data,
    )
    # Target lists 1,100 : 2,000 → 532.26 and 967.74 → 532 + 967 = 1,499, the penny to B (.74 > .26).
    assert line(by_list, "A00001").step("baseline").change_pence == 532
    assert line(by_list, "B00002").step("baseline").change_pence == 968


def test_scaling_to_resource_is_exact_and_includes_central_holdings():
    data = inputs({("A00001", "EL"): 150_000, ("B00002", "EL"): 100_000}, unattributed={"EL": 50_000})
    result = set_budgets(params=params(resource_pence=240_000), inputs=data)
    # 150,000 + 100,000 + 50,000 central = 300,000 > 240,000 → factor 0.8 on every line and holding.
    assert result.scale_factor == Decimal("0.8")
    assert line(result, "A00001").final_pence == 120_000
    assert line(result, "B00002").step("scaling").change_pence == -20_000
    assert result.holding("unattributed", "EL").final_pence == 40_000
    assert result.total_pence == result.resource_pence == 240_000
    assert result.headroom_pence == 0


def test_scaling_residue_pennies_go_to_the_largest_remainders():
    data = inputs(
        {("A00001", "EL"): 1, ("B00002", "EL"): 1, ("C00003", "EL"): 1},
        lists=(("A00001", 1, 1), ("B00002", 1, 1), ("C00003", 1, 1)),
    )
    result = set_budgets(params=params(resource_pence=2), inputs=data)
    # 3 × 2/3 = 0.67 each → 0 + 0 + 0, two pennies left, equal remainders → the first two in code order.
    assert [p.final_pence for p in result.practices] == [1, 1, 0]
    assert result.total_pence == 2


def test_within_resource_nothing_is_scaled_up():
    result = set_budgets(params=params(resource_pence=1_000_000), inputs=inputs({("A00001", "EL"): 100_000}))
    assert result.scale_factor == 1 and not result.scaled
    assert result.total_pence == 100_000 and result.headroom_pence == 900_000
    assert line(result, "A00001").step("scaling").rule.startswith("Not scaled")


def test_worked_example_through_every_step_in_order():
    data = inputs(
        {("A00001", "EL"): 100_000, ("B00002", "EL"): 50_000},
        lists=(("A00001", 1000, 1100), ("B00002", 2000, 2000)),
        unattributed={"EL": 1_500},
    )
    adjustments = (
        LocalAdjustment(
            practice_code="A00001", category="EL", pence=-1_000, reason="Anticoagulation moved out"
        ),
        LocalAdjustment(practice_code="B00002", category="EL", pence=2_000, reason="Planned investment"),
    )
    result = set_budgets(
        params=params(
            resource_pence=150_000,
            target_year=FinancialYear(2007),
            baseline_period="Oct 2005 to Sep 2006",
            uplift_pct=Decimal("3.5"),
            adjustments=adjustments,
            pace_of_change_pct=Decimal(50),
            risk_mode="top_slice",
            risk_top_slice_pct=Decimal(2),
            unattributed="pro_rata",
        ),
        inputs=data,
    )
    a, b = line(result, "A00001"), line(result, "B00002")
    # baseline: 1,500 unattributed pro rata 2:1 → A 100,000 + 1,000; B 50,000 + 500.
    # uplift 3.5%: A 101,000 × 1.035 = 104,535; B 50,500 × 1.035 = 52,267.5 → 52,268.
    # list: A 104,535 × 1,100/1,000 = 114,988.5 → 114,989; B × 2,000/2,000 unchanged.
    # adjustments: A − 1,000 = 113,989; B + 2,000 = 54,268.
    # fair share: T = 168,257; targets × 1,100/3,100 = 59,704.10 and × 2,000/3,100 = 108,552.90 → 59,704 and
    #   108,553 (penny to .90). A 113,989 + ½(59,704 − 113,989) = 86,846.5; B 54,268 + ½(108,553 − 54,268)
    #   = 81,410.5 → 86,846 + 81,410, the penny to the earlier on a tie → A 86,847, B 81,410.
    # risk 2%: A 86,847 × 2% = 1,736.94 → 1,737 → 85,110; B 81,410 × 2% = 1,628.2 → 1,628 → 79,782; pool 3,365.
    # scaling: 85,110 + 79,782 + 3,365 = 168,257 > 150,000 → × 150,000/168,257: 75,875.0007, 71,125.124,
    #   2,999.875 → 75,875 + 71,125 + 2,999 = 149,999, the penny to the pool (.875).
    assert [s.after_pence for s in a.steps] == [101_000, 104_535, 114_989, 113_989, 86_847, 85_110, 75_875]
    assert [s.after_pence for s in b.steps] == [50_500, 52_268, 52_268, 54_268, 81_410, 79_782, 71_125]
    assert result.holding("risk_pool", "EL").before_scaling_pence == 3_365
    assert result.holding("risk_pool", "EL").final_pence == 3_000
    assert result.total_pence == 150_000
    assert a.steps[0].rule.startswith("Oct 2005 to Sep 2006 activity at 2007/08 tariff")


def test_every_line_shows_all_steps_in_order_and_they_chain():
    data = inputs(
        {
            (c, cat): 10_000 * (i + 1)
            for i, c in enumerate(("A00001", "B00002"))
            for cat in DEFAULT_CATEGORIES
        },
        categories=DEFAULT_CATEGORIES,
    )
    result = set_budgets(
        params=params(uplift_pct=Decimal(2), risk_mode="top_slice", risk_top_slice_pct=Decimal(1)),
        inputs=data,
    )
    for practice in result.practices:
        assert [ln.category for ln in practice.lines] == list(DEFAULT_CATEGORIES)
        for ln in practice.lines:
            assert tuple(s.name for s in ln.steps) == STEP_ORDER
            for prev, nxt in zip(ln.steps, ln.steps[1:], strict=False):
                assert nxt.before_pence == prev.after_pence
            assert all(s.after_pence == s.before_pence + s.change_pence for s in ln.steps)
            assert ln.final_pence == ln.steps[-1].after_pence
            assert all(s.rule for s in ln.steps)


def test_freed_up_resources_are_never_deducted():
    # There is no input through which last year's freed-up resources could reduce a budget: neither the
    # parameters nor the inputs carry savings, outturn or freed-up money.
    names = {
        f.name for cls in (MethodologyParams, BudgetInputs, PracticeInput) for f in dataclasses.fields(cls)
    }
    assert not {n for n in names if any(w in n for w in ("freed", "saving", "outturn", "underspend"))}
    with pytest.raises(TypeError):
        BudgetInputs(  # type: ignore[call-arg]
            categories=("EL",), practices=practices(("A00001", 1, 1)), baseline_pence={}, freed_up_pence={}
        )


def test_results_are_configurable_not_tied_to_one_pct():
    # A devolved specialty area (dermatology, treatment function 330) is just another category.
    data = inputs({("A00001", "DERM330"): 9_000}, categories=("OPFA", "DERM330"))
    result = set_budgets(params=params(uplift_pct_by_category={"DERM330": Decimal(10)}), inputs=data)
    assert line(result, "A00001", "DERM330").final_pence == 9_900


# --- what-if -------------------------------------------------------------------------------------------


def test_what_if_lists_winners_and_losers():
    data = inputs(
        {("A00001", "EL"): 60_000, ("B00002", "EL"): 40_000, ("C00003", "EL"): 0},
        lists=(("A00001", 1000, 1000), ("B00002", 3000, 3000), ("C00003", 0, 0)),
    )
    result = what_if(params_a=params(), params_b=params(pace_of_change_pct=Decimal(50)), inputs=data)
    # As in the fair-share example: A −17,500 (−29.17% → −29.2%), B +17,500 (+43.75% → +43.8%).
    assert [(r.practice_code, r.difference_pence, r.difference_pct) for r in result.winners] == [
        ("B00002", 17_500, Decimal("43.8"))
    ]
    assert [(r.practice_code, r.old_pence, r.new_pence, r.difference_pct) for r in result.losers] == [
        ("A00001", 60_000, 42_500, Decimal("-29.2"))
    ]
    assert [r.practice_code for r in result.unchanged] == ["C00003"]
    assert result.unchanged[0].difference_pct is None
    assert result.losers[0].category_difference_pence == {"EL": -17_500}
    assert result.total_difference_pence == 0


def test_what_if_sorts_largest_change_first():
    data = inputs(
        {("A00001", "EL"): 1_000, ("B00002", "EL"): 2_000, ("C00003", "EL"): 3_000},
        lists=(("A00001", 1, 1), ("B00002", 1, 1), ("C00003", 1, 1)),
    )
    result = what_if(params_a=params(), params_b=params(uplift_pct=Decimal(10)), inputs=data)
    assert [r.practice_code for r in result.winners] == ["C00003", "B00002", "A00001"]
    assert [r.practice_code for r in result.rows] == ["A00001", "B00002", "C00003"]


# --- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"uplift_pct": 3.5},
        {"uplift_pct": Decimal(-101)},
        {"pace_of_change_pct": Decimal(101)},
        {"risk_top_slice_pct": Decimal(-1)},
        {"risk_mode": "lottery"},
        {"unattributed": "ignore"},
        {"need_weights": {"A00001": Decimal(-1)}},
        {"resource_pence": -1},
        {"resource_pence": Decimal(10)},
    ],
)
def test_bad_parameters_are_refused(overrides):
    with pytest.raises(MethodologyError):
        params(**overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"uplift_pct_by_category": {"XX": Decimal(1)}},
        {"need_weights": {"Z99999": Decimal(1)}},
        {"adjustments": (LocalAdjustment(practice_code="Z99999", category="EL", pence=1, reason="x"),)},
        {"adjustments": (LocalAdjustment(practice_code="A00001", category="XX", pence=1, reason="x"),)},
    ],
)
def test_parameters_must_match_the_inputs(overrides):
    with pytest.raises(MethodologyError):
        set_budgets(params=params(**overrides), inputs=inputs({("A00001", "EL"): 1}))


def test_bad_inputs_are_refused():
    with pytest.raises(MethodologyError):
        inputs({("Z99999", "EL"): 1})
    with pytest.raises(MethodologyError):
        inputs({("A00001", "EL"): -1})
    with pytest.raises(MethodologyError):
        inputs({("A00001", "EL"): 1}, high_cost={("A00001", "EL"): 2})
    with pytest.raises(MethodologyError):
        LocalAdjustment(practice_code="A00001", category="EL", pence=1, reason=" ")


# --- properties and performance ------------------------------------------------------------------------

pct = st.decimals(min_value=-50, max_value=50, places=2)
pence = st.one_of(st.integers(0, 50), st.integers(0, 10**9))


@st.composite
def scenarios(draw):
    categories = draw(st.sampled_from([("EL",), ("EL", "NEL"), ("OPFA", "OPFUP", "NEL")]))
    n = draw(st.integers(1, 5))
    lists = tuple((f"P{i:05d}", draw(st.integers(0, 20_000)), draw(st.integers(0, 20_000))) for i in range(n))
    codes = [code for code, _, _ in lists]
    baseline = {(c, cat): draw(pence) for c in codes for cat in categories}
    high_cost = {key: draw(st.integers(0, value)) for key, value in baseline.items()}
    data = inputs(
        baseline,
        lists=lists,
        categories=categories,
        unattributed={cat: draw(pence) for cat in categories},
        high_cost=high_cost,
    )
    adjustments = tuple(
        LocalAdjustment(
            practice_code=draw(st.sampled_from(codes)),
            category=draw(st.sampled_from(categories)),
            pence=draw(st.integers(-(10**8), 10**8)),
            reason="change",
        )
        for _ in range(draw(st.integers(0, 4)))
    )
    total = sum(baseline.values()) + sum(data.unattributed_pence.values())
    chosen = MethodologyParams(
        resource_pence=draw(st.one_of(st.integers(0, 100), st.integers(0, max(total * 2, 1)))),
        uplift_pct=draw(pct),
        uplift_pct_by_category={categories[0]: draw(pct)},
        list_size_adjustment=draw(st.booleans()),
        adjustments=adjustments,
        need_weights={c: draw(st.decimals(min_value=0, max_value=3, places=2)) for c in codes},
        pace_of_change_pct=draw(st.decimals(min_value=0, max_value=100, places=1)),
        risk_mode=draw(st.sampled_from(["none", "top_slice", "threshold"])),
        risk_top_slice_pct=draw(st.decimals(min_value=0, max_value=10, places=2)),
        unattributed=draw(st.sampled_from(["central", "pro_rata"])),
        unattributed_share_basis=draw(st.sampled_from(["baseline", "list_size"])),
    )
    return chosen, data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_property_never_over_resource_never_negative(scenario):
    chosen, data = scenario
    result = set_budgets(params=chosen, inputs=data)
    assert result.total_pence <= chosen.resource_pence
    if result.total_before_scaling_pence > chosen.resource_pence:
        assert result.total_pence == chosen.resource_pence
    else:
        assert result.total_pence == result.total_before_scaling_pence
    assert all(p.final_pence >= 0 for p in result.practices)
    assert all(ln.final_pence >= 0 for p in result.practices for ln in p.lines)
    assert all(h.final_pence >= 0 for h in result.central)
    for cat in data.categories:
        assert sum(p.line(cat).step("fair_share").change_pence for p in result.practices) == 0
    for p in result.practices:
        for ln in p.lines:
            assert tuple(s.name for s in ln.steps) == STEP_ORDER
            assert all(s.after_pence >= 0 for s in ln.steps)


def test_three_hundred_practices_within_five_seconds():
    categories = (*DEFAULT_CATEGORIES, "DERM330", "T110", "T120")
    lists = tuple((f"M8{i:04d}", 3000 + 37 * i, 3100 + 29 * i) for i in range(300))
    baseline = {
        (code, cat): 1_000_000 + 7_919 * i * (j + 1)
        for i, (code, _, _) in enumerate(lists)
        for j, cat in enumerate(categories)
    }
    data = inputs(
        baseline,
        lists=lists,
        categories=categories,
        unattributed=dict.fromkeys(categories, 250_000),
        high_cost={key: value // 10 for key, value in baseline.items()},
    )
    adjustments = tuple(
        LocalAdjustment(practice_code=code, category="OPFA", pence=-5_000, reason="Service moved")
        for code, _, _ in lists[:50]
    )
    chosen = params(
        resource_pence=sum(baseline.values()),
        uplift_pct=Decimal("3.5"),
        uplift_pct_by_category={"NEL": Decimal("4.1")},
        adjustments=adjustments,
        need_weights={code: Decimal("1.1") for code, _, _ in lists[::3]},
        pace_of_change_pct=Decimal(25),
        risk_mode="threshold",
        risk_threshold_pence=1_000_000,
        unattributed="pro_rata",
    )
    start = time.perf_counter()
    result = set_budgets(params=chosen, inputs=data)
    elapsed = time.perf_counter() - start
    assert result.total_pence <= chosen.resource_pence
    assert len(result.practices) == 300
    assert elapsed < 5, f"budget setting took {elapsed:.2f}s"
