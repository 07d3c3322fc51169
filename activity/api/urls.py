from django.urls import path

from activity.api import patients, views
from activity.referrals import api as referrals
from activity.validation import api as validation

urlpatterns = [
    path("tariffs/", views.TariffVersionListApi.as_view(), name="tariff-list"),
    path("tariffs/<int:pk>/", views.TariffVersionDetailApi.as_view(), name="tariff-detail"),
    path("uploads/", views.UploadListApi.as_view(), name="upload-list"),
    path("uploads/<int:pk>/", views.UploadDetailApi.as_view(), name="upload-detail"),
    path("uploads/<int:pk>/problems/", views.UploadProblemListApi.as_view(), name="upload-problem-list"),
    path("uploads/<int:pk>/retry/", views.UploadRetryApi.as_view(), name="upload-retry"),
    path("activity/", views.ActivityListApi.as_view(), name="activity-list"),
    path("high-cost-patients/", patients.HighCostPatientListApi.as_view(), name="high-cost-patient-list"),
    path("cost-concentration/", patients.CostConcentrationListApi.as_view(), name="cost-concentration-list"),
    # Validation and challenge of activity lines.
    path("activity-lines/", validation.ActivityLineListApi.as_view(), name="activity-line-list"),
    path(
        "activity-challenges/", validation.ActivityChallengeListApi.as_view(), name="activity-challenge-list"
    ),
    path(
        "activity-challenges/<int:pk>/decision/",
        validation.ActivityChallengeDecisionApi.as_view(),
        name="activity-challenge-decision",
    ),
    path("validation-returns/", validation.ValidationReturnListApi.as_view(), name="validation-return-list"),
    # Referrals.
    path("referral-rates/", referrals.ReferralRateListApi.as_view(), name="referral-rate-list"),
    path("referral-uploads/", referrals.ReferralUploadListApi.as_view(), name="referral-upload-list"),
]
