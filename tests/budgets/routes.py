"""Permission-matrix entries for tariffs, uploads, activity, budgets and reports (pages and API)."""

from datetime import date

from pbc.choices import Role
from tests.mixins.matrix import ALL_ROLES, PCT_STAFF, Route
from tests.pbc.routes import practice_code

# Capabilities are the same for pages and API: a read-write API client may upload either way.
UPLOAD_VIEWERS = PCT_STAFF | {Role.AUDITOR, Role.API_CLIENT_WRITE}
UPLOADERS = {Role.PCT_FINANCE, Role.PCT_INFORMATION, Role.API_CLIENT_WRITE}
TARIFF_IMPORTERS = {Role.PCT_FINANCE, Role.PCT_INFORMATION}
# PCT-wide budget versions: every role that is not scoped to a practice or a locality.
PCT_WIDE = ALL_ROLES - {Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD}
FINANCE = {Role.PCT_FINANCE}
OVERVIEW = ALL_ROLES - {Role.PRACTICE_MANAGER}


def _year(start=2007):
    from pbc.models import FinancialYear

    return FinancialYear.objects.get_or_create(start_year=start)[0]


def tariff_pk(world, role, in_scope):
    from activity.models import TariffVersion

    return {"pk": TariffVersion.objects.get_or_create(year=_year(), version=1)[0].pk}


def upload_pk(world, role, in_scope):
    from activity.models import ExtractUpload

    pct = world.pct if in_scope else world.other_pct
    upload = ExtractUpload.objects.create(
        pct=pct, dataset="APC", year=_year(), filename="x.csv", checksum="x", status="succeeded"
    )
    return {"pk": upload.pk}


def _budget_set(world, in_scope, status="published"):
    from budgets.models import BudgetSet

    pct = world.pct if in_scope else world.other_pct
    budget_set, _ = BudgetSet.objects.get_or_create(
        pct=pct,
        year=_year(),
        status=status,
        defaults={
            "version": 1 if status == "published" else 2,
            "baseline_start": date(2006, 4, 1),
            "baseline_end": date(2007, 3, 1),
            "categories": [
                {"code": "NEL", "name": "Non-elective", "pods": ["NEL"], "tretspefs": [], "devolved": True}
            ],
        },
    )
    return budget_set


def published_set(world, role, in_scope):
    return {"pk": _budget_set(world, in_scope).pk}


def draft_set(world, role, in_scope):
    return {"pk": _budget_set(world, in_scope, status="draft").pk}


def approve_draft(world, role, in_scope):
    return {**draft_set(world, role, in_scope), "action": "approve"}


def adjustment(world, role, in_scope):
    from budgets.models import BudgetAdjustment

    budget_set = _budget_set(world, in_scope, status="draft")
    practice = world.practice if in_scope else world.foreign
    adj, _ = BudgetAdjustment.objects.get_or_create(
        budget_set=budget_set, practice=practice, category="NEL", amount_pence=100, reason="test"
    )
    return {"pk": budget_set.pk, "adjustment_pk": adj.pk}


def _practice(world, role, in_scope):
    if role == Role.PRACTICE_MANAGER:
        return world.practice if in_scope else world.neighbour
    if role == Role.LOCALITY_LEAD:
        return world.neighbour if in_scope else world.far
    return world.far if in_scope else world.foreign


def _published_lines(world):
    """A published version of each PCT with a line for each of its practices."""
    from budgets.models import BudgetLine

    for in_scope, practices in (
        (True, [world.practice, world.neighbour, world.far]),
        (False, [world.foreign]),
    ):
        budget_set = _budget_set(world, in_scope)
        for practice in practices:
            BudgetLine.objects.get_or_create(
                budget_set=budget_set, practice=practice, category="NEL", defaults={"final_pence": 100_000}
            )


def _report_run(world):
    from django.utils import timezone

    from budgets.models import ReportRun

    for pct in (world.pct, world.other_pct):
        if not ReportRun.objects.filter(pct=pct).exists():
            now = timezone.now()
            ReportRun.objects.create(pct=pct, year=_year(), trigger="test", started=now, finished=now)


def practice_with_budget(world, role, in_scope):
    _published_lines(world)
    return {"code": _practice(world, role, in_scope).code}


def practice_with_reports(world, role, in_scope):
    _report_run(world)
    return {"code": _practice(world, role, in_scope).code}


def budget_line_pk(world, role, in_scope):
    from budgets.models import BudgetLine

    _published_lines(world)
    return {"pk": BudgetLine.objects.get(practice=_practice(world, role, in_scope)).pk}


def category_pk(world, role, in_scope):
    from budgets.models import BudgetCategory

    pct = world.pct if in_scope else world.other_pct
    category, _ = BudgetCategory.objects.get_or_create(
        pct=pct, year=_year(), code="NEL", defaults={"name": "Non-elective", "pods": ["NEL"]}
    )
    return {"pk": category.pk}


ROUTES = [
    Route("activity:activity_list", ALL_ROLES),
    Route("activity:tariff_list", ALL_ROLES),
    Route("activity:tariff_import", TARIFF_IMPORTERS),
    # Tariffs are national prices: no out-of-scope case.
    Route("activity:tariff_detail", ALL_ROLES, kwargs=tariff_pk, scoped_roles=set()),
    Route("activity:upload_list", UPLOAD_VIEWERS),
    Route("activity:upload_create", UPLOADERS),
    Route("activity:upload_detail", UPLOAD_VIEWERS, kwargs=upload_pk),
    Route("activity:upload_problems_csv", UPLOAD_VIEWERS, kwargs=upload_pk),
    Route("activity:upload_retry", UPLOADERS, kwargs=upload_pk, method="post", ok_status=302),
    Route("tariff-list", ALL_ROLES, api=True),
    Route("tariff-detail", ALL_ROLES, api=True, kwargs=tariff_pk, scoped_roles=set()),
    Route("upload-list", UPLOAD_VIEWERS, api=True),
    Route("upload-detail", UPLOAD_VIEWERS, api=True, kwargs=upload_pk),
    Route("upload-problem-list", UPLOAD_VIEWERS, api=True, kwargs=upload_pk),
    # Retrying a published upload is refused as a conflict: the matrix checks who gets that far.
    Route("upload-retry", UPLOADERS, api=True, kwargs=upload_pk, method="post", ok_status=409),
    Route("activity-list", ALL_ROLES, api=True),
    # Budget setting (pages). Budget home sends each role to what it may see.
    Route("budgets:budget_home", ALL_ROLES, ok_status=302),
    Route("budgets:budget_set_list", PCT_WIDE),
    Route("budgets:budget_set_create", FINANCE),
    Route("budgets:budget_set_detail", PCT_WIDE, kwargs=published_set),
    Route("budgets:budget_set_update", FINANCE, kwargs=draft_set),
    # Approving an uncalculated draft is refused with a message: the matrix checks who gets that far.
    Route("budgets:budget_set_transition", FINANCE, kwargs=approve_draft, method="post", ok_status=302),
    Route("budgets:budget_set_revise", FINANCE, kwargs=published_set),
    Route("budgets:budget_set_what_if", PCT_WIDE, kwargs=published_set),
    Route("budgets:budget_set_need_weights", FINANCE, kwargs=draft_set),
    Route("budgets:budget_adjustment_create", FINANCE, kwargs=draft_set, method="post", ok_status=302),
    Route("budgets:budget_adjustment_delete", FINANCE, kwargs=adjustment, method="post", ok_status=302),
    Route("budgets:practice_budget_list", ALL_ROLES),
    Route("budgets:practice_budget", ALL_ROLES, kwargs=practice_with_budget),
    Route("budgets:category_list", ALL_ROLES),
    Route("budgets:category_update", FINANCE, kwargs=category_pk),
    # Reports and dashboards (pages).
    Route("budgets:dashboard", ALL_ROLES, ok_status=302),
    Route("budgets:report_overview", OVERVIEW),
    Route("budgets:peer_comparison", ALL_ROLES),
    Route("budgets:practice_dashboard", ALL_ROLES, kwargs=practice_with_reports),
    Route("budgets:practice_drilldown", ALL_ROLES, kwargs=practice_with_reports),
    Route("budgets:practice_statement", ALL_ROLES, kwargs=practice_with_reports),
    Route("budgets:practice_referral_report", ALL_ROLES, kwargs=practice_with_reports),
    Route("budgets:report_list", ALL_ROLES),
    Route("budgets:report_recompute", FINANCE, method="post", ok_status=302),
    # Budget setting (API). State changes on incomplete versions are refused: who gets that far is checked.
    Route("budget-category-list", ALL_ROLES, api=True),
    Route("budget-set-list", PCT_WIDE, api=True),
    Route("budget-set-detail", PCT_WIDE, api=True, kwargs=published_set),
    Route("budget-set-approve", FINANCE, api=True, kwargs=draft_set, method="post", ok_status=400),
    Route("budget-set-reopen", FINANCE, api=True, kwargs=draft_set, method="post", ok_status=400),
    Route("budget-set-publish", FINANCE, api=True, kwargs=draft_set, method="post", ok_status=409),
    Route("budget-set-revise", FINANCE, api=True, kwargs=published_set, method="post", ok_status=400),
    Route("budget-set-what-if", PCT_WIDE, api=True, kwargs=published_set, ok_status=400),
    Route("budget-adjustment-create", FINANCE, api=True, kwargs=draft_set, method="post", ok_status=400),
    Route("budget-set-need-weights", FINANCE, api=True, kwargs=draft_set, method="post", ok_status=400),
    Route("budget-line-list", ALL_ROLES, api=True),
    Route("budget-line-detail", ALL_ROLES, api=True, kwargs=budget_line_pk),
    # Reports (API).
    Route("report-row-list", ALL_ROLES, api=True),
    Route("report-run-list", ALL_ROLES, api=True),
    Route("report-peer-comparison", ALL_ROLES, api=True),
    Route("report-recompute", FINANCE, api=True, method="post", ok_status=400),
    # Budget-holding status: every role, a practice user only their own practice.
    Route("practice-budget-holding", ALL_ROLES, api=True, kwargs=practice_code),
]
