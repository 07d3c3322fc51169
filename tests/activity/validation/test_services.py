"""Challenges, decisions and their adjustments, validation returns, closed months — on the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activity.models import ActivityAdjustment, ActivityChallenge, ActivityLine, ValidationReturn
from activity.validation import services
from activity.validation.choices import ChallengeStatus, ReturnStatus
from activity.validation.selectors import (
    activity_line_list,
    month_is_closed,
    returned_months,
    validation_return_statuses,
)
from budgets.models import ReportRow
from budgets.services import report_recompute
from pbc.choices import Role
from pbc.exceptions import Conflict, InvalidTransition
from pbc.fiscal import FinancialYear as FY


def _line(key: str) -> ActivityLine:
    return ActivityLine.objects.current().get(record_key=key)


def _challenge(world, key="S1", reason="not_our_patient"):
    return services.activity_challenge_create(
        line=_line(key), reason=reason, note="Registered elsewhere since March.",
        actor=world.users[Role.PRACTICE_MANAGER],
    )  # fmt: skip


def _nel_may(world, year) -> ReportRow:
    return ReportRow.objects.get(
        year=year, level="practice", practice=world.practice, month=2, category="NEL", provider="ALL"
    )


def test_a_second_open_challenge_of_a_line_is_a_conflict(published, world, open_months):
    first = _challenge(world)
    assert first.status == ChallengeStatus.OPEN and first.practice_id == world.practice.pk
    assert first.history.get().history_user == world.users[Role.PRACTICE_MANAGER]
    with pytest.raises(Conflict, match="open challenge"):
        _challenge(world, reason="duplicate")


def test_a_line_of_a_closed_month_cannot_be_challenged(published, world, settings):
    settings.PBC_VALIDATION_CLOSE_DAYS = 60  # May 2007 closed on 30 July 2007
    with pytest.raises(Conflict, match="May 2007 is closed"):
        _challenge(world)
    assert not ActivityChallenge.objects.exists()


def test_the_pct_can_close_a_month_before_the_automatic_date(published, world, open_months):
    assert not month_is_closed(pct_id=world.pct.pk, month=date(2007, 5, 1))
    services.validation_month_close(
        pct=world.pct, month=date(2007, 5, 1), actor=world.users[Role.PCT_FINANCE]
    )
    with pytest.raises(Conflict):
        _challenge(world)
    _challenge(world, key="S4")  # June is still open


def test_acceptance_lowers_the_report_row_by_exactly_the_line_cost(published, world, year, open_months):
    report_recompute(pct=world.pct, year=year, trigger="test")
    before = _nel_may(world, year)
    assert before.actual_pence == 315000 + 52500 and before.activity_count == 2
    raw = ActivityLine.objects.filter(record_key="S1").values().get()
    challenge = _challenge(world)
    decided = services.activity_challenge_decide(
        challenge=challenge, outcome="accepted", note="Confirmed with the provider.",
        actor=world.users[Role.PCT_FINANCE],
    )  # fmt: skip
    assert decided.status == ChallengeStatus.ACCEPTED and decided.decided_by == world.users[Role.PCT_FINANCE]
    adjustment = ActivityAdjustment.objects.get(challenge=decided)
    assert (adjustment.cost_pence, adjustment.activity, adjustment.pod) == (-315000, -1, "NEL")
    assert ActivityLine.objects.filter(record_key="S1").values().get() == raw  # the raw line is unchanged
    report_recompute(pct=world.pct, year=year, trigger="test")  # (the task's work, queued on commit)
    after = _nel_may(world, year)
    assert before.actual_pence - after.actual_pence == 315000
    assert before.activity_count - after.activity_count == 1
    # Accepting again is not a change of state.
    with pytest.raises(InvalidTransition):
        services.activity_challenge_decide(challenge=decided, outcome="rejected", note="x", actor=None)
    with pytest.raises(Conflict, match="accepted"):  # nor may it be challenged again
        _challenge(world)


def test_acceptance_queues_the_reports(published, world, open_months, django_capture_on_commit_callbacks):
    challenge = _challenge(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.activity_challenge_decide(
            challenge=challenge, outcome="accepted", note="Agreed.", actor=world.users[Role.PCT_FINANCE]
        )
    assert len(callbacks) == 1


def test_rejection_leaves_the_figures_and_needs_a_note(published, world, year, open_months):
    challenge = _challenge(world)
    with pytest.raises(ValidationError):
        services.activity_challenge_decide(
            challenge=challenge, outcome="rejected", note="  ", actor=world.users[Role.PCT_FINANCE]
        )
    services.activity_challenge_decide(
        challenge=challenge, outcome="rejected", note="The provider holds a referral letter.",
        actor=world.users[Role.PCT_FINANCE],
    )  # fmt: skip
    assert not ActivityAdjustment.objects.exists()
    assert [h.status for h in challenge.history.order_by("history_date")] == ["open", "rejected"]
    _challenge(world, reason="duplicate")  # a rejected challenge leaves the line open to another


def test_a_restated_line_takes_its_adjustment_with_it(published, world, year, open_months):
    from tests.activity.validation.conftest import HEADER, SPELLS, publish

    services.activity_challenge_decide(
        challenge=_challenge(world), outcome="accepted", note="Agreed.", actor=world.users[Role.PCT_FINANCE]
    )
    assert ActivityAdjustment.objects.counted().count() == 1
    publish(world, year, HEADER + SPELLS.splitlines()[1] + "\n", name="may-again.csv")
    assert ActivityAdjustment.objects.counted().count() == 0


def test_practice_sees_its_own_lines_only(published, world):
    mine = activity_line_list(user=world.users[Role.PRACTICE_MANAGER])
    assert set(mine.values_list("record_key", flat=True)) == {"S1", "S2", "S4"}
    lead = activity_line_list(user=world.users[Role.LOCALITY_LEAD])
    assert set(lead.values_list("record_key", flat=True)) == {"S1", "S2", "S3", "S4"}
    june = activity_line_list(user=world.users[Role.PRACTICE_MANAGER], filters={"month": "2007-06"})
    assert list(june.values_list("record_key", flat=True)) == ["S4"]


def _submit(world, month, when):
    returned = services.validation_return_submit(
        practice=world.practice, month=month, actor=world.users[Role.PRACTICE_MANAGER]
    )
    ValidationReturn.objects.filter(pk=returned.pk).update(submitted_at=when)
    return returned


def test_return_statuses_and_returned_months(published, world, open_months, settings):
    settings.PBC_VALIDATION_RETURN_DAYS = 30
    _challenge(world)
    london = timezone.get_current_timezone()
    may = _submit(world, date(2007, 5, 1), datetime(2007, 6, 30, 23, 0, tzinfo=london))  # 30 days: on time
    assert may.challenges == 1
    _submit(world, date(2007, 6, 1), datetime(2007, 7, 31, 9, 0, tzinfo=london))  # 31 days: late
    with pytest.raises(Conflict, match="returned May 2007"):
        services.validation_return_submit(
            practice=world.practice, month=date(2007, 5, 1), actor=world.users[Role.PRACTICE_MANAGER]
        )
    rows = validation_return_statuses(
        user=world.users[Role.PCT_FINANCE], year=FY(2007), practice="L85001", today=date(2007, 8, 30)
    )
    assert [(r["month"].month, r["status"]) for r in rows] == [
        (4, ReturnStatus.MISSING), (5, ReturnStatus.RETURNED), (6, ReturnStatus.LATE), (7, ReturnStatus.DUE),  # July due on 30 August
        (8, ReturnStatus.DUE),
    ]  # fmt: skip
    assert returned_months(world.practice, FY(2007)) == {date(2007, 5, 1), date(2007, 6, 1)}
    assert returned_months(world.neighbour, FY(2007)) == set()
    # The practice manager sees only their own practice.
    own = validation_return_statuses(
        user=world.users[Role.PRACTICE_MANAGER], year=FY(2007), today=date(2007, 8, 31)
    )
    assert {r["practice"] for r in own} == {"L85001"}


def test_a_month_not_over_cannot_be_returned(world):
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(Exception, match="not over yet"):
        services.validation_return_submit(
            practice=world.practice, month=this_month, actor=world.users[Role.PRACTICE_MANAGER]
        )
    with pytest.raises(ValidationError):
        services.validation_return_submit(
            practice=world.practice, month=this_month - timedelta(days=20), actor=None
        )


def test_a_new_tariff_reprices_the_lines_and_their_adjustments(published, world, year, open_months):
    from activity import services as activity_services

    services.activity_challenge_decide(
        challenge=_challenge(world), outcome="accepted", note="Agreed.", actor=world.users[Role.PCT_FINANCE]
    )
    version = activity_services.tariff_import(
        year=year, files={"mff": ("m.csv", b"PROCODE3,MFF\nRD1,1.10\n")}, actor=None, reason="MFF corrected"
    )
    activity_services.activity_recost_for_tariff(tariff_version_id=version.pk)  # (the queued task's work)
    # (2,000.00 + 4 × 250.00) × 1.10 = 3,300.00; 500.00 × 1.10 = 550.00; 2,000.00 × 1.10 = 2,200.00
    costs = dict(ActivityLine.objects.current().values_list("record_key", "cost_pence"))
    assert costs == {"S1": 330000, "S2": 55000, "S3": 220000, "S4": 220000}
    assert ActivityAdjustment.objects.get().cost_pence == -330000
    # Lines and aggregates still agree, month by month.
    from django.db.models import Sum

    from activity.models import ActivityAggregate

    agg = ActivityAggregate.objects.current().filter(
        practice__isnull=False, outcome__in=["costed", "uncosted"]
    )
    assert dict(agg.values_list("month").annotate(Sum("cost_pence")).order_by()) == dict(
        ActivityLine.objects.current().values_list("month").annotate(Sum("cost_pence")).order_by()
    )


def test_the_drill_down_adds_up_to_the_adjusted_report(published, world, year, open_months):
    from budgets.selectors.reports import drilldown

    report_recompute(pct=world.pct, year=year, trigger="test")
    services.activity_challenge_decide(
        challenge=_challenge(world), outcome="accepted", note="Agreed.", actor=world.users[Role.PCT_FINANCE]
    )
    rows = drilldown(
        user=world.users[Role.PRACTICE_MANAGER], practice=world.practice, year=year, category="NEL"
    )
    assert [(r["tretspef"], r["activity"], r["cost"]) for r in rows["rows"]] == [("300", 2, 52500 + 210000)]
