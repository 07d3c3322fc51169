"""Permission-matrix entries for every page and API route of freed-up resources."""

from __future__ import annotations

from pbc.choices import Role
from tests.mixins.matrix import ALL_ROLES, Route
from tests.pbc.routes import locality_code, practice_code

FINANCE = {Role.PCT_FINANCE}
DECLARERS = {Role.PCT_FINANCE, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER, Role.API_CLIENT_WRITE}
NOT_PRACTICE = ALL_ROLES - {Role.PRACTICE_MANAGER}


def statement(world, role, in_scope):
    from tests.factories.freed_resources import fy

    fy(2007)
    return {**practice_code(world, role, in_scope), "year": 2007}


def _declaration(world, role, in_scope):
    from freed_resources.models import Declaration
    from pbc.models import Practice
    from tests.factories.freed_resources import fy

    practice = Practice.objects.get(code=practice_code(world, role, in_scope)["code"])
    version = Declaration.objects.filter(practice=practice).count() + 1
    return Declaration.objects.create(
        version=version,
        pct=practice.pct,
        year=fy(2007),
        kind="practice",
        practice=practice,
        locality=practice.locality,
        through_month=12,
    )


def declaration_pk(world, role, in_scope):
    return {"pk": _declaration(world, role, in_scope).pk}


def _pot(world, role, in_scope):
    from freed_resources.models import Pot
    from pbc.models import Practice
    from tests.factories.freed_resources import fy

    practice = Practice.objects.get(code=practice_code(world, role, in_scope)["code"])
    return Pot.objects.get_or_create(
        pct=practice.pct, year=fy(2007), practice=practice, locality=practice.locality
    )[0]


def pot_pk(world, role, in_scope):
    return {"pk": _pot(world, role, in_scope).pk}


def split_pk(world, role, in_scope):
    from freed_resources.models import Split

    d = _declaration(world, role, in_scope)
    split = Split.objects.create(
        declaration=d,
        pct=d.pct,
        practice=d.practice,
        locality=d.locality,
        scheme_name="x",
        scheme={},
        amount_pence=0,
        residue_party="pct",
    )
    return {"pk": split.pk}


def ledger_pk(world, role, in_scope):
    from freed_resources.models import LedgerEntry

    pot = _pot(world, role, in_scope)
    entry = LedgerEntry.objects.create(
        pct=pot.pct,
        year=pot.year,
        practice=pot.practice,
        locality=pot.locality,
        pot=pot,
        kind="pot",
        amount_pence=1,
        description="x",
    )
    return {"pk": entry.pk}


def locality_statement(world, role, in_scope):
    from tests.factories.freed_resources import fy

    fy(2007)
    return {**locality_code(world, role, in_scope), "year": 2007}


def proposal_pk(world, role, in_scope):
    from pbc.models import Practice
    from tests.factories.freed_resources import proposal

    practice = Practice.objects.get(code=practice_code(world, role, in_scope)["code"])
    return {"pk": proposal(world, practice, cost_pence=100).pk}


def scheme_pk(world, role, in_scope):
    from tests.factories.freed_resources import set_scheme

    return {"pk": set_scheme(world.pct if in_scope else world.other_pct).pk}


ROUTES = [
    Route("freed_resources:declaration_list", ALL_ROLES),
    Route("freed_resources:summary", NOT_PRACTICE),
    Route("freed_resources:summary_xlsx", NOT_PRACTICE),
    Route("freed_resources:summary_pdf", NOT_PRACTICE),
    Route("freed_resources:statement_practice", ALL_ROLES, kwargs=statement),
    Route("freed_resources:statement_practice_xlsx", ALL_ROLES, kwargs=statement),
    Route("freed_resources:statement_practice_pdf", ALL_ROLES, kwargs=statement),
    Route("freed_resources:statement_locality", ALL_ROLES, kwargs=locality_statement),
    Route("freed_resources:statement_locality_xlsx", ALL_ROLES, kwargs=locality_statement),
    Route("freed_resources:statement_locality_pdf", ALL_ROLES, kwargs=locality_statement),
    Route("freed_resources:proposal_detail", ALL_ROLES, kwargs=proposal_pk),
    Route("freed_resources:proposal_spend", FINANCE, kwargs=proposal_pk, method="post", ok_status=400),
    Route("freed_resources:proposal_benefit", DECLARERS, kwargs=proposal_pk, method="post", ok_status=400),
    Route("freed_resources:scheme_list", ALL_ROLES),
    Route("freed_resources:scheme_edit", FINANCE),
    Route("freed_resources:calculate", ALL_ROLES),
    Route("freed_resources:declaration_create", DECLARERS),
    Route("freed_resources:declaration_detail", ALL_ROLES, kwargs=declaration_pk),
    Route("freed_resources:declaration_confirm", FINANCE, kwargs=declaration_pk),
    Route("freed-declaration-list", ALL_ROLES, api=True),
    Route("freed-declaration-detail", ALL_ROLES, api=True, kwargs=declaration_pk),
    Route("freed-declaration-create", DECLARERS, api=True, method="post", ok_status=400),
    Route(
        "freed-declaration-confirm", FINANCE, api=True, method="post", kwargs=declaration_pk, ok_status=409
    ),
    Route("freed-split-list", ALL_ROLES, api=True),
    Route("freed-split-detail", ALL_ROLES, api=True, kwargs=split_pk),
    Route("freed-pot-list", ALL_ROLES, api=True),
    Route("freed-pot-detail", ALL_ROLES, api=True, kwargs=pot_pk),
    Route("freed-ledger-list", ALL_ROLES, api=True),
    Route("freed-ledger-detail", ALL_ROLES, api=True, kwargs=ledger_pk),
    Route("freed-scheme-list", ALL_ROLES, api=True),
    Route("freed-scheme-detail", ALL_ROLES, api=True, kwargs=scheme_pk),
    Route(
        "freed-scheme-set",
        FINANCE,
        api=True,
        method="put",
        kwargs=lambda w, r, i: {"year": 2007},
        ok_status=400,
        scoped_roles=set(),
    ),
    Route("freed-proposal-list", ALL_ROLES, api=True),
    Route("freed-proposal-benefit", ALL_ROLES, api=True, kwargs=proposal_pk),
    Route("freed-proposal-spend", FINANCE, api=True, method="post", kwargs=proposal_pk, ok_status=400),
    Route("freed-calculation", ALL_ROLES, api=True, method="post", ok_status=400),
]
