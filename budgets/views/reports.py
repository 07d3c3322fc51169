"""Pages of the monthly reports: practice dashboard (with drill-down and a printable statement), the locality
and PCT overview, peer comparison, the report rows themselves, and a recompute button for PCT finance."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from activity.validation.filters import MonthField
from budgets import selectors
from budgets.constants import PEER_PODS, TOTAL
from budgets.filters import ReportRowFilter
from budgets.views.common import user_pct, year_from
from pbc import selectors as pbc_selectors
from pbc.fiscal import MONTH_NAMES
from pbc.labels import provider_label, treatment_function_label, treatment_function_name
from pbc.mixins import PbcPermissionMixin
from pbc.models import Locality
from pbc.permissions import user_scope
from pbc.selectors import locality_get, practice_get
from pbc.tables import Link, RagCell, Table, TablesMixin, money, percent_tenths
from pbc.views import FilteredListView


def _month_label(year, month: int) -> str:
    return f"{year.fy.month(month):%b %Y}"


def _month_long(year, month: int) -> str:
    return f"{year.fy.month(month):%B %Y}"


def _report_table(
    rows: list[dict], *, slug: str, title: str, first: str, key, names=None, caption=""
) -> Table:
    """A table of report rows at one month: one line per ``key(row)``, with a total of the additive columns."""
    body = []
    sums = dict.fromkeys(
        ("activity_count", "ytd_activity_count", "actual_pence", "budget_pence", "ytd_budget_pence", "ytd_actual_pence",
         "variance_pence", "forecast_outturn_pence", "annual_budget_pence"),
        0,
    )  # fmt: skip
    for r in rows:
        label = key(r)
        body.append(
            [
                label,
                (names or {}).get(label, ""),
                r["activity_count"],
                r["ytd_activity_count"],
                money(r["actual_pence"]),
                money(r["budget_pence"]),
                money(r["ytd_budget_pence"]),
                money(r["ytd_actual_pence"]),
                money(r["variance_pence"]),
                percent_tenths(r["variance_tenths"]),
                money(r["forecast_outturn_pence"]),
                money(r["annual_budget_pence"]),
                RagCell(r["rag"] or ""),
            ]
        )
        for name in sums:
            sums[name] += r[name] or 0
    return Table(
        slug=slug,
        title=title,
        headers=[
            first,
            "Name",
            "Activity (month)",
            "Activity (YTD)",
            "Actual (month)",
            "Budget (month)",
            "YTD budget",
            "YTD actual",
            "Variance",
            "Variance %",
            "Forecast outturn",
            "Annual budget",
            "RAG",
        ],  # fmt: skip
        rows=body,
        caption=caption,
    )


class DashboardView(PbcPermissionMixin, View):
    """Dashboard: practice managers go to their practice, everyone else to the locality/PCT overview."""

    permission_required = "budgets.view_reportrow"

    def get(self, request):
        if request.user.has_perm("budgets.view_report_overview"):
            return redirect("budgets:report_overview")
        practice = request.user.memberships.filter(practice__isnull=False).select_related("practice").first()
        if practice is None:
            raise Http404("You have no practice.")
        return redirect("budgets:practice_dashboard", code=practice.practice.code)


class PracticeDashboardView(TablesMixin, PbcPermissionMixin, TemplateView):
    permission_required = "budgets.view_reportrow"
    template_name = "budgets/practice_dashboard.html"

    def _load(self):
        if hasattr(self, "_loaded"):
            return self._loaded
        practice = practice_get(user=self.request.user, code=self.kwargs["code"])
        years = selectors.report_years(pct=practice.pct_id)
        year = year_from(
            self.request, choices=years, default=selectors.default_year(pct=practice.pct_id, years=years)
        )
        if year is None:
            self._loaded = (practice, years, None, None)
            return self._loaded
        dashboard = selectors.practice_dashboard(user=self.request.user, practice=practice, year=year)
        self._loaded = (practice, years, year, dashboard)
        return self._loaded

    def get_export_name(self):
        practice, _, year, _ = self._load()
        return f"dashboard-{practice.code}-{year.label.replace('/', '-') if year else 'none'}"

    def get_tables(self):
        practice, _, year, dashboard = self._load()
        if dashboard is None:
            return []
        month = dashboard.current_to or 1
        at = dashboard.at(month)
        names = {c["code"]: c["name"] for c in dashboard.categories}
        cats = [r for r in at if r["provider"] == TOTAL]
        cats.sort(key=lambda r: (r["category"] == TOTAL, r["category"]))
        providers = [r for r in at if r["provider"] != TOTAL and r["category"] != TOTAL]
        providers.sort(key=lambda r: (r["category"], r["provider"]))
        provider_names = pbc_selectors.provider_names(codes={r["provider"] for r in providers})
        monthly = dashboard.series()
        month_table = Table(
            slug="months",
            title="Month by month",
            headers=[
                "Month",
                "Budget",
                "Actual",
                "YTD budget",
                "YTD actual",
                "Variance",
                "Variance %",
                "Forecast outturn",
                "RAG",
            ],
            rows=[
                [
                    _month_label(year, r["month"]),
                    money(r["budget_pence"]),
                    money(r["actual_pence"]),
                    money(r["ytd_budget_pence"]),
                    money(r["ytd_actual_pence"]),
                    money(r["variance_pence"]),
                    percent_tenths(r["variance_tenths"]),
                    money(r["forecast_outturn_pence"]),
                    None if r["is_future"] else RagCell(r["rag"] or ""),
                ]
                for r in monthly
            ],
        )
        return [
            _report_table(
                cats,
                slug="categories",
                title="By category",
                first="Category",
                key=lambda r: r["category"],
                names={**names, TOTAL: "All devolved categories"},
                caption=f"Position at the end of {_month_label(year, month)}",
            ),
            _report_table(
                providers,
                slug="providers",
                title="By category and provider",
                first="Category / provider",
                key=lambda r: f"{r['category']} / {provider_label(r['provider'], provider_names) or 'other'}",
                caption=f"By provider at the end of {_month_label(year, month)}",
            ),
            month_table,
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        practice, years, year, dashboard = self._load()
        ctx.update(practice=practice, years=years, year=year, dashboard=dashboard)
        if dashboard is None:
            return ctx
        tables = self.get_tables()
        monthly = dashboard.series()
        current_to = dashboard.current_to
        position = dashboard.position()
        chart = {
            "months": [MONTH_NAMES[r["month"] - 1] for r in monthly],
            "budget": [r["budget_pence"] / 100 for r in monthly],
            "actual": [None if r["is_future"] else (r["actual_pence"] or 0) / 100 for r in monthly],
            "ytd_budget": [r["ytd_budget_pence"] / 100 for r in monthly],
            "ytd_actual": [None if r["is_future"] else (r["ytd_actual_pence"] or 0) / 100 for r in monthly],
            "current_to": current_to,
            "forecast": (position["forecast_outturn_pence"] or 0) / 100 if position and current_to else None,
            "annual_budget": (position["annual_budget_pence"] / 100) if position else 0,
        }
        ctx.update(
            position=position,
            month=current_to,
            month_label=_month_long(year, current_to) if current_to else None,
            tables_for_export=tables,
            category_table=tables[0],
            provider_table=tables[1],
            month_table=tables[2],
            chart=chart,
            caveats=dashboard.caveats(),
            categories=[c for c in dashboard.categories if c.get("devolved", True)],
        )
        return ctx


class PracticeStatementView(PracticeDashboardView):
    """A print-friendly statement of a practice's position (browser print, or save as PDF)."""

    template_name = "budgets/practice_statement.html"


class PracticeDrilldownView(TablesMixin, PbcPermissionMixin, TemplateView):
    """A practice's year-to-date activity in a category, by treatment function, then by HRG."""

    permission_required = "budgets.view_reportrow"
    template_name = "budgets/practice_drilldown.html"

    def _load(self):
        if hasattr(self, "_loaded"):
            return self._loaded
        practice = practice_get(user=self.request.user, code=self.kwargs["code"])
        years = selectors.report_years(pct=practice.pct_id)
        year = year_from(
            self.request, choices=years, default=selectors.default_year(pct=practice.pct_id, years=years)
        )
        if year is None:
            raise Http404("No reports yet.")
        category = (self.request.GET.get("category") or "").upper()
        tretspef = (self.request.GET.get("tretspef") or "").strip() or None
        run = selectors.report_run_latest(pct=practice.pct_id, year=year)
        months_to = selectors.Dashboard(year=year, run=run).current_to or 12
        data = selectors.drilldown(
            user=self.request.user,
            practice=practice,
            year=year,
            category=category,
            tretspef=tretspef,
            months_to=months_to,
        )
        self._loaded = (practice, year, category, tretspef, data)
        return self._loaded

    def get_export_name(self):
        practice, year, category, tretspef, _ = self._load()
        return f"drilldown-{practice.code}-{category}-{tretspef or 'specialties'}"

    def get_tables(self):
        practice, year, category, tretspef, data = self._load()
        base = reverse("budgets:practice_drilldown", kwargs={"code": practice.code})
        rows = []
        for r in data["rows"]:
            if tretspef:
                rows.append([r["hrg"] or "(none)", r["hrg_name"], r["activity"], money(r["cost"])])
            else:
                tf = r["tretspef"] or ""
                label = (
                    Link(tf or "(none)", f"{base}?year={year.label}&category={category}&tretspef={tf}")
                    if tf
                    else "(none)"
                )
                rows.append([label, treatment_function_name(tf), r["activity"], money(r["cost"])])
        total = [
            "Total",
            "",
            sum(r["activity"] for r in data["rows"]),
            money(sum(r["cost"] for r in data["rows"])),
        ]
        return [
            Table(
                slug="hrg" if tretspef else "specialties",
                title=f"{category} by HRG, treatment function {treatment_function_label(tretspef)}"
                if tretspef
                else f"{category} by specialty",
                headers=["HRG" if tretspef else "Treatment function", "Name", "Activity (YTD)", "Cost (YTD)"],
                rows=rows,
                total=total,
            )
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        practice, year, category, tretspef, data = self._load()
        tables = self.get_tables()
        ctx.update(
            practice=practice,
            year=year,
            category=category,
            tretspef=tretspef,
            table=tables[0],
            table_list=tables,
            run=data["run"],
        )
        return ctx


class OverviewView(TablesMixin, PbcPermissionMixin, TemplateView):
    """Locality lead and PCT: league table of practices, RAG heat map (category × month), totals."""

    permission_required = "budgets.view_report_overview"
    template_name = "budgets/overview.html"

    def _load(self):
        if hasattr(self, "_loaded"):
            return self._loaded
        user = self.request.user
        pct = user_pct(user)
        years = selectors.report_years(pct=pct)
        year = year_from(self.request, choices=years, default=selectors.default_year(pct=pct, years=years))
        code = self.request.GET.get("locality") or ""
        locality = locality_get(user=user, code=code) if code else None
        scope = user_scope(user)
        self.pct_wide = scope.everything or bool(scope.pct_ids)
        if locality is None and not self.pct_wide and scope.locality_ids:
            locality = Locality.objects.get(pk=min(scope.locality_ids))  # a locality lead sees their locality
        data = selectors.overview(user=user, pct=pct, year=year, locality=locality) if year else None
        self._loaded = (pct, years, year, locality, data)
        return self._loaded

    def get_export_name(self):
        _, _, year, locality, _ = self._load()
        who = locality.code if locality else "pct"
        return f"overview-{who}-{year.label.replace('/', '-') if year else 'none'}"

    def get_tables(self):
        pct, years, year, locality, data = self._load()
        if data is None:
            return []
        dashboard = data["dashboard"]
        categories = [c["code"] for c in dashboard.categories]
        league = Table(
            slug="league",
            title="League table",
            headers=[
                "Practice",
                "Name",
                "Locality",
                "YTD budget",
                "YTD actual",
                "Variance",
                "Variance %",
                "Forecast outturn",
                "Annual budget",
                "Forecast variance",
                "RAG",
            ],
            rows=[
                [
                    Link(
                        r.practice.code,
                        reverse("budgets:practice_dashboard", kwargs={"code": r.practice.code})
                        + f"?year={year.label}",
                    ),
                    r.practice.name,
                    r.practice.locality.name if r.practice.locality else "",
                    money(r.ytd_budget_pence),
                    money(r.ytd_actual_pence),
                    money(r.variance_pence),
                    percent_tenths(r.variance_tenths),
                    money(r.forecast_outturn_pence),
                    money(r.annual_budget_pence),
                    money(r.forecast_variance_pence),
                    RagCell(r.rag or ""),
                ]
                for r in data["league"]
            ],
            caption=f"Practices by variance at the end of {_month_label(year, data['month'])} (devolved categories)",
        )
        heat_rows = []
        by_cat: dict[str, dict[int, dict]] = {}
        for r in dashboard.rows:
            by_cat.setdefault(r["category"], {})[r["month"]] = r
        for code in [*categories, TOTAL]:
            months = by_cat.get(code, {})
            heat_rows.append(
                [
                    code,
                    *(
                        None if m > dashboard.current_to else RagCell(months.get(m, {}).get("rag") or "")
                        for m in range(1, 13)
                    ),
                ]
            )
        heat = Table(
            slug="heatmap",
            title="RAG by category and month",
            headers=["Category", *MONTH_NAMES],
            rows=heat_rows,
            caption="RAG of the year-to-date position at the end of each month",
        )
        at = list(dashboard.at(data["month"]))
        at.sort(key=lambda r: (r["category"] == TOTAL, r["category"]))
        totals = _report_table(
            at,
            slug="totals",
            title="Totals by category",
            first="Category",
            key=lambda r: r["category"],
            names={**{c["code"]: c["name"] for c in dashboard.categories}, TOTAL: "All categories"},
            caption=f"{locality.name if locality else pct.name} at the end of {_month_label(year, data['month'])}",
        )
        return [league, heat, totals]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        pct, years, year, locality, data = self._load()
        ctx.update(pct=pct, years=years, year=year, locality=locality, data=data)
        if data is None:
            return ctx
        tables = self.get_tables()
        dashboard = data["dashboard"]
        total = next((r for r in dashboard.at(data["month"]) if r["category"] == TOTAL), None)
        ctx.update(
            tables_for_export=tables,
            league_table=tables[0],
            heat_table=tables[1],
            totals_table=tables[2],
            total=total,
            caveats=dashboard.caveats(),
            localities=Locality.objects.filter(pct=pct).order_by("code") if self.pct_wide else [],
            heat_chart={
                "categories": [r[0] for r in tables[1].rows],
                "months": list(MONTH_NAMES),
                "rag": [["" if c is None else str(c) for c in r[1:]] for r in tables[1].rows],
            },
            month_label=_month_long(year, data["month"]),
            current_to=dashboard.current_to,
        )
        return ctx


class PeerComparisonView(TablesMixin, PbcPermissionMixin, TemplateView):
    """Rates per 1,000 registered patients with a funnel plot (95% and 99.8% limits)."""

    permission_required = "budgets.view_reportrow"
    template_name = "budgets/peer_comparison.html"
    export_name = "peer-comparison"

    def _load(self):
        if hasattr(self, "_loaded"):
            return self._loaded
        pct = user_pct(self.request.user)
        years = selectors.report_years(pct=pct)
        year = year_from(self.request, choices=years, default=selectors.default_year(pct=pct, years=years))
        pod = self.request.GET.get("pod") or next(iter(PEER_PODS))
        if pod not in PEER_PODS:
            raise Http404("No such comparison.")
        data = (
            selectors.peer_comparison(user=self.request.user, pct=pct, year=year, pod=pod) if year else None
        )
        self._loaded = (pct, years, year, pod, data)
        return self._loaded

    def get_tables(self):
        _, _, year, pod, data = self._load()
        if data is None:
            return []
        status = {
            "within": "Within natural variation",
            "high_95": "Above the 95% limit",
            "high_998": "Above the 99.8% limit",
            "low_95": "Below the 95% limit",
            "low_998": "Below the 99.8% limit",
            "no_list": "No list size",
        }
        return [
            Table(
                slug="rates",
                title=f"{data['pod_label']} per 1,000",
                headers=[
                    "Practice",
                    "Registered patients (1 April)",
                    "Events (YTD)",
                    "Rate per 1,000",
                    "95% limits",
                    "99.8% limits",
                    "Assessment",
                ],
                rows=[
                    [
                        p["label"],
                        p["population"],
                        p["events"],
                        Decimal(f"{p['rate']:.1f}"),  # a number (to 1 dp), not text
                        f"{p['lower_95']:.1f}–{p['upper_95']:.1f}",
                        f"{p['lower_998']:.1f}–{p['upper_998']:.1f}",
                        status.get(p["status"], p["status"]),
                    ]
                    for p in sorted(data["points"], key=lambda p: -p["rate"])
                ],
                caption=f"PCT mean {data['mean_rate']:.1f} per 1,000",
            )
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        pct, years, year, pod, data = self._load()
        ctx.update(pct=pct, years=years, year=year, pod=pod, pods=PEER_PODS, data=data)
        if data is None:
            return ctx
        ctx["table_list"] = self.get_tables()
        ctx["table"] = ctx["table_list"][0]
        curve = data["curve"]
        ctx["chart"] = {
            "title": f"{data['pod_label']} per 1,000 registered patients",
            "points": [
                {
                    "x": p["population"],
                    "y": round(p["rate"], 2),
                    "label": p["label"],
                    "status": p["status"],
                    "own": p["own"],
                }
                for p in data["points"]
            ],
            "mean": data["mean_rate"],
            "curve": None
            if curve is None
            else {
                c: [round(float(v), 3) for v in curve[c]]
                for c in ("population", "lower_95", "upper_95", "lower_998", "upper_998")
            },
        }
        ctx["outliers"] = [p for p in data["points"] if p["status"] in ("high_998", "low_998")]
        ctx["warnings"] = [p for p in data["points"] if p["status"] in ("high_95", "low_95")]
        ctx["month_label"] = _month_long(year, data["current_to"]) if data["current_to"] else None
        return ctx


class ReportRowListView(TablesMixin, FilteredListView):
    """The stored report rows, filtered like the API; every filtered set downloads as CSV or Excel."""

    permission_required = "budgets.view_reportrow"
    template_name = "budgets/report_list.html"
    filterset_class = ReportRowFilter
    model = ReportRowFilter._meta.model
    paginate_by = 100
    export_name = "report-rows"

    def get_queryset(self):
        return selectors.report_row_list(user=self.request.user, filters=self.request.GET)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["provider_names"] = pbc_selectors.provider_names(codes={r.provider for r in ctx["object_list"]})
        return ctx

    def get_tables(self):
        rows = []
        report_rows = list(self.get_queryset()[:100_000])
        provider_names = pbc_selectors.provider_names(codes={r.provider for r in report_rows})
        for r in report_rows:
            rows.append(
                [
                    r.year.label,
                    r.get_level_display(),
                    r.practice.code if r.practice else "",
                    r.locality.code if r.locality else "",
                    _month_label(r.year, r.month),
                    r.category,
                    r.provider,
                    provider_names.get(r.provider, ""),
                    r.activity_count,
                    money(r.actual_pence),
                    money(r.budget_pence),
                    money(r.ytd_budget_pence),
                    money(r.ytd_actual_pence),
                    money(r.variance_pence),
                    percent_tenths(r.variance_tenths),
                    money(r.forecast_outturn_pence),
                    RagCell(r.rag or ""),
                ]
            )
        return [
            Table(
                slug="rows",
                title="Report rows",
                headers=[
                    "Year",
                    "Level",
                    "Practice",
                    "Locality",
                    "Month",
                    "Category",
                    "Provider",
                    "Provider name",
                    "Activity",
                    "Actual",
                    "Budget",
                    "YTD budget",
                    "YTD actual",
                    "Variance",
                    "Variance %",
                    "Forecast outturn",
                    "RAG",
                ],
                rows=rows,
            )
        ]


class ReportRecomputeView(PbcPermissionMixin, View):
    """PCT finance: recompute a year's reports now (they are also recomputed after every extract)."""

    permission_required = "budgets.recompute_reports"

    def post(self, request):
        from django.db import transaction

        from budgets.services.budget_sets import _queue_reports

        pct = user_pct(request.user)
        year = year_from(request)
        if year is None:
            messages.error(request, "Choose the year to recompute.")
            return redirect("budgets:report_overview")
        transaction.on_commit(
            lambda: _queue_reports(pct.pk, year.start_year, f"requested by {request.user.username}")
        )
        messages.info(request, f"The {year} reports are being recomputed.")
        return redirect(f"{reverse('budgets:report_overview')}?year={year.label}")


REFERRAL_HEADERS = ["Provider", "GP referrals", "of which routine", "of which urgent or two-week wait",
                    "GP referrals YTD", "Other sources", "Other sources YTD"]  # fmt: skip
BUDGET_HEADERS = ["Category", "Provider", "Activity", "Cost", "Budget", "YTD activity", "YTD actual", "YTD budget",
                  "Variance"]  # fmt: skip


class PracticeReferralReportView(TablesMixin, PbcPermissionMixin, TemplateView):
    """The monthly practice referral report (seed 002 Appendix 2 h): GP referrals by provider, this month
    and YTD, beside the practice's outpatient and admission budget lines by provider; CSV per table, Excel."""

    permission_required = ("budgets.view_reportrow", "activity.view_referral")
    template_name = "budgets/practice_referral_report.html"

    def _load(self):
        if hasattr(self, "_loaded"):
            return self._loaded

        practice = practice_get(user=self.request.user, code=self.kwargs["code"])
        years = selectors.report_years(pct=practice.pct_id)
        try:
            month = MonthField(required=False).clean(self.request.GET.get("month"))
        except forms.ValidationError as exc:
            raise Http404("Give the month as YYYY-MM.") from exc
        if month is None:
            year = year_from(
                self.request, choices=years, default=selectors.default_year(pct=practice.pct_id, years=years)
            )
            run = selectors.report_run_latest(pct=practice.pct_id, year=year) if year else None
            month = (run.current_to if run and run.current_to else None) or (year.fy.start if year else None)
        if month is None:
            raise Http404("No reports yet.")
        year = next((y for y in years if month in y.fy), None)
        if year is None:
            raise Http404("No report for that month.")
        report = selectors.practice_referral_report(
            user=self.request.user, practice=practice, year=year, month=month
        )
        self._loaded = (practice, year, month, report)
        return self._loaded

    def get_export_name(self):
        practice, _, month, _ = self._load()
        return f"referral-report-{practice.code}-{month:%Y-%m}"

    def get_tables(self):
        _, _, month, report = self._load()
        referrals = [
            [r["provider"] or "(none)", r["gp"], r["gp_routine"], r["gp_urgent"], r["gp_ytd"], r["other"],
             r["other_ytd"]]
            for r in report["referrals"]
        ]  # fmt: skip
        total = [sum(r[i] for r in referrals) for i in range(1, len(REFERRAL_HEADERS))]
        budget = [
            [r["category_name"], r["provider"] or "(none)", r["activity_count"], money(r["actual_pence"]),
             money(r["budget_pence"]), r["ytd_activity_count"], money(r["ytd_actual_pence"]),
             money(r["ytd_budget_pence"]), money(r["variance_pence"])]
            for r in report["budget"]
        ]  # fmt: skip
        return [
            Table(slug="referrals", title=f"GP referrals {month:%B %Y}", headers=REFERRAL_HEADERS, rows=referrals,
                  total=["Total", *total] if referrals else None),
            Table(slug="budget", title=f"Activity against budget {month:%B %Y}", headers=BUDGET_HEADERS,
                  rows=budget),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        practice, year, month, report = self._load()
        ctx.update(
            practice=practice, year=year, month=month, report=report, tables=self.get_tables(),
            months=year.fy.months(),
        )  # fmt: skip
        return ctx
