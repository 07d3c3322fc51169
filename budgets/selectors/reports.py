"""Reads of the monthly reports and dashboards, narrowed to the user's scope.

Dashboards read stored report rows only (a handful of queries, whatever the PCT's size); the drill-down to
specialty and HRG and the peer comparison read the published activity and the peer counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from activity.extract_schema import Outcome
from activity.models import ActivityAggregate
from budgets.categories import CategorySpec
from budgets.constants import PEER_PODS, TOTAL
from budgets.filters import ReportRowFilter
from budgets.models import PeerActivity, ReportRow, ReportRun
from budgets.reporting import funnel_curve, funnel_limits
from pbc.fiscal import FinancialYear as FY
from pbc.fiscal import fy_of
from pbc.models import FinancialYear, ListSize, Locality, Pct, Practice
from pbc.money import format_gbp
from pbc.permissions import scope_queryset, user_scope

__all__ = [
    "Dashboard",
    "drilldown",
    "overview",
    "peer_comparison",
    "practice_budget_position",
    "practice_dashboard",
    "report_row_list",
    "report_run_latest",
    "report_years",
]

DASHBOARD_CACHE_SECONDS = 60 * 60  # rows are keyed by their report run, so this only bounds memory

_VALUE_FIELDS = (
    "level",
    "practice_id",
    "locality_id",
    "month",
    "month_start",
    "category",
    "provider",
    "activity_count",
    "ytd_activity_count",
    "actual_pence",
    "budget_pence",
    "annual_budget_pence",
    "ytd_budget_pence",
    "ytd_actual_pence",
    "variance_pence",
    "variance_tenths",
    "forecast_outturn_pence",
    "forecast_variance_pence",
    "rag",
    "is_future",
)


def report_row_list(*, user, filters=None) -> QuerySet[ReportRow]:
    qs = scope_queryset(ReportRow.objects.select_related("year", "practice", "locality", "pct"), user)
    if filters is not None:
        fs = ReportRowFilter(data=filters, queryset=qs)
        qs = fs.qs if fs.is_valid() else qs.none()
    # Rows are written a year at a time in report order (level, organisation, category, provider, month),
    # so the primary key keeps that order and any filtered page comes straight off an index.
    return qs.order_by("pk")


def report_run_latest(*, pct: Pct | int, year: FinancialYear | int) -> ReportRun | None:
    return (
        ReportRun.objects.filter(pct=pct, year=year)
        .select_related("budget_set", "budget_set__published_by")
        .order_by("-finished", "-pk")
        .first()
    )


def report_years(*, pct: Pct | int) -> list[FinancialYear]:
    """Years the PCT has reports for, newest first."""
    ids = ReportRun.objects.filter(pct=pct).values("year_id").distinct()
    return list(FinancialYear.objects.filter(pk__in=ids).order_by("-start_year"))


def default_year(*, pct: Pct | int, years: list[FinancialYear] | None = None) -> FinancialYear | None:
    """This financial year if it has reports, else the latest year that has."""
    years = years if years is not None else report_years(pct=pct)
    today = fy_of(timezone.localdate()).start_year
    for year in years:
        if year.start_year == today:
            return year
    return years[0] if years else None


@dataclass
class Dashboard:
    year: FinancialYear
    run: ReportRun | None
    rows: list[dict] = field(default_factory=list)

    @property
    def current_to(self) -> int:
        if self.run is None or self.run.current_to is None:
            return 0
        return (self.run.current_to.month - 4) % 12 + 1

    def series(self, category: str = TOTAL, provider: str = TOTAL) -> list[dict]:
        """The 12 months of one category × provider, April first."""
        return sorted(
            (r for r in self.rows if r["category"] == category and r["provider"] == provider),
            key=lambda r: r["month"],
        )

    def at(self, month: int) -> list[dict]:
        return [r for r in self.rows if r["month"] == month]

    def position(self) -> dict | None:
        """The all-category total at the latest month with data (or April when there is none yet)."""
        month = self.current_to or 1
        return next(
            (
                r
                for r in self.rows
                if r["month"] == month and r["category"] == TOTAL and r["provider"] == TOTAL
            ),
            None,
        )

    @property
    def categories(self) -> list[dict]:
        return (self.run.summary.get("categories") if self.run else None) or []

    def caveats(self) -> list[str]:
        """Data-quality caveats a reader of these figures should know."""
        if self.run is None:
            return ["No report has been computed for this year yet."]
        notes = []
        summary = self.run.summary or {}
        quality = summary.get("quality") or {}
        outcomes = quality.get("by_outcome") or {}
        total_rows = sum(v.get("rows", 0) for v in outcomes.values())
        unattributed = outcomes.get(Outcome.UNATTRIBUTED.value, {}).get("rows", 0)
        if total_rows and unattributed:
            notes.append(
                f"{unattributed:,} of {total_rows:,} rows ({unattributed * 100 / total_rows:.1f}%) had a missing, "
                "invalid or default practice code: they are not in any practice's figures."
            )
        uncosted = outcomes.get(Outcome.UNCOSTED.value, {}).get("rows", 0)
        if uncosted:
            notes.append(
                f"{uncosted:,} spells or attendances could not be priced at tariff and count at nil."
            )
        rejected = outcomes.get(Outcome.REJECTED.value, {}).get("rows", 0)
        if rejected:
            notes.append(
                f"{rejected:,} rows of the extracts were rejected (see the uploads' data-quality reports)."
            )
        if quality.get("mff_defaulted_providers"):
            notes.append(
                "No market forces factor for "
                + ", ".join(p or "(blank)" for p in quality["mff_defaulted_providers"])
                + ": priced at 1.00000."
            )
        last = summary.get("provider_last_month") or {}
        behind = sorted(p or "(no provider)" for p, m in last.items() if m < self.current_to)
        if behind:
            notes.append(f"Data from {', '.join(behind)} ends before {self.run.current_to:%B %Y}.")
        for provider, months in (quality.get("coverage_gaps") or {}).items():
            notes.append(f"{provider or '(no provider)'}: no activity in {', '.join(months)}.")
        unbudgeted = summary.get("unbudgeted") or {}
        if unbudgeted.get("activity"):
            notes.append(f"{unbudgeted['activity']:,} spells or attendances are in no budget category.")
        if self.run.budget_set_id is None:
            notes.append("No budget has been published for this year: figures show activity only.")
        return notes


def _rows(qs: QuerySet) -> list[dict]:
    return list(qs.values(*_VALUE_FIELDS))


def practice_dashboard(*, user, practice: Practice, year: FinancialYear) -> Dashboard:
    """A practice's report rows of the year (every month, category and provider) and the latest run.

    Rows only change when the reports are recomputed, which makes a new run: they are cached under the run
    (and the reader's scope), so a dashboard read again before the next recompute costs no row query."""
    run = report_run_latest(pct=practice.pct_id, year=year)
    qs = scope_queryset(
        ReportRow.objects.filter(practice=practice, year=year, level="practice"), user
    ).order_by("category", "provider", "month")
    if run is None:
        return Dashboard(year=year, run=run, rows=_rows(qs))
    scope = user_scope(user)
    key = (
        f"practice-dashboard:{practice.pk}:{year.pk}:{run.pk}:{run.finished.timestamp() if run.finished else ''}:"
        f"{int(scope.everything)}:{sorted(scope.pct_ids)}:{sorted(scope.locality_ids)}:{sorted(scope.practice_ids)}"
    ).replace(" ", "")
    rows = cache.get(key)
    if rows is None:
        rows = _rows(qs)
        cache.set(key, rows, DASHBOARD_CACHE_SECONDS)
    return Dashboard(year=year, run=run, rows=rows)


def practice_budget_position(*, practice: Practice, on) -> dict | None:
    """A practice's position in the latest published report up to the financial year of ``on``: all its
    devolved categories at the last month with data. For the PEC's papers (not user-scoped: the pack is the
    panel's). ``None`` when no report covers the practice yet."""
    row = (
        ReportRow.objects.filter(
            practice=practice,
            level="practice",
            category=TOTAL,
            provider=TOTAL,
            is_future=False,
            budget_set__isnull=False,
            year__start_year__lte=fy_of(on).start_year,
        )
        .select_related("year")
        .order_by("-year__start_year", "-month")
        .first()
    )
    if row is None:
        return None
    month = FY(row.year.start_year).month(row.month)
    variance = format_gbp(row.variance_pence)
    if row.variance_tenths is not None:
        variance += f" ({row.variance_pct}%)"
    return {
        "title": f"Month {row.month} of {row.year} (data to {month:%b %Y})",
        "rows": [
            ("Annual budget", format_gbp(row.annual_budget_pence)),
            ("Budget to date", format_gbp(row.ytd_budget_pence)),
            ("Spend to date", format_gbp(row.ytd_actual_pence)),
            ("Variance to date (spend − budget)", variance),
            ("Forecast outturn", format_gbp(row.forecast_outturn_pence)),
            ("Status", row.get_rag_display()),
        ],
        "note": "Devolved categories only, from the published monthly report.",
    }


def overview(*, user, pct: Pct, year: FinancialYear, locality: Locality | None = None) -> dict:
    """League table of practices, RAG heat map (category × month) and totals, for the PCT or a locality."""
    run = report_run_latest(pct=pct, year=year)
    dashboard = Dashboard(year=year, run=run)
    month = dashboard.current_to or 1
    base = scope_queryset(ReportRow.objects.filter(pct=pct, year=year), user)
    if locality is not None:
        level_rows = base.filter(level="locality", locality=locality)
        practices = base.filter(level="practice", locality=locality)
    else:
        level_rows = base.filter(level="pct")
        practices = base.filter(level="practice")
    dashboard.rows = _rows(level_rows.filter(provider=TOTAL).order_by("category", "month"))
    league = list(
        practices.filter(category=TOTAL, provider=TOTAL, month=month)
        .select_related("practice", "practice__locality")
        .order_by("practice__code")
    )
    names = {p.pk: p for p in (row.practice for row in league)}
    league.sort(
        key=lambda r: (-(r.variance_tenths if r.variance_tenths is not None else -(10**9)), r.practice.code)
    )
    rag_counts = {"green": 0, "amber": 0, "red": 0, "": 0}
    for row in league:
        rag_counts[row.rag or ""] = rag_counts.get(row.rag or "", 0) + 1
    by_category = list(
        practices.filter(provider=TOTAL, month=month)
        .exclude(category=TOTAL)
        .values("practice_id", "category", "rag")
    )
    matrix: dict[int, dict[str, str]] = {}
    for r in by_category:
        matrix.setdefault(r["practice_id"], {})[r["category"]] = r["rag"]
    return {
        "dashboard": dashboard,
        "month": month,
        "league": league,
        "practices": names,
        "rag_counts": rag_counts,
        "category_rag": matrix,
    }


def _specs(run: ReportRun | None) -> list[CategorySpec]:
    return [CategorySpec.from_dict(c) for c in ((run.summary or {}).get("categories") or [])] if run else []


def drilldown(
    *,
    user,
    practice: Practice,
    year: FinancialYear,
    category: str,
    tretspef: str | None = None,
    months_to: int = 12,
) -> dict:
    """A practice's year-to-date activity in a category by treatment function, or (given one) by HRG."""
    from budgets.services.reports import category_case

    run = report_run_latest(pct=practice.pct_id, year=year)
    specs = _specs(run)
    fy: FY = year.fy
    end = fy.month(max(1, min(12, months_to)))
    qs = scope_queryset(
        ActivityAggregate.objects.current().filter(
            practice=practice,
            month__gte=fy.start,
            month__lte=end,
            outcome__in=[Outcome.COSTED.value, Outcome.UNCOSTED.value],
        ),
        user,
    )
    if specs:
        qs = qs.annotate(category=category_case(specs)).filter(category=category)
    else:
        qs = qs.filter(pod=category)
    group = ["tretspef", "hrg"] if tretspef else ["tretspef"]
    if tretspef:
        qs = qs.filter(tretspef=tretspef)
    rows = list(
        qs.values(*group).annotate(activity=Sum("activity"), cost=Sum("cost_pence")).order_by("-cost", *group)
    )
    rows = _with_adjustments(rows, group, user=user, practice=practice, start=fy.start, end=end, specs=specs,
                             category=category, tretspef=tretspef)  # fmt: skip
    hrg_names = {}
    if tretspef:
        from activity.models import AdmittedTariff

        hrgs = [r["hrg"] for r in rows if r["hrg"]]
        hrg_names = dict(
            AdmittedTariff.objects.filter(tariff__year=year, tariff__is_current=True, hrg__in=hrgs)
            .values_list("hrg", "hrg_name")
            .distinct()
        )
    for r in rows:
        r["hrg_name"] = hrg_names.get(r.get("hrg"), "")
    return {"rows": rows, "run": run, "by": group[-1]}


def _with_adjustments(rows, group, *, user, practice, start, end, specs, category, tretspef) -> list[dict]:
    """Drill-down rows less the adjusting entries of accepted activity challenges (as the report rows
    are), so the drill-down adds up to the dashboard."""
    from activity.validation.models import ActivityAdjustment
    from budgets.services.reports import category_case

    adj = scope_queryset(
        ActivityAdjustment.objects.counted().filter(practice=practice, month__gte=start, month__lte=end), user
    )
    adj = (
        adj.annotate(category=category_case(specs)).filter(category=category)
        if specs
        else adj.filter(pod=category)
    )
    if tretspef:
        adj = adj.filter(tretspef=tretspef)
    adjusted = list(adj.values(*group).annotate(activity=Sum("activity"), cost=Sum("cost_pence")).order_by())
    if not adjusted:
        return rows
    by_key = {tuple(r[g] for g in group): r for r in rows}
    for a in adjusted:
        row = by_key.setdefault(
            tuple(a[g] for g in group), {**{g: a[g] for g in group}, "activity": 0, "cost": 0}
        )
        row["activity"] += a["activity"]
        row["cost"] += a["cost"]
    kept = [r for r in by_key.values() if r["activity"] or r["cost"]]
    return sorted(kept, key=lambda r: (-r["cost"], *[r[g] or "" for g in group]))


def _april_lists(practice_ids: list[int], day) -> dict[int, int]:
    latest = (
        ListSize.objects.filter(practice=OuterRef("pk"), extract_date__lte=day)
        .order_by("-extract_date")
        .values("patients")[:1]
    )
    return {
        pk: patients
        for pk, patients in Practice.objects.filter(pk__in=practice_ids)
        .annotate(patients=Subquery(latest))
        .values_list("pk", "patients")
        if patients
    }


def peer_comparison(*, user, pct: Pct, year: FinancialYear, pod: str) -> dict:
    """Rates per 1,000 registered patients (list at 1 April) for the year to date, against the PCT's
    funnel (95% and 99.8% limits, Poisson: a patient can have more than one attendance or admission).

    Every practice of the PCT is a point, so a practice can see where it stands; practices outside the
    user's scope are shown without their names.
    """
    if pod not in PEER_PODS:
        pod = next(iter(PEER_PODS))
    run = report_run_latest(pct=pct, year=year)
    current_to = Dashboard(year=year, run=run).current_to
    counts = dict(
        PeerActivity.objects.filter(pct=pct, year=year, pod=pod, month__lte=current_to or 12)
        .values("practice_id")
        .annotate(n=Sum("activity_count"))
        .values_list("practice_id", "n")
    )
    practices = list(Practice.objects.filter(pct=pct).select_related("locality").order_by("code"))
    lists = _april_lists([p.pk for p in practices], year.fy.start)
    visible = set(scope_queryset(Practice.objects.filter(pct=pct), user).values_list("pk", flat=True))
    scope = user_scope(user)
    named_all = scope.everything or bool(scope.pct_ids)
    practices = [p for p in practices if lists.get(p.pk)]
    points = []
    if practices:
        import pandas as pd

        events = pd.Series([int(counts.get(p.pk, 0)) for p in practices], index=[p.pk for p in practices])
        population = [lists[p.pk] for p in practices]
        limits = funnel_limits(events=events, population=population, method="poisson")
        for p in practices:
            row = limits.loc[p.pk]
            shown = named_all or p.pk in visible
            points.append(
                {
                    "practice": p if shown else None,
                    "label": f"{p.code} {p.name}" if shown else "Another practice",
                    "own": p.pk in visible and not named_all,
                    "events": int(row["events"]),
                    "population": int(row["population"]),
                    "rate": float(row["rate"]),
                    "upper_95": float(row["upper_95"]),
                    "upper_998": float(row["upper_998"]),
                    "lower_95": float(row["lower_95"]),
                    "lower_998": float(row["lower_998"]),
                    "status": str(row["status"]),
                }
            )
        mean_rate = float(limits["mean_rate"].iloc[0])
        low, high = min(population), max(population)
        grid = [low + (high - low) * i / 60 for i in range(61)] if high > low else [low]
        curve = funnel_curve(mean_rate=mean_rate, populations=grid, method="poisson")
    else:
        mean_rate, curve = 0.0, None
    return {
        "pod": pod,
        "pod_label": PEER_PODS[pod],
        "run": run,
        "current_to": current_to,
        "points": points,
        "mean_rate": mean_rate,
        "curve": curve,
    }
