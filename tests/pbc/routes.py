"""Permission-matrix entries for the organisation core's pages and API."""

from pbc.choices import Role
from tests.mixins.matrix import ALL_ROLES, PCT_STAFF, Route


def practice_code(world, role, in_scope):
    if role == Role.PRACTICE_MANAGER:
        return {"code": (world.practice if in_scope else world.neighbour).code}
    if role == Role.LOCALITY_LEAD:
        return {"code": (world.neighbour if in_scope else world.far).code}
    return {"code": (world.far if in_scope else world.foreign).code}


def locality_code(world, role, in_scope):
    if role in (Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD):
        return {"code": (world.north if in_scope else world.south).code}
    return {"code": (world.south if in_scope else world.foreign.locality).code}


def list_size_pk(world, role, in_scope):
    from tests.factories.pbc import ListSizeFactory

    target = practice_code(world, role, in_scope)["code"]
    from pbc.models import Practice

    return {"pk": ListSizeFactory(practice=Practice.objects.get(code=target)).pk}


def import_run_pk(world, role, in_scope):
    from pbc.services import import_file

    pct = world.pct if in_scope else world.other_pct
    run = import_file(
        kind="list_sizes",
        pct=pct,
        filename="l.csv",
        data=b"CODE,NUMBER_OF_PATIENTS,EXTRACT_DATE\nL85001,10,2024-04-01\n",
        actor=None,
    )
    return {"pk": run.pk}


def pct_code(world, role, in_scope):
    return {"code": (world.pct if in_scope else world.other_pct).code}


IMPORT_VIEWERS = PCT_STAFF | {Role.AUDITOR}
API_CLIENTS = {Role.API_CLIENT, Role.API_CLIENT_WRITE}


def api_token_pk(world, role, in_scope):
    """The role's own token (in scope), or another user's (out of scope: 404). Only API clients may rotate."""
    from pbc.models import ApiToken

    owner = world.users[role] if in_scope else world.users[Role.API_CLIENT]
    if not in_scope and role == Role.API_CLIENT:
        owner = world.users[Role.API_CLIENT_WRITE]
    count = ApiToken.objects.count()
    token = ApiToken.objects.create(
        user=owner, name="matrix", prefix=f"m{count:07d}", key_hash=ApiToken.hash_key(f"matrix-{count}")
    )
    return {"pk": token.pk}


ROUTES = [
    Route("home", ALL_ROLES),
    Route("pbc:practice_list", ALL_ROLES),
    Route("pbc:practice_detail", ALL_ROLES, kwargs=practice_code),
    Route("pbc:locality_list", ALL_ROLES),
    Route("pbc:locality_detail", ALL_ROLES, kwargs=locality_code),
    Route("pbc:provider_list", ALL_ROLES),
    Route("pbc:import_list", IMPORT_VIEWERS),
    Route("pbc:import_create", PCT_STAFF),
    Route("pbc:import_detail", IMPORT_VIEWERS, kwargs=import_run_pk),
    Route("api-root", ALL_ROLES, api=True),
    Route("pct-list", ALL_ROLES, api=True),
    Route("pct-detail", ALL_ROLES, api=True, kwargs=pct_code),
    Route("locality-list", ALL_ROLES, api=True),
    Route("locality-detail", ALL_ROLES, api=True, kwargs=locality_code),
    Route("practice-list", ALL_ROLES, api=True),
    Route("practice-detail", ALL_ROLES, api=True, kwargs=practice_code),
    Route("list-size-list", ALL_ROLES, api=True),
    Route("list-size-detail", ALL_ROLES, api=True, kwargs=list_size_pk),
    Route("provider-list", ALL_ROLES, api=True),
    Route("import-run-list", IMPORT_VIEWERS, api=True),
    Route("import-run-detail", IMPORT_VIEWERS, api=True, kwargs=import_run_pk),
    # Everyone sees their own tokens (most have none); only API clients may rotate theirs.
    Route("api-token-list", ALL_ROLES, api=True),
    # Every role polls the feed; each kind of event is narrowed to what its pages show the role.
    Route("event-list", ALL_ROLES, api=True),
    Route("api-token-rotate", API_CLIENTS, api=True, kwargs=api_token_pk, method="post", ok_status=201),
    # Providers are national reference data: no out-of-scope case.
    Route(
        "provider-detail",
        ALL_ROLES,
        api=True,
        kwargs=lambda w, r, i: {"code": w.provider.code},
        scoped_roles=set(),
    ),
]
