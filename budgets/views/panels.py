"""Home-page panels: a practice manager's position this year; PCT finance's budget status and RAG counts.

Kept to two or three queries: roles come from the user's cached scope and permissions.
"""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from budgets.constants import TOTAL
from budgets.models import BudgetSet, ReportRow, ReportRun
from pbc.fiscal import fy_of
from pbc.models import Practice
from pbc.permissions import user_scope


def _latest_run(pct_ids) -> ReportRun | None:
    """The latest report run of this financial year or, failing that, the latest year before it."""
    this_year = fy_of(timezone.localdate()).start_year
    return (
        ReportRun.objects.filter(pct_id__in=pct_ids, year__start_year__lte=this_year)
        .select_related("year")
        .order_by("-year__start_year", "-finished", "-pk")
        .first()
    )


def _month(run: ReportRun | None) -> int:
    return (run.current_to.month - 4) % 12 + 1 if run and run.current_to else 1


def budget_panel(request) -> dict | None:
    user = request.user
    if not user.has_perm("budgets.view_reportrow"):
        return None
    scope = user_scope(user)
    practice_ids = scope.practice_ids
    finance = user.has_perm("budgets.publish_budgetset") and scope.pct_ids
    if not practice_ids and not finance:
        return None
    panel: dict = {"template": "budgets/panels/budgets.html", "positions": [], "finance": None}
    if practice_ids:
        run = _latest_run(Practice.objects.filter(pk__in=sorted(practice_ids)).values("pct_id"))
        if run is not None:
            panel.update(year=run.year, run=run)
            panel["positions"] = list(
                ReportRow.objects.filter(
                    year=run.year,
                    level="practice",
                    practice_id__in=sorted(practice_ids),
                    category=TOTAL,
                    provider=TOTAL,
                    month=_month(run),
                ).select_related("practice")
            )
    if finance:
        run = _latest_run(sorted(scope.pct_ids))
        sets = list(
            BudgetSet.objects.filter(pct_id__in=scope.pct_ids)
            .select_related("year")
            .order_by("-year__start_year", "-version")[:6]
        )
        rag = {}
        if run is not None:
            panel.update(year=run.year, run=run)
            rag = dict(
                ReportRow.objects.filter(
                    pct_id=run.pct_id,
                    year=run.year,
                    level="practice",
                    category=TOTAL,
                    provider=TOTAL,
                    month=_month(run),
                )
                .values_list("rag")
                .annotate(n=Count("pk"))
                .values_list("rag", "n")
            )
        panel["finance"] = {"sets": sets, "rag": {k or "none": v for k, v in rag.items()}}
    return panel
