"""Monthly reports on the database: recomputed automatically after an upload (and a tariff, a budget, nightly),
figures equal to an independent computation from the published activity, scope, peers, drill-down."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from django.core.files.base import ContentFile
from django.db.models import Sum

from activity import services as activity_services
from activity.models import ActivityAggregate
from budgets import selectors, services
from budgets.choices import BudgetStatus
from budgets.constants import TOTAL
from budgets.models import BudgetLine, PeerActivity, ReportRow, ReportRun
from budgets.tasks import reports_recompute_nightly_task
from pbc.choices import Role
from pbc.money import apportion_pence, format_gbp
from tests.factories.budgets import budget_set, year

FIXTURES = Path(__file__).resolve().parents[1] / "activity" / "fixtures"
EXTRACT_2007 = (FIXTURES / "apc_2007.csv").read_bytes()
MORE_2007 = (
    b"SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"
    b"T1,Q1,L85001,RD1,300,HA11A,2007-04-02,2007-04-05,22,1,3,70\n"
    b"T2,Q2,L85001,RA7,300,HA11A,2007-06-10,2007-06-12,21,1,2,70\n"
    b"T3,Q3,L85002,RD1,300,HA11A,2007-06-10,2007-06-12,21,1,2,70\n"
    b"T4,Q4,L85003,RD1,300,HA11A,2007-07-01,2007-07-20,21,1,19,70\n"
)


def upload(world, data: bytes, name: str):
    return activity_services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year(2007), upload=ContentFile(data, name=name), filename=name,
        actor=world.users[Role.PCT_INFORMATION],
    )  # fmt: skip


def test_reports_recompute_by_themselves_after_an_upload(
    published, baseline, django_capture_on_commit_callbacks
):
    assert not ReportRun.objects.filter(trigger__startswith="extract").exists()
    with django_capture_on_commit_callbacks(execute=True):
        stored = upload(baseline, EXTRACT_2007, "apc_2007.csv")
    run = ReportRun.objects.filter(pct=baseline.pct, year=year(2007)).order_by("-pk").first()
    assert run.trigger == f"extract {stored.pk} published"
    assert run.current_to.isoformat() == "2007-06-01" and run.budget_set == published
    # The non-elective spell of L85001 in May 2007 (£3,150.00, see test_ingest) is in its May row.
    may = ReportRow.objects.get(
        level="practice", practice=baseline.practice, month=2, category="NEL", provider=TOTAL, year=year(2007)
    )
    assert (may.activity_count, may.actual_pence, may.ytd_actual_pence) == (1, 315_000, 315_000)
    with django_capture_on_commit_callbacks(execute=True):
        upload(baseline, MORE_2007, "more.csv")
    latest = ReportRun.objects.filter(pct=baseline.pct, year=year(2007)).order_by("-pk").first()
    assert latest.current_to.isoformat() == "2007-07-01" and latest.pk != run.pk


def _independent(world, bs, practice, category):
    """The report of one practice and category, straight from the published activity and budget line."""
    profile = bs.baseline.profile[category]
    annual = BudgetLine.objects.get(budget_set=bs, practice=practice, category=category).final_pence
    budgets = apportion_pence(total=annual, weights=profile if any(profile) else [1] * 12)
    actual = [0] * 12
    rows = (
        ActivityAggregate.objects.filter(
            practice=practice, is_current=True, pod=category, month__year__gte=2007
        )
        .values("month")
        .annotate(cost=Sum("cost_pence"))
    )
    for r in rows:
        actual[(r["month"].month - 4) % 12] += r["cost"]
    out, ytd_b, ytd_a = [], 0, 0
    for m in range(12):
        ytd_b += budgets[m]
        ytd_a += actual[m]
        variance = ytd_a - ytd_b
        pct = (
            (Decimal(variance) * 100 / ytd_b).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if ytd_b
            else None
        )
        to_date = sum(profile[: m + 1])
        exact = Fraction(ytd_a * sum(profile), to_date) if to_date else Fraction(ytd_a * 12, m + 1)
        forecast = int(exact + Fraction(1, 2)) if exact >= 0 else -int(-exact + Fraction(1, 2))
        if pct is None:
            rag = "red" if ytd_a > 0 else "green"
        else:
            rag = "green" if pct <= 0 else "amber" if pct <= 5 else "red"
        out.append((m + 1, budgets[m], actual[m], ytd_b, ytd_a, variance, pct, forecast, rag))
    return out


def test_figures_equal_an_independent_computation(published, baseline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(baseline, EXTRACT_2007, "apc_2007.csv")
        upload(baseline, MORE_2007, "more.csv")
    current_to = 4
    for practice, category in [(baseline.practice, "NEL"), (baseline.far, "NEL"), (baseline.far, "EL")]:
        expected = _independent(baseline, published, practice, category)
        rows = ReportRow.objects.filter(
            level="practice", practice=practice, category=category, provider=TOTAL, year=year(2007)
        ).order_by("month")
        got = [
            (r.month, r.budget_pence, r.actual_pence, r.ytd_budget_pence, r.ytd_actual_pence, r.variance_pence,
             r.variance_pct, r.forecast_outturn_pence, r.rag)
            for r in rows
        ]  # fmt: skip
        assert len(got) == 12
        for (m, *want), have in zip(expected, got, strict=True):
            if m <= current_to:
                assert tuple(have) == (m, *want), (practice.code, category, m)
            else:  # months after the data: budget only
                assert have[1] == want[0] and have[3] == want[2] and have[2] is None and have[8] == ""
    # The PCT's total line adds up every practice, category and provider.
    pct = ReportRow.objects.get(
        level="pct", category=TOTAL, provider=TOTAL, month=current_to, year=year(2007)
    )
    practices = ReportRow.objects.filter(
        level="practice", category=TOTAL, provider=TOTAL, month=current_to, year=year(2007)
    )
    assert pct.ytd_actual_pence == sum(r.ytd_actual_pence for r in practices)
    assert pct.annual_budget_pence == published.practice_total_pence


def test_categories_held_at_locality_level_are_not_on_practice_rows(baseline):
    finance = baseline.users[Role.PCT_FINANCE]
    from budgets.models import BudgetCategory

    el = BudgetCategory.objects.filter(pct=baseline.pct, year=year(2007), code="EL")
    services.budget_categories_for(pct=baseline.pct, year=year(2007))
    services.budget_category_update(category=el.get(), actor=finance, devolved=False)
    bs = budget_set(baseline.pct, actor=finance)
    services.budget_set_approve(budget_set=bs, actor=finance)
    services.budget_set_publish(budget_set=bs, actor=finance)
    services.report_recompute(pct=baseline.pct, year=year(2007), trigger="test")
    assert not ReportRow.objects.filter(level="practice", category="EL").exists()
    south = ReportRow.objects.get(
        level="locality", locality=baseline.south, category="EL", provider=TOTAL, month=1
    )
    assert south.annual_budget_pence == 525_000
    far_total = ReportRow.objects.get(
        level="practice", practice=baseline.far, category=TOTAL, provider=TOTAL, month=1
    )
    assert (
        far_total.annual_budget_pence
        == BudgetLine.objects.get(budget_set=bs, practice=baseline.far, category="NEL").final_pence
    )


def test_recompute_is_safe_to_run_twice(published, baseline):
    first = services.report_recompute(pct=baseline.pct, year=year(2007), trigger="a")
    second = services.report_recompute(pct=baseline.pct, year=year(2007), trigger="b")
    assert first.rows == second.rows == ReportRow.objects.filter(year=year(2007)).count()
    # With no activity yet the year is all budget: twelve future months per line.
    assert not ReportRow.objects.filter(year=year(2007), is_future=False).exists()


def test_a_new_tariff_recosts_and_recomputes(published, baseline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(baseline, EXTRACT_2007, "apc_2007.csv")
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.tariff_import(
            year=year(2007),
            files={"mff": ("m.csv", b"PROCODE3,MFF\nRD1,1.10\n")},
            actor=None,
            reason="MFF corrected",
        )
    run = ReportRun.objects.filter(pct=baseline.pct).order_by("-pk").first()
    assert run.trigger == "activity re-costed at tariff v2"
    may = ReportRow.objects.get(
        level="practice", practice=baseline.practice, month=2, category="NEL", provider=TOTAL
    )
    assert may.actual_pence == 330_000  # (2,000 + 4 × 250) × 1.10


def test_nightly_task_recomputes_every_year_with_activity_or_budgets(published, baseline):
    # 2007/08 has a published budget, 2006/07 published extracts (the baseline).
    assert reports_recompute_nightly_task() == 2
    assert set(ReportRun.objects.filter(trigger="nightly").values_list("year__start_year", flat=True)) == {
        2006,
        2007,
    }


def test_nightly_rebuilds_only_years_whose_inputs_changed(
    published, baseline, django_capture_on_commit_callbacks
):
    from pbc.models import Practice

    reports_recompute_nightly_task()  # the first night digests its inputs and rebuilds
    assert ReportRun.objects.filter(trigger="nightly").count() == 2
    rows = list(ReportRow.objects.order_by("pk").values_list("pk", flat=True))
    reports_recompute_nightly_task()  # nothing changed: no new run, the same rows
    assert ReportRun.objects.filter(trigger="nightly").count() == 2
    assert list(ReportRow.objects.order_by("pk").values_list("pk", flat=True)) == rows
    # A practice moving locality changes the roll-ups: both years are rebuilt the next night.
    Practice.objects.filter(pk=baseline.far.pk).update(locality=baseline.north)
    reports_recompute_nightly_task()
    assert ReportRun.objects.filter(trigger="nightly").count() == 4
    # An upload's own recompute carries no digest, so the night after it rebuilds that year once.
    with django_capture_on_commit_callbacks(execute=True):
        upload(baseline, MORE_2007, "more_2007.csv")
    reports_recompute_nightly_task()
    reports_recompute_nightly_task()
    nightly = ReportRun.objects.filter(trigger="nightly").order_by("pk")
    assert [r.year.start_year for r in nightly[4:]] == [2007]
    assert nightly.last().summary["inputs"]


def test_report_rows_are_scoped(published, baseline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(baseline, EXTRACT_2007, "apc_2007.csv")
    manager = baseline.users[Role.PRACTICE_MANAGER]
    rows = selectors.report_row_list(user=manager)
    assert set(rows.values_list("level", flat=True)) == {"practice"}
    assert set(rows.values_list("practice_id", flat=True)) == {baseline.practice.pk}
    lead = baseline.users[Role.LOCALITY_LEAD]
    lead_rows = selectors.report_row_list(user=lead)
    assert set(lead_rows.values_list("level", flat=True)) == {"practice", "locality"}
    assert set(lead_rows.values_list("locality_id", flat=True)) == {baseline.north.pk}
    finance = selectors.report_row_list(
        user=baseline.users[Role.PCT_FINANCE], filters={"level": "pct", "month": "2"}
    )
    assert finance.exists() and set(finance.values_list("month", flat=True)) == {2}


def test_peer_rates_per_thousand_with_funnel_limits_and_anonymous_peers(published, baseline):
    for practice, n in [(baseline.practice, 30), (baseline.neighbour, 8), (baseline.far, 12)]:
        PeerActivity.objects.create(
            pct=baseline.pct, year=year(2007), practice=practice, locality=practice.locality, month=1, pod="NEL",
            activity_count=n,
        )  # fmt: skip
    data = selectors.peer_comparison(
        user=baseline.users[Role.PCT_FINANCE], pct=baseline.pct, year=year(2007), pod="NEL"
    )
    rates = {p["label"].split()[0]: round(p["rate"], 3) for p in data["points"]}
    # Lists at 1 April 2007: 5,500 / 4,000 / 6,000; events 30 / 8 / 12 → 5.455, 2.0, 2.0 per 1,000.
    assert rates == {"L85001": 5.455, "L85002": 2.0, "L85003": 2.0}
    assert round(data["mean_rate"], 3) == round(50 / 15.5, 3)
    manager_view = selectors.peer_comparison(
        user=baseline.users[Role.PRACTICE_MANAGER], pct=baseline.pct, year=year(2007), pod="NEL"
    )
    labels = sorted(p["label"] for p in manager_view["points"])
    assert labels == ["Abbey Surgery", "Another practice", "Another practice"] or labels[0].startswith(
        "Another"
    )
    assert [p["own"] for p in manager_view["points"] if p["practice"]] == [True]
    assert sum(1 for p in manager_view["points"] if p["practice"] is None) == 2


def test_drill_down_to_specialty_and_hrg(published, baseline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(baseline, EXTRACT_2007, "apc_2007.csv")
    data = selectors.drilldown(
        user=baseline.users[Role.PRACTICE_MANAGER],
        practice=baseline.practice,
        year=year(2007),
        category="NEL",
    )
    assert data["rows"] == [{"tretspef": "300", "activity": 1, "cost": 315_000, "hrg_name": ""}]
    hrgs = selectors.drilldown(
        user=baseline.users[Role.PRACTICE_MANAGER],
        practice=baseline.practice,
        year=year(2007),
        category="NEL",
        tretspef="300",
    )
    assert hrgs["rows"][0]["hrg"] == "HA11A" and hrgs["rows"][0]["hrg_name"] == "Hip replacement"
    assert published.status == BudgetStatus.PUBLISHED


def test_pec_papers_read_the_budget_position_from_the_published_reports(reported, baseline):
    """The applications pack asks the registered provider; it answers from the practice's total line at
    the last month with data, and says nothing before the first report."""
    from datetime import date

    from applications import packs

    assert packs.budget_position(practice=baseline.practice, on=date(2007, 3, 31)) is None  # before 2007/08
    position = packs.budget_position(practice=baseline.practice, on=date(2007, 12, 1))
    run = ReportRun.objects.filter(year__start_year=2007).latest("finished")
    last = (run.current_to.month - 4) % 12 + 1
    row = ReportRow.objects.get(
        practice=baseline.practice, level="practice", category=TOTAL, provider=TOTAL, month=last,
        year__start_year=2007,
    )  # fmt: skip
    assert position.title == f"Month {last} of 2007/08 (data to {run.current_to:%b %Y})"
    figures = dict(position.rows)
    assert figures["Budget to date"] == format_gbp(row.ytd_budget_pence)
    assert figures["Spend to date"] == format_gbp(row.ytd_actual_pence)
    assert figures["Forecast outturn"] == format_gbp(row.forecast_outturn_pence)
    assert row.ytd_actual_pence > 0 and not row.is_future
    # Another practice's position is its own, and the next year's meeting still sees the latest report.
    later = packs.budget_position(practice=baseline.practice, on=date(2008, 6, 1))
    assert later.title == position.title
