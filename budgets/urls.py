from django.urls import path, re_path

from budgets.views import budget_sets, reports

app_name = "budgets"

urlpatterns = [
    # Budget setting.
    path("budgets/", budget_sets.BudgetHomeView.as_view(), name="budget_home"),
    path("budgets/versions/", budget_sets.BudgetSetListView.as_view(), name="budget_set_list"),
    path("budgets/versions/new/", budget_sets.BudgetSetCreateView.as_view(), name="budget_set_create"),
    path("budgets/versions/<int:pk>/", budget_sets.BudgetSetDetailView.as_view(), name="budget_set_detail"),
    path(
        "budgets/versions/<int:pk>/edit/", budget_sets.BudgetSetUpdateView.as_view(), name="budget_set_update"
    ),
    re_path(
        r"^budgets/versions/(?P<pk>[0-9]+)/(?P<action>approve|reopen|publish)/$",
        budget_sets.BudgetSetTransitionView.as_view(),
        name="budget_set_transition",
    ),
    path(
        "budgets/versions/<int:pk>/revise/",
        budget_sets.BudgetSetReviseView.as_view(),
        name="budget_set_revise",
    ),
    path("budgets/versions/<int:pk>/what-if/", budget_sets.WhatIfView.as_view(), name="budget_set_what_if"),
    path(
        "budgets/versions/<int:pk>/need-weights/",
        budget_sets.NeedWeightsUploadView.as_view(),
        name="budget_set_need_weights",
    ),
    path(
        "budgets/versions/<int:pk>/adjustments/",
        budget_sets.BudgetAdjustmentCreateView.as_view(),
        name="budget_adjustment_create",
    ),
    path(
        "budgets/versions/<int:pk>/adjustments/<int:adjustment_pk>/delete/",
        budget_sets.BudgetAdjustmentDeleteView.as_view(),
        name="budget_adjustment_delete",
    ),
    path("budgets/practices/", budget_sets.PracticeBudgetListView.as_view(), name="practice_budget_list"),
    path("budgets/practices/<str:code>/", budget_sets.PracticeBudgetView.as_view(), name="practice_budget"),
    path("budgets/categories/", budget_sets.CategoryListView.as_view(), name="category_list"),
    path("budgets/categories/<int:pk>/", budget_sets.CategoryUpdateView.as_view(), name="category_update"),
    # Reports and dashboards.
    path("dashboard/", reports.DashboardView.as_view(), name="dashboard"),
    path("dashboard/overview/", reports.OverviewView.as_view(), name="report_overview"),
    path("dashboard/peers/", reports.PeerComparisonView.as_view(), name="peer_comparison"),
    path(
        "dashboard/practices/<str:code>/", reports.PracticeDashboardView.as_view(), name="practice_dashboard"
    ),
    path(
        "dashboard/practices/<str:code>/drill-down/",
        reports.PracticeDrilldownView.as_view(),
        name="practice_drilldown",
    ),
    path(
        "dashboard/practices/<str:code>/statement/",
        reports.PracticeStatementView.as_view(),
        name="practice_statement",
    ),
    path(
        "dashboard/practices/<str:code>/referral-report/",
        reports.PracticeReferralReportView.as_view(),
        name="practice_referral_report",
    ),
    path("reports/", reports.ReportRowListView.as_view(), name="report_list"),
    path("reports/recompute/", reports.ReportRecomputeView.as_view(), name="report_recompute"),
]
