"""Builders for agreements, schemes, sign-ups and payments: through the services, so every object is
one the product could have made."""

from __future__ import annotations

from datetime import date

import factory

from agreements import incentives, services
from agreements.choices import PartyKind
from agreements.models import IncentiveScheme
from pbc.choices import Role
from pbc.models import ListSize
from tests.factories.pbc import GpFactory

TEXT = "Agreed text for this section."
OBJECTIVE = {
    "objective": "Reduce first outpatient referrals to dermatology",
    "measure": "Referrals per 1,000 registered patients, monthly report",
    "target": "10% fewer than 2006/07",
    "due_date": date(2008, 3, 31),
}


class GpOfPractice(GpFactory):
    """A current GP (joined long ago, not left)."""

    joined = date(1990, 1, 1)
    name = factory.Sequence(lambda n: f"Dr A Partner {n}")


def list_size(practice, patients: int, on: date = date(2007, 4, 1)) -> ListSize:
    return ListSize.objects.update_or_create(
        practice=practice, extract_date=on, defaults={"patients": patients}
    )[0]


def scheme(pct, definition: incentives.Scheme | dict, *, actor=None) -> IncentiveScheme:
    data = definition.to_dict() if isinstance(definition, incentives.Scheme) else definition
    return services.scheme_create(pct=pct, definition=data, actor=actor)


def herts_scheme(pct, *, cumulative: bool = False, actor=None) -> IncentiveScheme:
    return scheme(pct, incentives.hertfordshire_les_2007_08(cumulative=cumulative), actor=actor)


def banes_scheme(pct, *, actor=None) -> IncentiveScheme:
    return scheme(pct, incentives.banes_part2_2007_08(), actor=actor)


def des_scheme(pct, *, actor=None) -> IncentiveScheme:
    return scheme(pct, incentives.des_2008_09(), actor=actor)


def draft_agreement(world, *, pct=None, practice=None, locality=None, provider=False, complete: bool = True):
    """A draft between the PCT, a practice and its locality, each with a named lead."""
    pct = pct or world.pct
    commissioning = world.users[Role.PCT_COMMISSIONING]
    practice = practice or (world.practice if pct == world.pct else world.foreign)
    locality = locality or practice.locality
    parties = [
        {
            "kind": PartyKind.LOCALITY,
            "organisation": locality,
            "lead_name": "Dr Lee Locality",
            "lead_role": "Locality lead",
        },
        {
            "kind": PartyKind.PRACTICE,
            "organisation": practice,
            "lead_name": "Pat Practice",
            "lead_role": "Practice manager",
        },
    ]
    if provider:
        parties.append(
            {
                "kind": PartyKind.PROVIDER,
                "organisation": world.provider,
                "lead_name": "Ruth Trust",
                "lead_role": "Chief executive",
            }
        )
    return services.agreement_create(
        pct=pct,
        title="PBC shared agreement 2007/08",
        start_date=date(2007, 4, 1),
        end_date=date(2030, 3, 31),
        review_date=date(2029, 10, 1),
        actor=commissioning if pct == world.pct else None,
        pct_lead_name="Carla Commissioning",
        sections=dict.fromkeys(range(1, 11), TEXT) if complete else {},
        objectives=[OBJECTIVE] if complete else [],
        parties=parties,
    )


def sent_agreement(world, **kwargs):
    agreement = draft_agreement(world, **kwargs)
    return services.agreement_send_for_signature(
        agreement=agreement, actor=world.users[Role.PCT_COMMISSIONING]
    )


def active_agreement(world, **kwargs):
    """Signed by the PCT (commissioning), the locality lead and the practice manager."""
    agreement = sent_agreement(world, **kwargs)
    for role in (Role.PCT_COMMISSIONING, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER):
        services.agreement_sign(agreement=agreement, actor=world.users[role])
    agreement.refresh_from_db()
    return agreement
