"""High-cost patients and frequent attenders per practice, and cost concentration across practices."""

from __future__ import annotations

from decimal import Decimal

from rest_framework.test import APIClient

from activity.patients import HASH_SHOWN, concentration
from activity.validation.models import ActivityLine
from pbc.choices import Role


def _get(world, role, path, **query):
    api = APIClient()
    api.force_authenticate(world.users[role])
    return api.get(path, query)


def test_top_patients_by_cost_with_their_lines_and_never_the_pseudonym(published, world):
    response = _get(
        world, Role.PCT_FINANCE, "/api/v1/high-cost-patients/", practice="L85001", financial_year="2007/08"
    )
    assert response.status_code == 200, response.content
    rows = response.json()
    # PATIENTAAA1: S1 £3,150.00 + S4 £2,100.00; PATIENTAAA2: S2 £525.00.
    assert [(r["rank"], r["cost"], r["admissions"], r["attendances"]) for r in rows] == [
        (1, "5250.00", 2, 0),
        (2, "525.00", 1, 0),
    ]
    keys = dict(
        ActivityLine.objects.current()
        .filter(record_key__in=["S1", "S2"])
        .values_list("record_key", "patient_key")
    )
    assert rows[0]["patient"] == keys["S1"][:HASH_SHOWN] and rows[1]["patient"] == keys["S2"][:HASH_SHOWN]
    assert [line["cost"] for line in rows[0]["lines"]] == ["3150.00", "2100.00"]
    assert "PATIENTAAA" not in response.content.decode()
    limited = _get(
        world,
        Role.PCT_FINANCE,
        "/api/v1/high-cost-patients/",
        practice="L85001",
        financial_year="2007/08",
        limit=1,
    )
    assert len(limited.json()) == 1


def test_by_admissions_and_scope(published, world):
    rows = _get(
        world, Role.PRACTICE_MANAGER, "/api/v1/high-cost-patients/", practice="L85001", financial_year="2007/08",
        by="admissions",
    ).json()  # fmt: skip
    assert [r["admissions"] for r in rows] == [2, 1]
    # Another practice's patients are not found for a practice manager; bad input is a 400 with fields.
    assert (
        _get(world, Role.PRACTICE_MANAGER, "/api/v1/high-cost-patients/", practice="L85002").status_code
        == 404
    )
    bad = _get(
        world, Role.PCT_FINANCE, "/api/v1/high-cost-patients/", practice="L85001", by="height", limit=0
    )
    assert bad.status_code == 400 and {"by", "limit"} <= set(bad.json()["errors"])
    assert _get(world, Role.PCT_FINANCE, "/api/v1/high-cost-patients/").status_code == 400  # practice needed


def test_cost_concentration_per_practice(published, world):
    body = _get(
        world, Role.PCT_FINANCE, "/api/v1/cost-concentration/", financial_year="2007/08", top=1
    ).json()
    rows = {r["practice"]: r for r in body["results"]}
    assert set(rows) == {"L85001", "L85002"}
    assert rows["L85001"]["cost"] == "5775.00" and rows["L85001"]["patients"] == 2
    assert rows["L85001"]["top_share"] == "0.9091"  # 5,250 of 5,775
    assert rows["L85002"]["top_share"] == "1.0000"
    mine = _get(world, Role.PRACTICE_MANAGER, "/api/v1/cost-concentration/", financial_year="2007/08").json()
    assert [r["practice"] for r in mine["results"]] == ["L85001"]


def test_concentration_rule():
    assert concentration([]) == {"patients": 0, "top_share": None, "top_1pct_share": None}
    costs = [100] * 199 + [10_100]  # 200 patients: the top 1% is the top 2
    result = concentration(costs, top=10)
    assert result["patients"] == 200
    assert result["top_share"] == Decimal("0.3667")  # (10,100 + 9 × 100) / 30,000
    assert result["top_1pct_share"] == (Decimal(10_200) / Decimal(30_000)).quantize(Decimal("0.0001"))


def test_the_page_shows_concentration_and_a_practice_s_top_patients(published, world, client):
    client.force_login(world.users[Role.PCT_FINANCE])
    page = client.get("/activity/high-cost-patients/", {"financial_year": "2007/08"}).content.decode()
    assert (
        'data-practice="L85001"' in page and 'data-practice="L85002"' in page and 'data-rank="1"' not in page
    )
    page = client.get("/activity/high-cost-patients/", {"financial_year": "2007/08", "practice": "L85001"})
    body = page.content.decode()
    assert 'data-rank="1"' in body and "£5,250.00" in body and "PATIENTAAA" not in body
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    own = client.get("/activity/high-cost-patients/", {"financial_year": "2007/08"}).content.decode()
    assert 'data-rank="2"' in own and 'data-practice="L85002"' not in own  # their practice, at once
    other = client.get("/activity/high-cost-patients/", {"financial_year": "2007/08", "practice": "L85002"})
    assert other.status_code == 200 and "No practice L85002 in your scope" in other.content.decode()
