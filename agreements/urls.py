"""Pages of agreements, LES sign-up, incentive schemes and payment schedules (under /agreements/)."""

from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    # shared agreements
    path("", views.AgreementListView.as_view(), name="agreement_list"),
    path("new/", views.AgreementCreateView.as_view(), name="agreement_create"),
    path("<int:pk>/", views.AgreementDetailView.as_view(), name="agreement_detail"),
    path("<int:pk>/edit/", views.AgreementEditView.as_view(), name="agreement_edit"),
    path("<int:pk>/parties/", views.AgreementPartiesView.as_view(), name="agreement_parties"),
    path("<int:pk>/sign/", views.AgreementSignView.as_view(), name="agreement_sign"),
    path("<int:pk>/new-version/", views.AgreementNewVersionView.as_view(), name="agreement_new_version"),
    path("<int:pk>/pdf/", views.AgreementPdfView.as_view(), name="agreement_pdf"),
    path("<int:pk>/<slug:action>/", views.AgreementTransitionView.as_view(), name="agreement_transition"),
    # LES sign-up
    path("les/", views.SignUpListView.as_view(), name="signup_list"),
    path("les/sign/<str:code>/", views.SignUpCreateView.as_view(), name="signup_create"),
    path("les/<int:pk>/", views.SignUpDetailView.as_view(), name="signup_detail"),
    path("les/<int:pk>/declaration/", views.SignUpDeclareView.as_view(), name="signup_declare"),
    # incentive schemes and achievements
    path("schemes/", views.SchemeListView.as_view(), name="scheme_list"),
    path("schemes/new/", views.SchemeCreateView.as_view(), name="scheme_create"),
    path("schemes/<int:pk>/", views.SchemeDetailView.as_view(), name="scheme_detail"),
    path("schemes/<int:pk>/edit/", views.SchemeEditView.as_view(), name="scheme_edit"),
    path("schemes/<int:pk>/calculate/", views.SchemeCalculateView.as_view(), name="scheme_calculate"),
    path(
        "schemes/<int:pk>/achievements/new/", views.AchievementCreateView.as_view(), name="achievement_create"
    ),
    path("achievements/<int:pk>/", views.AchievementDetailView.as_view(), name="achievement_detail"),
    path("evidence/<int:pk>/", views.AttachmentDownloadView.as_view(), name="achievement_attachment"),
    # the indicative-budget rule's facts
    path("budget-positions/", views.BudgetPositionListView.as_view(), name="budget_position_list"),
    path("budget-positions/new/", views.BudgetPositionCreateView.as_view(), name="budget_position_create"),
    path(
        "substantial-action/new/",
        views.SubstantialActionCreateView.as_view(),
        name="substantial_action_create",
    ),
    # payment schedules
    path("payments/", views.PaymentListView.as_view(), name="payment_list"),
    path(
        "payments/<int:pk>/<slug:action>/", views.PaymentTransitionView.as_view(), name="payment_transition"
    ),
    path(
        "statements/practice/<str:code>/<int:year>/",
        views.PracticeStatementView.as_view(),
        name="statement_practice",
    ),
    path(
        "statements/practice/<str:code>/<int:year>/xlsx/",
        views.PracticeStatementView.as_view(fmt="xlsx"),
        name="statement_practice_xlsx",
    ),
    path(
        "statements/practice/<str:code>/<int:year>/pdf/",
        views.PracticeStatementView.as_view(fmt="pdf"),
        name="statement_practice_pdf",
    ),
    path(
        "statements/locality/<str:code>/<int:year>/",
        views.LocalityStatementView.as_view(),
        name="statement_locality",
    ),
    path(
        "statements/locality/<str:code>/<int:year>/xlsx/",
        views.LocalityStatementView.as_view(fmt="xlsx"),
        name="statement_locality_xlsx",
    ),
    path(
        "statements/locality/<str:code>/<int:year>/pdf/",
        views.LocalityStatementView.as_view(fmt="pdf"),
        name="statement_locality_pdf",
    ),
    path("statements/summary/<int:year>/", views.PaymentSummaryView.as_view(), name="payment_summary"),
    path(
        "statements/summary/<int:year>/xlsx/",
        views.PaymentSummaryView.as_view(fmt="xlsx"),
        name="payment_summary_xlsx",
    ),
    path(
        "statements/summary/<int:year>/pdf/",
        views.PaymentSummaryView.as_view(fmt="pdf"),
        name="payment_summary_pdf",
    ),
]
