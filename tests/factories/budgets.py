"""Factories and builders for budgets: tariffs from the fixture files, published activity at the stored
grain (so figures are hand-checkable), list sizes, and budget versions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import factory

from activity import services as activity_services
from activity.models import ActivityAggregate, ExtractUpload
from budgets import services
from budgets.models import BudgetCategory
from pbc.models import FinancialYear, ListSize

FIXTURES = Path(__file__).resolve().parents[1] / "activity" / "fixtures"


def year(start: int) -> FinancialYear:
    return FinancialYear.objects.get_or_create(start_year=start)[0]


def tariff_2007(actor=None):
    """The 2007/08 fixture tariff: HA11A elective £5,000 / non-elective £2,000, FZ01Z, OP TF 300 (£150 first,
    £80 follow-up) and 330 (£120 / £70), MFF RD1 1.05."""
    read = lambda name: (FIXTURES / name).read_bytes()  # noqa: E731
    return activity_services.tariff_import(
        year=year(2007),
        files={
            "admitted": ("admitted.csv", read("admitted_2007.csv")),
            "outpatient": ("op.csv", read("outpatient_2007.csv")),
            "mff": ("mff.csv", read("mff_2007.csv")),
        },
        actor=actor,
    )


class ExtractUploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtractUpload

    dataset = "APC"
    filename = factory.Sequence(lambda n: f"extract{n}.csv")
    checksum = factory.Sequence(lambda n: f"{n:064d}")
    status = "succeeded"


def activity(
    *,
    pct,
    month: date,
    pod: str,
    practice=None,
    practice_code: str | None = None,
    provider: str = "RD1",
    tretspef: str = "",
    hrg: str = "",
    los_days: int | None = None,
    count: int = 1,
    cost_pence: int = 0,
    outcome: str = "costed",
    reason: str = "",
    upload=None,
) -> ActivityAggregate:
    """One published aggregate row (``cost_pence`` at the activity year's prices; re-costing ignores it)."""
    fy_start = month.year if month.month >= 4 else month.year - 1
    dataset = "OP" if pod.startswith("OP") else ("AE" if pod == "AE" else "APC")
    upload = upload or ExtractUploadFactory(pct=pct, year=year(fy_start), dataset=dataset)
    return ActivityAggregate.objects.create(
        upload=upload,
        pct=pct,
        dataset=dataset,
        practice=practice,
        practice_code=practice.code if practice else (practice_code or ""),
        month=month,
        pod=pod,
        provider=provider,
        tretspef=tretspef,
        hrg=hrg,
        los_days=los_days if pod in ("EL", "NEL") else None,
        outcome=outcome,
        reason=reason,
        price_reason="",
        activity=count,
        cost_pence=cost_pence,
        is_current=True,
    )


def list_size(practice, on: date, patients: int) -> ListSize:
    return ListSize.objects.create(practice=practice, extract_date=on, patients=patients)


def dermatology(pct, start_year: int = 2007, *, devolved: bool = True) -> BudgetCategory:
    return services.budget_category_create(
        pct=pct,
        year=year(start_year),
        code="DERM",
        name="Dermatology",
        pods=["OPFA", "OPFUP"],
        tretspefs=["330"],
        devolved=devolved,
        actor=None,
    )


DEFAULT_PARAMETERS = {
    "baseline_start": date(2006, 4, 1),
    "baseline_end": date(2007, 3, 1),
    "phasing": "flat",
}


def budget_set(pct, *, actor=None, start_year: int = 2007, **parameters):
    return services.budget_set_create(
        pct=pct, year=year(start_year), actor=actor, **{**DEFAULT_PARAMETERS, **parameters}
    )


def build_baseline(world) -> None:
    """The 2007/08 fixture tariff and a hand-checkable 2006/07 baseline (table in tests/budgets/conftest.py)."""
    from pbc.choices import Role

    pct = world.pct
    tariff_2007(actor=world.users[Role.PCT_FINANCE])
    year(2006)
    rows = [
        {"practice": world.practice, "month": date(2006, 6, 1), "pod": "NEL", "hrg": "HA11A", "los_days": 3, "count": 2},
        {"practice": world.practice, "month": date(2006, 7, 1), "pod": "OPFA", "tretspef": "300", "count": 10},
        {"practice": world.neighbour, "month": date(2006, 7, 1), "pod": "OPFA", "tretspef": "300", "count": 20},
        {"practice": world.far, "month": date(2007, 1, 1), "pod": "NEL", "hrg": "HA11A", "los_days": 3, "count": 1},
        {"practice": world.practice, "month": date(2006, 8, 1), "pod": "OPFA", "tretspef": "330", "count": 5},
        {
            "practice_code": "V81999", "month": date(2006, 6, 1), "pod": "NEL", "hrg": "HA11A", "los_days": 3,
            "outcome": "unattributed", "reason": "practice_code_default",
        },
        {"practice_code": "Y99999", "month": date(2006, 6, 1), "pod": "NEL", "hrg": "HA11A", "los_days": 3, "outcome": "non_pct"},
        {"practice": world.far, "month": date(2006, 9, 1), "pod": "EL", "hrg": "HA11A", "los_days": 2, "count": 1},
    ]  # fmt: skip
    upload = None
    for row in rows:
        made = activity(pct=pct, cost_pence=1, upload=upload if row.get("pod") != "OPFA" else None, **row)
        upload = upload or made.upload
    lists = [(world.practice, 5000, 5500), (world.neighbour, 4000, 4000), (world.far, 6000, 6000)]
    for practice, base, target in lists:
        list_size(practice, date(2006, 4, 1), base)
        list_size(practice, date(2007, 4, 1), target)
    list_size(world.foreign, date(2007, 4, 1), 3000)
