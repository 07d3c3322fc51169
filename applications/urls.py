from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    path("", views.ApplicationListView.as_view(), name="application_list"),
    path("new/", views.ApplicationCreateView.as_view(), name="application_create"),
    path("<int:pk>/", views.ApplicationDetailView.as_view(), name="application_detail"),
    path("<int:pk>/edit/", views.ApplicationUpdateView.as_view(), name="application_update"),
    path("<int:pk>/assessment/", views.AssessmentEditView.as_view(), name="assessment_edit"),
    path("<int:pk>/attachments/new/", views.AttachmentCreateView.as_view(), name="attachment_create"),
    path(
        "<int:pk>/do/<slug:action>/", views.ApplicationTransitionView.as_view(), name="application_transition"
    ),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/agenda/add/", views.AgendaItemAddView.as_view(), name="agenda_item_add"),
    path("meetings/<int:pk>/close/", views.MeetingCloseView.as_view(), name="meeting_close"),
    path("meetings/<int:pk>/minutes.pdf", views.MeetingMinutesPdfView.as_view(), name="meeting_minutes_pdf"),
    path("meetings/<int:pk>/pack.pdf", views.MeetingPackPdfView.as_view(), name="meeting_pack_pdf"),
    path("agenda-items/<int:pk>/vote/", views.VoteView.as_view(), name="vote_cast"),
    path("agenda-items/<int:pk>/decision/", views.DecisionView.as_view(), name="decision_record"),
    path("agenda-items/<int:pk>/interest/", views.ItemInterestView.as_view(), name="item_interest_declare"),
    path("interests/", views.InterestListView.as_view(), name="interest_list"),
    path("interests/new/", views.InterestCreateView.as_view(), name="interest_create"),
    path("interests/<int:pk>/end/", views.InterestEndView.as_view(), name="interest_end"),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("readiness/", views.ReadinessListView.as_view(), name="readiness_list"),
    path("readiness/new/", views.ReadinessCreateView.as_view(), name="readiness_create"),
    path("readiness/<int:pk>/", views.ReadinessDetailView.as_view(), name="readiness_detail"),
    path("competencies/", views.CompetencyListView.as_view(), name="competency_list"),
    path("competencies/<str:code>/", views.CompetencyPracticeView.as_view(), name="competency_practice"),
    path("rules/", views.DecisionRulesView.as_view(), name="decision_rules"),
]
