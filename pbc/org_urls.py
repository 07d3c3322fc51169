from django.urls import path

from pbc import views

app_name = "pbc"

urlpatterns = [
    path("practices/", views.PracticeListView.as_view(), name="practice_list"),
    path("practices/<str:code>/", views.PracticeDetailView.as_view(), name="practice_detail"),
    path("localities/", views.LocalityListView.as_view(), name="locality_list"),
    path("localities/<str:code>/", views.LocalityDetailView.as_view(), name="locality_detail"),
    path("providers/", views.ProviderListView.as_view(), name="provider_list"),
    path("imports/", views.ImportListView.as_view(), name="import_list"),
    path("imports/new/", views.ImportCreateView.as_view(), name="import_create"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
]
