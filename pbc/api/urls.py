from rest_framework import permissions, routers

from pbc.api import views


class ApiRootView(routers.APIRootView):
    """The resources of PBC Manager's API."""

    permission_classes = [permissions.IsAuthenticated]


class Router(routers.DefaultRouter):
    APIRootView = ApiRootView


router = Router()
router.register("pcts", views.PctViewSet, basename="pct")
router.register("localities", views.LocalityViewSet, basename="locality")
router.register("practices", views.PracticeViewSet, basename="practice")
router.register("list-sizes", views.ListSizeViewSet, basename="list-size")
router.register("providers", views.ProviderViewSet, basename="provider")
router.register("imports", views.ImportRunViewSet, basename="import-run")

urlpatterns = router.urls
