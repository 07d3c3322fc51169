"""Budget setting through the services, on the database: every methodology step with hand-checked figures
(the baseline of ``conftest.py``), versions and publication with their history, what-ifs."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from budgets import selectors, services
from budgets.choices import BudgetStatus
from budgets.models import BudgetLine, BudgetSet, BudgetSetTransition, ReportRun
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from pbc.models import Practice
from tests.factories.budgets import budget_set, dermatology, year

# The baseline re-costed at 2007/08 prices (see conftest): practice × category pence.
BASE = {
    ("L85001", "NEL"): 420_000,
    ("L85001", "OPFA"): 220_500,  # TF 300 £1,575.00 + TF 330 £630.00 (no dermatology category)
    ("L85002", "OPFA"): 315_000,
    ("L85003", "NEL"): 210_000,
    ("L85003", "EL"): 525_000,
}
FLAT = {"list_size_adjustment": False}


def finals(bs) -> dict[tuple[str, str], int]:
    return {
        (line.practice.code, line.category): line.final_pence
        for line in BudgetLine.objects.filter(budget_set=bs).select_related("practice")
        if line.final_pence
    }


def step(bs, code, category, name):
    line = BudgetLine.objects.get(budget_set=bs, practice__code=code, category=category)
    return next(s for s in line.steps if s["name"] == name)


@pytest.fixture
def finance(baseline):
    return baseline.users[Role.PCT_FINANCE]


def test_baseline_is_the_period_recosted_at_the_target_tariff(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    assert finals(bs) == BASE
    first = step(bs, "L85001", "NEL", "baseline")
    assert first["after_pence"] == 420_000
    assert first["rule"] == "Apr 2006 – Mar 2007 activity at 2007/08 tariff: £4,200.00"
    assert [s["name"] for s in BudgetLine.objects.filter(budget_set=bs).first().steps] == [
        "baseline", "uplift", "list_change", "adjustments", "fair_share", "risk", "scaling",
    ]  # fmt: skip
    # Unattributed activity (no valid practice code) is held centrally; non-PCT activity is not budgeted.
    held = {(h.kind, h.category): h.final_pence for h in bs.holdings.all()}
    assert held == {("unattributed", "NEL"): 210_000}
    assert bs.practice_total_pence == sum(BASE.values()) and bs.central_total_pence == 210_000
    assert bs.baseline_summary["attributed_pence"] == sum(BASE.values())
    assert bs.baseline_summary["activity"] == 40  # every row but the non-PCT one
    assert (
        bs.baseline.profile["NEL"][2] == 630_000 and bs.baseline.profile["NEL"][9] == 210_000
    )  # June, January
    assert ["L85001", "NEL", "RD1", 420_000] in bs.baseline.lines


def test_split_baseline_of_six_months_from_each_of_two_years(baseline, finance):
    """Hertfordshire 2007/08: the last 6 months of 2005/06 plus the first 6 of 2006/07, at 2007/08 prices."""
    from tests.factories.budgets import activity

    pct = baseline.pct
    activity(
        pct=pct, practice=baseline.neighbour, month=date(2005, 11, 1), pod="NEL", hrg="HA11A", los_days=3
    )
    activity(pct=pct, practice=baseline.practice, month=date(2006, 3, 1), pod="OPFA", tretspef="300", count=2)
    activity(pct=pct, practice=baseline.far, month=date(2005, 9, 1), pod="NEL", hrg="HA11A", los_days=3)
    bs = budget_set(
        pct, actor=finance, baseline_start=date(2005, 10, 1), baseline_end=date(2006, 9, 1), **FLAT
    )
    # In: Nov 2005 and Mar 2006 (2005/06), Jun–Sep 2006 (2006/07). Out: Sep 2005 and Jan 2007 (row D).
    assert finals(bs) == {
        ("L85001", "NEL"): 420_000,
        ("L85001", "OPFA"): 220_500 + 31_500,  # 2 × £157.50 more
        ("L85002", "OPFA"): 315_000,
        ("L85002", "NEL"): 210_000,  # 1 × £2,100.00
        ("L85003", "EL"): 525_000,
    }
    assert step(bs, "L85002", "NEL", "baseline")["rule"].startswith("Oct 2005 – Sep 2006 activity at 2007/08")
    assert {(h.kind, h.category): h.final_pence for h in bs.holdings.all()} == {
        ("unattributed", "NEL"): 210_000
    }


def test_uplift_overall_and_by_category(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, uplift_pct="2.5", uplift_by_category={"NEL": "4"}, **FLAT)
    got = finals(bs)
    assert got[("L85001", "NEL")] == 436_800  # 420,000 × 1.04
    assert got[("L85001", "OPFA")] == 226_013  # 220,500 × 1.025 = 226,012.5 → half-up
    assert got[("L85003", "EL")] == 538_125  # 525,000 × 1.025
    assert step(bs, "L85001", "NEL", "uplift")["rule"] == "£4,200.00 × (1 + 4%) (NEL uplift)"
    assert bs.holdings.get(kind="unattributed").final_pence == 218_400  # the centre's share grows too


def test_list_size_change_uses_the_list_at_1_april_against_the_base_period(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance)
    got = finals(bs)
    assert got[("L85001", "NEL")] == 462_000  # × 5,500 / 5,000
    assert got[("L85001", "OPFA")] == 242_550
    assert got[("L85002", "OPFA")] == 315_000  # list unchanged
    assert (
        "× list at 1 April 2007 5,500 / base-period list 5,000"
        in step(bs, "L85001", "NEL", "list_change")["rule"]
    )


def test_local_adjustments_with_reasons_and_a_floor_at_nothing(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    services.budget_adjustment_add(
        budget_set=bs, practice=baseline.neighbour, category="OPFA", amount_pence=-50_000,
        reason="Minor surgery clinic moved to the practice", actor=finance,
    )  # fmt: skip
    services.budget_adjustment_add(
        budget_set=bs,
        practice=baseline.far,
        category="nel",
        amount_pence=-500_000,
        reason="Too much",
        actor=finance,
    )
    bs.refresh_from_db()
    got = finals(bs)
    assert got[("L85002", "OPFA")] == 265_000
    assert ("L85003", "NEL") not in got  # floored at £0.00
    assert (
        "Minor surgery clinic moved to the practice (-£500.00)"
        in step(bs, "L85002", "OPFA", "adjustments")["rule"]
    )
    assert any("floored" in w for w in bs.warnings)
    adjustment = bs.adjustments.get(practice=baseline.neighbour)
    assert adjustment.history.get().history_user == finance
    services.budget_adjustment_remove(adjustment=adjustment, actor=finance)
    assert finals(BudgetSet.objects.get(pk=bs.pk))[("L85002", "OPFA")] == 315_000


def test_fair_shares_from_uploaded_need_weights_at_the_pace_of_change(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, pace_of_change_pct="50", **FLAT)
    services.budget_set_need_weights_upload(
        budget_set=bs, data=b"practice,weight\nL85001,1.2\nL85002,1.0\nL85003,0.8\n", actor=finance
    )
    bs.refresh_from_db()
    assert bs.need_weights == {"L85001": "1.2", "L85002": "1", "L85003": "0.8"}
    got = finals(bs)
    # Weighted lists 5,500 × 1.2 = 6,600, 4,000, 6,000 × 0.8 = 4,800 (Σ 15,400).
    # NEL total £6,300: targets 270,000 / 163,636 / 196,364; half the gap: 345,000 / 81,818 / 203,182.
    assert (got[("L85001", "NEL")], got[("L85002", "NEL")], got[("L85003", "NEL")]) == (
        345_000,
        81_818,
        203_182,
    )
    # OPFA total £5,355: targets 229,500 / 139,091 / 166,909; moves 225,000 / 227,045.5 / 83,454.5 → the spare
    # penny to the earlier of the tied halves.
    assert (got[("L85001", "OPFA")], got[("L85002", "OPFA")], got[("L85003", "OPFA")]) == (
        225_000,
        227_046,
        83_454,
    )
    # EL £5,250: targets 225,000 / 136,364 / 163,636; moves 112,500 / 68,182 / 344,318.
    assert (got[("L85001", "EL")], got[("L85002", "EL")], got[("L85003", "EL")]) == (112_500, 68_182, 344_318)
    assert sum(got.values()) == sum(BASE.values())  # fair shares move money, never create it
    rule = step(bs, "L85002", "NEL", "fair_share")["rule"]
    assert "weighted list 4000 (list 4,000 × need 1)" in rule and "move 50% of the £1,636.36 gap" in rule


def test_need_weights_file_errors_change_nothing(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    with pytest.raises(ApplicationError) as caught:
        services.budget_set_need_weights_upload(
            budget_set=bs, data=b"L85001,1.2\nL85002,heavy\nL85003,-1\nL85001,1\n", actor=finance
        )
    assert [e["row"] for e in caught.value.extra["errors"]] == [2, 3, 4]
    with pytest.raises(ApplicationError, match="not in 5WV: Y99999"):
        services.budget_set_need_weights_upload(budget_set=bs, data=b"Y99999,1.1\n", actor=finance)
    bs.refresh_from_db()
    assert bs.need_weights == {}


def test_risk_top_slice_goes_to_a_central_pool(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, risk_mode="top_slice", risk_top_slice_pct="1", **FLAT)
    got = finals(bs)
    assert got[("L85001", "NEL")] == 415_800 and got[("L85003", "NEL")] == 207_900
    pools = {h.category: h.final_pence for h in bs.holdings.filter(kind="risk_pool")}
    assert pools["NEL"] == 6_300 and pools["EL"] == 5_250
    assert step(bs, "L85001", "NEL", "risk")["rule"] == "Top-slice 1% of £4,200.00 to the central risk pool"


def test_risk_pool_of_spells_above_a_threshold(baseline, finance):
    bs = budget_set(
        baseline.pct,
        actor=finance,
        risk_mode="threshold",
        risk_threshold_pence=300_000,
        uplift_pct="2",
        **FLAT,
    )
    got = finals(bs)
    # The hip replacement day case (£5,250.00 a spell) is above £3,000: held centrally, uplifted with its line.
    assert ("L85003", "EL") not in got
    assert bs.holdings.get(kind="risk_pool", category="EL").final_pence == 535_500
    assert got[("L85003", "NEL")] == 214_200  # £2,100 spells stay with the practice
    assert bs.baseline_summary["high_cost_activity"] == 1


def test_unattributed_activity_shared_pro_rata(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, unattributed="pro_rata", **FLAT)
    got = finals(bs)
    # £2,100 of NEL shared by attributed NEL baseline 420,000 : 0 : 210,000.
    assert got[("L85001", "NEL")] == 560_000 and got[("L85003", "NEL")] == 280_000
    assert not bs.holdings.exists()
    assert (
        "plus a share of £2,100.00 unattributed NEL activity" in step(bs, "L85001", "NEL", "baseline")["rule"]
    )


def test_scaled_down_to_the_pct_resource(baseline, finance):
    resource = 1_800_000
    bs = budget_set(baseline.pct, actor=finance, resource_pence=resource, **FLAT)
    before = sum(BASE.values()) + 210_000
    assert bs.total_before_scaling_pence == before and bs.total_pence == resource
    got = finals(bs)
    for key, base in BASE.items():
        exact = Fraction(base * resource, before)
        assert abs(got[key] - exact) < 1, key  # each within a penny of its exact share
    assert bs.scale_factor == f"{resource / before:.6f}"


def test_not_scaled_up_and_no_cap_said_in_words(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    assert bs.scale_factor == "1.000000" and finals(bs) == BASE
    assert (
        step(bs, "L85001", "NEL", "scaling")["rule"]
        == "Not scaled: no PCT resource cap was given for these budgets"
    )


def test_a_devolved_specialty_is_carved_out_of_the_pods(baseline, finance):
    dermatology(baseline.pct)
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    got = finals(bs)
    assert got[("L85001", "OPFA")] == 157_500 and got[("L85001", "DERM")] == 63_000
    assert "DERM" in bs.devolved_codes


def test_practice_closed_before_the_year_has_its_baseline_treated_as_unattributed(baseline, finance):
    Practice.objects.filter(pk=baseline.far.pk).update(close_date=date(2007, 3, 31))
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    assert not BudgetLine.objects.filter(budget_set=bs, practice=baseline.far).exists()
    held = {(h.kind, h.category): h.final_pence for h in bs.holdings.all()}
    assert held == {("unattributed", "NEL"): 420_000, ("unattributed", "EL"): 525_000}
    assert any("not open in 2007/08" in w for w in bs.warnings)


def test_budgets_need_the_target_years_tariff_and_baseline_activity(world):
    with pytest.raises(ApplicationError, match="no tariff yet"):
        budget_set(world.pct, actor=None)
    from tests.factories.budgets import tariff_2007

    tariff_2007()
    with pytest.raises(ApplicationError, match="no published activity"):
        budget_set(world.pct, actor=None)
    assert not BudgetSet.objects.exists()


def test_bad_parameters_are_refused_with_the_field(baseline, finance):
    with pytest.raises(ApplicationError) as caught:
        budget_set(baseline.pct, actor=finance, baseline_end=date(2007, 6, 1))
    assert "baseline_end" in caught.value.extra["fields"]
    with pytest.raises(ApplicationError) as caught:
        budget_set(baseline.pct, actor=finance, uplift_by_category={"XYZ": "3"})
    assert "uplift_by_category" in caught.value.extra["fields"]
    with pytest.raises(ApplicationError) as caught:
        budget_set(baseline.pct, actor=finance, risk_mode="threshold")
    assert "risk_threshold_pence" in caught.value.extra["fields"]


# --- versions and publication ----------------------------------------------------------------------------


def transitions(bs):
    return list(
        BudgetSetTransition.objects.filter(budget_set=bs)
        .order_by("pk")
        .values_list("from_status", "to_status", "reason")
    )


def test_draft_approved_published_with_history(baseline, finance, django_capture_on_commit_callbacks):
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    assert bs.status == BudgetStatus.DRAFT
    with pytest.raises(InvalidTransition):
        services.budget_set_publish(budget_set=bs, actor=finance)
    services.budget_set_approve(budget_set=bs, actor=finance, reason="Finance group 3 May")
    assert bs.status == BudgetStatus.APPROVED and bs.approved_by == finance
    with pytest.raises(InvalidTransition):
        services.budget_set_update(budget_set=bs, actor=finance, uplift_pct="9")
    with pytest.raises(ApplicationError, match="reason"):
        services.budget_set_reopen(budget_set=bs, actor=finance, reason=" ")
    services.budget_set_reopen(budget_set=bs, actor=finance, reason="Pace of change to be agreed")
    services.budget_set_approve(budget_set=bs, actor=finance)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.budget_set_publish(budget_set=bs, actor=finance, reason="For 2007/08")
    bs.refresh_from_db()
    assert bs.status == BudgetStatus.PUBLISHED and bs.published_by == finance and bs.published_at
    assert transitions(bs) == [
        ("", "draft", "New budget version"),
        ("draft", "approved", "Finance group 3 May"),
        ("approved", "draft", "Pace of change to be agreed"),
        ("draft", "approved", ""),
        ("approved", "published", "For 2007/08"),
    ]
    assert [h.status for h in bs.history.order_by("history_date", "history_id")][-1] == "published"
    assert bs.history.filter(history_change_reason="Pace of change to be agreed").exists()
    # Publishing queues the year's report recompute once committed.
    assert len(callbacks) == 1
    run = ReportRun.objects.get(pct=baseline.pct, year=year(2007))
    assert run.budget_set == bs and run.trigger == "budget version 1 published"


def test_approval_needs_a_calculation_and_one_open_version_at_a_time(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    with pytest.raises(Conflict):
        budget_set(baseline.pct, actor=finance, **FLAT)
    BudgetSet.objects.filter(pk=bs.pk).update(calculated_at=None)
    bs.refresh_from_db()
    with pytest.raises(ApplicationError, match="Calculate"):
        services.budget_set_approve(budget_set=bs, actor=finance)


def test_a_change_after_publication_is_a_new_version_with_a_reason(baseline, finance):
    v1 = budget_set(baseline.pct, actor=finance, **FLAT)
    services.budget_adjustment_add(
        budget_set=v1,
        practice=baseline.practice,
        category="NEL",
        amount_pence=10_000,
        reason="Investment",
        actor=finance,
    )
    services.budget_set_approve(budget_set=v1, actor=finance)
    services.budget_set_publish(budget_set=v1, actor=finance)
    with pytest.raises(InvalidTransition):
        services.budget_adjustment_add(
            budget_set=v1,
            practice=baseline.practice,
            category="NEL",
            amount_pence=1,
            reason="x",
            actor=finance,
        )
    with pytest.raises(ApplicationError, match="give a reason"):
        budget_set(baseline.pct, actor=finance, **FLAT)
    with pytest.raises(ApplicationError, match="reason"):
        services.budget_set_revise(budget_set=v1, actor=finance, reason="")
    long_reason = ("List sizes corrected: " + "the April list for L85001 was counted twice. " * 6).strip()
    v2 = services.budget_set_revise(budget_set=v1, actor=finance, reason=long_reason)
    # A long reason is kept whole in the history too (PostgreSQL refused it beyond 100 characters).
    assert v2.history.earliest().history_change_reason == long_reason and len(long_reason) > 100
    assert (v2.version, v2.status, v2.revises, v2.reason) == (
        2,
        BudgetStatus.DRAFT,
        v1,
        long_reason,
    )
    assert v2.adjustments.get().reason == "Investment" and finals(v2) == finals(v1)
    services.budget_set_update(budget_set=v2, actor=finance, uplift_pct="1")
    services.budget_set_approve(budget_set=v2, actor=finance)
    # Practices still see version 1 until version 2 is published.
    assert selectors.budget_line_list(user=baseline.users[Role.PRACTICE_MANAGER]).first().budget_set == v1
    services.budget_set_publish(budget_set=v2, actor=finance)
    v1.refresh_from_db()
    assert v1.status == BudgetStatus.SUPERSEDED
    assert transitions(v1)[-1] == ("published", "superseded", "Superseded by version 2")
    assert transitions(v2)[0] == ("", "draft", long_reason)
    lines = selectors.budget_line_list(user=baseline.users[Role.PRACTICE_MANAGER])
    assert {line.budget_set_id for line in lines} == {v2.pk}
    assert finals(v2)[("L85001", "NEL")] == 434_200  # 420,000 uplifted 1% = 424,200, plus the £100 adjustment


def test_practice_managers_see_their_own_published_lines_only(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    manager = baseline.users[Role.PRACTICE_MANAGER]
    assert not selectors.budget_line_list(user=manager).exists()  # a draft is not theirs to see
    services.budget_set_approve(budget_set=bs, actor=finance)
    services.budget_set_publish(budget_set=bs, actor=finance)
    assert {line.practice_id for line in selectors.budget_line_list(user=manager)} == {baseline.practice.pk}
    lead = baseline.users[Role.LOCALITY_LEAD]
    assert {line.practice_id for line in selectors.budget_line_list(user=lead)} == {
        baseline.practice.pk,
        baseline.neighbour.pk,
    }
    assert not selectors.budget_set_list(user=manager).exists()


def test_what_if_shows_winners_and_losers_without_saving(baseline, finance):
    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    services.budget_set_need_weights_upload(
        budget_set=bs, data=b"L85001,1.2\nL85002,1.0\nL85003,0.8\n", actor=finance
    )
    bs.refresh_from_db()
    saved = finals(bs)
    result = selectors.budget_set_what_if(budget_set=bs, pace_of_change_pct=50)
    diff = {r.practice_code: r.difference_pence for r in result.rows}
    # From the fair-share figures: L85001 640,500 → 682,500; L85002 315,000 → 377,046; L85003 735,000 → 630,954.
    assert diff == {"L85001": 42_000, "L85002": 62_046, "L85003": -104_046}
    assert [r.practice_code for r in result.winners] == ["L85002", "L85001"]
    assert [r.practice_code for r in result.losers] == ["L85003"]
    top = selectors.budget_set_what_if(budget_set=bs, risk_top_slice_pct=2)
    assert top.central_difference_pence == sum(round(v * 0.02) for v in BASE.values())
    assert finals(BudgetSet.objects.get(pk=bs.pk)) == saved


def test_what_if_writes_nothing_at_all(baseline, finance):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bs = budget_set(baseline.pct, actor=finance, **FLAT)
    with CaptureQueriesContext(connection) as queries:
        result = selectors.budget_set_what_if(
            budget_set=bs, pace_of_change_pct=50, risk_top_slice_pct=2, uplift_pct="4"
        )
    assert result.rows
    writes = [
        q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
