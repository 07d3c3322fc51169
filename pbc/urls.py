"""Project URLs: pages of each app, the API under /api/v1/, its schema and docs, admin, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from pbc import views
from pbc.api.views import api_not_found

admin.site.site_header = "PBC Manager administration"
admin.site.site_title = "PBC Manager"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.HealthView.as_view(), name="healthz"),
    path("", include("pbc.org_urls")),
    path("activity/", include("activity.urls")),
    path("activity/", include("budgets.urls")),
    path("applications/", include("applications.urls")),
    path("agreements/", include("agreements.urls")),
    path("freed-resources/", include("freed_resources.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("pbc.api.urls")),
    path("api/v1/", include("activity.api.urls")),
    path("api/v1/", include("budgets.api.urls")),
    path("api/v1/", include("applications.api.urls")),
    path("api/v1/", include("agreements.api.urls")),
    path("api/v1/", include("freed_resources.api.urls")),
    re_path(r"^api/v1/", api_not_found),  # JSON 404 for API addresses that match no resource
    path("fhir/", include("fhir_api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
