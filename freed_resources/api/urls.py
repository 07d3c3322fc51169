"""The freed-up resources API under /api/v1/freed-resources/."""

from django.urls import path
from rest_framework import routers

from freed_resources.api import views

router = routers.SimpleRouter()
router.register("freed-resources/declarations", views.DeclarationViewSet, basename="freed-declaration")
router.register("freed-resources/splits", views.SplitViewSet, basename="freed-split")
router.register("freed-resources/pots", views.PotViewSet, basename="freed-pot")
router.register("freed-resources/ledger", views.LedgerEntryViewSet, basename="freed-ledger")
router.register("freed-resources/schemes", views.SchemeViewSet, basename="freed-scheme")

urlpatterns = [
    path(
        "freed-resources/declarations/new/",
        views.DeclarationCreateApi.as_view(),
        name="freed-declaration-create",
    ),
    path(
        "freed-resources/declarations/<int:pk>/confirm/",
        views.DeclarationConfirmApi.as_view(),
        name="freed-declaration-confirm",
    ),
    path("freed-resources/schemes/<int:year>/set/", views.SchemeSetApi.as_view(), name="freed-scheme-set"),
    path("freed-resources/calculation/", views.CalculationApi.as_view(), name="freed-calculation"),
    path("freed-resources/proposals/", views.ProposalListApi.as_view(), name="freed-proposal-list"),
    path(
        "freed-resources/proposals/<int:pk>/benefit/",
        views.ProposalBenefitApi.as_view(),
        name="freed-proposal-benefit",
    ),
    path(
        "freed-resources/proposals/<int:pk>/spend/",
        views.ProposalSpendApi.as_view(),
        name="freed-proposal-spend",
    ),
    *router.urls,
]
