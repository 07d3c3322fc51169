"""Between stored budget versions and the pure methodology: parameters and inputs as its dataclasses.

No queries: callers pass the rows they loaded (a version, its adjustments, its saved baseline).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from budgets.methodology import BudgetInputs, LocalAdjustment, MethodologyParams, PracticeInput
from budgets.reporting import RagThresholds


def _decimals(mapping: dict) -> dict[str, Decimal]:
    return {k: Decimal(str(v)) for k, v in (mapping or {}).items()}


def methodology_params(budget_set, *, adjustments=(), **overrides) -> MethodologyParams:
    """The methodology's parameters of a version (``overrides`` replace fields, for a what-if)."""
    values = {
        "resource_pence": budget_set.effective_resource_pence,
        "label": budget_set.label or f"version {budget_set.version}",
        "target_year": budget_set.year.fy,
        "baseline_period": budget_set.baseline_label,
        "uplift_pct": Decimal(budget_set.uplift_pct),
        "uplift_pct_by_category": _decimals(budget_set.uplift_by_category),
        "list_size_adjustment": budget_set.list_size_adjustment,
        "adjustments": tuple(
            LocalAdjustment(
                practice_code=a.practice.code, category=a.category, pence=a.amount_pence, reason=a.reason
            )
            for a in adjustments
        ),
        "need_weights": _decimals(budget_set.need_weights),
        "pace_of_change_pct": Decimal(budget_set.pace_of_change_pct),
        "pace_of_change_pct_by_category": _decimals(budget_set.pace_by_category),
        "risk_mode": budget_set.risk_mode,
        "risk_top_slice_pct": Decimal(budget_set.risk_top_slice_pct),
        "risk_threshold_pence": budget_set.risk_threshold_pence,
        "unattributed": budget_set.unattributed,
        "unattributed_share_basis": budget_set.unattributed_share_basis,
    }
    values.update(overrides)
    return MethodologyParams(**values)


def inputs_from_baseline(*, categories: tuple[str, ...], baseline) -> BudgetInputs:
    """The methodology's inputs from a version's saved baseline (``BudgetBaseline``)."""
    lines: dict[tuple[str, str], int] = defaultdict(int)
    for code, category, _provider, pence in baseline.lines:
        lines[(code, category)] += int(pence)
    high_cost = {tuple(key.split("|", 1)): int(pence) for key, pence in baseline.high_cost.items()}
    practices = tuple(
        PracticeInput(code=code, base_list_size=int(base), target_list_size=int(target))
        for code, (base, target) in sorted(baseline.lists.items())
    )
    return BudgetInputs(
        categories=categories,
        practices=practices,
        baseline_pence=dict(lines),
        unattributed_pence={k: int(v) for k, v in baseline.unattributed.items()},
        high_cost_pence=high_cost,
    )


def rag_thresholds(budget_set) -> RagThresholds:
    if budget_set is None:
        return RagThresholds()
    return RagThresholds(
        green_max_pct=budget_set.rag_green_max_pct, amber_max_pct=budget_set.rag_amber_max_pct
    )
