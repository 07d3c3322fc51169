"""Permission-matrix entries for the FHIR facade (answered like the REST API: 401 anonymous, 404 out of
scope). Organisations are scoped as in the REST API; providers are national reference data."""

from tests.mixins.matrix import ALL_ROLES, Route
from tests.pbc.routes import practice_code


def organization_id(world, role, in_scope):
    return {"logical_id": f"practice-{practice_code(world, role, in_scope)['code']}"}


def affiliation_id(world, role, in_scope):
    from pbc.models import Practice

    practice = Practice.objects.select_related("locality").get(**practice_code(world, role, in_scope))
    return {"logical_id": f"practice-{practice.code}.locality-{practice.locality.code}"}


def measure_report_id(world, role, in_scope):
    from budgets.models import ReportRow
    from pbc.models import Practice
    from tests.factories.fhir import report_rows

    code = practice_code(world, role, in_scope)["code"]
    practice = Practice.objects.get(code=code)
    if not ReportRow.objects.filter(practice=practice).exists():
        report_rows(practice)
    return {"logical_id": f"practice-{code}-2007-04"}


ROUTES = [
    Route("fhir:metadata", ALL_ROLES, api=True),
    Route("fhir:organization_search", ALL_ROLES, api=True),
    Route("fhir:organization_read", ALL_ROLES, api=True, kwargs=organization_id),
    Route("fhir:organization_affiliation_search", ALL_ROLES, api=True),
    Route("fhir:organization_affiliation_read", ALL_ROLES, api=True, kwargs=affiliation_id),
    Route("fhir:measure_report_search", ALL_ROLES, api=True),
    Route("fhir:measure_report_read", ALL_ROLES, api=True, kwargs=measure_report_id),
]
