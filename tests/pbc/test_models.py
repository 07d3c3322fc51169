from datetime import date

import pytest
from django.core.exceptions import ValidationError

from pbc import selectors, services
from pbc.choices import Role
from pbc.fiscal import FinancialYear
from pbc.models import Membership
from tests.factories.pbc import LocalityFactory, PctFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["M85001", "a12345", " B81002 "])
def test_valid_practice_codes(code):
    pct = PctFactory(code="5WV")
    practice = services.practice_create(pct=pct, code=code, name="A Surgery", locality=None)
    assert practice.code == code.strip().upper()


@pytest.mark.parametrize("code", ["M8500", "M850011", "85001M", "MM5001", "V81999", "V81998", "V81997", ""])
def test_invalid_practice_codes(code):
    pct = PctFactory(code="5WV")
    with pytest.raises(ValidationError):
        services.practice_create(pct=pct, code=code, name="A Surgery")


@pytest.mark.parametrize(
    ("code", "ok"), [("5WV", True), ("RTH", True), ("RT", False), ("RTHX", False), ("R-H", False)]
)
def test_pct_and_provider_codes(code, ok):
    if ok:
        services.provider_create(code=code, name="Trust")
        services.pct_create(code=code, name="PCT")
    else:
        with pytest.raises(ValidationError):
            services.provider_create(code=code, name="Trust")
        with pytest.raises(ValidationError):
            services.pct_create(code=code, name="PCT")


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("5WV-NORTH", True),
        ("5WV-1", True),
        ("NORTH", False),
        ("5XX-NORTH", False),
        ("5WV-TOOLONGNAME", False),
    ],
)
def test_locality_codes_are_the_pcts_own(code, ok):
    pct = PctFactory(code="5WV")
    if ok:
        assert services.locality_create(pct=pct, code=code, name="N").code == code
    else:
        with pytest.raises(ValidationError):
            services.locality_create(pct=pct, code=code, name="N")


def test_codes_are_unique():
    pct = PctFactory(code="5WV")
    services.practice_create(pct=pct, code="M85001", name="A")
    with pytest.raises(ValidationError):
        services.practice_create(pct=pct, code="M85001", name="B")


def test_practice_open_and_close():
    practice = PracticeFactory(open_date=date(2000, 4, 1), close_date=date(2007, 9, 30))
    assert practice.is_open_on(date(2007, 9, 30))
    assert not practice.is_open_on(date(2007, 10, 1))
    assert not practice.is_open_on(date(1999, 1, 1))
    practice.close_date = date(1999, 1, 1)
    with pytest.raises(ValidationError):
        practice.full_clean()


def test_list_size_dating_uses_the_list_at_1_april():
    practice = PracticeFactory()
    for day, n in [
        (date(2007, 1, 1), 5000),
        (date(2007, 4, 1), 5100),
        (date(2007, 7, 1), 5200),
        (date(2008, 4, 2), 5400),
    ]:
        services.list_size_record(practice=practice, extract_date=day, patients=n)
    assert selectors.list_size_for_year(practice=practice, year=FinancialYear(2007)).patients == 5100
    # No extract on 1 April 2008: the latest before it (1 July 2007) stands, not the one of 2 April.
    assert selectors.list_size_for_year(practice=practice, year=FinancialYear(2008)).patients == 5200
    assert selectors.list_size_for_year(practice=practice, year=FinancialYear(2005)) is None
    assert selectors.list_size_at(practice=practice, on=date(2007, 6, 30)).patients == 5100


def test_list_size_recorded_twice_replaces_and_keeps_history():
    practice = PracticeFactory()
    actor = UserFactory()
    services.list_size_record(practice=practice, extract_date=date(2007, 4, 1), patients=5000, actor=actor)
    size = services.list_size_record(
        practice=practice, extract_date=date(2007, 4, 1), patients=5050, actor=actor
    )
    assert practice.list_sizes.count() == 1 and size.patients == 5050
    history = list(size.history.order_by("history_date").values_list("patients", "history_user_id"))
    assert history == [(5000, actor.pk), (5050, actor.pk)]


def test_membership_scope_rules():
    pct = PctFactory(code="5WV")
    other = PctFactory(code="5XX")
    practice = PracticeFactory(pct=pct)
    user = UserFactory()
    with pytest.raises(ValidationError):
        services.membership_create(user=user, role=Role.PRACTICE_MANAGER, pct=pct)  # no practice named
    with pytest.raises(ValidationError):
        services.membership_create(user=user, role=Role.PCT_FINANCE, pct=pct, practice=practice)
    with pytest.raises(ValidationError):
        services.membership_create(
            user=user, role=Role.LOCALITY_LEAD, pct=other, locality=LocalityFactory(pct=pct)
        )
    m = services.membership_create(user=user, role=Role.PRACTICE_MANAGER, pct=pct, practice=practice)
    assert m.level == "practice"
    assert user.groups.filter(name="Practice manager / PBC lead").exists()
    assert Membership.history.filter(id=m.pk).count() == 1
