from django.urls import path, re_path

from fhir_api import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.MetadataView.as_view(), name="metadata"),
    path("Organization", views.OrganizationSearchView.as_view(), name="organization_search"),
    path("Organization/<str:logical_id>", views.OrganizationReadView.as_view(), name="organization_read"),
    path(
        "OrganizationAffiliation",
        views.AffiliationSearchView.as_view(),
        name="organization_affiliation_search",
    ),
    path(
        "OrganizationAffiliation/<str:logical_id>",
        views.AffiliationReadView.as_view(),
        name="organization_affiliation_read",
    ),
    path("MeasureReport", views.MeasureReportSearchView.as_view(), name="measure_report_search"),
    path("MeasureReport/<str:logical_id>", views.MeasureReportReadView.as_view(), name="measure_report_read"),
    re_path(r"^", views.fhir_not_found),
]
