"""PCT information's month in a real browser: import the year's tariff, upload an extract, read its
data-quality report and problem rows, and have a broken file refused with a reason."""

from pathlib import Path

import pytest

from pbc.choices import Role
from tests.browser.conftest import assert_accessible
from tests.browser.test_budgets_journey import sign_in, sign_out
from tests.factories.budgets import year

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "activity" / "fixtures"


def test_information_imports_a_tariff_and_an_extract(world, live_server, page, tmp_path):
    year(2007)
    base = live_server.url
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, base, world.users[Role.PCT_INFORMATION].username)

    # The year's national tariff, with the market forces factors.
    page.goto(f"{base}/activity/tariffs/")
    assert_accessible(page)
    page.get_by_role("link", name="Import tariff files").click()
    page.get_by_label("Financial year").select_option(label="2007/08")
    page.get_by_label("Admitted tariff (CSV or XLSX)").set_input_files(str(FIXTURES / "admitted_2007.csv"))
    page.get_by_label("Market forces factors (CSV or XLSX)").set_input_files(str(FIXTURES / "mff_2007.csv"))
    assert_accessible(page)
    page.get_by_role("button", name="Import").click()
    assert "2007/08 tariff, version 1" in page.get_by_role("heading", level=1).inner_text()
    admitted = page.get_by_test_id("table-admitted").inner_text()
    assert "HA11A" in admitted and "£2,000.00" in admitted and "£250.00" in admitted
    assert_accessible(page)

    # A file that is not an extract is refused whole, with the reason, and nothing is stored.
    header_only = tmp_path / "header_only.csv"
    header_only.write_text((FIXTURES / "apc_2007.csv").read_text().splitlines()[0] + "\n")
    page.goto(f"{base}/activity/uploads/new/")
    page.get_by_label("Dataset").select_option("APC")
    page.get_by_label("Financial year").select_option(label="2007/08")
    page.get_by_label("Extract file").set_input_files(str(header_only))
    page.get_by_role("button", name="Upload").click()
    assert (
        "no data rows"
        in page.locator(".invalid-feedback, .alert-danger, .errorlist").first.inner_text().lower()
    )
    assert_accessible(page)

    # The month's extract: costed, published, and every row accounted for.
    page.get_by_label("Dataset").select_option("APC")
    page.get_by_label("Financial year").select_option(label="2007/08")
    page.get_by_label("Extract file").set_input_files(str(FIXTURES / "apc_2007.csv"))
    page.get_by_role("button", name="Upload").click()
    page.get_by_test_id("upload-outcome").wait_for()
    outcome = page.get_by_test_id("upload-outcome").inner_text()
    assert "Published" in outcome and "Costed at tariff version 1" in outcome
    rows_read = sum(1 for line in (FIXTURES / "apc_2007.csv").read_text().splitlines()[1:] if line.strip())
    assert f"{rows_read} rows read" in outcome
    outcomes = page.get_by_test_id("outcomes").inner_text()
    assert "Costed" in outcomes and "Unattributed" in outcomes and "Non-PCT" in outcomes
    assert_accessible(page)

    # The problem rows, with their line numbers, as CSV.
    with page.expect_download() as download:
        page.get_by_role("link", name="problem rows", exact=False).first.click()
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")  # with a BOM, for Excel
    assert body.splitlines()[0].lower().startswith("line") and "V81999" in body

    # The uploads list shows who loaded what.
    page.goto(f"{base}/activity/uploads/")
    assert "apc_2007.csv" in page.locator("main").inner_text()
    assert_accessible(page)
    sign_out(page)
    assert problems == []
