"""Small helpers shared by the budget and report pages."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from pbc.fiscal import FinancialYear as FY
from pbc.fiscal import fy_of
from pbc.models import FinancialYear, Pct
from pbc.selectors import home_pct


def user_pct(user) -> Pct:
    pct = home_pct(user=user)
    if pct is None:
        raise Http404("You are not a member of a PCT.")
    return pct


def year_from(request, *, choices: list[FinancialYear] | None = None, default: FinancialYear | None = None):
    """The ``?year=2007/08`` of a request (404 for a year the PCT does not work in)."""
    label = (request.GET.get("year") or "").strip()
    if label:
        try:
            start = FY.parse(label).start_year if "/" in label else int(label)
        except ValueError as exc:
            raise Http404("No such financial year.") from exc
        year = next((y for y in choices or [] if y.start_year == start), None) or (
            FinancialYear.objects.filter(start_year=start).first()
        )
        if year is None:
            raise Http404("No such financial year.")
        return year
    if default is not None:
        return default
    if choices:
        return choices[0]
    today = fy_of(timezone.localdate()).start_year
    return FinancialYear.objects.filter(start_year__lte=today).order_by("-start_year").first()
