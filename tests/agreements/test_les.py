"""LES sign-up (Hertfordshire signature sheet) and year-end declarations, through the services."""

from __future__ import annotations

from datetime import date

import pytest

from agreements import services
from agreements.choices import PaymentStatus
from agreements.models import LesSignUp, LesSignUpGp, Payment
from pbc.choices import Role
from pbc.exceptions import ApplicationError, Conflict
from tests.factories.agreements import GpOfPractice, banes_scheme, herts_scheme, list_size

SIGNED = date(2007, 4, 20)


@pytest.fixture
def herts(world):
    return herts_scheme(world.pct, actor=world.users[Role.PCT_FINANCE])


@pytest.fixture
def gps(world):
    return [GpOfPractice(practice=world.practice, name=f"Dr {n}") for n in ("Adams", "Brown", "Clarke")]


def sign_up(world, scheme, gp_ids, **kwargs):
    values = {
        "scheme": scheme,
        "practice": world.practice,
        "actor": world.users[Role.PRACTICE_MANAGER],
        "lead_name": "Pat Practice",
        "lead_role": "practice_manager",
        "gp_ids": gp_ids,
        "signed_on": SIGNED,
        **kwargs,
    }
    return services.les_sign_up(**values)


def test_sign_up_names_every_gp_and_makes_the_sign_up_payment_due(world, herts, gps):
    list_size(world.practice, 8_000)
    result = sign_up(world, herts, [gp.pk for gp in gps], contact_number="01225 000000")
    assert result.locality == world.north and result.hours_per_gp_per_month == 2
    assert sorted(result.gps.values_list("gp_name", flat=True)) == ["Dr Adams", "Dr Brown", "Dr Clarke"]
    payment = Payment.objects.get()
    assert (payment.practice, payment.component_code, payment.amount_pence) == (world.practice, "1", 800_000)
    assert payment.status == PaymentStatus.DUE and payment.due_by == date(2007, 4, 30)
    assert payment.basis == "£1.00 × 8,000 registered patients"
    assert result.history.get().history_user == world.users[Role.PRACTICE_MANAGER]
    assert payment.history.get().history_type == "+"


def test_a_sign_up_that_omits_a_gp_is_refused_and_nothing_saved(world, herts, gps):
    list_size(world.practice, 8_000)
    with pytest.raises(ApplicationError) as exc:
        sign_up(world, herts, [gps[0].pk, gps[2].pk])
    assert exc.value.message == "Every GP of Abbey Surgery must be named and sign up: Dr Brown is missing."
    assert exc.value.extra["missing_gps"] == [gps[1].pk]
    assert (
        not LesSignUp.objects.exists() and not LesSignUpGp.objects.exists() and not Payment.objects.exists()
    )


def test_gps_who_left_are_not_needed_and_strangers_are_refused(world, herts, gps):
    list_size(world.practice, 8_000)
    GpOfPractice(practice=world.practice, name="Dr Gone", left=date(2006, 12, 31))
    stranger = GpOfPractice(practice=world.neighbour, name="Dr Elsewhere")
    with pytest.raises(ApplicationError, match="is not a current GP of Abbey Surgery"):
        sign_up(world, herts, [gp.pk for gp in gps] + [stranger.pk])
    assert sign_up(world, herts, [gp.pk for gp in gps]).gps.count() == 3


def test_a_sign_up_payment_for_a_year_with_no_list_size_is_refused(world, herts, gps):
    list_size(world.practice, 8_000, on=date(2008, 4, 1))  # only after the scheme's reference date
    with pytest.raises(ApplicationError) as exc:
        sign_up(world, herts, [gp.pk for gp in gps])
    assert exc.value.message == (
        "L85001 Abbey Surgery: No list size at 01 April 2007: cannot calculate a payment for a year with no "
        "list size (2007/08)."
    )
    assert not LesSignUp.objects.exists() and not Payment.objects.exists()


def test_the_commitment_is_at_least_two_hours_per_gp_per_month(world, herts, gps):
    list_size(world.practice, 8_000)
    with pytest.raises(ApplicationError, match="at least 2 hours a month"):
        sign_up(world, herts, [gp.pk for gp in gps], hours_per_gp_per_month=1)
    assert not LesSignUp.objects.exists()


def test_other_refusals(world, herts, gps):
    list_size(world.practice, 8_000)
    ids = [gp.pk for gp in gps]
    with pytest.raises(ApplicationError, match="not a local enhanced service"):
        sign_up(world, banes_scheme(world.pct), ids)
    with pytest.raises(ApplicationError, match="too late"):
        sign_up(world, herts, ids, signed_on=date(2008, 4, 1))
    with pytest.raises(ApplicationError, match="No GPs are recorded"):
        sign_up(world, herts, [], practice=world.neighbour)
    sign_up(world, herts, ids)
    with pytest.raises(Conflict, match="already signed up"):
        sign_up(world, herts, ids)
    assert LesSignUp.objects.count() == 1


def test_year_end_declarations(world, herts, gps):
    list_size(world.practice, 8_000)
    result = sign_up(world, herts, [gp.pk for gp in gps])
    pm = world.users[Role.PRACTICE_MANAGER]
    with pytest.raises(ApplicationError, match="can be made from 01 March 2008"):
        services.les_declaration_record(
            sign_up=result, actor=pm, declarations={gp.pk: True for gp in gps}, declared_on=date(2008, 2, 1)
        )
    with pytest.raises(ApplicationError, match="Dr Clarke has not"):
        services.les_declaration_record(
            sign_up=result,
            actor=pm,
            declarations={gps[0].pk: True, gps[1].pk: True},
            declared_on=date(2008, 3, 31),
        )
    services.les_declaration_record(
        sign_up=result,
        actor=pm,
        declarations={gps[0].pk: True, gps[1].pk: True, gps[2].pk: False},
        declared_on=date(2008, 3, 31),
    )
    rows = {row.gp_name: row for row in result.gps.all()}
    assert [rows[n].declared_met for n in ("Dr Adams", "Dr Brown", "Dr Clarke")] == [True, True, False]
    assert rows["Dr Adams"].declared_by == pm and rows["Dr Adams"].history.first().history_user == pm
    with pytest.raises(Conflict, match="already made"):
        services.les_declaration_record(
            sign_up=result, actor=pm, declarations={gp.pk: True for gp in gps}, declared_on=date(2008, 4, 1)
        )
