"""Models of shared agreements, LES sign-up, incentive schemes and payment schedules."""

from agreements.models.agreement import (
    Agreement,
    AgreementParty,
    AgreementReminder,
    AgreementSection,
    AgreementSignature,
    AgreementTransition,
    SmartObjective,
)
from agreements.models.les import LesSignUp, LesSignUpGp
from agreements.models.payments import Payment, PaymentTransition
from agreements.models.schemes import (
    Achievement,
    AchievementAttachment,
    IncentiveScheme,
    SubstantialActionAgreement,
    YearEndBudgetPosition,
)

__all__ = [
    "Achievement",
    "AchievementAttachment",
    "Agreement",
    "AgreementParty",
    "AgreementReminder",
    "AgreementSection",
    "AgreementSignature",
    "AgreementTransition",
    "IncentiveScheme",
    "LesSignUp",
    "LesSignUpGp",
    "Payment",
    "PaymentTransition",
    "SmartObjective",
    "SubstantialActionAgreement",
    "YearEndBudgetPosition",
]
