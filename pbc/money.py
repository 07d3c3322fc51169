"""Exact money: whole pence in storage, pounds as strings at the edges.

Every conversion between pounds and pence goes through this module. Amounts are never floats: a
``Decimal`` is built from a string or an int only, and rounding is always explicit (half-up to the
penny, as NHS finance rounds).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

__all__ = [
    "PENNY",
    "apportion_pence",
    "MoneyError",
    "format_gbp",
    "parse_pounds",
    "pence_to_decimal",
    "pence_to_str",
    "round_half_up_pence",
    "split_pence",
    "to_pence",
]

PENNY = Decimal("0.01")


class MoneyError(ValueError):
    """A value that cannot be taken as an amount of money."""


def _as_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, bool | float):
        raise MoneyError("Money must not be built from a float or a boolean.")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip().replace(",", "").replace("£", ""))
    except InvalidOperation as exc:
        raise MoneyError(f"'{value}' is not an amount of money.") from exc


def to_pence(pounds: Decimal | int | str) -> int:
    """Whole pence from pounds; sub-penny input is an error, not a rounding."""
    amount = _as_decimal(pounds)
    if not amount.is_finite():
        raise MoneyError(f"'{pounds}' is not a finite amount.")
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise MoneyError(f"'{pounds}' has fractions of a penny.")
    return int(pence)


# No amount a PCT handles comes near this (£10 trillion); anything beyond is a typing slip, and it keeps
# entered amounts well inside a 64-bit pence column.
MAX_ENTERED_PENCE = 10**15

# What a person or an API client may write for pounds once "£", "," and spaces are set aside: ASCII digits
# only (Python's Decimal would also read "٣٤٥" or "३४५" as 345), no exponent, no NaN or Infinity.
_POUNDS_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def parse_pounds(text: str) -> int:
    """Pence from a pounds string typed by a person or sent by an API client ("1,234.50", "£12")."""
    if text is None or str(text).strip() == "":
        raise MoneyError("Enter an amount in pounds.")
    if not _POUNDS_RE.fullmatch(re.sub(r"[£,\s]", "", str(text))):
        raise MoneyError(f"'{str(text)[:30]}' is not an amount in pounds: use the digits 0-9.")
    amount = _as_decimal(str(text))
    if amount.is_finite() and amount.copy_abs() > Decimal(MAX_ENTERED_PENCE) / 100:
        raise MoneyError(f"'{str(text)[:30]}' is implausibly large for an amount of money.")
    return to_pence(amount)


def round_half_up_pence(pounds: Decimal) -> int:
    """Whole pence from an exact pounds figure (e.g. tariff × MFF), rounded half-up."""
    return int(_as_decimal(pounds).quantize(PENNY, rounding=ROUND_HALF_UP) * 100)


def pence_to_decimal(pence: int) -> Decimal:
    return (Decimal(int(pence)) / 100).quantize(PENNY)


def pence_to_str(pence: int) -> str:
    """The API's money format: pounds with exactly two decimals, no separators ("196000.00")."""
    return f"{pence_to_decimal(pence):.2f}"


def format_gbp(pence: int | None) -> str:
    """£1,234.56 for people; negatives as -£1,234.56."""
    if pence is None:
        return "—"
    pence = int(pence)
    sign = "-" if pence < 0 else ""
    return f"{sign}£{pence_to_decimal(abs(pence)):,.2f}"


def split_pence(total: int, weights: Sequence[Decimal | int | str], *, residue_to: int = 0) -> list[int]:
    """Split ``total`` pence by ``weights`` so that the parts always add up to the total.

    Each part is rounded half-up; the rounding residue (a penny or a few) goes to the part at index
    ``residue_to``, so the party that takes it is always stated by the caller. Meant for splits between
    a few parties; to share an amount among many (practices, months) use :func:`apportion_pence`,
    which never gives a negative part.
    """
    if not weights:
        raise MoneyError("Nothing to split between.")
    dec_weights = [_as_decimal(w) for w in weights]
    if any(w < 0 for w in dec_weights):
        raise MoneyError("Split weights cannot be negative.")
    weight_sum = sum(dec_weights)
    if weight_sum == 0:
        raise MoneyError("Split weights add up to nothing.")
    parts = [
        int((Decimal(total) * w / weight_sum).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for w in dec_weights
    ]
    parts[residue_to] += total - sum(parts)
    return parts


def apportion_pence(*, total: int, weights: Sequence[int | Decimal | Fraction]) -> list[int]:
    """Split ``total`` pence by ``weights`` exactly, every part ≥ 0 and within a penny of its share.

    Largest remainder: each part is its exact share rounded down; the pennies left over go one each to the
    parts with the largest fractional remainder, ties to the earlier part.
    """
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise MoneyError("Only a whole, non-negative number of pence can be apportioned.")
    if not weights:
        raise MoneyError("Nothing to apportion between.")
    fractions = [Fraction(w) for w in weights]
    if any(w < 0 for w in fractions):
        raise MoneyError("Apportionment weights cannot be negative.")
    weight_sum = sum(fractions, Fraction(0))
    if total == 0:
        return [0] * len(fractions)
    if weight_sum == 0:
        raise MoneyError("Apportionment weights add up to nothing.")
    parts: list[int] = []
    remainders: list[Fraction] = []
    for w in fractions:
        quota = total * w / weight_sum
        whole = quota.numerator // quota.denominator
        parts.append(whole)
        remainders.append(quota - whole)
    left = total - sum(parts)
    if left:
        order = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
        for i in order[:left]:
            parts[i] += 1
    return parts
