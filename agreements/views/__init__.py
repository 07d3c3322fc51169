"""Pages of agreements, LES sign-up, incentive schemes and payment schedules."""

from __future__ import annotations

from agreements.views.agreements import (
    AgreementCreateView,
    AgreementDetailView,
    AgreementEditView,
    AgreementListView,
    AgreementNewVersionView,
    AgreementPartiesView,
    AgreementPdfView,
    AgreementSignView,
    AgreementTransitionView,
)
from agreements.views.les import SignUpCreateView, SignUpDeclareView, SignUpDetailView, SignUpListView
from agreements.views.payments import (
    LocalityStatementView,
    PaymentListView,
    PaymentSummaryView,
    PaymentTransitionView,
    PracticeStatementView,
)
from agreements.views.schemes import (
    AchievementCreateView,
    AchievementDetailView,
    AttachmentDownloadView,
    BudgetPositionCreateView,
    BudgetPositionListView,
    SchemeCalculateView,
    SchemeCreateView,
    SchemeDetailView,
    SchemeEditView,
    SchemeListView,
    SubstantialActionCreateView,
)

__all__ = [
    "AchievementCreateView",
    "AchievementDetailView",
    "AgreementCreateView",
    "AgreementDetailView",
    "AgreementEditView",
    "AgreementListView",
    "AgreementNewVersionView",
    "AgreementPartiesView",
    "AgreementPdfView",
    "AgreementSignView",
    "AgreementTransitionView",
    "AttachmentDownloadView",
    "BudgetPositionCreateView",
    "BudgetPositionListView",
    "LocalityStatementView",
    "PaymentListView",
    "PaymentSummaryView",
    "PaymentTransitionView",
    "PracticeStatementView",
    "SchemeCalculateView",
    "SchemeCreateView",
    "SchemeDetailView",
    "SchemeEditView",
    "SchemeListView",
    "SignUpCreateView",
    "SignUpDeclareView",
    "SignUpDetailView",
    "SignUpListView",
    "SubstantialActionCreateView",
    "agreements_home_panel",
    "register_pages",
]


def agreements_home_panel(request) -> dict | None:
    """Agreements waiting for signature, for people who sign (one query)."""
    user = request.user
    if not user.has_perm("agreements.sign_agreement"):
        return None
    from agreements import selectors

    return {
        "template": "agreements/panels/home.html",
        "awaiting": selectors.agreements_awaiting_signature_count(user=user),
    }


def register_pages() -> None:
    """Add the app's sections to the navigation and its panel to the home page."""
    from pbc.context_processors import register_nav
    from pbc.views import register_home_panel

    # One entry (the header is shared by every app); the section's own tabs lead to the rest.
    register_nav("Agreements", "agreements:agreement_list", "agreements.view_agreement")
    register_home_panel(agreements_home_panel)
