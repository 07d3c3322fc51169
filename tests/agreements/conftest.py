"""Fixtures of the agreements tests: a Hertfordshire-sized PCT (1.15 million people, 12 localities)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from agreements import services
from pbc.choices import Role
from tests.factories.agreements import GpOfPractice, herts_scheme, list_size
from tests.factories.pbc import LocalityFactory, PctFactory, PracticeFactory, member

HERTS_POPULATION = 1_150_000
# Twelve localities of about 100,000 people; each a multiple of ten so every allowance is whole pence.
HERTS_LOCALITY_POPULATIONS = [95_830] * 11 + [95_870]


@dataclass
class Herts:
    pct: object
    localities: list
    practices: list
    scheme: object
    finance: object


@pytest.fixture
def herts(db) -> Herts:
    """Hertfordshire 2007/08: one practice per locality, every practice signed up to the LES."""
    assert sum(HERTS_LOCALITY_POPULATIONS) == HERTS_POPULATION
    pct = PctFactory(code="5HT", name="Hertfordshire PCTs")
    finance = member(Role.PCT_FINANCE, pct=pct, username="herts_finance")
    scheme = herts_scheme(pct, actor=finance)
    localities, practices = [], []
    for n, population in enumerate(HERTS_LOCALITY_POPULATIONS, start=1):
        locality = LocalityFactory(pct=pct, code=f"5HT-L{n:02d}", name=f"Locality {n}")
        practice = PracticeFactory(pct=pct, locality=locality, code=f"E82{n:03d}", name=f"Practice {n}")
        list_size(practice, population, on=date(2007, 4, 1))
        gp = GpOfPractice(practice=practice)
        services.les_sign_up(
            scheme=scheme,
            practice=practice,
            actor=finance,
            lead_name="Practice manager",
            lead_role="practice_manager",
            gp_ids=[gp.pk],
            signed_on=date(2007, 4, 20),
        )
        localities.append(locality)
        practices.append(practice)
    return Herts(pct, localities, practices, scheme, finance)
