"""Tariff file import: typed pence frames, blank = no tariff, every fault reported with row and column."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import Workbook

from activity.tariff_files import (
    ADMITTED_COLUMNS,
    MFF_SCALE,
    TariffFileError,
    TariffTables,
    read_admitted_tariff,
    read_ae_tariff,
    read_mff,
    read_outpatient_tariff,
)
from pbc.exceptions import ImportRejected

ADMITTED_HEADER = (
    "HRG,HRG_NAME,ELECTIVE_TARIFF,NON_ELECTIVE_TARIFF,ELECTIVE_TRIMPOINT_DAYS,"
    "NON_ELECTIVE_TRIMPOINT_DAYS,EXCESS_BED_DAY"
)


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors_of(excinfo: pytest.ExceptionInfo[TariffFileError]) -> set[tuple[int, str]]:
    return {(e["row"], e["column"]) for e in excinfo.value.errors}


# ----------------------------------------------------------------------------------------- admitted
def test_admitted_csv_prices_become_pence_and_blank_is_no_tariff():
    table = read_admitted_tariff(
        csv(
            ADMITTED_HEADER + ",DAY_CASE_TARIFF,ORDINARY_ELECTIVE_TARIFF,SSEM_TARIFF",
            "HA11A,Hip,1000.00,2000.00,5,10,250.00,,,",
            "FZ01A,Gut,800.5,1500,3,6,200.00,600.00,900.00,400.00",
            "HA12B,Elective only,1200.00,,4,,,,,",
        )
    )
    assert list(table.columns) == list(ADMITTED_COLUMNS)
    hip, gut, elective_only = (table.iloc[i] for i in range(3))
    assert hip["elective_pence"] == 100_000 and hip["non_elective_pence"] == 200_000
    assert hip["excess_bed_day_pence"] == 25_000
    assert hip["elective_trim_days"] == 5 and hip["non_elective_trim_days"] == 10
    assert pd.isna(hip["day_case_pence"]) and pd.isna(hip["ssem_pence"]) and pd.isna(hip["provider"])
    assert gut["elective_pence"] == 80_050  # "800.5" is £800.50
    assert gut["non_elective_pence"] == 150_000  # whole pounds
    assert (gut["day_case_pence"], gut["ordinary_elective_pence"], gut["ssem_pence"]) == (
        60_000,
        90_000,
        40_000,
    )
    # A blank price is "no tariff" (<NA>), never zero; blank trim point and excess rate likewise.
    assert pd.isna(elective_only["non_elective_pence"])
    assert pd.isna(elective_only["non_elective_trim_days"]) and pd.isna(elective_only["excess_bed_day_pence"])
    assert str(table["elective_pence"].dtype) == "Int64"
    assert table["row"].tolist() == [2, 3, 4]


def test_admitted_headers_case_insensitive_any_order_extra_columns_ignored():
    table = read_admitted_tariff(
        csv(
            "excess_bed_day,Notes,hrg,Hrg_Name,non_elective_tariff,elective_tariff,"
            "elective_trimpoint_days,NON_ELECTIVE_TRIMPOINT_DAYS",
            "250.00,anything,ha11a,Hip,2000.00,1000.00,5,10",
        )
    )
    assert table.loc[0, "hrg"] == "HA11A"  # codes are upper-cased
    assert table.loc[0, "non_elective_pence"] == 200_000
    assert table.loc[0, "excess_bed_day_pence"] == 25_000


def test_admitted_accepts_pound_sign_thousands_and_other_delimiters_and_encodings():
    text = ADMITTED_HEADER.replace(",", "\t") + "\nHA11A\tHip\t£1,000.00\t2,000\t5\t10\t250\n"
    table = read_admitted_tariff(("\ufeff" + text).encode("utf-8"))  # UTF-8 with BOM, tab-separated
    assert table.loc[0, "elective_pence"] == 100_000 and table.loc[0, "non_elective_pence"] == 200_000
    piped = (ADMITTED_HEADER.replace(",", "|") + "\nHA11A|Hip|£1000.00|2000|5|10|250\n").encode("cp1252")
    assert read_admitted_tariff(piped).loc[0, "elective_pence"] == 100_000


def test_admitted_local_price_rows_keyed_by_provider():
    table = read_admitted_tariff(
        csv(
            ADMITTED_HEADER + ",PROCODE3",
            "HA11A,Hip,1000.00,2000.00,5,10,250.00,",
            "HA11A,Hip,1000.00,1800.00,5,10,250.00,rth",
        )
    )
    assert pd.isna(table.loc[0, "provider"]) and table.loc[1, "provider"] == "RTH"


def test_admitted_missing_required_columns_are_all_named():
    with pytest.raises(TariffFileError) as excinfo:
        read_admitted_tariff(csv("HRG,HRG_NAME,ELECTIVE_TARIFF", "HA11A,Hip,1.00"))
    missing = {e["column"] for e in excinfo.value.errors}
    assert missing == {
        "NON_ELECTIVE_TARIFF",
        "ELECTIVE_TRIMPOINT_DAYS",
        "NON_ELECTIVE_TRIMPOINT_DAYS",
        "EXCESS_BED_DAY",
    }
    assert all(e["row"] == 1 for e in excinfo.value.errors)
    assert "NON_ELECTIVE_TARIFF" in excinfo.value.message


def test_admitted_every_row_error_collected_with_row_and_column():
    with pytest.raises(TariffFileError) as excinfo:
        read_admitted_tariff(
            csv(
                ADMITTED_HEADER + ",PROCODE3",
                "HA11A,Hip,1000.00,2000.00,5,10,250.00,",  # row 2: fine
                "H11A,Bad code,1000.00,2000.00,5,10,250.00,",  # row 3: HRG format
                "HA11B,Sub-penny,1000.001,2000.00,5,10,250.00,",  # row 4: 3 decimals
                "HA11C,Negative,1000.00,-5.00,5,10,250.00,",  # row 5: negative
                "HA11D,Text,abc,2000.00,5,10,250.00,",  # row 6: not a number
                "HA11E,Trim,1000.00,2000.00,2.5,-1,250.00,",  # row 7: two bad trim points
                "HA11A,Again,1000.00,2000.00,5,10,250.00,",  # row 8: duplicate national HRG
                ",No code,1000.00,2000.00,5,10,250.00,",  # row 9: HRG blank
                "HA11F,Provider,1000.00,2000.00,5,10,250.00,TOOLONG",  # row 10: provider code
                "HA11G,Huge,1000000.01,2000.00,5,10,250.00,",  # row 11: above £1m
                "HA11H,Exponent,1e3,2000.00,5,10,250.00,",  # row 12: not pounds
            )
        )
    assert errors_of(excinfo) == {
        (3, "HRG"),
        (4, "ELECTIVE_TARIFF"),
        (5, "NON_ELECTIVE_TARIFF"),
        (6, "ELECTIVE_TARIFF"),
        (7, "ELECTIVE_TRIMPOINT_DAYS"),
        (7, "NON_ELECTIVE_TRIMPOINT_DAYS"),
        (8, "HRG"),
        (9, "HRG"),
        (10, "PROCODE3"),
        (11, "ELECTIVE_TARIFF"),
        (12, "ELECTIVE_TARIFF"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in excinfo.value.errors}
    assert "2 decimal places" in messages[(4, "ELECTIVE_TARIFF")]
    assert "negative" in messages[(5, "NON_ELECTIVE_TARIFF")]
    assert "whole number of days" in messages[(7, "ELECTIVE_TRIMPOINT_DAYS")]
    assert "first on row 2" in messages[(8, "HRG")]
    assert "11 errors" in excinfo.value.message
    assert isinstance(excinfo.value, ImportRejected)  # the API error handler turns it into a 400
    assert excinfo.value.extra["errors"] == excinfo.value.errors


def test_admitted_duplicates_are_per_provider():
    rows = [ADMITTED_HEADER + ",PROCODE3", "HA11A,Hip,1,2,5,10,3,", "HA11A,Hip,1,2,5,10,3,RTH"]
    assert len(read_admitted_tariff(csv(*rows))) == 2  # national + local is not a duplicate
    with pytest.raises(TariffFileError) as excinfo:
        read_admitted_tariff(csv(*rows, "HA11A,Hip,1,2,5,10,3,rth"))
    assert errors_of(excinfo) == {(4, "HRG")}
    assert "RTH" in excinfo.value.errors[0]["message"]


def test_admitted_trailing_zero_decimals_are_still_whole_pence():
    table = read_admitted_tariff(csv(ADMITTED_HEADER, "HA11A,Hip,1000.500,2000.10,5.0,10,0"))
    assert table.loc[0, "elective_pence"] == 100_050  # £1000.500 = £1000.50: no fraction of a penny
    assert table.loc[0, "elective_trim_days"] == 5
    assert table.loc[0, "excess_bed_day_pence"] == 0  # an explicit zero stays zero (not "no tariff")


def test_admitted_xlsx_numbers_blank_cells_and_row_numbers():
    header = ADMITTED_HEADER.split(",") + ["SSEM_TARIFF"]
    data = xlsx(
        [
            header,
            ["HA11A", "Hip", 1000, 2000.5, 5, 10, 250.25, None],
            [],  # a blank spreadsheet row is skipped but still counts in row numbers
            ["FZ01A", "Gut", 1234.56, 0.1, 3, 6, 200, 400],
        ]
    )
    table = read_admitted_tariff(data)
    assert table["elective_pence"].tolist() == [100_000, 123_456]  # 1234.56 is 123456p, not float noise
    assert table["non_elective_pence"].tolist() == [200_050, 10]
    assert pd.isna(table.loc[0, "ssem_pence"]) and table.loc[1, "ssem_pence"] == 40_000
    assert table["row"].tolist() == [2, 4]


def test_admitted_xlsx_errors_carry_spreadsheet_rows():
    header = ADMITTED_HEADER.split(",")
    data = xlsx([header, ["HA11A", "Hip", 1000, 2000, 5, 10, 250], ["XX", "Bad", 12.345, 2000, 5, 10, 250]])
    with pytest.raises(TariffFileError) as excinfo:
        read_admitted_tariff(data)
    assert errors_of(excinfo) == {(3, "HRG"), (3, "ELECTIVE_TARIFF")}


def test_admitted_xlsx_missing_column():
    with pytest.raises(TariffFileError) as excinfo:
        read_admitted_tariff(xlsx([["HRG", "HRG_NAME"], ["HA11A", "Hip"]]))
    assert (1, "EXCESS_BED_DAY") in errors_of(excinfo)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (csv(ADMITTED_HEADER), "no data rows"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 20, ".xls"),
        (b"PK\x03\x04 not really a zip", "XLSX"),
        (b"\x00\x01\x02binary", "neither CSV"),
    ],
)
def test_unreadable_files_are_refused_whole(data, fragment):
    with pytest.raises(TariffFileError) as excinfo:
        read_admitted_tariff(data)
    assert fragment in excinfo.value.message


def test_header_repeated_is_an_error():
    with pytest.raises(TariffFileError) as excinfo:
        read_mff(csv("PROCODE3,MFF,mff", "RTH,1.05,1.06"))
    assert errors_of(excinfo) == {(1, "MFF")}


def test_reads_from_a_binary_stream():
    table = read_mff(io.BytesIO(csv("PROCODE3,MFF", "RTH,1.05")))
    assert table.loc[0, "mff_scaled"] == 105_000


# --------------------------------------------------------------------------------------- outpatient, A&E
def test_outpatient_tariff():
    table = read_outpatient_tariff(
        csv(
            "TRETSPEF,FIRST_ATTENDANCE,FOLLOW_UP_ATTENDANCE,PROCODE3",
            "330,120.00,60.00,",
            "300,150.00,,",
            "330,110.00,55.00,RTH",
        )
    )
    assert table["tretspef"].tolist() == ["330", "300", "330"]
    assert table["first_pence"].tolist() == [12_000, 15_000, 11_000]
    assert pd.isna(table.loc[1, "follow_up_pence"])
    assert table.loc[2, "provider"] == "RTH"


def test_outpatient_tariff_errors():
    with pytest.raises(TariffFileError) as excinfo:
        read_outpatient_tariff(
            csv(
                "TRETSPEF,FIRST_ATTENDANCE,FOLLOW_UP_ATTENDANCE",
                "330,120.00,60.00",
                "33,120.00,60.00",  # row 3: not 3 characters
                "330,1.234,60.00",  # row 4: duplicate and 3 decimals
                ",1,1",  # row 5: blank code
            )
        )
    assert errors_of(excinfo) == {(3, "TRETSPEF"), (4, "FIRST_ATTENDANCE"), (4, "TRETSPEF"), (5, "TRETSPEF")}


def test_outpatient_tariff_xlsx_numeric_treatment_function():
    table = read_outpatient_tariff(
        xlsx([["tretspef", "first_attendance", "follow_up_attendance"], [330, 120, 60.5]])
    )
    assert table.loc[0, "tretspef"] == "330" and table.loc[0, "follow_up_pence"] == 6_050


def test_ae_tariff():
    table = read_ae_tariff(csv("HRG,TYPE_1_2,TYPE_3", "VB01Z,150.00,60.00", "VB02Z,120.00,"))
    assert table["type_1_2_pence"].tolist() == [15_000, 12_000]
    assert table.loc[0, "type_3_pence"] == 6_000 and pd.isna(table.loc[1, "type_3_pence"])


def test_ae_tariff_errors():
    with pytest.raises(TariffFileError) as excinfo:
        read_ae_tariff(
            csv("HRG,TYPE_1_2,TYPE_3", "VB1Z,150.00,60.00", "VB02Z,-1,x", "VB02Z,1,1", "VB02Z,1,1")
        )
    assert errors_of(excinfo) == {(2, "HRG"), (3, "TYPE_1_2"), (3, "TYPE_3"), (4, "HRG"), (5, "HRG")}
    with pytest.raises(TariffFileError) as missing:
        read_ae_tariff(csv("HRG,TYPE_1_2", "VB01Z,1"))
    assert errors_of(missing) == {(1, "TYPE_3")}


# ------------------------------------------------------------------------------------------------- MFF
def test_mff_scaled_to_integers():
    table = read_mff(csv("procode3,mff", "RTH,1.05", "RUH,0.98765", "RA7,1", "RVJ,1.000050"))
    assert table["provider"].tolist() == ["RTH", "RUH", "RA7", "RVJ"]
    assert table["mff_scaled"].tolist() == [105_000, 98_765, MFF_SCALE, 100_005]


def test_mff_errors():
    with pytest.raises(TariffFileError) as excinfo:
        read_mff(
            csv(
                "PROCODE3,MFF",
                "RTH,1.05",
                "RUH,0",  # row 3: not positive
                "RA7,-1.2",  # row 4: not positive
                "RVJ,1.000001",  # row 5: 6 decimal places
                "RTH,1.06",  # row 6: duplicate provider
                ",1.0",  # row 7: no provider
                "RD1,",  # row 8: no MFF
                "RNZ,one",  # row 9: not a number
                "RBD,12",  # row 10: implausible
                "R1,1.0",  # row 11: bad provider code
            )
        )
    assert errors_of(excinfo) == {
        (3, "MFF"),
        (4, "MFF"),
        (5, "MFF"),
        (6, "PROCODE3"),
        (7, "PROCODE3"),
        (8, "MFF"),
        (9, "MFF"),
        (10, "MFF"),
        (11, "PROCODE3"),
    }


def test_mff_xlsx_float_cells():
    table = read_mff(xlsx([["PROCODE3", "MFF"], ["RTH", 1.05], ["RUH", 0.98765], ["RA7", 1]]))
    assert table["mff_scaled"].tolist() == [105_000, 98_765, 100_000]


def test_many_errors_are_capped_but_counted():
    rows = ["PROCODE3,MFF"] + [f"{i:03X},x" for i in range(1_200)]
    with pytest.raises(TariffFileError) as excinfo:
        read_mff(csv(*rows))
    assert len(excinfo.value.errors) == 1_000
    assert "1200 errors" in excinfo.value.message


# ------------------------------------------------------------------------------------------ TariffTables
def test_tariff_tables_from_files_and_column_check():
    tables = TariffTables.from_files(
        admitted=csv(ADMITTED_HEADER, "HA11A,Hip,1000.00,2000.00,5,10,250.00"),
        mff=csv("PROCODE3,MFF", "RTH,1.05"),
    )
    assert tables.outpatient is None and tables.ae is None
    assert tables.admitted.loc[0, "non_elective_pence"] == 200_000
    with pytest.raises(ValueError, match="mff"):
        TariffTables(mff=pd.DataFrame({"provider": ["RTH"]}))


def test_tariff_tables_refuse_values_outside_the_costing_bounds():
    admitted = read_admitted_tariff(csv(ADMITTED_HEADER, "HA11A,Hip,1000.00,2000.00,5,10,250.00"))
    too_dear = admitted.assign(elective_pence=pd.array([100_000_001], dtype="Int64"))
    with pytest.raises(ValueError, match="elective_pence"):
        TariffTables(admitted=too_dear)
    negative_trim = admitted.assign(elective_trim_days=pd.array([-1], dtype="Int64"))
    with pytest.raises(ValueError, match="elective_trim_days"):
        TariffTables(admitted=negative_trim)
    zero_mff = read_mff(csv("PROCODE3,MFF", "RTH,1.05")).assign(mff_scaled=pd.array([0], dtype="Int64"))
    with pytest.raises(ValueError, match="mff_scaled"):
        TariffTables(mff=zero_mff)
