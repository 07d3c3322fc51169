"""NHS financial years: 1 April to 31 March, named like "2007/08", months numbered from April = 1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["FinancialYear", "fy_of", "month_number", "month_start"]

_LABEL_RE = re.compile(r"^(\d{4})/(\d{2})$")
MONTH_NAMES = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The financial year that starts on 1 April of ``start_year``."""

    start_year: int

    @classmethod
    def parse(cls, label: str) -> FinancialYear:
        match = _LABEL_RE.match(str(label).strip())
        if not match:
            raise ValueError(f"'{label}' is not a financial year; write it like 2007/08.")
        start = int(match.group(1))
        if (start + 1) % 100 != int(match.group(2)):
            raise ValueError(f"'{label}' is not a financial year: the second part must be the next year.")
        return cls(start)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def month(self, number: int) -> date:
        """First day of month ``number`` (April = 1 … March = 12)."""
        if not 1 <= number <= 12:
            raise ValueError("A financial month is numbered 1 (April) to 12 (March).")
        year = self.start_year if number <= 9 else self.start_year + 1
        return date(year, (number + 2) % 12 + 1, 1)

    def months(self) -> list[date]:
        return [self.month(n) for n in range(1, 13)]

    def next(self) -> FinancialYear:
        return FinancialYear(self.start_year + 1)

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    def __str__(self) -> str:
        return self.label


def fy_of(day: date) -> FinancialYear:
    return FinancialYear(day.year if day.month >= 4 else day.year - 1)


def month_number(day: date) -> int:
    """Financial month of a date: April = 1 … March = 12."""
    return (day.month - 4) % 12 + 1


def month_start(day: date) -> date:
    return day.replace(day=1)
