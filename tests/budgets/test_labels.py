"""Outcomes and reasons read as words on pages, not as stored codes."""

import pytest

from activity.extract_schema import Outcome, Reason, outcome_label, reason_label


@pytest.mark.parametrize(
    ("code", "label"),
    [(Outcome.NON_PCT, "Non-PCT"), (Outcome.COSTED, "Costed"), (Outcome.UNATTRIBUTED, "Unattributed")],
)
def test_outcome_labels(code, label):
    assert outcome_label(code) == label


@pytest.mark.parametrize(
    ("code", "label"),
    [
        (Reason.NO_HRG, "No HRG"),
        (Reason.NO_OP_PRICE, "No outpatient price for treatment function"),
        (Reason.UNKNOWN_DEPARTMENT_TYPE, "Unknown A&E department type"),
        (Reason.PRACTICE_OUTSIDE_PCT, "Practice outside PCT"),
        (Reason.NONE, ""),
    ],
)
def test_reason_labels(code, label):
    assert reason_label(code) == label


def test_every_outcome_has_a_label():
    assert all(outcome_label(o) != o.value for o in Outcome)
