"""Permission-matrix entries for validation and challenge of activity lines, and for referrals (pages and
API)."""

from datetime import date

from pbc.choices import Role
from tests.mixins.matrix import ALL_ROLES, PCT_STAFF, Route

CHALLENGERS = {Role.PRACTICE_MANAGER}
DECIDERS = PCT_STAFF
QUERY_READERS = PCT_STAFF | {Role.AUDITOR}
CLOSERS = {Role.PCT_FINANCE, Role.PCT_INFORMATION}
REFERRAL_UPLOADERS = PCT_STAFF | {Role.API_CLIENT_WRITE}
REFERRAL_UPLOAD_VIEWERS = REFERRAL_UPLOADERS | {Role.AUDITOR}


def _practice(world, role, in_scope):
    if role == Role.PRACTICE_MANAGER:
        return world.practice if in_scope else world.neighbour
    if role == Role.LOCALITY_LEAD:
        return world.neighbour if in_scope else world.far
    return world.far if in_scope else world.foreign


def _line(world, role, in_scope):
    from activity.models import ActivityLine, ExtractUpload
    from pbc.models import FinancialYear

    practice = _practice(world, role, in_scope)
    year = FinancialYear.objects.get_or_create(start_year=2007)[0]
    upload = ExtractUpload.objects.create(
        pct=practice.pct,
        dataset="APC",
        year=year,
        filename="x.csv",
        checksum="x",
        status="succeeded",
        attempts=1,
    )
    return ActivityLine.objects.create(
        upload=upload, attempt=1, pct=practice.pct, dataset="APC", practice=practice, practice_code=practice.code,
        month=date(2007, 5, 1), line_no=2, record_key="S1", pod="NEL", provider="RD1", outcome="costed",
        cost_pence=315000,
    )  # fmt: skip


def line_pk(world, role, in_scope):
    return {"pk": _line(world, role, in_scope).pk}


def challenge_pk(world, role, in_scope):
    from activity.models import ActivityChallenge

    line = _line(world, role, in_scope)
    challenge = ActivityChallenge.objects.create(
        line=line, pct=line.pct, practice=line.practice, month=line.month, provider=line.provider,
        reason="duplicate", raised_by=world.users[Role.PRACTICE_MANAGER],
    )  # fmt: skip
    return {"pk": challenge.pk}


def referral_upload_pk(world, role, in_scope):
    from activity.models import ReferralUpload

    pct = world.pct if in_scope else world.other_pct
    return {"pk": ReferralUpload.objects.create(pct=pct, filename="referrals.csv", checksum="x").pk}


def provider(world, role, in_scope):
    return {"provider": "RD1"}


ROUTES = [
    Route("activity:line_list", ALL_ROLES),
    Route("activity:challenge_create", CHALLENGERS, kwargs=line_pk),
    Route("activity:challenge_list", ALL_ROLES),
    Route("activity:challenge_decide", DECIDERS, kwargs=challenge_pk),
    # A query list is a download: the page address sends to its CSV.
    Route("activity:provider_query_list", QUERY_READERS, kwargs=provider, ok_status=302, scoped_roles=set()),
    Route("activity:validation_return_list", ALL_ROLES),
    # An empty form is refused with a message: the matrix checks who gets that far.
    Route("activity:validation_return_submit", CHALLENGERS, method="post", ok_status=302),
    Route("activity:validation_month_close", CLOSERS, method="post", ok_status=302),
    Route("activity-line-list", ALL_ROLES, api=True),
    Route("activity-challenge-list", ALL_ROLES, api=True),
    # Without ?practice= an allowed caller gets past the permission check to the field error (400).
    Route("high-cost-patient-list", ALL_ROLES, api=True, ok_status=400),
    Route("cost-concentration-list", ALL_ROLES, api=True),
    Route("activity:high_cost_patients", ALL_ROLES),
    # An empty decision is refused (400) after the scope check (404): who gets that far is checked.
    Route(
        "activity-challenge-decision", DECIDERS, api=True, kwargs=challenge_pk, method="post", ok_status=400
    ),
    Route("validation-return-list", ALL_ROLES, api=True),
    # Referrals.
    Route("activity:referral_rate_list", ALL_ROLES),
    Route("activity:referral_upload_list", REFERRAL_UPLOAD_VIEWERS),
    Route("activity:referral_upload_create", REFERRAL_UPLOADERS),
    Route("activity:referral_upload_detail", REFERRAL_UPLOAD_VIEWERS, kwargs=referral_upload_pk),
    Route("referral-rate-list", ALL_ROLES, api=True),
    Route("referral-upload-list", REFERRAL_UPLOAD_VIEWERS, api=True),
]
