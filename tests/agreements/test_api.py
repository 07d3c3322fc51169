"""The agreements API: every DOMAIN figure through the calculation endpoint, the whole agreement
lifecycle over HTTP, bad input refused with a clear message, scoping and bounded query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from agreements import incentives, services
from agreements.choices import AgreementStatus
from agreements.models import (
    Agreement,
    AgreementSignature,
    IncentiveScheme,
    LesSignUp,
    Payment,
    SubstantialActionAgreement,
    YearEndBudgetPosition,
)
from pbc.choices import Role
from pbc.fiscal import FinancialYear
from tests.factories.agreements import (
    OBJECTIVE,
    GpOfPractice,
    active_agreement,
    banes_scheme,
    des_scheme,
    draft_agreement,
    herts_scheme,
    list_size,
)

BANES_CONSORTIUM = ["1.1", "1.2", "1.4", "2.1", "4.1", "4.2", "5.1", "5.2"]  # all but 4.3


@pytest.fixture
def api():
    return APIClient()


def as_user(api, world, role):
    api.force_authenticate(world.users[role])
    return api


def amounts(body) -> dict[str, str]:
    return {line["component_code"]: line["amount"] for line in body["lines"]}


# --- figures ---------------------------------------------------------------------------------------


def test_banes_6080_from_recorded_figures_and_from_given_figures(world, api):
    scheme = banes_scheme(world.pct)
    list_size(world.practice, 8_000)
    for code in BANES_CONSORTIUM:
        services.achievement_record(
            scheme=scheme, actor=None, component_code="part2", outcome_code=code, evidence_notes="m"
        )
    services.achievement_record(
        scheme=scheme,
        actor=None,
        component_code="part2",
        outcome_code="6.2",
        practice=world.practice,
        evidence_notes="m",
    )
    url = reverse("incentive-scheme-calculation", kwargs={"pk": scheme.pk})
    body = as_user(api, world, Role.PRACTICE_MANAGER).get(url, {"practice": "L85001"}).json()
    (practice,) = body["practices"]
    assert amounts(practice) == {"part2": "6080.00"} and practice["total"] == "6080.00"
    assert practice["lines"][0]["due_by"] == "2008-06-30" and practice["list_size"] == 8000
    given = api.post(
        url,
        {"list_size": 8000, "achievements": {"consortium": BANES_CONSORTIUM, "practice": ["6.2"]}},
        format="json",
    ).json()
    assert amounts(given) == {"part2": "6080.00"} and given["total"] == "6080.00"


def test_hertfordshire_figures_for_1_15_million_people_and_12_localities(world, api):
    scheme = herts_scheme(world.pct)
    url = reverse("incentive-scheme-calculation", kwargs={"pk": scheme.pk})
    as_user(api, world, Role.AUDITOR)
    body = api.post(url, {"list_size": 1_150_000}, format="json").json()
    assert amounts(body) == {"1": "1150000.00", "2": "575000.00"}

    def level(n, population=1_150_000, localities=12):
        payload = {"component": "3", "level": n, "population": population, "localities": localities}
        return amounts(api.post(url, payload, format="json").json())

    assert level(1, population=100_000, localities=1) == {"3.L1.gp": "15600.00"}
    assert level(1) == {"3.L1.gp": "187200.00"}
    assert level(2) == {"3.L2.gp": "538200.00", "3.L2.staff": "179400.00"}
    assert level(3) == {"3.L3.gp": "1076400.00", "3.L3.staff": "358800.00"}


def test_hertfordshire_pct_wide_figures_from_what_is_recorded(herts, api):
    api.force_authenticate(herts.finance)
    url = reverse("incentive-scheme-calculation", kwargs={"pk": herts.scheme.pk})
    body = api.get(url).json()
    totals = {t["component_code"]: t["amount"] for t in body["totals"]}
    assert totals == {"1": "1150000.00", "2": "575000.00", "3.L1.gp": "187200.00"}
    assert body["problems"] == [] and len(body["practices"]) == 12 and len(body["localities"]) == 12
    totals = {t["component_code"]: t["amount"] for t in api.get(url, {"level": 2}).json()["totals"]}
    assert (totals["3.L2.gp"], totals["3.L2.staff"]) == ("538200.00", "179400.00")
    totals = {t["component_code"]: t["amount"] for t in api.get(url, {"level": 3}).json()["totals"]}
    assert (totals["3.L3.gp"], totals["3.L3.staff"]) == ("1076400.00", "358800.00")
    one = api.get(url, {"locality": "5HT-L01"}).json()["localities"][0]
    assert (one["population"], one["level"], amounts(one)) == (95_830, 1, {"3.L1.gp": "15600.00"})
    # Saving the schedule gives the same figures.
    schedule = api.post(reverse("incentive-scheme-schedule", kwargs={"pk": herts.scheme.pk})).json()
    assert schedule["total"] == "1912200.00"  # 1,150,000 + 575,000 + 187,200
    assert schedule["by_status"] == {"due": "1912200.00"}


def test_des_rates_through_the_api(world, api):
    scheme = des_scheme(world.pct)
    url = reverse("incentive-scheme-calculation", kwargs={"pk": scheme.pk})
    body = (
        as_user(api, world, Role.PCT_FINANCE)
        .post(
            url,
            {
                "list_size": 10_000,
                "activity_counts": {
                    "heart_failure": 1,
                    "alcohol": 1,
                    "learning_disabilities": 1,
                    "osteoporosis": 1,
                },
            },
            format="json",
        )
        .json()
    )
    assert amounts(body) == {
        "heart_failure": "35.00",
        "alcohol": "2.33",
        "learning_disabilities": "100.00",
        "osteoporosis": "588.21",
        "ethnicity": "560.00",
        "extended_hours": "29500.00",
    }


# --- bad input: clear message, nothing saved ---------------------------------------------------------


def test_weights_not_100_and_negative_rates_are_400_and_nothing_saved(world, api):
    as_user(api, world, Role.PCT_FINANCE)
    definition = incentives.banes_part2_2007_08().to_dict()
    definition["components"][0]["outcomes"][-1]["weight_percent"] = "10"
    response = api.post(reverse("incentive-scheme-list"), {"definition": definition}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["definition"] == [
        "The outcome weights of part2 add up to 95%; they must add up to exactly 100%."
    ]
    negative = incentives.des_2008_09().to_dict()
    negative["components"][4]["rate_pence_per_patient"] = "-5.6"
    response = api.post(reverse("incentive-scheme-list"), {"definition": negative}, format="json")
    assert response.status_code == 400
    assert "The rate of ethnicity cannot be negative (-5.6)." in response.json()["errors"]["definition"]
    assert not IncentiveScheme.objects.exists()
    created = api.post(
        reverse("incentive-scheme-list"), {"definition": incentives.des_2008_09().to_dict()}, format="json"
    )
    assert created.status_code == 201 and created.json()["definition"]["pct"] == "Wessex Vale PCT"


def test_a_payment_for_a_year_with_no_list_size_is_400(world, api):
    scheme = herts_scheme(world.pct)
    url = reverse("incentive-scheme-calculation", kwargs={"pk": scheme.pk})
    as_user(api, world, Role.PCT_FINANCE)
    response = api.post(url, {}, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("No list size at 01 April 2007")
    list_size(world.practice, 100)
    response = api.get(url, {"locality": "5WV-NORTH"})
    assert (
        response.status_code == 400
        and "no list size at 01 April 2007 for L85002" in response.json()["message"]
    )
    response = api.post(reverse("incentive-scheme-schedule", kwargs={"pk": scheme.pk}))
    assert response.status_code == 400 and response.json()["message"].startswith("Nothing was saved")
    assert not Payment.objects.exists()


def test_sign_up_over_the_api_refuses_one_omitting_a_gp(world, api):
    scheme = herts_scheme(world.pct)
    list_size(world.practice, 6_000)
    gps = [GpOfPractice(practice=world.practice, name=n) for n in ("Dr One", "Dr Two")]
    payload = {
        "scheme": scheme.pk,
        "practice": "L85001",
        "lead_name": "Pat Practice",
        "lead_role": "practice_manager",
        "gps": [gps[0].pk],
        "signed_on": "2007-04-02",
    }
    as_user(api, world, Role.PRACTICE_MANAGER)
    response = api.post(reverse("les-sign-up-list"), payload, format="json")
    assert response.status_code == 400
    assert (
        response.json()["message"]
        == "Every GP of Abbey Surgery must be named and sign up: Dr Two is missing."
    )
    assert not LesSignUp.objects.exists() and not Payment.objects.exists()
    response = api.post(reverse("les-sign-up-list"), {**payload, "gps": [g.pk for g in gps]}, format="json")
    assert response.status_code == 201
    assert [g["name"] for g in response.json()["gps"]] == ["Dr One", "Dr Two"]
    assert Payment.objects.get().amount_pence == 600_000
    other = api.post(reverse("les-sign-up-list"), {**payload, "practice": "L85002"}, format="json")
    assert other.status_code == 400 and other.json()["message"] == "No practice L85002 in your scope."
    assert (
        as_user(api, world, Role.PCT_FINANCE)
        .post(reverse("les-sign-up-list"), payload, format="json")
        .status_code
        == 403
    )


# --- agreements over HTTP ----------------------------------------------------------------------------


def test_agreement_lifecycle_over_the_api(world, api):
    as_user(api, world, Role.PCT_COMMISSIONING)
    payload = {
        "title": "North locality PBC agreement",
        "start_date": "2007-04-01",
        "end_date": "2030-03-31",
        "sections": [{"number": n, "body": f"Section {n} text"} for n in range(1, 11)],
        "objectives": [{**OBJECTIVE, "due_date": "2008-03-31"}],
        "parties": [
            {
                "kind": "locality",
                "code": "5WV-NORTH",
                "lead_name": "Dr Lee Locality",
                "lead_username": "locality_lead",
            },
            {
                "kind": "practice",
                "code": "L85001",
                "lead_name": "Pat Practice",
                "lead_role": "Practice manager",
            },
        ],
    }
    created = api.post(reverse("agreement-list"), payload, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    pk = body["id"]
    assert [s["number"] for s in body["sections"]] == list(range(1, 11))
    assert [p["kind"] for p in body["parties"]] == ["pct", "locality", "practice"]
    assert body["status"] == "draft" and body["locality"] == "5WV-NORTH"
    patched = api.patch(reverse("agreement-detail", kwargs={"pk": pk}), {"title": "Renamed"}, format="json")
    assert patched.json()["title"] == "Renamed"

    transitions = reverse("agreement-transitions", kwargs={"pk": pk})
    assert api.get(transitions).json()["allowed_actions"] == ["send"]
    sent = api.post(transitions, {"action": "send"}, format="json")
    assert sent.json()["status"] == "out_for_signature"
    assert (
        api.patch(reverse("agreement-detail", kwargs={"pk": pk}), {"title": "X"}, format="json").status_code
        == 409
    )

    signatures = reverse("agreement-signatures", kwargs={"pk": pk})
    assert len(api.get(signatures).json()["awaiting"]) == 3
    for role in (Role.PCT_COMMISSIONING, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER):
        response = as_user(api, world, role).post(signatures, {}, format="json")
        assert response.status_code == 201, response.json()
    body = api.get(reverse("agreement-detail", kwargs={"pk": pk})).json()
    assert body["status"] == "active"
    assert all(p["signed"] and p["signature"]["signed_at"] for p in body["parties"])
    assert [t["action"] for t in body["transitions"]] == ["create", "send", "activate"]


def test_a_signature_by_a_non_party_is_400(world, api):
    agreement = draft_agreement(world)
    agreement.parties.filter(kind="locality").delete()  # the locality lead still sees North's agreement
    services.agreement_send_for_signature(agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING])
    response = as_user(api, world, Role.LOCALITY_LEAD).post(
        reverse("agreement-signatures", kwargs={"pk": agreement.pk}), {}, format="json"
    )
    assert response.status_code == 400
    assert "is not a signatory for any party" in response.json()["message"]
    assert not AgreementSignature.objects.exists()
    # Out of scope altogether: 404, not a hint that it exists.
    far = draft_agreement(world, practice=world.far)
    response = api.post(reverse("agreement-signatures", kwargs={"pk": far.pk}), {}, format="json")
    assert response.status_code == 404


def test_signing_a_superseded_version_is_409_with_a_clear_message(world, api):
    v1 = active_agreement(world)
    commissioning = world.users[Role.PCT_COMMISSIONING]
    as_user(api, world, Role.PCT_COMMISSIONING)
    v2 = api.post(
        reverse("agreement-versions", kwargs={"pk": v1.pk}), {"change_summary": "New targets"}, format="json"
    )
    assert v2.status_code == 201 and v2.json()["version"] == 2
    v2 = Agreement.objects.get(pk=v2.json()["id"])
    services.agreement_send_for_signature(agreement=v2, actor=commissioning)
    for role in (Role.PCT_COMMISSIONING, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER):
        services.agreement_sign(agreement=v2, actor=world.users[role])
    response = as_user(api, world, Role.PRACTICE_MANAGER).post(
        reverse("agreement-signatures", kwargs={"pk": v1.pk}), {}, format="json"
    )
    assert response.status_code == 409
    assert "was superseded by version 2" in response.json()["message"]
    versions = api.get(reverse("agreement-versions", kwargs={"pk": v1.pk})).json()
    assert [(v["version"], v["status"], v["end_reason"]) for v in versions] == [
        (2, "active", ""),
        (1, "ended", "superseded"),
    ]
    assert Agreement.objects.get(pk=v1.pk).status == AgreementStatus.ENDED


# --- scope and query counts -------------------------------------------------------------------------


def test_a_practice_sees_only_its_own_payment_lines(world, api):
    for practice in (world.practice, world.neighbour, world.far):
        services.payment_line_add(
            practice=practice, year=2007, component_code="r", name="Reward", amount_pence=100, actor=None
        )
    services.payment_line_add(
        locality=world.north, year=2007, component_code="l", name="Allowance", amount_pence=5, actor=None
    )
    as_user(api, world, Role.PRACTICE_MANAGER)
    rows = api.get(reverse("payment-list")).json()["results"]
    assert [r["practice"] for r in rows] == ["L85001"]
    neighbour = Payment.objects.get(practice=world.neighbour)
    assert api.get(reverse("payment-detail", kwargs={"pk": neighbour.pk})).status_code == 404
    as_user(api, world, Role.LOCALITY_LEAD)
    rows = api.get(reverse("payment-list")).json()["results"]
    assert sorted((r["practice"] or r["locality"]) for r in rows) == ["5WV-NORTH", "L85001", "L85002"]
    assert len(as_user(api, world, Role.AUDITOR).get(reverse("payment-list")).json()["results"]) == 4


def test_payment_transitions_over_the_api(world, api):
    line = services.payment_line_add(
        practice=world.practice, year=2007, component_code="r", name="R", amount_pence=100, actor=None
    )
    url = reverse("payment-transitions", kwargs={"pk": line.pk})
    assert (
        as_user(api, world, Role.PCT_INFORMATION).post(url, {"action": "approve"}, format="json").status_code
        == 403
    )
    as_user(api, world, Role.PCT_FINANCE)
    assert api.post(url, {"action": "pay", "reference": "B1"}, format="json").status_code == 409
    assert api.post(url, {"action": "approve"}, format="json").json()["status"] == "approved"
    response = api.post(url, {"action": "pay"}, format="json")
    assert response.status_code == 400 and "payment reference" in response.json()["message"]
    body = api.post(url, {"action": "pay", "reference": "BACS 7"}, format="json").json()
    assert body["status"] == "paid" and [t["action"] for t in body["transitions"]] == ["approve", "pay"]


def test_list_endpoints_have_bounded_query_counts(world, api, django_assert_max_num_queries):
    for _ in range(6):
        active_agreement(world)
    for n in range(30):
        services.payment_line_add(
            practice=world.practice, year=2007, component_code=f"c{n}", name="R", amount_pence=1, actor=None
        )
    as_user(api, world, Role.PCT_FINANCE)
    with django_assert_max_num_queries(12):
        body = api.get(reverse("agreement-list")).json()
    assert body["count"] == 6 and all(len(a["parties"]) == 3 for a in body["results"])
    with django_assert_max_num_queries(6):
        assert api.get(reverse("payment-list")).json()["count"] == 30
    as_user(api, world, Role.PRACTICE_MANAGER)
    with django_assert_max_num_queries(12):
        assert api.get(reverse("agreement-list")).json()["count"] == 6


def test_achievements_over_the_api(world, api):
    scheme = banes_scheme(world.pct)
    as_user(api, world, Role.PCT_INFORMATION)
    response = api.post(
        reverse("achievement-list"),
        {
            "scheme": scheme.pk,
            "component_code": "part2",
            "outcome_code": "6.2",
            "practice": "L85001",
            "evidence_notes": "Minutes",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["locality"] == "5WV-NORTH"
    bad = api.post(
        reverse("achievement-list"),
        {"scheme": scheme.pk, "component_code": "part2", "outcome_code": "9.9", "evidence_notes": "x"},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["errors"]["outcome_code"]
    assert as_user(api, world, Role.PRACTICE_MANAGER).get(reverse("achievement-list")).json()["count"] == 1
    assert (
        as_user(api, world, Role.PRACTICE_MANAGER)
        .post(reverse("achievement-list"), {}, format="json")
        .status_code
        == 403
    )


def test_schema_documents_the_agreements_api(world, client):
    client.force_login(world.users[Role.AUDITOR])
    text = client.get(reverse("schema")).content.decode()
    for path in (
        "/api/v1/agreements/{id}/signatures/",
        "/api/v1/incentive-schemes/{id}/calculation/",
        "/api/v1/payments/{id}/transitions/",
        "/api/v1/les-sign-ups/",
    ):
        assert path in text


def test_les_declaration_over_the_api(world, api):
    scheme = herts_scheme(world.pct)
    list_size(world.practice, 6_000)
    gp = GpOfPractice(practice=world.practice)
    sign_up = services.les_sign_up(
        scheme=scheme,
        practice=world.practice,
        actor=world.users[Role.PRACTICE_MANAGER],
        lead_name="Pat",
        lead_role="practice_manager",
        gp_ids=[gp.pk],
        signed_on=date(2007, 4, 2),
    )
    url = reverse("les-sign-up-declaration", kwargs={"pk": sign_up.pk})
    as_user(api, world, Role.PRACTICE_MANAGER)
    early = api.post(
        url, {"declared_on": "2007-06-01", "declarations": [{"gp": gp.pk, "met": True}]}, format="json"
    )
    assert early.status_code == 400 and "from 01 March 2008" in early.json()["message"]
    body = api.post(
        url, {"declared_on": "2008-03-31", "declarations": [{"gp": gp.pk, "met": True}]}, format="json"
    ).json()
    assert body["gps"][0]["declared_met"] is True


# --- the indicative-budget rule's facts -------------------------------------------------------------


def read_token(api, user):
    """A read-only token for any user, so a role that may write is still refused through it."""
    import secrets

    from pbc.choices import ApiTokenScope
    from pbc.models import ApiToken

    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name="reader", prefix=key[:8], key_hash=ApiToken.hash_key(key), scope=ApiTokenScope.READ
    )
    api.force_authenticate(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def csv_rows(response) -> list[list[str]]:
    import csv
    import io

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


POSITION = {
    "practice": "L85001",
    "year": "2007/08",
    "budget": "100000.00",
    "outturn": "105000.50",
    "evidence": "Month 12 report, April 2008",
}


def test_budget_positions_are_recorded_over_the_api_by_pct_finance(world, api):
    url = reverse("budget-position-create")
    as_user(api, world, Role.PCT_FINANCE)
    response = api.post(url, POSITION, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["practice"], body["year"], body["overspent"]) == ("L85001", "2007/08", True)
    assert (body["budget"], body["outturn"], body["variance"]) == ("100000.00", "105000.50", "-5000.50")
    assert body["recorded_by"] == Role.PCT_FINANCE.value
    # Recording the year again replaces the figures (the page does the same).
    again = api.post(url, {**POSITION, "outturn": "99000.00"}, format="json").json()
    assert again["id"] == body["id"] and again["overspent"] is False and again["variance"] == "1000.00"
    position = YearEndBudgetPosition.objects.get()
    assert (
        position.history.count() == 2
        and position.history.first().history_user == world.users[Role.PCT_FINANCE]
    )

    bad = api.post(url, {**POSITION, "year": "2007/09", "budget": "1.234"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"year", "budget"}
    foreign = api.post(url, {**POSITION, "practice": "Y99999"}, format="json")
    assert foreign.status_code == 400 and foreign.json()["errors"]["practice"]
    no_evidence = api.post(url, {**POSITION, "evidence": " "}, format="json")
    assert no_evidence.status_code == 400 and "evidence" in no_evidence.json()["errors"]

    assert as_user(api, world, Role.PRACTICE_MANAGER).post(url, POSITION, format="json").status_code == 403
    refused = read_token(api, world.users[Role.PCT_FINANCE]).post(url, POSITION, format="json")
    assert refused.status_code == 403 and "may only read" in refused.json()["message"]
    assert YearEndBudgetPosition.objects.count() == 1


def test_a_practice_sees_only_its_own_budget_positions(world, api):
    for practice, outturn in ((world.practice, 105), (world.neighbour, 95), (world.far, 120)):
        services.budget_position_record(
            practice=practice,
            year=FinancialYear(2007),
            budget_pence=100_00,
            outturn_pence=outturn * 100,
            evidence="Month 12",
            actor=None,
        )
    neighbour = YearEndBudgetPosition.objects.get(practice=world.neighbour)
    list_url = reverse("budget-position-list")
    assert api.get(list_url).status_code == 401
    assert api.get(reverse("budget-position-detail", kwargs={"pk": neighbour.pk})).status_code == 401

    as_user(api, world, Role.PRACTICE_MANAGER)
    body = api.get(list_url).json()
    assert body["count"] == 1 and body["results"][0]["practice"] == "L85001"
    assert api.get(reverse("budget-position-detail", kwargs={"pk": neighbour.pk})).status_code == 404
    own = YearEndBudgetPosition.objects.get(practice=world.practice)
    assert api.get(reverse("budget-position-detail", kwargs={"pk": own.pk})).json()["overspent"] is True
    rows = csv_rows(api.get(list_url, {"format": "csv"}))
    assert rows[0][:2] == ["id", "practice"] and [r[1] for r in rows[1:]] == ["L85001"]

    as_user(api, world, Role.LOCALITY_LEAD)
    assert sorted(r["practice"] for r in api.get(list_url).json()["results"]) == ["L85001", "L85002"]
    as_user(api, world, Role.AUDITOR)
    assert api.get(list_url).json()["count"] == 3
    overspent = api.get(list_url, {"overspent": "true", "year": "2007/08"}).json()["results"]
    assert sorted(r["practice"] for r in overspent) == ["L85001", "L85003"]
    assert api.get(list_url, {"practice": "l85002"}).json()["count"] == 1
    assert api.get(list_url, {"year": "2008/09"}).json()["count"] == 0
    assert len(csv_rows(api.get(list_url, {"format": "csv", "overspent": "true"}))) == 3


def test_substantial_action_agreements_over_the_api(world, api):
    url = reverse("substantial-action-agreement-create")
    payload = {
        "practice": "L85001",
        "year": "2007/08",
        "agreed_on": "2008-05-01",
        "notes": "Referral management, agreed at the North locality meeting",
    }
    as_user(api, world, Role.LOCALITY_LEAD)
    response = api.post(url, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["practice"], body["locality"], body["year"]) == ("L85001", "5WV-NORTH", "2007/08")
    assert SubstantialActionAgreement.objects.get().history.count() == 1
    again = api.post(url, payload, format="json")
    assert again.status_code == 409 and "already recorded" in again.json()["message"]
    outside = api.post(url, {**payload, "practice": "L85003"}, format="json")  # another locality's practice
    assert outside.status_code == 400 and outside.json()["errors"]["practice"]
    blank = api.post(url, {**payload, "practice": "L85002", "notes": ""}, format="json")
    assert blank.status_code == 400 and "notes" in blank.json()["errors"]
    assert as_user(api, world, Role.PRACTICE_MANAGER).post(url, payload, format="json").status_code == 403
    as_user(api, world, Role.PCT_FINANCE)
    assert api.post(url, {**payload, "practice": "L85003"}, format="json").status_code == 201

    list_url = reverse("substantial-action-agreement-list")
    far = SubstantialActionAgreement.objects.get(practice=world.far)
    api.force_authenticate(None)
    assert api.get(list_url).status_code == 401
    as_user(api, world, Role.PRACTICE_MANAGER)
    assert [r["practice"] for r in api.get(list_url).json()["results"]] == ["L85001"]
    assert api.get(reverse("substantial-action-agreement-detail", kwargs={"pk": far.pk})).status_code == 404
    rows = csv_rows(api.get(list_url, {"format": "csv"}))
    assert len(rows) == 2 and rows[1][rows[0].index("practice")] == "L85001"
    as_user(api, world, Role.AUDITOR)
    assert api.get(list_url).json()["count"] == 2
    assert [r["practice"] for r in api.get(list_url, {"locality": "5wv-south"}).json()["results"]] == [
        "L85003"
    ]
    assert api.get(list_url, {"year": "2006/07"}).json()["count"] == 0


def test_budget_fact_lists_have_bounded_query_counts(world, api, django_assert_max_num_queries):
    for practice in (world.practice, world.neighbour, world.far):
        services.budget_position_record(
            practice=practice,
            year=FinancialYear(2007),
            budget_pence=100,
            outturn_pence=200,
            evidence="Month 12",
            actor=world.users[Role.PCT_FINANCE],
        )
        services.substantial_action_record(
            practice=practice,
            year=FinancialYear(2007),
            agreed_on=date(2008, 5, 1),
            notes="Agreed",
            actor=world.users[Role.PCT_FINANCE],
        )
    as_user(api, world, Role.AUDITOR)
    with django_assert_max_num_queries(6):
        assert api.get(reverse("budget-position-list")).json()["count"] == 3
    with django_assert_max_num_queries(6):
        assert api.get(reverse("substantial-action-agreement-list")).json()["count"] == 3
