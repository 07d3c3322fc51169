"""Savings declarations: how much resource a practice or a pool has freed up, before it is split.

Freed-up resource is budget − outturn for the agreed categories, after removing the planned investments
that were top-sliced in advance (BANES removes the cost of emergency care practitioners from non-elective
savings BEFORE declaring). A pool (a consortium of practices) nets its members' overspends against their
savings, because risk and savings are pooled. A declaration can be restated (outturn revised, an investment
added), and ``restatement_difference`` shows what changed.

Pure calculation over plain dataclasses: no Django, no ORM, no I/O. Money is whole pence, signed where a
figure can be an overspend (negative freed-up resource).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pbc.money import format_gbp

__all__ = [
    "CategoryChange",
    "CategoryFigures",
    "CategoryResult",
    "ChangeStatus",
    "Declaration",
    "DeclarationError",
    "PlannedInvestment",
    "PoolDeclaration",
    "PoolMember",
    "Restatement",
    "declare_freed_resources",
    "pool_declarations",
    "restatement_difference",
]


class DeclarationError(ValueError):
    """Figures that cannot be declared; the message tells a finance user what to correct."""

    def __init__(self, message: str, *, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems) or (message,)


@dataclass(frozen=True)
class CategoryFigures:
    """Budget and outturn for one agreed category (e.g. "Outpatients", "Non-elective admissions")."""

    category: str
    budget_pence: int
    outturn_pence: int


@dataclass(frozen=True)
class PlannedInvestment:
    """An investment allocated in advance and top-sliced from its category's savings (e.g. ECPs)."""

    name: str
    category: str
    pence: int


@dataclass(frozen=True)
class CategoryResult:
    """One category's declaration. ``freed_pence`` is negative where the category overspent.

    ``top_sliced_pence`` is what was actually removed for planned investments: all of
    ``planned_investments_pence``, unless top-slices were limited to the category's savings.
    """

    category: str
    budget_pence: int
    outturn_pence: int
    planned_investments_pence: int
    top_sliced_pence: int
    freed_pence: int

    @property
    def variance_pence(self) -> int:
        """Budget − outturn: positive is an underspend, negative an overspend."""
        return self.budget_pence - self.outturn_pence


def _totals(categories: Sequence[CategoryResult]) -> dict[str, int]:
    return {
        "budget_pence": sum(c.budget_pence for c in categories),
        "outturn_pence": sum(c.outturn_pence for c in categories),
        "planned_investments_pence": sum(c.planned_investments_pence for c in categories),
        "top_sliced_pence": sum(c.top_sliced_pence for c in categories),
        "freed_pence": sum(c.freed_pence for c in categories),
    }


class _Totals:
    """Totals shared by a single declaration and a pool (both hold ``categories``)."""

    categories: tuple[CategoryResult, ...]

    @property
    def budget_pence(self) -> int:
        return sum(c.budget_pence for c in self.categories)

    @property
    def outturn_pence(self) -> int:
        return sum(c.outturn_pence for c in self.categories)

    @property
    def planned_investments_pence(self) -> int:
        return sum(c.planned_investments_pence for c in self.categories)

    @property
    def top_sliced_pence(self) -> int:
        return sum(c.top_sliced_pence for c in self.categories)

    @property
    def variance_pence(self) -> int:
        return self.budget_pence - self.outturn_pence

    @property
    def freed_pence(self) -> int:
        """Net freed-up resource across categories (signed): overspent categories net against savings."""
        return sum(c.freed_pence for c in self.categories)

    @property
    def freed_up_pence(self) -> int:
        """The amount available to split: the net freed-up resource, or nothing if it is negative."""
        return max(self.freed_pence, 0)

    @property
    def shortfall_pence(self) -> int:
        """How far the net figure is below nothing (0 when resource was freed up)."""
        return max(-self.freed_pence, 0)

    @property
    def overspent(self) -> bool:
        """Outturn above budget in the agreed categories (the test for withholding a reward payment)."""
        return self.outturn_pence > self.budget_pence

    def category(self, name: str) -> CategoryResult:
        for result in self.categories:
            if result.category == name:
                return result
        raise KeyError(name)


@dataclass(frozen=True)
class Declaration(_Totals):
    """A practice's (or any single entity's) declaration of freed-up resource."""

    entity: str
    categories: tuple[CategoryResult, ...]
    planned_investments: tuple[PlannedInvestment, ...] = ()
    limit_top_slice_to_savings: bool = False


@dataclass(frozen=True)
class PoolMember:
    """A member's contribution to a pool: its net freed-up resource, negative for an overspend."""

    entity: str
    contribution_pence: int
    overspent: bool


@dataclass(frozen=True)
class PoolDeclaration(_Totals):
    """A pool's declaration: members' figures added category by category, overspends netted."""

    entity: str
    members: tuple[PoolMember, ...]
    categories: tuple[CategoryResult, ...]

    @property
    def savings_pence(self) -> int:
        """What the members that freed up resource contributed, before netting."""
        return sum(m.contribution_pence for m in self.members if m.contribution_pence > 0)

    @property
    def overspends_pence(self) -> int:
        """What the members with a negative figure took away (as a positive amount)."""
        return -sum(m.contribution_pence for m in self.members if m.contribution_pence < 0)


# --- checks -------------------------------------------------------------------------------------------


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _raise_if(problems: list[str], what: str) -> None:
    if problems:
        raise DeclarationError(f"{what}: " + " ".join(problems), problems=problems)


def _figures_problems(figures: Sequence[CategoryFigures]) -> list[str]:
    problems: list[str] = []
    if not figures:
        problems.append("Enter budget and outturn for at least one agreed category.")
    seen: set[str] = set()
    for number, item in enumerate(figures, start=1):
        if not isinstance(item, CategoryFigures):
            problems.append(f"Line {number} is not a category's budget and outturn.")
            continue
        if not _is_name(item.category):
            problems.append(f"Line {number} has no category name.")
            continue
        if item.category in seen:
            problems.append(f"'{item.category}' is entered more than once; enter each category once.")
        seen.add(item.category)
        for label, value in (("budget", item.budget_pence), ("outturn", item.outturn_pence)):
            if not _is_whole(value):
                problems.append(
                    f"The {label} for '{item.category}' must be a whole number of pence; got {value!r}."
                )
            elif value < 0:
                problems.append(f"The {label} for '{item.category}' is negative ({format_gbp(value)}).")
    return problems


def _investment_problems(investments: Sequence[PlannedInvestment], categories: set[str]) -> list[str]:
    problems: list[str] = []
    for number, item in enumerate(investments, start=1):
        if not isinstance(item, PlannedInvestment):
            problems.append(f"Planned investment {number} is not a planned investment.")
            continue
        label = f"Planned investment '{item.name}'" if _is_name(item.name) else f"Planned investment {number}"
        if not _is_name(item.name):
            problems.append(f"{label} has no name.")
        if not _is_whole(item.pence):
            problems.append(f"{label} must be a whole number of pence; got {item.pence!r}.")
        elif item.pence < 0:
            problems.append(
                f"{label} is negative ({format_gbp(item.pence)}); enter the cost as a positive amount."
            )
        if item.category not in categories:
            known = ", ".join(sorted(categories)) or "none"
            problems.append(
                f"{label} is against '{item.category}', which is not one of the declared categories ({known})."
            )
    return problems


# --- calculations -------------------------------------------------------------------------------------


def declare_freed_resources(
    *,
    entity: str,
    categories: Sequence[CategoryFigures],
    planned_investments: Sequence[PlannedInvestment] = (),
    limit_top_slice_to_savings: bool = False,
) -> Declaration:
    """Freed-up resource per category = budget − outturn − planned investments against that category.

    By default a category whose savings are smaller than its investments shows a negative figure that
    nets against the other categories (the investment was spent whatever happened). With
    ``limit_top_slice_to_savings`` a PCT can instead remove investments only up to the category's savings.
    """
    problems = [] if _is_name(entity) else ["Say whose declaration this is (a practice or pool)."]
    problems += _figures_problems(categories)
    if not isinstance(limit_top_slice_to_savings, bool):
        problems.append("'Limit top-slice to savings' must be true or false.")
    valid_names = {c.category for c in categories if isinstance(c, CategoryFigures) and _is_name(c.category)}
    problems += _investment_problems(planned_investments, valid_names)
    _raise_if(problems, "The declaration cannot be made")

    results = []
    for item in categories:
        planned = sum(i.pence for i in planned_investments if i.category == item.category)
        variance = item.budget_pence - item.outturn_pence
        top_sliced = min(planned, max(variance, 0)) if limit_top_slice_to_savings else planned
        results.append(
            CategoryResult(
                category=item.category,
                budget_pence=item.budget_pence,
                outturn_pence=item.outturn_pence,
                planned_investments_pence=planned,
                top_sliced_pence=top_sliced,
                freed_pence=variance - top_sliced,
            )
        )
    return Declaration(
        entity=entity,
        categories=tuple(results),
        planned_investments=tuple(planned_investments),
        limit_top_slice_to_savings=limit_top_slice_to_savings,
    )


def pool_declarations(*, pool: str, members: Sequence[Declaration]) -> PoolDeclaration:
    """Net the members' overspends against their savings; each member's contribution is its net figure.

    Members may declare different categories; the pool's categories are their union, in first-seen order.
    """
    problems = [] if _is_name(pool) else ["Name the pool (consortium or locality)."]
    if not members:
        problems.append("A pool needs at least one member's declaration.")
    seen: set[str] = set()
    for number, member in enumerate(members, start=1):
        if not isinstance(member, Declaration):
            problems.append(f"Member {number} is not a practice's declaration.")
            continue
        if member.entity in seen:
            problems.append(f"'{member.entity}' is in the pool more than once.")
        seen.add(member.entity)
    _raise_if(problems, f"The pool '{pool}' cannot be declared")

    by_category: dict[str, list[CategoryResult]] = {}
    for member in members:
        for result in member.categories:
            by_category.setdefault(result.category, []).append(result)
    pooled = tuple(CategoryResult(category=name, **_totals(results)) for name, results in by_category.items())
    return PoolDeclaration(
        entity=pool,
        members=tuple(PoolMember(m.entity, m.freed_pence, m.overspent) for m in members),
        categories=pooled,
    )


# --- restatements -------------------------------------------------------------------------------------


class ChangeStatus(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class CategoryChange:
    """How one category moved between two declarations; a missing side counts as zero."""

    category: str
    status: str
    old: CategoryResult | None
    new: CategoryResult | None

    def _delta(self, field: str) -> int:
        return (getattr(self.new, field) if self.new else 0) - (getattr(self.old, field) if self.old else 0)

    @property
    def budget_change_pence(self) -> int:
        return self._delta("budget_pence")

    @property
    def outturn_change_pence(self) -> int:
        return self._delta("outturn_pence")

    @property
    def planned_investments_change_pence(self) -> int:
        return self._delta("planned_investments_pence")

    @property
    def top_sliced_change_pence(self) -> int:
        return self._delta("top_sliced_pence")

    @property
    def freed_change_pence(self) -> int:
        return self._delta("freed_pence")


@dataclass(frozen=True)
class Restatement:
    """What a restated declaration changed, category by category and in total."""

    entity: str
    changes: tuple[CategoryChange, ...]
    old_freed_pence: int
    new_freed_pence: int
    old_overspent: bool
    new_overspent: bool

    @property
    def freed_change_pence(self) -> int:
        return self.new_freed_pence - self.old_freed_pence

    @property
    def changed(self) -> bool:
        return any(c.status != ChangeStatus.UNCHANGED for c in self.changes)


def restatement_difference(
    old: Declaration | PoolDeclaration, new: Declaration | PoolDeclaration
) -> Restatement:
    """Per-category differences from ``old`` to ``new`` (old categories first, then ones added)."""
    for label, item in (("earlier", old), ("restated", new)):
        if not isinstance(item, Declaration | PoolDeclaration):
            raise DeclarationError(f"The {label} figures are not a declaration.")
    if old.entity != new.entity:
        raise DeclarationError(
            f"These declarations are for different entities ('{old.entity}' and '{new.entity}'); "
            "a restatement compares two declarations of the same practice or pool."
        )
    old_by_name = {c.category: c for c in old.categories}
    new_by_name = {c.category: c for c in new.categories}
    names = list(old_by_name) + [n for n in new_by_name if n not in old_by_name]
    changes = []
    for name in names:
        before, after = old_by_name.get(name), new_by_name.get(name)
        if before is None:
            status = ChangeStatus.ADDED
        elif after is None:
            status = ChangeStatus.REMOVED
        elif before == after:
            status = ChangeStatus.UNCHANGED
        else:
            status = ChangeStatus.CHANGED
        changes.append(CategoryChange(category=name, status=status, old=before, new=after))
    return Restatement(
        entity=new.entity,
        changes=tuple(changes),
        old_freed_pence=old.freed_pence,
        new_freed_pence=new.freed_pence,
        old_overspent=old.overspent,
        new_overspent=new.overspent,
    )
