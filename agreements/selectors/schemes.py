"""Reads of incentive schemes, achievements, LES sign-ups and year-end budget facts."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from agreements import incentives
from agreements.filters import (
    AchievementFilter,
    IncentiveSchemeFilter,
    LesSignUpFilter,
    SubstantialActionAgreementFilter,
    YearEndBudgetPositionFilter,
)
from agreements.models import (
    Achievement,
    AchievementAttachment,
    IncentiveScheme,
    LesSignUp,
    LesSignUpGp,
    SubstantialActionAgreement,
    YearEndBudgetPosition,
)
from agreements.selectors._common import filtered, get_or_404
from pbc.fiscal import FinancialYear
from pbc.models import Gp, Practice
from pbc.permissions import scope_queryset


def scheme_list(*, user, filters=None) -> QuerySet[IncentiveScheme]:
    qs = scope_queryset(IncentiveScheme.objects.select_related("pct"), user)
    return filtered(IncentiveSchemeFilter, qs, filters)


def scheme_get(*, user, pk: int) -> IncentiveScheme:
    return get_or_404(scheme_list(user=user), pk=pk)


def schemes_with_sign_up(*, user, practice: Practice) -> list[IncentiveScheme]:
    """The practice's PCT's schemes that have a sign-up payment (an LES to join)."""
    return [s for s in scheme_list(user=user).filter(pct=practice.pct_id) if s.has_sign_up]


def achievement_list(*, user, filters=None) -> QuerySet[Achievement]:
    qs = scope_queryset(
        Achievement.objects.select_related("scheme", "practice", "locality", "recorded_by"), user
    ).prefetch_related("attachments")
    return filtered(AchievementFilter, qs, filters)


def achievement_get(*, user, pk: int) -> Achievement:
    return get_or_404(achievement_list(user=user), pk=pk)


def attachment_get(*, user, pk: int) -> AchievementAttachment:
    qs = scope_queryset(AchievementAttachment.objects.select_related("achievement"), user)
    return get_or_404(qs, pk=pk)


def lessignup_list(*, user, filters=None) -> QuerySet[LesSignUp]:
    qs = scope_queryset(
        LesSignUp.objects.select_related("scheme", "practice", "locality", "signed_by"), user
    ).prefetch_related(Prefetch("gps", queryset=LesSignUpGp.objects.select_related("gp", "declared_by")))
    return filtered(LesSignUpFilter, qs, filters)


def lessignup_get(*, user, pk: int) -> LesSignUp:
    return get_or_404(lessignup_list(user=user), pk=pk)


def current_gps(*, practice: Practice, on: date) -> list[Gp]:
    """The practice's GPs on a date: joined on or before it and not left before it."""
    return list(
        practice.gps.filter(Q(joined__isnull=True) | Q(joined__lte=on))
        .filter(Q(left__isnull=True) | Q(left__gte=on))
        .order_by("name", "pk")
    )


def budget_position_list(*, user, filters=None) -> QuerySet[YearEndBudgetPosition]:
    qs = scope_queryset(YearEndBudgetPosition.objects.select_related("practice", "recorded_by"), user)
    return filtered(YearEndBudgetPositionFilter, qs, filters)


def budget_position_get(*, user, pk: int) -> YearEndBudgetPosition:
    return get_or_404(budget_position_list(user=user), pk=pk)


def substantial_action_list(
    *, user, filters=None, start_year: int | None = None
) -> QuerySet[SubstantialActionAgreement]:
    qs = scope_queryset(
        SubstantialActionAgreement.objects.select_related("practice", "locality", "recorded_by"), user
    )
    if start_year is not None:
        qs = qs.filter(start_year=start_year)
    return filtered(SubstantialActionAgreementFilter, qs, filters)


def substantial_action_get(*, user, pk: int) -> SubstantialActionAgreement:
    return get_or_404(substantial_action_list(user=user), pk=pk)


def practice_overspent(practice: Practice, year: FinancialYear | int) -> bool | None:
    """Whether the practice overspent its indicative budget in ``year``; ``None`` while not known.

    Read from the published budget reports: overspent when the year-to-date outturn at the year end is
    above the year-to-date budget over all the practice's devolved categories (``None`` until the reports
    hold the whole year). Only a year with no published reports falls back to the year-end position PCT
    finance records.
    """
    from budgets.selectors.outturn import practice_year_outturn

    start_year = year.start_year if isinstance(year, FinancialYear) else int(year)
    published = practice_year_outturn(practice=practice, start_year=start_year)
    if published is not None:
        return published.overspent
    return (
        YearEndBudgetPosition.objects.filter(practice=practice, start_year=start_year)
        .values_list("overspent", flat=True)
        .first()
    )


def substantial_action_agreed(practice: Practice, year: FinancialYear | int) -> bool:
    """Whether the practice's locality agreed it took substantial action to reduce spend in ``year``."""
    start_year = year.start_year if isinstance(year, FinancialYear) else int(year)
    return SubstantialActionAgreement.objects.filter(practice=practice, start_year=start_year).exists()


def scheme_template(key: str) -> dict:
    """A ready-made definition to start a scheme from (BANES, Hertfordshire, DES)."""
    makers = {
        "banes": incentives.banes_part2_2007_08,
        "herts": incentives.hertfordshire_les_2007_08,
        "des": incentives.des_2008_09,
    }
    return makers[key]().to_dict()
