"""The FHIR R4 read facade: thin views that parse the search, call a selector and a builder.

Authentication and capability checks are the REST API's (token or session; the view permission of what is
read); scope comes from the selectors. Errors are OperationOutcomes: 401 without credentials, 403 without
the capability, 404 for an unknown or out-of-scope id, 400 for a search parameter that is not understood.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import metadata

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from fhir_api import builders, selectors
from fhir_api.params import SearchError, check_format, month_bounds, ods_code, organization_id, parse
from fhir_api.renderers import FHIR_JSON, FhirJsonRenderer, FhirOnlyNegotiation, dumps
from pbc.api.permissions import ScopedModelPermissions


def fhir_exception_handler(exc, context):
    """Every error as an OperationOutcome (DRF has already chosen 401 or 403 for a refusal)."""
    if isinstance(exc, SearchError):
        status, message = 400, str(exc)
    elif isinstance(exc, Http404):
        status, message = 404, str(exc) or "Not found, or not in your scope."
    elif isinstance(exc, exceptions.APIException):
        status, message = exc.status_code, str(exc.detail)
    else:
        return None
    response = Response(builders.operation_outcome(status, message), status=status)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


def base_url(request) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")


class FhirView(APIView):
    renderer_classes = [FhirJsonRenderer]
    content_negotiation_class = FhirOnlyNegotiation
    parser_classes: list = []
    permission_classes = [ScopedModelPermissions]
    http_method_names = ["get", "head"]
    schema = None  # described by /fhir/metadata, not the REST API's OpenAPI schema

    def get_exception_handler(self):
        return fhir_exception_handler

    def today(self) -> date:
        return timezone.localdate()


def _version() -> str:
    try:
        return metadata.version("pbc-manager")
    except metadata.PackageNotFoundError:
        return "unknown"


class MetadataView(FhirView):
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        check_format(request.query_params)
        return Response(
            builders.capability_statement(
                base=base_url(request), software_version=_version(), today=self.today()
            )
        )


ORGANIZATION_PERMS = ("pbc.view_pct", "pbc.view_locality", "pbc.view_practice", "pbc.view_provider")


class OrganizationSearchView(FhirView):
    required_permissions = ORGANIZATION_PERMS

    def get(self, request):
        search = parse(request.query_params, {"identifier", "name", "name:contains"})
        values = search.values
        code = ods_code(values["identifier"]) if "identifier" in values else ""
        name = values.get("name:contains", values.get("name", "")).strip()
        page = selectors.organization_search(
            user=request.user, code=code, name=name, offset=search.paging.offset, limit=search.paging.count
        )
        base, today = base_url(request), self.today()
        resources = [builders.organization(kind, obj, base=base, today=today) for kind, obj in page.items]
        return _bundle("Organization", resources, page.total, base, search)


class OrganizationReadView(FhirView):
    required_permissions = ORGANIZATION_PERMS

    def get(self, request, logical_id: str):
        check_format(request.query_params)
        kind, obj = selectors.organization_get(user=request.user, logical_id=logical_id)
        return Response(builders.organization(kind, obj, base=base_url(request), today=self.today()))


AFFILIATION_PERMS = ("pbc.view_locality", "pbc.view_practice")


class AffiliationSearchView(FhirView):
    required_permissions = AFFILIATION_PERMS

    def get(self, request):
        search = parse(request.query_params, {"participating-organization", "primary-organization"})
        refs = {
            name: organization_id(search.values[name], name)
            for name in ("participating-organization", "primary-organization")
            if name in search.values
        }
        page = selectors.affiliation_search(
            user=request.user,
            participating=refs.get("participating-organization"),
            primary=refs.get("primary-organization"),
            offset=search.paging.offset,
            limit=search.paging.count,
        )
        today = self.today()
        resources = [builders.organization_affiliation(kind, obj, today=today) for kind, obj in page.items]
        return _bundle("OrganizationAffiliation", resources, page.total, base_url(request), search)


class AffiliationReadView(FhirView):
    required_permissions = AFFILIATION_PERMS

    def get(self, request, logical_id: str):
        check_format(request.query_params)
        kind, obj = selectors.affiliation_get(user=request.user, logical_id=logical_id)
        return Response(builders.organization_affiliation(kind, obj, today=self.today()))


REPORT_PERMS = ("budgets.view_reportrow",)
_REPORT_ID = re.compile(r"practice-(?P<code>[A-Za-z]\d{5})-(?P<y>\d{4})-(?P<m>\d{2})")


def _subject_code(values: dict) -> str | None:
    """The practice code a MeasureReport search names, ``""`` for none, ``None`` for one that cannot match."""
    codes = []
    if "subject" in values:
        parsed = builders.split_org_id(organization_id(values["subject"], "subject"))
        codes.append(parsed[1] if parsed and parsed[0] == "practice" else None)
    if "subject:identifier" in values:
        codes.append(ods_code(values["subject:identifier"]))
    if None in codes or len(set(codes)) > 1:
        return None
    return codes[0] if codes else ""


class MeasureReportSearchView(FhirView):
    required_permissions = REPORT_PERMS

    def get(self, request):
        search = parse(
            request.query_params,
            {"subject", "subject:identifier", "period"},
            repeatable=frozenset({"period"}),
        )
        found = selectors.measure_report_search(
            user=request.user,
            practice_code=_subject_code(search.values),
            months=[month_bounds(p) for p in search.periods],
            offset=search.paging.offset,
            limit=search.paging.count,
        )
        base = base_url(request)
        resources = [builders.measure_report(r, base=base, category_names=n) for r, n in found.reports]
        return _bundle("MeasureReport", resources, found.total, base, search)


class MeasureReportReadView(FhirView):
    required_permissions = REPORT_PERMS

    def get(self, request, logical_id: str):
        check_format(request.query_params)
        match = _REPORT_ID.fullmatch(logical_id)
        try:
            month = date(int(match["y"]), int(match["m"]), 1) if match else None
        except ValueError:
            month = None
        if month is None:
            raise Http404("No such MeasureReport.")
        report, names = selectors.measure_report_get(
            user=request.user, practice_code=match["code"].upper(), month_start=month
        )
        return Response(builders.measure_report(report, base=base_url(request), category_names=names))


def _bundle(resource_type, resources, total, base, search) -> Response:
    return Response(
        builders.bundle(
            resource_type=resource_type,
            resources=resources,
            total=total,
            base=base,
            query=search.as_query(),
            count=search.paging.count,
            page=search.paging.page,
        )
    )


@csrf_exempt  # nothing is changed; any method to an unknown address gets the FHIR 404
def fhir_not_found(request, *args, **kwargs):
    body = builders.operation_outcome(404, f"No FHIR resource or interaction at {request.path}.")
    return HttpResponse(dumps(body), status=404, content_type=FHIR_JSON)
