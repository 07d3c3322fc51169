from datetime import date

import pytest

from pbc.fiscal import FinancialYear, fy_of, month_number


def test_label_and_bounds():
    fy = FinancialYear.parse("2007/08")
    assert fy.start == date(2007, 4, 1) and fy.end == date(2008, 3, 31)
    assert FinancialYear(1999).label == "1999/00"
    assert date(2008, 3, 31) in fy and date(2008, 4, 1) not in fy


@pytest.mark.parametrize(
    ("day", "year", "month"),
    [
        (date(2007, 4, 1), 2007, 1),
        (date(2008, 3, 31), 2007, 12),
        (date(2007, 12, 25), 2007, 9),
        (date(2008, 1, 1), 2007, 10),
    ],
)
def test_year_and_month_of_a_date(day, year, month):
    assert fy_of(day).start_year == year
    assert month_number(day) == month


def test_months_run_april_to_march():
    months = FinancialYear(2007).months()
    assert months[0] == date(2007, 4, 1) and months[8] == date(2007, 12, 1) and months[11] == date(2008, 3, 1)


@pytest.mark.parametrize("bad", ["2007/09", "2007", "07/08", "2007-08"])
def test_bad_labels(bad):
    with pytest.raises(ValueError):
        FinancialYear.parse(bad)
