"""GP referrals derived from HES outpatients (DOMAIN 10) equal a hand count of the suite's OP file."""

from datetime import date
from decimal import Decimal

from activity.models import ActivityLine
from activity.referrals import selectors
from activity.referrals.choices import ReferralOrigin
from pbc.choices import Role
from pbc.fiscal import FinancialYear as FY

FY07 = FY(2007)

# By hand, from fixtures/hes_op_referrals.csv. GP referral = FIRSTATT 1 or 3 (attended or not) with
# REFSOURC 03; date REQDATE when valid, else APPTDATE; specialty TRETSPEF, else MAINSPEF.
#   L85001 300 Apr gp: A01 (REQDATE 2007-04-20 for a May appointment)
#   L85001 300 May gp: A02 (REQDATE 1800-01-01 null → appointment 12 May)
#   L85001 330 May gp: A03 (DNA, REQDATE 1801-01-01 invalid → 15 May), A04 (TRETSPEF & → MAINSPEF 330),
#                      A05 (TRETSPEF blank → 330, DNA, appointment in June, REQDATE 30 May)
#   L85001 300 May other: A07 (REFSOURC 05), A08 (REFSOURC 01, no REQDATE)
#   L85002 300 May gp: A09; Jun gp: A15 (ATTENDED 7, cancelled: still a referral)
#   L85003 300 May gp: A11; other: A12 (REFSOURC 06)
# Not referrals: A06 and A10 (follow-ups), A14 (FIRSTATT 9); A13 is another PCT's practice.
HAND_COUNT = {
    ("L85001", "300", "2007-04", "gp"): 1,
    ("L85001", "300", "2007-05", "gp"): 1,
    ("L85001", "330", "2007-05", "gp"): 3,
    ("L85001", "300", "2007-05", "other"): 2,
    ("L85002", "300", "2007-05", "gp"): 1,
    ("L85002", "300", "2007-06", "gp"): 1,
    ("L85003", "300", "2007-05", "gp"): 1,
    ("L85003", "300", "2007-05", "other"): 1,
}
# Rate = referrals × 1,000 / the month's list, half-up to 2 dp (L85001's May list is 4,100).
HAND_RATES = {
    ("L85001", "300", "2007-04", "gp"): Decimal("0.25"),  # 1,000 / 4,000
    ("L85001", "300", "2007-05", "gp"): Decimal("0.24"),  # 1,000 / 4,100 = 0.2439
    ("L85001", "330", "2007-05", "gp"): Decimal("0.73"),  # 3,000 / 4,100 = 0.7317
    ("L85001", "300", "2007-05", "other"): Decimal("0.49"),  # 2,000 / 4,100 = 0.4878
    ("L85002", "300", "2007-05", "gp"): Decimal("0.40"),
    ("L85002", "300", "2007-06", "gp"): Decimal("0.40"),
    ("L85003", "300", "2007-05", "gp"): Decimal("0.13"),  # 1,000 / 8,000 = 0.125: half-up
    ("L85003", "300", "2007-05", "other"): Decimal("0.13"),
}


def _key(row):
    return (row["practice"], row["specialty"], row["month"].strftime("%Y-%m"), row["source"])


def test_outpatient_lines_keep_what_referrals_need(op_published):
    a03 = ActivityLine.objects.get(upload=op_published, record_key="A03")
    assert (a03.firstatt, a03.refsourc, a03.reqdate, a03.priority) == ("1", "03", None, "3")  # 1801: invalid
    a05 = ActivityLine.objects.get(upload=op_published, record_key="A05")
    assert (a05.tretspef, a05.reqdate) == ("330", date(2007, 5, 30))
    assert ActivityLine.objects.get(upload=op_published, record_key="A02").reqdate is None  # 1800: null


def test_gp_referral_counts_and_rates_equal_the_hand_count(op_published, world):
    origin, counts = selectors.referral_counts(pct_id=world.pct.pk, year=FY07)
    assert origin == ReferralOrigin.OUTPATIENTS
    codes = {world.practice.pk: "L85001", world.neighbour.pk: "L85002", world.far.pk: "L85003"}
    got = {
        (codes[r.practice_id], r.specialty, r.month.strftime("%Y-%m"), r.source): r.referrals
        for r in counts.itertuples()
    }
    assert got == HAND_COUNT
    rows = selectors.referral_rate_rows(user=world.users[Role.PCT_FINANCE], year=FY07)
    assert {_key(r): r["referrals"] for r in rows} == HAND_COUNT
    assert {_key(r): r["rate_per_1000"] for r in rows} == HAND_RATES
    assert all(isinstance(r["rate_per_1000"], Decimal) for r in rows)
    assert sum(r["referrals"] for r in rows if r["source"] == "gp") == 8


def test_year_to_date_peer_median_and_list_of_the_month(op_published, world):
    rows = {_key(r): r for r in selectors.referral_rate_rows(user=world.users[Role.PCT_FINANCE], year=FY07)}
    june = rows[("L85002", "300", "2007-06", "gp")]
    assert (june["ytd_referrals"], june["ytd_rate_per_1000"], june["list_size"]) == (2, Decimal("0.80"), 2500)
    may = rows[("L85001", "300", "2007-05", "gp")]
    assert may["list_size"] == 4100 and rows[("L85001", "300", "2007-04", "gp")]["list_size"] == 4000
    # Peers for TF 300 GP referrals in May: 0.24, 0.40, 0.13 → median 0.24.
    assert may["peer_median"] == Decimal("0.24")
    # TF 330 in May: only L85001 referred (0.73); its peers count at 0.00 → median 0.00.
    assert rows[("L85001", "330", "2007-05", "gp")]["peer_median"] == Decimal("0.00")
    assert {r["funnel_pct"] for r in rows.values()} <= {"within 95%", "between 95% and 99.8%", "beyond 99.8%"}
    assert may["funnel_locality"] is not None and may["locality_median"] == Decimal(
        "0.32"
    )  # (0.24 + 0.40) / 2


def test_practice_scope_gives_only_the_own_practice(op_published, world):
    rows = selectors.referral_rate_rows(user=world.users[Role.PRACTICE_MANAGER], year=FY07)
    assert {r["practice"] for r in rows} == {"L85001"}
    assert (
        selectors.referral_rate_rows(user=world.users[Role.PRACTICE_MANAGER], year=FY07, practice="L85002")
        == []
    )
    gp = selectors.referral_rate_rows(user=world.users[Role.PRACTICE_MANAGER], year=FY07, source="gp")
    assert {r["source"] for r in gp} == {"gp"} and len(gp) == 3


def test_no_outpatients_no_rows(world, lists):
    assert selectors.referral_rate_rows(user=world.users[Role.PCT_FINANCE], year=FY07) == []
