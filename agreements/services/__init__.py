"""Writes to agreements, LES sign-ups, incentive schemes and payment schedules."""

from agreements.services.agreements import (
    agreement_create,
    agreement_draft_update,
    agreement_new_version,
    agreement_party_add,
    agreement_party_remove,
)
from agreements.services.les import les_declaration_record, les_sign_up
from agreements.services.lifecycle import (
    agreement_expire,
    agreement_give_notice,
    agreement_lifecycle_run,
    agreement_reminders_send,
    agreement_review_complete,
    agreement_review_start,
    agreement_terminate,
)
from agreements.services.payments import (
    payment_approve,
    payment_line_add,
    payment_pay,
    payment_schedule_calculate,
    payment_schedule_calculate_all,
    payment_schedule_calculate_locality,
    payment_transition,
)
from agreements.services.schemes import (
    achievement_attachment_add,
    achievement_record,
    budget_position_record,
    scheme_create,
    scheme_update,
    substantial_action_record,
)
from agreements.services.signatures import (
    agreement_notify_signatories,
    agreement_send_for_signature,
    agreement_sign,
    agreement_withdraw,
)

__all__ = [
    "achievement_attachment_add",
    "achievement_record",
    "agreement_create",
    "agreement_draft_update",
    "agreement_expire",
    "agreement_give_notice",
    "agreement_lifecycle_run",
    "agreement_new_version",
    "agreement_notify_signatories",
    "agreement_party_add",
    "agreement_party_remove",
    "agreement_reminders_send",
    "agreement_review_complete",
    "agreement_review_start",
    "agreement_send_for_signature",
    "agreement_sign",
    "agreement_terminate",
    "agreement_withdraw",
    "budget_position_record",
    "les_declaration_record",
    "les_sign_up",
    "payment_approve",
    "payment_line_add",
    "payment_pay",
    "payment_schedule_calculate",
    "payment_schedule_calculate_all",
    "payment_schedule_calculate_locality",
    "payment_transition",
    "scheme_create",
    "scheme_update",
    "substantial_action_record",
]
