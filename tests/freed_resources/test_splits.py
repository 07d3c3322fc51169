"""Splits of freed-up resources: every figure in DOMAIN.md section 8, worked by hand in pence."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from freed_resources.splits import (
    BANES_RETURNED_POINTS,
    BANES_SCHEME,
    HERTFORDSHIRE_SCHEME,
    NATIONAL_SCHEME,
    READY_MADE_SCHEMES,
    Party,
    ReturnedPoint,
    SplitError,
    SplitScheme,
    banes_scheme,
    hertfordshire_scheme,
    national_scheme,
    returned_for_investment,
    scheme_from_dict,
    scheme_to_dict,
    split_freed_resources,
    validate_scheme,
)

POUND = 100  # pence

# DOMAIN.md 8 / seed 002 Appendix 2 n), in pounds: freed up, to practices (70%), to PCT (30%), returned.
BANES_TABLE = [
    (100_000, 70_000, 30_000, 0),
    (200_000, 140_000, 60_000, 0),
    (300_000, 196_000, 84_000, 20_000),
    (400_000, 245_000, 105_000, 50_000),
    (500_000, 294_000, 126_000, 80_000),
    (600_000, 350_000, 150_000, 100_000),
    (700_000, 385_000, 165_000, 150_000),
    (800_000, 420_000, 180_000, 200_000),
    (900_000, 455_000, 195_000, 250_000),
    (1_000_000, 490_000, 210_000, 300_000),
    (1_100_000, 525_000, 225_000, 350_000),
    (1_200_000, 560_000, 240_000, 400_000),
]
BANES_FIGURES = [
    pytest.param(freed, attribute, expected, id=f"{freed}-{attribute}")
    for freed, practices, pct, returned in BANES_TABLE
    for attribute, expected in (
        ("practices_pence", practices),
        ("pct_pence", pct),
        ("returned_for_investment_pence", returned),
    )
]


def parts(result):
    return (
        result.reward_pence,
        result.returned_for_investment_pence,
        result.practices_pence,
        result.pct_pence,
    )


# --- BANES sliding scale ------------------------------------------------------------------------------


def test_banes_table_has_36_figures():
    assert len(BANES_FIGURES) == 36


@pytest.mark.parametrize(("freed", "attribute", "expected"), BANES_FIGURES)
def test_banes_table_figure(freed, attribute, expected):
    result = split_freed_resources(BANES_SCHEME, freed * POUND)
    assert getattr(result, attribute) == expected * POUND


@pytest.mark.parametrize(("freed", "practices", "pct", "returned"), BANES_TABLE)
def test_banes_table_rows_add_up_with_no_reward_or_residue(freed, practices, pct, returned):
    result = split_freed_resources(BANES_SCHEME, freed * POUND)
    assert parts(result) == (0, returned * POUND, practices * POUND, pct * POUND)
    assert result.total_pence == freed * POUND
    assert result.residue_pence == 0


def test_banes_points_are_the_domain_table():
    assert [(p.freed_pence, p.returned_pence) for p in BANES_RETURNED_POINTS] == [
        (freed * POUND, returned * POUND) for freed, _, _, returned in BANES_TABLE
    ]


def test_banes_250k_interpolates_from_zero_at_200k():
    result = split_freed_resources(BANES_SCHEME, 250_000 * POUND)
    assert parts(result) == (0, 10_000 * POUND, 168_000 * POUND, 72_000 * POUND)
    scale_step = next(s for s in result.steps if s.party == Party.RETURNED_FOR_INVESTMENT)
    assert "£200,000.00" in scale_step.detail
    assert "£300,000.00" in scale_step.detail
    assert scale_step.pence == 1_000_000


@pytest.mark.parametrize(
    ("freed", "returned", "practices", "pct"),
    [
        # halfway 300k→400k: 20k + 30k/2 = 35k returned; 315k left → 220.5k / 94.5k
        (35_000_000, 3_500_000, 22_050_000, 9_450_000),
        # halfway 1.1m→1.2m: 350k + 25k = 375k; 775k left → 542.5k / 232.5k
        (115_000_000, 37_500_000, 54_250_000, 23_250_000),
        # a quarter of the way 500k→600k: 80k + 5k = 85k; 440k left → 308k / 132k
        (52_500_000, 8_500_000, 30_800_000, 13_200_000),
        # 400,000.05: 50k + 0.3 × 5p = 1.5p → 2p (half-up); 35,000,003p left → 24,500,002.1 / 10,500,000.9
        (40_000_005, 5_000_002, 24_500_002, 10_500_001),
    ],
)
def test_banes_between_rows(freed, returned, practices, pct):
    result = split_freed_resources(BANES_SCHEME, freed)
    assert parts(result) == (0, returned, practices, pct)


@pytest.mark.parametrize(
    ("freed", "practices", "pct"),
    [
        (150_000_000, 77_000_000, 33_000_000),  # £1.5m: 400k returned, 1.1m → 770k / 330k
        (120_000_001, 56_000_001, 24_000_000),  # one penny over the table: 0.7p → 1p, 0.3p → 0p
        (1_000_000_000, 672_000_000, 288_000_000),  # £10m: 400k returned, 9.6m → 6.72m / 2.88m
    ],
)
def test_banes_beyond_table_returns_at_most_400k(freed, practices, pct):
    result = split_freed_resources(BANES_SCHEME, freed)
    assert parts(result) == (0, 40_000_000, practices, pct)
    assert "beyond the last point" in result.steps[1].detail


@pytest.mark.parametrize(
    ("freed", "practices", "pct"),
    [(0, 0, 0), (1, 1, 0), (5_000_000, 3_500_000, 1_500_000), (9_999_999, 6_999_999, 3_000_000)],
)
def test_banes_below_first_point_returns_nothing(freed, practices, pct):
    assert parts(split_freed_resources(BANES_SCHEME, freed)) == (0, 0, practices, pct)


def test_scale_below_a_non_zero_first_point_returns_nothing_then_steps_up():
    points = ((10_000, 1_000), (20_000, 3_000))
    assert returned_for_investment(points, 9_999) == 0
    assert returned_for_investment(points, 10_000) == 1_000
    assert returned_for_investment(points, 15_000) == 2_000
    assert returned_for_investment(points, 15_001) == 2_000  # 1,000 + 0.2 × 5,001 = 2,000.2
    assert returned_for_investment(points, 15_003) == 2_001  # 2,000.6 → 2,001
    assert returned_for_investment(points, 50_000) == 3_000


def test_returned_is_limited_to_what_is_left_after_the_reward():
    scheme = SplitScheme(
        name="Reward and scale",
        practice_share=Decimal("0.70"),
        reward_rate=Decimal("0.50"),
        returned_points=((0, 0), (1_000, 1_000)),
    )
    result = split_freed_resources(scheme, 1_000)
    assert parts(result) == (500, 500, 0, 0)
    assert "Limited to the £5.00 left" in result.steps[2].detail


# --- Hertfordshire ------------------------------------------------------------------------------------


def test_hertfordshire_example():
    result = split_freed_resources(HERTFORDSHIRE_SCHEME, 200_000 * POUND, list_size=10_000)
    assert parts(result) == (10_000 * POUND, 0, 133_000 * POUND, 57_000 * POUND)
    # 10% of £200,000 would be £20,000: the £1 × 10,000 patients cap decides the reward.
    assert result.reward_capped is True
    assert result.reward_withheld is False


def test_hertfordshire_reward_within_the_cap():
    # 10% of £50,000 = £5,000 < £10,000 cap; £45,000 left → £31,500 / £13,500
    result = split_freed_resources(HERTFORDSHIRE_SCHEME, 50_000 * POUND, list_size=10_000)
    assert parts(result) == (5_000 * POUND, 0, 31_500 * POUND, 13_500 * POUND)
    assert result.reward_capped is False


def test_hertfordshire_reward_capped_by_small_list():
    # cap £1 × 3,500 = £3,500; £196,500 left → £137,550 / £58,950
    result = split_freed_resources(HERTFORDSHIRE_SCHEME, 200_000 * POUND, list_size=3_500)
    assert parts(result) == (3_500 * POUND, 0, 137_550 * POUND, 58_950 * POUND)
    assert result.reward_capped is True
    reward_step = next(s for s in result.steps if s.party == Party.REWARD)
    assert "capped at £1.00 × 3,500 registered patients = £3,500.00" in reward_step.detail


def test_hertfordshire_cap_exactly_reached_is_not_capped():
    result = split_freed_resources(HERTFORDSHIRE_SCHEME, 100_000 * POUND, list_size=10_000)
    assert result.reward_pence == 10_000 * POUND
    assert result.reward_capped is False


def test_hertfordshire_overspent_practice_gets_no_reward():
    result = split_freed_resources(HERTFORDSHIRE_SCHEME, 200_000 * POUND, list_size=10_000, overspent=True)
    assert parts(result) == (0, 0, 140_000 * POUND, 60_000 * POUND)
    assert result.reward_withheld is True
    assert any(s.rule == "No reward payment" for s in result.steps)


def test_overspent_practice_needs_no_list_size():
    result = split_freed_resources(HERTFORDSHIRE_SCHEME, 1_000 * POUND, overspent=True)
    assert parts(result) == (0, 0, 700 * POUND, 300 * POUND)


def test_scheme_can_pay_reward_despite_overspend():
    scheme = SplitScheme(
        name="Reward regardless",
        practice_share=Decimal("0.70"),
        reward_rate=Decimal("0.10"),
        no_reward_if_overspent=False,
    )
    result = split_freed_resources(scheme, 1_000 * POUND, overspent=True)
    assert parts(result) == (100 * POUND, 0, 630 * POUND, 270 * POUND)
    assert result.reward_withheld is False


def test_hertfordshire_reward_rounds_half_up():
    # 10% of 15p = 1.5p → 2p; 13p left → 9.1p → 9p, 3.9p → 4p
    result = split_freed_resources(HERTFORDSHIRE_SCHEME, 15, list_size=1)
    assert parts(result) == (2, 0, 9, 4)


def test_zero_list_size_caps_reward_at_nothing():
    result = split_freed_resources(HERTFORDSHIRE_SCHEME, 1_000 * POUND, list_size=0)
    assert parts(result) == (0, 0, 700 * POUND, 300 * POUND)
    assert result.reward_capped is True


# --- national 70/30 and the rounding penny ------------------------------------------------------------


def test_national_split():
    result = split_freed_resources(NATIONAL_SCHEME, 100_000 * POUND)
    assert parts(result) == (0, 0, 70_000 * POUND, 30_000 * POUND)
    assert result.residue_party == "pct"
    assert result.residue_pence == 0


def test_national_odd_pence_residue_taken_by_pct():
    # £100.05: 7,003.5p → 7,004p and 3,001.5p → 3,002p overshoot by 1p; the PCT gives it up.
    result = split_freed_resources(NATIONAL_SCHEME, 10_005)
    assert (result.practices_pence, result.pct_pence) == (7_004, 3_001)
    assert result.residue_party == "pct"
    assert result.residue_pence == -1
    rounding = result.steps[-1]
    assert rounding.rule == "Rounding"
    assert rounding.party == "pct"
    assert "PCT gives up £0.01" in rounding.detail


def test_national_odd_pence_residue_taken_by_practices():
    result = split_freed_resources(national_scheme(residue_party=Party.PRACTICES), 10_005)
    assert (result.practices_pence, result.pct_pence) == (7_003, 3_002)
    assert result.residue_party == "practices"
    assert result.residue_pence == -1


@pytest.mark.parametrize(
    ("amount", "practices", "pct"), [(1, 1, 0), (2, 1, 1), (3, 2, 1), (10_001, 7_001, 3_000)]
)
def test_national_odd_pence_without_residue(amount, practices, pct):
    result = split_freed_resources(NATIONAL_SCHEME, amount)
    assert (result.practices_pence, result.pct_pence) == (practices, pct)
    assert result.residue_pence == 0
    assert all(s.rule != "Rounding" for s in result.steps)


def test_other_shares():
    scheme = national_scheme(name="80/20", practice_share=Decimal("0.8"))
    assert parts(split_freed_resources(scheme, 12_345)) == (0, 0, 9_876, 2_469)
    all_to_practices = national_scheme(practice_share=Decimal(1))
    assert parts(split_freed_resources(all_to_practices, 12_345)) == (0, 0, 12_345, 0)


def test_result_parts_by_party():
    result = split_freed_resources(BANES_SCHEME, 250_000 * POUND)
    assert result.parts() == {
        "reward": 0,
        "returned_for_investment": 1_000_000,
        "practices": 16_800_000,
        "pct": 7_200_000,
    }
    assert result.shared_pence == 24_000_000
    assert result.scheme_name == "BANES 2007/08 sliding scale"


# --- errors -------------------------------------------------------------------------------------------


def scheme(**overrides):
    fields = {"name": "Test", "practice_share": Decimal("0.70")} | overrides
    return SplitScheme(**fields)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (-1, "negative"),
        (Decimal("100"), "whole number of pence"),
        (100.0, "whole number of pence"),
        (True, "whole number of pence"),
    ],
)
def test_bad_amount(amount, message):
    with pytest.raises(SplitError, match=message):
        split_freed_resources(NATIONAL_SCHEME, amount)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"practice_share": Decimal("1.01")}, "practices' share must be between 0 and 1"),
        ({"practice_share": Decimal("-0.1")}, "practices' share must be between 0 and 1"),
        ({"practice_share": 0.7}, "practices' share must be a decimal fraction"),
        ({"practice_share": Decimal("0.1234567")}, "at most 6 decimal places"),
        ({"practice_share": Decimal("NaN")}, "practices' share must be a decimal fraction"),
        ({"reward_rate": Decimal("1.5")}, "reward rate must be between 0 and 1"),
        ({"reward_rate": Decimal("-0.01")}, "reward rate must be between 0 and 1"),
        ({"reward_cap_per_patient_pence": 100}, "no reward rate"),
        (
            {"reward_rate": Decimal("0.1"), "reward_cap_per_patient_pence": -1},
            "whole number of pence, 0 or more",
        ),
        ({"returned_points": ((100, 0), (100, 10))}, "must be for more than point 1"),
        ({"returned_points": ((200, 0), (100, 0))}, "must be for more than point 1"),
        ({"returned_points": ((100, 50), (200, 40))}, "must not fall as savings rise"),
        (
            {"returned_points": ((100, 150),)},
            r"returned \(£1\.50\) is more than the resource freed up \(£1\.00\)",
        ),
        ({"returned_points": ((100, -1),)}, "negative amount"),
        ({"returned_points": ((100,),)}, "two whole amounts"),
        ({"returned_points": ((100.0, 0),)}, "two whole amounts"),
        ({"residue_party": "reward"}, "rounding penny"),
        ({"name": " "}, "Give the scheme a name"),
        ({"no_reward_if_overspent": "no"}, "true or false"),
    ],
)
def test_invalid_scheme(overrides, message):
    bad = scheme(**overrides)
    with pytest.raises(SplitError, match=message):
        validate_scheme(bad)
    with pytest.raises(SplitError, match=message):
        split_freed_resources(bad, 100)


def test_validate_scheme_lists_every_problem():
    bad = scheme(practice_share=Decimal("2"), residue_party="nobody", returned_points=((100, 0), (50, 0)))
    with pytest.raises(SplitError) as caught:
        validate_scheme(bad)
    assert len(caught.value.problems) == 3
    assert str(caught.value).startswith("The split scheme 'Test' cannot be used:")


def test_validate_scheme_returns_a_good_scheme():
    for ready_made in READY_MADE_SCHEMES.values():
        assert validate_scheme(ready_made) is ready_made


def test_validate_rejects_other_objects():
    with pytest.raises(SplitError, match="Expected a split scheme"):
        validate_scheme({"name": "x"})


def test_capped_reward_needs_list_size():
    with pytest.raises(SplitError, match="enter the practice's registered list size"):
        split_freed_resources(HERTFORDSHIRE_SCHEME, 100 * POUND)


def test_uncapped_reward_needs_no_list_size():
    result = split_freed_resources(scheme(reward_rate=Decimal("0.10")), 1_000 * POUND)
    assert parts(result) == (100 * POUND, 0, 630 * POUND, 270 * POUND)


@pytest.mark.parametrize("list_size", [-1, 10.0, "10000"])
def test_bad_list_size(list_size):
    with pytest.raises(SplitError, match="registered list size"):
        split_freed_resources(HERTFORDSHIRE_SCHEME, 100, list_size=list_size)


def test_returned_for_investment_rejects_bad_points_and_amounts():
    with pytest.raises(SplitError, match="sliding scale cannot be used"):
        returned_for_investment(((100, 0), (100, 0)), 50)
    with pytest.raises(SplitError, match="negative"):
        returned_for_investment(BANES_RETURNED_POINTS, -5)


def test_split_error_is_a_value_error():
    assert issubclass(SplitError, ValueError)


# --- storage as JSON ----------------------------------------------------------------------------------


def test_scheme_to_dict():
    assert scheme_to_dict(hertfordshire_scheme()) == {
        "name": "Hertfordshire 2007/08 LES",
        "description": HERTFORDSHIRE_SCHEME.description,
        "practice_share": "0.70",
        "reward_rate": "0.10",
        "reward_cap_per_patient_pence": 100,
        "no_reward_if_overspent": True,
        "returned_points": [],
        "residue_party": "pct",
    }
    stored = scheme_to_dict(banes_scheme())
    assert stored["returned_points"][2] == {"freed_pence": 30_000_000, "returned_pence": 2_000_000}


@pytest.mark.parametrize("ready_made", list(READY_MADE_SCHEMES.values()), ids=list(READY_MADE_SCHEMES))
def test_scheme_round_trips_through_json(ready_made):
    restored = scheme_from_dict(json.loads(json.dumps(scheme_to_dict(ready_made))))
    assert restored == ready_made


def test_scheme_from_minimal_dict_with_pairs():
    restored = scheme_from_dict(
        {"name": "Local", "practice_share": "0.75", "returned_points": [[0, 0], [1_000_000, 100_000]]}
    )
    assert restored.returned_points == (ReturnedPoint(0, 0), ReturnedPoint(1_000_000, 100_000))
    assert restored.residue_party == "pct"
    assert restored.reward_rate is None
    assert parts(split_freed_resources(restored, 500_000)) == (0, 50_000, 337_500, 112_500)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "practice_share": 0.7}, "not as a floating-point number"),
        ({"name": "x", "practice_share": "seventy"}, "must be a decimal fraction"),
        ({"name": "x", "practice_share": "0.7", "reward_rate": "Infinity"}, "must be a decimal fraction"),
        ({"name": "x", "practice_share": "0.7", "sharee": "0.3"}, "Unknown scheme setting"),
        ({"practice_share": "0.7"}, "has no 'name'"),
        ({"name": "x"}, "has no 'practice_share'"),
        ({"name": "x", "practice_share": "0.7", "returned_points": [{"freed": 1}]}, "must be"),
        ({"name": "x", "practice_share": "0.7", "returned_points": [[1, "0"]]}, "two whole amounts"),
        ({"name": "x", "practice_share": "0.7", "returned_points": "none"}, "must be a list"),
        ({"name": "x", "practice_share": "1.7"}, "between 0 and 1"),
        ({"name": "x", "practice_share": "0.7", "returned_points": [[2, 0], [1, 0]]}, "smallest to largest"),
        (["name", "x"], "JSON object"),
    ],
)
def test_scheme_from_bad_dict(data, message):
    with pytest.raises(SplitError, match=message):
        scheme_from_dict(data)


# --- properties ---------------------------------------------------------------------------------------

fractions = st.integers(min_value=0, max_value=10**6).map(lambda n: Decimal(n) / Decimal(10**6))
amounts = st.integers(min_value=0, max_value=10**12)


@st.composite
def returned_points(draw):
    freed_values = sorted(draw(st.sets(st.integers(min_value=0, max_value=10**10), max_size=8)))
    points, previous = [], 0
    for freed in freed_values:
        returned = draw(st.integers(min_value=previous, max_value=freed))
        points.append(ReturnedPoint(freed, returned))
        previous = returned
    return tuple(points)


@st.composite
def schemes(draw):
    reward_rate = draw(st.none() | fractions)
    cap = draw(st.none() | st.integers(min_value=0, max_value=10_000)) if reward_rate is not None else None
    return SplitScheme(
        name="Generated",
        practice_share=draw(fractions),
        reward_rate=reward_rate,
        reward_cap_per_patient_pence=cap,
        no_reward_if_overspent=draw(st.booleans()),
        returned_points=draw(returned_points()),
        residue_party=draw(st.sampled_from([Party.PRACTICES, Party.PCT])),
    )


@given(
    scheme=schemes(),
    amount=amounts,
    list_size=st.integers(min_value=0, max_value=2_000_000),
    overspent=st.booleans(),
)
def test_parts_always_sum_to_the_whole_and_are_never_negative(scheme, amount, list_size, overspent):
    result = split_freed_resources(scheme, amount, list_size=list_size, overspent=overspent)
    assert sum(parts(result)) == amount
    assert min(parts(result)) >= 0
    assert result.residue_pence in (-1, 0, 1)
    # each share is within half a penny of its exact value
    shared = Decimal(result.shared_pence)
    assert abs(result.practices_pence - shared * scheme.practice_share) <= Decimal("0.5")
    if scheme.reward_rate is not None and not (overspent and scheme.no_reward_if_overspent):
        assert (
            abs(result.reward_pence - amount * scheme.reward_rate) <= Decimal("0.5") or result.reward_capped
        )
        if scheme.reward_cap_per_patient_pence is not None:
            assert result.reward_pence <= scheme.reward_cap_per_patient_pence * list_size
    else:
        assert result.reward_pence == 0


@given(amount=amounts, more=st.integers(min_value=0, max_value=10**9))
def test_banes_returned_never_falls_as_savings_rise(amount, more):
    lower = split_freed_resources(BANES_SCHEME, amount).returned_for_investment_pence
    higher = split_freed_resources(BANES_SCHEME, amount + more).returned_for_investment_pence
    assert 0 <= lower <= higher <= 40_000_000
    assert lower <= amount


@given(amount=amounts)
def test_national_shares_are_within_half_a_penny(amount):
    result = split_freed_resources(NATIONAL_SCHEME, amount)
    assert result.practices_pence + result.pct_pence == amount
    assert abs(Decimal(result.practices_pence) - Decimal(amount) * Decimal("0.7")) <= Decimal("0.5")
