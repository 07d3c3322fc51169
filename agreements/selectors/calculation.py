"""Load what a scheme's calculation needs from the database and call the pure calculation module.

Nothing here decides an amount: :mod:`agreements.incentives` does. This module chooses the inputs — the
list at the scheme's reference date, achievements, activity counts, sign-up, budget outturn — and
which components a practice takes part in:

- when a scheme has a sign-up payment (an LES), only practices that signed up take part at all;
- a per-activity component is paid when the practice's count was recorded;
- a per-patient component paid in advance (on sign-up, at the start of the year) follows
  participation; one paid in arrears needs its delivery recorded as an achievement;
- a weighted-outcomes component is paid by the weights achieved (nothing achieved pays nothing).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from agreements import incentives
from agreements.models import (
    Achievement,
    IncentiveScheme,
    LesSignUp,
    SubstantialActionAgreement,
    YearEndBudgetPosition,
)
from pbc.exceptions import ApplicationError
from pbc.models import Locality, Practice
from pbc.selectors import latest_list_size_subquery

UNKNOWN_OUTTURN = "Budget outturn not known yet: treated as within budget."


@dataclass
class PracticeInputs:
    practice: Practice
    list_size: int | None
    signed_up: bool
    achievements: incentives.Achievements
    activity_counts: dict[str, int]
    delivered: frozenset[str]
    overspent: bool | None
    substantial_action: bool


@dataclass
class PracticeCalculation:
    practice: Practice
    inputs: PracticeInputs
    taking_part: list[str]
    lines: list[incentives.PaymentLine] = field(default_factory=list)
    error: str = ""
    note: str = ""

    @property
    def total_pence(self) -> int:
        return incentives.total_pence(self.lines)


@dataclass
class LocalityCalculation:
    locality: Locality
    component: incentives.LocalityLevelComponent
    level: int
    population: int | None
    lines: list[incentives.PaymentLine] = field(default_factory=list)
    error: str = ""

    @property
    def total_pence(self) -> int:
        return incentives.total_pence(self.lines)


@dataclass
class ComponentTotal:
    code: str
    name: str
    amount_pence: int
    payees: int


@dataclass
class SchemeCalculation:
    scheme: IncentiveScheme
    practices: list[PracticeCalculation]
    localities: list[LocalityCalculation]

    @property
    def errors(self) -> list[str]:
        return [c.error for c in (*self.practices, *self.localities) if c.error]

    @property
    def totals(self) -> list[ComponentTotal]:
        sums: dict[str, list] = {}
        for calc in (*self.practices, *self.localities):
            for line in calc.lines:
                entry = sums.setdefault(line.component_code, [line.name, 0, 0])
                entry[1] += line.amount_pence
                entry[2] += 1
        return [ComponentTotal(code, name, amount, n) for code, (name, amount, n) in sums.items()]

    @property
    def total_pence(self) -> int:
        return sum(t.amount_pence for t in self.totals)


# --- loading ---------------------------------------------------------------------------------------


def _with_reference_list(scheme: IncentiveScheme, practices) -> list[Practice]:
    """Practices annotated with ``reference_list_size``: the list at the scheme's reference date."""
    ids = [p.pk for p in practices]
    qs = (
        Practice.objects.filter(pk__in=ids)
        .select_related("locality", "pct")
        .annotate(reference_list_size=latest_list_size_subquery(on=scheme.scheme.list_size_date))
        .order_by("code")
    )
    return list(qs)


def practice_inputs(scheme: IncentiveScheme, practices: Iterable[Practice]) -> list[PracticeInputs]:
    """Everything the calculation needs for each practice, in a fixed number of queries."""
    loaded = _with_reference_list(scheme, practices)
    ids = [p.pk for p in loaded]
    signed_up = set(
        LesSignUp.objects.filter(scheme=scheme, practice_id__in=ids).values_list("practice_id", flat=True)
    )
    overspent = dict(
        YearEndBudgetPosition.objects.filter(start_year=scheme.start_year, practice_id__in=ids).values_list(
            "practice_id", "overspent"
        )
    )
    action = set(
        SubstantialActionAgreement.objects.filter(
            start_year=scheme.start_year, practice_id__in=ids
        ).values_list("practice_id", flat=True)
    )
    achieved = list(scheme.achievements.filter(achieved=True).order_by("recorded_at", "pk"))
    consortium = [a for a in achieved if a.outcome_code and a.practice_id is None]
    by_practice: dict[int, list[Achievement]] = defaultdict(list)
    for a in achieved:
        if a.practice_id:
            by_practice[a.practice_id].append(a)

    inputs = []
    for practice in loaded:
        own = by_practice.get(practice.pk, [])
        inputs.append(
            PracticeInputs(
                practice=practice,
                list_size=practice.reference_list_size,
                signed_up=practice.pk in signed_up,
                achievements=incentives.Achievements(
                    consortium=frozenset(
                        a.outcome_code
                        for a in consortium
                        if a.locality_id is None or a.locality_id == practice.locality_id
                    ),
                    practice=frozenset(a.outcome_code for a in own if a.outcome_code),
                ),
                activity_counts={a.component_code: a.count for a in own if a.count is not None},
                delivered=frozenset(
                    a.component_code
                    for a in own
                    if not a.outcome_code and a.count is None and a.level is None
                ),
                overspent=overspent.get(practice.pk),
                substantial_action=practice.pk in action,
            )
        )
    return inputs


def taking_part(scheme: IncentiveScheme, inputs: PracticeInputs) -> tuple[list[str], str]:
    """The practice components a practice takes part in, and why none when it takes part in none."""
    definition = scheme.scheme
    if scheme.has_sign_up and not inputs.signed_up:
        return [], "Not signed up to the LES: no payment under this scheme."
    codes = []
    for component in definition.components:
        if isinstance(component, incentives.LocalityLevelComponent):
            continue
        if isinstance(component, incentives.PerActivityComponent):
            if component.code in inputs.activity_counts:
                codes.append(component.code)
        elif isinstance(component, incentives.PerPatientComponent) and not component.due.in_advance:
            if component.code in inputs.delivered:
                codes.append(component.code)
        else:
            codes.append(component.code)
    return codes, "" if codes else "Nothing recorded yet that this scheme pays for."


def calculate_practice(scheme: IncentiveScheme, inputs: PracticeInputs) -> PracticeCalculation:
    codes, note = taking_part(scheme, inputs)
    result = PracticeCalculation(practice=inputs.practice, inputs=inputs, taking_part=codes, note=note)
    if not codes:
        return result
    try:
        lines = incentives.calculate_payments(
            scheme.scheme,
            practice_list_size=inputs.list_size,
            achievements=inputs.achievements,
            activity_counts={c: n for c, n in inputs.activity_counts.items() if c in codes},
            overspent=bool(inputs.overspent),
            substantial_action_agreed=inputs.substantial_action,
            taking_part=codes,
        )
    except incentives.SchemeError as exc:
        result.error = f"{inputs.practice.code} {inputs.practice.name}: {exc}"
        return result
    if inputs.overspent is None:
        lines = [
            dataclasses.replace(line, reason=UNKNOWN_OUTTURN)
            if scheme.scheme.component(line.component_code).budget_rule
            else line
            for line in lines
        ]
    result.lines = lines
    return result


def practice_calculation(scheme: IncentiveScheme, practice: Practice) -> PracticeCalculation:
    """A practice's payment lines under the scheme, from what is recorded; nothing is saved."""
    if practice.pct_id != scheme.pct_id:
        raise ApplicationError(f"{practice.code} is not in {scheme.pct}, whose scheme this is.")
    (inputs,) = practice_inputs(scheme, [practice])
    return calculate_practice(scheme, inputs)


def locality_levels(scheme: IncentiveScheme) -> dict[tuple[str, int], int]:
    """The level agreed for each (component, locality); a locality starts at level 1."""
    levels = {}
    for a in scheme.achievements.filter(
        achieved=True, practice__isnull=True, locality__isnull=False, level__isnull=False
    ).order_by("recorded_at", "pk"):
        levels[(a.component_code, a.locality_id)] = a.level
    return levels


def locality_calculations(
    scheme: IncentiveScheme, localities: Iterable[Locality], *, level: int | None = None
) -> list[LocalityCalculation]:
    """Locality allowances at each locality's agreed level (or at ``level`` for every locality)."""
    localities = list(localities)
    components = [c for c in scheme.scheme.components if isinstance(c, incentives.LocalityLevelComponent)]
    if not components or not localities:
        return []
    reference = scheme.scheme.list_size_date
    practices = (
        Practice.objects.filter(locality__in=localities)
        .annotate(reference_list_size=latest_list_size_subquery(on=reference))
        .order_by("code")
    )
    members: dict[int, list[Practice]] = defaultdict(list)
    for p in practices:
        if p.is_open_on(reference):
            members[p.locality_id].append(p)
    agreed = locality_levels(scheme) if level is None else {}
    results = []
    for locality in sorted(localities, key=lambda loc: loc.code):
        missing = [p.code for p in members[locality.pk] if p.reference_list_size is None]
        population = sum(p.reference_list_size or 0 for p in members[locality.pk])
        for component in components:
            chosen = level or agreed.get((component.code, locality.pk), 1)
            calc = LocalityCalculation(
                locality=locality, component=component, level=chosen, population=population
            )
            if missing:
                calc.population = None
                calc.error = (
                    f"{locality.name}: no list size at {reference:%d %B %Y} for {', '.join(missing)}: "
                    f"cannot calculate a payment for a year with no list size ({scheme.year})."
                )
            else:
                try:
                    calc.lines = incentives.calculate_locality_payments(
                        component, year=scheme.year, level=chosen, population=population, localities=1
                    )
                except incentives.SchemeError as exc:
                    calc.error = f"{locality.name}: {exc}"
            results.append(calc)
    return results


def scheme_calculation(
    scheme: IncentiveScheme, *, practices, localities, level: int | None = None
) -> SchemeCalculation:
    """The scheme's payments for the given practices and localities (those open at its reference date)."""
    reference = scheme.scheme.list_size_date
    open_practices = [p for p in practices if p.pct_id == scheme.pct_id and p.is_open_on(reference)]
    open_localities = [loc for loc in localities if loc.pct_id == scheme.pct_id and loc.is_open_on(reference)]
    return SchemeCalculation(
        scheme=scheme,
        practices=[calculate_practice(scheme, i) for i in practice_inputs(scheme, open_practices)],
        localities=locality_calculations(scheme, open_localities, level=level),
    )
