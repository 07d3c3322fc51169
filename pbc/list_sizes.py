"""What makes a registered list size believable (pure: plain values in, field messages out).

A practice with no patients is closed or mis-keyed, and an extract dated after the end of next financial
year is a typing slip (9999-12-31 is a favourite): neither may reach a budget. The import reader, the
model's ``clean()`` and so every service and API write apply these same rules.
"""

from __future__ import annotations

from datetime import date

from pbc.fiscal import fy_of

__all__ = ["MIN_PATIENTS", "latest_extract_date", "list_size_errors"]

MIN_PATIENTS = 1


def latest_extract_date(today: date) -> date:
    """The last extract date accepted on ``today``: the end of the next financial year."""
    return fy_of(today).next().end


def list_size_errors(*, extract_date: date | None, patients: int | None, today: date) -> dict[str, str]:
    """Field name → message for every rule the list size breaks (empty when it is believable)."""
    errors: dict[str, str] = {}
    if patients is not None and patients < MIN_PATIENTS:
        errors["patients"] = "A list size must have at least one patient."
    latest = latest_extract_date(today)
    if extract_date is not None and extract_date > latest:
        errors["extract_date"] = (
            f"{extract_date:%d/%m/%Y} is after the end of next financial year ({latest:%d/%m/%Y}): "
            "check the extract date."
        )
    return errors
