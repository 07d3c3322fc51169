"""Permission-matrix entries for every page and API route of agreements, LES, schemes and payments."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from pbc.choices import Role
from tests.mixins.matrix import ALL_ROLES, PCT_STAFF, Route
from tests.pbc.routes import locality_code, practice_code

SIGNERS = {Role.PCT_FINANCE, Role.PCT_COMMISSIONING, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER}
COMMISSIONING = {Role.PCT_COMMISSIONING}
FINANCE = {Role.PCT_FINANCE}
MONITORS = PCT_STAFF | {Role.PROJECT_GROUP, Role.API_CLIENT_WRITE}
SUMMARY = PCT_STAFF | {Role.PEC_MEMBER, Role.BOARD_MEMBER, Role.PROJECT_GROUP, Role.AUDITOR}
NOT_PRACTICE = ALL_ROLES - {Role.PRACTICE_MANAGER}


def _practice(world, role, in_scope):
    from pbc.models import Practice

    return Practice.objects.get(code=practice_code(world, role, in_scope)["code"])


def _agreement(world, role, in_scope, *, sent=False):
    from tests.factories.agreements import draft_agreement, sent_agreement

    practice = _practice(world, role, in_scope)
    pct = world.pct if practice.pct_id == world.pct.pk else world.other_pct
    build = sent_agreement if sent else draft_agreement
    return build(world, pct=pct, practice=practice)


def agreement_pk(world, role, in_scope):
    return {"pk": _agreement(world, role, in_scope).pk}


def sent_agreement_pk(world, role, in_scope):
    return {"pk": _agreement(world, role, in_scope, sent=True).pk}


def agreement_send(world, role, in_scope):
    return {**agreement_pk(world, role, in_scope), "action": "send"}


def _scheme(world, pct):
    from agreements.models import IncentiveScheme
    from tests.factories.agreements import herts_scheme

    return IncentiveScheme.objects.filter(pct=pct, code="herts-pbc-les-2007-08").first() or herts_scheme(pct)


def scheme_pk(world, role, in_scope):
    return {"pk": _scheme(world, world.pct if in_scope else world.other_pct).pk}


def _sign_up(world, role, in_scope):
    from agreements.models import LesSignUp
    from agreements.services import les_sign_up
    from tests.factories.agreements import GpOfPractice, list_size

    practice = _practice(world, role, in_scope)
    existing = LesSignUp.objects.filter(practice=practice).first()
    if existing:
        return existing
    GpOfPractice(practice=practice)
    list_size(practice, 6000)
    return les_sign_up(
        scheme=_scheme(world, practice.pct),
        practice=practice,
        actor=world.users[Role.PCT_FINANCE],
        lead_name="Pat Practice",
        lead_role="practice_manager",
        gp_ids=list(practice.gps.values_list("pk", flat=True)),
        signed_on=date(2007, 4, 2),
    )


def sign_up_pk(world, role, in_scope):
    return {"pk": _sign_up(world, role, in_scope).pk}


def _achievement(world, role, in_scope):
    from agreements.models import IncentiveScheme
    from agreements.services import achievement_record
    from tests.factories.agreements import banes_scheme

    practice = _practice(world, role, in_scope)
    banes = IncentiveScheme.objects.filter(pct=practice.pct, code="banes-pbc-2007-08").first()
    return achievement_record(
        scheme=banes or banes_scheme(practice.pct),
        actor=None,
        component_code="part2",
        outcome_code="6.2",
        practice=practice,
        evidence_notes="Peer review minutes, March 2008",
        attachments=[SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")],
    )


def achievement_pk(world, role, in_scope):
    return {"pk": _achievement(world, role, in_scope).pk}


def attachment_pk(world, role, in_scope):
    return {"pk": _achievement(world, role, in_scope).attachments.first().pk}


def _payment(world, role, in_scope):
    from agreements.services import payment_line_add

    return payment_line_add(
        practice=_practice(world, role, in_scope),
        year=2007,
        component_code="reward",
        name="Freed-up resources reward",
        amount_pence=1_000_000,
        actor=None,
    )


def payment_pk(world, role, in_scope):
    return {"pk": _payment(world, role, in_scope).pk}


def payment_approve(world, role, in_scope):
    return {**payment_pk(world, role, in_scope), "action": "approve"}


def budget_position_pk(world, role, in_scope):
    from agreements.services import budget_position_record
    from pbc.fiscal import FinancialYear

    position = budget_position_record(
        practice=_practice(world, role, in_scope),
        year=FinancialYear(2007),
        budget_pence=10_000_000,
        outturn_pence=10_500_000,
        evidence="Month 12 report, April 2008",
        actor=None,
    )
    return {"pk": position.pk}


def substantial_action_pk(world, role, in_scope):
    from agreements.models import SubstantialActionAgreement
    from agreements.services import substantial_action_record
    from pbc.fiscal import FinancialYear

    practice = _practice(world, role, in_scope)
    existing = SubstantialActionAgreement.objects.filter(practice=practice, start_year=2007).first()
    agreement = existing or substantial_action_record(
        practice=practice,
        year=FinancialYear(2007),
        agreed_on=date(2008, 5, 1),
        notes="Referral management agreed at the locality meeting, May 2008",
        actor=None,
    )
    return {"pk": agreement.pk}


def practice_year(world, role, in_scope):
    return {**practice_code(world, role, in_scope), "year": 2007}


def locality_year(world, role, in_scope):
    return {**locality_code(world, role, in_scope), "year": 2007}


def year_2007(world, role, in_scope):
    return {"year": 2007}


ROUTES = [
    # shared agreements
    Route("agreements:agreement_list", ALL_ROLES),
    Route("agreements:agreement_create", COMMISSIONING),
    Route("agreements:agreement_detail", ALL_ROLES, kwargs=agreement_pk),
    Route("agreements:agreement_edit", COMMISSIONING, kwargs=agreement_pk),
    Route("agreements:agreement_parties", COMMISSIONING, kwargs=agreement_pk),
    Route("agreements:agreement_transition", COMMISSIONING, kwargs=agreement_send),
    Route("agreements:agreement_new_version", COMMISSIONING, kwargs=agreement_pk),
    Route("agreements:agreement_sign", SIGNERS, kwargs=sent_agreement_pk),
    Route("agreements:agreement_pdf", ALL_ROLES, kwargs=agreement_pk),
    # LES
    Route("agreements:signup_list", ALL_ROLES),
    Route("agreements:signup_create", {Role.PRACTICE_MANAGER}, kwargs=practice_code),
    Route("agreements:signup_detail", ALL_ROLES, kwargs=sign_up_pk),
    Route("agreements:signup_declare", {Role.PRACTICE_MANAGER}, kwargs=sign_up_pk),
    # schemes and achievements
    Route("agreements:scheme_list", ALL_ROLES),
    Route("agreements:scheme_create", FINANCE),
    Route("agreements:scheme_detail", ALL_ROLES, kwargs=scheme_pk),
    Route("agreements:scheme_edit", FINANCE, kwargs=scheme_pk),
    Route("agreements:scheme_calculate", FINANCE, kwargs=scheme_pk),
    Route("agreements:achievement_create", MONITORS, kwargs=scheme_pk),
    Route("agreements:achievement_detail", ALL_ROLES, kwargs=achievement_pk),
    Route("agreements:achievement_attachment", ALL_ROLES, kwargs=attachment_pk),
    Route("agreements:budget_position_list", ALL_ROLES),
    Route("agreements:budget_position_create", FINANCE),
    Route("agreements:substantial_action_create", FINANCE | {Role.LOCALITY_LEAD}),
    # payments
    Route("agreements:payment_list", ALL_ROLES),
    Route("agreements:payment_transition", FINANCE, kwargs=payment_approve),
    Route("agreements:statement_practice", ALL_ROLES, kwargs=practice_year),
    Route("agreements:statement_practice_xlsx", ALL_ROLES, kwargs=practice_year),
    Route("agreements:statement_practice_pdf", ALL_ROLES, kwargs=practice_year),
    Route("agreements:statement_locality", NOT_PRACTICE, kwargs=locality_year),
    Route("agreements:statement_locality_xlsx", NOT_PRACTICE, kwargs=locality_year),
    Route("agreements:statement_locality_pdf", NOT_PRACTICE, kwargs=locality_year),
    Route("agreements:payment_summary", SUMMARY, kwargs=year_2007, scoped_roles=set()),
    Route("agreements:payment_summary_xlsx", SUMMARY, kwargs=year_2007, scoped_roles=set()),
    Route("agreements:payment_summary_pdf", SUMMARY, kwargs=year_2007, scoped_roles=set()),
    # API
    Route("agreement-list", ALL_ROLES, api=True),
    Route("agreement-detail", ALL_ROLES, api=True, kwargs=agreement_pk),
    Route("agreement-signatures", ALL_ROLES, api=True, kwargs=agreement_pk),
    Route("agreement-transitions", ALL_ROLES, api=True, kwargs=agreement_pk),
    Route("agreement-versions", ALL_ROLES, api=True, kwargs=agreement_pk),
    Route("les-sign-up-list", ALL_ROLES, api=True),
    Route("les-sign-up-detail", ALL_ROLES, api=True, kwargs=sign_up_pk),
    Route("les-sign-up-declaration", ALL_ROLES, api=True, kwargs=sign_up_pk),
    Route("incentive-scheme-list", ALL_ROLES, api=True),
    Route("incentive-scheme-detail", ALL_ROLES, api=True, kwargs=scheme_pk),
    Route("incentive-scheme-calculation", ALL_ROLES, api=True, kwargs=scheme_pk),
    Route("incentive-scheme-schedule", ALL_ROLES, api=True, kwargs=scheme_pk),
    # Calculates from the body and exposes no data: an empty body reaches validation for every role.
    Route("des-calculation", ALL_ROLES, api=True, method="post", ok_status=400),
    Route("achievement-list", ALL_ROLES, api=True),
    Route("achievement-detail", ALL_ROLES, api=True, kwargs=achievement_pk),
    Route("payment-list", ALL_ROLES, api=True),
    Route("payment-detail", ALL_ROLES, api=True, kwargs=payment_pk),
    Route("payment-transitions", ALL_ROLES, api=True, kwargs=payment_pk),
    Route("budget-position-list", ALL_ROLES, api=True),
    Route("budget-position-detail", ALL_ROLES, api=True, kwargs=budget_position_pk),
    # An empty body reaches validation: the matrix checks who gets that far.
    Route("budget-position-create", FINANCE, api=True, method="post", ok_status=400),
    Route("substantial-action-agreement-list", ALL_ROLES, api=True),
    Route("substantial-action-agreement-detail", ALL_ROLES, api=True, kwargs=substantial_action_pk),
    Route(
        "substantial-action-agreement-create",
        FINANCE | {Role.LOCALITY_LEAD},
        api=True,
        method="post",
        ok_status=400,
    ),
]
