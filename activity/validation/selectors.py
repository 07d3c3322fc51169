"""Reads of validation, narrowed to the user's scope."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from activity.validation import rules
from activity.validation.choices import ChallengeStatus, ReturnStatus
from activity.validation.models import (
    ActivityAdjustment,
    ActivityChallenge,
    ActivityLine,
    ValidationMonthClosure,
    ValidationReturn,
)
from pbc.fiscal import FinancialYear as FY
from pbc.models import Practice
from pbc.permissions import scope_queryset

__all__ = [
    "activity_adjustments_counted",
    "activity_challenge_get",
    "activity_challenge_list",
    "activity_line_get",
    "activity_line_list",
    "month_is_closed",
    "provider_query_list",
    "returned_months",
    "validation_return_list",
    "validation_return_statuses",
]


def _filtered(qs: QuerySet, filterset_class, filters):
    if filters is None:
        return qs
    fs = filterset_class(data=filters, queryset=qs)
    return fs.qs if fs.is_valid() else qs.none()


def month_is_closed(*, pct_id: int, month: date, today: date | None = None) -> bool:
    """Whether a month's lines may no longer be challenged (the rule and its setting: ``rules``)."""
    return rules.month_is_closed(
        month,
        today=today or timezone.localdate(),
        close_days=settings.PBC_VALIDATION_CLOSE_DAYS,
        closed_by_pct=ValidationMonthClosure.objects.filter(pct_id=pct_id, month=month).exists(),
    )


def activity_line_list(*, user, filters=None) -> QuerySet[ActivityLine]:
    """The published lines in the user's scope, each with the status of its latest challenge."""
    from activity.validation.filters import ActivityLineFilter

    latest = ActivityChallenge.objects.filter(line=OuterRef("pk")).order_by("-raised_at", "-pk")
    qs = scope_queryset(
        ActivityLine.objects.current()
        .select_related("practice")
        .annotate(
            challenge_status=Subquery(latest.values("status")[:1]),
            challenge_id=Subquery(latest.values("pk")[:1]),
        ),
        user,
    ).order_by("month", "practice_code", "activity_date", "provider", "pk")
    return _filtered(qs, ActivityLineFilter, filters)


def activity_line_get(*, user, pk: int) -> ActivityLine:
    try:
        return activity_line_list(user=user).get(pk=pk)
    except ActivityLine.DoesNotExist as exc:
        raise Http404("No such activity line, or not in your scope.") from exc


def activity_challenge_list(*, user, filters=None) -> QuerySet[ActivityChallenge]:
    from activity.validation.filters import ActivityChallengeFilter

    qs = scope_queryset(
        ActivityChallenge.objects.select_related("line", "practice", "raised_by", "decided_by"), user
    )
    return _filtered(qs, ActivityChallengeFilter, filters)


def activity_challenge_get(*, user, pk: int) -> ActivityChallenge:
    try:
        return activity_challenge_list(user=user).get(pk=pk)
    except ActivityChallenge.DoesNotExist as exc:
        raise Http404("No such challenge, or not in your scope.") from exc


def activity_adjustments_counted(*, pct_id: int, start: date, end: date) -> QuerySet[ActivityAdjustment]:
    """The adjustments that count for a PCT's months (what the reports add to published activity)."""
    return ActivityAdjustment.objects.counted().filter(pct_id=pct_id, month__gte=start, month__lte=end)


def provider_query_list(*, user, provider: str, filters=None) -> QuerySet[ActivityChallenge]:
    """The accepted challenges of a provider's activity: the query list for its contract manager."""
    qs = activity_challenge_list(user=user, filters=filters).filter(
        provider__iexact=provider, status=ChallengeStatus.ACCEPTED
    )
    return qs.select_related("line", "practice", "adjustment").order_by("month", "practice__code", "pk")


def validation_return_list(*, user) -> QuerySet[ValidationReturn]:
    return scope_queryset(ValidationReturn.objects.select_related("practice", "submitted_by"), user)


def validation_return_statuses(
    *, user, year: FY, practice: str | None = None, status: str | None = None, today: date | None = None
) -> list[dict]:
    """Returned / late / missing / due for each practice in scope and each month of ``year`` that has
    started, practice by practice (the PCT's view of the monthly returns)."""
    today = today or timezone.localdate()
    due_days = settings.PBC_VALIDATION_RETURN_DAYS
    practices = scope_queryset(Practice.objects.all(), user).order_by("code")
    if practice:
        practices = practices.filter(code__iexact=practice)
    months = [m for m in year.months() if m <= today]
    submitted = {
        (r.practice_id, r.month): r
        for r in validation_return_list(user=user).filter(month__gte=year.start, month__lte=year.end)
    }
    rows = []
    for p in practices.only("pk", "code", "name"):
        for month in months:
            returned = submitted.get((p.pk, month))
            on = timezone.localtime(returned.submitted_at).date() if returned else None
            state = rules.return_status(month, submitted_on=on, today=today, due_days=due_days)
            if status and state != status:
                continue
            rows.append(
                {
                    "practice": p.code,
                    "practice_name": p.name,
                    "month": month,
                    "status": state.value,
                    "status_label": ReturnStatus(state).label,
                    "due": rules.return_due(month, due_days),
                    "submitted_at": returned.submitted_at if returned else None,
                    "submitted_by": str(returned.submitted_by) if returned else "",
                    "challenges": returned.challenges if returned else None,
                }
            )
    return rows


def returned_months(practice: Practice, financial_year: FY) -> set[date]:
    """First days of the months of ``financial_year`` for which ``practice`` made its validation return
    (on time or late). Hertfordshire objective 2 is payable only for these months."""
    return set(
        ValidationReturn.objects.filter(
            practice=practice, month__gte=financial_year.start, month__lte=financial_year.end
        ).values_list("month", flat=True)
    )
