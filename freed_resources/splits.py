"""How a freed-up amount is split between its parties, in whole pence, by schemes that are data.

A PCT defines its own scheme (stored as JSON) without code: a ``SplitScheme`` says whether a reward payment
comes off the top (Hertfordshire: the first 10% of savings, capped at £1 per registered patient, none to a
practice that overspent), whether a sliding scale returns part of the savings for the PCT's investment
(BANES: the commissioning executive and incentive scheme), and how the rest is shared between practices and
the PCT (nationally at least 70% to practices, 30% to the PCT).

The order is fixed: reward first, then the amount returned for investment (read from the scale at the full
freed-up amount, and never more than is left after the reward), then the practices'/PCT shares of the rest.
Each figure is rounded half-up to the penny; the share split gives any rounding residue to the scheme's
``residue_party``, so the parts always add up exactly to the amount split.

Pure calculation: no Django, no ORM, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from pbc.money import format_gbp, split_pence, to_pence

__all__ = [
    "BANES_RETURNED_POINTS",
    "BANES_SCHEME",
    "HERTFORDSHIRE_SCHEME",
    "NATIONAL_SCHEME",
    "PARTY_LABELS",
    "READY_MADE_SCHEMES",
    "RESIDUE_PARTIES",
    "Party",
    "ReturnedPoint",
    "SplitError",
    "SplitResult",
    "SplitScheme",
    "SplitStep",
    "banes_scheme",
    "hertfordshire_scheme",
    "national_scheme",
    "returned_for_investment",
    "scheme_from_dict",
    "scheme_to_dict",
    "split_freed_resources",
    "validate_scheme",
]


class Party(StrEnum):
    """Who receives a part of the freed-up amount."""

    REWARD = "reward"
    RETURNED_FOR_INVESTMENT = "returned_for_investment"
    PRACTICES = "practices"
    PCT = "pct"


PARTY_LABELS: Mapping[str, str] = MappingProxyType(
    {
        Party.REWARD: "Reward payment (practice income)",
        Party.RETURNED_FOR_INVESTMENT: "Returned for PCT investment",
        Party.PRACTICES: "Practices, for reinvestment in patient care",
        Party.PCT: "PCT",
    }
)

# Rounding residue only arises when the rest is shared, so only a sharing party can take it.
RESIDUE_PARTIES: tuple[str, ...] = (Party.PRACTICES, Party.PCT)


class SplitError(ValueError):
    """A scheme or an amount that cannot be split; the message tells a finance user what to correct."""

    def __init__(self, message: str, *, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems) or (message,)


class ReturnedPoint(NamedTuple):
    """One row of a sliding scale: at ``freed_pence`` freed up, ``returned_pence`` is returned."""

    freed_pence: int
    returned_pence: int


@dataclass(frozen=True)
class SplitScheme:
    """A PCT's rule for splitting freed-up resources; plain data, checked by ``validate_scheme``.

    ``practice_share`` and ``reward_rate`` are fractions (``Decimal("0.70")`` for 70%). A reward is paid
    only when ``reward_rate`` is set; ``reward_cap_per_patient_pence`` caps it per registered patient.
    ``returned_points`` is the sliding scale (empty for none).
    """

    name: str
    practice_share: Decimal
    reward_rate: Decimal | None = None
    reward_cap_per_patient_pence: int | None = None
    no_reward_if_overspent: bool = True
    returned_points: tuple[ReturnedPoint, ...] = ()
    residue_party: str = Party.PCT
    description: str = ""

    @property
    def pct_share(self) -> Decimal:
        return Decimal(1) - Decimal(self.practice_share)


@dataclass(frozen=True)
class SplitStep:
    """One line of the explanation shown beside a split: the rule applied and the figures it used."""

    rule: str
    detail: str
    pence: int
    party: str | None = None


@dataclass(frozen=True)
class SplitResult:
    """Each party's whole pence; ``total_pence`` always equals ``amount_pence``.

    ``residue_pence`` is the signed rounding adjustment (usually 0, at most a penny) given to
    ``residue_party`` so that the shares add up to the amount they split.
    """

    scheme_name: str
    amount_pence: int
    reward_pence: int
    returned_for_investment_pence: int
    practices_pence: int
    pct_pence: int
    residue_party: str
    residue_pence: int
    reward_withheld: bool
    reward_capped: bool
    steps: tuple[SplitStep, ...]

    @property
    def shared_pence(self) -> int:
        """What was left after the reward and the amount returned, shared between practices and PCT."""
        return self.practices_pence + self.pct_pence

    @property
    def total_pence(self) -> int:
        return self.reward_pence + self.returned_for_investment_pence + self.practices_pence + self.pct_pence

    def parts(self) -> dict[str, int]:
        """Pence by party, in payment order (for tables, API output and storage)."""
        return {
            Party.REWARD.value: self.reward_pence,
            Party.RETURNED_FOR_INVESTMENT.value: self.returned_for_investment_pence,
            Party.PRACTICES.value: self.practices_pence,
            Party.PCT.value: self.pct_pence,
        }


# --- validation ---------------------------------------------------------------------------------------


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_fraction(value: Any) -> bool:
    if _is_whole(value):
        return True
    return isinstance(value, Decimal) and value.is_finite()


def _percent(fraction: Decimal | int) -> str:
    return f"{(Decimal(fraction) * 100).normalize():f}%"


MAX_SHARE_DECIMALS = 6


def _fraction_problems(value: Any, label: str, example: str) -> list[str]:
    if not _is_fraction(value):
        return [f"{label} must be a decimal fraction written as text, e.g. {example} (got {value!r})."]
    if not 0 <= value <= 1:
        return [f"{label} must be between 0 and 1 ({example}); got {value}."]
    if _is_whole(value) or value.normalize().as_tuple().exponent >= -MAX_SHARE_DECIMALS:
        return []
    return [f"{label} may have at most {MAX_SHARE_DECIMALS} decimal places ({example}); got {value}."]


def _scheme_problems(scheme: SplitScheme) -> list[str]:
    problems: list[str] = []
    if not isinstance(scheme.name, str) or not scheme.name.strip():
        problems.append("Give the scheme a name.")
    if not isinstance(scheme.description, str):
        problems.append("The scheme's description must be text.")

    problems.extend(_fraction_problems(scheme.practice_share, "The practices' share", "0.70 for 70%"))
    if scheme.reward_rate is not None:
        problems.extend(_fraction_problems(scheme.reward_rate, "The reward rate", "0.10 for 10%"))
    cap = scheme.reward_cap_per_patient_pence
    if cap is not None:
        if not _is_whole(cap) or cap < 0:
            problems.append(
                f"The reward cap per registered patient must be a whole number of pence, 0 or more "
                f"(100 means £1); got {cap!r}."
            )
        elif scheme.reward_rate is None:
            problems.append(
                "A reward cap per patient is set but there is no reward rate: set both or neither."
            )
    if not isinstance(scheme.no_reward_if_overspent, bool):
        problems.append("'No reward if overspent' must be true or false.")

    if scheme.residue_party not in RESIDUE_PARTIES:
        problems.append(
            f"The party that takes the rounding penny must be one of {', '.join(RESIDUE_PARTIES)}; "
            f"got {scheme.residue_party!r}."
        )

    problems.extend(_points_problems(scheme.returned_points))
    return problems


def _points_problems(points: Any) -> list[str]:
    if not isinstance(points, tuple | list):
        return ["The sliding scale must be a list of (freed up, returned) points."]
    problems: list[str] = []
    previous: tuple[int, int] | None = None
    for number, point in enumerate(points, start=1):
        if not isinstance(point, tuple | list) or len(point) != 2 or not all(_is_whole(v) for v in point):
            problems.append(
                f"Sliding-scale point {number} must be two whole amounts in pence: freed up, returned."
            )
            previous = None
            continue
        freed, returned = point
        if freed < 0 or returned < 0:
            problems.append(f"Sliding-scale point {number} has a negative amount; amounts must be 0 or more.")
            previous = None
            continue
        if returned > freed:
            problems.append(
                f"At sliding-scale point {number} the amount returned ({format_gbp(returned)}) is more than "
                f"the resource freed up ({format_gbp(freed)})."
            )
        if previous is not None:
            if freed <= previous[0]:
                problems.append(
                    f"Sliding-scale point {number} ({format_gbp(freed)} freed up) must be for more than "
                    f"point {number - 1} ({format_gbp(previous[0])}): list the points from smallest to "
                    "largest, each amount once."
                )
            if returned < previous[1]:
                problems.append(
                    f"At sliding-scale point {number} the amount returned ({format_gbp(returned)}) is less "
                    f"than at point {number - 1} ({format_gbp(previous[1])}): the amount returned must not "
                    "fall as savings rise."
                )
        previous = (freed, returned)
    return problems


def validate_scheme(scheme: SplitScheme) -> SplitScheme:
    """Raise ``SplitError`` listing every problem with the scheme (for a page to show at once)."""
    if not isinstance(scheme, SplitScheme):
        raise SplitError(f"Expected a split scheme, got {type(scheme).__name__}.")
    problems = _scheme_problems(scheme)
    if problems:
        name = scheme.name if isinstance(scheme.name, str) and scheme.name.strip() else "(unnamed)"
        raise SplitError(
            f"The split scheme '{name}' cannot be used: " + " ".join(problems), problems=problems
        )
    return scheme


# --- calculation --------------------------------------------------------------------------------------


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _scale_lookup(points: Sequence[ReturnedPoint], amount_pence: int) -> tuple[int, str]:
    """Returned amount and how it was read from the scale (points already validated)."""
    if not points:
        return 0, "This scheme has no sliding scale."
    first_freed = points[0][0]
    if amount_pence < first_freed:
        return (
            0,
            f"{format_gbp(amount_pence)} is below the first point of the scale ({format_gbp(first_freed)}).",
        )
    last_freed, last_returned = points[-1]
    if amount_pence >= last_freed:
        if amount_pence == last_freed:
            return (
                last_returned,
                f"The scale returns {format_gbp(last_returned)} at {format_gbp(last_freed)}.",
            )
        return last_returned, (
            f"{format_gbp(amount_pence)} is beyond the last point of the scale: the amount returned stays at "
            f"{format_gbp(last_returned)} (the scale's maximum, reached at {format_gbp(last_freed)})."
        )
    for (f0, r0), (f1, r1) in zip(points, points[1:], strict=False):
        if amount_pence == f0:
            return r0, f"The scale returns {format_gbp(r0)} at {format_gbp(f0)}."
        if f0 < amount_pence < f1:
            # Integer half-up of r0 + (r1 - r0) * (amount - f0) / (f1 - f0); every term is non-negative.
            numerator = (r1 - r0) * (amount_pence - f0)
            denominator = f1 - f0
            returned = r0 + (2 * numerator + denominator) // (2 * denominator)
            return returned, (
                f"{format_gbp(amount_pence)} lies between {format_gbp(f0)} (returns {format_gbp(r0)}) and "
                f"{format_gbp(f1)} (returns {format_gbp(r1)}): {format_gbp(r0)} + "
                f"({format_gbp(amount_pence)} − {format_gbp(f0)}) ÷ {format_gbp(denominator)} × "
                f"{format_gbp(r1 - r0)} = {format_gbp(returned)}, rounded half-up to the penny."
            )
    raise AssertionError("unreachable: amount not placed on a validated scale")  # pragma: no cover


def returned_for_investment(points: Sequence[ReturnedPoint | tuple[int, int]], amount_pence: int) -> int:
    """The amount a sliding scale returns at ``amount_pence`` freed up.

    Piecewise-linear between points, nothing below the first point, and the last point's amount beyond
    the last (so BANES returns £10,000 at £250,000, and never more than £400,000).
    """
    problems = _points_problems(points)
    if problems:
        raise SplitError("The sliding scale cannot be used: " + " ".join(problems), problems=problems)
    _check_amount(amount_pence)
    return _scale_lookup([ReturnedPoint(*p) for p in points], amount_pence)[0]


def _check_amount(amount_pence: Any) -> None:
    if not _is_whole(amount_pence):
        raise SplitError(f"The amount to split must be a whole number of pence; got {amount_pence!r}.")
    if amount_pence < 0:
        raise SplitError(
            f"The amount to split is negative ({format_gbp(amount_pence)}): an overspend frees up nothing. "
            "Net overspends against savings in the declaration first, then split what is left."
        )


def split_freed_resources(
    scheme: SplitScheme,
    amount_pence: int,
    *,
    list_size: int | None = None,
    overspent: bool = False,
) -> SplitResult:
    """Split ``amount_pence`` freed up by ``scheme``.

    ``list_size`` (registered patients) is needed only when a reward capped per patient is due;
    ``overspent`` withholds the reward where the scheme says an overspent practice gets none.
    """
    validate_scheme(scheme)
    _check_amount(amount_pence)
    if list_size is not None and (not _is_whole(list_size) or list_size < 0):
        raise SplitError(f"The registered list size must be a whole number, 0 or more; got {list_size!r}.")
    if not isinstance(overspent, bool):
        raise SplitError("'Overspent' must be true or false.")

    steps: list[SplitStep] = [
        SplitStep("Freed-up resources to split", format_gbp(amount_pence), amount_pence)
    ]

    reward = 0
    withheld = capped = False
    if scheme.reward_rate is not None:
        rate = Decimal(scheme.reward_rate)
        if overspent and scheme.no_reward_if_overspent:
            withheld = True
            steps.append(
                SplitStep(
                    "No reward payment",
                    "The practice overspent its indicative budget, so under this scheme it gets no reward.",
                    0,
                    Party.REWARD,
                )
            )
        else:
            uncapped = _half_up(Decimal(amount_pence) * rate)
            detail = f"{_percent(rate)} of {format_gbp(amount_pence)} = {format_gbp(uncapped)}"
            reward = uncapped
            cap_per_patient = scheme.reward_cap_per_patient_pence
            if cap_per_patient is not None:
                if list_size is None:
                    raise SplitError(
                        f"The scheme '{scheme.name}' caps the reward at {format_gbp(cap_per_patient)} per "
                        "registered patient: enter the practice's registered list size to work out the reward."
                    )
                cap = cap_per_patient * list_size
                if uncapped > cap:
                    reward, capped = cap, True
                    detail += (
                        f", capped at {format_gbp(cap_per_patient)} × {list_size:,} registered patients "
                        f"= {format_gbp(cap)}"
                    )
                else:
                    detail += (
                        f" (within the cap of {format_gbp(cap_per_patient)} × {list_size:,} registered "
                        f"patients = {format_gbp(cap)})"
                    )
            steps.append(SplitStep("Reward payment, paid as practice income", detail, reward, Party.REWARD))

    returned = 0
    if scheme.returned_points:
        returned, detail = _scale_lookup(scheme.returned_points, amount_pence)
        available = amount_pence - reward
        if returned > available:
            detail += f" Limited to the {format_gbp(available)} left after the reward."
            returned = available
        steps.append(
            SplitStep(
                "Returned for PCT investment (sliding scale)", detail, returned, Party.RETURNED_FOR_INVESTMENT
            )
        )

    shared = amount_pence - reward - returned
    if reward or returned:
        taken = [f"{format_gbp(reward)} reward"] if reward else []
        taken += [f"{format_gbp(returned)} returned"] if returned else []
        detail = " − ".join([format_gbp(amount_pence), *taken])
        steps.append(SplitStep("Left to share", f"{detail} = {format_gbp(shared)}", shared))

    practice_share = Decimal(scheme.practice_share)
    pct_share = scheme.pct_share
    residue_index = 0 if scheme.residue_party == Party.PRACTICES else 1
    practices, pct = split_pence(shared, [practice_share, pct_share], residue_to=residue_index)
    rounded = (_half_up(shared * practice_share), _half_up(shared * pct_share))
    residue = (practices, pct)[residue_index] - rounded[residue_index]
    steps.append(
        SplitStep(
            f"Practices' share ({_percent(practice_share)})",
            f"{_percent(practice_share)} of {format_gbp(shared)} = {format_gbp(rounded[0])}",
            practices,
            Party.PRACTICES,
        )
    )
    steps.append(
        SplitStep(
            f"PCT's share ({_percent(pct_share)})",
            f"{_percent(pct_share)} of {format_gbp(shared)} = {format_gbp(rounded[1])}",
            pct,
            Party.PCT,
        )
    )
    if residue:
        taker = PARTY_LABELS[scheme.residue_party]
        verb = "gains" if residue > 0 else "gives up"
        steps.append(
            SplitStep(
                "Rounding",
                f"Each share was rounded half-up to the penny; {taker} {verb} {format_gbp(abs(residue))} so that "
                f"the shares add up to {format_gbp(shared)}.",
                residue,
                scheme.residue_party,
            )
        )

    result = SplitResult(
        scheme_name=scheme.name,
        amount_pence=amount_pence,
        reward_pence=reward,
        returned_for_investment_pence=returned,
        practices_pence=practices,
        pct_pence=pct,
        residue_party=str(scheme.residue_party),
        residue_pence=residue,
        reward_withheld=withheld,
        reward_capped=capped,
        steps=tuple(steps),
    )
    if result.total_pence != amount_pence or min(result.parts().values()) < 0:  # pragma: no cover
        raise AssertionError(f"split of {amount_pence} does not add up: {result.parts()}")
    return result


# --- storage as JSON ----------------------------------------------------------------------------------

_FIELDS = (
    "name",
    "description",
    "practice_share",
    "reward_rate",
    "reward_cap_per_patient_pence",
    "no_reward_if_overspent",
    "returned_points",
    "residue_party",
)


def scheme_to_dict(scheme: SplitScheme) -> dict[str, Any]:
    """JSON-ready data: fractions as decimal strings ("0.70"), money as whole pence."""
    return {
        "name": scheme.name,
        "description": scheme.description,
        "practice_share": str(scheme.practice_share),
        "reward_rate": None if scheme.reward_rate is None else str(scheme.reward_rate),
        "reward_cap_per_patient_pence": scheme.reward_cap_per_patient_pence,
        "no_reward_if_overspent": scheme.no_reward_if_overspent,
        "returned_points": [
            {"freed_pence": freed, "returned_pence": returned} for freed, returned in scheme.returned_points
        ],
        "residue_party": str(scheme.residue_party),
    }


def _parse_fraction(value: Any, label: str, problems: list[str]) -> Decimal | None:
    if isinstance(value, float):
        problems.append(f'Write {label} as text, e.g. "0.70", not as a floating-point number ({value!r}).')
        return None
    if _is_whole(value) or isinstance(value, Decimal):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            parsed = None
        if parsed is not None and parsed.is_finite():
            return parsed
    problems.append(
        f'{label[0].upper()}{label[1:]} must be a decimal fraction such as "0.70"; got {value!r}.'
    )
    return None


def _parse_point(raw: Any, number: int, problems: list[str]) -> ReturnedPoint | None:
    if isinstance(raw, Mapping) and set(raw) == {"freed_pence", "returned_pence"}:
        pair = (raw["freed_pence"], raw["returned_pence"])
    elif isinstance(raw, list | tuple) and len(raw) == 2:
        pair = tuple(raw)
    else:
        problems.append(
            f'Sliding-scale point {number} must be {{"freed_pence": …, "returned_pence": …}} or a pair.'
        )
        return None
    if not all(_is_whole(v) for v in pair):
        problems.append(
            f"Sliding-scale point {number} must be two whole amounts in pence; got {list(pair)!r}."
        )
        return None
    return ReturnedPoint(*pair)


def scheme_from_dict(data: Mapping[str, Any]) -> SplitScheme:
    """Build and validate a scheme from stored JSON data (the shape ``scheme_to_dict`` writes).

    Pounds are not accepted here: money is whole pence, as stored. Unknown keys are an error, so a typo
    in a stored scheme is caught rather than silently ignored.
    """
    if not isinstance(data, Mapping):
        raise SplitError("A split scheme must be a JSON object.")
    problems: list[str] = []
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        problems.append(f"Unknown scheme setting(s): {', '.join(unknown)}.")
    for required in ("name", "practice_share"):
        if required not in data:
            problems.append(f"The scheme has no '{required}'.")

    practice_share = _parse_fraction(data.get("practice_share", "0"), "the practices' share", problems)
    reward_rate = None
    if data.get("reward_rate") is not None:
        reward_rate = _parse_fraction(data["reward_rate"], "the reward rate", problems)

    raw_points = data.get("returned_points") or []
    points: list[ReturnedPoint] = []
    if not isinstance(raw_points, list | tuple):
        problems.append("The sliding scale ('returned_points') must be a list of points.")
    else:
        for number, raw in enumerate(raw_points, start=1):
            point = _parse_point(raw, number, problems)
            if point is not None:
                points.append(point)
    if problems:
        raise SplitError("The split scheme cannot be read: " + " ".join(problems), problems=problems)

    scheme = SplitScheme(
        name=data["name"],
        description=data.get("description", ""),
        practice_share=practice_share if practice_share is not None else Decimal(0),
        reward_rate=reward_rate,
        reward_cap_per_patient_pence=data.get("reward_cap_per_patient_pence"),
        no_reward_if_overspent=data.get("no_reward_if_overspent", True),
        returned_points=tuple(points),
        residue_party=data.get("residue_party", Party.PCT),
    )
    return validate_scheme(scheme)


# --- ready-made schemes -------------------------------------------------------------------------------

_SEVENTY = Decimal("0.70")

BANES_RETURNED_POINTS: tuple[ReturnedPoint, ...] = tuple(
    ReturnedPoint(to_pence(freed), to_pence(returned))
    for freed, returned in (
        ("100000", "0"),
        ("200000", "0"),
        ("300000", "20000"),
        ("400000", "50000"),
        ("500000", "80000"),
        ("600000", "100000"),
        ("700000", "150000"),
        ("800000", "200000"),
        ("900000", "250000"),
        ("1000000", "300000"),
        ("1100000", "350000"),
        ("1200000", "400000"),
    )
)


def national_scheme(
    *, name: str = "National 70/30", practice_share: Decimal = _SEVENTY, residue_party: str = Party.PCT
) -> SplitScheme:
    """National guidance: practices reinvest at least 70% in patient care; 30% returns to the PCT."""
    return SplitScheme(
        name=name,
        practice_share=practice_share,
        residue_party=residue_party,
        description="National PBC guidance: at least 70% to practices for reinvestment, 30% to the PCT.",
    )


def hertfordshire_scheme(
    *,
    name: str = "Hertfordshire 2007/08 LES",
    reward_rate: Decimal = Decimal("0.10"),
    reward_cap_per_patient_pence: int = 100,
    practice_share: Decimal = _SEVENTY,
    residue_party: str = Party.PCT,
) -> SplitScheme:
    """Reward of the first 10% of savings (max £1 per registered patient, none if overspent), then 70/30."""
    return SplitScheme(
        name=name,
        practice_share=practice_share,
        reward_rate=reward_rate,
        reward_cap_per_patient_pence=reward_cap_per_patient_pence,
        no_reward_if_overspent=True,
        residue_party=residue_party,
        description=(
            "Reward payment of the first 10% of savings, capped at £1 per registered patient and paid as "
            "practice income (none to a practice that overspent its indicative budget); the rest is split "
            "70% to the locality for patient care, 30% to the PCT."
        ),
    )


def banes_scheme(
    *,
    name: str = "BANES 2007/08 sliding scale",
    returned_points: tuple[ReturnedPoint, ...] = BANES_RETURNED_POINTS,
    practice_share: Decimal = _SEVENTY,
    residue_party: str = Party.PCT,
) -> SplitScheme:
    """Part of the savings returns the PCT's investment (up to £400,000) by the scale, then 70/30."""
    return SplitScheme(
        name=name,
        practice_share=practice_share,
        returned_points=returned_points,
        residue_party=residue_party,
        description=(
            "Before the 70/30 split, part of the savings returns the PCT's investment in the commissioning "
            "executive and incentive scheme, by the sliding scale (at most £400,000)."
        ),
    )


NATIONAL_SCHEME = national_scheme()
HERTFORDSHIRE_SCHEME = hertfordshire_scheme()
BANES_SCHEME = banes_scheme()

READY_MADE_SCHEMES: Mapping[str, SplitScheme] = MappingProxyType(
    {"national": NATIONAL_SCHEME, "hertfordshire": HERTFORDSHIRE_SCHEME, "banes": BANES_SCHEME}
)
