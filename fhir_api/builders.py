"""FHIR R4 resources as plain dicts, built from rows already loaded (no queries here).

Logical ids are stable and unique across kinds of organisation: ``pct-5WV``, ``locality-5WV-NORTH``,
``practice-L85001``, ``provider-RD1``; an affiliation is ``<participant id>.<primary id>``; a practice's
monthly report is ``practice-L85001-2007-04``. Money is a ``Quantity`` in GBP whose value is a ``Decimal``
made from integer pence (``fhir.renderers`` writes it exactly).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from pbc.money import pence_to_decimal

FHIR_VERSION = "4.0.1"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
UK_CORE_ORGANIZATION = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization"
ORG_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/organization-type"
ORG_ROLE_SYSTEM = "http://hl7.org/fhir/organization-role"
POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
IMPROVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
ISSUE_TYPE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported"}
CURRENCY_SYSTEM = "urn:iso:std:iso:4217"
UCUM = "http://unitsofmeasure.org"

# Local code systems, named under the facade's own base URL.
KIND_PATH = "/CodeSystem/pbc-organisation-kind"
CATEGORY_PATH = "/CodeSystem/pbc-budget-category"
FIGURE_PATH = "/CodeSystem/pbc-budget-figure"
MEASURE_PATH = "/Measure/pbc-budget-versus-activity"

KINDS = ("pct", "locality", "practice", "provider")
_KIND_LABEL = {
    "pct": "Primary care trust",
    "locality": "Locality",
    "practice": "GP practice",
    "provider": "Provider",
}
_HL7_TYPE = {
    "pct": ("govt", "Government"),
    "locality": ("other", "Other"),
    "practice": ("prov", "Healthcare Provider"),
    "provider": ("prov", "Healthcare Provider"),
}
# (code, display, ReportRow field, unit): every figure of a report row, in report order.
FIGURES = (
    ("budget", "Budget for the month", "budget_pence", "GBP"),
    ("actual", "Actual spend in the month", "actual_pence", "GBP"),
    ("ytd-budget", "Budget to date", "ytd_budget_pence", "GBP"),
    ("ytd-actual", "Actual spend to date", "ytd_actual_pence", "GBP"),
    ("variance", "Variance to date (spend − budget)", "variance_pence", "GBP"),
    ("variance-percent", "Variance to date, % of budget to date", "variance_tenths", "%"),
    ("annual-budget", "Annual budget", "annual_budget_pence", "GBP"),
    ("forecast-outturn", "Forecast outturn", "forecast_outturn_pence", "GBP"),
    ("forecast-variance", "Forecast variance (outturn − annual budget)", "forecast_variance_pence", "GBP"),
)


def org_id(kind: str, code: str) -> str:
    return f"{kind}-{code}"


def split_org_id(logical_id: str) -> tuple[str, str] | None:
    """``practice-L85001`` → ``("practice", "L85001")``; ``None`` for an id of no known kind."""
    kind, sep, code = logical_id.partition("-")
    if not sep or kind not in KINDS or not code:
        return None
    return kind, code.upper()


def reference(kind: str, obj) -> dict:
    return {
        "reference": f"Organization/{org_id(kind, obj.code)}",
        "identifier": {"system": ODS_SYSTEM, "value": obj.code},
        "display": obj.name,
    }


def parent_of(kind: str, obj) -> tuple[str, object] | None:
    """The organisation this one is part of: a practice's locality (or its PCT), a locality's PCT."""
    if kind == "practice":
        return ("locality", obj.locality) if obj.locality_id else ("pct", obj.pct)
    if kind == "locality":
        return "pct", obj.pct
    return None


def _active(obj, today: date) -> bool:
    return obj.is_open_on(today)


def organization(kind: str, obj, *, base: str, today: date) -> dict:
    code, display = _HL7_TYPE[kind]
    resource = {
        "resourceType": "Organization",
        "id": org_id(kind, obj.code),
        "meta": {"profile": [UK_CORE_ORGANIZATION]},
        "identifier": [{"system": ODS_SYSTEM, "value": obj.code}],
        "active": _active(obj, today),
        "type": [
            {"coding": [{"system": ORG_TYPE_SYSTEM, "code": code, "display": display}]},
            {"coding": [{"system": base + KIND_PATH, "code": kind, "display": _KIND_LABEL[kind]}]},
        ],
        "name": obj.name,
    }
    postcode = getattr(obj, "postcode", "")
    if postcode:
        resource["address"] = [{"postalCode": postcode, "country": "GB"}]
    parent = parent_of(kind, obj)
    if parent is not None:
        resource["partOf"] = reference(*parent)
    return resource


def affiliation_id(kind: str, obj) -> str | None:
    parent = parent_of(kind, obj)
    if parent is None:
        return None
    return f"{org_id(kind, obj.code)}.{org_id(parent[0], parent[1].code)}"


def organization_affiliation(kind: str, obj, *, today: date) -> dict:
    """``obj`` (a practice or a locality) as a member of the organisation it is part of."""
    parent_kind, parent = parent_of(kind, obj)
    resource = {
        "resourceType": "OrganizationAffiliation",
        "id": affiliation_id(kind, obj),
        "active": _active(obj, today) and _active(parent, today),
        "organization": reference(parent_kind, parent),
        "participatingOrganization": reference(kind, obj),
        "code": [{"coding": [{"system": ORG_ROLE_SYSTEM, "code": "member", "display": "Member"}]}],
    }
    period = {}
    if obj.open_date:
        period["start"] = obj.open_date.isoformat()
    if obj.close_date:
        period["end"] = obj.close_date.isoformat()
    if period:
        resource["period"] = period
    return resource


def money(pence: int) -> dict:
    return {"value": pence_to_decimal(pence), "unit": "GBP", "system": CURRENCY_SYSTEM, "code": "GBP"}


def _quantity(value: int, unit: str) -> dict:
    if unit == "GBP":
        return money(value)
    return {"value": Decimal(value).scaleb(-1), "unit": "%", "system": UCUM, "code": "%"}


def measure_report_id(practice_code: str, month_start: date) -> str:
    return f"practice-{practice_code}-{month_start:%Y-%m}"


@dataclass(frozen=True)
class MonthReport:
    """A practice's report rows of one month (provider ``ALL``: one per category, ``ALL`` for the total)."""

    practice: object
    pct: object
    month_start: date
    rows: Sequence  # budgets.models.ReportRow


def _group(row, *, base: str, category_names: dict[str, str]) -> dict:
    name = category_names.get(row.category) or (
        "All devolved categories" if row.category == "ALL" else row.category
    )
    group: dict = {
        "code": {
            "coding": [{"system": base + CATEGORY_PATH, "code": row.category, "display": name}],
            "text": name,
        }
    }
    if row.activity_count is not None:
        group["population"] = [
            {
                "code": {"coding": [{"system": POPULATION_SYSTEM, "code": "initial-population"}]},
                "count": row.activity_count,
            }
        ]
    if row.variance_pence is not None:
        group["measureScore"] = money(row.variance_pence)
    strata = [
        {
            "value": {"coding": [{"system": base + FIGURE_PATH, "code": code, "display": display}]},
            "measureScore": _quantity(getattr(row, attr), unit),
        }
        for code, display, attr, unit in FIGURES
        if getattr(row, attr) is not None
    ]
    group["stratifier"] = [{"code": [{"text": "Budget figure"}], "stratum": strata}]
    return group


def measure_report(report: MonthReport, *, base: str, category_names: dict[str, str]) -> dict:
    start = report.month_start
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    rows = sorted(report.rows, key=lambda r: (r.category == "ALL", r.category))
    future = any(r.is_future for r in rows)
    return {
        "resourceType": "MeasureReport",
        "id": measure_report_id(report.practice.code, start),
        "status": "pending" if future else "complete",
        "type": "summary",
        "measure": base + MEASURE_PATH,
        "subject": reference("practice", report.practice),
        "reporter": reference("pct", report.pct),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "improvementNotation": {"coding": [{"system": IMPROVEMENT_SYSTEM, "code": "decrease"}]},
        "group": [_group(r, base=base, category_names=category_names) for r in rows],
    }


def operation_outcome(status: int, message: str) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": ISSUE_TYPE.get(status, "processing"), "diagnostics": message}
        ],
    }


def bundle(
    *,
    resource_type: str,
    resources: Iterable[dict],
    total: int,
    base: str,
    query: list[tuple[str, str]],
    count: int,
    page: int,
) -> dict:
    """A searchset Bundle of one page, with self, first, previous and next links."""

    def link(relation: str, on_page: int) -> dict:
        params = urlencode([*query, ("_count", str(count)), ("_page", str(on_page))])
        return {"relation": relation, "url": f"{base}/{resource_type}?{params}"}

    links = [link("self", page), link("first", 1)]
    if page > 1:
        links.append(link("previous", page - 1))
    if count and page * count < total:
        links.append(link("next", page + 1))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


SEARCH_PARAMS = {
    "Organization": [
        ("identifier", "token", f"ODS code: {ODS_SYSTEM}|<code>, or the code alone"),
        ("name", "string", "Part of the name, any case"),
    ],
    "OrganizationAffiliation": [
        ("participating-organization", "reference", "Organization/<id> of the member (practice or locality)"),
        ("primary-organization", "reference", "Organization/<id> it is a member of (locality or PCT)"),
    ],
    "MeasureReport": [
        ("subject", "reference", "Organization/practice-<code>"),
        ("subject:identifier", "token", f"{ODS_SYSTEM}|<practice code>"),
        ("period", "date", "ge/gt/le/lt/eq YYYY, YYYY-MM or YYYY-MM-DD (repeatable)"),
    ],
}


def capability_statement(*, base: str, software_version: str, today: date) -> dict:
    common = [
        ("_count", "number", "Page size (default 20, at most 100)"),
        ("_page", "number", "Page number, from 1"),
    ]
    resources = []
    for resource_type, params in SEARCH_PARAMS.items():
        entry = {
            "type": resource_type,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": name, "type": kind, "documentation": doc} for name, kind, doc in [*params, *common]
            ],
        }
        if resource_type == "Organization":
            entry["supportedProfile"] = [UK_CORE_ORGANIZATION]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": today.isoformat(),
        "publisher": "PBC Manager",
        "kind": "instance",
        "software": {"name": "PBC Manager", "version": software_version},
        "implementation": {"description": "PBC Manager FHIR R4 read facade", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only, scoped like the REST API: a practice's users see their own practice (with its "
                    "locality and PCT) and its reports; a locality's, its practices; PCT staff, the whole PCT."
                ),
                "security": {"description": "API token (Authorization: Token <key>) or a signed-in session."},
                "resource": resources,
            }
        ],
    }
