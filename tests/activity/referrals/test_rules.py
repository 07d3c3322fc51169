"""The pure counting rules of referrals (DOMAIN 10)."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from activity.referrals import rules


@pytest.mark.parametrize(
    ("code", "source"),
    [("03", "gp"), ("3", "gp"), ("04", "ae"), ("10", "ae"), ("01", "consultant"), ("05", "consultant"),
     ("06", "self"), ("92", "other"), ("99", "other"), (None, None)],
)  # fmt: skip
def test_refsourc_codes(code, source):
    assert rules.source_of(code) == source


def test_extract_source_words():
    assert rules.source_of("GP", words=True) == "gp"
    assert rules.source_of("A&E", words=True) == "ae"
    assert rules.source_of("CONSULTANT-TO-CONSULTANT", words=True) == "consultant"
    assert rules.source_of("SELF", words=True) == "self"
    assert rules.source_of("97", words=True) == "other"
    assert rules.source_of("POSTCARD", words=True) is None
    assert rules.source_group("ae") == "other" and rules.source_group("gp") == "gp"


@pytest.mark.parametrize(
    ("value", "priority"),
    [("1", "routine"), ("2", "urgent"), ("3", "two_week_wait"), ("9", "unknown"), (None, "unknown"),
     ("URGENT", "urgent"), ("2WW", "two_week_wait"), ("7", "unknown")],
)  # fmt: skip
def test_priority(value, priority):
    assert rules.priority_of(value) == priority


def test_valid_dates_drop_hes_null_and_invalid_dates():
    parsed = rules.valid_dates(pd.Series(["2007-05-01", "1800-01-01", "1801-01-01", "2007-13-01", None]))
    assert parsed.iloc[0] == pd.Timestamp("2007-05-01")
    assert parsed.iloc[1:].isna().all()


def test_rate_per_1000_rounds_half_up_to_pence_precision():
    assert rules.rate_per_1000(1, 8000) == Decimal("0.13")  # 0.125: half-up, not to even
    assert rules.rate_per_1000(3, 4100) == Decimal("0.73")
    assert rules.rate_per_1000(0, 2500) == Decimal("0.00")
    assert rules.rate_per_1000(5, None) is None and rules.rate_per_1000(5, 0) is None


def test_outpatient_referrals_take_first_attendances_and_fall_back_to_the_appointment():
    lines = pd.DataFrame(
        {
            "firstatt": ["1", "3", "2", "4", "9"],
            "refsourc": ["03", "05", "03", "03", "03"],
            "reqdate": [pd.NaT, pd.Timestamp("2007-04-30"), pd.NaT, pd.NaT, pd.NaT],
            "activity_date": [date(2007, 5, 3)] * 5,
            "tretspef": ["300"] * 5,
            "priority": ["2", None, "1", "1", "1"],
        }
    )
    out = rules.outpatient_referrals(lines)
    assert out["source_group"].tolist() == ["gp", "other"]
    assert out["month"].dt.strftime("%Y-%m").tolist() == ["2007-05", "2007-04"]
    assert out["priority"].tolist() == ["urgent", "unknown"]


def test_extract_rows_rejected_duplicate_and_unattributed():
    frame = pd.DataFrame(
        {
            "line_no": [2, 3, 4, 5, 6, 7, 8, 9],
            "referral_key": ["k1", "k1", "k2", None, "k4", "k5", "k6", "k7"],
            "gpprac": ["L85001"] * 6 + [None, "Y99999"],
            "referrer": [None] * 8,
            "procode3": ["RD1"] * 8,
            "tretspef": ["300"] * 8,
            "reqdate": ["2007-05-01", "2007-05-01", "2007-05-01", "2007-05-01", "1801-01-01", "2007-05-01",
                        "2007-05-01", "2007-05-01"],
            "priority": ["1"] * 8,
            "refsourc": ["GP", "GP", "GP", "GP", "GP", "POSTCARD", "GP", "GP"],
            "first_attendance": ["Y", "N", None, "Y", "Y", "Y", "Y", "Y"],
        }
    )  # fmt: skip
    reasons = pd.Series(["", "", "", "", "", "", "practice_code_missing", "practice_outside_pct"])
    out = rules.classify_extract_rows(
        frame, practice_reasons=reasons, loaded_keys={"k2"}, today=date(2008, 1, 1)
    )
    assert out["outcome"].tolist() == [
        "loaded", "duplicate", "duplicate", "rejected", "rejected", "rejected", "unattributed", "non_pct"
    ]  # fmt: skip
    assert out["reason"].tolist()[1:6] == [
        "duplicate_key_in_file", "duplicate_key_already_loaded", "record_key_missing", "date_unparseable",
        "value_unparseable",
    ]  # fmt: skip
    assert out["led_to_first_attendance"].tolist()[:3] == [True, False, False]


def test_rate_table_counts_peers_without_referrals():
    may = date(2007, 5, 1)
    counts = pd.DataFrame(
        {"practice_id": [1, 3, 4], "specialty": ["300"] * 3, "month": [may] * 3, "source": ["gp"] * 3,
         "referrals": [30, 2, 5]}
    )  # fmt: skip
    practices = pd.DataFrame({"practice_id": [1, 2, 3, 4], "locality": ["N", "N", "S", None]})
    lists = pd.DataFrame({"practice_id": [1, 2, 3], "month": [may] * 3, "list_size": [1000] * 3})
    out = rules.rate_table(counts, practices, lists).set_index("practice_id")
    assert out.loc[1, "rate_per_1000"] == Decimal("30.00")
    assert out.loc[1, "peer_median"] == Decimal("2.00")  # of 30, 0 (practice 2 made none) and 2
    assert out.loc[1, "funnel_pct"] == "beyond 99.8%"  # mean 10.67 per 1,000; upper 99.8% limit 20.76
    assert out.loc[3, "funnel_pct"] == "between 95% and 99.8%"  # 2 is under the lower 95% limit 4.27
    assert out.loc[4, "funnel_pct"] is None and out.loc[4, "list_size"] is None
    assert out.loc[4, "funnel_locality"] is None and out.loc[4, "locality_median"] is None
    assert out.loc[1, "locality_median"] == Decimal("15.00")  # N: 30 and 0
    assert out.loc[3, "locality_median"] == Decimal("2.00")


def test_many_funnels_at_once_agree_with_one_funnel_at_a_time():
    from pbc.funnel import funnel_limits, funnel_statuses

    events, lists = [30, 95, 75, 2, 60], [1_000, 4_000, 5_000, 100, 1_000]
    one = funnel_limits(events=events, population=lists, method="poisson")["status"].tolist()
    many = funnel_statuses(
        events=events, population=lists, pooled_events=[sum(events)] * 5, pooled_population=[sum(lists)] * 5,
        method="poisson",
    )  # fmt: skip
    assert many.tolist() == one
