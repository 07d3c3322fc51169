"""Demo budgets for the demo PCT: tariffs for last year and this year, synthetic SUS extracts (last year in
full, this year to date), a published budget version set from last year's activity, and the reports.

Call :func:`seed_budgets_demo` after ``pbc.demo.seed_demo`` (it needs the demo PCT, practices, list sizes and
users). Running it again changes nothing once this year's budgets are published. Everything goes through the
real services — tariff import, extract upload and costing, budget setting, approval, publication, report
recompute — so the demo shows what a PCT would see.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import random
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from activity import services as activity_services
from activity.choices import UploadStatus
from activity.models import ExtractUpload, TariffVersion
from budgets import services
from budgets.choices import BudgetStatus
from budgets.models import BudgetCategory, BudgetSet
from pbc.fiscal import FinancialYear as FY
from pbc.fiscal import fy_of
from pbc.models import FinancialYear, ListSize, Pct, Practice

logger = logging.getLogger(__name__)
DEMO_JOB_TIMEOUT_SECONDS = 600  # a worker processes the demo extracts in seconds

__all__ = ["seed_budgets_demo"]

# HRG, name, elective £, non-elective £, elective trim, non-elective trim, excess bed day £, day case £, SSEM £
_ADMITTED = [
    ("HA11A", "Hip replacement", 5800, 6500, 5, 12, 250, None, None),
    ("HB21B", "Knee replacement", 5400, 6000, 5, 12, 250, None, None),
    ("FZ38E", "Endoscopic or intermediate procedures", 700, 900, 2, 4, 200, 600, 500),
    ("EB03C", "Heart failure or shock", 2300, 2600, 9, 14, 220, None, 900),
    ("DZ11B", "Lobar, atypical or viral pneumonia", 2000, 2200, 8, 12, 210, None, 800),
    ("LA04A", "Kidney or urinary tract infections", 1700, 1900, 6, 9, 200, None, 700),
    ("AA22Z", "Non-transient stroke", 3900, 4200, 15, 20, 230, None, None),
    ("PA14A", "Childhood asthma", 800, 900, 2, 3, 190, None, 450),
    ("MA07E", "Phakoemulsification cataract extraction", 900, 1000, 1, 2, 180, 850, None),
    ("JC41Z", "Skin lesion excision", 620, 700, 1, 2, 180, 560, None),
    ("LB25E", "Transurethral prostate resection", 2100, 2300, 4, 6, 200, None, None),
    ("WA14Z", "Other admitted care", 1100, 1200, 4, 6, 190, 900, 500),
]
# Treatment function, first attendance £, follow-up £
_OUTPATIENT = [
    ("100", 160, 85), ("101", 170, 90), ("110", 150, 80), ("120", 130, 75), ("130", 120, 65), ("300", 190, 100),
    ("301", 200, 105), ("320", 180, 95), ("330", 110, 60), ("340", 190, 100), ("502", 150, 85),
]  # fmt: skip
_MFF = {"RD1": "1.02000", "RA7": "1.05000", "RVJ": "1.04000"}
_PROVIDER_SHARE = [("RD1", 0.6), ("RA7", 0.25), ("RVJ", 0.15)]
# Elective HRGs (with the treatment function they are seen under) and non-elective ones.
_ELECTIVE = [("HA11A", "110"), ("HB21B", "110"), ("FZ38E", "301"), ("MA07E", "130"), ("JC41Z", "330"),
             ("LB25E", "101"), ("WA14Z", "100")]  # fmt: skip
_EMERGENCY = [("EB03C", "320"), ("DZ11B", "340"), ("LA04A", "300"), ("AA22Z", "300"), ("PA14A", "420"),
              ("WA14Z", "300"), ("HA11A", "110")]  # fmt: skip
# Spells or attendances per 1,000 registered patients a year.
_RATES = {"EL": 42.0, "NEL": 48.0, "OPFA": 95.0, "OPFUP": 140.0}
_NEL_SEASON = [0.95, 0.92, 0.9, 0.92, 0.9, 0.95, 1.0, 1.05, 1.15, 1.2, 1.1, 1.0]  # April first
_EL_SEASON = [1.0, 1.05, 1.0, 1.0, 0.85, 1.0, 1.05, 1.05, 0.85, 1.0, 1.05, 1.1]


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode()


def _price(pounds: float | None, factor: float) -> str:
    return "" if pounds is None else f"{round(pounds * factor, 2):.2f}"


def _tariff(year: FinancialYear, factor: float, actor) -> None:
    if TariffVersion.objects.filter(year=year, is_current=True).exists():
        return
    admitted = _csv(
        ["HRG", "HRG_NAME", "ELECTIVE_TARIFF", "NON_ELECTIVE_TARIFF", "ELECTIVE_TRIMPOINT_DAYS",
         "NON_ELECTIVE_TRIMPOINT_DAYS", "EXCESS_BED_DAY", "DAY_CASE_TARIFF", "SSEM_TARIFF"],
        [[h, n, _price(el, factor), _price(nel, factor), et, nt, _price(xs, factor), _price(dc, factor),
          _price(ss, factor)] for h, n, el, nel, et, nt, xs, dc, ss in _ADMITTED],
    )  # fmt: skip
    outpatient = _csv(
        ["TRETSPEF", "FIRST_ATTENDANCE", "FOLLOW_UP_ATTENDANCE"],
        [[tf, _price(first, factor), _price(fu, factor)] for tf, first, fu in _OUTPATIENT],
    )
    mff = _csv(["PROCODE3", "MFF"], [[p, m] for p, m in _MFF.items()])
    activity_services.tariff_import(
        year=year,
        files={
            "admitted": ("demo_admitted.csv", admitted),
            "outpatient": ("demo_outpatient.csv", outpatient),
            "mff": ("demo_mff.csv", mff),
        },
        actor=actor,
    )


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, int(round(rng.gauss(mean, math.sqrt(mean)))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _provider(rng: random.Random) -> str:
    draw, total = rng.random(), 0.0
    for code, share in _PROVIDER_SHARE:
        total += share
        if draw <= total:
            return code
    return _PROVIDER_SHARE[-1][0]


def _day_in(month: date, last: date, rng: random.Random) -> date:
    end = min(date(month.year + (month.month == 12), month.month % 12 + 1, 1) - timedelta(days=1), last)
    return month + timedelta(days=rng.randint(0, max(0, (end - month).days)))


def _extracts(
    *,
    fy: FY,
    months: list[date],
    last_day: date,
    practices: list[tuple[str, int, dict]],
    growth: float,
    seed: int,
) -> tuple[bytes, bytes]:
    """An APC spell file and an OP attendance file for the months given."""
    rng = random.Random(seed)
    apc, op = [], []
    spell = attend = 0
    for month in months:
        m = (month.month - 4) % 12
        for code, patients, propensity in practices:
            per_month = patients / 1000 / 12 * growth
            for pod, rate in _RATES.items():
                season = _NEL_SEASON[m] if pod == "NEL" else _EL_SEASON[m]
                n = _poisson(rng, rate * per_month * season * propensity.get(pod, 1.0))
                for _ in range(n):
                    gp = code
                    draw = rng.random()
                    if pod in ("EL", "NEL") and draw < 0.012:
                        gp = rng.choice(["", "V81999", "X9"])  # missing, default or invalid: unattributed
                    elif draw < 0.017:
                        gp = "B82005"  # a practice of another PCT
                    provider = _provider(rng)
                    if pod in ("EL", "NEL"):
                        spell += 1
                        hrg, tf = rng.choice(_ELECTIVE if pod == "EL" else _EMERGENCY)
                        stay = (
                            0 if pod == "EL" and rng.random() < 0.55 else max(1, int(rng.expovariate(1 / 4)))
                        )
                        discharge = _day_in(month, last_day, rng)
                        admission = max(fy.start - timedelta(days=30), discharge - timedelta(days=stay))
                        method = rng.choice(["11", "12"]) if pod == "EL" else rng.choice(["21", "22", "28"])
                        classpat = "2" if pod == "EL" and stay == 0 else "1"
                        age = rng.randint(1, 95)
                        apc.append([f"S{seed}{spell:07d}", f"P{rng.randint(1, 10**8):09d}", gp, provider, tf, hrg,
                                    admission.isoformat(), discharge.isoformat(), method, classpat,
                                    (discharge - admission).days, age])  # fmt: skip
                    else:
                        attend += 1
                        tf = rng.choice(_OUTPATIENT)[0]
                        attended = "5" if rng.random() > 0.07 else "3"
                        first = "1" if pod == "OPFA" else "2"
                        op.append([f"A{seed}{attend:08d}", f"P{rng.randint(1, 10**8):09d}", gp, provider,
                                   _day_in(month, last_day, rng).isoformat(), tf, first, attended])  # fmt: skip
    apc_bytes = _csv(
        ["SUSSPELLID", "PSEUDO_HESID", "GPPRAC", "PROCODE3", "TRETSPEF", "SUSHRG", "ADMIDATE", "DISDATE", "ADMIMETH",
         "CLASSPAT", "SPELDUR", "STARTAGE"],
        apc,
    )  # fmt: skip
    op_bytes = _csv(
        ["ATTENDKEY", "PSEUDO_HESID", "GPPRAC", "PROCODE3", "APPTDATE", "TRETSPEF", "FIRSTATT", "ATTENDED"],
        op,
    )
    return apc_bytes, op_bytes


def _upload(pct: Pct, year: FinancialYear, dataset: str, data: bytes, name: str, actor) -> None:
    if ExtractUpload.objects.filter(
        pct=pct, year=year, dataset=dataset, status=UploadStatus.SUCCEEDED
    ).exists():
        return
    stored = activity_services.extract_upload_create(
        pct=pct, dataset=dataset, year=year, upload=ContentFile(data, name=name), filename=name, actor=actor
    )
    # The job runs on the queue, never beside it. An eager queue runs it at commit, which a caller's
    # transaction may hold back: run the queued task now (a later run finds it done and does nothing).
    # With real workers, wait for them.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        from activity.tasks import extract_process_task

        extract_process_task.apply(args=(stored.pk,))
    done = activity_services.extract_wait(upload_id=stored.pk, timeout=DEMO_JOB_TIMEOUT_SECONDS)
    if done.status != UploadStatus.SUCCEEDED:
        raise RuntimeError(f"The demo extract {name} failed: {done.error}")


def _months(fy: FY, today: date) -> tuple[list[date], date]:
    """The months of a year with data: all of a past year; this year's complete months (or, early in
    April, the days so far)."""
    if today > fy.end:
        return fy.months(), fy.end
    first_of_month = today.replace(day=1)
    complete = [m for m in fy.months() if m < first_of_month]
    if complete:
        return complete, first_of_month - timedelta(days=1)
    yesterday = today - timedelta(days=1)
    return ([first_of_month] if yesterday >= first_of_month else []), yesterday


def seed_budgets_demo(*, pct_code: str = "5WV", today: date | None = None) -> str:
    """Build the demo's tariffs, extracts, published budgets and reports (once). Returns what it did."""
    today = today or timezone.localdate()
    pct = Pct.objects.get(code=pct_code)
    this = fy_of(today)
    last = this.previous()
    year_this = FinancialYear.objects.get_or_create(start_year=this.start_year)[0]
    year_last = FinancialYear.objects.get_or_create(start_year=last.start_year)[0]
    if BudgetSet.objects.filter(pct=pct, year=year_this, status=BudgetStatus.PUBLISHED).exists():
        return f"{this} budgets are already published."
    users = get_user_model().objects
    finance = users.filter(memberships__pct=pct, memberships__role="pct_finance").first()
    information = users.filter(memberships__pct=pct, memberships__role="pct_information").first() or finance
    _tariff(year_last, 1.0, information)
    _tariff(year_this, 1.03, information)

    practices = []
    rng = random.Random(20070401)
    for index, practice in enumerate(Practice.objects.filter(pct=pct).order_by("code")):
        size = (
            ListSize.objects.filter(practice=practice, extract_date__lte=this.start)
            .order_by("-extract_date")
            .values_list("patients", flat=True)
            .first()
            or 6000
        )
        propensity = {pod: math.exp(rng.gauss(0, 0.04)) for pod in _RATES}
        if index == 3:
            propensity["NEL"] = 1.55  # an outlier for emergency admissions
        if index == 7:
            propensity["OPFA"] = 0.6  # and one for first outpatient attendances
        practices.append((practice.code, size, propensity))

    for fy, year, growth, seed in ((last, year_last, 1.0, 1), (this, year_this, 1.06, 2)):
        months, last_day = _months(fy, today)
        if not months:
            continue
        apc, op = _extracts(
            fy=fy, months=months, last_day=last_day, practices=practices, growth=growth, seed=seed
        )
        _upload(pct, year, "APC", apc, f"demo_sus_apc_{fy.start_year}.csv", information)
        _upload(pct, year, "OP", op, f"demo_sus_op_{fy.start_year}.csv", information)

    # BANES 2007/08: outpatients (first and follow-up), non-elective admissions and dermatology devolved to
    # practices; the rest monitored at consortium level.
    services.budget_categories_for(pct=pct, year=year_this, actor=finance)
    if not BudgetCategory.objects.filter(pct=pct, year=year_this, code="DERM").exists():
        services.budget_category_create(
            pct=pct, year=year_this, code="DERM", name="Dermatology", pods=["OPFA", "OPFUP"], tretspefs=["330"],
            devolved=True, actor=finance,
        )  # fmt: skip
    for category in BudgetCategory.objects.filter(
        pct=pct, year=year_this, code__in=["EL", "DC", "OPPROC", "AE"]
    ):
        if category.devolved:
            services.budget_category_update(category=category, actor=finance, devolved=False)

    weights = {code: f"{0.85 + (i * 37 % 40) / 100:.2f}" for i, (code, _, _) in enumerate(practices)}
    budget_set = BudgetSet.objects.filter(pct=pct, year=year_this, status__in=("draft", "approved")).first()
    if budget_set is None:
        budget_set = services.budget_set_create(
            pct=pct,
            year=year_this,
            actor=finance,
            label="Demo: default methodology",
            baseline_start=last.start,
            baseline_end=last.month(12),
            uplift_pct="3.0",
            uplift_by_category={"NEL": "4.5"},
            pace_of_change_pct="10",
            need_weights=weights,
            risk_mode="top_slice",
            risk_top_slice_pct="1.0",
            unattributed="central",
            phasing="seasonal",
        )
        # A resource 0.5% short of what the methodology asks for, so scaling shows.
        services.budget_set_update(
            budget_set=budget_set,
            actor=finance,
            resource_pence=budget_set.total_before_scaling_pence * 995 // 1000,
        )
        practice = Practice.objects.filter(pct=pct).order_by("code")[1]
        services.budget_adjustment_add(
            budget_set=budget_set, practice=practice, category="OPFUP", amount_pence=-1_500_000,
            reason="Anticoagulation follow-ups moved to the practice's own clinic", actor=finance,
        )  # fmt: skip
    if budget_set.status == BudgetStatus.DRAFT:
        services.budget_set_approve(
            budget_set=budget_set, actor=finance, reason="Agreed at the PBC finance group"
        )
    services.budget_set_publish(
        budget_set=budget_set, actor=finance, reason="Indicative budgets for practices"
    )
    for year in (year_last, year_this):
        services.report_recompute(pct=pct, year=year, trigger="demo")
    return f"{this} budgets published (version {budget_set.version}); reports for {last} and {this} computed."
