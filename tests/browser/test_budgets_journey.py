"""Budgets in a real browser: PCT finance sets, explains, what-ifs, approves and publishes budgets and uploads
an extract; a practice manager then sees their monthly dashboard built from it, and only theirs."""

from pathlib import Path

import pytest

from pbc.choices import Role
from tests.browser.conftest import assert_accessible
from tests.factories.budgets import build_baseline

pytestmark = pytest.mark.browser

EXTRACT = Path(__file__).resolve().parents[1] / "activity" / "fixtures" / "apc_2007.csv"


def sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("a-test-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_budgets_journey(world, live_server, page):
    build_baseline(world)
    base = live_server.url
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    # PCT finance sets the 2007/08 budgets from 2006/07 activity.
    sign_in(page, base, world.users[Role.PCT_FINANCE].username)
    page.get_by_role("link", name="Budgets", exact=True).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Indicative budgets"
    assert_accessible(page)
    page.get_by_role("link", name="Set budgets (new version)").click()
    page.locator("#id_year").select_option(label="2007/08")
    page.locator("#id_baseline_start").fill("2006-04")
    page.locator("#id_baseline_end").fill("2007-03")
    page.locator("#id_uplift_pct").fill("3")
    page.locator("#id_risk_mode").select_option("top_slice")
    page.locator("#id_risk_top_slice_pct").fill("1")
    page.locator("#id_phasing").select_option("flat")
    assert_accessible(page)
    page.get_by_role("button", name="Calculate budgets").click()
    assert page.get_by_test_id("status").inner_text() == "Draft"
    # × 1.03, × the list change (L85001 5,500/5,000), less 1% (half-up per line):
    # 471,101 + 247,329 + 321,205 + 214,137 + 535,342 pence.
    assert page.get_by_test_id("practice-total").inner_text() == "£17,891.14"
    assert_accessible(page)

    # How one practice's budget was built, step by step.
    page.get_by_test_id("table-practices").get_by_role("link", name="L85001").click()
    assert (
        "Abbey Surgery (L85001): indicative budget 2007/08"
        in page.get_by_role("heading", level=1).inner_text()
    )
    nel = page.get_by_test_id("steps-NEL")
    assert "£4,200.00 × (1 + 3%) (overall uplift)" in nel.inner_text()
    assert "× list at 1 April 2007 5,500 / base-period list 5,000" in nel.inner_text()
    assert "Top-slice 1% of £4,758.60 to the central risk pool" in nel.inner_text()
    assert_accessible(page)
    page.go_back()

    # What if the top-slice were 3%?
    page.get_by_role("link", name="What if…").click()
    page.locator("#id_risk_top_slice_pct").fill("3")
    page.get_by_role("button", name="Recompute").click()
    assert "3 practices lose" in " ".join(page.get_by_test_id("what-if-summary").inner_text().split())
    assert page.get_by_test_id("table-losers").get_by_role("row").count() == 4  # header + 3 practices
    assert_accessible(page)
    page.get_by_role("link", name="Back to the version").click()

    # Approve, then publish to practices.
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_test_id("status").inner_text() == "Approved by PCT finance"
    page.get_by_role("button", name="Publish to practices").click()
    assert page.get_by_test_id("status").inner_text() == "Published to practices"
    assert "approved → Published to practices" in page.get_by_test_id("history").inner_text()
    assert_accessible(page)

    # The first 2007/08 extract arrives.
    page.goto(f"{base}/activity/uploads/new/")
    page.locator("#id_dataset").select_option("APC")
    page.locator("#id_year").select_option(label="2007/08")
    page.locator("#id_file").set_input_files(str(EXTRACT))
    page.get_by_role("button", name="Upload").click()
    page.get_by_test_id("upload-outcome").wait_for()
    assert "Published" in page.get_by_test_id("upload-outcome").inner_text()
    page.goto(f"{base}/activity/dashboard/overview/")
    assert "Data current to June 2007" in page.get_by_test_id("current-to").inner_text()
    assert_accessible(page)
    sign_out(page)

    # The practice manager sees their own monthly dashboard, built from that extract.
    sign_in(page, base, world.users[Role.PRACTICE_MANAGER].username)
    assert "Abbey Surgery" in page.get_by_test_id("home-position").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Dashboard", exact=True).click()
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == "Abbey Surgery (L85001): budget and activity 2007/08"
    )
    assert "Data current to June 2007" in page.get_by_test_id("current-to").inner_text()
    assert page.get_by_test_id("ytd-actual").inner_text() == "£3,150.00"
    page.locator("[data-chart='monthly'][data-drawn='true'] svg").first.wait_for()
    page.locator("[data-chart='cumulative'][data-drawn='true'] svg").first.wait_for()
    assert "£3,150.00" in page.get_by_test_id("table-categories").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Non-elective admissions").click()
    assert "300" in page.get_by_test_id("table-specialties").inner_text()
    assert_accessible(page)

    assert problems == []  # no script errors anywhere so far (the charts drew under the CSP)

    # Only theirs: another practice's dashboard is not found; peers are shown without names.
    response = page.goto(f"{base}/activity/dashboard/practices/{world.neighbour.code}/")
    assert response.status == 404
    page.goto(f"{base}/activity/dashboard/peers/?pod=NEL")
    page.locator("[data-chart='funnel'][data-drawn='true'] svg").first.wait_for()
    table = page.get_by_test_id("table-rates").inner_text()
    assert "Abbey Surgery" in table and "Bridge Street" not in table and "Another practice" in table
    assert_accessible(page)
    assert [p for p in problems if "404" not in p] == []
