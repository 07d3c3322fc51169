# ruff: noqa: F811  (the fixtures imported from the referrals suite)
"""The monthly practice referral report (issue 15 item 3): GP referrals by provider this month and YTD,
beside the practice's budget report lines; page and CSV."""

from django.urls import reverse

from budgets import services
from pbc.choices import Role
from pbc.models import FinancialYear
from tests.activity.referrals.conftest import lists, op_published  # noqa: F401
from tests.activity.test_ingest import tariff, year  # noqa: F401


def _report(world):
    services.report_recompute(pct=world.pct, year=FinancialYear.objects.get(start_year=2007), trigger="test")


def test_gp_referrals_by_provider_this_month_and_ytd(op_published, world, client):
    _report(world)
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    url = reverse("budgets:practice_referral_report", kwargs={"code": "L85001"})
    page = client.get(url, {"month": "2007-05"})
    assert page.status_code == 200
    table = page.context["tables"][0]
    # May GP referrals of L85001 at RD1: A02 (urgent), A03 (two-week wait), A04 (unknown), A05 (routine);
    # YTD adds A01 (April). Other sources: A07, A08.
    assert table.rows == [["RD1", 4, 1, 2, 5, 2, 2]]
    csv = client.get(url, {"month": "2007-05", "export": "csv", "table": "referrals"})
    text = b"".join(csv.streaming_content).decode().lstrip("\ufeff")
    assert text.splitlines()[1] == "RD1,4,1,2,5,2,2"
    assert client.get(url, {"month": "2007-04"}).context["tables"][0].rows == [["RD1", 1, 1, 0, 1, 0, 0]]


def test_another_practice_is_404_and_a_bad_month_too(op_published, world, client):
    _report(world)
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    other = reverse("budgets:practice_referral_report", kwargs={"code": "L85002"})
    assert client.get(other, {"month": "2007-05"}).status_code == 404
    own = reverse("budgets:practice_referral_report", kwargs={"code": "L85001"})
    assert client.get(own, {"month": "May 2007"}).status_code == 404
