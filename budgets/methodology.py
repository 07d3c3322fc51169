"""Indicative budget setting: the PCT's methodology as pure arithmetic on aggregated pence.

The service loads the baseline (practice × category pence, already re-costed at the target year's tariff),
list sizes and the PCT's chosen parameters, calls :func:`set_budgets`, and saves what comes back. Nothing
here touches the database, so a what-if (:func:`what_if`) is two calls on the same inputs.

Every practice × category line goes through the same steps, in this order, each one recorded with the rule
it used so the practice can see how its budget was built:

1. ``baseline``: attributed base-period pence B. When unattributed activity is shared pro rata, the
   category's unattributed pence are apportioned to practices by their attributed baseline in that category
   (or by target-year list size, ``unattributed_share_basis="list_size"``); the share is this step's change.
   When held centrally it becomes a central holding, uplifted like the practices' lines.
2. ``uplift``: ``amount × (1 + u/100)``, u = the category's uplift % if given, else the overall one.
3. ``list_change``: ``amount × target list (1 April of the target year) / base-period list``. Skipped (and
   warned) when switched off or when the base list is 0.
4. ``adjustments``: plus the sum of the line's local adjustments (services moved, planned investments; each
   with its reason). A line never goes below £0: a larger reduction is floored and warned about.
5. ``fair_share``: per category, with T = the category's practice total after step 4 and weighted list
   WL = target list × need weight (default 1): target = T × WL / ΣWL; new = current + pace × (target −
   current). The moves add up to exactly nothing, so the category total is unchanged.
6. ``risk``: ``top_slice``: held = amount × s/100; ``threshold``: held = the line's high-cost spells (those
   above the £ threshold, included in B) taken through the same uplift and list change as step 2–3, capped
   at the amount. What is held goes into the category's central risk pool.
7. ``scaling``: when practice lines plus central holdings exceed the PCT's resource R, every line and
   every central holding is multiplied by one factor R / total, so the grand total equals R exactly and the
   top-slice and fair-share proportions are preserved. Budgets are never scaled up.

Rounding: steps 2, 3 and 6 round half-up to the penny per line. Steps 1, 5 and 7 distribute a fixed total
and use :func:`apportion_pence` (largest remainder): every part is its exact share rounded down, and the
pennies left go one each to the parts with the largest fractional remainder, ties to the earlier part
(practices in code order, categories in input order, practice lines before central holdings). This keeps
every part ≥ 0 and within a penny of its exact share.

Resources freed up in an earlier year are never deducted: there is deliberately no input for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

from pbc.fiscal import FinancialYear
from pbc.money import apportion_pence, format_gbp, round_half_up_pence

__all__ = [
    "DEFAULT_CATEGORIES",
    "STEP_LABELS",
    "STEP_ORDER",
    "BudgetInputs",
    "BudgetResult",
    "CentralHolding",
    "LineBudget",
    "LocalAdjustment",
    "MethodologyError",
    "MethodologyParams",
    "PracticeBudget",
    "PracticeInput",
    "Step",
    "WhatIfResult",
    "WhatIfRow",
    "set_budgets",
    "what_if",
]

DEFAULT_CATEGORIES: tuple[str, ...] = ("EL", "DC", "NEL", "OPFA", "OPFUP", "OPPROC", "AE")

StepName = Literal["baseline", "uplift", "list_change", "adjustments", "fair_share", "risk", "scaling"]
STEP_ORDER: tuple[StepName, ...] = (
    "baseline",
    "uplift",
    "list_change",
    "adjustments",
    "fair_share",
    "risk",
    "scaling",
)
STEP_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "baseline": "Baseline",
        "uplift": "Uplift",
        "list_change": "List-size change",
        "adjustments": "Local adjustments",
        "fair_share": "Fair-share move",
        "risk": "Risk pool",
        "scaling": "Scaling to resource",
    }
)

RiskMode = Literal["none", "top_slice", "threshold"]
UnattributedTreatment = Literal["central", "pro_rata"]
ShareBasis = Literal["baseline", "list_size"]
HoldingKind = Literal["risk_pool", "unattributed"]

_HUNDRED = Decimal(100)


class MethodologyError(ValueError):
    """Parameters or inputs the methodology cannot be applied to."""


# --- small exact helpers -------------------------------------------------------------------------------


def _decimal(value: Decimal | int | str, *, name: str) -> Decimal:
    """Rates come in as Decimal, int or string; a float would smuggle in binary rounding."""
    if isinstance(value, bool | float):
        raise MethodologyError(f"{name} must be a Decimal, an int or a string, not {type(value).__name__}.")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise MethodologyError(f"{name}: '{value}' is not a number.") from exc
    if not result.is_finite():
        raise MethodologyError(f"{name} must be a finite number.")
    return result


def _pence(value: object, *, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MethodologyError(f"{name} must be whole pence (an int).")
    return value


def _pct_text(pct: Decimal) -> str:
    text = f"{pct.normalize():f}"
    return f"{text}%"


def _grow(amount: int, pct: Decimal) -> int:
    """``amount × (1 + pct/100)`` half-up; computed in pounds so money.py does the rounding."""
    return round_half_up_pence(Decimal(amount) * (_HUNDRED + pct) / 10000)


def _share(amount: int, pct: Decimal) -> int:
    """``amount × pct/100`` half-up."""
    return round_half_up_pence(Decimal(amount) * pct / 10000)


def _ratio(amount: int, numerator: int, denominator: int) -> int:
    """``amount × numerator / denominator`` half-up in integers (list ratios do not terminate in decimal)."""
    return (2 * amount * numerator + denominator) // (2 * denominator)


# --- parameters and inputs -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LocalAdjustment:
    """A local change to one practice × category line: a service moved, a planned investment."""

    practice_code: str
    category: str
    pence: int
    reason: str

    def __post_init__(self) -> None:
        _pence(self.pence, name="An adjustment")
        if not str(self.reason).strip():
            raise MethodologyError("Every local adjustment needs a reason the practice can read.")


@dataclass(frozen=True, kw_only=True)
class MethodologyParams:
    """One version of a PCT's budget-setting rules for one target year.

    Percentages are Decimals (3.5 means 3.5%). Maps keyed by category or practice code override the
    overall figure for that key only.
    """

    resource_pence: int
    label: str = ""
    target_year: FinancialYear | None = None
    baseline_period: str = ""
    uplift_pct: Decimal = Decimal(0)
    uplift_pct_by_category: Mapping[str, Decimal] = field(default_factory=dict)
    list_size_adjustment: bool = True
    adjustments: tuple[LocalAdjustment, ...] = ()
    need_weights: Mapping[str, Decimal] = field(default_factory=dict)
    pace_of_change_pct: Decimal = Decimal(0)
    pace_of_change_pct_by_category: Mapping[str, Decimal] = field(default_factory=dict)
    risk_mode: RiskMode = "none"
    risk_top_slice_pct: Decimal = Decimal(0)
    risk_threshold_pence: int | None = None
    unattributed: UnattributedTreatment = "central"
    unattributed_share_basis: ShareBasis = "baseline"

    def __post_init__(self) -> None:
        if _pence(self.resource_pence, name="The PCT resource") < 0:
            raise MethodologyError("The PCT resource cannot be negative.")
        uplift = _decimal(self.uplift_pct, name="Uplift %")
        uplift_by_cat = {
            c: _decimal(v, name=f"Uplift % for {c}") for c, v in self.uplift_pct_by_category.items()
        }
        for name, pct in [
            ("Uplift %", uplift),
            *((f"Uplift % for {c}", v) for c, v in uplift_by_cat.items()),
        ]:
            if pct < -100:
                raise MethodologyError(f"{name} cannot take a budget below nothing (minimum -100%).")
        pace = _decimal(self.pace_of_change_pct, name="Pace of change %")
        pace_by_cat = {
            c: _decimal(v, name=f"Pace of change % for {c}")
            for c, v in self.pace_of_change_pct_by_category.items()
        }
        for name, pct in [
            ("Pace of change %", pace),
            *((f"Pace % for {c}", v) for c, v in pace_by_cat.items()),
        ]:
            if not 0 <= pct <= 100:
                raise MethodologyError(f"{name} must be between 0 and 100.")
        weights = {code: _decimal(v, name=f"Need weight for {code}") for code, v in self.need_weights.items()}
        if any(w < 0 for w in weights.values()):
            raise MethodologyError("Need weights cannot be negative.")
        top_slice = _decimal(self.risk_top_slice_pct, name="Risk top-slice %")
        if not 0 <= top_slice <= 100:
            raise MethodologyError("Risk top-slice % must be between 0 and 100.")
        if self.risk_mode not in ("none", "top_slice", "threshold"):
            raise MethodologyError(f"Unknown risk mode '{self.risk_mode}'.")
        if (
            self.risk_threshold_pence is not None
            and _pence(self.risk_threshold_pence, name="Risk threshold") < 0
        ):
            raise MethodologyError("The high-cost spell threshold cannot be negative.")
        if self.unattributed not in ("central", "pro_rata"):
            raise MethodologyError(f"Unknown treatment of unattributed activity '{self.unattributed}'.")
        if self.unattributed_share_basis not in ("baseline", "list_size"):
            raise MethodologyError(
                f"Unknown basis for sharing unattributed activity '{self.unattributed_share_basis}'."
            )
        adjustments = tuple(self.adjustments)
        if not all(isinstance(a, LocalAdjustment) for a in adjustments):
            raise MethodologyError("Adjustments must be LocalAdjustment entries.")
        for attr, value in [
            ("uplift_pct", uplift),
            ("uplift_pct_by_category", MappingProxyType(uplift_by_cat)),
            ("pace_of_change_pct", pace),
            ("pace_of_change_pct_by_category", MappingProxyType(pace_by_cat)),
            ("need_weights", MappingProxyType(weights)),
            ("risk_top_slice_pct", top_slice),
            ("adjustments", adjustments),
        ]:
            object.__setattr__(self, attr, value)

    def uplift_for(self, category: str) -> Decimal:
        return self.uplift_pct_by_category.get(category, self.uplift_pct)

    def pace_for(self, category: str) -> Decimal:
        return self.pace_of_change_pct_by_category.get(category, self.pace_of_change_pct)

    def need_weight_for(self, practice_code: str) -> Decimal:
        return self.need_weights.get(practice_code, Decimal(1))


@dataclass(frozen=True, kw_only=True)
class PracticeInput:
    """A practice's registered list in the base period and at 1 April of the target year."""

    code: str
    base_list_size: int
    target_list_size: int

    def __post_init__(self) -> None:
        for name in ("base_list_size", "target_list_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise MethodologyError(f"{self.code}: list sizes must be whole numbers ≥ 0.")


@dataclass(frozen=True, kw_only=True)
class BudgetInputs:
    """The aggregated facts the methodology works on.

    ``baseline_pence`` maps (practice code, category) to base-period activity re-costed at the target
    year's tariff; ``unattributed_pence`` maps category to activity with a missing, invalid or default
    practice code; ``high_cost_pence`` maps (practice code, category) to the part of the baseline that is
    spells above the PCT's high-cost threshold (used only by the ``threshold`` risk mode).
    Practices are kept in code order, which is the order of every result and tie-break.
    """

    categories: tuple[str, ...]
    practices: tuple[PracticeInput, ...]
    baseline_pence: Mapping[tuple[str, str], int]
    unattributed_pence: Mapping[str, int] = field(default_factory=dict)
    high_cost_pence: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        categories = tuple(self.categories)
        if not categories or len(set(categories)) != len(categories):
            raise MethodologyError("Give each budget category once, and at least one.")
        practices = tuple(sorted(self.practices, key=lambda p: p.code))
        codes = [p.code for p in practices]
        if not codes:
            raise MethodologyError("A budget needs at least one practice.")
        if len(set(codes)) != len(codes):
            raise MethodologyError("Each practice may appear only once.")
        known_codes, known_cats = set(codes), set(categories)

        def check_lines(lines: Mapping[tuple[str, str], int], what: str) -> dict[tuple[str, str], int]:
            checked: dict[tuple[str, str], int] = {}
            for (code, cat), pence in lines.items():
                if code not in known_codes:
                    raise MethodologyError(f"{what} names practice {code}, which is not in this PCT's list.")
                if cat not in known_cats:
                    raise MethodologyError(f"{what} names category {cat}, which is not budgeted.")
                if _pence(pence, name=f"{what} for {code} {cat}") < 0:
                    raise MethodologyError(f"{what} for {code} {cat} cannot be negative.")
                checked[(code, cat)] = pence
            return checked

        baseline = check_lines(self.baseline_pence, "The baseline")
        high_cost = check_lines(self.high_cost_pence, "High-cost spells")
        for key, pence in high_cost.items():
            if pence > baseline.get(key, 0):
                raise MethodologyError(f"High-cost spells for {key[0]} {key[1]} exceed that line's baseline.")
        unattributed: dict[str, int] = {}
        for cat, pence in self.unattributed_pence.items():
            if cat not in known_cats:
                raise MethodologyError(f"Unattributed activity names category {cat}, which is not budgeted.")
            if _pence(pence, name=f"Unattributed activity for {cat}") < 0:
                raise MethodologyError(f"Unattributed activity for {cat} cannot be negative.")
            unattributed[cat] = pence
        for attr, value in [
            ("categories", categories),
            ("practices", practices),
            ("baseline_pence", MappingProxyType(baseline)),
            ("high_cost_pence", MappingProxyType(high_cost)),
            ("unattributed_pence", MappingProxyType(unattributed)),
        ]:
            object.__setattr__(self, attr, value)


# --- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Step:
    """One step of a line's build-up: ``after = before + change``, with the rule in words and figures."""

    name: StepName
    rule: str
    before_pence: int
    change_pence: int
    after_pence: int

    @property
    def label(self) -> str:
        return STEP_LABELS[self.name]


@dataclass(frozen=True, kw_only=True)
class LineBudget:
    """A practice's budget for one category and the steps that built it (always all seven, in order)."""

    practice_code: str
    category: str
    steps: tuple[Step, ...]
    final_pence: int

    def step(self, name: StepName) -> Step:
        return next(s for s in self.steps if s.name == name)


@dataclass(frozen=True, kw_only=True)
class PracticeBudget:
    practice_code: str
    lines: tuple[LineBudget, ...]

    @property
    def final_pence(self) -> int:
        return sum(line.final_pence for line in self.lines)

    def line(self, category: str) -> LineBudget:
        return next(line for line in self.lines if line.category == category)


@dataclass(frozen=True, kw_only=True)
class CentralHolding:
    """Money the PCT holds centrally for a category: the risk pool or unattributed activity."""

    kind: HoldingKind
    category: str
    rule: str
    before_scaling_pence: int
    final_pence: int


@dataclass(frozen=True, kw_only=True)
class BudgetResult:
    params: MethodologyParams
    categories: tuple[str, ...]
    practices: tuple[PracticeBudget, ...]
    central: tuple[CentralHolding, ...]
    total_before_scaling_pence: int
    scale_factor: Decimal
    scaling_rule: str
    warnings: tuple[str, ...]

    @property
    def resource_pence(self) -> int:
        return self.params.resource_pence

    @property
    def practice_total_pence(self) -> int:
        return sum(p.final_pence for p in self.practices)

    @property
    def central_total_pence(self) -> int:
        return sum(h.final_pence for h in self.central)

    @property
    def total_pence(self) -> int:
        return self.practice_total_pence + self.central_total_pence

    @property
    def headroom_pence(self) -> int:
        """Resource not allocated (0 when the budgets were scaled down to the resource)."""
        return self.resource_pence - self.total_pence

    @property
    def scaled(self) -> bool:
        return self.scale_factor < 1

    def practice(self, code: str) -> PracticeBudget:
        for budget in self.practices:
            if budget.practice_code == code:
                return budget
        raise KeyError(code)

    def holding(self, kind: HoldingKind, category: str) -> CentralHolding | None:
        return next((h for h in self.central if h.kind == kind and h.category == category), None)

    def step_totals(self) -> dict[str, int]:
        """PCT total of practice lines after each step (for the PCT's summary of the build-up)."""
        totals = dict.fromkeys(STEP_ORDER, 0)
        for budget in self.practices:
            for line in budget.lines:
                for step in line.steps:
                    totals[step.name] += step.after_pence
        return totals


@dataclass(frozen=True, kw_only=True)
class WhatIfRow:
    practice_code: str
    old_pence: int
    new_pence: int
    difference_pence: int
    difference_pct: Decimal | None
    category_difference_pence: Mapping[str, int]


@dataclass(frozen=True, kw_only=True)
class WhatIfResult:
    """A whole-PCT recompute under other parameters, practice by practice."""

    before: BudgetResult
    after: BudgetResult
    winners: tuple[WhatIfRow, ...]
    losers: tuple[WhatIfRow, ...]
    unchanged: tuple[WhatIfRow, ...]

    @property
    def rows(self) -> tuple[WhatIfRow, ...]:
        return tuple(sorted((*self.winners, *self.losers, *self.unchanged), key=lambda r: r.practice_code))

    @property
    def central_difference_pence(self) -> int:
        return self.after.central_total_pence - self.before.central_total_pence

    @property
    def total_difference_pence(self) -> int:
        return self.after.total_pence - self.before.total_pence


# --- the calculation -----------------------------------------------------------------------------------


def _check_params_against_inputs(params: MethodologyParams, inputs: BudgetInputs) -> None:
    cats, codes = set(inputs.categories), {p.code for p in inputs.practices}
    for mapping, what in [
        (params.uplift_pct_by_category, "An uplift"),
        (params.pace_of_change_pct_by_category, "A pace of change"),
    ]:
        unknown = sorted(set(mapping) - cats)
        if unknown:
            raise MethodologyError(f"{what} is set for categories not budgeted: {', '.join(unknown)}.")
    unknown_codes = sorted(set(params.need_weights) - codes)
    if unknown_codes:
        raise MethodologyError(f"Need weights name practices not in the list: {', '.join(unknown_codes)}.")
    for adj in params.adjustments:
        if adj.practice_code not in codes:
            raise MethodologyError(
                f"An adjustment names practice {adj.practice_code}, which is not in the list."
            )
        if adj.category not in cats:
            raise MethodologyError(f"An adjustment names category {adj.category}, which is not budgeted.")


def set_budgets(*, params: MethodologyParams, inputs: BudgetInputs) -> BudgetResult:
    """Build every practice's indicative budget, step by step, within the PCT's resource."""
    _check_params_against_inputs(params, inputs)
    practices = inputs.practices
    codes = [p.code for p in practices]
    cats = inputs.categories
    warnings: list[str] = []
    steps: dict[tuple[str, str], list[Step]] = {(code, cat): [] for code in codes for cat in cats}
    amount: dict[tuple[str, str], int] = {}
    central_before: dict[tuple[HoldingKind, str], tuple[int, str]] = {}

    def record(key: tuple[str, str], name: StepName, rule: str, after: int) -> None:
        before = steps[key][-1].after_pence if steps[key] else amount[key]
        steps[key].append(
            Step(name=name, rule=rule, before_pence=before, change_pence=after - before, after_pence=after)
        )
        amount[key] = after

    period = params.baseline_period or "base-period"
    tariff_year = f"{params.target_year.label} " if params.target_year else "target-year "
    list_date = (
        f"1 April {params.target_year.start_year}" if params.target_year else "1 April of the target year"
    )

    # 1. Baseline, with unattributed activity shared pro rata or set aside for the centre.
    for cat in cats:
        attributed = [inputs.baseline_pence.get((code, cat), 0) for code in codes]
        unattributed = inputs.unattributed_pence.get(cat, 0)
        shares = [0] * len(codes)
        share_rule = ""
        held_centrally = unattributed > 0
        if unattributed and params.unattributed == "pro_rata":
            basis = params.unattributed_share_basis
            weights = attributed if basis == "baseline" else [p.target_list_size for p in practices]
            if not any(weights) and basis == "baseline":
                basis, weights = "list_size", [p.target_list_size for p in practices]
                warnings.append(
                    f"{cat}: no attributed baseline, so unattributed activity was shared by list size."
                )
            if any(weights):
                shares = apportion_pence(total=unattributed, weights=weights)
                held_centrally = False
                basis_text = "attributed baseline" if basis == "baseline" else f"list size at {list_date}"
                share_rule = (
                    f"; plus a share of {format_gbp(unattributed)} unattributed {cat} activity, pro rata to "
                    f"{basis_text}"
                )
            else:
                warnings.append(f"{cat}: nothing to share unattributed activity by, so it is held centrally.")
        for code, base, share in zip(codes, attributed, shares, strict=True):
            amount[(code, cat)] = base
            rule = f"{period[:1].upper()}{period[1:]} activity at {tariff_year}tariff: {format_gbp(base)}{share_rule}"
            record((code, cat), "baseline", rule, base + share)
        if held_centrally:
            uplift = params.uplift_for(cat)
            central_before[("unattributed", cat)] = (
                _grow(unattributed, uplift),
                f"Unattributed {period} activity (no valid practice code) {format_gbp(unattributed)} × (1 + "
                f"{_pct_text(uplift)}), held centrally",
            )

    # 2. Uplift.
    for cat in cats:
        uplift = params.uplift_for(cat)
        source = f"{cat} uplift" if cat in params.uplift_pct_by_category else "overall uplift"
        for code in codes:
            before = amount[(code, cat)]
            record(
                (code, cat),
                "uplift",
                f"{format_gbp(before)} × (1 + {_pct_text(uplift)}) ({source})",
                _grow(before, uplift),
            )

    # 3. List-size change.
    list_factor: dict[str, tuple[int, int] | None] = {}
    for practice in practices:
        if not params.list_size_adjustment:
            list_factor[practice.code] = None
            rule = "List-size adjustment switched off in this methodology"
        elif practice.base_list_size == 0:
            list_factor[practice.code] = None
            rule = "Not adjusted: no registered list in the base period"
            warnings.append(
                f"{practice.code}: no base-period list, so its budget was not adjusted for list size."
            )
        else:
            list_factor[practice.code] = (practice.target_list_size, practice.base_list_size)
            rule = (
                f"× list at {list_date} {practice.target_list_size:,} / base-period list "
                f"{practice.base_list_size:,}"
            )
        for cat in cats:
            key = (practice.code, cat)
            factor = list_factor[practice.code]
            after = amount[key] if factor is None else _ratio(amount[key], *factor)
            record(key, "list_change", rule if factor is None else f"{format_gbp(amount[key])} {rule}", after)

    # 4. Local adjustments.
    by_line: dict[tuple[str, str], list[LocalAdjustment]] = defaultdict(list)
    for adj in params.adjustments:
        by_line[(adj.practice_code, adj.category)].append(adj)
    for key in steps:
        adjs = by_line.get(key, [])
        if not adjs:
            record(key, "adjustments", "No local adjustments", amount[key])
            continue
        rule = "; ".join(f"{a.reason} ({'+' if a.pence >= 0 else ''}{format_gbp(a.pence)})" for a in adjs)
        after = amount[key] + sum(a.pence for a in adjs)
        if after < 0:
            warnings.append(
                f"{key[0]} {key[1]}: adjustments of {format_gbp(after - amount[key])} exceed the "
                f"{format_gbp(amount[key])} available; the line was floored at £0.00."
            )
            rule += f" (floored at £0.00: {format_gbp(-after)} of the reduction could not be applied)"
            after = 0
        record(key, "adjustments", rule, after)

    # 5. Fair-share move towards weighted capitation, at the agreed pace; zero-sum within the category.
    weighted = [Decimal(p.target_list_size) * params.need_weight_for(p.code) for p in practices]
    weighted_total = sum(weighted, Decimal(0))
    for cat in cats:
        pace = params.pace_for(cat)
        current = [amount[(code, cat)] for code in codes]
        total = sum(current)
        if pace == 0 or total == 0 or weighted_total == 0:
            reason = (
                "pace of change 0%"
                if pace == 0
                else ("no weighted list" if weighted_total == 0 else f"no {cat} budget to share")
            )
            for code in codes:
                record((code, cat), "fair_share", f"No fair-share move ({reason})", amount[(code, cat)])
            continue
        targets = apportion_pence(total=total, weights=weighted)
        fraction_pace = Fraction(pace) / 100
        exact = [c + fraction_pace * (t - c) for c, t in zip(current, targets, strict=True)]
        moved = apportion_pence(total=total, weights=exact)
        for i, practice in enumerate(practices):
            need = params.need_weight_for(practice.code)
            rule = (
                f"Target {format_gbp(targets[i])} = {cat} total {format_gbp(total)} × weighted list "
                f"{weighted[i].normalize():f} (list {practice.target_list_size:,} × need {need.normalize():f}) / "
                f"{weighted_total.normalize():f}; move {_pct_text(pace)} of the "
                f"{format_gbp(targets[i] - current[i])} gap"
            )
            record((practice.code, cat), "fair_share", rule, moved[i])

    # 6. Risk pool: a top-slice of every line, or the high-cost spells above the threshold.
    pool: dict[str, int] = dict.fromkeys(cats, 0)
    threshold_text = (
        f"spells above {format_gbp(params.risk_threshold_pence)}"
        if params.risk_threshold_pence is not None
        else "high-cost spells"
    )
    for key in steps:
        code, cat = key
        current = amount[key]
        if params.risk_mode == "top_slice":
            held = _share(current, params.risk_top_slice_pct)
            rule = f"Top-slice {_pct_text(params.risk_top_slice_pct)} of {format_gbp(current)} to the central risk pool"
        elif params.risk_mode == "threshold":
            base_high = inputs.high_cost_pence.get(key, 0)
            grown = _grow(base_high, params.uplift_for(cat))
            factor = list_factor[code]
            if factor is not None:
                grown = _ratio(grown, *factor)
            held = min(grown, current)
            rule = (
                f"{threshold_text.capitalize()} held centrally: {format_gbp(base_high)} in the baseline, "
                f"uplifted{' and list-adjusted' if factor is not None else ''} to {format_gbp(grown)}"
            )
            if held < grown:
                rule += f", capped at the {format_gbp(current)} available"
        else:
            held = 0
            rule = "No risk pool in this methodology"
        pool[cat] += held
        record(key, "risk", rule, current - held)
    if params.risk_mode != "none":
        for cat in cats:
            how = (
                f"top-slice {_pct_text(params.risk_top_slice_pct)} of practice {cat} budgets"
                if params.risk_mode == "top_slice"
                else f"practices' {cat} {threshold_text}"
            )
            central_before[("risk_pool", cat)] = (pool[cat], f"Risk pool: {how}")

    # 7. Scaling to the PCT's resource: one factor for every line and every central holding.
    central_keys = [
        k for kind in ("risk_pool", "unattributed") for k in ((kind, c) for c in cats) if k in central_before
    ]
    line_keys = list(steps)
    before_amounts = [amount[k] for k in line_keys] + [central_before[k][0] for k in central_keys]
    total_before = sum(before_amounts)
    resource = params.resource_pence
    if total_before > resource:
        finals = apportion_pence(total=resource, weights=before_amounts)
        factor = Decimal(resource) / Decimal(total_before)
        scaling_rule = (
            f"Scaled by {resource:,} / {total_before:,} = {factor:.6f}: practice budgets and central holdings "
            f"of {format_gbp(total_before)} exceed the PCT resource of {format_gbp(resource)}; residue pennies "
            f"to the largest remainders"
        )
    else:
        finals = before_amounts
        factor = Decimal(1)
        scaling_rule = (
            f"Not scaled: {format_gbp(total_before)} is within the PCT resource of {format_gbp(resource)}"
        )
    for key, final in zip(line_keys, finals, strict=False):
        record(key, "scaling", scaling_rule, final)

    central = tuple(
        CentralHolding(
            kind=kind,
            category=cat,
            rule=central_before[(kind, cat)][1],
            before_scaling_pence=central_before[(kind, cat)][0],
            final_pence=final,
        )
        for (kind, cat), final in zip(central_keys, finals[len(line_keys) :], strict=True)
    )
    budgets = tuple(
        PracticeBudget(
            practice_code=code,
            lines=tuple(
                LineBudget(
                    practice_code=code,
                    category=cat,
                    steps=tuple(steps[(code, cat)]),
                    final_pence=amount[(code, cat)],
                )
                for cat in cats
            ),
        )
        for code in codes
    )
    return BudgetResult(
        params=params,
        categories=cats,
        practices=budgets,
        central=central,
        total_before_scaling_pence=total_before,
        scale_factor=factor,
        scaling_rule=scaling_rule,
        warnings=tuple(warnings),
    )


def what_if(
    *, params_a: MethodologyParams, params_b: MethodologyParams, inputs: BudgetInputs
) -> WhatIfResult:
    """Recompute the whole PCT under ``params_b`` and compare each practice with ``params_a``.

    Winners are sorted by largest gain first, losers by largest loss first, ties by practice code.
    ``difference_pct`` is the change as a % of the old budget, 1 dp half-up (None when the old was £0).
    """
    before = set_budgets(params=params_a, inputs=inputs)
    after = set_budgets(params=params_b, inputs=inputs)
    rows = []
    for old, new in zip(before.practices, after.practices, strict=True):
        diff = new.final_pence - old.final_pence
        pct = (
            (Decimal(diff) * 100 / Decimal(old.final_pence)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if old.final_pence
            else None
        )
        rows.append(
            WhatIfRow(
                practice_code=old.practice_code,
                old_pence=old.final_pence,
                new_pence=new.final_pence,
                difference_pence=diff,
                difference_pct=pct,
                category_difference_pence=MappingProxyType(
                    {
                        o.category: n.final_pence - o.final_pence
                        for o, n in zip(old.lines, new.lines, strict=True)
                    }
                ),
            )
        )
    return WhatIfResult(
        before=before,
        after=after,
        winners=tuple(
            sorted(
                (r for r in rows if r.difference_pence > 0),
                key=lambda r: (-r.difference_pence, r.practice_code),
            )
        ),
        losers=tuple(
            sorted(
                (r for r in rows if r.difference_pence < 0),
                key=lambda r: (r.difference_pence, r.practice_code),
            )
        ),
        unchanged=tuple(r for r in rows if r.difference_pence == 0),
    )
