from django.urls import path

from activity.referrals import views

urlpatterns = [
    path("referral-rates/", views.ReferralRateListView.as_view(), name="referral_rate_list"),
    path("referral-uploads/", views.ReferralUploadListView.as_view(), name="referral_upload_list"),
    path("referral-uploads/new/", views.ReferralUploadCreateView.as_view(), name="referral_upload_create"),
    path(
        "referral-uploads/<int:pk>/", views.ReferralUploadDetailView.as_view(), name="referral_upload_detail"
    ),
]
