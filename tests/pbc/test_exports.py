"""The one export helper: numbers stay numbers in CSV and Excel, formula-looking text is neutralised."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pbc.exports import Money, Percent, Sheet, csv_cell, csv_response, safe_cell, workbook_bytes


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Money(-1409836), "-14098.36"),
        (Money(5), "0.05"),
        (-3495, -3495),
        (Decimal("-34.95"), Decimal("-34.95")),
        (Percent("-2.5"), "-2.5"),
        ("-14098.36", "-14098.36"),  # the API's money string is a number, not a formula
        ("-1+1", "'-1+1"),
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+44 1234", "'+44 1234"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-", "'-"),
        ("-1e5", "'-1e5"),
        ("Abbey Surgery", "Abbey Surgery"),
        (None, ""),
        (True, "true"),
    ],
)
def test_csv_cell(value, written):
    assert csv_cell(value) == written
    assert type(csv_cell(value)) is type(written)


def test_safe_cell_leaves_numbers_alone():
    assert safe_cell(-5) == -5 and safe_cell("-5") == "-5" and safe_cell("-5 x") == "'-5 x"


def test_csv_response_writes_negative_money_as_a_number():
    response = csv_response("x.csv", ["Name", "Variance", "Count"], [["=1+1", Money(-1409836), -3]])
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Name", "Variance", "Count"],
        ["'=1+1", "-14098.36", "-3"],
    ]


def test_workbook_money_is_a_numeric_cell_with_a_money_format():
    data = workbook_bytes(
        [Sheet("T", ["Name", "Variance", "Rate"], [["-x", Money(-1409836), Decimal("-1.5")]])]
    )
    ws = load_workbook(io.BytesIO(data)).active
    name, variance, rate = ws[2]
    assert name.value == "'-x" and name.data_type == "s"
    assert variance.data_type == "n" and Decimal(str(variance.value)) == Decimal("-14098.36")
    assert "£" in variance.number_format
    assert rate.data_type == "n" and Decimal(str(rate.value)) == Decimal("-1.5")
