"""Costing activity at tariff: every rule on tiny hand-built frames, with the pence worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activity.costing import (
    GRAIN,
    MEASURES,
    REASON_UNKNOWN_ATTENDANCE,
    aggregate_costed,
    cost_activity,
    data_quality_summary,
    problem_rows,
    recost_aggregates,
)
from activity.extract_schema import NORMALISED, Dataset, Outcome, Reason
from activity.tariff_files import (
    TariffTables,
    read_admitted_tariff,
    read_ae_tariff,
    read_mff,
    read_outpatient_tariff,
)
from pbc.fiscal import FinancialYear

FY = FinancialYear(2007)  # 2007-04-01 … 2008-03-31
TODAY = date(2008, 6, 30)
PCT = frozenset({"M85001", "M85002"})

ADMITTED = """HRG,HRG_NAME,ELECTIVE_TARIFF,NON_ELECTIVE_TARIFF,ELECTIVE_TRIMPOINT_DAYS,NON_ELECTIVE_TRIMPOINT_DAYS,EXCESS_BED_DAY,DAY_CASE_TARIFF,ORDINARY_ELECTIVE_TARIFF,SSEM_TARIFF,PROCODE3
HA11A,DOMAIN example,1000.00,2000.00,5,10,250.00,,,,
FZ01A,Every optional price,800.00,1500.00,3,6,200.00,600.00,900.00,400.00,
SS01Z,SSEM with trim point 0,800.00,1500.00,0,0,100.00,,,400.00,
HA12B,No NEL price,1200.00,,4,,100.00,,,,
AA01A,Rounding 100.00,100.00,100.00,,,,,,,
AA02A,Rounding 99.99,99.99,99.99,,,,,,,
AA03A,Rounding 100.01,100.01,100.01,,,,,,,
NT01A,Trim point but no excess rate,500.00,700.00,1,1,,,,,
HA11A,Local price at RTH,1000.00,1800.00,5,10,250.00,,,,RTH
FZ01A,Local row at RTH without SSEM,800.00,1600.00,3,6,200.00,,,,RTH
"""
OUTPATIENT = """TRETSPEF,FIRST_ATTENDANCE,FOLLOW_UP_ATTENDANCE,PROCODE3
330,120.00,60.00,
300,150.00,,
330,110.00,55.00,RTH
"""
AE = """HRG,TYPE_1_2,TYPE_3
VB01Z,150.00,60.00
VB02Z,120.00,
"""
MFF = """PROCODE3,MFF
RA7,1.05
RTH,1.05
RVJ,1.00000
RUH,1.00005
"""
TARIFF = TariffTables(
    admitted=read_admitted_tariff(ADMITTED.encode()),
    outpatient=read_outpatient_tariff(OUTPATIENT.encode()),
    ae=read_ae_tariff(AE.encode()),
    mff=read_mff(MFF.encode()),
)

DEFAULTS = {
    Dataset.APC: {
        "gpprac": "M85001", "procode3": "RVJ", "tretspef": "300", "hrg": "HA11A", "admidate": "2007-05-01",
        "disdate": "2007-05-15", "admimeth": "11", "classpat": "1", "speldur": None, "startage": "50",
    },
    Dataset.OP: {
        "gpprac": "M85001", "procode3": "RVJ", "tretspef": "330", "hrg": None, "apptdate": "2007-06-10",
        "firstatt": "1", "attended": "5",
    },
    Dataset.AE: {
        "gpprac": "M85001", "procode3": "RVJ", "tretspef": None, "hrg": "VB01Z", "arrivaldate": "2007-07-04",
        "aeattendcat": "1", "aedepttype": "01",
    },
}  # fmt: skip


def make_frame(dataset: Dataset, rows: list[dict]) -> pd.DataFrame:
    """A frame as the extract reader yields it: NORMALISED columns, string dtype, line numbers from 2."""
    columns = NORMALISED[dataset]
    records = []
    for number, row in enumerate(rows, start=2):
        record = {"record_key": f"K{number}", **DEFAULTS[dataset], **row, "line_no": number}
        records.append({c: record.get(c) for c in columns})
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for column in columns:
        frame[column] = frame[column].astype("int64" if column == "line_no" else "string")
    return frame


def cost(rows: list[dict], dataset: Dataset = Dataset.APC, **options) -> pd.DataFrame:
    arguments = {
        "tariff": TARIFF,
        "financial_year": FY,
        "pct_practices": PCT,
        "all_known_practices": None,
        "today": TODAY,
        **options,
    }
    return cost_activity(make_frame(dataset, rows), dataset, **arguments)


def one(row: dict, dataset: Dataset = Dataset.APC, **options) -> pd.Series:
    return cost([row], dataset, **options).iloc[0]


def priced(row: dict, dataset: Dataset = Dataset.APC, **options) -> int:
    result = one(row, dataset, **options)
    assert result["outcome"] == Outcome.COSTED, (result["outcome"], result["reason"])
    return int(result["price_pence"])


def spell(los: int, **row) -> dict:
    """A spell discharged 2007-05-15 after ``los`` days (SPELDUR given)."""
    admitted = (pd.Timestamp("2007-05-15") - pd.Timedelta(days=los)).date().isoformat()
    return {"admidate": admitted, "disdate": "2007-05-15", "speldur": str(los), **row}


# ------------------------------------------------------------------------------------------- APC prices
def test_domain_worked_example_3150_pounds():
    # DOMAIN 9: NEL £2,000.00, trim 10, EBD £250.00, stay 14, MFF 1.05 → (2,000 + 4 × 250) × 1.05 = £3,150.00
    result = one(spell(14, admimeth="21", procode3="RA7"))
    assert result["outcome"] == Outcome.COSTED and result["reason"] == Reason.NONE
    assert result["pod"] == "NEL"
    assert result["price_pence"] == 315_000
    assert result["los_days"] == 14 and result["excess_days"] == 4
    assert not result["mff_defaulted"]


def test_nel_trim_point_edges():
    # stay = trim (10): 2,000.00 × 1.05 = 2,100.00; trim + 1: (2,000 + 1 × 250) × 1.05 = 2,362.50
    assert priced(spell(10, admimeth="21", procode3="RA7")) == 210_000
    assert priced(spell(11, admimeth="21", procode3="RA7")) == 236_250
    assert one(spell(10, admimeth="21"))["excess_days"] == 0


def test_elective_trim_point_edges():
    # EL trim 5 (combined elective £1,000.00, MFF 1.0): stay 5 → 1,000.00; stay 6 → 1,000 + 250 = 1,250.00
    assert priced(spell(5, admimeth="11")) == 100_000
    assert priced(spell(6, admimeth="12")) == 125_000
    assert priced(spell(7, admimeth="13")) == 150_000  # 1,000 + 2 × 250


def test_day_case_has_no_excess_days_and_uses_day_case_tariff():
    # FZ01A has DAY_CASE_TARIFF £600.00: a "day case" coded with 30 days still gets 600.00, no excess.
    result = one(spell(30, hrg="FZ01A", admimeth="11", classpat="2"))
    assert result["pod"] == "DC" and result["price_pence"] == 60_000
    assert result["excess_days"] == 0
    # HA11A has no DC tariff: the combined elective tariff £1,000.00, still no excess for a long stay.
    assert priced(spell(30, hrg="HA11A", admimeth="11", classpat="2")) == 100_000


def test_ordinary_elective_tariff_overrides_combined():
    # FZ01A: ORDINARY_ELECTIVE_TARIFF £900.00 instead of combined £800.00; stay 2 < trim 3.
    result = one(spell(2, hrg="FZ01A", admimeth="11", classpat="1"))
    assert result["pod"] == "EL" and result["price_pence"] == 90_000
    # beyond trim: 900 + (5 − 3) × 200 = 1,300.00
    assert priced(spell(5, hrg="FZ01A", admimeth="11")) == 130_000


@pytest.mark.parametrize(
    ("age", "los", "expected"),
    [
        ("19", 1, 40_000),  # adult, stay < 2 → SSEM £400.00
        ("19", 0, 40_000),
        ("75", 1, 40_000),
        ("18", 1, 150_000),  # under 19 → full NEL £1,500.00
        ("7001", 0, 150_000),  # under one year → full NEL
        ("7007", 1, 150_000),
        ("19", 2, 150_000),  # stay of 2 days is not short → full NEL (2 < trim 6: no excess)
        ("999", 1, 150_000),  # unknown age → not eligible
        (None, 1, 150_000),
    ],
)
def test_short_stay_emergency_tariff(age, los, expected):
    assert priced(spell(los, hrg="FZ01A", admimeth="21", startage=age)) == expected


def test_ssem_absent_means_full_nel_tariff_and_ssem_has_no_excess():
    # HA11A has no SSEM tariff: adult, stay 1 → full NEL £2,000.00
    assert priced(spell(1, hrg="HA11A", admimeth="21", startage="40")) == 200_000
    # SS01Z: NEL trim 0, SSEM £400.00; stay 1 adult → SSEM only (no 1 × £100 excess) = 400.00
    result = one(spell(1, hrg="SS01Z", admimeth="21", startage="40"))
    assert result["price_pence"] == 40_000 and result["ssem_eligible"]
    # child, stay 1: full NEL 1,500 + (1 − 0) × 100 = 1,600.00
    assert priced(spell(1, hrg="SS01Z", admimeth="21", startage="10")) == 160_000


@pytest.mark.parametrize(
    ("admimeth", "pod"),
    [("21", "NEL"), ("2A", "NEL"), ("31", "NEL"), ("81", "NEL"), (None, "NEL"), ("11", "EL")],
)
def test_pod_from_admission_method(admimeth, pod):
    assert one(spell(1, admimeth=admimeth, classpat="2"))["pod"] == (pod if pod == "NEL" else "DC")
    assert one(spell(1, admimeth=admimeth, classpat="1"))["pod"] == pod


def test_mff_rounds_half_up_once_at_the_end():
    # £100.00 × 1.00005 = 100.005 → exactly half a penny → £100.01 (half-even would give £100.00)
    assert priced(spell(0, hrg="AA01A", procode3="RUH")) == 10_001
    # £99.99 × 1.00005 = 99.9949995 → £99.99
    assert priced(spell(0, hrg="AA02A", procode3="RUH")) == 9_999
    # £100.01 × 1.00005 = 100.0150005 → £100.02
    assert priced(spell(0, hrg="AA03A", procode3="RUH")) == 10_002
    # (2,000 + 1 × 250) × 1.00005 = 2,250.1125 → £2,250.11: rounded once, not per component
    assert priced(spell(11, admimeth="21", procode3="RUH")) == 225_011


def test_provider_missing_from_mff_priced_at_one_and_flagged():
    result = one(spell(14, admimeth="21", procode3="RXX"))
    assert result["price_pence"] == 300_000  # (2,000 + 4 × 250) × 1.00000
    assert result["mff_defaulted"]
    assert one(spell(14, admimeth="21", procode3=None))["mff_defaulted"]
    no_mff = TariffTables(admitted=TARIFF.admitted)
    assert priced(spell(14, admimeth="21", procode3="RA7"), tariff=no_mff) == 300_000
    assert one(spell(14, admimeth="21", procode3="RA7"), tariff=no_mff)["mff_defaulted"]


def test_trim_point_without_excess_rate_charges_no_excess():
    # NT01A: NEL £700.00, trim 1, no EXCESS_BED_DAY: stay 5 → 700.00; the 4 days over trim are still counted.
    result = one(spell(5, hrg="NT01A", admimeth="21"))
    assert result["price_pence"] == 70_000 and result["excess_days"] == 4


def test_local_price_overrides_national_for_that_provider_only():
    # HA11A at RTH: local NEL £1,800.00 × 1.05 = £1,890.00; RA7 (same MFF) keeps national 2,000 × 1.05.
    assert priced(spell(3, admimeth="21", procode3="RTH")) == 189_000
    assert priced(spell(3, admimeth="21", procode3="RA7")) == 210_000
    # The local row replaces the national row whole: FZ01A at RTH has no SSEM → local NEL 1,600 × 1.05.
    assert priced(spell(1, hrg="FZ01A", admimeth="21", procode3="RTH")) == 168_000
    # A provider code in lower case is the same provider.
    assert priced(spell(3, admimeth="21", procode3=" rth ")) == 189_000


def test_length_of_stay_from_dates_when_speldur_blank():
    # 2007-05-01 → 2007-05-15 = 14 days: NEL 2,000 + 4 × 250 = 3,000.00 at MFF 1.0
    result = one({"admidate": "2007-05-01", "disdate": "2007-05-15", "speldur": None, "admimeth": "21"})
    assert result["los_days"] == 14 and result["price_pence"] == 300_000
    # SPELDUR wins when given
    assert (
        one({"admidate": "2007-05-01", "disdate": "2007-05-15", "speldur": "10", "admimeth": "21"})[
            "price_pence"
        ]
        == 200_000
    )


def test_uk_date_format_accepted_and_month_is_discharge_month():
    result = one({"admidate": "28/04/2007", "disdate": "02/05/2007", "admimeth": "21"})
    assert result["outcome"] == Outcome.COSTED and result["los_days"] == 4
    assert result["month"] == pd.Timestamp("2007-05-01")


# ------------------------------------------------------------------------------------------- rejections
@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"disdate": None}, Reason.DATE_MISSING),
        ({"disdate": "1800-01-01"}, Reason.DATE_MISSING),  # HES null date
        ({"disdate": "1801-01-01"}, Reason.DATE_UNPARSEABLE),  # HES invalid date
        ({"disdate": "2007-02-30"}, Reason.DATE_UNPARSEABLE),
        ({"disdate": "15 May 2007"}, Reason.DATE_UNPARSEABLE),
        ({"admidate": None}, Reason.DATE_MISSING),
        ({"admidate": "01/01/1801"}, Reason.DATE_UNPARSEABLE),
        ({"speldur": "abc"}, Reason.VALUE_UNPARSEABLE),
        ({"speldur": "1.5"}, Reason.VALUE_UNPARSEABLE),
        ({"speldur": "-1"}, Reason.IMPOSSIBLE_STAY),
        ({"admidate": "2007-05-20", "disdate": "2007-05-15"}, Reason.IMPOSSIBLE_STAY),
        ({"admidate": "1890-01-01", "disdate": "2007-05-15"}, Reason.IMPOSSIBLE_STAY),  # > 100 years
        ({"admidate": "2007-03-01", "disdate": "2007-03-31"}, Reason.DATE_OUTSIDE_YEAR),
        ({"admidate": "2008-04-01", "disdate": "2008-04-01"}, Reason.DATE_OUTSIDE_YEAR),
        ({"admidate": "2999-01-01", "disdate": "2999-01-02"}, Reason.DATE_OUTSIDE_YEAR),  # beyond ns range
        ({"admidate": "0001-01-01", "disdate": "0001-01-02"}, Reason.DATE_OUTSIDE_YEAR),
        ({"disdate": "2007-05-15 10:00"}, Reason.DATE_UNPARSEABLE),
        # the reader's code and length checks come first
        ({"invalid": "provider_code_invalid", "procode3": None}, Reason.PROVIDER_INVALID),
        ({"invalid": "value_too_long", "disdate": "2007-02-30"}, Reason.VALUE_TOO_LONG),
    ],
)
def test_rejections(row, reason):
    result = one({"speldur": None, **row})
    assert (result["outcome"], result["reason"]) == (Outcome.REJECTED, reason)
    assert pd.isna(result["price_pence"])


def test_financial_year_edges_are_inside():
    assert one({"admidate": "2007-04-01", "disdate": "2007-04-01"})["outcome"] == Outcome.COSTED
    assert one({"admidate": "2008-03-31", "disdate": "2008-03-31"})["outcome"] == Outcome.COSTED


def test_date_after_today_rejected():
    row = {"admidate": "2007-09-01", "disdate": "2007-09-02"}
    assert one(row, today=date(2007, 9, 2))["outcome"] == Outcome.COSTED
    result = one(row, today=date(2007, 9, 1))
    assert (result["outcome"], result["reason"]) == (Outcome.REJECTED, Reason.DATE_IN_FUTURE)


def test_spell_admitted_before_the_year_is_costed_in_its_discharge_month():
    result = one({"admidate": "2007-03-20", "disdate": "2007-04-02", "admimeth": "21"})
    assert result["outcome"] == Outcome.COSTED and result["month"] == pd.Timestamp("2007-04-01")
    assert result["price_pence"] == 275_000  # 13 days: 2,000 + 3 × 250


def test_missing_record_key_kept_by_default_rejected_on_request():
    assert one({"record_key": None})["outcome"] == Outcome.COSTED
    result = one({"record_key": None}, require_record_key=True)
    assert (result["outcome"], result["reason"]) == (Outcome.REJECTED, Reason.RECORD_KEY_MISSING)


def test_missing_columns_refused():
    with pytest.raises(ValueError, match="speldur"):
        cost_activity(
            make_frame(Dataset.APC, [{}]).drop(columns=["speldur"]),
            "APC",
            tariff=TARIFF,
            financial_year=FY,
            pct_practices=PCT,
            all_known_practices=None,
            today=TODAY,
        )


# ------------------------------------------------------------------------------------------- duplicates
def test_duplicates_within_frame_and_against_loaded_keys():
    result = cost(
        [
            {"record_key": "A"},  # line 2: first A → costed
            {"record_key": "A"},  # line 3: repeat → duplicate in file
            {"record_key": "B"},  # line 4: already loaded
            {"record_key": "B"},  # line 5: already loaded too
            {"record_key": "C", "disdate": "1801-01-01"},  # line 6: rejected, so not a first occurrence
            {"record_key": "C"},  # line 7: → costed
            {"record_key": None},  # line 8: keyless, kept
            {"record_key": None},  # line 9: keyless, kept
        ],
        loaded_keys=frozenset({"B"}),
    )
    assert result["outcome"].tolist() == [
        Outcome.COSTED,
        Outcome.DUPLICATE,
        Outcome.DUPLICATE,
        Outcome.DUPLICATE,
        Outcome.REJECTED,
        Outcome.COSTED,
        Outcome.COSTED,
        Outcome.COSTED,
    ]
    assert result["reason"].tolist()[1:4] == [
        Reason.DUPLICATE_IN_FILE,
        Reason.DUPLICATE_LOADED,
        Reason.DUPLICATE_LOADED,
    ]
    assert result["price_pence"].isna().tolist() == [False, True, True, True, True, False, False, False]


# ------------------------------------------------------------------------------------------ attribution
@pytest.mark.parametrize(
    ("gpprac", "reason"),
    [
        (None, Reason.PRACTICE_MISSING),
        ("&", Reason.PRACTICE_MISSING),
        ("  ", Reason.PRACTICE_MISSING),
        ("V81999", Reason.PRACTICE_DEFAULT),
        ("V81998", Reason.PRACTICE_DEFAULT),
        ("v81997", Reason.PRACTICE_DEFAULT),
        ("X1", Reason.PRACTICE_INVALID),
        ("123456", Reason.PRACTICE_INVALID),
        ("MM5001", Reason.PRACTICE_INVALID),
    ],
)
def test_unattributed_rows_keep_their_value(gpprac, reason):
    result = one(spell(14, gpprac=gpprac, admimeth="21", procode3="RA7"))
    assert (result["outcome"], result["reason"]) == (Outcome.UNATTRIBUTED, reason)
    assert result["price_pence"] == 315_000  # priced: the PCT may share it pro rata
    assert pd.isna(result["practice"])


def test_practice_outside_pct_and_known_practice_list():
    result = one(spell(14, gpprac="Y02345", admimeth="21", procode3="RA7"))
    assert (result["outcome"], result["reason"]) == (Outcome.NON_PCT, Reason.PRACTICE_OUTSIDE_PCT)
    assert result["practice"] == "Y02345" and result["price_pence"] == 315_000
    known = frozenset({"Y02345"})
    assert one({"gpprac": "Y02345"}, all_known_practices=known)["outcome"] == Outcome.NON_PCT
    unknown = one({"gpprac": "Y09999"}, all_known_practices=known)
    assert (unknown["outcome"], unknown["reason"]) == (Outcome.UNATTRIBUTED, Reason.PRACTICE_INVALID)
    # PCT practices count as known even if the national list lags behind
    assert one({"gpprac": "M85002"}, all_known_practices=known)["outcome"] == Outcome.COSTED
    assert one({"gpprac": " m85001 "})["practice"] == "M85001"


# -------------------------------------------------------------------------------------------- uncosted
@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"hrg": None}, Reason.NO_HRG),
        ({"hrg": "&"}, Reason.NO_HRG),
        ({"hrg": "ZZ99Z"}, Reason.HRG_NOT_IN_TARIFF),
        ({"hrg": "HA12B", "admimeth": "21"}, Reason.NO_PRICE_FOR_POD),  # no NEL price
    ],
)
def test_uncosted_reasons(row, reason):
    result = one(row)
    assert (result["outcome"], result["reason"], result["price_reason"]) == (Outcome.UNCOSTED, reason, reason)
    assert pd.isna(result["price_pence"])


def test_year_without_tariff_leaves_rows_uncosted_for_recosting():
    rows = [{}, {"hrg": None}, {"gpprac": "V81999"}]
    for tariff in (None, TariffTables(), TariffTables(outpatient=TARIFF.outpatient, mff=TARIFF.mff)):
        result = cost(rows, tariff=tariff)
        assert result["outcome"].tolist() == [Outcome.UNCOSTED, Outcome.UNCOSTED, Outcome.UNATTRIBUTED]
        assert result["reason"].tolist() == [
            Reason.NO_TARIFF_FOR_YEAR,
            Reason.NO_HRG,
            Reason.PRACTICE_DEFAULT,
        ]
        assert result["price_reason"].tolist()[2] == Reason.NO_TARIFF_FOR_YEAR
        assert result["price_pence"].isna().all()


def test_outcome_precedence():
    result = cost(
        [
            {"record_key": "A", "gpprac": "V81999", "hrg": None, "disdate": None},  # rejected beats all
            {
                "record_key": "A",
                "gpprac": "V81999",
                "hrg": None,
            },  # first valid A: unattributed, not priceable
            {"record_key": "A"},  # duplicate beats costed
            {"record_key": "D", "gpprac": "Y00001", "hrg": "ZZ99Z"},  # non-PCT beats uncosted
            {"record_key": "E", "gpprac": "V81999", "hrg": "ZZ99Z"},  # unattributed beats uncosted
        ]
    )
    assert list(zip(result["outcome"], result["reason"], strict=True)) == [
        (Outcome.REJECTED, Reason.DATE_MISSING),
        (Outcome.UNATTRIBUTED, Reason.PRACTICE_DEFAULT),
        (Outcome.DUPLICATE, Reason.DUPLICATE_IN_FILE),
        (Outcome.NON_PCT, Reason.PRACTICE_OUTSIDE_PCT),
        (Outcome.UNATTRIBUTED, Reason.PRACTICE_DEFAULT),
    ]
    # why each row that reached pricing has no price (duplicates never reach it)
    assert result["price_reason"].tolist()[1:] == [
        Reason.NO_HRG,
        Reason.NONE,
        Reason.HRG_NOT_IN_TARIFF,
        Reason.HRG_NOT_IN_TARIFF,
    ]
    assert result["price_pence"].isna().all()


# ------------------------------------------------------------------------------------------ outpatients
@pytest.mark.parametrize(
    ("firstatt", "attended", "pod", "pence"),
    [
        ("1", "5", "OPFA", 12_000),  # first attendance, treatment function 330: £120.00
        ("3", "6", "OPFA", 12_000),
        ("2", "5", "OPFUP", 6_000),  # follow-up £60.00
        ("4", "6", "OPFUP", 6_000),
    ],
)
def test_outpatient_first_and_follow_up(firstatt, attended, pod, pence):
    result = one({"firstatt": firstatt, "attended": attended}, Dataset.OP)
    assert (result["outcome"], result["pod"], result["price_pence"]) == (Outcome.COSTED, pod, pence)
    assert result["month"] == pd.Timestamp("2007-06-01")  # appointment month
    assert pd.isna(result["los_days"])


@pytest.mark.parametrize("attended", ["2", "3", "4", "7"])
def test_outpatient_non_attendance_not_charged(attended):
    result = one({"attended": attended}, Dataset.OP)
    assert (result["outcome"], result["reason"]) == (Outcome.UNCOSTED, Reason.NOT_ATTENDED)
    assert pd.isna(result["price_pence"])
    # even in a year without tariff, a non-attendance stays "not charged"
    assert one({"attended": attended}, Dataset.OP, tariff=None)["reason"] == Reason.NOT_ATTENDED


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"firstatt": "9"}, Reason.UNKNOWN_FIRST_FOLLOW_UP),
        ({"firstatt": None}, Reason.UNKNOWN_FIRST_FOLLOW_UP),
        ({"attended": "9"}, REASON_UNKNOWN_ATTENDANCE),
        ({"attended": None}, REASON_UNKNOWN_ATTENDANCE),
        ({"tretspef": "999"}, Reason.NO_OP_PRICE),
        ({"tretspef": "&"}, Reason.NO_OP_PRICE),
        ({"tretspef": "300", "firstatt": "2"}, Reason.NO_OP_PRICE),  # 300 has no follow-up price
    ],
)
def test_outpatient_uncosted(row, reason):
    result = one(row, Dataset.OP)
    assert (result["outcome"], result["reason"]) == (Outcome.UNCOSTED, reason)


def test_outpatient_local_price_mff_and_no_tariff():
    # RTH local first attendance £110.00 × 1.05 = £115.50
    assert priced({"procode3": "RTH"}, Dataset.OP) == 11_550
    # RA7 national £120.00 × 1.05 = £126.00
    assert priced({"procode3": "RA7"}, Dataset.OP) == 12_600
    assert (
        one({}, Dataset.OP, tariff=TariffTables(admitted=TARIFF.admitted))["reason"]
        == Reason.NO_TARIFF_FOR_YEAR
    )


# ------------------------------------------------------------------------------------------------- A&E
@pytest.mark.parametrize(
    ("dept", "ae_type", "pence"),
    [("01", "TYPE_1_2", 15_000), ("02", "TYPE_1_2", 15_000), ("1", "TYPE_1_2", 15_000), ("03", "TYPE_3", 6_000), ("04", "TYPE_3", 6_000)],
)  # fmt: skip
def test_ae_department_types(dept, ae_type, pence):
    result = one({"aedepttype": dept}, Dataset.AE)
    assert (result["outcome"], result["pod"], result["ae_type"], result["price_pence"]) == (
        Outcome.COSTED,
        "AE",
        ae_type,
        pence,
    )
    assert result["month"] == pd.Timestamp("2007-07-01")  # arrival month


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"aedepttype": "05"}, Reason.UNKNOWN_DEPARTMENT_TYPE),
        ({"aedepttype": None}, Reason.UNKNOWN_DEPARTMENT_TYPE),
        ({"hrg": None}, Reason.NO_HRG),
        ({"hrg": "VB99Z"}, Reason.HRG_NOT_IN_TARIFF),
        ({"hrg": "VB02Z", "aedepttype": "03"}, Reason.NO_PRICE_FOR_POD),  # no type 3 price
    ],
)
def test_ae_uncosted(row, reason):
    result = one(row, Dataset.AE)
    assert (result["outcome"], result["reason"]) == (Outcome.UNCOSTED, reason)


def test_ae_mff_and_rejection():
    assert priced({"procode3": "RA7"}, Dataset.AE) == 15_750  # 150.00 × 1.05
    result = one({"arrivaldate": "2008-04-01"}, Dataset.AE)
    assert (result["outcome"], result["reason"]) == (Outcome.REJECTED, Reason.DATE_OUTSIDE_YEAR)


AE_LOCAL = TariffTables(
    admitted=TARIFF.admitted,
    ae=read_ae_tariff(
        b"HRG,TYPE_1_2,TYPE_3,PROCODE3\nVB01Z,150.00,60.00,\nVB01Z,140.00,,RTH\nVB02Z,120.00,,\n"
    ),
    mff=TARIFF.mff,
)


def test_ae_local_price_overrides_national_for_that_provider_only():
    # VB01Z at RTH: local type 1-2 £140.00 × 1.05 = £147.00; RA7 (same MFF) keeps national 150.00 × 1.05.
    assert priced({"procode3": "RTH"}, Dataset.AE, tariff=AE_LOCAL) == 14_700
    assert priced({"procode3": "RA7"}, Dataset.AE, tariff=AE_LOCAL) == 15_750
    assert priced({"procode3": " rth "}, Dataset.AE, tariff=AE_LOCAL) == 14_700
    # The local row replaces the national one whole: RTH has no type 3 price, though the national row has.
    result = one({"procode3": "RTH", "aedepttype": "03"}, Dataset.AE, tariff=AE_LOCAL)
    assert (result["outcome"], result["reason"]) == (Outcome.UNCOSTED, Reason.NO_PRICE_FOR_POD)
    assert priced({"procode3": "RA7", "aedepttype": "03"}, Dataset.AE, tariff=AE_LOCAL) == 6_300
    # An HRG without a local row is priced nationally at that provider too.
    assert priced({"procode3": "RTH", "hrg": "VB02Z"}, Dataset.AE, tariff=AE_LOCAL) == 12_600


@pytest.mark.django_db
def test_ae_local_price_stored_as_aetariff_with_provider_is_used_for_that_provider():
    """Through the database: AeTariff rows with a provider, read back as the costing engine's tables."""
    from activity.models import AeTariff, TariffVersion
    from activity.selectors import tariff_tables
    from pbc.models import FinancialYear as FinancialYearRow

    version = TariffVersion.objects.create(
        year=FinancialYearRow.objects.get_or_create(start_year=2007)[0], version=1,
        files={"ae": {"filename": "ae.csv"}},
    )  # fmt: skip
    AeTariff.objects.bulk_create(
        [
            AeTariff(
                tariff=version, row=2, hrg="VB01Z", provider=None, type_1_2_pence=15_000, type_3_pence=6_000
            ),
            AeTariff(tariff=version, row=3, hrg="VB01Z", provider="RTH", type_1_2_pence=14_000),
        ]
    )
    tables = tariff_tables(version=version)
    tables = TariffTables(admitted=None, outpatient=None, ae=tables.ae, mff=TARIFF.mff)
    assert priced({"procode3": "RTH"}, Dataset.AE, tariff=tables) == 14_700
    assert priced({"procode3": "RA7"}, Dataset.AE, tariff=tables) == 15_750
    assert priced({"procode3": "RVJ"}, Dataset.AE, tariff=tables) == 15_000  # MFF 1.00000


# ----------------------------------------------------------------------------------- outcome invariant
MIXED_ROWS = [
    spell(14, admimeth="21", procode3="RA7"),  # 315,000 costed
    spell(2, hrg="FZ01A", procode3="RUH"),  # EL 900.00 × 1.00005 = 900.045 → 90,005 costed
    spell(1, hrg="FZ01A", admimeth="21", startage="30", gpprac="V81999"),  # SSEM 40,000 unattributed
    spell(3, gpprac="Y00001", procode3="RXX"),  # EL 1,000.00 at MFF 1 (defaulted): 100,000 non-PCT
    {"hrg": "ZZ99Z"},  # uncosted
    {"disdate": "1801-01-01"},  # rejected
    {"record_key": "K2"},  # duplicate of line 2
    {"admidate": "2007-07-01", "disdate": "2007-07-03", "speldur": None},  # July: EL 1,000.00 costed
]


def test_rows_in_equal_sum_of_outcomes_and_summary_values():
    result = cost(MIXED_ROWS)
    summary = data_quality_summary(result)
    assert summary["rows"] == len(MIXED_ROWS) == sum(v["rows"] for v in summary["by_outcome"].values())
    assert summary["by_outcome"] == {
        "costed": {"rows": 3, "value_pence": 315_000 + 90_005 + 100_000},
        "uncosted": {"rows": 1, "value_pence": 0},
        "unattributed": {"rows": 1, "value_pence": 40_000},
        "non_pct": {"rows": 1, "value_pence": 100_000},
        "rejected": {"rows": 1, "value_pence": 0},
        "duplicate": {"rows": 1, "value_pence": 0},
    }
    assert {(r["outcome"], r["reason"]): r["rows"] for r in summary["by_reason"]} == {
        ("costed", ""): 3,
        ("uncosted", "hrg_not_in_tariff"): 1,
        ("unattributed", "practice_code_default"): 1,
        ("non_pct", "practice_outside_pct"): 1,
        ("rejected", "date_unparseable"): 1,
        ("duplicate", "duplicate_key_in_file"): 1,
    }
    assert summary["mff_defaulted_providers"] == [{"provider": "RXX", "rows": 1, "value_pence": 100_000}]
    # Coverage counts kept rows (not rejected or duplicate), costed or not.
    coverage = {(c["provider"], c["month"]): c["rows"] for c in summary["coverage"]}
    assert coverage == {
        ("RA7", "2007-05-01"): 1,
        ("RUH", "2007-05-01"): 1,
        ("RVJ", "2007-05-01"): 2,  # the SSEM spell (unattributed) and the uncosted one
        ("RVJ", "2007-07-01"): 1,
        ("RXX", "2007-05-01"): 1,
    }
    assert summary["coverage_gaps"] == {"RVJ": ["2007-06-01"]}


def test_coverage_counts_every_kept_row_and_finds_gaps():
    rows = [
        {"procode3": "RVJ", "admidate": "2007-05-01", "disdate": "2007-05-02"},
        {"procode3": "RVJ", "admidate": "2007-08-01", "disdate": "2007-08-02", "hrg": "ZZ99Z"},  # uncosted
        {"procode3": "RVJ", "disdate": "1801-01-01"},  # rejected: not coverage
        {"procode3": "RA7", "admidate": "2007-06-01", "disdate": "2007-06-02"},
    ]
    summary = data_quality_summary(cost(rows))
    assert [(c["provider"], c["month"], c["rows"]) for c in summary["coverage"]] == [
        ("RA7", "2007-06-01", 1),
        ("RVJ", "2007-05-01", 1),
        ("RVJ", "2007-08-01", 1),
    ]
    assert summary["coverage_gaps"] == {"RVJ": ["2007-06-01", "2007-07-01"]}


def test_problem_rows_have_line_numbers_and_no_patient_key():
    result = cost(MIXED_ROWS)
    problems = problem_rows(result, limit=10)
    assert problems["line_no"].tolist() == [4, 6, 7, 8]  # unattributed, uncosted, rejected, duplicate
    assert problems["outcome"].tolist() == ["unattributed", "uncosted", "rejected", "duplicate"]
    assert "patient_key" not in problems.columns and "disdate" in problems.columns
    assert problem_rows(result, limit=2)["line_no"].tolist() == [4, 6]
    assert problem_rows(result, outcomes=(Outcome.NON_PCT,))["line_no"].tolist() == [5]


def test_empty_frame():
    result = cost_activity(
        make_frame(Dataset.APC, []),
        Dataset.APC,
        tariff=TARIFF,
        financial_year=FY,
        pct_practices=PCT,
        all_known_practices=None,
        today=TODAY,
    )
    assert len(result) == 0 and "price_pence" in result.columns
    assert data_quality_summary(result)["rows"] == 0
    assert len(aggregate_costed(result)) == 0


# ----------------------------------------------------------------------------------------- aggregation
def test_aggregate_grain_counts_and_sums():
    rows = [
        spell(14, admimeth="21", procode3="RA7"),  # 315,000, 4 excess days
        spell(14, admimeth="21", procode3="RA7"),  # same grain
        spell(12, admimeth="21", procode3="RA7"),  # other stay: (2,000 + 2 × 250) × 1.05 = 262,500
        spell(0, hrg="FZ01A", classpat="2"),  # DC 60,000
        spell(3, hrg="FZ01A", classpat="2"),  # DC 60,000, stay not in the grain
        {"gpprac": "V81999", "hrg": None},  # unattributed, unpriced
    ]
    agg = aggregate_costed(cost(rows))
    assert list(agg.columns) == [*GRAIN, *MEASURES]
    assert agg["activity"].sum() == len(rows)
    nel = agg[agg["pod"] == "NEL"].set_index("los_days")
    assert nel.loc[14, "activity"] == 2 and nel.loc[14, "price_pence"] == 630_000
    assert nel.loc[14, "excess_days"] == 8 and nel.loc[12, "price_pence"] == 262_500
    day_case = agg[agg["pod"] == "DC"]
    assert (
        len(day_case) == 1 and day_case["activity"].item() == 2 and day_case["price_pence"].item() == 120_000
    )
    assert pd.isna(day_case["los_days"].item())
    unattributed = agg[agg["outcome"] == "unattributed"]
    assert unattributed["price_reason"].item() == "no_hrg" and pd.isna(unattributed["price_pence"].item())
    assert int(agg["price_pence"].sum()) == 630_000 + 262_500 + 120_000


def test_recost_aggregates_at_another_tariff():
    no_tariff = cost(MIXED_ROWS, tariff=None)
    agg = aggregate_costed(no_tariff)
    assert agg["price_pence"].isna().all()
    recosted = recost_aggregates(agg, tariff=TARIFF)
    expected = aggregate_costed(cost(MIXED_ROWS))
    pd.testing.assert_frame_equal(recosted, expected)
    back = recost_aggregates(expected, tariff=None)
    pd.testing.assert_frame_equal(back, agg)


# ------------------------------------------------------------------------------------------- properties
HRGS = ("HA11A", "FZ01A", "SS01Z", "NT01A", "ZZ99Z")
PROVIDERS = ("RTH", "RUH", "RA7", "RXX")
pounds = st.one_of(st.none(), st.integers(0, 500_000).map(lambda p: Decimal(p) / 100))
days = st.one_of(st.none(), st.integers(0, 20))


@st.composite
def admitted_tariffs(draw) -> tuple[dict, TariffTables]:
    """A random admitted tariff + MFF, as dicts (for the reference) and as imported tables."""
    entries = {}
    for hrg in HRGS[:-1]:
        for provider in (None, *PROVIDERS):
            if provider is not None and not draw(st.booleans()):
                continue
            entries[(hrg, provider)] = {
                "el": draw(pounds), "nel": draw(pounds), "dc": draw(pounds), "oe": draw(pounds),
                "ssem": draw(pounds), "ebd": draw(pounds), "el_trim": draw(days), "nel_trim": draw(days),
            }  # fmt: skip
    mff = {
        p: Decimal(draw(st.integers(50_000, 200_000))) / 100_000
        for p in PROVIDERS[:-1]
        if draw(st.booleans())
    }

    def cell(value: object) -> str:
        return "" if value is None else str(value)

    lines = [
        "HRG,HRG_NAME,ELECTIVE_TARIFF,NON_ELECTIVE_TARIFF,ELECTIVE_TRIMPOINT_DAYS,NON_ELECTIVE_TRIMPOINT_DAYS,"
        "EXCESS_BED_DAY,DAY_CASE_TARIFF,ORDINARY_ELECTIVE_TARIFF,SSEM_TARIFF,PROCODE3"
    ]
    for (hrg, provider), t in entries.items():
        values = [t["el"], t["nel"], t["el_trim"], t["nel_trim"], t["ebd"], t["dc"], t["oe"], t["ssem"]]
        lines.append(",".join([hrg, "x", *map(cell, values), cell(provider)]))
    mff_lines = ["PROCODE3,MFF"] + [f"{p},{m}" for p, m in mff.items()]
    tables = TariffTables(
        admitted=read_admitted_tariff("\n".join(lines).encode()),
        mff=read_mff("\n".join(mff_lines).encode()) if mff else None,
    )
    return {"entries": entries, "mff": mff}, tables


spells = st.fixed_dictionaries(
    {
        "hrg": st.sampled_from((*HRGS, None)),
        "procode3": st.sampled_from((*PROVIDERS, None)),
        "admimeth": st.sampled_from(("11", "12", "13", "21", "28", "2A", "31", "81", None)),
        "classpat": st.sampled_from(("1", "2", "3", None)),
        "los": st.integers(0, 40),
        "startage": st.sampled_from(("0", "18", "19", "64", "7001", "7007", "999", None)),
        "gpprac": st.sampled_from(("M85001", "Y00001", "V81999", None)),
        "use_speldur": st.booleans(),
    }
)


def reference_price(row: dict, reference: dict) -> int | None:
    """DOMAIN 4 restated independently, in Decimal pounds: the price in pence, or None if unpriced."""
    entries, mff = reference["entries"], reference["mff"]
    if row["hrg"] is None:
        return None
    t = entries.get((row["hrg"], row["procode3"])) or entries.get((row["hrg"], None))
    if t is None:
        return None
    los = row["los"]
    age = None if row["startage"] in (None, "999") else int(row["startage"])
    age = 0 if age is not None and 7001 <= age <= 7007 else age
    trim = None
    if row["admimeth"] in ("11", "12", "13"):
        if row["classpat"] == "2":
            base = t["dc"] if t["dc"] is not None else t["el"]
        else:
            base = t["oe"] if t["oe"] is not None else t["el"]
            trim = t["el_trim"]
    elif t["ssem"] is not None and los < 2 and age is not None and age >= 19:
        base = t["ssem"]
    else:
        base, trim = t["nel"], t["nel_trim"]
    if base is None:
        return None
    excess = max(0, los - trim) if trim is not None else 0
    total = (base + excess * (t["ebd"] or Decimal(0))) * mff.get(row["procode3"], Decimal(1))
    return int(total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def spell_rows(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        admitted = (pd.Timestamp("2007-06-30") - pd.Timedelta(days=row["los"])).date().isoformat()
        fields = {k: v for k, v in row.items() if k not in ("los", "use_speldur")}
        speldur = str(row["los"]) if row["use_speldur"] else None
        out.append({**fields, "admidate": admitted, "disdate": "2007-06-30", "speldur": speldur})
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tariff=admitted_tariffs(), rows=st.lists(spells, min_size=1, max_size=25))
def test_price_matches_decimal_reference(tariff, rows):
    reference, tables = tariff
    result = cost(spell_rows(rows), tariff=tables)
    assert len(result) == len(rows)
    assert (result["price_pence"].dropna() >= 0).all()
    for row, (_, out) in zip(rows, result.iterrows(), strict=True):
        expected = reference_price(row, reference)
        if expected is None:
            assert pd.isna(out["price_pence"])
            assert out["outcome"] in (Outcome.UNCOSTED, Outcome.UNATTRIBUTED, Outcome.NON_PCT)
        else:
            assert out["price_pence"] == expected
        assert out["mff_defaulted"] == (expected is not None and row["procode3"] not in reference["mff"])
    summary = data_quality_summary(result)
    assert sum(v["rows"] for v in summary["by_outcome"].values()) == len(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=admitted_tariffs(), second=admitted_tariffs(), rows=st.lists(spells, min_size=1, max_size=25))
def test_recosting_the_aggregate_equals_costing_the_rows(first, second, rows):
    frame_rows = spell_rows(rows)
    agg = aggregate_costed(cost(frame_rows, tariff=first[1]))
    assert agg["activity"].sum() == len(rows)
    pd.testing.assert_frame_equal(
        recost_aggregates(agg, tariff=second[1]), aggregate_costed(cost(frame_rows, tariff=second[1]))
    )


def test_vectorised_on_many_rows_matches_small_frames():
    rng = np.random.default_rng(7)
    rows = [
        spell(int(rng.integers(0, 20)), hrg=str(rng.choice(HRGS)), admimeth=str(rng.choice(["11", "21"])))
        for _ in range(300)
    ]
    together = cost(rows)["price_pence"].tolist()
    assert together[:30] == [one(row)["price_pence"] for row in rows[:30]]
