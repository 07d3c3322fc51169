"""The monthly practice referral report (issue 15 item 3; seed 002 Appendix 2 h): a practice's GP referrals
by provider (routine and urgent / two-week wait apart), this month and year to date, beside its budget
report lines (outpatient first and follow-up attendances, non-elective admissions… as the PCT's categories
are set) by provider, this month and YTD against budget.

It lives here, above ``activity``: referrals are read from ``activity.referrals`` and the budget figures
from the report rows this app computes.
"""

from __future__ import annotations

from datetime import date

from activity.referrals.choices import ReferralPriority, SourceGroup
from activity.referrals.selectors import referral_detail_counts
from budgets.constants import TOTAL
from budgets.selectors.reports import practice_dashboard
from pbc.fiscal import month_number
from pbc.models import FinancialYear, Practice

__all__ = ["practice_referral_report"]

URGENT = (ReferralPriority.URGENT, ReferralPriority.TWO_WEEK_WAIT)


def practice_referral_report(*, user, practice: Practice, year: FinancialYear, month: date) -> dict:
    """``referrals``: one row per provider — GP referrals this month (``gp``, of which ``gp_routine`` and
    ``gp_urgent`` = urgent or two-week wait), ``gp_ytd``, other sources this month and YTD; ``budget``:
    the practice's report rows of the month by category and provider (activity, cost, budget, YTD actual,
    YTD budget, variance); ``origin``: where the referrals came from. The caller has checked ``practice``
    is in the user's scope (through ``pbc.selectors.practice_get``)."""
    origin, counts = referral_detail_counts(pct_id=practice.pct_id, year=year.fy, practice_id=practice.pk)
    by_provider: dict[str, dict] = {}
    for row in counts.itertuples(index=False):
        if row.month > month:
            continue
        entry = by_provider.setdefault(
            row.provider,
            {"provider": row.provider, "gp": 0, "gp_routine": 0, "gp_urgent": 0, "gp_ytd": 0, "other": 0,
             "other_ytd": 0},
        )  # fmt: skip
        group = "gp" if row.source == SourceGroup.GP else "other"
        entry[f"{group}_ytd"] += int(row.referrals)
        if row.month == month:
            entry[group] += int(row.referrals)
            if group == "gp" and row.priority == ReferralPriority.ROUTINE:
                entry["gp_routine"] += int(row.referrals)
            elif group == "gp" and row.priority in URGENT:
                entry["gp_urgent"] += int(row.referrals)
    dashboard = practice_dashboard(user=user, practice=practice, year=year)
    names = {c["code"]: c["name"] for c in dashboard.categories}
    budget = sorted(
        (
            {**r, "category_name": names.get(r["category"], r["category"])}
            for r in dashboard.at(month_number(month))
            if r["category"] != TOTAL and r["provider"] != TOTAL
        ),
        key=lambda r: (r["category"], r["provider"]),
    )
    return {
        "origin": origin,
        "referrals": [by_provider[p] for p in sorted(by_provider)],
        "budget": budget,
        "run": dashboard.run,
    }
