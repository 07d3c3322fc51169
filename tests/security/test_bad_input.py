"""The bad-input drill: bad files through every upload (extract page and API, tariff import, organisation
import) and bad JSON / form values for every writable API endpoint, discovered from the OpenAPI schema
so a new endpoint is covered without being listed. Each gets a clear 4xx (never a 500) and the database
is left exactly as it was."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import zipfile
from functools import cache

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from activity import services
from activity.choices import UploadStatus
from activity.models import ActivityAggregate, ExtractUpload, ProblemRow
from pbc.choices import ImportStatus, Role
from pbc.models import FinancialYear, ImportRun
from tests.drills.conftest import fixture_bytes, row_counts, stored_files
from tests.mixins.matrix import registered_routes

HEADER = b"SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"
ROW = b"S%d,PAT%d,L85001,RD1,300,HA11A,2007-05-01,2007-05-04,21,1,3,45\n"
LIMIT = 4_000  # PBC_MAX_UPLOAD_BYTES during the drill, so "10x the limit" stays small


def _zip_bomb() -> bytes:
    """A small .zip that inflates to 64 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("extract.csv", HEADER + b"0" * (64 * 1024 * 1024))
    return buffer.getvalue()


def _rows(n: int) -> bytes:
    return HEADER + b"".join(ROW % (i, i) for i in range(n))


# Files no upload may accept: refused at once with a reason, nothing stored.
REFUSED_FILES = {
    "wrong_columns": b"NAME,COLOUR,SIZE\nalpha,red,1\nbeta,blue,2\n",
    "header_only": HEADER,
    "empty": b"",
    "binary": bytes(range(256)) * 8,
    "zip_bomb": _zip_bomb(),
    "gzip": gzip.compress(_rows(20)),
    "utf16_without_bom": _rows(3).decode().encode("utf-16-le"),
    "pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\n",
    "ten_times_the_limit": _rows(10 * LIMIT // len(ROW)),
}
assert len(REFUSED_FILES["ten_times_the_limit"]) >= 10 * LIMIT - len(ROW)
assert len(REFUSED_FILES["zip_bomb"]) < 1_000_000

FORMULAS = (
    HEADER
    + b'=HYPERLINK("http://x"),PAT1,L85001,RD1,300,HA11A,2007-05-01,2007-05-04,21,1,3,45\n'
    + b"S2,+cmd|' /C calc'!A0,=1+1,RD1,300,HA11A,2007-05-01,2007-05-04,21,1,3,45\n"
    + b"S3,PAT3,@SUM(A1),-2+3,300,HA11A,2007-05-01,2007-05-04,21,1,3,45\n"
    + ROW % (4, 4)
)
# Files that are readable: accepted, and their bad rows are reported row by row when processed.
ACCEPTED_FILES = {
    "truncated_mid_row": _rows(3) + b"S9,PAT9,L850",
    "utf16_with_bom": codecs.BOM_UTF16_LE + _rows(3).decode().encode("utf-16-le"),
    "formula_cells": FORMULAS,
}


@pytest.fixture
def year(db, settings):
    settings.PBC_MAX_UPLOAD_BYTES = LIMIT
    return FinancialYear.objects.get_or_create(start_year=2007)[0]


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _is_error_page(response) -> bool:
    """A page refusing input: the form again (200) with an error shown, or a 4xx."""
    if 400 <= response.status_code < 500:
        return True
    html = response.content.decode()
    return response.status_code == 200 and (
        "invalid-feedback" in html or "alert-danger" in html or "errorlist" in html
    )


@pytest.mark.parametrize("name", sorted(REFUSED_FILES))
def test_bad_files_are_refused_everywhere_and_nothing_is_stored(
    name, world, year, client, django_capture_on_commit_callbacks
):
    data = REFUSED_FILES[name]
    filename = f"{name}.zip" if name == "zip_bomb" else f"{name}.gz" if name == "gzip" else f"{name}.csv"
    before, files = row_counts(), stored_files()

    api = _api(world.users[Role.API_CLIENT_WRITE])
    response = api.post(
        "/api/v1/uploads/",
        {"dataset": "APC", "year": "2007/08", "file": SimpleUploadedFile(filename, data)},
        format="multipart",
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert set(response.json()) == {"message", "errors", "extra"} and response.json()["message"]

    client.force_login(world.users[Role.PCT_INFORMATION])
    page = client.post(
        reverse("activity:upload_create"),
        {"dataset": "APC", "year": year.pk, "file": SimpleUploadedFile(filename, data)},
    )
    assert _is_error_page(page), (page.status_code, name)

    tariff = client.post(
        reverse("activity:tariff_import"), {"year": year.pk, "admitted": SimpleUploadedFile(filename, data)}
    )
    assert _is_error_page(tariff), (tariff.status_code, name)

    client.force_login(world.users[Role.PCT_FINANCE])
    for kind in ("list_sizes", "practices"):
        with django_capture_on_commit_callbacks(execute=True):
            org = client.post(
                reverse("pbc:import_create"), {"kind": kind, "file": SimpleUploadedFile(filename, data)}
            )
        assert org.status_code in (200, 302), (org.status_code, name, kind)
        if org.status_code == 200:
            assert _is_error_page(org), (name, kind)
    # An organisation file is refused by its import run, which is kept (failed, with its reasons) as the
    # audit record of the attempt; nothing else changes.
    for run in ImportRun.objects.all():
        assert run.status == ImportStatus.FAILED and run.errors, (name, run.kind, run.status)
    after = row_counts()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k] and k != "pbc.ImportRun"}
    assert not changed, changed
    assert {f for f in stored_files() - files if not f.startswith("imports/")} == set()


@pytest.mark.parametrize("name", sorted(ACCEPTED_FILES))
def test_readable_files_with_bad_rows_are_reported_row_by_row(name, world, year, client, settings):
    settings.PBC_MAX_UPLOAD_BYTES = 1_000_000
    services.tariff_import(
        year=year, files={"admitted": ("a.csv", fixture_bytes("admitted_2007.csv"))}, actor=None
    )
    api = _api(world.users[Role.API_CLIENT_WRITE])
    response = api.post(
        "/api/v1/uploads/",
        {
            "dataset": "APC",
            "year": "2007/08",
            "file": SimpleUploadedFile(f"{name}.csv", ACCEPTED_FILES[name]),
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content[:300]
    upload = services.extract_process(upload_id=response.json()["id"])
    assert upload.status == UploadStatus.SUCCEEDED, upload.error
    assert upload.quality["rows"] >= 3
    if name == "truncated_mid_row":
        # The cut-off last line (line 5) is reported as a problem row and never counted as activity.
        assert ProblemRow.objects.filter(upload=upload, line_no=5).exclude(outcome="costed").exists()
        counted = ActivityAggregate.objects.current().filter(upload=upload).aggregate(n=Sum("activity"))
        assert counted["n"] == 3
    if name == "formula_cells":
        client.force_login(world.users[Role.PCT_INFORMATION])
        exported = b"".join(
            client.get(reverse("activity:upload_problems_csv", kwargs={"pk": upload.pk})).streaming_content
        ).decode()
        cells = [
            c for line in exported.splitlines() for c in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", line)
        ]
        assert any(c.lstrip('"').startswith("'=") for c in cells), exported
        assert not any(c.lstrip('"').startswith(("=", "+", "@")) for c in cells), exported
        assert not any(c.lstrip('"').startswith("-") and not c.lstrip('"')[1:2].isdigit() for c in cells)


def test_bad_form_values_on_the_upload_page(world, year, client):
    client.force_login(world.users[Role.PCT_INFORMATION])
    before = row_counts()
    good = SimpleUploadedFile("apc.csv", fixture_bytes("apc_2007.csv"))
    for values in (
        {"dataset": "XYZ", "year": year.pk, "file": good},
        {"dataset": "APC", "year": "not-a-year", "file": good},
        {"dataset": "APC", "year": 999999, "file": good},
        {"dataset": "APC", "year": year.pk, "file": "not a file"},
        {},
    ):
        good.seek(0)
        response = client.post(reverse("activity:upload_create"), values)
        assert _is_error_page(response), values
    assert row_counts() == before
    assert not ExtractUpload.objects.exists()


# --- every writable API endpoint --------------------------------------------------------------------


@cache
def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve_ref(schema: dict) -> dict:
    while "$ref" in schema:
        schema = _schema()["components"]["schemas"][schema["$ref"].split("/")[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve_ref(schema["allOf"][0])
    return schema


def writable_operations() -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, operations in _schema()["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    ]


def _body_schema(method: str, path: str) -> tuple[str | None, dict]:
    content = _schema()["paths"][path][method].get("requestBody", {}).get("content", {})
    for kind in ("application/json", "multipart/form-data"):
        if kind in content:
            return kind, _resolve_ref(content[kind]["schema"])
    return None, {}


def _is_money(prop: dict) -> bool:
    return prop.get("type") == "string" and r"\.\d{2}" in prop.get("pattern", "")


def _plausible(prop: dict):
    prop = _resolve_ref(prop)
    if "example" in prop:
        return prop["example"]
    if prop.get("enum"):
        return prop["enum"][0]
    return {"string": "X", "integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(
        prop.get("type"), "X"
    )


def _wrong_type(prop: dict):
    kind = _resolve_ref(prop).get("type")
    return {
        "integer": "not-a-number",
        "number": "not-a-number",
        "boolean": "perhaps",
        "array": "x",
        "object": "x",
    }.get(kind, {"nested": ["not", "text"]})


def _huge(prop: dict):
    prop = _resolve_ref(prop)
    if _is_money(prop):
        return "9" * 30 + ".00"
    return {"integer": 10**30, "number": 1e308, "string": "x" * 100_000}.get(
        prop.get("type"), _plausible(prop)
    )


def _negative(prop: dict):
    prop = _resolve_ref(prop)
    if _is_money(prop):
        return "-1.00"
    return {"integer": -1, "number": -1}.get(prop.get("type"), _plausible(prop))


def bad_bodies(schema: dict) -> dict[str, tuple[bytes | dict, bool]]:
    """Name → (body, must be refused). Negative amounts and unknown fields can be valid for some endpoints
    (adjustments may be negative, DRF ignores unknown fields): those need only never fail the server."""
    props = schema.get("properties", {})
    with_each = lambda make: {k: make(v) for k, v in props.items()}  # noqa: E731
    return {
        "malformed_json": (b'{"amount": "1.00", ', True),
        "array_not_object": (b"[1, 2, 3]", True),
        "text_not_object": (b'"hello"', True),
        "all_null": (json.dumps(dict.fromkeys(props)).encode(), bool(schema.get("required"))),
        "wrong_types": (json.dumps(with_each(_wrong_type)).encode(), bool(props)),
        "huge_numbers": (
            json.dumps(with_each(_huge)).encode(),
            any(
                _is_money(_resolve_ref(p)) or _resolve_ref(p).get("type") in ("integer", "number")
                for p in props.values()
            ),
        ),
        "negative_money": (json.dumps(with_each(_negative)).encode(), False),
        "unknown_fields_only": (b'{"no_such_field": 1}', bool(schema.get("required"))),
    }


ROLE_ORDER = [
    Role.PCT_FINANCE,
    Role.PCT_COMMISSIONING,
    Role.PCT_INFORMATION,
    Role.API_CLIENT_WRITE,
    Role.PEC_MEMBER,
    Role.PRACTICE_MANAGER,
    Role.LOCALITY_LEAD,
    Role.BOARD_MEMBER,
    Role.PROJECT_GROUP,
    Role.AUDITOR,
]


def _url(world, path: str, role) -> str | None:
    """The endpoint's address for an object in the role's scope, from the permission-matrix entry."""
    view_name = resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name
    route = next((r for r in registered_routes() if r.api and r.name == view_name), None)
    if "{" not in path:
        return path
    if route is None or route.kwargs is None:
        return None
    return reverse(view_name, kwargs=route.kwargs(world, role, True))


def _allowed_role(world, method, path):
    """The first role allowed to write here (it gets past authentication, permission and scope)."""
    for role in ROLE_ORDER:
        url = _url(world, path, role)
        if url is None:
            return None, None
        probe = getattr(_api(world.users[role]), method)(url, b'{"', content_type="application/json")
        if probe.status_code not in (401, 403, 404, 405):
            return role, url
    return None, None


OPERATIONS = writable_operations()


def test_the_schema_lists_the_writable_endpoints():
    assert len(OPERATIONS) >= 30
    assert ("post", "/api/v1/uploads/") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
def test_bad_json_and_values_get_a_clear_4xx_and_change_nothing(method, path, world, year):
    kind, schema = _body_schema(method, path)
    role, url = _allowed_role(world, method, path)
    if role is None:
        pytest.skip("no role reaches this endpoint's validation in the test world")
    api = _api(world.users[role])
    call = getattr(api, method)
    if kind == "multipart/form-data":
        bodies = {
            "bad_form_values": dict.fromkeys(schema.get("properties", {}), "not-valid-\x00"),
            "file_as_text": {
                k: ("not a file" if "binary" in json.dumps(v) else _plausible(v))
                for k, v in schema.get("properties", {}).items()
            },
            "empty_form": {},
        }
        for name, body in bodies.items():
            before = row_counts()
            response = call(url, body, format="multipart")
            assert 400 <= response.status_code < 500, (name, response.status_code, response.content[:300])
            assert row_counts() == before, name
        return
    statuses = {}
    for name, (body, must_refuse) in bad_bodies(schema).items():
        before = row_counts()
        response = call(url, body, content_type="application/json")
        status = statuses[name] = response.status_code
        assert status < 500, (name, status, response.content[:300])
        if must_refuse:
            assert 400 <= status < 500, (name, status, response.content[:300])
        if 400 <= status < 500:
            payload = response.json()
            assert set(payload) == {"message", "errors", "extra"} and payload["message"], (name, payload)
            assert row_counts() == before, name
    # The bodies reached the endpoint's own validation, not only authentication or scope. (An action
    # without a body, e.g. submit, reads none: there a 409 for the object's state is the answer.)
    if kind is not None:
        assert 400 in statuses.values(), (role, statuses)
