"""Permission-matrix entries for every page and API route of the applications app."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile

from pbc.choices import Role
from tests.mixins.matrix import ALL_ROLES, PCT_STAFF, Route

APPLICANTS = {Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD}
PCT_LEVEL = ALL_ROLES - APPLICANTS
READINESS_VIEWERS = PCT_STAFF | {Role.PEC_MEMBER, Role.BOARD_MEMBER, Role.PROJECT_GROUP, Role.AUDITOR}
ATTACHERS = APPLICANTS | {Role.PCT_COMMISSIONING, Role.PROJECT_GROUP}
MEETING_RUNNERS = {Role.PCT_COMMISSIONING, Role.PEC_MEMBER}  # the commissioning team, and the meeting's chair
DECLARERS = {Role.PEC_MEMBER, Role.BOARD_MEMBER}


def _practice(world, role, in_scope):
    if role == Role.PRACTICE_MANAGER:
        return world.practice if in_scope else world.neighbour
    if role == Role.LOCALITY_LEAD:
        return world.neighbour if in_scope else world.far
    return world.far if in_scope else world.foreign


def _application(world, role, in_scope, **kwargs):
    from tests.factories.applications import application_for

    return application_for(_practice(world, role, in_scope), **kwargs)


def application_pk(world, role, in_scope):
    return {"pk": _application(world, role, in_scope).pk}


def submit_kwargs(world, role, in_scope):
    return {"pk": _application(world, role, in_scope).pk, "action": "submit"}


def attachment_pk(world, role, in_scope):
    from applications.models import Attachment

    application = _application(world, role, in_scope)
    attachment = Attachment(
        application=application,
        original_name="plan.pdf",
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
    )
    attachment.file.save("plan.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return {"pk": attachment.pk}


def _meeting(world, in_scope):
    from tests.factories.applications import MeetingFactory

    pct = world.pct if in_scope else world.other_pct
    return MeetingFactory(pct=pct, chair=world.users[Role.PEC_MEMBER])


def meeting_pk(world, role, in_scope):
    return {"pk": _meeting(world, in_scope).pk}


def agenda_item_pk(world, role, in_scope):
    from applications.choices import ApplicationStatus
    from tests.factories.applications import AgendaItemFactory

    application = _application(world, role, in_scope, status=ApplicationStatus.RECOMMENDED)
    meeting = _meeting(world, in_scope or role in APPLICANTS)
    return {"pk": AgendaItemFactory(meeting=meeting, application=application).pk}


def interest_pk(world, role, in_scope):
    from applications.choices import InterestKind
    from tests.factories.applications import InterestFactory

    pct = world.pct if in_scope else world.other_pct
    declaration = InterestFactory(
        pct=pct, member=world.users[role], kind=InterestKind.OTHER, description="Trustee of a local charity"
    )
    return {"pk": declaration.pk}


def readiness_pk(world, role, in_scope):
    from applications.models import ReadinessReview

    pct = world.pct if in_scope else world.other_pct
    return {"pk": ReadinessReview.objects.get_or_create(pct=pct, review_date=date(2024, 6, 1))[0].pk}


def competency_pk(world, role, in_scope):
    from applications.models import PracticeCompetency

    row, _ = PracticeCompetency.objects.get_or_create(
        practice=_practice(world, role, in_scope), item="delivery_plans", defaults={"status": "met"}
    )
    return {"pk": row.pk}


def practice_code(world, role, in_scope):
    return {"code": _practice(world, role, in_scope).code}


ROUTES = [
    Route("applications:application_list", ALL_ROLES),
    Route("applications:application_create", APPLICANTS),
    Route("applications:application_detail", ALL_ROLES, kwargs=application_pk),
    Route("applications:application_update", APPLICANTS, kwargs=application_pk),
    Route("applications:application_transition", APPLICANTS, kwargs=submit_kwargs),
    Route("applications:assessment_edit", {Role.PROJECT_GROUP}, kwargs=application_pk),
    Route("applications:attachment_create", ATTACHERS, kwargs=application_pk),
    Route("applications:attachment_download", ALL_ROLES, kwargs=attachment_pk),
    Route("applications:meeting_list", PCT_LEVEL),
    Route("applications:meeting_create", {Role.PCT_COMMISSIONING}),
    Route("applications:meeting_detail", PCT_LEVEL, kwargs=meeting_pk),
    Route("applications:agenda_item_add", MEETING_RUNNERS, kwargs=meeting_pk),
    Route("applications:meeting_close", MEETING_RUNNERS, kwargs=meeting_pk),
    Route("applications:meeting_minutes_pdf", PCT_LEVEL, kwargs=meeting_pk),
    Route("applications:meeting_pack_pdf", PCT_LEVEL, kwargs=meeting_pk),
    Route("applications:vote_cast", {Role.PEC_MEMBER}, kwargs=agenda_item_pk),
    Route("applications:decision_record", {Role.PEC_MEMBER}, kwargs=agenda_item_pk),
    Route("applications:item_interest_declare", DECLARERS, kwargs=agenda_item_pk),
    Route("applications:interest_list", PCT_LEVEL),
    Route("applications:interest_create", DECLARERS | {Role.PCT_COMMISSIONING}),
    Route("applications:interest_end", DECLARERS | {Role.PCT_COMMISSIONING}, kwargs=interest_pk),
    Route("applications:notification_list", ALL_ROLES),
    Route("applications:readiness_list", READINESS_VIEWERS),
    Route("applications:readiness_create", PCT_STAFF),
    Route("applications:readiness_detail", READINESS_VIEWERS, kwargs=readiness_pk),
    Route("applications:competency_list", ALL_ROLES),
    Route("applications:competency_practice", ALL_ROLES, kwargs=practice_code),
    Route("applications:decision_rules", PCT_LEVEL),
    Route("application-list", ALL_ROLES, api=True),
    Route("application-detail", ALL_ROLES, api=True, kwargs=application_pk),
    Route("application-submit", APPLICANTS, api=True, kwargs=application_pk),
    Route("application-transitions", ALL_ROLES, api=True, kwargs=application_pk),
    Route("application-assessments", ALL_ROLES, api=True, kwargs=application_pk),
    Route("pec-meeting-list", PCT_LEVEL, api=True),
    Route("pec-meeting-detail", PCT_LEVEL, api=True, kwargs=meeting_pk),
    Route("pec-meeting-agenda", PCT_LEVEL, api=True, kwargs=meeting_pk),
    Route("agenda-item-votes", PCT_LEVEL, api=True, kwargs=agenda_item_pk),
    Route("agenda-item-decision", ALL_ROLES, api=True, kwargs=agenda_item_pk),
    Route("pec-decision-list", ALL_ROLES, api=True),
    Route("interest-list", PCT_LEVEL, api=True),
    # Allowed roles get past permission and scope to the service, which needs a reason: 400 without one.
    Route(
        "interest-end",
        DECLARERS | {Role.PCT_COMMISSIONING},
        api=True,
        kwargs=interest_pk,
        method="post",
        ok_status=400,
    ),
    Route("notification-list", ALL_ROLES, api=True),
    Route("readiness-review-list", READINESS_VIEWERS, api=True),
    Route("readiness-review-detail", READINESS_VIEWERS, api=True, kwargs=readiness_pk),
    # An empty body reaches validation: the matrix checks who gets that far.
    Route("readiness-review-create", PCT_STAFF, api=True, method="post", ok_status=400),
    Route("practice-competency-list", ALL_ROLES, api=True),
    Route("practice-competency-detail", ALL_ROLES, api=True, kwargs=competency_pk),
    Route(
        "practice-competency-record",
        {Role.PCT_COMMISSIONING, Role.PROJECT_GROUP},
        api=True,
        method="post",
        ok_status=400,
    ),
]
