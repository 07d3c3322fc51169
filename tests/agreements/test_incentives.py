"""Incentive payments: every worked figure of DOMAIN.md section 7, in exact pence, computed by hand."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agreements.incentives import (
    Achievements,
    AllowanceBasis,
    Due,
    JudgedFor,
    LocalityAllowance,
    LocalityLevel,
    LocalityLevelComponent,
    Outcome,
    PaymentKind,
    PerActivityComponent,
    PerPatientComponent,
    Scheme,
    SchemeError,
    WeightedOutcomesComponent,
    banes_part2_2007_08,
    budget_rule_eligibility,
    calculate_locality_payments,
    calculate_payments,
    component_from_dict,
    des_2008_09,
    hertfordshire_les_2007_08,
    total_pence,
)

BANES_CONSORTIUM = {"1.1", "1.2", "1.4", "2.1", "4.1", "4.2", "4.3", "5.1", "5.2"}
HERTS_POPULATION = 1_150_000


def one_component_scheme(*components, year: str = "2007/08") -> Scheme:
    return Scheme(code="test", name="Test scheme", pct="Test PCT", year=year, components=tuple(components))


def per_patient(rate: str, **kwargs) -> PerPatientComponent:
    return PerPatientComponent(code="pp", name="Per patient", rate_pence_per_patient=Decimal(rate), **kwargs)


def banes(list_size: int, *, consortium: set[str], practice: set[str]) -> int:
    lines = calculate_payments(
        banes_part2_2007_08(),
        practice_list_size=list_size,
        achievements=Achievements(consortium=frozenset(consortium), practice=frozenset(practice)),
        overspent=False,
    )
    assert len(lines) == 1
    return lines[0].amount_pence


def herts_level(
    level: int, *, cumulative: bool = False, population: int = HERTS_POPULATION, localities: int = 12
):
    component = hertfordshire_les_2007_08(cumulative=cumulative).component("3")
    return calculate_locality_payments(
        component, year="2007/08", level=level, population=population, localities=localities
    )


# --- BANES 2007/08 Part 2 -------------------------------------------------------------------------


def test_banes_domain_example_is_6080_pounds():
    lines = calculate_payments(
        banes_part2_2007_08(),
        practice_list_size=8_000,
        achievements=Achievements(
            consortium=frozenset(BANES_CONSORTIUM - {"4.3"}), practice=frozenset({"6.2"})
        ),
        overspent=False,
    )
    (line,) = lines
    assert line.amount_pence == 608_000
    assert line.calculated_pence == 608_000
    assert line.basis.startswith("£0.95 × 8,000 × 80%")
    assert "consortium 65%" in line.basis and "practice 15%" in line.basis
    assert line.due is Due.JUNE_NEXT_YEAR
    assert line.due_by == date(2008, 6, 30)
    assert line.eligible and not line.clawback


@pytest.mark.parametrize(
    ("consortium", "practice", "expected_pence"),
    [
        (BANES_CONSORTIUM - {"4.3"}, {"6.2"}, 608_000),  # 80%
        (BANES_CONSORTIUM, {"6.1", "6.2", "6.3"}, 760_000),  # 100%
        (BANES_CONSORTIUM, set(), 532_000),  # 70%
        (set(), {"6.2", "6.3"}, 228_000),  # 30%
        (BANES_CONSORTIUM - {"4.3"}, {"6.1"}, 494_000),  # 65% + 0%
        (set(), set(), 0),
        ({"1.1", "1.2", "1.4"}, set(), 38_000),  # communication 5%
        ({"5.1", "5.2"}, set(), 304_000),  # pathways 40%
    ],
)
def test_banes_weightings(consortium, practice, expected_pence):
    assert banes(8_000, consortium=consortium, practice=practice) == expected_pence


def test_banes_weights_are_exactly_as_the_seed():
    (component,) = banes_part2_2007_08().components
    weights = {o.code: (o.weight_percent, o.judged_for) for o in component.outcomes}
    c, p = JudgedFor.CONSORTIUM, JudgedFor.PRACTICE
    assert weights == {
        "1.1": (1, c),
        "1.2": (3, c),
        "1.4": (1, c),
        "2.1": (5, c),
        "4.1": (5, c),
        "4.2": (10, c),
        "4.3": (5, c),
        "5.1": (20, c),
        "5.2": (20, c),
        "6.1": (0, p),
        "6.2": (15, p),
        "6.3": (15, p),
    }
    assert component.rate_pence_per_patient == 95


def test_banes_half_a_penny_rounds_up():
    # 95p × 30 × 1% = 28.5p: half-up gives 29p (banker's rounding would give 28p).
    assert banes(30, consortium={"1.1"}, practice=set()) == 29
    # 95p × 10 × 1% = 9.5p → 10p; 95p × 8,001 × 1% = 7,600.95p → 7,601p.
    assert banes(10, consortium={"1.1"}, practice=set()) == 10
    assert banes(8_001, consortium={"1.1"}, practice=set()) == 7_601


# --- Hertfordshire LES 2007/08 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "list_size", "expected_pence"),
    [
        ("1", HERTS_POPULATION, 115_000_000),  # £1,150,000
        ("2", HERTS_POPULATION, 57_500_000),  # £575,000
        ("1", 8_000, 800_000),
        ("2", 8_001, 400_050),
    ],
)
def test_herts_objectives_1_and_2(code, list_size, expected_pence):
    (line,) = calculate_payments(
        hertfordshire_les_2007_08(), practice_list_size=list_size, overspent=False, taking_part=[code]
    )
    assert line.component_code == code
    assert line.amount_pence == expected_pence


def test_herts_due_rules():
    lines = calculate_payments(hertfordshire_les_2007_08(), practice_list_size=100, overspent=False)
    assert [(line.component_code, line.due, line.due_by) for line in lines] == [
        ("1", Due.ON_SIGN_UP, date(2007, 4, 30)),
        ("2", Due.START_OF_YEAR, date(2007, 4, 30)),
    ]
    assert Due.ON_SIGN_UP.label == "on sign-up, by 30 April"
    assert Due.JUNE_NEXT_YEAR.label == "by June of the next year"


@pytest.mark.parametrize(
    ("level", "population", "localities", "expected"),
    [
        (1, 100_000, 1, {"3.L1.gp": 1_560_000}),  # £15,600 a locality
        (1, HERTS_POPULATION, 12, {"3.L1.gp": 18_720_000}),  # £187,200 for 12
        (2, 100_000, 1, {"3.L2.gp": 4_680_000, "3.L2.staff": 1_560_000}),  # £46,800 + £15,600
        (2, HERTS_POPULATION, 12, {"3.L2.gp": 53_820_000, "3.L2.staff": 17_940_000}),  # £538,200 + £179,400
        (
            3,
            HERTS_POPULATION,
            12,
            {"3.L3.gp": 107_640_000, "3.L3.staff": 35_880_000},
        ),  # £1,076,400 + £358,800
        (3, 100_000, 1, {"3.L3.gp": 9_360_000, "3.L3.staff": 3_120_000}),
        # Pro rata, rounded once at the end: £46,800 × 0.95432 = £44,662.176; £15,600 × 0.95432 = £14,887.392.
        (2, 95_432, 1, {"3.L2.gp": 4_466_218, "3.L2.staff": 1_488_739}),
        # Level 1 is per locality whatever the size.
        (1, 37, 1, {"3.L1.gp": 1_560_000}),
    ],
)
def test_herts_locality_levels_self_contained(level, population, localities, expected):
    lines = herts_level(level, population=population, localities=localities)
    assert {line.component_code: line.amount_pence for line in lines} == expected


def test_herts_locality_basis_text():
    lines = herts_level(2)
    assert lines[0].basis == "3 sessions a week per 100,000 × £300.00 × 52 weeks × 1,150,000 population"
    assert lines[1].basis == "10 hours a week per 100,000 × £30.00 × 52 weeks × 1,150,000 population"
    assert herts_level(1)[0].basis == "1 session a week × £300.00 × 52 weeks × 12 localities"
    assert herts_level(1, localities=1)[0].basis.endswith("× 1 locality")


@pytest.mark.parametrize(
    ("level", "self_contained_pence", "cumulative_pence"),
    [
        (1, 18_720_000, 18_720_000),
        (2, 71_760_000, 90_480_000),  # cumulative adds level 1's £187,200
        (3, 143_520_000, 234_000_000),  # cumulative: 187,200 + 538,200 + 179,400 + 1,076,400 + 358,800
    ],
)
def test_cumulative_versus_self_contained_levels(level, self_contained_pence, cumulative_pence):
    assert total_pence(herts_level(level)) == self_contained_pence
    assert total_pence(herts_level(level, cumulative=True)) == cumulative_pence


def test_cumulative_lists_each_level():
    codes = [line.component_code for line in herts_level(3, cumulative=True)]
    assert codes == ["3.L1.gp", "3.L2.gp", "3.L2.staff", "3.L3.gp", "3.L3.staff"]


def test_locality_funds_less_than_the_maximum_staff_hours():
    component = hertfordshire_les_2007_08().component("3")
    lines = calculate_locality_payments(
        component, year="2007/08", level=2, population=100_000, units_per_week={"staff": Decimal("5")}
    )
    # 5 hours × £30 × 52 weeks = £7,800
    assert {line.component_code: line.amount_pence for line in lines} == {
        "3.L2.gp": 4_680_000,
        "3.L2.staff": 780_000,
    }
    with pytest.raises(SchemeError, match="up to 10 hours a week"):
        calculate_locality_payments(
            component, year="2007/08", level=2, population=100_000, units_per_week={"staff": Decimal("11")}
        )
    with pytest.raises(SchemeError, match="no allowance nurse"):
        calculate_locality_payments(
            component, year="2007/08", level=2, population=100_000, units_per_week={"nurse": Decimal("1")}
        )


# --- DES 2008/09 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "count", "expected_pence"),
    [
        ("heart_failure", 12, 42_000),  # £35 × 12
        ("heart_failure", 1, 3_500),
        ("alcohol", 150, 34_950),  # £2.33 × 150 = £349.50
        ("alcohol", 1, 233),
        ("learning_disabilities", 25, 250_000),  # £100 × 25
        ("osteoporosis", 1, 58_821),  # £588.21
        ("osteoporosis", 0, 0),
    ],
)
def test_des_per_activity(code, count, expected_pence):
    (line,) = calculate_payments(
        des_2008_09(),
        practice_list_size=None,
        activity_counts={code: count},
        overspent=False,
        taking_part=[code],
    )
    assert line.amount_pence == expected_pence
    assert line.due_by == date(2009, 3, 31)


@pytest.mark.parametrize(
    ("code", "list_size", "expected_pence"),
    [
        ("ethnicity", 8_000, 44_800),  # 5.6p × 8,000 = £448.00
        ("extended_hours", 8_000, 2_360_000),  # £2.95 × 8,000 = £23,600.00
        ("extended_hours", 8_001, 2_360_295),
        # Fractional-penny rate, odd list sizes: rounded once at the end, half-up.
        ("ethnicity", 1, 6),  # 5.6p → 6p
        ("ethnicity", 7, 39),  # 39.2p → 39p
        ("ethnicity", 1_001, 5_606),  # 5,605.6p → 5,606p (per-patient rounding would give 6,006p)
        ("ethnicity", 9_999, 55_994),  # 55,994.4p → 55,994p
        ("ethnicity", 0, 0),
    ],
)
def test_des_per_patient(code, list_size, expected_pence):
    (line,) = calculate_payments(
        des_2008_09(), practice_list_size=list_size, overspent=False, taking_part=[code]
    )
    assert line.amount_pence == expected_pence


def test_des_whole_practice_and_basis_text():
    lines = calculate_payments(
        des_2008_09(),
        practice_list_size=8_000,
        activity_counts={"heart_failure": 12, "alcohol": 150, "learning_disabilities": 25, "osteoporosis": 1},
        overspent=True,  # DES payments are not subject to the indicative budget rule
    )
    assert total_pence(lines) == 42_000 + 34_950 + 250_000 + 58_821 + 44_800 + 2_360_000
    bases = {line.component_code: line.basis for line in lines}
    assert bases["heart_failure"] == "£35.00 per patient treated × 12"
    assert bases["ethnicity"] == "£0.056 × 8,000 registered patients"
    assert all(line.eligible for line in lines)


@pytest.mark.parametrize(("rate", "list_size", "expected"), [("0.5", 1, 1), ("0.5", 5, 3), ("2.5", 1, 3)])
def test_exact_half_penny_rounds_up(rate, list_size, expected):
    (line,) = calculate_payments(
        one_component_scheme(per_patient(rate)), practice_list_size=list_size, overspent=False
    )
    assert line.amount_pence == expected


# --- indicative budget rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overspent", "substantial", "kind", "eligible", "clawback"),
    [
        (False, False, PaymentKind.IN_ADVANCE, True, False),
        (False, False, PaymentKind.IN_ARREARS, True, False),
        (True, False, PaymentKind.IN_ADVANCE, False, True),  # recovered
        (True, True, PaymentKind.IN_ADVANCE, True, False),  # kept, not clawed back
        (True, False, PaymentKind.IN_ARREARS, False, False),
        (True, True, PaymentKind.IN_ARREARS, False, False),  # no further reward payment
        (True, False, PaymentKind.EXEMPT, True, False),
    ],
)
def test_budget_rule_eligibility(overspent, substantial, kind, eligible, clawback):
    result = budget_rule_eligibility(overspent=overspent, substantial_action_agreed=substantial, kind=kind)
    assert (result.eligible, result.clawback) == (eligible, clawback)
    assert result.reason


def test_overspent_practice_loses_herts_payments_unless_substantial_action():
    scheme = hertfordshire_les_2007_08()
    withheld = calculate_payments(scheme, practice_list_size=8_000, overspent=True)
    assert [(line.amount_pence, line.calculated_pence, line.clawback) for line in withheld] == [
        (0, 800_000, True),
        (0, 400_000, True),
    ]
    assert "overspent" in withheld[0].reason.lower()
    kept = calculate_payments(
        scheme, practice_list_size=8_000, overspent=True, substantial_action_agreed=True
    )
    assert [(line.amount_pence, line.clawback) for line in kept] == [(800_000, False), (400_000, False)]


def test_overspent_practice_gets_no_year_end_reward_even_with_substantial_action():
    reward = PerActivityComponent(
        code="reward",
        name="Reward",
        rate_pence=Decimal("100"),
        unit="thing",
        budget_rule=True,
        due=Due.YEAR_END,
    )
    (line,) = calculate_payments(
        one_component_scheme(reward),
        practice_list_size=None,
        activity_counts={"reward": 10},
        overspent=True,
        substantial_action_agreed=True,
    )
    assert (line.amount_pence, line.calculated_pence, line.eligible, line.clawback) == (
        0,
        1_000,
        False,
        False,
    )


# --- validation -----------------------------------------------------------------------------------


def outcome(code: str, weight: str, judged_for: str = "consortium") -> Outcome:
    return Outcome(
        code=code, description=f"Outcome {code}", weight_percent=Decimal(weight), judged_for=judged_for
    )


def test_weights_must_add_up_to_100_percent():
    with pytest.raises(SchemeError, match=r"add up to 99%; they must add up to exactly 100%"):
        WeightedOutcomesComponent(
            code="w",
            name="W",
            rate_pence_per_patient=Decimal("95"),
            outcomes=(outcome("a", "50"), outcome("b", "49")),
        )
    with pytest.raises(SchemeError, match="add up to 100.5%"):
        WeightedOutcomesComponent(
            code="w",
            name="W",
            rate_pence_per_patient=Decimal("95"),
            outcomes=(outcome("a", "50"), outcome("b", "50.5")),
        )


@pytest.mark.parametrize(
    "build",
    [
        lambda: per_patient("-1"),
        lambda: PerActivityComponent(code="a", name="A", rate_pence=Decimal("-0.01"), unit="x"),
        lambda: WeightedOutcomesComponent(
            code="w", name="W", rate_pence_per_patient=Decimal("-95"), outcomes=(outcome("a", "100"),)
        ),
        lambda: LocalityAllowance(
            code="gp",
            name="GP",
            units_per_week=Decimal("1"),
            unit="session",
            rate_pence=Decimal("-300"),
            basis="per_locality",
        ),
    ],
)
def test_negative_rates_are_refused(build):
    with pytest.raises(SchemeError, match="cannot be negative"):
        build()


def test_rates_are_never_floats():
    with pytest.raises(SchemeError, match="not float"):
        PerPatientComponent(code="pp", name="PP", rate_pence_per_patient=5.6)


def test_negative_list_size_and_counts_are_refused():
    with pytest.raises(SchemeError, match=r"list size cannot be negative \(-1\)"):
        calculate_payments(hertfordshire_les_2007_08(), practice_list_size=-1, overspent=False)
    with pytest.raises(SchemeError, match="count for alcohol cannot be negative"):
        calculate_payments(
            des_2008_09(),
            practice_list_size=None,
            activity_counts={"alcohol": -3},
            overspent=False,
            taking_part=["alcohol"],
        )
    with pytest.raises(SchemeError, match="cannot be more than 1"):
        calculate_payments(
            des_2008_09(),
            practice_list_size=None,
            activity_counts={"osteoporosis": 2},
            overspent=False,
            taking_part=["osteoporosis"],
        )


def test_missing_list_size_is_refused():
    with pytest.raises(SchemeError, match="a payment for a year with no list size"):
        calculate_payments(hertfordshire_les_2007_08(), practice_list_size=None, overspent=False)


def test_unknown_or_misplaced_outcome_codes_are_refused():
    with pytest.raises(SchemeError, match="has no outcome 1.3"):
        banes(8_000, consortium={"1.1", "1.3"}, practice=set())
    with pytest.raises(SchemeError, match="6.2 is not judged for the consortium"):
        banes(8_000, consortium={"6.2"}, practice=set())
    with pytest.raises(SchemeError, match="4.3 is not judged for the practice"):
        banes(8_000, consortium=set(), practice={"4.3"})


def test_missing_achievements_and_counts_are_refused():
    with pytest.raises(SchemeError, match="No achievements given"):
        calculate_payments(banes_part2_2007_08(), practice_list_size=8_000, overspent=False)
    with pytest.raises(SchemeError, match=r"No count given for Heart failure DES \(heart_failure\)"):
        calculate_payments(des_2008_09(), practice_list_size=8_000, overspent=False)
    with pytest.raises(SchemeError, match="no per-activity component flu"):
        calculate_payments(
            des_2008_09(),
            practice_list_size=8_000,
            activity_counts={"flu": 1},
            overspent=False,
            taking_part=[],
        )
    with pytest.raises(SchemeError, match="no practice component 3"):
        calculate_payments(
            hertfordshire_les_2007_08(), practice_list_size=1, overspent=False, taking_part=["3"]
        )


def test_locality_calculation_validation():
    component = hertfordshire_les_2007_08().component("3")
    with pytest.raises(SchemeError, match="has no level 4"):
        calculate_locality_payments(component, year="2007/08", level=4, population=100_000)
    with pytest.raises(SchemeError, match="population cannot be negative"):
        calculate_locality_payments(component, year="2007/08", level=2, population=-1)
    with pytest.raises(SchemeError, match="No registered population"):
        calculate_locality_payments(component, year="2007/08", level=2, population=None)
    with pytest.raises(SchemeError, match="number of localities cannot be below 1"):
        calculate_locality_payments(component, year="2007/08", level=1, population=1, localities=0)
    with pytest.raises(SchemeError, match="not a financial year"):
        calculate_locality_payments(component, year="2007", level=1, population=1)


def test_scheme_structure_validation():
    with pytest.raises(SchemeError, match="more than once"):
        one_component_scheme(per_patient("1"), per_patient("2"))
    with pytest.raises(SchemeError, match="numbered 1, 2, 3"):
        LocalityLevelComponent(
            code="3",
            name="Levels",
            levels=(
                LocalityLevel(
                    level=2,
                    name="Level 2",
                    allowances=(
                        LocalityAllowance(
                            code="gp",
                            name="GP",
                            units_per_week=Decimal("1"),
                            unit="session",
                            rate_pence=Decimal("30000"),
                            basis=AllowanceBasis.PER_LOCALITY,
                        ),
                    ),
                ),
            ),
        )
    with pytest.raises(SchemeError, match="'quarterly' is not one of"):
        per_patient("1", due="quarterly")
    with pytest.raises(SchemeError, match="not a financial year"):
        one_component_scheme(per_patient("1"), year="2007/09")


# --- dict round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [banes_part2_2007_08, hertfordshire_les_2007_08, des_2008_09])
def test_ready_made_schemes_round_trip_through_json(build):
    scheme = build()
    stored = json.loads(json.dumps(scheme.to_dict()))
    assert Scheme.from_dict(stored) == scheme


def test_component_dict_format():
    data = {
        "kind": "per_patient",
        "code": "ethnicity",
        "name": "Ethnicity DES",
        "rate_pence_per_patient": "5.6",
        "due": "year_end",
        "trigger": "",
        "budget_rule": False,
    }
    component = component_from_dict(data)
    assert component == PerPatientComponent(
        code="ethnicity", name="Ethnicity DES", rate_pence_per_patient=Decimal("5.6")
    )
    assert component.to_dict() == data
    with pytest.raises(SchemeError, match="unknown keys: rate"):
        component_from_dict({**data, "rate": "1"})
    with pytest.raises(SchemeError, match="Unknown component kind 'bonus'"):
        component_from_dict({**data, "kind": "bonus"})
    with pytest.raises(SchemeError, match="not float"):
        component_from_dict({**data, "rate_pence_per_patient": 5.6})


def test_payment_line_and_achievements_dicts():
    achievements = Achievements.from_dict({"consortium": ["4.2", "1.1"], "practice": ["6.2"]})
    assert achievements.to_dict() == {"consortium": ["1.1", "4.2"], "practice": ["6.2"]}
    (line,) = calculate_payments(
        banes_part2_2007_08(), practice_list_size=1_000, achievements=achievements, overspent=False
    )
    # 95p × 1,000 × 26% = £247.00
    assert line.to_dict() == {
        "component_code": "part2",
        "name": "Incentive scheme funding for practices (Part 2)",
        "basis": "£0.95 × 1,000 × 26% (consortium 11% + practice 15%)",
        "amount_pence": 24_700,
        "calculated_pence": 24_700,
        "due": "june_next_year",
        "due_label": "by June of the next year",
        "due_by": "2008-06-30",
        "eligible": True,
        "clawback": False,
        "reason": "Not subject to the indicative budget rule.",
    }


# --- properties -----------------------------------------------------------------------------------

rates = st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False)
list_sizes = st.integers(min_value=0, max_value=2_000_000)


@given(rate=rates, list_size=list_sizes)
def test_per_patient_payment_is_never_negative(rate, list_size):
    (line,) = calculate_payments(
        one_component_scheme(per_patient(str(rate))), practice_list_size=list_size, overspent=False
    )
    assert line.amount_pence >= 0


@given(rate=rates, sizes=st.tuples(list_sizes, list_sizes))
def test_per_patient_payment_is_monotone_in_list_size(rate, sizes):
    small, large = sorted(sizes)
    scheme = one_component_scheme(per_patient(str(rate)))
    (a,) = calculate_payments(scheme, practice_list_size=small, overspent=False)
    (b,) = calculate_payments(scheme, practice_list_size=large, overspent=False)
    assert a.amount_pence <= b.amount_pence


@given(
    list_size=list_sizes,
    consortium=st.sets(st.sampled_from(sorted(BANES_CONSORTIUM))),
    practice=st.sets(st.sampled_from(["6.1", "6.2", "6.3"])),
)
def test_weighted_payment_is_between_nothing_and_full_rate(list_size, consortium, practice):
    amount = banes(list_size, consortium=consortium, practice=practice)
    assert 0 <= amount <= 95 * list_size


@given(
    level=st.integers(min_value=1, max_value=3),
    cumulative=st.booleans(),
    populations=st.tuples(list_sizes, list_sizes),
    localities=st.integers(min_value=1, max_value=50),
)
def test_locality_payment_is_never_negative_and_monotone_in_population(
    level, cumulative, populations, localities
):
    small, large = sorted(populations)
    a = total_pence(herts_level(level, cumulative=cumulative, population=small, localities=localities))
    b = total_pence(herts_level(level, cumulative=cumulative, population=large, localities=localities))
    assert 0 <= a <= b


@given(overspent=st.booleans(), substantial=st.booleans(), kind=st.sampled_from(list(PaymentKind)))
def test_a_clawback_is_never_eligible(overspent, substantial, kind):
    result = budget_rule_eligibility(overspent=overspent, substantial_action_agreed=substantial, kind=kind)
    assert not (result.clawback and result.eligible)
    if not overspent:
        assert result.eligible
