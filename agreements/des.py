"""Directed enhanced services (seed 000, DOMAIN sections 7 and 12): a DES payment and its conditions.

Pure: plain data in, plain data out, no ORM. The rates are the national 2008/09 ones already held by
:func:`agreements.incentives.des_2008_09` (the only year the seed gives). Each amount is the exact product
(as a ``Fraction``, so a third of a criterion stays a third) rounded half-up to the penny once, at the end.
A condition not met pays nothing.

- heart failure, alcohol, learning disabilities: the rate per item × ``count``; learning disabilities pays
  only once the practice has attended the PCT's education session;
- ethnicity, extended hours: the rate per registered patient × ``list_size``; extended hours only where
  the practice provides at least 3 extra hours a week for an average practice, scaled by
  ``list_size / average_list_size``;
- osteoporosis: £588.21 for an average practice meeting all three criteria, × ``list_size /
  average_list_size`` × the sum of the shares of the criteria met (a third each unless configured);
- IM&T: a one-off payment (the amount claimed; the seed sets no rate), claimable until 31 March 2009.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from agreements.incentives import PerActivityComponent, PerPatientComponent, des_2008_09
from pbc.fiscal import FinancialYear

__all__ = [
    "CRITERIA",
    "Condition",
    "DesCode",
    "DesConfig",
    "DesError",
    "DesInput",
    "DesResult",
    "calculate_des",
]

CRITERIA = (1, 2, 3)
EXTENDED_HOURS_PER_AVERAGE_PRACTICE = Fraction(3)
IMT_CLAIM_DEADLINE = date(2009, 3, 31)


class DesCode(StrEnum):
    HEART_FAILURE = "heart_failure"
    ALCOHOL = "alcohol"
    LEARNING_DISABILITIES = "learning_disabilities"
    OSTEOPOROSIS = "osteoporosis"
    ETHNICITY = "ethnicity"
    EXTENDED_HOURS = "extended_hours"
    IM_T = "im_t"


class DesError(ValueError):
    """Figures that cannot give a DES payment; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DesConfig:
    """What a PCT may configure: the average list per financial year ("2008/09" → 6000), the share of
    each osteoporosis criterion (they need not add up to one), and the IM&T claim deadline."""

    average_list_sizes: Mapping[str, int] = field(default_factory=dict)
    osteoporosis_shares: tuple[Fraction, Fraction, Fraction] = (Fraction(1, 3),) * 3
    imt_claim_deadline: date = IMT_CLAIM_DEADLINE

    def __post_init__(self) -> None:
        if len(self.osteoporosis_shares) != len(CRITERIA) or any(s < 0 for s in self.osteoporosis_shares):
            raise ValueError("Give three non-negative osteoporosis criterion shares.")
        for label, size in self.average_list_sizes.items():
            FinancialYear.parse(label)
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ValueError(f"The average list size for {label} must be a whole number from 1.")


@dataclass(frozen=True, kw_only=True)
class DesInput:
    des: DesCode
    year: FinancialYear
    list_size: int
    average_list_size: int | None = None
    criteria_met: Collection[int] | None = None
    hours_provided: Decimal | None = None
    attended_education: bool | None = None
    count: int | None = None
    claimed_pence: int | None = None


@dataclass(frozen=True)
class Condition:
    name: str
    met: bool


@dataclass(frozen=True)
class DesResult:
    des: DesCode
    year: FinancialYear
    amount_pence: int
    conditions: list[Condition]
    basis: str


def _round_half_up(pence: Fraction) -> int:
    """Whole pence from an exact, non-negative number of pence."""
    return int((pence + Fraction(1, 2)) // 1)


def _pounds(pence: Decimal | int) -> str:
    """£35.00 for whole pence, 5.6p for a fractional-penny rate."""
    pence = Decimal(pence)
    if pence == pence.to_integral_value():
        return f"£{pence / 100:,.2f}"
    return f"{pence.normalize()}p"


def _hours(value: Fraction) -> str:
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01")))


def _fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _rates() -> dict[str, PerActivityComponent | PerPatientComponent]:
    return {c.code: c for c in des_2008_09().components}


def _average(inp: DesInput, config: DesConfig) -> int:
    if inp.average_list_size is not None:
        if inp.average_list_size < 1:
            raise DesError("average_list_size", "The average list size must be at least 1.")
        return inp.average_list_size
    configured = config.average_list_sizes.get(inp.year.label)
    if configured is None:
        raise DesError(
            "average_list_size",
            f"No average list size is configured for {inp.year.label}: give average_list_size.",
        )
    return configured


def _need(value, field_name: str, des: DesCode):
    if value is None:
        raise DesError(field_name, f"{field_name} is required for the {des.value} DES.")
    return value


def calculate_des(inp: DesInput, config: DesConfig | None = None) -> DesResult:
    config = config or DesConfig()
    if isinstance(inp.list_size, bool) or not isinstance(inp.list_size, int) or inp.list_size < 0:
        raise DesError("list_size", "The list size must be a whole number, not negative.")
    des = DesCode(inp.des)
    rates = _rates()
    conditions: list[Condition] = []
    if des in (DesCode.HEART_FAILURE, DesCode.ALCOHOL, DesCode.LEARNING_DISABILITIES):
        component = rates[des.value]
        count = _need(inp.count, "count", des)
        if count < 0:
            raise DesError("count", "The count cannot be negative.")
        if des is DesCode.LEARNING_DISABILITIES:
            conditions.append(Condition("attended the PCT's education session", bool(inp.attended_education)))
        exact = Fraction(component.rate_pence) * count
        basis = f"{_pounds(component.rate_pence)} per {component.unit} × {count:,}"
    elif des in (DesCode.ETHNICITY, DesCode.EXTENDED_HOURS):
        component = rates[des.value]
        exact = Fraction(component.rate_pence_per_patient) * inp.list_size
        basis = f"{_pounds(component.rate_pence_per_patient)} × {inp.list_size:,} registered patients"
        if des is DesCode.EXTENDED_HOURS:
            hours = Fraction(_need(inp.hours_provided, "hours_provided", des))
            if hours < 0:
                raise DesError("hours_provided", "The hours provided cannot be negative.")
            average = _average(inp, config)
            required = EXTENDED_HOURS_PER_AVERAGE_PRACTICE * inp.list_size / average
            conditions.append(
                Condition(
                    f"provides at least {_hours(required)} extra hours a week "
                    f"(3 × {inp.list_size:,} / {average:,})",
                    hours >= required,
                )
            )
    elif des is DesCode.OSTEOPOROSIS:
        criteria = _need(inp.criteria_met, "criteria_met", des)
        met = set(criteria)
        if not met <= set(CRITERIA) or len(met) != len(list(criteria)):
            raise DesError("criteria_met", "Give each criterion met once, from 1, 2 and 3.")
        average = _average(inp, config)
        share = sum((config.osteoporosis_shares[c - 1] for c in met), Fraction(0))
        rate = rates["osteoporosis"].rate_pence
        exact = Fraction(rate) * inp.list_size / average * share
        conditions.extend(Condition(f"criterion {c}", c in met) for c in CRITERIA)
        basis = (
            f"{_pounds(rate)} × {inp.list_size:,} / {average:,} × {_fraction_text(share)} "
            f"(criteria met: {', '.join(map(str, sorted(met))) or 'none'})"
        )
    else:  # IM&T
        in_time = inp.year.end <= config.imt_claim_deadline
        conditions.append(
            Condition(f"claimed by {config.imt_claim_deadline:%d %B %Y} (one-off payment)", in_time)
        )
        if in_time:
            claimed = _need(inp.claimed_pence, "amount", des)
            if claimed < 0:
                raise DesError("amount", "The amount claimed cannot be negative.")
        else:
            claimed = 0
        exact = Fraction(claimed)
        basis = f"one-off payment of {_pounds(claimed)} claimed"
    # Osteoporosis pays the shares of the criteria met; every other condition must be met to pay at all.
    gating = [] if des is DesCode.OSTEOPOROSIS else conditions
    if not all(c.met for c in gating) or exact == 0:
        return DesResult(des, inp.year, 0, conditions, f"not paid: a condition is not met ({basis})")
    return DesResult(des, inp.year, _round_half_up(exact), conditions, basis)
