"""The agreements API under /api/v1/."""

from django.urls import path
from rest_framework import routers

from agreements.api import views

router = routers.SimpleRouter()
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("les-sign-ups", views.LesSignUpViewSet, basename="les-sign-up")
router.register("incentive-schemes", views.IncentiveSchemeViewSet, basename="incentive-scheme")
router.register("achievements", views.AchievementViewSet, basename="achievement")
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("budget-positions", views.YearEndBudgetPositionViewSet, basename="budget-position")
router.register(
    "substantial-action-agreements",
    views.SubstantialActionAgreementViewSet,
    basename="substantial-action-agreement",
)

urlpatterns = [
    path(
        "agreements/<int:pk>/signatures/", views.AgreementSignaturesApi.as_view(), name="agreement-signatures"
    ),
    path(
        "agreements/<int:pk>/transitions/",
        views.AgreementTransitionsApi.as_view(),
        name="agreement-transitions",
    ),
    path("agreements/<int:pk>/versions/", views.AgreementVersionsApi.as_view(), name="agreement-versions"),
    path(
        "les-sign-ups/<int:pk>/declaration/",
        views.LesDeclarationApi.as_view(),
        name="les-sign-up-declaration",
    ),
    path(
        "incentive-schemes/<int:pk>/calculation/",
        views.SchemeCalculationApi.as_view(),
        name="incentive-scheme-calculation",
    ),
    path(
        "incentive-schemes/<int:pk>/schedule/",
        views.SchemeScheduleApi.as_view(),
        name="incentive-scheme-schedule",
    ),
    path("incentives/des-calculation/", views.DesCalculationApi.as_view(), name="des-calculation"),
    path("payments/<int:pk>/transitions/", views.PaymentTransitionsApi.as_view(), name="payment-transitions"),
    path(
        "budget-positions/new/", views.YearEndBudgetPositionCreateApi.as_view(), name="budget-position-create"
    ),
    path(
        "substantial-action-agreements/new/",
        views.SubstantialActionAgreementCreateApi.as_view(),
        name="substantial-action-agreement-create",
    ),
    *router.urls,
]
