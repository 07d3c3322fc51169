from django.urls import path

from activity import views
from activity.patients_views import HighCostPatientView
from activity.referrals.urls import urlpatterns as referral_urls
from activity.validation.urls import urlpatterns as validation_urls

app_name = "activity"

urlpatterns = [
    path("", views.ActivityListView.as_view(), name="activity_list"),
    path("tariffs/", views.TariffListView.as_view(), name="tariff_list"),
    path("tariffs/import/", views.TariffImportView.as_view(), name="tariff_import"),
    path("tariffs/<int:pk>/", views.TariffDetailView.as_view(), name="tariff_detail"),
    path("uploads/", views.UploadListView.as_view(), name="upload_list"),
    path("uploads/new/", views.UploadCreateView.as_view(), name="upload_create"),
    path("uploads/<int:pk>/", views.UploadDetailView.as_view(), name="upload_detail"),
    path("uploads/<int:pk>/problems.csv", views.UploadProblemsCsvView.as_view(), name="upload_problems_csv"),
    path("uploads/<int:pk>/retry/", views.UploadRetryView.as_view(), name="upload_retry"),
    path("high-cost-patients/", HighCostPatientView.as_view(), name="high_cost_patients"),
    *validation_urls,  # validation and challenge of activity lines
    *referral_urls,  # referral extracts and referral rates
]
