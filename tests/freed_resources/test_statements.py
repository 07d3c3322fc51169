"""Locality and pooled-consortium statements (page, Excel, PDF), the home-page pot panel, and the query
counts of every freed-up resources page and API list, pinned."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from freed_resources import services
from pbc.choices import Role
from tests.factories.freed_resources import (
    POUND,
    backdate_approval,
    confirmed_declaration,
    fy,
    monthly_rows,
    proposal,
    published_budgets,
    report_figures,
    set_scheme,
)
from tests.freed_resources.test_proposals import JULY_2008, NEL_TARGET
from tests.freed_resources.test_services import approve

pytestmark = pytest.mark.django_db


def pool_declaration(world, finance):
    """North pools Abbey (saves £60,000) and Bridge (overspends £10,000): £50,000 freed, national split."""
    published_budgets(world.pct)
    set_scheme(world.pct)
    report_figures(world.practice, {"OP": (300_000, 240_000)})
    report_figures(world.neighbour, {"OP": (200_000, 210_000)})
    draft = services.declaration_prepare(
        kind="pool", locality=world.north, year=fy(2007), through_month=12, actor=finance
    )
    return services.declaration_confirm(declaration=draft, actor=finance)


def sheet_rows(response, title):
    book = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_pooled_consortium_statement_page_excel_and_pdf(client, world, finance, chair_and_voters):
    pool_declaration(world, finance)
    shared = proposal(world, cost_pence=20_000 * POUND)
    shared.practices.add(world.neighbour)
    approve(shared, chair_and_voters)
    services.proposal_spend_record(application=shared, amount_pence=5_000 * POUND, actor=finance)
    client.force_login(world.users[Role.LOCALITY_LEAD])
    args = [world.north.code, 2007]
    page = client.get(reverse("freed_resources:statement_locality", args=args))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pooled consortium" in html and "L85002 £-10,000.00 (overspent)".replace("£-", "-£") in html
    # £50,000 freed: 70% (£35,000) to the pool's pot, £20,000 committed, £5,000 spent, £15,000 remaining.
    for figure in ("£50,000.00", "£35,000.00", "£20,000.00", "£5,000.00", "£15,000.00", shared.title):
        assert figure in html, figure
    xlsx = client.get(reverse("freed_resources:statement_locality_xlsx", args=args))
    assert xlsx["Content-Disposition"].endswith('filename="freed-resources-5WV-NORTH-2007.xlsx"')
    members = sheet_rows(xlsx, "Pool members")
    assert members[1][0] == "L85001" and members[2][2] == "yes"
    pot = sheet_rows(xlsx, "Pot")
    assert [float(v) for v in pot[1]] == [35_000, 20_000, 5_000, 15_000]
    proposals = sheet_rows(xlsx, "Proposals")
    assert proposals[1][0] == shared.title and float(proposals[1][4]) == 5_000
    pdf = client.get(reverse("freed_resources:statement_locality_pdf", args=args))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A practice's own statement does not show the consortium's pot.
    practice_page = client.get(
        reverse("freed_resources:statement_practice", args=[world.practice.code, 2007])
    )
    assert "No reinvestment pot yet." in practice_page.content.decode()


def test_locality_statement_is_scoped(client, world, finance):
    pool_declaration(world, finance)
    client.force_login(world.users[Role.LOCALITY_LEAD])
    south = client.get(reverse("freed_resources:statement_locality", args=[world.south.code, 2007]))
    assert south.status_code == 404


def test_locality_declaration_statement(client, world, finance):
    published_budgets(world.pct)
    set_scheme(world.pct)
    report_figures(world.south, {"NEL": (400_000, 300_000)}, level="locality")
    draft = services.declaration_prepare(
        kind="locality", locality=world.south, year=fy(2007), through_month=12, actor=finance
    )
    services.declaration_confirm(declaration=draft, actor=finance)
    client.force_login(finance)
    html = client.get(
        reverse("freed_resources:statement_locality", args=[world.south.code, 2007])
    ).content.decode()
    assert "Locality / consortium, version 1, confirmed" in html and "£70,000.00" in html


def test_home_panel_shows_pots_in_scope(client, world, finance):
    confirmed_declaration(world)  # Abbey: pot £140,000
    confirmed_declaration(world, world.far)  # Castle (South): pot £140,000
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    html = client.get(reverse("home")).content.decode()
    assert "Reinvestment pots" in html and "L85001 Abbey Surgery" in html and "L85003" not in html
    client.force_login(finance)
    html = client.get(reverse("home")).content.decode()
    assert "All 2 pots" in html and "£280,000.00" in html
    client.force_login(world.users[Role.LOCALITY_LEAD])  # North: Abbey only
    html = client.get(reverse("home")).content.decode()
    assert "All 1 pot" in html and "L85003" not in html


def test_home_panel_absent_without_pots(client, world):
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    assert "Reinvestment pots" not in client.get(reverse("home")).content.decode()


# --- query counts ------------------------------------------------------------------------------------------


@pytest.fixture
def busy(world, finance, chair_and_voters):
    """Several practices' declarations, pots, proposals (approved, with benefits and spending)."""
    made = []
    for practice in (world.practice, world.neighbour, world.far):
        confirmed_declaration(world, practice)
        for n in range(2):
            application = proposal(world, practice, cost_pence=(10_000 + n) * POUND)
            services.expected_benefits_set(application=application, targets=[NEL_TARGET], actor=finance)
            approve(application, chair_and_voters)
            backdate_approval(application, JULY_2008)
            services.proposal_spend_record(application=application, amount_pence=POUND, actor=finance)
            made.append(application)
        monthly_rows(practice, "NEL", date(2008, 1, 1), [40] * 6 + [0] + [35] * 3)
    return made


def first_declaration() -> int:
    from freed_resources.models import Declaration

    return Declaration.objects.order_by("pk").first().pk


PAGES = [
    ("freed_resources:declaration_list", lambda w, b: []),
    ("freed_resources:summary", lambda w, b: []),
    ("freed_resources:summary_xlsx", lambda w, b: []),
    ("freed_resources:statement_practice", lambda w, b: [w.practice.code, 2007]),
    ("freed_resources:statement_practice_xlsx", lambda w, b: [w.practice.code, 2007]),
    ("freed_resources:statement_practice_pdf", lambda w, b: [w.practice.code, 2007]),
    ("freed_resources:statement_locality", lambda w, b: [w.north.code, 2007]),
    ("freed_resources:statement_locality_xlsx", lambda w, b: [w.north.code, 2007]),
    ("freed_resources:statement_locality_pdf", lambda w, b: [w.north.code, 2007]),
    ("freed_resources:proposal_detail", lambda w, b: [b[0].pk]),
    ("freed_resources:scheme_list", lambda w, b: []),
    ("freed_resources:scheme_edit", lambda w, b: []),
    ("freed_resources:calculate", lambda w, b: []),
    ("freed_resources:declaration_create", lambda w, b: []),
    ("freed_resources:declaration_detail", lambda w, b: [first_declaration()]),
    ("freed_resources:declaration_confirm", lambda w, b: [first_declaration()]),
    ("home", lambda w, b: []),
]
API_LISTS = [
    "freed-declaration-list",
    "freed-split-list",
    "freed-pot-list",
    "freed-ledger-list",
    "freed-scheme-list",
    "freed-proposal-list",
]
# Session, user, memberships/permissions and the page's own reads; each bound holds however many rows.
PAGE_QUERIES = 40
API_QUERIES = 14


@pytest.mark.parametrize(("name", "args"), PAGES, ids=[p[0] for p in PAGES])
def test_page_queries_are_bounded(client, world, finance, busy, django_assert_max_num_queries, name, args):
    client.force_login(finance)
    url = reverse(name, args=args(world, busy))
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200, (name, response.status_code)


def test_summary_and_statement_queries_do_not_grow_with_proposals(
    client, world, finance, busy, chair_and_voters, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(finance)
    urls = [
        reverse("freed_resources:summary"),
        reverse("freed_resources:statement_practice", args=[world.practice.code, 2007]),
        reverse("freed-proposal-list"),
    ]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    for n in range(3):
        application = proposal(world, cost_pence=(100 + n) * POUND)
        services.expected_benefits_set(application=application, targets=[NEL_TARGET], actor=finance)
        approve(application, chair_and_voters)
        services.proposal_spend_record(application=application, amount_pence=POUND, actor=finance)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            client.get(url)


@pytest.mark.parametrize("name", API_LISTS)
def test_api_list_queries_are_bounded(client, world, finance, busy, django_assert_max_num_queries, name):
    client.force_login(world.users[Role.API_CLIENT])
    with django_assert_max_num_queries(API_QUERIES):
        response = client.get(reverse(name))
    assert response.status_code == 200 and response.json()["count"] > 0 or name == "freed-scheme-list"


def test_api_benefit_queries_are_bounded(client, world, busy, django_assert_max_num_queries):
    client.force_login(world.users[Role.API_CLIENT])
    with django_assert_max_num_queries(API_QUERIES):
        response = client.get(reverse("freed-proposal-benefit", args=[busy[0].pk]))
    assert response.json()["benefit_status"] == "achieved"
