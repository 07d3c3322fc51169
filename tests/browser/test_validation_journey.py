"""Validation in a real browser: a practice manager challenges two lines and makes the month's return; PCT
finance accepts one and rejects the other; the dashboard and the report fall by exactly the accepted line's
cost (£3,150.00, DOMAIN 4's worked example)."""

from pathlib import Path

import pytest

from activity import services as activity_services
from pbc.choices import Role
from tests.activity.test_ingest import read
from tests.activity.validation.conftest import HEADER, SPELLS, publish
from tests.browser.conftest import assert_accessible
from tests.browser.test_budgets_journey import sign_in, sign_out

pytestmark = pytest.mark.browser


def _report_actual(page, base) -> str:
    page.goto(
        f"{base}/activity/reports/?level=practice&practice=L85001&year=2007/08&month=2&category=NEL&provider=ALL"
    )
    return page.locator("tbody tr").first.locator("td").nth(7).inner_text()


def test_validation_journey(world, live_server, page, settings):
    from pbc.models import FinancialYear

    settings.PBC_VALIDATION_CLOSE_DAYS = None  # 2007's months stay open to challenge
    year = FinancialYear.objects.get_or_create(start_year=2007)[0]
    activity_services.tariff_import(
        year=year,
        files={
            "admitted": ("admitted.csv", read("admitted_2007.csv")),
            "mff": ("mff.csv", read("mff_2007.csv")),
        },
        actor=world.users[Role.PCT_FINANCE],
    )
    publish(world, year, HEADER + SPELLS)  # the reports are recomputed by the queued task
    base = live_server.url
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    # The practice manager checks May 2007: S1 £3,150.00 and S2 £525.00 (and £2,100.00 in June).
    sign_in(page, base, world.users[Role.PRACTICE_MANAGER].username)
    page.goto(f"{base}/activity/dashboard/practices/L85001/?year=2007/08")
    assert page.get_by_test_id("ytd-actual").inner_text() == "£5,775.00"
    assert _report_actual(page, base) == "£3,675.00"
    page.get_by_role("link", name="Validation", exact=True).first.click()
    page.locator("#id_month").fill("2007-05")
    page.get_by_role("button", name="Filter").click()
    lines = page.get_by_test_id("lines")
    assert lines.locator("tbody tr").count() == 2
    assert page.get_by_test_id("lines-total").inner_text().startswith("£3,675.00")
    assert_accessible(page)
    for record, reason, note in (("S1", "duplicate", "Billed twice."), ("S2", "not_our_patient", "Left us.")):
        lines.locator(f"tr[data-record='{record}']").get_by_role("link", name="Challenge").click()
        page.locator("#id_reason").select_option(reason)
        page.locator("#id_note").fill(note)
        assert_accessible(page)
        page.get_by_role("button", name="Challenge this line").click()
        assert lines.locator(f"tr[data-record='{record}'] td").nth(1).inner_text() == "open"
    # Then the month's validation return.
    page.goto(f"{base}/activity/validation-returns/?year=2007/08")
    page.locator("#id_month").fill("2007-05")
    page.get_by_role("button", name="Submit the return").click()
    cell = page.get_by_test_id("returns").locator("tr[data-practice='L85001'] td[data-month='2007-05']")
    assert cell.get_attribute("data-status") == "late"  # returned today, long after its due day
    assert_accessible(page)
    sign_out(page)

    # PCT finance accepts the duplicate and rejects the other.
    sign_in(page, base, world.users[Role.PCT_FINANCE].username)
    page.goto(f"{base}/activity/challenges/?status=open")
    assert page.get_by_test_id("challenges").locator("tbody tr").count() == 2
    assert_accessible(page)
    for record, outcome, note in (
        ("S1", "accepted", "The provider agrees."),
        ("S2", "rejected", "Seen at A&E."),
    ):
        from activity.models import ActivityLine

        line = ActivityLine.objects.get(record_key=record)
        page.goto(f"{base}/activity/challenges/?status=open")
        page.locator(f"tr[data-line='{line.pk}']").get_by_role("link", name="Decide").click()
        page.locator(f"input[name='outcome'][value='{outcome}']").check()
        page.locator("#id_note").fill(note)
        assert_accessible(page)
        page.get_by_role("button", name="Record the decision").click()
    page.goto(f"{base}/activity/challenges/")
    assert "£3,150.00" in page.get_by_test_id("query-lists").inner_text()  # RD1's query list
    with page.expect_download() as download:
        page.get_by_test_id("query-lists").get_by_role("link", name="CSV").click()
    assert "S1" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert _report_actual(page, base) == "£525.00"
    sign_out(page)

    # The practice's dashboard and report fall by exactly the accepted line's cost.
    sign_in(page, base, world.users[Role.PRACTICE_MANAGER].username)
    page.goto(f"{base}/activity/dashboard/practices/L85001/?year=2007/08")
    assert page.get_by_test_id("ytd-actual").inner_text() == "£2,625.00"  # £5,775.00 − £3,150.00
    assert _report_actual(page, base) == "£525.00"  # £3,675.00 − £3,150.00
    assert problems == []
