from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbc.money import (
    MoneyError,
    apportion_pence,
    format_gbp,
    parse_pounds,
    pence_to_str,
    round_half_up_pence,
    split_pence,
    to_pence,
)


@pytest.mark.parametrize(
    ("pounds", "pence"),
    [
        ("0.01", 1),
        ("1", 100),
        ("196000.00", 19_600_000),
        ("1,234.50", 123_450),
        ("£12", 1200),
        ("-3.10", -310),
    ],
)
def test_to_pence(pounds, pence):
    assert to_pence(pounds) == pence


@pytest.mark.parametrize("bad", ["0.001", "abc", "", "NaN", "1e400x"])
def test_to_pence_refuses_sub_penny_and_garbage(bad):
    with pytest.raises(MoneyError):
        parse_pounds(bad)


def test_float_is_refused():
    with pytest.raises(MoneyError):
        to_pence(0.1)


@pytest.mark.parametrize(
    ("pounds", "pence"),
    [("3150.004", 315_000), ("3150.005", 315_001), ("0.125", 13), ("2.675", 268), ("-0.005", -1)],
)
def test_round_half_up(pounds, pence):
    assert round_half_up_pence(Decimal(pounds)) == pence


def test_formats():
    assert format_gbp(123_456) == "£1,234.56"
    assert format_gbp(-5) == "-£0.05"
    assert format_gbp(None) == "—"
    assert pence_to_str(19_600_000) == "196000.00"
    assert pence_to_str(-1) == "-0.01"


def test_split_residue_goes_to_named_party():
    assert split_pence(100, [1, 1, 1]) == [34, 33, 33]
    assert split_pence(100, [1, 1, 1], residue_to=2) == [33, 33, 34]
    assert split_pence(1001, ["0.7", "0.3"]) == [701, 300]


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=6),
)
def test_split_always_adds_up(total, weights):
    if sum(weights) == 0:
        with pytest.raises(MoneyError):
            split_pence(total, weights)
        return
    parts = split_pence(total, weights)
    assert sum(parts) == total


def test_apportion_gives_residue_pennies_to_largest_remainders_ties_to_earlier():
    # 100 by 1:1:1 → 33.33 each → 33 + 33 + 33 = 99, one penny left, all remainders equal → first part.
    assert apportion_pence(total=100, weights=[1, 1, 1]) == [34, 33, 33]
    # 2 by 1:1:1:1 → 0.5 each → 0s and two pennies left → the first two (split_pence would give -1 here).
    assert apportion_pence(total=2, weights=[1, 1, 1, 1]) == [1, 1, 0, 0]
    # 10 by 1:2 → 3.33, 6.67 → 3 + 6 = 9, the penny goes to the larger remainder (0.67).
    assert apportion_pence(total=10, weights=[1, 2]) == [3, 7]
    assert apportion_pence(total=0, weights=[0, 0]) == [0, 0]
    with pytest.raises(MoneyError):
        apportion_pence(total=5, weights=[0, 0])


@pytest.mark.parametrize("text", ["٣٤٥", "३४५", "٣٤٥.00", "1٢", "１２３", "1e5", "Infinity", "-NaN"])
def test_only_ascii_digits_are_amounts(text):
    with pytest.raises(MoneyError, match="digits 0-9"):
        parse_pounds(text)


@pytest.mark.parametrize(("text", "pence"), [("£1,234.50", 123_450), ("+4", 400), (".5", 50), ("£ 12", 1200)])
def test_the_ways_people_write_pounds_still_parse(text, pence):
    assert parse_pounds(text) == pence


def test_form_and_api_money_fields_refuse_other_digits():
    from django import forms
    from rest_framework import serializers

    from pbc.api.fields import MoneyField
    from pbc.forms import PoundsField

    with pytest.raises(forms.ValidationError):
        PoundsField().clean("٣٤٥")
    with pytest.raises(serializers.ValidationError):
        MoneyField().run_validation("٣٤٥")
    assert PoundsField().clean("345") == MoneyField().run_validation("345.00") == 34_500
