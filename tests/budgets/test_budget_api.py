"""The budgets and reports API: set, change, approve and publish budgets; budgets with their steps; report
rows and roll-ups filtered and scoped; what-if; peer comparison."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from budgets.models import BudgetSet
from pbc.choices import Role


def api(world, role):
    client = APIClient()
    client.force_authenticate(world.users[role])
    return client


PARAMETERS = {
    "year": "2007/08",
    "baseline_start": "2006-04-01",
    "baseline_end": "2007-03-01",
    "uplift_pct": "2.5",
    "uplift_by_category": {"NEL": "4"},
    "list_size_adjustment": False,
    "risk_mode": "top_slice",
    "risk_top_slice_pct": "1",
    "resource": "20000.00",
}


def test_budgets_set_and_published_through_the_api(baseline, django_capture_on_commit_callbacks):
    client = api(baseline, Role.PCT_FINANCE)
    created = client.post("/api/v1/budget-sets/", PARAMETERS, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (
        body["status"] == "draft"
        and body["resource"] == "20000.00"
        and body["uplift_by_category"] == {"NEL": "4"}
    )
    pk = body["id"]
    # NEL × 1.04, the rest × 1.025, then 1% top-sliced (half-up per line): 432,432 + 223,753 + 319,646 +
    # 216,216 + 532,744; with £2,184 unattributed and £174.22 of risk pool, £19,606.13 fits in £20,000.
    assert body["practice_total"] == "17247.91" and body["scale_factor"] == "1.000000"
    assert {h["kind"] for h in body["holdings"]} == {"risk_pool", "unattributed"}
    changed = client.patch(
        f"/api/v1/budget-sets/{pk}/", {"uplift_pct": "0", "uplift_by_category": {}}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["uplift_pct"] == "0.000"
    bad = client.patch(f"/api/v1/budget-sets/{pk}/", {"baseline_start": "2006-04-15"}, format="json")
    assert bad.status_code == 400 and "baseline_start" in bad.json()["errors"]
    adjustment = client.post(
        f"/api/v1/budget-sets/{pk}/adjustments/",
        {"practice": "L85001", "category": "NEL", "amount": "-100.00", "reason": "Service moved"},
        format="json",
    )
    assert adjustment.status_code == 201 and adjustment.json()["amount"] == "-100.00"
    assert client.post(f"/api/v1/budget-sets/{pk}/publish/").status_code == 409
    assert (
        client.post(f"/api/v1/budget-sets/{pk}/approve/", {"reason": "ok"}, format="json").status_code == 200
    )
    assert client.post(f"/api/v1/budget-sets/{pk}/reopen/", {}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(f"/api/v1/budget-sets/{pk}/publish/", {}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert [t["to_status"] for t in published.json()["transitions"]] == ["draft", "approved", "published"]
    assert client.patch(f"/api/v1/budget-sets/{pk}/", {"uplift_pct": "1"}, format="json").status_code == 409
    again = client.post("/api/v1/budget-sets/", PARAMETERS, format="json")
    assert again.status_code == 400 and "reason" in again.json()["errors"]
    revised = client.post(f"/api/v1/budget-sets/{pk}/revise/", {"reason": "Lists corrected"}, format="json")
    assert revised.status_code == 201 and revised.json()["version"] == 2 and revised.json()["revises"] == pk


def test_budget_lines_with_their_steps_scoped_to_the_user(published, baseline):
    manager = api(baseline, Role.PRACTICE_MANAGER)
    lines = manager.get("/api/v1/budgets/?page_size=100").json()["results"]
    assert {line["practice"] for line in lines} == {"L85001"}
    nel = next(line for line in lines if line["category"] == "NEL")
    assert [s["name"] for s in nel["steps"]] == [
        "baseline", "uplift", "list_change", "adjustments", "fair_share", "risk", "scaling",
    ]  # fmt: skip
    assert nel["baseline"] == "4200.00" and nel["final"] == "4758.60"  # × 1.03 × 5,500/5,000
    assert nel["steps"][1]["change"] == "126.00" and nel["steps"][1]["rule"].startswith(
        "£4,200.00 × (1 + 3%)"
    )
    assert manager.get("/api/v1/budgets/?practice=L85002").json()["results"] == []
    other = BudgetSet.objects.get().lines.get(practice=baseline.neighbour, category="OPFA")
    assert manager.get(f"/api/v1/budgets/{other.pk}/").status_code == 404
    finance = api(baseline, Role.PCT_FINANCE)
    filtered = finance.get("/api/v1/budgets/?locality=5WV-NORTH&category=opfa&year=2007/08").json()["results"]
    # 220,500 × 1.03 × 5,500/5,000 = 249,826.5 → 249,827; 315,000 × 1.03 = 324,450.
    assert {(line["practice"], line["final"]) for line in filtered} == {
        ("L85001", "2498.27"),
        ("L85002", "3244.50"),
    }
    assert manager.get("/api/v1/budget-sets/").status_code == 403


def test_what_if_through_the_api(published, baseline):
    client = api(baseline, Role.PEC_MEMBER)
    result = client.get(f"/api/v1/budget-sets/{published.pk}/what-if/?risk_top_slice_pct=10").json()
    assert result["winners"] == [] and {r["practice"] for r in result["losers"]} == {
        "L85001",
        "L85002",
        "L85003",
    }
    # 10% of every practice line: 47,586 + 24,983 + 32,445 + 21,630 + 54,075.
    assert result["central_difference"] == "1807.19"
    assert (
        client.get(f"/api/v1/budget-sets/{published.pk}/what-if/?pace_of_change_pct=120").status_code == 400
    )


def test_report_rows_filtered_and_scoped(reported, baseline):
    manager = api(baseline, Role.PRACTICE_MANAGER)
    rows = manager.get("/api/v1/reports/?year=2007/08&month=2&category=NEL&provider=ALL").json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["practice"], row["level"], row["actual"], row["ytd_actual"], row["month_start"]) == (
        "L85001", "practice", "3150.00", "3150.00", "2007-05-01",
    )  # fmt: skip
    assert row["current_to"] == "2007-06-01" and row["rag"] in {"green", "amber", "red"}
    assert manager.get("/api/v1/reports/?practice=L85003").json()["results"] == []
    assert manager.get("/api/v1/reports/?level=pct").json()["results"] == []
    lead = api(baseline, Role.LOCALITY_LEAD)
    locality_rows = lead.get("/api/v1/reports/?level=locality&category=ALL&provider=ALL&month=3").json()[
        "results"
    ]
    assert [(r["locality"], r["level"]) for r in locality_rows] == [("5WV-NORTH", "locality")]
    finance = api(baseline, Role.PCT_FINANCE)
    pct = finance.get("/api/v1/reports/?level=pct&category=ALL&provider=ALL&future=false").json()["results"]
    assert [r["month"] for r in pct] == [1, 2, 3]
    runs = manager.get("/api/v1/reports/runs/").json()["results"]
    assert runs[0]["current_to"] == "2007-06-01"


@pytest.mark.parametrize("role", [Role.PRACTICE_MANAGER, Role.PCT_FINANCE])
def test_peer_comparison_api(reported, baseline, role):
    body = api(baseline, role).get("/api/v1/reports/peers/?year=2007/08&pod=NEL").json()
    practices = [p["practice"] for p in body["points"]]
    if role == Role.PRACTICE_MANAGER:
        assert practices.count(None) == 2 and "L85001" in practices
    else:
        assert sorted(practices) == ["L85001", "L85002", "L85003"]
    assert api(baseline, role).get("/api/v1/reports/peers/?pod=XX").status_code == 400
