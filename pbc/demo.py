"""A believable demo PCT: three localities, thirty practices with real-format codes, list sizes,
GPs, the BANES providers and one user per role. Running it again changes nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from pbc.choices import LocalityKind, Role
from pbc.fiscal import fy_of
from pbc.models import FinancialYear, Gp, ListSize, Locality, Membership, Pct, Practice, Provider
from pbc.roles import group_name

PCT_CODE, PCT_NAME = "5WV", "Wessex Vale PCT"
LOCALITIES = [("5WV-CITY", "City"), ("5WV-NORTH", "North Vale"), ("5WV-SOUTH", "South Downs")]
PROVIDERS = [
    ("RD1", "Royal United Hospital Bath NHS Trust"),
    ("RA7", "United Bristol Healthcare NHS Trust"),
    ("RVJ", "North Bristol NHS Trust"),
]
_PLACES = [
    "Abbey", "Bridge Street", "Castle", "Combe Down", "Fairfield", "Grange", "Harbour", "Hillview",
    "Kingsmead", "Lansdown", "Larkhall", "Marsh Lane", "Millbrook", "Newbridge", "Oldfield", "Orchard",
    "Park Road", "Priory", "Queens Square", "Riverside", "St James", "St Mary's", "Station Road",
    "Temple", "Twerton", "Upper Town", "Weston", "Widcombe", "Willow", "Woodlands",
]  # fmt: skip
_SURNAMES = [
    "Ahmed", "Baker", "Chen", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Morgan", "Nair", "Owen", "Patel", "Quinn", "Roberts", "Singh", "Taylor",
]  # fmt: skip
_INITIALS = "ABCDEFGHJKLMNPRST"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


def _users(pct: Pct, practice: Practice, locality: Locality) -> list[tuple[str, str, str, object]]:
    return [
        ("finance", "Fiona Finance", Role.PCT_FINANCE, pct),
        ("information", "Ian Information", Role.PCT_INFORMATION, pct),
        ("commissioning", "Carla Commissioning", Role.PCT_COMMISSIONING, pct),
        ("pec", "Dr Priya PEC", Role.PEC_MEMBER, pct),
        ("board", "Bernard Board", Role.BOARD_MEMBER, pct),
        ("projectgroup", "Gemma Group", Role.PROJECT_GROUP, pct),
        ("locality", "Dr Lee Locality", Role.LOCALITY_LEAD, locality),
        ("practice", "Pat Practice", Role.PRACTICE_MANAGER, practice),
        ("auditor", "Audrey Auditor", Role.AUDITOR, pct),
        ("apiclient", "Reporting system", Role.API_CLIENT_WRITE, pct),
    ]


def demo_password(username: str) -> str:
    return f"pbc-demo-{username}"


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    from django.contrib.auth.models import Group

    rng = random.Random(20070401)  # the same demo every time
    today = timezone.localdate()
    this_year = fy_of(today)
    for start in range(2000, this_year.start_year + 2):
        FinancialYear.objects.get_or_create(start_year=start)
    pct, _ = Pct.objects.get_or_create(code=PCT_CODE, defaults={"name": PCT_NAME})
    localities = [
        Locality.objects.get_or_create(
            code=code, defaults={"pct": pct, "name": name, "kind": LocalityKind.LOCALITY}
        )[0]
        for code, name in LOCALITIES
    ]
    for code, name in PROVIDERS:
        Provider.objects.get_or_create(code=code, defaults={"name": name})

    practices = []
    for i, place in enumerate(_PLACES):
        code = f"L85{i + 1:03d}"
        base = rng.randint(2_800, 14_500)
        practice, _ = Practice.objects.get_or_create(
            code=code,
            defaults={
                "pct": pct,
                "locality": localities[i % 3],
                "name": f"{place} Surgery",
                "postcode": f"BA{1 + i % 3} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}",
                "open_date": date(1990 + i % 15, 4, 1),
            },
        )
        practices.append(practice)
        growth = rng.uniform(-0.01, 0.025)
        for k, start in enumerate(range(2003, this_year.start_year + 1)):
            for month in (1, 4, 7, 10):
                extract = date(start if month >= 4 else start + 1, month, 1)
                if extract > today:
                    continue
                patients = int(base * (1 + growth) ** (k + (month % 12) / 12))
                ListSize.objects.get_or_create(
                    practice=practice, extract_date=extract, defaults={"patients": patients}
                )
        if not practice.gps.exists():
            for _ in range(max(2, base // 2_400)):
                name = f"Dr {rng.choice(_INITIALS)} {rng.choice(_SURNAMES)}"
                Gp.objects.create(
                    practice=practice, name=name, gmc_number=f"{rng.randint(1_000_000, 9_999_999)}"
                )

    User = get_user_model()
    logins = []
    for username, full_name, role, org in _users(pct, practices[0], localities[0]):
        first, _, last = full_name.partition(" ")
        user, _ = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        user.set_password(demo_password(username))
        user.save(update_fields=["password"])
        scope = {"pct": pct}
        if isinstance(org, Practice):
            scope["practice"] = org
        elif isinstance(org, Locality):
            scope["locality"] = org
        Membership.objects.get_or_create(user=user, role=role, **scope)
        user.groups.add(Group.objects.get_or_create(name=group_name(role))[0])
        logins.append(DemoLogin(username, demo_password(username), Role(role).label, str(org)))

    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    admin.set_password(demo_password("admin"))
    admin.save(update_fields=["password"])
    logins.append(
        DemoLogin("admin", demo_password("admin"), "System administrator (Django admin)", "everything")
    )
    return logins
