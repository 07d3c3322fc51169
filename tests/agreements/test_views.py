"""Pages: forms call services and show their refusals; statements and exports are scoped; Excel opens
with openpyxl with matching totals and neutralised formula-like cells; PDFs are PDFs."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from agreements import incentives, services
from agreements.choices import AgreementStatus, PaymentStatus
from agreements.models import Achievement, Agreement, IncentiveScheme, LesSignUp, Payment
from pbc.choices import Role
from tests.factories.agreements import (
    GpOfPractice,
    active_agreement,
    banes_scheme,
    draft_agreement,
    herts_scheme,
    list_size,
    scheme,
    sent_agreement,
)


def login(client, world, role):
    client.force_login(world.users[role])
    return client


@pytest.fixture
def statement_lines(world):
    """Lines for each practice in 2007/08; one component name a spreadsheet would run as a formula."""
    definition = incentives.Scheme(
        code="formula",
        name="Scheme",
        pct="x",
        year="2007/08",
        components=(
            incentives.PerPatientComponent(
                code="pp",
                name='=HYPERLINK("http://evil","x")',
                rate_pence_per_patient=Decimal("100"),
                due="start_of_year",
            ),
            incentives.PerPatientComponent(
                code="info", name="@SUM(A1:A2)", rate_pence_per_patient=Decimal("50"), due="start_of_year"
            ),
        ),
    )
    made = scheme(world.pct, definition)
    for practice, size in ((world.practice, 8_000), (world.neighbour, 5_000), (world.far, 3_333)):
        list_size(practice, size)
    services.payment_schedule_calculate_all(scheme=made, actor=None)
    services.payment_line_add(
        locality=world.north,
        year=2007,
        component_code="alloc",
        name="-1+1",
        amount_pence=1_560_000,
        actor=None,
    )
    return made


# --- agreements --------------------------------------------------------------------------------------


def test_commissioning_drafts_an_agreement_through_the_pages(world, client):
    login(client, world, Role.PCT_COMMISSIONING)
    response = client.post(
        reverse("agreements:agreement_create"),
        {
            "title": "North PBC agreement",
            "locality": world.north.pk,
            "start_date": "2007-04-01",
            "notice_period_days": 90,
            "pct_lead_name": "Carla",
        },
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "agreements:agreement_edit", args=[agreement.pk]
    )
    edit = client.get(response["Location"])
    assert edit.status_code == 200 and "Financial management" in edit.content.decode()

    data = {
        "h-title": "North PBC agreement",
        "h-locality": world.north.pk,
        "h-start_date": "2007-04-01",
        "h-end_date": "2007-03-01",  # before the start: the model refuses it
        "h-notice_period_days": 90,
        **{f"s-section_{n}": f"Text {n}" for n in range(1, 11)},
        "o-TOTAL_FORMS": 1,
        "o-INITIAL_FORMS": 0,
        "o-0-objective": "Fewer referrals",
        "o-0-measure": "Monthly report",
        "o-0-target": "10% fewer",
        "o-0-due_date": "2008-03-31",
    }
    bad = client.post(reverse("agreements:agreement_edit", args=[agreement.pk]), data)
    assert bad.status_code == 400 and "cannot end before it starts" in bad.content.decode()
    assert not agreement.objectives.exists()
    ok = client.post(
        reverse("agreements:agreement_edit", args=[agreement.pk]), {**data, "h-end_date": "2030-03-31"}
    )
    assert ok.status_code == 302
    assert agreement.objectives.count() == 1 and agreement.sections.get(number=8).body == "Text 8"

    parties = reverse("agreements:agreement_parties", args=[agreement.pk])
    assert (
        client.post(parties, {"kind": "practice", "lead_name": "Pat"}).status_code == 400
    )  # no practice chosen
    assert (
        client.post(
            parties, {"kind": "practice", "practice": world.practice.pk, "lead_name": "Pat"}
        ).status_code
        == 302
    )
    far = client.post(parties, {"kind": "practice", "practice": world.far.pk, "lead_name": "X"})
    assert far.status_code == 400  # not offered: the agreement is with North
    assert agreement.parties.count() == 2

    sent = client.post(
        reverse("agreements:agreement_transition", args=[agreement.pk, "send"]), {"reason": ""}
    )
    assert sent.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.OUT_FOR_SIGNATURE


def test_sending_an_incomplete_draft_shows_what_is_missing(world, client):
    agreement = draft_agreement(world, complete=False)
    response = login(client, world, Role.PCT_COMMISSIONING).post(
        reverse("agreements:agreement_transition", args=[agreement.pk, "send"]), {"reason": ""}
    )
    assert response.status_code == 400
    assert "Section 1 needs at least one SMART objective." in response.content.decode()


def test_each_party_signs_on_the_sign_page(world, client):
    agreement = sent_agreement(world)
    for role in (Role.PCT_FINANCE, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER):
        login(client, world, role)
        page = client.get(reverse("agreements:agreement_sign", args=[agreement.pk]))
        party = page.context["form"].fields["party"].choices[0][0]
        response = client.post(
            reverse("agreements:agreement_sign", args=[agreement.pk]),
            {"party": party, "signatory_name": role.label, "confirm": "on"},
        )
        assert response.status_code == 302, response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    body = client.get(reverse("agreements:agreement_detail", args=[agreement.pk])).content.decode()
    assert "Signed by Practice manager / PBC lead" in body
    # nothing left to sign
    assert "nothing for you to sign" not in body
    page = client.get(reverse("agreements:agreement_sign", args=[agreement.pk])).content.decode()
    assert "only an agreement out for signature can be signed" in page


def test_a_superseded_version_points_to_the_current_one(world, client):
    v1 = active_agreement(world)
    v2 = services.agreement_new_version(
        agreement=v1, actor=world.users[Role.PCT_COMMISSIONING], change_summary="x"
    )
    services.agreement_send_for_signature(agreement=v2, actor=world.users[Role.PCT_COMMISSIONING])
    for role in (Role.PCT_COMMISSIONING, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER):
        services.agreement_sign(agreement=v2, actor=world.users[role])
    page = login(client, world, Role.PRACTICE_MANAGER).get(reverse("agreements:agreement_sign", args=[v1.pk]))
    assert "sign the current version" in page.content.decode()
    assert reverse("agreements:agreement_detail", args=[v2.pk]) in page.content.decode()


def test_agreement_pdf_with_signatures(world, client):
    agreement = active_agreement(world)
    response = login(client, world, Role.AUDITOR).get(
        reverse("agreements:agreement_pdf", args=[agreement.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{agreement.reference}-v1.pdf"' in response["Content-Disposition"]


def test_agreement_list_query_count_is_bounded(world, client, django_assert_max_num_queries):
    for _ in range(8):
        draft_agreement(world)
    login(client, world, Role.PRACTICE_MANAGER)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("agreements:agreement_list"))
    assert response.status_code == 200 and len(response.context["object_list"]) == 8


# --- LES and schemes ---------------------------------------------------------------------------------


def test_the_sign_up_sheet_refuses_one_omitting_a_gp(world, client):
    herts = herts_scheme(world.pct)
    list_size(world.practice, 6_000)
    gps = [GpOfPractice(practice=world.practice, name=n) for n in ("Dr One", "Dr Two")]
    url = reverse("agreements:signup_create", args=["L85001"])
    login(client, world, Role.PRACTICE_MANAGER)
    page = client.get(url)
    assert "Dr One" in page.content.decode() and "Dr Two" in page.content.decode()
    data = {
        "scheme": herts.pk,
        "lead_name": "Pat",
        "lead_role": "practice_manager",
        "gps": [gps[0].pk],
        "hours_per_gp_per_month": 2,
        "signed_on": "2007-04-02",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "Dr Two is missing" in response.content.decode()
    assert not LesSignUp.objects.exists()
    response = client.post(url, {**data, "gps": [g.pk for g in gps]})
    assert response.status_code == 302
    assert Payment.objects.get().amount_pence == 600_000
    assert client.get(reverse("agreements:signup_create", args=["L85002"])).status_code == 404


def test_scheme_page_shows_validation_errors_and_change_needs_reason(world, client):
    login(client, world, Role.PCT_FINANCE)
    definition = incentives.banes_part2_2007_08().to_dict()
    definition["components"][0]["outcomes"][0]["weight_percent"] = "3"
    response = client.post(reverse("agreements:scheme_create"), {"definition": json.dumps(definition)})
    assert response.status_code == 400
    assert "add up to 102%; they must add up to exactly 100%" in response.content.decode()
    assert client.post(reverse("agreements:scheme_create"), {"definition": "{not json"}).status_code == 200
    assert not IncentiveScheme.objects.exists()
    page = client.get(reverse("agreements:scheme_create"), {"template": "herts"})
    assert "herts-pbc-les-2007-08" in page.content.decode()


def test_achievement_with_an_attachment_is_recorded_and_downloaded(world, client):
    banes = banes_scheme(world.pct)
    login(client, world, Role.PCT_INFORMATION)
    response = client.post(
        reverse("agreements:achievement_create", args=[banes.pk]),
        {
            "component_code": "part2",
            "outcome_code": "6.2",
            "practice": world.practice.pk,
            "achieved": "on",
            "evidence_notes": "Peer review minutes",
            "attachments": [
                SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
            ],
        },
    )
    assert response.status_code == 302
    achievement = Achievement.objects.get()
    attachment = achievement.attachments.get()
    download = client.get(reverse("agreements:achievement_attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 minutes"
    login(client, world, Role.PRACTICE_MANAGER)  # Abbey's own achievement
    assert client.get(reverse("agreements:achievement_attachment", args=[attachment.pk])).status_code == 200
    client.force_login(world.users[Role.LOCALITY_LEAD])
    bad = client.post(reverse("agreements:achievement_create", args=[banes.pk]), {})
    assert bad.status_code == 403


# --- statements and exports ----------------------------------------------------------------------------


def test_a_practice_sees_its_statement_and_only_its_own(world, client, statement_lines):
    login(client, world, Role.PRACTICE_MANAGER)
    own = client.get(reverse("agreements:statement_practice", args=["L85001", 2007]))
    assert own.status_code == 200
    assert [line.practice.code for line in own.context["statement"].lines] == ["L85001", "L85001"]
    assert own.context["statement"].totals.amount_pence == 1_200_000
    for name in ("statement_practice", "statement_practice_xlsx", "statement_practice_pdf"):
        assert client.get(reverse(f"agreements:{name}", args=["L85002", 2007])).status_code == 404
    for name in ("statement_locality", "statement_locality_xlsx", "payment_summary"):
        kwargs = ["5WV-NORTH", 2007] if "locality" in name else [2007]
        assert client.get(reverse(f"agreements:{name}", args=kwargs)).status_code == 403
    listed = client.get(reverse("agreements:payment_list"))
    assert {line.practice.code for line in listed.context["object_list"]} == {"L85001"}


def _sheet_rows(content: bytes):
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    return book, sheet, list(sheet.iter_rows(values_only=True))


def test_practice_statement_excel_opens_with_matching_totals_and_no_formulas(world, client, statement_lines):
    response = login(client, world, Role.PRACTICE_MANAGER).get(
        reverse("agreements:statement_practice_xlsx", args=["L85001", 2007])
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book, sheet, rows = _sheet_rows(response.content)
    assert sheet.freeze_panes == "A2" and rows[0][0] == "Component" and sheet["A1"].font.bold
    lines = [r for r in rows[1:] if r[0] in ("pp", "info")]
    payable = [Decimal(str(r[6])) for r in lines]
    assert sorted(payable) == [Decimal("40.00") * 100, Decimal("80.00") * 100]
    total = next(r for r in rows if r[0] == "Total")
    assert Decimal(str(total[6])) == sum(payable) == Decimal("12000")
    names = {r[1] for r in lines}
    assert names == {'\'=HYPERLINK("http://evil","x")', "'@SUM(A1:A2)"}
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    money_cell = sheet.cell(row=2, column=7)
    assert "£" in money_cell.number_format


def test_locality_statement_and_summary_exports(world, client, statement_lines):
    login(client, world, Role.LOCALITY_LEAD)
    page = client.get(reverse("agreements:statement_locality", args=["5WV-NORTH", 2007]))
    statement = page.context["statement"]
    assert statement.totals.amount_pence == 1_560_000
    assert [(p.code, t.amount_pence) for p, t in statement.practice_totals] == [
        ("L85001", 1_200_000),
        ("L85002", 750_000),
    ]
    assert client.get(reverse("agreements:statement_locality", args=["5WV-SOUTH", 2007])).status_code == 404
    book, sheet, rows = _sheet_rows(
        client.get(reverse("agreements:statement_locality_xlsx", args=["5WV-NORTH", 2007])).content
    )
    assert rows[1][1] == "'-1+1"
    assert [r[0] for r in book["Practices"].iter_rows(min_row=2, values_only=True)] == ["L85001", "L85002"]

    login(client, world, Role.PCT_FINANCE)
    summary = client.get(reverse("agreements:payment_summary", args=[2007]))
    # 12,000 + 7,500 + 4,999.50 (3,333 × £1.50) + 15,600
    assert summary.context["summary"].totals.amount_pence == 1_200_000 + 750_000 + 499_950 + 1_560_000
    book, sheet, rows = _sheet_rows(
        client.get(reverse("agreements:payment_summary_xlsx", args=[2007])).content
    )
    total = next(r for r in rows if r[0] == "Total")
    assert Decimal(str(total[5])) == Decimal("40099.50")
    assert sum(Decimal(str(r[5])) for r in rows[1:] if r[0] != "Total") == Decimal("40099.50")
    for name, args in (
        ("statement_practice_pdf", ["L85001", 2007]),
        ("statement_locality_pdf", ["5WV-NORTH", 2007]),
        ("payment_summary_pdf", [2007]),
    ):
        response = client.get(reverse(f"agreements:{name}", args=args))
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), name


def test_finance_approves_and_pays_from_the_statement(world, client, statement_lines):
    line = Payment.objects.get(practice=world.practice, component_code="pp")
    login(client, world, Role.PCT_FINANCE)
    assert (
        client.post(
            reverse("agreements:payment_transition", args=[line.pk, "approve"]), {"note": ""}
        ).status_code
        == 302
    )
    bad = client.post(reverse("agreements:payment_transition", args=[line.pk, "pay"]), {"reference": ""})
    assert bad.status_code == 200  # the form needs a reference
    ok = client.post(reverse("agreements:payment_transition", args=[line.pk, "pay"]), {"reference": "BACS 9"})
    assert ok.status_code == 302 and ok["Location"] == reverse(
        "agreements:statement_practice", args=["L85001", 2007]
    )
    line.refresh_from_db()
    assert line.status == PaymentStatus.PAID
    assert client.get(reverse("agreements:payment_transition", args=[line.pk, "nonsense"])).status_code == 404
    login(client, world, Role.PCT_COMMISSIONING)
    assert client.get(reverse("agreements:payment_transition", args=[line.pk, "approve"])).status_code == 403


def test_statement_and_payment_list_query_counts_are_bounded(
    world, client, statement_lines, django_assert_max_num_queries
):
    for n in range(25):
        services.payment_line_add(
            practice=world.practice, year=2007, component_code=f"x{n}", name="R", amount_pence=1, actor=None
        )
    login(client, world, Role.PCT_FINANCE)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("agreements:statement_practice", args=["L85001", 2007])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("agreements:payment_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("agreements:payment_summary", args=[2007])).status_code == 200


def test_scheme_calculate_page_previews_and_saves(world, client):
    herts = herts_scheme(world.pct)
    login(client, world, Role.PCT_FINANCE)
    page = client.get(reverse("agreements:scheme_calculate", args=[herts.pk]))
    assert page.status_code == 200 and page.context["calculation"].errors  # no list sizes yet
    assert client.post(reverse("agreements:scheme_calculate", args=[herts.pk])).status_code == 302
    assert not Payment.objects.exists()
    for practice in (world.practice, world.neighbour, world.far):
        list_size(practice, 10_000)
    client.post(reverse("agreements:scheme_calculate", args=[herts.pk]))
    assert sorted(Payment.objects.values_list("locality__code", "amount_pence")) == [
        ("5WV-NORTH", 1_560_000),
        ("5WV-SOUTH", 1_560_000),
    ]  # nobody signed up: only the localities' level 1 allowances


def test_budget_positions_are_recorded_by_finance_and_action_by_the_locality(world, client):
    login(client, world, Role.PCT_FINANCE)
    response = client.post(
        reverse("agreements:budget_position_create"),
        {
            "practice": world.practice.pk,
            "year": "2007/08",
            "budget_pence": "5,000,000.00",
            "outturn_pence": "5,100,000",
            "evidence": "M12",
        },
    )
    assert response.status_code == 302
    login(client, world, Role.LOCALITY_LEAD)
    far = client.post(
        reverse("agreements:substantial_action_create"),
        {"practice": world.far.pk, "year": "2007/08", "agreed_on": "2008-05-01", "notes": "x"},
    )
    assert far.status_code == 200  # Castle is not the locality lead's to agree
    ok = client.post(
        reverse("agreements:substantial_action_create"),
        {
            "practice": world.practice.pk,
            "year": "2007/08",
            "agreed_on": "2008-05-01",
            "notes": "Referral management",
        },
    )
    assert ok.status_code == 302
    from agreements.selectors import practice_overspent, substantial_action_agreed

    assert practice_overspent(world.practice, 2007) is True and substantial_action_agreed(
        world.practice, 2007
    )
    assert practice_overspent(world.neighbour, 2007) is None
    assert date(2008, 5, 1) == world.practice.substantial_action_agreements.get().agreed_on
