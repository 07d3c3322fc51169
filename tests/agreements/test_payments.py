"""Every figure of DOMAIN.md section 7 out of the product's services, and the payment schedule rules:
recalculation, adjustments, the indicative-budget rule, lines from other apps, approve and pay."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from agreements import incentives, selectors, services
from agreements.choices import LineKind, PayeeKind, PaymentAction, PaymentStatus
from agreements.models import Achievement, IncentiveScheme, Payment, PaymentTransition
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from tests.factories.agreements import GpOfPractice, banes_scheme, des_scheme, herts_scheme, list_size

BANES_CONSORTIUM = ["1.1", "1.2", "1.4", "2.1", "4.1", "4.2", "4.3", "5.1", "5.2"]


def total(scheme, **filters) -> int:
    return (
        Payment.objects.filter(scheme=scheme, **filters)
        .exclude(status=PaymentStatus.CANCELLED)
        .aggregate(t=Sum("amount_pence"))["t"]
        or 0
    )


def record_banes(world, scheme, *, consortium, practice_achieved, practice_not=()):
    actor = world.users[Role.PCT_INFORMATION]
    for code in consortium:
        services.achievement_record(
            scheme=scheme, actor=actor, component_code="part2", outcome_code=code, evidence_notes="Minutes"
        )
    for code in practice_achieved:
        services.achievement_record(
            scheme=scheme,
            actor=actor,
            component_code="part2",
            outcome_code=code,
            practice=world.practice,
            evidence_notes="Peer review",
        )
    for code in practice_not:
        services.achievement_record(
            scheme=scheme,
            actor=actor,
            component_code="part2",
            outcome_code=code,
            practice=world.practice,
            achieved=False,
            evidence_notes="Actions not taken",
        )


# --- BANES -----------------------------------------------------------------------------------------


def test_banes_domain_example_is_6080_pounds(world):
    scheme = banes_scheme(world.pct)
    list_size(world.practice, 8_000)
    record_banes(
        world,
        scheme,
        consortium=[c for c in BANES_CONSORTIUM if c != "4.3"],
        practice_achieved=["6.2"],
        practice_not=["6.3"],
    )
    (line,) = services.payment_schedule_calculate(
        scheme=scheme, practice=world.practice, actor=world.users[Role.PCT_FINANCE]
    )
    assert line.amount_pence == 608_000  # £6,080.00
    assert line.basis == "£0.95 × 8,000 × 80% (consortium 65% + practice 15%)"
    assert line.due_by == date(2008, 6, 30)
    assert line.history.get().history_user == world.users[Role.PCT_FINANCE]


def test_banes_across_the_consortium_pays_each_practice_by_its_own_outcomes(world):
    scheme = banes_scheme(world.pct)
    for practice, size in ((world.practice, 8_000), (world.neighbour, 5_000), (world.far, 10_000)):
        list_size(practice, size)
    record_banes(world, scheme, consortium=BANES_CONSORTIUM, practice_achieved=["6.2", "6.3"])
    services.payment_schedule_calculate_all(scheme=scheme, actor=world.users[Role.PCT_FINANCE])
    amounts = dict(Payment.objects.filter(scheme=scheme).values_list("practice__code", "amount_pence"))
    # consortium outcomes 70% for everyone; only Abbey achieved its practice outcomes (30%)
    assert amounts == {"L85001": 760_000, "L85002": 332_500, "L85003": 665_000}


# --- Hertfordshire -------------------------------------------------------------------------------


def test_hertfordshire_objectives_one_and_two_for_1_15_million_people(herts):
    # Signing up made objective 1 due for every practice: £1 a patient → £1,150,000.
    assert total(herts.scheme, component_code="1") == 115_000_000
    assert total(herts.scheme, component_code="2") == 0
    services.payment_schedule_calculate_all(scheme=herts.scheme, actor=herts.finance)
    assert total(herts.scheme, component_code="1") == 115_000_000  # unchanged, not doubled
    assert total(herts.scheme, component_code="2") == 57_500_000  # 50p a patient → £575,000
    line = Payment.objects.get(scheme=herts.scheme, practice=herts.practices[0], component_code="2")
    assert (line.due_by, line.basis) == (date(2007, 4, 30), "£0.50 × 95,830 registered patients")


def test_hertfordshire_locality_levels_for_twelve_localities(herts):
    services.payment_schedule_calculate_all(scheme=herts.scheme, actor=herts.finance)
    # Every locality starts at level 1: one session a week whatever its size.
    assert total(herts.scheme, locality=herts.localities[0], payee_kind=PayeeKind.LOCALITY) == 1_560_000
    assert total(herts.scheme, component_code="3.L1.gp") == 18_720_000  # £187,200

    def agree_level(level: int):
        for locality in herts.localities:
            services.achievement_record(
                scheme=herts.scheme,
                actor=herts.finance,
                component_code="3",
                locality=locality,
                level=level,
                evidence_notes="PBC Governance Committee minutes",
            )
        services.payment_schedule_calculate_all(scheme=herts.scheme, actor=herts.finance)

    agree_level(2)
    assert total(herts.scheme, component_code="3.L1.gp") == 0  # self contained: level 2 replaces level 1
    assert total(herts.scheme, component_code="3.L2.gp") == 53_820_000  # £538,200
    assert total(herts.scheme, component_code="3.L2.staff") == 17_940_000  # £179,400
    agree_level(3)
    assert total(herts.scheme, component_code="3.L2.gp") == 0
    assert total(herts.scheme, component_code="3.L3.gp") == 107_640_000  # £1,076,400
    assert total(herts.scheme, component_code="3.L3.staff") == 35_880_000  # £358,800
    assert Payment.objects.filter(component_code="3.L1.gp", status=PaymentStatus.CANCELLED).count() == 12


def test_a_paid_level_one_allowance_is_offset_when_the_locality_moves_up(herts):
    locality = herts.localities[0]
    (level_one,) = services.payment_schedule_calculate_locality(
        scheme=herts.scheme, locality=locality, actor=herts.finance
    )
    services.payment_approve(payment=level_one, actor=herts.finance)
    services.payment_pay(payment=level_one, actor=herts.finance, reference="BACS 0001")
    services.achievement_record(
        scheme=herts.scheme,
        actor=herts.finance,
        component_code="3",
        locality=locality,
        level=2,
        evidence_notes="Minutes",
    )
    rows = services.payment_schedule_calculate_locality(
        scheme=herts.scheme, locality=locality, actor=herts.finance
    )
    adjustment = next(r for r in rows if r.component_code == "3.L1.gp")
    assert (adjustment.kind, adjustment.amount_pence, adjustment.clawback) == (
        LineKind.ADJUSTMENT,
        -1_560_000,
        True,
    )
    level_one.refresh_from_db()
    assert level_one.status == PaymentStatus.PAID and level_one.amount_pence == 1_560_000  # never changed


def test_cumulative_levels_add_to_the_levels_below(world):
    scheme = herts_scheme(world.pct, cumulative=True)
    for practice in (world.practice, world.neighbour):
        list_size(practice, 50_000)
    services.achievement_record(
        scheme=scheme, actor=None, component_code="3", locality=world.north, level=2, evidence_notes="Minutes"
    )
    rows = services.payment_schedule_calculate_locality(scheme=scheme, locality=world.north, actor=None)
    assert {r.component_code: r.amount_pence for r in rows} == {
        "3.L1.gp": 1_560_000,
        "3.L2.gp": 4_680_000,  # 3 sessions × £300 × 52 for 100,000 people
        "3.L2.staff": 1_560_000,
    }


def test_a_locality_payment_for_a_year_with_no_list_size_is_refused(world):
    scheme = herts_scheme(world.pct)
    list_size(world.practice, 8_000)  # the neighbour has none
    with pytest.raises(ApplicationError, match="no list size at 01 April 2007 for L85002"):
        services.payment_schedule_calculate_locality(scheme=scheme, locality=world.north, actor=None)
    with pytest.raises(ApplicationError) as exc:
        services.payment_schedule_calculate_all(scheme=scheme, actor=None)
    assert exc.value.message.startswith("Nothing was saved")
    assert not Payment.objects.exists()


# --- DES -------------------------------------------------------------------------------------------


def test_des_2008_09_rates(world):
    scheme = des_scheme(world.pct)
    list_size(world.practice, 10_000, on=date(2008, 4, 1))
    counts = {"heart_failure": 4, "alcohol": 10, "learning_disabilities": 3, "osteoporosis": 1}
    for code, count in counts.items():
        services.achievement_record(
            scheme=scheme,
            actor=None,
            component_code=code,
            practice=world.practice,
            count=count,
            evidence_notes="Claim",
        )
    for code in ("ethnicity", "extended_hours"):
        services.achievement_record(
            scheme=scheme,
            actor=None,
            component_code=code,
            practice=world.practice,
            evidence_notes="Delivered",
        )
    rows = services.payment_schedule_calculate(scheme=scheme, practice=world.practice, actor=None)
    assert {r.component_code: r.amount_pence for r in rows} == {
        "heart_failure": 14_000,  # £35 × 4 patients treated
        "alcohol": 2_330,  # £2.33 × 10 patients screened
        "learning_disabilities": 30_000,  # £100 × 3 health checks
        "osteoporosis": 58_821,  # £588.21 for a practice meeting all three criteria
        "ethnicity": 56_000,  # 5.6p × 10,000 patients
        "extended_hours": 2_950_000,  # £2.95 × 10,000 patients
    }
    # A practice with nothing recorded takes part in nothing.
    list_size(world.neighbour, 5_000, on=date(2008, 4, 1))
    assert services.payment_schedule_calculate(scheme=scheme, practice=world.neighbour, actor=None) == []


def test_des_osteoporosis_is_a_yes_or_no_criterion(world):
    scheme = des_scheme(world.pct)
    with pytest.raises(ApplicationError, match="cannot be more than 1"):
        services.achievement_record(
            scheme=scheme,
            actor=None,
            component_code="osteoporosis",
            practice=world.practice,
            count=2,
            evidence_notes="x",
        )
    assert not Achievement.objects.exists()


# --- the indicative-budget rule ---------------------------------------------------------------------


@pytest.fixture
def signed_up(world):
    scheme = herts_scheme(world.pct)
    list_size(world.practice, 8_000)
    gp = GpOfPractice(practice=world.practice)
    services.les_sign_up(
        scheme=scheme,
        practice=world.practice,
        actor=world.users[Role.PRACTICE_MANAGER],
        lead_name="Pat",
        lead_role="pbc_lead",
        gp_ids=[gp.pk],
        signed_on=date(2007, 4, 2),
    )
    return scheme


def test_no_reward_to_a_practice_that_overspent_and_what_was_paid_is_recovered(world, signed_up):
    finance = world.users[Role.PCT_FINANCE]
    services.payment_schedule_calculate(scheme=signed_up, practice=world.practice, actor=finance)
    for line in Payment.objects.filter(scheme=signed_up):  # both paid in advance, in April
        services.payment_approve(payment=line, actor=finance)
        services.payment_pay(payment=line, actor=finance, reference=f"BACS {line.component_code}")
    assert selectors.practice_overspent(world.practice, 2007) is None
    services.budget_position_record(
        practice=world.practice,
        year=incentives.FinancialYear(2007),
        budget_pence=500_000_000,
        outturn_pence=510_000_000,
        evidence="Month 12 report",
        actor=finance,
    )
    assert selectors.practice_overspent(world.practice, 2007) is True
    services.payment_schedule_calculate(scheme=signed_up, practice=world.practice, actor=finance)
    recoveries = Payment.objects.filter(kind=LineKind.ADJUSTMENT).order_by("component_code")
    assert [(r.component_code, r.amount_pence, r.clawback, r.status) for r in recoveries] == [
        ("1", -800_000, True, PaymentStatus.DUE),
        ("2", -400_000, True, PaymentStatus.DUE),
    ]
    assert "recovered" in recoveries[0].reason
    assert total(signed_up, practice=world.practice) == 0

    # The locality agrees substantial action was taken: the payments made are kept, the recoveries cancelled.
    services.substantial_action_record(
        practice=world.practice,
        year=incentives.FinancialYear(2007),
        agreed_on=date(2008, 5, 1),
        notes="Referral management scheme; locality meeting 1 May 2008",
        actor=world.users[Role.LOCALITY_LEAD],
    )
    services.payment_schedule_calculate(scheme=signed_up, practice=world.practice, actor=finance)
    for recovery in recoveries:
        recovery.refresh_from_db()
        assert recovery.status == PaymentStatus.CANCELLED
        assert recovery.transitions.get().to_status == PaymentStatus.CANCELLED
    assert total(signed_up, practice=world.practice) == 1_200_000


def test_an_overspent_practice_gets_no_payment_in_arrears(world):
    scheme = banes_scheme(world.pct)
    list_size(world.practice, 8_000)
    record_banes(world, scheme, consortium=BANES_CONSORTIUM, practice_achieved=["6.2", "6.3"])
    definition = scheme.definition
    definition["components"][0]["budget_rule"] = True
    services.scheme_update(scheme=scheme, definition=definition, actor=None)
    services.budget_position_record(
        practice=world.practice,
        year=incentives.FinancialYear(2007),
        budget_pence=100,
        outturn_pence=101,
        evidence="Report",
        actor=None,
    )
    (line,) = services.payment_schedule_calculate(
        scheme=IncentiveScheme.objects.get(), practice=world.practice, actor=None
    )
    assert (line.amount_pence, line.calculated_pence, line.eligible, line.clawback) == (
        0,
        760_000,
        False,
        False,
    )
    assert line.reason == "No payment: the practice overspent its indicative budget."


def test_substantial_action_is_agreed_by_the_practices_own_locality_once(world):
    year = incentives.FinancialYear(2007)
    services.substantial_action_record(
        practice=world.practice, year=year, agreed_on=date(2008, 5, 1), notes="Minutes", actor=None
    )
    with pytest.raises(Conflict):
        services.substantial_action_record(
            practice=world.practice, year=year, agreed_on=date(2008, 5, 1), notes="Again", actor=None
        )
    with pytest.raises(ValidationError):
        services.substantial_action_record(
            practice=world.neighbour, year=year, agreed_on=date(2008, 5, 1), notes=" ", actor=None
        )


# --- decisions and lines from other apps -------------------------------------------------------------


def test_approve_then_pay_with_transition_rows(world, signed_up):
    finance = world.users[Role.PCT_FINANCE]
    line = Payment.objects.get(component_code="1")
    with pytest.raises(InvalidTransition, match="cannot be paid"):
        services.payment_pay(payment=line, actor=finance, reference="BACS 1")
    services.payment_approve(payment=line, actor=finance, note="Sheet received")
    with pytest.raises(ApplicationError, match="payment reference"):
        services.payment_pay(payment=line, actor=finance, reference=" ")
    services.payment_pay(payment=line, actor=finance, reference="BACS 1")
    line.refresh_from_db()
    assert (line.status, line.approved_by, line.paid_by, line.payment_reference) == (
        PaymentStatus.PAID,
        finance,
        finance,
        "BACS 1",
    )
    assert list(PaymentTransition.objects.values_list("action", "from_status", "to_status", "actor")) == [
        (PaymentAction.APPROVE, PaymentStatus.DUE, PaymentStatus.APPROVED, finance.pk),
        (PaymentAction.PAY, PaymentStatus.APPROVED, PaymentStatus.PAID, finance.pk),
    ]
    with pytest.raises(InvalidTransition):
        services.payment_approve(payment=line, actor=finance)


def test_payment_line_add_for_freed_up_resources_rewards(world):
    args = {
        "practice": world.practice,
        "year": 2007,
        "component_code": "reward",
        "name": "Freed-up resources reward (first 10%, up to £1 a patient)",
        "amount_pence": 1_000_000,
        "actor": None,
        "source_reference": "declaration-17",
        "basis": "10% of £200,000 savings, capped at £1 × 10,000",
    }
    line = services.payment_line_add(**args)
    assert (line.payee_kind, line.locality, line.due_by, line.source) == (
        PayeeKind.PRACTICE,
        world.north,
        date(2008, 3, 31),
        "freed_resources",
    )
    assert services.payment_line_add(**{**args, "amount_pence": 900_000}).pk == line.pk  # idempotent
    line.refresh_from_db()
    assert line.amount_pence == 900_000
    services.payment_approve(payment=line, actor=None)
    with pytest.raises(Conflict, match="already approved"):
        services.payment_line_add(**args)
    with pytest.raises(ApplicationError, match="non-negative"):
        services.payment_line_add(**{**args, "amount_pence": -1, "source_reference": "x"})
    with pytest.raises(ApplicationError, match="exactly one practice or one locality"):
        services.payment_line_add(**{**args, "locality": world.north})


# --- scheme configuration ----------------------------------------------------------------------------


def test_weights_not_adding_up_to_100_are_refused_and_nothing_saved(world):
    definition = incentives.banes_part2_2007_08().to_dict()
    definition["components"][0]["outcomes"][0]["weight_percent"] = "2"
    with pytest.raises(ValidationError) as exc:
        services.scheme_create(pct=world.pct, definition=definition, actor=None)
    assert exc.value.message_dict["definition"] == [
        "The outcome weights of part2 add up to 101%; they must add up to exactly 100%."
    ]
    assert not IncentiveScheme.objects.exists()


def test_negative_rates_are_refused(world):
    definition = incentives.des_2008_09().to_dict()
    definition["components"][0]["rate_pence"] = "-3500"
    with pytest.raises(ValidationError, match="cannot be negative"):
        services.scheme_create(pct=world.pct, definition=definition, actor=None)
    assert not IncentiveScheme.objects.exists()


def test_changing_a_scheme_after_payments_were_approved_needs_a_reason_and_keeps_history(world, signed_up):
    finance = world.users[Role.PCT_FINANCE]
    changed = incentives.hertfordshire_les_2007_08().to_dict()
    changed["components"][1]["rate_pence_per_patient"] = "60"
    services.scheme_update(scheme=signed_up, definition=changed, actor=finance)  # nothing approved yet
    assert IncentiveScheme.objects.get().revision == 2
    services.payment_approve(payment=Payment.objects.get(component_code="1"), actor=finance)
    changed["components"][1]["rate_pence_per_patient"] = "70"
    with pytest.raises(ApplicationError, match="give a reason"):
        services.scheme_update(scheme=signed_up, definition=changed, actor=finance)
    assert IncentiveScheme.objects.get().revision == 2
    services.scheme_update(
        scheme=signed_up, definition=changed, actor=finance, reason="PEC agreed 70p on 3 May"
    )
    scheme = IncentiveScheme.objects.get()
    assert scheme.revision == 3 and scheme.scheme.component("2").rate_pence_per_patient == 70
    latest = scheme.history.first()
    assert (latest.history_change_reason, latest.history_user, latest.revision) == (
        "PEC agreed 70p on 3 May",
        finance,
        3,
    )
    assert [h.revision for h in scheme.history.all()] == [3, 2, 1]
    with pytest.raises(ValidationError, match="create a new scheme for 2008/09"):
        services.scheme_update(
            scheme=scheme, definition={**changed, "year": "2008/09"}, actor=finance, reason="x"
        )


def test_achievements_must_fit_their_component(world):
    scheme = banes_scheme(world.pct)
    with pytest.raises(ApplicationError, match="judged for each practice"):
        services.achievement_record(
            scheme=scheme, actor=None, component_code="part2", outcome_code="6.2", evidence_notes="x"
        )
    with pytest.raises(ApplicationError, match="judged for the consortium"):
        services.achievement_record(
            scheme=scheme,
            actor=None,
            component_code="part2",
            outcome_code="1.1",
            practice=world.practice,
            evidence_notes="x",
        )
    with pytest.raises(ApplicationError, match="Record the evidence"):
        services.achievement_record(scheme=scheme, actor=None, component_code="part2", outcome_code="1.1")
    with pytest.raises(ApplicationError, match="has no component"):
        services.achievement_record(scheme=scheme, actor=None, component_code="nope", evidence_notes="x")
    with pytest.raises(ApplicationError, match="not in"):
        services.achievement_record(
            scheme=scheme,
            actor=None,
            component_code="part2",
            outcome_code="6.2",
            practice=world.foreign,
            evidence_notes="x",
        )
    assert not Achievement.objects.exists()
    first = services.achievement_record(
        scheme=scheme, actor=None, component_code="part2", outcome_code="1.1", evidence_notes="a"
    )
    again = services.achievement_record(
        scheme=scheme,
        actor=None,
        component_code="part2",
        outcome_code="1.1",
        achieved=False,
        evidence_notes="b",
    )
    assert first.pk == again.pk and again.history.count() == 2
