"""Pages of freed-up resources not covered elsewhere: the PCT summary as a PDF, and a restated declaration
showing its difference against the earlier version."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from freed_resources import services
from pbc.choices import Role
from tests.factories.freed_resources import POUND, confirmed_declaration, fy, proposal
from tests.freed_resources.test_services import approve

pytestmark = pytest.mark.django_db


def cells(html: str) -> str:
    """The page's text with tags dropped and whitespace collapsed, to read table rows as a person does."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the PCT summary as a PDF -------------------------------------------------------------------------


@pytest.fixture
def weasyprint_html(monkeypatch):
    """Record the HTML handed to WeasyPrint (which still renders it), so the PDF's figures can be read."""
    import weasyprint

    seen: list[str] = []
    real = weasyprint.HTML

    def recording(*args, **kwargs):
        seen.append(kwargs.get("string", ""))
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", recording)
    return seen


def test_summary_pdf_renders_the_summary_figures(client, world, finance, chair_and_voters, weasyprint_html):
    confirmed_declaration(world)  # Abbey £200,000 freed → pot £140,000
    confirmed_declaration(world, world.neighbour, figures={"OP": (100_000, 50_000)})  # Bridge → pot £35,000
    application = proposal(world, cost_pence=100_000 * POUND)
    application = approve(application, chair_and_voters)
    services.proposal_spend_record(application=application, amount_pence=30_000 * POUND, actor=finance)
    client.force_login(finance)
    summary = client.get(reverse("freed_resources:summary"))
    assert summary.status_code == 200
    pdf_url = reverse("freed_resources:summary_pdf")
    assert f'href="{pdf_url}"' in summary.content.decode()

    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="freed-resources-summary.pdf"'
    assert response.content.startswith(b"%PDF")
    (html,) = weasyprint_html
    text = cells(html)
    assert "Freed-up resources: PCT summary" in text and world.pct.name in text
    # Pots: declared £175,000, committed £100,000 (of which £30,000 spent), remaining £75,000 in total.
    assert "Abbey Surgery 2007/08 £140,000.00 £100,000.00 £30,000.00 £40,000.00" in text
    assert "Bridge Surgery 2007/08 £35,000.00 £0.00 £0.00 £35,000.00" in text
    assert "Total £175,000.00 £100,000.00 £30,000.00 £75,000.00" in text
    assert (
        f"{application.title} {application.get_status_display()} £100,000.00 £100,000.00 £30,000.00" in text
    )
    assert "Abbey Surgery 2007/08 v1 Practice Confirmed by PCT finance £200,000.00" in text
    assert "Bridge Surgery 2007/08 v1 Practice Confirmed by PCT finance £50,000.00" in text


def test_summary_pdf_is_refused_to_a_practice_manager_as_the_summary_is(client, world):
    confirmed_declaration(world)
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    assert client.get(reverse("freed_resources:summary")).status_code == 403
    response = client.get(reverse("freed_resources:summary_pdf"))
    assert response.status_code == 403
    assert not response.content.startswith(b"%PDF")
    client.logout()
    anonymous = client.get(reverse("freed_resources:summary_pdf"))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


# --- a restated declaration shows its difference ------------------------------------------------------


def test_restated_declaration_page_shows_the_difference(client, world, finance):
    from budgets.models import ReportRow

    first = confirmed_declaration(world)  # OP £500,000 / £350,000, NEL £300,000 / £250,000: £200,000 freed
    # The final reports move OP's outturn up by £20,000: the restatement frees £180,000.
    ReportRow.objects.filter(practice=world.practice, category="OP").update(ytd_actual_pence=370_000 * POUND)
    client.force_login(finance)
    page = client.post(
        reverse("freed_resources:declaration_create"),
        {
            "kind": "practice",
            "practice": world.practice.code,
            "year": 2007,
            "through_month": 12,
            "reason": "Final",
        },
    )
    assert page.status_code == 302, cells(page.content.decode())
    restated = first.__class__.objects.get(version=2)
    assert page["Location"] == reverse("freed_resources:declaration_detail", args=[restated.pk])

    html = client.get(page["Location"]).content.decode()
    assert 'data-testid="difference"' in html
    text = cells(html)
    assert (
        "Restatement: change from version 1 (freed up £200,000.00 → £180,000.00, change -£20,000.00)" in text
    )
    # Category, change, budget change, outturn change, freed-up change.
    assert "OP changed £0.00 £20,000.00 -£20,000.00" in text
    assert "NEL unchanged £0.00 £0.00 £0.00" in text

    # The earlier version's page shows no difference: it is the first.
    first_page = client.get(reverse("freed_resources:declaration_detail", args=[first.pk])).content.decode()
    assert 'data-testid="difference"' not in first_page

    # Once confirmed, the statement shows the restated figures with the difference.
    services.declaration_confirm(declaration=restated, actor=finance)
    statement = client.get(
        reverse("freed_resources:statement_practice", args=[world.practice.code, fy(2007).start_year])
    )
    text = cells(statement.content.decode())
    assert "change from version 1" in text and "OP changed £0.00 £20,000.00 -£20,000.00" in text
