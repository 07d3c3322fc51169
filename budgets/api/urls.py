from django.urls import path

from budgets.api import budget_views, holding_views, report_views

urlpatterns = [
    path("budget-categories/", budget_views.BudgetCategoryListApi.as_view(), name="budget-category-list"),
    path("budget-sets/", budget_views.BudgetSetListApi.as_view(), name="budget-set-list"),
    path("budget-sets/<int:pk>/", budget_views.BudgetSetDetailApi.as_view(), name="budget-set-detail"),
    path(
        "budget-sets/<int:pk>/approve/", budget_views.BudgetSetApproveApi.as_view(), name="budget-set-approve"
    ),
    path("budget-sets/<int:pk>/reopen/", budget_views.BudgetSetReopenApi.as_view(), name="budget-set-reopen"),
    path(
        "budget-sets/<int:pk>/publish/", budget_views.BudgetSetPublishApi.as_view(), name="budget-set-publish"
    ),
    path("budget-sets/<int:pk>/revise/", budget_views.BudgetSetReviseApi.as_view(), name="budget-set-revise"),
    path(
        "budget-sets/<int:pk>/what-if/", budget_views.BudgetSetWhatIfApi.as_view(), name="budget-set-what-if"
    ),
    path(
        "budget-sets/<int:pk>/adjustments/",
        budget_views.BudgetAdjustmentCreateApi.as_view(),
        name="budget-adjustment-create",
    ),
    path(
        "budget-sets/<int:pk>/need-weights/",
        budget_views.BudgetSetNeedWeightsApi.as_view(),
        name="budget-set-need-weights",
    ),
    path(
        "practices/<str:code>/budget-holding/",
        holding_views.PracticeBudgetHoldingApi.as_view(),
        name="practice-budget-holding",
    ),
    path("budgets/", budget_views.BudgetLineListApi.as_view(), name="budget-line-list"),
    path("budgets/<int:pk>/", budget_views.BudgetLineDetailApi.as_view(), name="budget-line-detail"),
    path("reports/", report_views.ReportRowListApi.as_view(), name="report-row-list"),
    path("reports/runs/", report_views.ReportRunListApi.as_view(), name="report-run-list"),
    path("reports/peers/", report_views.PeerComparisonApi.as_view(), name="report-peer-comparison"),
    path("reports/recompute/", report_views.ReportRecomputeApi.as_view(), name="report-recompute"),
]
