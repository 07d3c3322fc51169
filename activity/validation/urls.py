from django.urls import path

from activity.validation import views

urlpatterns = [
    path("lines/", views.ActivityLineListView.as_view(), name="line_list"),
    path("lines/<int:pk>/challenge/", views.ChallengeCreateView.as_view(), name="challenge_create"),
    path("challenges/", views.ChallengeListView.as_view(), name="challenge_list"),
    path("challenges/<int:pk>/decide/", views.ChallengeDecideView.as_view(), name="challenge_decide"),
    path(
        "challenges/queries/<str:provider>/",
        views.ProviderQueryListView.as_view(),
        name="provider_query_list",
    ),
    path("validation-returns/", views.ValidationReturnListView.as_view(), name="validation_return_list"),
    path(
        "validation-returns/submit/",
        views.ValidationReturnSubmitView.as_view(),
        name="validation_return_submit",
    ),
    path(
        "validation-returns/close-month/",
        views.ValidationMonthCloseView.as_view(),
        name="validation_month_close",
    ),
]
