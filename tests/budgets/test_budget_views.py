"""Budget and report pages: the finance journey, scope (404 for other practices, in pages and exports),
Excel and CSV exports (totals, formats, no formula injection), home panels, bounded query counts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from budgets.constants import TOTAL
from budgets.models import BudgetCategory, BudgetSet, ReportRow
from pbc.choices import Role
from pbc.models import Practice
from tests.factories.budgets import year


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def test_finance_sets_explains_what_ifs_approves_and_publishes(
    baseline, client, django_capture_on_commit_callbacks
):
    login(client, baseline, Role.PCT_FINANCE)
    response = client.post(
        reverse("budgets:budget_set_create"),
        {
            "year": year(2007).pk, "label": "First go", "baseline_start": "2006-04", "baseline_end": "2007-03",
            "uplift_pct": "2.5", "uplift_by_category": "NEL=4", "list_size_adjustment": "on", "pace_of_change_pct": "0",
            "risk_mode": "top_slice", "risk_top_slice_pct": "1", "unattributed": "central",
            "unattributed_share_basis": "baseline", "phasing": "flat", "rag_green_max_pct": "0", "rag_amber_max_pct": "5",
            "resource": "", "risk_threshold": "",
        },
    )  # fmt: skip
    bs = BudgetSet.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "budgets:budget_set_detail", args=[bs.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "Draft" in page and "Approve" in page and "L85001" in page
    explained = client.get(
        reverse("budgets:practice_budget", args=["L85001"]) + f"?version={bs.pk}"
    ).content.decode()
    # 420,000 × 1.04 × 5,500/5,000 = 480,480; 1% top-slice → 475,675.20
    assert "£4,804.80" in explained and "Top-slice 1% of £4,804.80 to the central risk pool" in explained
    what_if = client.get(
        reverse("budgets:budget_set_what_if", args=[bs.pk]) + "?risk_top_slice_pct=0"
    ).content.decode()
    assert "practices gain" in what_if and 'data-testid="table-winners"' in what_if
    assert client.post(reverse("budgets:budget_set_transition", args=[bs.pk, "approve"])).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(reverse("budgets:budget_set_transition", args=[bs.pk, "publish"])).status_code == 302
        )
    bs.refresh_from_db()
    assert bs.status == "published"
    assert ReportRow.objects.filter(budget_set=bs).exists()  # published budgets are reported against at once


def test_a_bad_form_shows_the_error(baseline, client):
    login(client, baseline, Role.PCT_FINANCE)
    response = client.post(
        reverse("budgets:budget_set_create"),
        {"year": year(2007).pk, "baseline_start": "2006-04", "baseline_end": "2007-03", "uplift_pct": "0",
         "pace_of_change_pct": "0", "risk_mode": "threshold", "risk_top_slice_pct": "0", "unattributed": "central",
         "unattributed_share_basis": "baseline", "phasing": "flat", "rag_green_max_pct": "0", "rag_amber_max_pct": "5"},
    )  # fmt: skip
    assert response.status_code == 200 and "£ threshold" in response.content.decode()
    assert not BudgetSet.objects.exists()


def test_adjustments_and_need_weights_from_the_pages(baseline, client):
    from tests.factories.budgets import budget_set

    bs = budget_set(baseline.pct, actor=baseline.users[Role.PCT_FINANCE], list_size_adjustment=False)
    login(client, baseline, Role.PCT_FINANCE)
    client.post(
        reverse("budgets:budget_adjustment_create", args=[bs.pk]),
        {"practice": "l85002", "category": "OPFA", "amount": "-500", "reason": "Clinic moved"},
    )
    assert bs.adjustments.get().amount_pence == -50_000
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(
        reverse("budgets:budget_set_need_weights", args=[bs.pk]),
        {"file": SimpleUploadedFile("w.csv", b"L85001,1.1\n")},
    )
    bs.refresh_from_db()
    assert bs.need_weights == {"L85001": "1.1"}


def test_category_pages(baseline, client):
    login(client, baseline, Role.PCT_FINANCE)
    response = client.post(
        reverse("budgets:category_list") + "?year=2007/08",
        {"year": year(2007).pk, "code": "DERM", "name": "Dermatology", "pods": ["OPFA", "OPFUP"], "tretspefs": "330", "devolved": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    derm = BudgetCategory.objects.get(code="DERM")
    assert derm.tretspefs == ["330"] and derm.pods == ["OPFA", "OPFUP"]
    client.post(
        reverse("budgets:category_update", args=[derm.pk]),
        {"name": "Skin", "pods": ["OPFA"], "tretspefs": "330"},
    )
    derm.refresh_from_db()
    assert (derm.name, derm.devolved) == ("Skin", False)
    login(client, baseline, Role.PRACTICE_MANAGER)
    assert "Skin" in client.get(reverse("budgets:category_list") + "?year=2007/08").content.decode()


def test_practice_manager_sees_only_their_practice_in_pages_and_exports(reported, baseline, client):
    login(client, baseline, Role.PRACTICE_MANAGER)
    own = client.get(reverse("budgets:dashboard"), follow=True)
    assert own.status_code == 200 and "Abbey Surgery (L85001)" in own.content.decode()
    for name in ("practice_dashboard", "practice_statement", "practice_budget"):
        assert client.get(reverse(f"budgets:{name}", args=["L85001"])).status_code == 200
        assert client.get(reverse(f"budgets:{name}", args=["L85002"])).status_code == 404, name
        assert client.get(reverse(f"budgets:{name}", args=["L85002"]) + "?export=xlsx").status_code == 404
    drill = reverse("budgets:practice_drilldown", args=["L85002"]) + "?category=NEL"
    assert client.get(drill).status_code == 404
    assert client.get(reverse("budgets:report_overview")).status_code == 403
    rows = client.get(reverse("budgets:report_list") + "?export=csv")
    body = b"".join(rows.streaming_content).decode("utf-8-sig")
    practices = {line["Practice"] for line in csv.DictReader(io.StringIO(body))}
    assert practices == {"L85001"}
    peers = client.get(reverse("budgets:peer_comparison") + "?pod=NEL").content.decode()
    assert "Bridge Street" not in peers and "Castle Surgery" not in peers


def test_dashboard_excel_opens_with_totals_that_add_up(reported, baseline, client):
    login(client, baseline, Role.PRACTICE_MANAGER)
    response = client.get(reverse("budgets:practice_dashboard", args=["L85001"]) + "?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["By category", "By category and provider", "Month by month"]
    sheet = book["By category"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    header = [c.value for c in sheet[1]]
    ytd = header.index("YTD actual")
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    parts = sum(Decimal(str(r[ytd])) for code, r in rows.items() if code != TOTAL)
    assert Decimal(str(rows[TOTAL][ytd])) == parts == Decimal("3150.00")
    money_cell = sheet.cell(row=2, column=ytd + 1)
    assert "£" in money_cell.number_format and isinstance(money_cell.value, int | float)


def test_exports_neutralise_formula_text(published, baseline, client):
    Practice.objects.filter(pk=baseline.neighbour.pk).update(name='=HYPERLINK("http://x","click")')
    login(client, baseline, Role.PCT_FINANCE)
    url = reverse("budgets:budget_set_detail", args=[published.pk])
    book = openpyxl.load_workbook(io.BytesIO(client.get(url + "?export=xlsx").content))
    sheet = book["Budgets by practice"]
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x","click")' in names
    cell = next(c for c in sheet["B"] if c.value and str(c.value).startswith("'="))
    assert cell.data_type == "s"
    totals = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(totals["Total"][-1])) == Decimal(published.practice_total_pence) / 100
    body = b"".join(client.get(url + "?export=csv&table=practices").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_home_panels(reported, baseline, client):
    login(client, baseline, Role.PRACTICE_MANAGER)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-position"' in page and "Abbey Surgery" in page
    login(client, baseline, Role.PCT_FINANCE)
    page = client.get(reverse("home")).content.decode()
    assert "2007/08 version 1</a>: Published to practices" in page and 'data-testid="home-rag-counts"' in page


def test_query_counts_are_bounded(reported, baseline, client, django_assert_max_num_queries):
    for practice in [baseline.neighbour, baseline.far]:  # more practices must not mean more queries
        ReportRow.objects.filter(practice=practice).count()
    login(client, baseline, Role.PRACTICE_MANAGER)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("budgets:practice_dashboard", args=["L85001"])).status_code == 200
    login(client, baseline, Role.PCT_FINANCE)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("budgets:report_overview")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("budgets:report_list") + "?level=practice").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/reports/?level=practice&page_size=200").status_code == 200
    with django_assert_max_num_queries(18):
        assert client.get(reverse("budgets:budget_set_detail", args=[reported.pk])).status_code == 200


@pytest.mark.parametrize("role", [Role.LOCALITY_LEAD, Role.PEC_MEMBER])
def test_overview_for_a_locality_lead_and_pct_roles(reported, baseline, client, role):
    login(client, baseline, role)
    page = client.get(reverse("budgets:report_overview")).content.decode()
    assert "League table" in page and "L85001" in page
    if role == Role.LOCALITY_LEAD:
        assert "North: budget and activity" in page and "L85003" not in page
    else:
        assert "L85003" in page
