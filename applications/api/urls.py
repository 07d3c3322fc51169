from django.urls import path

from applications.api import views

urlpatterns = [
    path("applications/", views.ApplicationListApi.as_view(), name="application-list"),
    path("applications/<int:pk>/", views.ApplicationDetailApi.as_view(), name="application-detail"),
    path("applications/<int:pk>/submit/", views.ApplicationSubmitApi.as_view(), name="application-submit"),
    path(
        "applications/<int:pk>/transitions/",
        views.ApplicationTransitionsApi.as_view(),
        name="application-transitions",
    ),
    path(
        "applications/<int:pk>/assessments/",
        views.ApplicationAssessmentsApi.as_view(),
        name="application-assessments",
    ),
    path("pec-meetings/", views.MeetingListApi.as_view(), name="pec-meeting-list"),
    path("pec-meetings/<int:pk>/", views.MeetingDetailApi.as_view(), name="pec-meeting-detail"),
    path("pec-meetings/<int:pk>/agenda/", views.MeetingAgendaApi.as_view(), name="pec-meeting-agenda"),
    path("agenda-items/<int:pk>/votes/", views.AgendaItemVotesApi.as_view(), name="agenda-item-votes"),
    path(
        "agenda-items/<int:pk>/decision/", views.AgendaItemDecisionApi.as_view(), name="agenda-item-decision"
    ),
    path("pec-decisions/", views.DecisionListApi.as_view(), name="pec-decision-list"),
    path("interests/", views.InterestDeclarationListApi.as_view(), name="interest-list"),
    path("interests/<int:pk>/end/", views.InterestDeclarationEndApi.as_view(), name="interest-end"),
    path("notifications/", views.NotificationListApi.as_view(), name="notification-list"),
    path("readiness-reviews/", views.ReadinessReviewListApi.as_view(), name="readiness-review-list"),
    path("readiness-reviews/new/", views.ReadinessReviewCreateApi.as_view(), name="readiness-review-create"),
    path(
        "readiness-reviews/<int:pk>/",
        views.ReadinessReviewDetailApi.as_view(),
        name="readiness-review-detail",
    ),
    path(
        "practice-competencies/", views.PracticeCompetencyListApi.as_view(), name="practice-competency-list"
    ),
    path(
        "practice-competencies/record/",
        views.PracticeCompetencyRecordApi.as_view(),
        name="practice-competency-record",
    ),
    path(
        "practice-competencies/<int:pk>/",
        views.PracticeCompetencyDetailApi.as_view(),
        name="practice-competency-detail",
    ),
]
