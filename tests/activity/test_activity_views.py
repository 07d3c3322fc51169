"""Activity-side pages: the tariff list search, the tariff detail tables (search, pages, local prices), the
upload progress bar and the activity list's Excel download."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from activity import services
from activity.choices import UploadStatus
from activity.models import AeTariff
from pbc.choices import Role
from tests.factories.budgets import ExtractUploadFactory, activity, year

ADMITTED = b"""HRG,HRG_NAME,ELECTIVE_TARIFF,NON_ELECTIVE_TARIFF,ELECTIVE_TRIMPOINT_DAYS,NON_ELECTIVE_TRIMPOINT_DAYS,EXCESS_BED_DAY,PROCODE3
HA11A,Hip replacement,5000.00,2000.00,5,10,250.00,
HA11A,Hip replacement at RTH,4800.00,1900.00,5,10,250.00,RTH
"""
AE = b"""HRG,TYPE_1_2,TYPE_3,PROCODE3
VB01Z,150.00,60.00,
VB01Z,140.00,55.00,RTH
VB02Z,120.00,,
"""
MFF = b"""PROCODE3,MFF
RTH,1.05
RD1,1.00
"""
# 2008/09: a different HRG, many treatment functions (more than one page), no local prices.
ADMITTED_2008 = b"""HRG,HRG_NAME,ELECTIVE_TARIFF,NON_ELECTIVE_TARIFF,ELECTIVE_TRIMPOINT_DAYS,NON_ELECTIVE_TRIMPOINT_DAYS,EXCESS_BED_DAY
FZ01Z,Endoscopy,400.00,900.00,2,4,200.00
"""
OUTPATIENT_2008 = ("TRETSPEF,FIRST_ATTENDANCE,FOLLOW_UP_ATTENDANCE\n" + "".join(
    f"{tf},100.00,50.00\n" for tf in range(100, 230)
)).encode()  # fmt: skip


def _files(**kinds):
    return {kind: (f"{kind}.csv", data) for kind, data in kinds.items()}


@pytest.fixture
def tariffs(world):
    finance = world.users[Role.PCT_FINANCE]
    v2007 = services.tariff_import(
        year=year(2007), files=_files(admitted=ADMITTED, ae=AE, mff=MFF), actor=finance
    )
    v2008 = services.tariff_import(
        year=year(2008), files=_files(admitted=ADMITTED_2008, outpatient=OUTPATIENT_2008), actor=finance
    )
    return v2007, v2008


def listed(client, **query) -> set[int]:
    response = client.get(reverse("activity:tariff_list"), query)
    assert response.status_code == 200
    return {v.pk for v in response.context["object_list"]}


# ----------------------------------------------------------------------------------------- tariff list
def test_tariff_list_filters_by_year_and_finds_codes_and_providers(tariffs, world, client):
    v2007, v2008 = tariffs
    client.force_login(world.users[Role.PRACTICE_MANAGER])  # national prices: every role reads them
    assert listed(client) == {v2007.pk, v2008.pk}
    assert listed(client, year="2008/09") == {v2008.pk}
    assert listed(client, year="2007") == {v2007.pk}
    assert listed(client, q="HA11A") == {v2007.pk}  # admitted HRG
    assert listed(client, q="vb02z") == {v2007.pk}  # A&E HRG, any case
    assert listed(client, q="FZ01Z") == {v2008.pk}
    assert listed(client, q="229") == {v2008.pk}  # treatment function
    assert listed(client, q="RTH") == {v2007.pk}  # local prices and MFF
    assert listed(client, q="RD1") == {v2007.pk}  # MFF only
    assert listed(client, q="HA11A", year="2008/09") == set()
    assert listed(client, q="ZZ99Z") == set()
    assert listed(client, year="not a year") == set()


def test_tariff_list_page_shows_the_search_form_and_a_no_match_message(tariffs, world, client):
    client.force_login(world.users[Role.PCT_FINANCE])
    page = client.get(reverse("activity:tariff_list"), {"q": "ZZ99Z"}).content.decode()
    assert 'name="q"' in page and 'name="year"' in page and 'value="ZZ99Z"' in page
    assert "No tariff version matches." in page


# --------------------------------------------------------------------------------------- tariff detail
def detail(client, version, **query):
    response = client.get(reverse("activity:tariff_detail", kwargs={"pk": version.pk}), query)
    assert response.status_code == 200
    return response


def table_html(page: str, slug: str) -> str:
    match = re.search(rf'data-testid="table-{slug}".*?</table>', page, re.S)
    assert match, slug
    return match.group(0)


def test_ae_table_shows_provider_and_local_prices(tariffs, world, client):
    v2007, _ = tariffs
    client.force_login(world.users[Role.PCT_FINANCE])
    ae = table_html(detail(client, v2007).content.decode(), "ae")
    assert '<th scope="col">Provider</th>' in ae
    rows = re.findall(r"<tr><td>(VB0\dZ)</td><td>(\w+)</td><td[^>]*>([^<]+)</td>", ae)
    assert rows == [
        ("VB01Z", "national", "£150.00"),
        ("VB01Z", "RTH", "£140.00"),
        ("VB02Z", "national", "£120.00"),
    ]


def test_each_tariff_table_has_its_own_search(tariffs, world, client):
    v2007, v2008 = tariffs
    client.force_login(world.users[Role.PCT_FINANCE])
    ctx = detail(client, v2007, **{"ae-q": "VB02", "ae-provider": "", "q": "HA11A"}).context
    assert [(r.hrg, r.provider) for r in ctx["ae"]["rows"]] == [("VB02Z", None)]
    assert len(ctx["admitted"]["rows"]) == 2  # its own search, untouched by the A&E one
    ctx = detail(client, v2007, **{"ae-provider": "rth"}).context
    assert [(r.hrg, r.provider) for r in ctx["ae"]["rows"]] == [("VB01Z", "RTH")]
    assert [r.provider for r in detail(client, v2007, **{"mff-q": "RT"}).context["mff"]["rows"]] == ["RTH"]
    ctx = detail(client, v2008, **{"op-q": "12"}).context
    assert [r.tretspef for r in ctx["outpatient"]["rows"]] == [str(tf) for tf in range(120, 130)]
    # Searching one table keeps the others' searches as hidden fields, and its own page starts again.
    page = detail(client, v2007, **{"ae-q": "VB01", "mff-page": "1"}).content.decode()
    mff_form = re.search(r'aria-label="Search Market forces factors".*?</form>', page, re.S).group(0)
    assert '<input type="hidden" name="ae-q" value="VB01">' in mff_form and "mff-page" not in mff_form


def test_tariff_tables_are_paginated_not_cut_short(tariffs, world, client):
    _, v2008 = tariffs
    client.force_login(world.users[Role.PCT_FINANCE])
    response = detail(client, v2008)
    op = response.context["outpatient"]
    assert op["page_obj"].paginator.count == 130 and len(op["rows"]) == 100
    page = response.content.decode()
    assert "Rows 1–100 of 130" in page and 'href="?op-page=2"' in page
    second = detail(client, v2008, **{"op-page": "2", "q": "FZ"})
    assert [r.tretspef for r in second.context["outpatient"]["rows"]] == [str(tf) for tf in range(200, 230)]
    assert second.context["admitted"]["page_obj"].number == 1  # the admitted table keeps its own page
    assert "Rows 101–130 of 130" in second.content.decode()
    # A page past the end shows the last page rather than an error.
    assert detail(client, v2008, **{"op-page": "99"}).context["outpatient"]["page_obj"].number == 2


def test_local_ae_price_is_stored_with_its_provider(tariffs):
    v2007, _ = tariffs
    assert set(
        AeTariff.objects.filter(tariff=v2007, hrg="VB01Z").values_list("provider", "type_1_2_pence")
    ) == {
        (None, 15_000),
        ("RTH", 14_000),
    }


# ------------------------------------------------------------------------------------- upload progress
def status_partial(client, upload) -> str:
    response = client.get(reverse("activity:upload_detail", kwargs={"pk": upload.pk}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "activity/partials/upload_status.html"
    return response.content.decode()


def test_running_upload_shows_percentage_of_the_file_read(world, client):
    upload = ExtractUploadFactory(
        pct=world.pct, year=year(2007), status=UploadStatus.RUNNING, size_bytes=2_000_000,
        bytes_read=850_000, rows_read=12_345,
    )  # fmt: skip
    client.force_login(world.users[Role.PCT_INFORMATION])
    html = status_partial(client, upload)
    bar = re.search(r'<div class="progress"[^>]*>', html).group(0)
    assert 'role="progressbar"' in bar and 'aria-valuenow="42"' in bar
    assert 'aria-valuemin="0"' in bar and 'aria-valuemax="100"' in bar
    assert 'style="width: 42%">42%</div>' in html and "12,345 rows read so far" in html
    assert 'hx-trigger="every 2s"' in html  # still polling
    # The job moves on: the next poll shows more.
    type(upload).objects.filter(pk=upload.pk).update(bytes_read=2_000_000)
    assert 'aria-valuenow="100"' in status_partial(client, upload)


def test_progress_unknown_until_the_job_has_read_bytes(world, client):
    upload = ExtractUploadFactory(
        pct=world.pct, year=year(2007), status=UploadStatus.PENDING, size_bytes=1000, bytes_read=0
    )
    client.force_login(world.users[Role.PCT_INFORMATION])
    html = status_partial(client, upload)
    assert 'role="progressbar"' in html and "aria-valuenow" not in html and "Waiting to start" in html
    finished = ExtractUploadFactory(pct=world.pct, year=year(2007), size_bytes=1000, bytes_read=1000)
    assert "progressbar" not in status_partial(client, finished)  # done: the outcome, no bar


@pytest.mark.parametrize(("size", "read", "percent"), [(0, 0, None), (3, 1, 33), (3, 2, 66), (10, 50, 100)])
def test_progress_percent_rounds_down_and_is_capped(size, read, percent):
    from activity.models import ExtractUpload

    assert ExtractUpload(size_bytes=size, bytes_read=read).progress_percent == percent


# ------------------------------------------------------------------------------------ activity export
@pytest.fixture
def costed_activity(world):
    rows = [
        (world.practice, date(2007, 5, 1), "NEL", 2, 420_000),
        (world.practice, date(2007, 6, 1), "OPFA", 10, 157_550),
        (world.neighbour, date(2007, 5, 1), "OPFA", 20, 315_001),
        (world.far, date(2007, 5, 1), "EL", 1, 525_000),
    ]
    for practice, month, pod, count, pence in rows:
        activity(pct=world.pct, practice=practice, month=month, pod=pod, count=count, cost_pence=pence)
    # Another PCT's activity is never in the page or the workbook.
    activity(pct=world.other_pct, practice=world.foreign, month=date(2007, 5, 1), pod="NEL", count=9,
             cost_pence=999_999)  # fmt: skip
    return world


def workbook_totals(client, **query):
    response = client.get(reverse("activity:activity_list"), {**query, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="activity.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-2:] == ("Activity", "Cost")
    body, total = rows[1:-1], rows[-1]
    assert total[0] == "Total"
    # The total row is the sum of the rows above it, and money is a number of pounds.
    assert total[-2] == sum(r[-2] for r in body)
    assert Decimal(str(total[-1])) == sum(Decimal(str(r[-1])) for r in body)
    assert sheet.cell(row=len(rows), column=8).number_format.startswith('"£"')
    return body, total


@pytest.mark.parametrize(
    ("query", "activity_total", "cost_pence"),
    [({}, 33, 1_417_551), ({"practice": "L85001"}, 12, 577_550), ({"pod": "OPFA"}, 30, 472_551)],
)
def test_activity_excel_totals_equal_the_page(costed_activity, client, query, activity_total, cost_pence):
    client.force_login(costed_activity.users[Role.PCT_FINANCE])
    page = client.get(reverse("activity:activity_list"), query)
    assert page.context["totals"] == {"activity": activity_total, "cost_pence": cost_pence}
    html = page.content.decode()
    assert "export=xlsx" in html and "export=csv" in html
    footer = re.search(r'data-testid="activity-total">.*?</tr>', html, re.S).group(0)
    pounds = f"£{Decimal(cost_pence) / 100:,.2f}"
    assert pounds in footer
    body, total = workbook_totals(client, **query)
    assert (total[-2], Decimal(str(total[-1]))) == (activity_total, Decimal(cost_pence) / 100)
    assert len(body) == len(page.context["object_list"])


def test_activity_excel_is_scoped_like_the_page(costed_activity, client):
    client.force_login(costed_activity.users[Role.PRACTICE_MANAGER])
    page = client.get(reverse("activity:activity_list"))
    _, total = workbook_totals(client)
    assert page.context["totals"] == {"activity": 12, "cost_pence": 577_550}
    assert (total[-2], Decimal(str(total[-1]))) == (12, Decimal("5775.50"))


def test_activity_csv_streams_every_row_both_addresses(costed_activity, client):
    client.force_login(costed_activity.users[Role.PCT_FINANCE])
    for query in ({"format": "csv"}, {"export": "csv"}):
        response = client.get(reverse("activity:activity_list"), query)
        text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
        lines = text.strip().splitlines()
        assert lines[0].startswith("practice,month,pod") and len(lines) == 5
        assert "3150.01" in text  # 315,001 pence, exactly
