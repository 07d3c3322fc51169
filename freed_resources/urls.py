"""Pages of freed-up resources (under /freed-resources/)."""

from django.urls import path

from freed_resources import views

app_name = "freed_resources"

urlpatterns = [
    path("", views.DeclarationListView.as_view(), name="declaration_list"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("summary/xlsx/", views.SummaryXlsxView.as_view(), name="summary_xlsx"),
    path("summary/pdf/", views.SummaryPdfView.as_view(), name="summary_pdf"),
    path("statement/<str:code>/<int:year>/", views.StatementView.as_view(), name="statement_practice"),
    path(
        "statement/<str:code>/<int:year>/xlsx/",
        views.StatementXlsxView.as_view(),
        name="statement_practice_xlsx",
    ),
    path(
        "statement/<str:code>/<int:year>/pdf/",
        views.StatementPdfView.as_view(),
        name="statement_practice_pdf",
    ),
    path(
        "statement/locality/<str:code>/<int:year>/",
        views.StatementView.as_view(),
        {"locality": True},
        name="statement_locality",
    ),
    path(
        "statement/locality/<str:code>/<int:year>/xlsx/",
        views.StatementXlsxView.as_view(),
        {"locality": True},
        name="statement_locality_xlsx",
    ),
    path(
        "statement/locality/<str:code>/<int:year>/pdf/",
        views.StatementPdfView.as_view(),
        {"locality": True},
        name="statement_locality_pdf",
    ),
    path("proposals/<int:pk>/", views.ProposalView.as_view(), name="proposal_detail"),
    path("proposals/<int:pk>/spend/", views.ProposalSpendView.as_view(), name="proposal_spend"),
    path("proposals/<int:pk>/benefit/", views.ProposalBenefitView.as_view(), name="proposal_benefit"),
    path("schemes/", views.SchemeListView.as_view(), name="scheme_list"),
    path("schemes/set/", views.SchemeEditView.as_view(), name="scheme_edit"),
    path("calculate/", views.CalculateView.as_view(), name="calculate"),
    path("declarations/new/", views.DeclarationCreateView.as_view(), name="declaration_create"),
    path("declarations/<int:pk>/", views.DeclarationDetailView.as_view(), name="declaration_detail"),
    path(
        "declarations/<int:pk>/confirm/", views.DeclarationConfirmView.as_view(), name="declaration_confirm"
    ),
]
