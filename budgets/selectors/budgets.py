"""Reads of budget setting, narrowed to the user's scope. Versions before publication are seen only by
roles holding ``budgets.view_draft_budgets`` (PCT staff and auditors)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404

from budgets.budget_io import inputs_from_baseline, methodology_params
from budgets.choices import VISIBLE_TO_PRACTICES, BudgetStatus
from budgets.filters import BudgetCategoryFilter, BudgetLineFilter, BudgetSetFilter
from budgets.methodology import MethodologyError, WhatIfResult, what_if
from budgets.models import BudgetAdjustment, BudgetCategory, BudgetLine, BudgetSet
from pbc.exceptions import ApplicationError
from pbc.models import FinancialYear, Practice
from pbc.permissions import scope_queryset

__all__ = [
    "budget_category_list",
    "budget_line_get",
    "budget_line_list",
    "budget_set_current",
    "budget_set_get",
    "budget_set_list",
    "budget_set_what_if",
    "practice_budget_lines",
]


def _get(qs: QuerySet, **lookup):
    try:
        return qs.get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404("Not found, or not in your scope.") from exc


def _filtered(filterset_class, qs: QuerySet, filters) -> QuerySet:
    if filters is None:
        return qs
    fs = filterset_class(data=filters, queryset=qs)
    return fs.qs if fs.is_valid() else qs.none()


def sees_drafts(user) -> bool:
    return user.has_perm("budgets.view_draft_budgets")


def budget_category_list(*, user, filters=None) -> QuerySet[BudgetCategory]:
    qs = scope_queryset(BudgetCategory.objects.select_related("pct", "year"), user)
    return _filtered(BudgetCategoryFilter, qs, filters)


def budget_set_list(*, user, filters=None) -> QuerySet[BudgetSet]:
    qs = scope_queryset(
        BudgetSet.objects.select_related("pct", "year", "created_by", "approved_by", "published_by"), user
    )
    if not sees_drafts(user):
        qs = qs.filter(status__in=VISIBLE_TO_PRACTICES)
    return _filtered(BudgetSetFilter, qs, filters)


def budget_set_get(*, user, pk: int) -> BudgetSet:
    return _get(budget_set_list(user=user), pk=pk)


def budget_set_current(*, user, year: FinancialYear, pct=None) -> BudgetSet | None:
    """The version a user should look at for a year: the published one, else (for PCT staff) the open one."""
    qs = budget_set_list(user=user).filter(year=year)
    if pct is not None:
        qs = qs.filter(pct=pct)
    published = qs.filter(status=BudgetStatus.PUBLISHED).first()
    if published or not sees_drafts(user):
        return published
    return qs.order_by("-version").first()


def _visible_lines(user) -> QuerySet[BudgetLine]:
    qs = scope_queryset(
        BudgetLine.objects.select_related(
            "practice", "practice__locality", "budget_set", "budget_set__year", "budget_set__pct"
        ),
        user,
    )
    if not sees_drafts(user):
        qs = qs.filter(budget_set__status__in=VISIBLE_TO_PRACTICES)
    return qs


def budget_line_get(*, user, pk: int) -> BudgetLine:
    return _get(_visible_lines(user), pk=pk)


def budget_line_list(*, user, filters=None) -> QuerySet[BudgetLine]:
    """Budget lines with their steps. Without a ``budget_set`` or ``status`` filter, only lines of the
    published versions (what practices see)."""
    qs = _visible_lines(user)
    if not filters or not (filters.get("budget_set") or filters.get("status")):
        qs = qs.filter(budget_set__status=BudgetStatus.PUBLISHED)
    return _filtered(BudgetLineFilter, qs, filters).order_by(
        "budget_set__year__start_year", "practice__code", "budget_set__version", "pk"
    )


def practice_budget_lines(*, user, practice: Practice, budget_set: BudgetSet) -> list[BudgetLine]:
    """A practice's lines in a version, in category order; 404 when the user may not see them."""
    qs = scope_queryset(BudgetLine.objects.filter(budget_set=budget_set, practice=practice), user)
    if not sees_drafts(user) and budget_set.status not in VISIBLE_TO_PRACTICES:
        raise Http404("Not found, or not in your scope.")
    order = {c["code"]: i for i, c in enumerate(budget_set.categories)}
    return sorted(qs, key=lambda line: order.get(line.category, 99))


def budget_set_what_if(
    *,
    budget_set: BudgetSet,
    uplift_pct: Decimal | None = None,
    pace_of_change_pct: Decimal | None = None,
    risk_top_slice_pct: Decimal | None = None,
    risk_mode: str | None = None,
) -> WhatIfResult:
    """The whole PCT recomputed under other parameters, practice by practice; nothing is saved.

    Works on the version's saved baseline, so it needs no re-costing. An uplift given here replaces the
    overall uplift and every category's own uplift.
    """
    baseline = getattr(budget_set, "baseline", None)
    if baseline is None or not budget_set.is_calculated:
        raise ApplicationError("This version has not been calculated yet.")
    adjustments = list(
        BudgetAdjustment.objects.filter(budget_set=budget_set).select_related("practice").order_by("pk")
    )
    codes = tuple(c["code"] for c in budget_set.categories)
    inputs = inputs_from_baseline(categories=codes, baseline=baseline)
    known = {p.code for p in inputs.practices}
    adjustments = [a for a in adjustments if a.practice.code in known]
    weights = {k: Decimal(v) for k, v in budget_set.need_weights.items() if k in known}
    before = methodology_params(budget_set, adjustments=adjustments, need_weights=weights)
    overrides: dict = {}
    if uplift_pct is not None:
        overrides["uplift_pct"] = Decimal(uplift_pct)
        overrides["uplift_pct_by_category"] = {}
    if pace_of_change_pct is not None:
        overrides["pace_of_change_pct"] = Decimal(pace_of_change_pct)
        overrides["pace_of_change_pct_by_category"] = {}
    if risk_mode is not None:
        overrides["risk_mode"] = risk_mode
    if risk_top_slice_pct is not None:
        overrides["risk_top_slice_pct"] = Decimal(risk_top_slice_pct)
        if risk_mode is None and Decimal(risk_top_slice_pct) > 0:
            overrides["risk_mode"] = "top_slice"
    if overrides.get("risk_mode") == "threshold" and budget_set.risk_mode != "threshold":
        raise ApplicationError("A what-if can hold high-cost spells only with the version's own threshold.")
    after = methodology_params(budget_set, adjustments=adjustments, need_weights=weights, **overrides)

    try:
        return what_if(params_a=before, params_b=after, inputs=inputs)
    except MethodologyError as exc:
        raise ApplicationError(str(exc)) from exc
