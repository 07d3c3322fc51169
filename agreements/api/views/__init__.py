"""The agreements API: agreements, LES sign-ups, schemes, achievements, payment schedules, the
calculation endpoint and the indicative-budget rule's facts (year-end budget positions, substantial-action
agreements). Reads go through scoped selectors (out of scope → 404); every write calls a
service, so refusals come back as ``{"message", "extra"}`` with nothing saved."""

from agreements.api.views.agreements import (
    AgreementSignaturesApi,
    AgreementTransitionsApi,
    AgreementVersionsApi,
    AgreementViewSet,
)
from agreements.api.views.des import DesCalculationApi
from agreements.api.views.les import LesDeclarationApi, LesSignUpViewSet
from agreements.api.views.payments import PaymentTransitionsApi, PaymentViewSet
from agreements.api.views.positions import (
    SubstantialActionAgreementCreateApi,
    SubstantialActionAgreementViewSet,
    YearEndBudgetPositionCreateApi,
    YearEndBudgetPositionViewSet,
)
from agreements.api.views.schemes import (
    AchievementViewSet,
    IncentiveSchemeViewSet,
    SchemeCalculationApi,
    SchemeScheduleApi,
)

__all__ = [
    "AchievementViewSet",
    "AgreementSignaturesApi",
    "AgreementTransitionsApi",
    "AgreementVersionsApi",
    "AgreementViewSet",
    "DesCalculationApi",
    "IncentiveSchemeViewSet",
    "LesDeclarationApi",
    "LesSignUpViewSet",
    "PaymentTransitionsApi",
    "PaymentViewSet",
    "SchemeCalculationApi",
    "SchemeScheduleApi",
    "SubstantialActionAgreementCreateApi",
    "SubstantialActionAgreementViewSet",
    "YearEndBudgetPositionCreateApi",
    "YearEndBudgetPositionViewSet",
]
