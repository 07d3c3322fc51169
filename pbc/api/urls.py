from django.urls import path
from rest_framework import permissions, routers
from rest_framework.response import Response

from pbc.api import views
from pbc.api.root import collection_routes


class ApiRootView(routers.APIRootView):
    """The resources of PBC Manager's API: every collection, by name, with its address."""

    permission_classes = [permissions.IsAuthenticated]

    def get(self, request, *args, **kwargs):
        return Response(
            {name: request.build_absolute_uri(path) for name, path in collection_routes().items()}
        )


class Router(routers.DefaultRouter):
    APIRootView = ApiRootView


router = Router()
router.register("pcts", views.PctViewSet, basename="pct")
router.register("localities", views.LocalityViewSet, basename="locality")
router.register("practices", views.PracticeViewSet, basename="practice")
router.register("list-sizes", views.ListSizeViewSet, basename="list-size")
router.register("providers", views.ProviderViewSet, basename="provider")
router.register("imports", views.ImportRunViewSet, basename="import-run")

urlpatterns = [
    *router.urls,
    path("events/", views.EventListApi.as_view(), name="event-list"),
    path("tokens/", views.ApiTokenListApi.as_view(), name="api-token-list"),
    path("tokens/<int:pk>/rotate/", views.ApiTokenRotateApi.as_view(), name="api-token-rotate"),
]
