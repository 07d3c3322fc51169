"""schemathesis over the whole API schema, as a PCT-staff read-write client and as a practice
manager: no server errors, and every response (status, content type, body) matches the schema."""

from __future__ import annotations

import os
import secrets

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks

from pbc.choices import ApiTokenScope, Role
from pbc.models import ApiToken
from pbc.wsgi import application
from tests.factories.pbc import LocalityFactory, PctFactory, PracticeFactory, member

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Explicit examples and generated (valid and invalid) cases; the exhaustive coverage phase would
# multiply the run time for little extra reach.
schema.config.phases.coverage.enabled = False

# Enough cases per operation to reach invalid bodies, odd query values and missing objects, while
# the two runs over the whole schema stay within a couple of minutes in `make test`.
MAX_EXAMPLES = int(os.environ.get("PBC_FUZZ_EXAMPLES", "4"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def token_header(user, scope=ApiTokenScope.READ_WRITE) -> dict:
    """A token for any user, so the fuzzing acts with each role's own rights and scope."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name="fuzz", prefix=key[:8], key_hash=ApiToken.hash_key(key), scope=scope
    )
    return {"Authorization": f"Token {key}"}


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go straight to the WSGI application, which closes the database connection at the end of
    each request; inside a test transaction (PostgreSQL) the connection must stay open, as Django's
    test client arranges."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def organisations(db):
    pct = PctFactory(code="5WV")
    locality = LocalityFactory(pct=pct, code="5WV-NORTH")
    return pct, PracticeFactory(pct=pct, locality=locality, code="L85001")


@pytest.fixture
def pct_staff_headers(organisations):
    return token_header(member(Role.PCT_FINANCE, pct=organisations[0]))


@pytest.fixture
def practice_manager_headers(organisations):
    pct, practice = organisations
    return token_header(member(Role.PRACTICE_MANAGER, pct=pct, practice=practice))


@schema.parametrize()
@FUZZ
def test_api_as_pct_staff(case, pct_staff_headers):
    case.call_and_validate(headers=pct_staff_headers, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_as_practice_manager(case, practice_manager_headers):
    case.call_and_validate(headers=practice_manager_headers, checks=CHECKS)
