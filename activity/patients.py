"""High-cost patients and frequent attenders (DOMAIN section 10): per practice, the patients whose hospital
activity cost most, or who were admitted or attended most, in a financial year. Patients are shown only as
a per-practice rank and a prefix of the keyed hash of their pseudonym (never the pseudonym itself)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from activity.choices import DatasetChoice
from activity.validation.models import ActivityLine
from pbc.fiscal import FinancialYear as FY
from pbc.permissions import scope_queryset

HASH_SHOWN = 12  # characters of the keyed hash a person sees: enough to tell patients apart in a practice
ORDERINGS = {
    "cost": ("-cost", "-events"),
    "admissions": ("-admissions", "-cost"),
    "attendances": ("-attendances", "-cost"),
}


@dataclass
class RankedPatient:
    rank: int
    patient: str
    cost_pence: int
    admissions: int
    attendances: int
    lines: list = field(default_factory=list)


def concentration(costs_pence: list[int], *, top: int = 10) -> dict:
    """How concentrated a practice's cost is: the share (0–1, four places) that its ``top`` costliest
    patients and its costliest 1% of patients account for. Pure: costs are per patient, any order."""
    ordered = sorted((c for c in costs_pence if c > 0), reverse=True)
    total = sum(ordered)
    if not total:
        return {"patients": len(ordered), "top_share": None, "top_1pct_share": None}
    one_pct = max(1, len(ordered) // 100)

    def share(part: int) -> Decimal:
        return (Decimal(part) / Decimal(total)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    return {
        "patients": len(ordered),
        "top_share": share(sum(ordered[:top])),
        "top_1pct_share": share(sum(ordered[:one_pct])),
    }


def _year_lines(*, user, year: FY):
    start, end = year.start, year.end
    return scope_queryset(
        ActivityLine.objects.current().filter(month__gte=start, month__lte=end).exclude(patient_key=""), user
    )


def high_cost_patients(*, user, practice_code: str, year: FY, by: str = "cost", limit: int = 20) -> list:
    """The practice's top ``limit`` patients of the year ordered ``by`` cost, admissions or attendances,
    each with its lines (date, dataset, POD, provider, HRG, cost). Two queries whatever the limit."""
    lines = _year_lines(user=user, year=year).filter(practice_code=practice_code)
    totals = (
        lines.values("patient_key")
        .annotate(
            cost=Sum("cost_pence"),
            events=Count("pk"),
            admissions=Count("pk", filter=Q(dataset=DatasetChoice.APC)),
            attendances=Count("pk", filter=~Q(dataset=DatasetChoice.APC)),
        )
        .order_by(*ORDERINGS[by], "patient_key")[:limit]
    )
    ranked = {
        row["patient_key"]: RankedPatient(
            rank, row["patient_key"][:HASH_SHOWN], row["cost"] or 0, row["admissions"], row["attendances"]
        )
        for rank, row in enumerate(totals, start=1)
    }
    for line in (
        lines.filter(patient_key__in=list(ranked))
        .order_by("activity_date", "pk")
        .values(
            "patient_key",
            "pk",
            "activity_date",
            "dataset",
            "pod",
            "provider",
            "hrg",
            "tretspef",
            "cost_pence",
        )
    ):
        ranked[line.pop("patient_key")].lines.append(line)
    return list(ranked.values())


def cost_concentration(*, user, year: FY, top: int = 10) -> list[dict]:
    """Per practice in scope: patients with activity, cost, and the shares of its top patients."""
    per_patient: dict[str, list[int]] = {}
    for code, cost in (
        _year_lines(user=user, year=year)
        .values("practice_code", "patient_key")
        .annotate(cost=Sum("cost_pence"))
        .values_list("practice_code", "cost")
    ):
        per_patient.setdefault(code, []).append(cost or 0)
    return [
        {"practice": code, "cost_pence": sum(costs), **concentration(costs, top=top)}
        for code, costs in sorted(per_patient.items())
    ]
