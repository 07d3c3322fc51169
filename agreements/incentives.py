"""Incentive payments: configurable scheme components turned into payments in whole pence.

A scheme (one PCT, one financial year) is plain data: frozen dataclasses that round-trip through plain
dicts, so a PCT can store and edit its scheme as JSON. Services load a scheme and a practice's figures,
call :func:`calculate_payments` (practice payments) or :func:`calculate_locality_payments` (locality
allowances), and save the lines. Nothing here touches the database or the outside world.

Rates are exact ``Decimal`` pence and may be fractions of a penny (the ethnicity DES pays 5.6p a
patient). Each payment line is rounded half-up to the penny once, at the end of its calculation, so a
fractional rate is never rounded patient by patient.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from pbc.fiscal import FinancialYear
from pbc.money import round_half_up_pence

__all__ = [
    "Achievements",
    "AllowanceBasis",
    "Component",
    "Due",
    "Eligibility",
    "JudgedFor",
    "LocalityAllowance",
    "LocalityLevel",
    "LocalityLevelComponent",
    "Outcome",
    "PaymentKind",
    "PaymentLine",
    "PerActivityComponent",
    "PerPatientComponent",
    "Scheme",
    "SchemeError",
    "WeightedOutcomesComponent",
    "banes_part2_2007_08",
    "budget_rule_eligibility",
    "calculate_locality_payments",
    "calculate_payments",
    "component_from_dict",
    "des_2008_09",
    "hertfordshire_les_2007_08",
    "payment_kind",
    "total_pence",
]

# Wide enough that every product and quotient of realistic figures is exact before the final rounding.
_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)
_HUNDRED = Decimal(100)


class SchemeError(ValueError):
    """A scheme, or the figures given to it, that cannot produce a payment."""


class Due(StrEnum):
    """When a payment falls due; payments made before the year's budget outcome is known are in advance."""

    ON_SIGN_UP = "on_sign_up"
    START_OF_YEAR = "start_of_year"
    YEAR_END = "year_end"
    JUNE_NEXT_YEAR = "june_next_year"

    @property
    def label(self) -> str:
        return _DUE_LABELS[self]

    @property
    def in_advance(self) -> bool:
        return self in (Due.ON_SIGN_UP, Due.START_OF_YEAR)

    def due_by(self, year: FinancialYear) -> date:
        """Last day the payment may be made for ``year``."""
        if self is Due.YEAR_END:
            return year.end
        if self is Due.JUNE_NEXT_YEAR:
            return date(year.start_year + 1, 6, 30)
        return date(year.start_year, 4, 30)


_DUE_LABELS = {
    Due.ON_SIGN_UP: "on sign-up, by 30 April",
    Due.START_OF_YEAR: "up front, in April",
    Due.YEAR_END: "at year end",
    Due.JUNE_NEXT_YEAR: "by June of the next year",
}


class JudgedFor(StrEnum):
    """Whose achievement an outcome measures: the consortium as a whole, or each practice."""

    CONSORTIUM = "consortium"
    PRACTICE = "practice"


class AllowanceBasis(StrEnum):
    """A locality allowance is either a flat amount per locality or pro rata to population."""

    PER_LOCALITY = "per_locality"
    PER_POPULATION = "per_population"


class PaymentKind(StrEnum):
    """How the indicative-budget rule treats a payment."""

    IN_ADVANCE = "in_advance"
    IN_ARREARS = "in_arrears"
    EXEMPT = "exempt"


# --- value checks ---------------------------------------------------------------------------------


def _decimal(value: Any, *, what: str) -> Decimal:
    if isinstance(value, bool | float):
        raise SchemeError(f"{what} must be given as a string or a whole number, not {type(value).__name__}.")
    if not isinstance(value, Decimal | int | str):
        raise SchemeError(f"{what} is not a number: {value!r}.")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise SchemeError(f"{what} is not a number: {value!r}.") from exc
    if not number.is_finite():
        raise SchemeError(f"{what} must be a finite number.")
    return number


def _rate(value: Any, *, what: str) -> Decimal:
    rate = _decimal(value, what=what)
    if rate < 0:
        raise SchemeError(f"{what} cannot be negative ({rate}).")
    return rate


def _count(value: Any, *, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchemeError(f"{what} must be a whole number, not {value!r}.")
    if value < minimum:
        raise SchemeError(f"{what} cannot be {'negative' if minimum == 0 else f'below {minimum}'} ({value}).")
    return value


def _text(value: Any, *, what: str, required: bool = True) -> str:
    if not isinstance(value, str):
        raise SchemeError(f"{what} must be text.")
    text = value.strip()
    if required and not text:
        raise SchemeError(f"{what} is required.")
    return text


_E = TypeVar("_E", bound=StrEnum)


def _enum(enum: type[_E], value: Any, *, what: str) -> _E:
    try:
        return enum(value)
    except ValueError as exc:
        choices = ", ".join(member.value for member in enum)
        raise SchemeError(f"{what} '{value}' is not one of: {choices}.") from exc


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _fields(
    data: Any, *, what: str, required: Collection[str], optional: Collection[str] = ()
) -> dict[str, Any]:
    """The keys of a stored dict, refusing missing and unknown keys so a typo cannot pass silently."""
    if not isinstance(data, Mapping):
        raise SchemeError(f"{what} must be a mapping.")
    missing = set(required) - data.keys()
    if missing:
        raise SchemeError(f"{what} is missing {', '.join(sorted(missing))}.")
    unknown = data.keys() - set(required) - set(optional)
    if unknown:
        raise SchemeError(f"{what} has unknown keys: {', '.join(sorted(map(str, unknown)))}.")
    return dict(data)


# --- formatting for basis text --------------------------------------------------------------------


def _num(value: Decimal | int) -> str:
    """1,150,000 or 0.5: thousands separators, no trailing zeros, never exponent notation."""
    number = Decimal(value).normalize()
    if number == number.to_integral_value():
        return f"{int(number):,}"
    whole, _, fraction = f"{abs(number):f}".partition(".")
    return f"{'-' if number < 0 else ''}{int(whole):,}.{fraction}"


def _pounds(rate_pence: Decimal) -> str:
    """£300.00, £0.95, or £0.056 for a fractional-penny rate."""
    pounds = rate_pence / _HUNDRED
    if pounds == pounds.quantize(Decimal("0.01")):
        return f"£{pounds.quantize(Decimal('0.01')):,.2f}"
    return f"£{_num(pounds)}"


def _plural(count: Decimal | int, unit: str) -> str:
    if Decimal(count) == 1:
        return unit
    return f"{unit[:-1]}ies" if unit.endswith("y") else f"{unit}s"


def _pence(pounds: Decimal) -> int:
    with localcontext(_EXACT):
        return round_half_up_pence(pounds)


# --- components -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _ComponentBase:
    """Fields every component has: what it is, when it is paid, what triggers it, and the budget rule.

    ``budget_rule`` says whether the indicative-budget rule applies (no payment to a practice that
    overspent); national DES payments are not subject to it, local schemes may be.
    """

    code: str
    name: str
    due: Due = Due.YEAR_END
    trigger: str = ""
    budget_rule: bool = False
    kind: ClassVar[str] = ""

    def __post_init__(self) -> None:
        _set(self, "code", _text(self.code, what="A component code"))
        _set(self, "name", _text(self.name, what=f"The name of component {self.code}"))
        _set(self, "due", _enum(Due, self.due, what=f"Component {self.code} due rule"))
        _set(self, "trigger", _text(self.trigger, what=f"Component {self.code} trigger", required=False))
        if not isinstance(self.budget_rule, bool):
            raise SchemeError(f"Component {self.code} budget_rule must be true or false.")

    def _base_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "name": self.name,
            "due": self.due.value,
            "trigger": self.trigger,
            "budget_rule": self.budget_rule,
        }


_BASE_KEYS = {"kind", "code", "name"}
_BASE_OPTIONAL = {"due", "trigger", "budget_rule"}


def _base_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in ("code", "name", "due", "trigger", "budget_rule") if key in data}


@dataclass(frozen=True, kw_only=True)
class PerPatientComponent(_ComponentBase):
    """A rate per registered patient on the practice list at the scheme's reference date."""

    rate_pence_per_patient: Decimal
    kind: ClassVar[str] = "per_patient"

    def __post_init__(self) -> None:
        super().__post_init__()
        _set(
            self,
            "rate_pence_per_patient",
            _rate(self.rate_pence_per_patient, what=f"The rate of {self.code}"),
        )

    def amount_pence(self, *, list_size: int) -> int:
        list_size = _count(list_size, what="The list size")
        with localcontext(_EXACT):
            return _pence(self.rate_pence_per_patient * list_size / _HUNDRED)

    def basis(self, *, list_size: int) -> str:
        return f"{_pounds(self.rate_pence_per_patient)} × {list_size:,} registered patients"

    def to_dict(self) -> dict[str, Any]:
        return {**self._base_dict(), "rate_pence_per_patient": str(self.rate_pence_per_patient)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PerPatientComponent:
        d = _fields(
            data,
            what="A per-patient component",
            required=_BASE_KEYS | {"rate_pence_per_patient"},
            optional=_BASE_OPTIONAL,
        )
        return cls(**_base_kwargs(d), rate_pence_per_patient=d["rate_pence_per_patient"])


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One weighted outcome of a weighted-outcomes framework."""

    code: str
    description: str
    weight_percent: Decimal
    judged_for: JudgedFor

    def __post_init__(self) -> None:
        _set(self, "code", _text(self.code, what="An outcome code"))
        _set(self, "description", _text(self.description, what=f"The description of outcome {self.code}"))
        weight = _decimal(self.weight_percent, what=f"The weight of outcome {self.code}")
        if not 0 <= weight <= 100:
            raise SchemeError(f"The weight of outcome {self.code} must be between 0% and 100% ({weight}%).")
        _set(self, "weight_percent", weight)
        _set(self, "judged_for", _enum(JudgedFor, self.judged_for, what=f"Outcome {self.code} judged_for"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "weight_percent": str(self.weight_percent),
            "judged_for": self.judged_for.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Outcome:
        d = _fields(data, what="An outcome", required={"code", "description", "weight_percent", "judged_for"})
        return cls(**d)


@dataclass(frozen=True, kw_only=True)
class WeightedOutcomesComponent(_ComponentBase):
    """A rate per patient scaled by the weights of the outcomes achieved; weights add up to exactly 100%."""

    rate_pence_per_patient: Decimal
    outcomes: tuple[Outcome, ...]
    kind: ClassVar[str] = "weighted_outcomes"

    def __post_init__(self) -> None:
        super().__post_init__()
        _set(
            self,
            "rate_pence_per_patient",
            _rate(self.rate_pence_per_patient, what=f"The rate of {self.code}"),
        )
        outcomes = tuple(self.outcomes)
        if not outcomes or not all(isinstance(o, Outcome) for o in outcomes):
            raise SchemeError(f"Component {self.code} needs a list of outcomes.")
        codes = [o.code for o in outcomes]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise SchemeError(f"Component {self.code} lists outcome {', '.join(duplicates)} more than once.")
        total = sum((o.weight_percent for o in outcomes), Decimal(0))
        if total != 100:
            raise SchemeError(
                f"The outcome weights of {self.code} add up to {_num(total)}%; they must add up to exactly 100%."
            )
        _set(self, "outcomes", outcomes)

    def achieved_percent(self, achievements: Achievements) -> tuple[Decimal, Decimal]:
        """Weights achieved (consortium, practice) — each outcome counts only for whom it is judged."""
        consortium = sum(
            (
                o.weight_percent
                for o in self.outcomes
                if o.judged_for is JudgedFor.CONSORTIUM and o.code in achievements.consortium
            ),
            Decimal(0),
        )
        practice = sum(
            (
                o.weight_percent
                for o in self.outcomes
                if o.judged_for is JudgedFor.PRACTICE and o.code in achievements.practice
            ),
            Decimal(0),
        )
        return consortium, practice

    def amount_pence(self, *, list_size: int, achievements: Achievements) -> int:
        list_size = _count(list_size, what="The list size")
        weight = sum(self.achieved_percent(achievements))
        with localcontext(_EXACT):
            return _pence(self.rate_pence_per_patient * list_size * weight / (_HUNDRED * _HUNDRED))

    def basis(self, *, list_size: int, achievements: Achievements) -> str:
        consortium, practice = self.achieved_percent(achievements)
        return (
            f"{_pounds(self.rate_pence_per_patient)} × {list_size:,} × {_num(consortium + practice)}% "
            f"(consortium {_num(consortium)}% + practice {_num(practice)}%)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._base_dict(),
            "rate_pence_per_patient": str(self.rate_pence_per_patient),
            "outcomes": [o.to_dict() for o in self.outcomes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WeightedOutcomesComponent:
        d = _fields(
            data,
            what="A weighted-outcomes component",
            required=_BASE_KEYS | {"rate_pence_per_patient", "outcomes"},
            optional=_BASE_OPTIONAL,
        )
        if not isinstance(d["outcomes"], list | tuple):
            raise SchemeError("A weighted-outcomes component's outcomes must be a list.")
        return cls(
            **_base_kwargs(d),
            rate_pence_per_patient=d["rate_pence_per_patient"],
            outcomes=tuple(Outcome.from_dict(o) for o in d["outcomes"]),
        )


@dataclass(frozen=True, kw_only=True)
class PerActivityComponent(_ComponentBase):
    """A rate per unit of activity (patient treated, health check…); ``max_count`` caps a yes/no criterion."""

    rate_pence: Decimal
    unit: str
    max_count: int | None = None
    kind: ClassVar[str] = "per_activity"

    def __post_init__(self) -> None:
        super().__post_init__()
        _set(self, "rate_pence", _rate(self.rate_pence, what=f"The rate of {self.code}"))
        _set(self, "unit", _text(self.unit, what=f"The unit of {self.code}"))
        if self.max_count is not None:
            _count(self.max_count, what=f"The maximum count of {self.code}", minimum=1)

    def _checked(self, count: int) -> int:
        count = _count(count, what=f"The count for {self.code}")
        if self.max_count is not None and count > self.max_count:
            raise SchemeError(f"The count for {self.code} cannot be more than {self.max_count} ({count}).")
        return count

    def amount_pence(self, *, count: int) -> int:
        count = self._checked(count)
        with localcontext(_EXACT):
            return _pence(self.rate_pence * count / _HUNDRED)

    def basis(self, *, count: int) -> str:
        return f"{_pounds(self.rate_pence)} per {self.unit} × {count:,}"

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._base_dict(),
            "rate_pence": str(self.rate_pence),
            "unit": self.unit,
            "max_count": self.max_count,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PerActivityComponent:
        d = _fields(
            data,
            what="A per-activity component",
            required=_BASE_KEYS | {"rate_pence", "unit"},
            optional=_BASE_OPTIONAL | {"max_count"},
        )
        return cls(
            **_base_kwargs(d), rate_pence=d["rate_pence"], unit=d["unit"], max_count=d.get("max_count")
        )


@dataclass(frozen=True, kw_only=True)
class LocalityAllowance:
    """Units a week (GP sessions, staff hours) at a rate per unit, per locality or per population unit."""

    code: str
    name: str
    units_per_week: Decimal
    unit: str
    rate_pence: Decimal
    basis: AllowanceBasis

    def __post_init__(self) -> None:
        _set(self, "code", _text(self.code, what="An allowance code"))
        _set(self, "name", _text(self.name, what=f"The name of allowance {self.code}"))
        _set(self, "units_per_week", _rate(self.units_per_week, what=f"The units a week of {self.code}"))
        _set(self, "unit", _text(self.unit, what=f"The unit of allowance {self.code}"))
        _set(self, "rate_pence", _rate(self.rate_pence, what=f"The rate of allowance {self.code}"))
        _set(self, "basis", _enum(AllowanceBasis, self.basis, what=f"Allowance {self.code} basis"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "units_per_week": str(self.units_per_week),
            "unit": self.unit,
            "rate_pence": str(self.rate_pence),
            "basis": self.basis.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LocalityAllowance:
        required = {"code", "name", "units_per_week", "unit", "rate_pence", "basis"}
        return cls(**_fields(data, what="A locality allowance", required=required))


@dataclass(frozen=True, kw_only=True)
class LocalityLevel:
    """One operating level of a locality and the allowances it funds."""

    level: int
    name: str
    allowances: tuple[LocalityAllowance, ...]

    def __post_init__(self) -> None:
        _count(self.level, what="A locality level number", minimum=1)
        _set(self, "name", _text(self.name, what=f"The name of level {self.level}"))
        allowances = tuple(self.allowances)
        if not allowances or not all(isinstance(a, LocalityAllowance) for a in allowances):
            raise SchemeError(f"Level {self.level} needs a list of allowances.")
        codes = [a.code for a in allowances]
        if len(set(codes)) != len(codes):
            raise SchemeError(f"Level {self.level} lists an allowance code more than once.")
        _set(self, "allowances", allowances)

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "name": self.name, "allowances": [a.to_dict() for a in self.allowances]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LocalityLevel:
        d = _fields(data, what="A locality level", required={"level", "name", "allowances"})
        if not isinstance(d["allowances"], list | tuple):
            raise SchemeError("A locality level's allowances must be a list.")
        return cls(
            level=d["level"],
            name=d["name"],
            allowances=tuple(LocalityAllowance.from_dict(a) for a in d["allowances"]),
        )


@dataclass(frozen=True, kw_only=True)
class LocalityLevelComponent(_ComponentBase):
    """Locality allowances by operating level, for a year of ``weeks_per_year`` weeks.

    By default each level is self contained: it replaces the level below. With ``cumulative`` a level
    adds to the levels below it.
    """

    levels: tuple[LocalityLevel, ...]
    cumulative: bool = False
    weeks_per_year: int = 52
    population_unit: int = 100_000
    kind: ClassVar[str] = "locality_level"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.levels or not all(isinstance(lv, LocalityLevel) for lv in self.levels):
            raise SchemeError(f"Component {self.code} needs a list of levels.")
        levels = tuple(sorted(self.levels, key=lambda lv: lv.level))
        if [lv.level for lv in levels] != list(range(1, len(levels) + 1)):
            raise SchemeError(f"The levels of {self.code} must be numbered 1, 2, 3… with none missing.")
        _set(self, "levels", levels)
        if not isinstance(self.cumulative, bool):
            raise SchemeError(f"Component {self.code} cumulative must be true or false.")
        _count(self.weeks_per_year, what=f"The weeks a year of {self.code}", minimum=1)
        _count(self.population_unit, what=f"The population unit of {self.code}", minimum=1)

    def level_for(self, number: int) -> LocalityLevel:
        for lv in self.levels:
            if lv.level == number:
                return lv
        raise SchemeError(f"{self.name} has no level {number}; levels run from 1 to {len(self.levels)}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._base_dict(),
            "levels": [lv.to_dict() for lv in self.levels],
            "cumulative": self.cumulative,
            "weeks_per_year": self.weeks_per_year,
            "population_unit": self.population_unit,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LocalityLevelComponent:
        d = _fields(
            data,
            what="A locality-level component",
            required=_BASE_KEYS | {"levels"},
            optional=_BASE_OPTIONAL | {"cumulative", "weeks_per_year", "population_unit"},
        )
        if not isinstance(d["levels"], list | tuple):
            raise SchemeError("A locality-level component's levels must be a list.")
        extra = {key: d[key] for key in ("cumulative", "weeks_per_year", "population_unit") if key in d}
        return cls(
            **_base_kwargs(d), levels=tuple(LocalityLevel.from_dict(lv) for lv in d["levels"]), **extra
        )


Component = PerPatientComponent | WeightedOutcomesComponent | PerActivityComponent | LocalityLevelComponent
_KINDS: dict[str, Any] = {
    cls.kind: cls
    for cls in (PerPatientComponent, WeightedOutcomesComponent, PerActivityComponent, LocalityLevelComponent)
}


def component_from_dict(data: Mapping[str, Any]) -> Component:
    """Build a component from its stored dict; ``kind`` says which."""
    if not isinstance(data, Mapping) or data.get("kind") not in _KINDS:
        kind = data.get("kind") if isinstance(data, Mapping) else None
        raise SchemeError(f"Unknown component kind {kind!r}; expected one of: {', '.join(_KINDS)}.")
    return _KINDS[data["kind"]].from_dict(data)


# --- scheme ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Scheme:
    """One PCT's incentive scheme for one financial year.

    ``reference_date`` is the date at which list sizes are taken; it defaults to 1 April of the year.
    Outcome codes are unique across the scheme, so one :class:`Achievements` covers all its components.
    """

    code: str
    name: str
    pct: str
    year: str
    components: tuple[Component, ...]
    reference_date: date | None = None

    def __post_init__(self) -> None:
        _set(self, "code", _text(self.code, what="A scheme code"))
        _set(self, "name", _text(self.name, what=f"The name of scheme {self.code}"))
        _set(self, "pct", _text(self.pct, what=f"The PCT of scheme {self.code}"))
        try:
            _set(self, "year", FinancialYear.parse(self.year).label)
        except ValueError as exc:
            raise SchemeError(str(exc)) from exc
        if self.reference_date is not None and not isinstance(self.reference_date, date):
            raise SchemeError("A scheme's reference date must be a date.")
        components = tuple(self.components)
        if not all(isinstance(c, tuple(_KINDS.values())) for c in components):
            raise SchemeError(f"Scheme {self.code} has something that is not a component.")
        _set(self, "components", components)
        codes = [c.code for c in components]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise SchemeError(
                f"Scheme {self.code} has component code {', '.join(duplicates)} more than once."
            )
        outcome_codes = [o.code for o in self.outcomes()]
        repeated = sorted({c for c in outcome_codes if outcome_codes.count(c) > 1})
        if repeated:
            raise SchemeError(
                f"Scheme {self.code} has outcome {', '.join(repeated)} in more than one component."
            )

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear.parse(self.year)

    @property
    def list_size_date(self) -> date:
        return self.reference_date or self.financial_year.start

    def component(self, code: str) -> Component:
        for component in self.components:
            if component.code == code:
                return component
        raise SchemeError(f"Scheme {self.code} has no component {code!r}.")

    def outcomes(self) -> list[Outcome]:
        return [o for c in self.components if isinstance(c, WeightedOutcomesComponent) for o in c.outcomes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "pct": self.pct,
            "year": self.year,
            "reference_date": self.reference_date.isoformat() if self.reference_date else None,
            "components": [c.to_dict() for c in self.components],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scheme:
        d = _fields(
            data,
            what="A scheme",
            required={"code", "name", "pct", "year", "components"},
            optional={"reference_date"},
        )
        if not isinstance(d["components"], list | tuple):
            raise SchemeError("A scheme's components must be a list.")
        reference = d.get("reference_date")
        if reference is not None:
            try:
                reference = date.fromisoformat(reference)
            except (TypeError, ValueError) as exc:
                raise SchemeError(f"Reference date {reference!r} is not a date like 2007-04-01.") from exc
        return cls(
            code=d["code"],
            name=d["name"],
            pct=d["pct"],
            year=d["year"],
            reference_date=reference,
            components=tuple(component_from_dict(c) for c in d["components"]),
        )


@dataclass(frozen=True, kw_only=True)
class Achievements:
    """Outcome codes achieved: by the consortium (judged once for all) and by this practice."""

    consortium: frozenset[str] = field(default_factory=frozenset)
    practice: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("consortium", "practice"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise SchemeError(f"Outcomes achieved by the {name} must be a list of outcome codes.")
            _set(self, name, frozenset(_text(code, what="An outcome code") for code in value))

    def to_dict(self) -> dict[str, list[str]]:
        return {"consortium": sorted(self.consortium), "practice": sorted(self.practice)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Achievements:
        d = _fields(data, what="Achievements", required=set(), optional={"consortium", "practice"})
        return cls(consortium=d.get("consortium", ()), practice=d.get("practice", ()))


# --- eligibility ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Eligibility:
    """Whether a payment may be made (or kept), and whether one made in advance is to be recovered."""

    eligible: bool
    clawback: bool
    reason: str


def payment_kind(component: Component) -> PaymentKind:
    if not component.budget_rule:
        return PaymentKind.EXEMPT
    return PaymentKind.IN_ADVANCE if component.due.in_advance else PaymentKind.IN_ARREARS


def budget_rule_eligibility(
    *, overspent: bool, substantial_action_agreed: bool, kind: PaymentKind
) -> Eligibility:
    """The indicative-budget rule for reward payments.

    No payment is made to a practice that overspent its indicative budget. A payment already made in
    advance is recovered, unless the locality agrees the practice took substantial action to reduce
    spend; then it is kept. Agreement of substantial action never releases a payment not yet made.
    """
    if not isinstance(overspent, bool) or not isinstance(substantial_action_agreed, bool):
        raise SchemeError("Overspent and substantial action agreed must be true or false.")
    kind = _enum(PaymentKind, kind, what="Payment kind")
    if kind is PaymentKind.EXEMPT:
        return Eligibility(eligible=True, clawback=False, reason="Not subject to the indicative budget rule.")
    if not overspent:
        return Eligibility(eligible=True, clawback=False, reason="Within indicative budget.")
    if kind is PaymentKind.IN_ARREARS:
        reason = "No payment: the practice overspent its indicative budget."
        if substantial_action_agreed:
            reason += (
                " Agreed substantial action keeps payments already made but releases no further payment."
            )
        return Eligibility(eligible=False, clawback=False, reason=reason)
    if substantial_action_agreed:
        return Eligibility(
            eligible=True,
            clawback=False,
            reason="Overspent, but the locality agreed substantial action was taken: the payment made is kept.",
        )
    return Eligibility(
        eligible=False,
        clawback=True,
        reason="Overspent with no locality agreement of substantial action: the payment made is recovered.",
    )


# --- calculation ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PaymentLine:
    """One calculated payment.

    ``calculated_pence`` is what the component gives; ``amount_pence`` what is payable after the budget
    rule (0 when not eligible). ``clawback`` marks a payment made in advance that is to be recovered.
    """

    component_code: str
    name: str
    basis: str
    amount_pence: int
    calculated_pence: int
    due: Due
    due_by: date
    eligible: bool = True
    clawback: bool = False
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "component_code": self.component_code,
            "name": self.name,
            "basis": self.basis,
            "amount_pence": self.amount_pence,
            "calculated_pence": self.calculated_pence,
            "due": self.due.value,
            "due_label": self.due.label,
            "due_by": self.due_by.isoformat(),
            "eligible": self.eligible,
            "clawback": self.clawback,
            "reason": self.reason,
        }


def total_pence(lines: Iterable[PaymentLine]) -> int:
    return sum(line.amount_pence for line in lines)


def _check_achievements(scheme: Scheme, achievements: Achievements) -> None:
    by_code = {o.code: o for o in scheme.outcomes()}
    for judged_for, codes in (
        (JudgedFor.CONSORTIUM, achievements.consortium),
        (JudgedFor.PRACTICE, achievements.practice),
    ):
        unknown = sorted(codes - by_code.keys())
        if unknown:
            raise SchemeError(f"Scheme {scheme.code} has no outcome {', '.join(unknown)}.")
        misplaced = sorted(code for code in codes if by_code[code].judged_for is not judged_for)
        if misplaced:
            raise SchemeError(
                f"Outcome {', '.join(misplaced)} is not judged for the {judged_for.value}; "
                f"record it with the outcomes of the {by_code[misplaced[0]].judged_for.value}."
            )


def calculate_payments(
    scheme: Scheme,
    *,
    practice_list_size: int | None,
    achievements: Achievements | None = None,
    activity_counts: Mapping[str, int] | None = None,
    overspent: bool,
    substantial_action_agreed: bool = False,
    taking_part: Collection[str] | None = None,
) -> list[PaymentLine]:
    """A practice's payment lines under ``scheme``, one per component it takes part in.

    ``taking_part`` names the components the practice signed up to (all when None). Locality-level
    components are paid to localities and are left to :func:`calculate_locality_payments`.
    ``activity_counts`` maps each per-activity component's code to its count.
    """
    if not isinstance(scheme, Scheme):
        raise SchemeError("calculate_payments needs a Scheme.")
    components = [c for c in scheme.components if not isinstance(c, LocalityLevelComponent)]
    if taking_part is not None:
        if isinstance(taking_part, str):
            raise SchemeError("taking_part must be a list of component codes.")
        known = {c.code for c in components}
        unknown = sorted(set(taking_part) - known)
        if unknown:
            raise SchemeError(f"Scheme {scheme.code} has no practice component {', '.join(unknown)}.")
        components = [c for c in components if c.code in taking_part]

    counts = dict(activity_counts or {})
    activity_codes = {c.code for c in scheme.components if isinstance(c, PerActivityComponent)}
    unknown_counts = sorted(set(counts) - activity_codes)
    if unknown_counts:
        raise SchemeError(f"Scheme {scheme.code} has no per-activity component {', '.join(unknown_counts)}.")
    if achievements is not None:
        if not isinstance(achievements, Achievements):
            raise SchemeError("Achievements must be given as an Achievements.")
        _check_achievements(scheme, achievements)

    year = scheme.financial_year
    list_size = 0
    if any(isinstance(c, PerPatientComponent | WeightedOutcomesComponent) for c in components):
        if practice_list_size is None:
            raise SchemeError(
                f"No list size at {scheme.list_size_date:%d %B %Y}: "
                f"cannot calculate a payment for a year with no list size ({scheme.year})."
            )
        list_size = _count(practice_list_size, what="The list size")

    lines: list[PaymentLine] = []
    for component in components:
        if isinstance(component, PerPatientComponent):
            amount = component.amount_pence(list_size=list_size)
            basis = component.basis(list_size=list_size)
        elif isinstance(component, WeightedOutcomesComponent):
            if achievements is None:
                raise SchemeError(f"No achievements given for {component.name} ({component.code}).")
            amount = component.amount_pence(list_size=list_size, achievements=achievements)
            basis = component.basis(list_size=list_size, achievements=achievements)
        elif isinstance(component, PerActivityComponent):
            if component.code not in counts:
                raise SchemeError(f"No count given for {component.name} ({component.code}).")
            amount = component.amount_pence(count=counts[component.code])
            basis = component.basis(count=counts[component.code])
        else:  # locality-level components were filtered out above
            continue
        rule = budget_rule_eligibility(
            overspent=overspent,
            substantial_action_agreed=substantial_action_agreed,
            kind=payment_kind(component),
        )
        lines.append(
            PaymentLine(
                component_code=component.code,
                name=component.name,
                basis=basis,
                amount_pence=amount if rule.eligible else 0,
                calculated_pence=amount,
                due=component.due,
                due_by=component.due.due_by(year),
                eligible=rule.eligible,
                clawback=rule.clawback,
                reason=rule.reason,
            )
        )
    return lines


def calculate_locality_payments(
    component: LocalityLevelComponent,
    *,
    year: str,
    level: int,
    population: int | None,
    localities: int = 1,
    units_per_week: Mapping[str, Decimal] | None = None,
) -> list[PaymentLine]:
    """Locality allowances for a year at ``level``, one line per allowance.

    Per-locality allowances are multiplied by ``localities``; per-population allowances are pro rata to
    ``population`` (the registered population of all those localities together). ``units_per_week``
    may fund less than a level's maximum ("up to 10 staff hours"), keyed by allowance code of ``level``.
    """
    if not isinstance(component, LocalityLevelComponent):
        raise SchemeError("calculate_locality_payments needs a locality-level component.")
    try:
        financial_year = FinancialYear.parse(year)
    except ValueError as exc:
        raise SchemeError(str(exc)) from exc
    if population is None:
        raise SchemeError(f"No registered population given for {component.name}.")
    _count(population, what="The population")
    _count(localities, what="The number of localities", minimum=1)
    chosen = component.level_for(_count(level, what="The level", minimum=1))
    claimed = dict(units_per_week or {})
    unknown = sorted(set(claimed) - {a.code for a in chosen.allowances})
    if unknown:
        raise SchemeError(f"Level {chosen.level} of {component.name} has no allowance {', '.join(unknown)}.")

    levels = component.levels[: chosen.level] if component.cumulative else (chosen,)
    lines: list[PaymentLine] = []
    for lv in levels:
        for allowance in lv.allowances:
            units = allowance.units_per_week
            if lv is chosen and allowance.code in claimed:
                units = _rate(claimed[allowance.code], what=f"The units a week of {allowance.code}")
                if units > allowance.units_per_week:
                    raise SchemeError(
                        f"{allowance.name} at level {lv.level} is up to {_num(allowance.units_per_week)} "
                        f"{_plural(allowance.units_per_week, allowance.unit)} a week ({_num(units)} asked)."
                    )
            head = f"{_num(units)} {_plural(units, allowance.unit)} a week"
            money = f"{_pounds(allowance.rate_pence)} × {component.weeks_per_year} weeks"
            with localcontext(_EXACT):
                yearly_pence = units * allowance.rate_pence * component.weeks_per_year
                if allowance.basis is AllowanceBasis.PER_LOCALITY:
                    amount = _pence(yearly_pence * localities / _HUNDRED)
                    basis = f"{head} × {money} × {localities:,} {_plural(localities, 'locality')}"
                else:
                    amount = _pence(yearly_pence * population / (component.population_unit * _HUNDRED))
                    basis = f"{head} per {component.population_unit:,} × {money} × {population:,} population"
            lines.append(
                PaymentLine(
                    component_code=f"{component.code}.L{lv.level}.{allowance.code}",
                    name=f"{component.name} — level {lv.level}: {allowance.name}",
                    basis=basis,
                    amount_pence=amount,
                    calculated_pence=amount,
                    due=component.due,
                    due_by=component.due.due_by(financial_year),
                )
            )
    return lines


# --- ready-made schemes ---------------------------------------------------------------------------

_BANES_OUTCOMES = (
    (
        "1.1",
        "At least 20 of the 27 practices in the consortium are represented at the quarterly meetings",
        "1",
    ),
    ("1.2", "All 27 practices continue to participate in the consortium", "3"),
    ("1.4", "Develop PBC website and communication links, promoted to all practices", "1"),
    (
        "2.1",
        "Approval of the PBC commissioning plan by PEC and Board, and development of the next year's plan",
        "5",
    ),
    ("4.1", "In partnership with the PCT, update the PPI Forum on PBC at least twice during the year", "5"),
    ("4.2", "Ensure involvement of patient representatives in pathway development work", "10"),
    ("4.3", "Develop a PBC patient and public involvement strategy", "5"),
    ("5.1", "Pathway development work in at least three pathway areas, following the plan's method", "20"),
    ("5.2", "Commissioning specifications presented in at least two areas", "20"),
    (
        "6.1",
        "PBC Executive identified and worked with outlying practices for referrals and emergency admissions",
        "0",
    ),
    (
        "6.2",
        "Practice within natural variation for 1st outpatients holds monthly referral peer-review meetings",
        "15",
    ),
    ("6.3", "Practice within natural variation for emergency admissions undertakes agreed actions", "15"),
)


def banes_part2_2007_08() -> Scheme:
    """BANES 2007/08 Part 2: 95p a patient by a weighted outcomes framework; area 6 judged per practice."""
    outcomes = tuple(
        Outcome(
            code=code,
            description=description,
            weight_percent=Decimal(weight),
            judged_for=JudgedFor.PRACTICE if code.startswith("6.") else JudgedFor.CONSORTIUM,
        )
        for code, description, weight in _BANES_OUTCOMES
    )
    part2 = WeightedOutcomesComponent(
        code="part2",
        name="Incentive scheme funding for practices (Part 2)",
        rate_pence_per_patient=Decimal("95"),
        outcomes=outcomes,
        due=Due.JUNE_NEXT_YEAR,
        trigger="Outcomes delivered in the year, judged at PCT / PBC Executive review",
    )
    return Scheme(
        code="banes-pbc-2007-08",
        name="BANES PBC funding arrangements 2007/08, Part 2",
        pct="Bath and North East Somerset",
        year="2007/08",
        components=(part2,),
    )


def _gp_sessions(units: str, basis: AllowanceBasis) -> LocalityAllowance:
    return LocalityAllowance(
        code="gp",
        name="GP leadership sessions (3 hours)",
        units_per_week=Decimal(units),
        unit="session",
        rate_pence=Decimal("30000"),
        basis=basis,
    )


def _staff_hours(units: str) -> LocalityAllowance:
    return LocalityAllowance(
        code="staff",
        name="Practice staff allowance",
        units_per_week=Decimal(units),
        unit="hour",
        rate_pence=Decimal("3000"),
        basis=AllowanceBasis.PER_POPULATION,
    )


def hertfordshire_les_2007_08(*, cumulative: bool = False) -> Scheme:
    """Hertfordshire PBC LES 2007/08, objectives 1–3 (objective 4's reward comes from freed-up resources).

    Objectives 1 and 2 are subject to the indicative-budget rule. Objective 3 is paid to localities.
    """
    return Scheme(
        code="herts-pbc-les-2007-08",
        name="Hertfordshire PBC local enhanced service 2007/08",
        pct="Hertfordshire",
        year="2007/08",
        components=(
            PerPatientComponent(
                code="1",
                name="GPs take responsibility for commissioning",
                rate_pence_per_patient=Decimal("100"),
                due=Due.ON_SIGN_UP,
                trigger="LES signed by all GPs (at least 2 hours a month each) and returned",
                budget_rule=True,
            ),
            PerPatientComponent(
                code="2",
                name="Collection, reporting and validation of activity information",
                rate_pence_per_patient=Decimal("50"),
                due=Due.START_OF_YEAR,
                trigger="Monthly activity reports received and validated by the PBC Locality and PCT",
                budget_rule=True,
            ),
            LocalityLevelComponent(
                code="3",
                name="PBC Locality operating level",
                due=Due.START_OF_YEAR,
                trigger="Level achieved and agreed by the PBC Governance Committee (level 1 automatically)",
                cumulative=cumulative,
                levels=(
                    LocalityLevel(
                        level=1, name="Level 1", allowances=(_gp_sessions("1", AllowanceBasis.PER_LOCALITY),)
                    ),
                    LocalityLevel(
                        level=2,
                        name="Level 2",
                        allowances=(_gp_sessions("3", AllowanceBasis.PER_POPULATION), _staff_hours("10")),
                    ),
                    LocalityLevel(
                        level=3,
                        name="Level 3",
                        allowances=(_gp_sessions("6", AllowanceBasis.PER_POPULATION), _staff_hours("20")),
                    ),
                ),
            ),
        ),
    )


def des_2008_09() -> Scheme:
    """The national directed enhanced services' 2008/09 rates (not subject to the indicative-budget rule)."""

    def activity(
        code: str, name: str, pence: str, unit: str, max_count: int | None = None
    ) -> PerActivityComponent:
        return PerActivityComponent(
            code=code, name=name, rate_pence=Decimal(pence), unit=unit, max_count=max_count
        )

    return Scheme(
        code="des-2008-09",
        name="Directed enhanced services 2008/09",
        pct="England (national)",
        year="2008/09",
        components=(
            activity("heart_failure", "Heart failure DES", "3500", "patient treated"),
            activity("alcohol", "Alcohol DES", "233", "newly registered patient screened"),
            activity("learning_disabilities", "Learning disabilities DES", "10000", "health check"),
            activity(
                "osteoporosis",
                "Osteoporosis DES",
                "58821",
                "practice meeting all three criteria",
                max_count=1,
            ),
            PerPatientComponent(
                code="ethnicity", name="Ethnicity DES", rate_pence_per_patient=Decimal("5.6")
            ),
            PerPatientComponent(
                code="extended_hours",
                name="Extended opening hours access DES",
                rate_pence_per_patient=Decimal("295"),
            ),
        ),
    )
