"""A small baseline year (2006/07) of published activity for the world's practices, hand-checkable at the
2007/08 fixture tariff (MFF RD1 1.05):

| row | practice | POD | HRG / TF | count | price at 2007/08 × 1.05 | pence |
|---|---|---|---|---:|---:|---:|
| A | L85001 | NEL, stay 3 | HA11A | 2 | £2,000.00 → £2,100.00 | 420,000 |
| B | L85001 | OPFA | TF 300 | 10 | £150.00 → £157.50 | 157,500 |
| C | L85002 | OPFA | TF 300 | 20 | £157.50 | 315,000 |
| D | L85003 | NEL, stay 3 | HA11A | 1 | £2,100.00 | 210,000 |
| E | L85001 | OPFA | TF 330 (dermatology) | 5 | £120.00 → £126.00 | 63,000 |
| F | (V81999, unattributed) | NEL | HA11A | 1 | £2,100.00 | 210,000 |
| G | Y99999 (non-PCT) | NEL | HA11A | 1 | — excluded | — |
| H | L85003 | EL, stay 2 | HA11A | 1 | £5,000.00 → £5,250.00 | 525,000 |

Lists at 1 April 2006 (base) / 1 April 2007 (target): L85001 5,000 / 5,500; L85002 4,000 / 4,000;
L85003 6,000 / 6,000.
"""

from __future__ import annotations

import pytest

from pbc.choices import Role
from tests.factories.budgets import build_baseline, year


@pytest.fixture
def baseline(world):
    build_baseline(world)
    return world


@pytest.fixture
def published(baseline):
    """Version 1 of the 2007/08 budgets, uplift 3%, seasonal phasing, approved and published."""
    from budgets import services
    from tests.factories.budgets import budget_set

    finance = baseline.users[Role.PCT_FINANCE]
    bs = budget_set(baseline.pct, actor=finance, uplift_pct="3", phasing="seasonal")
    services.budget_set_approve(budget_set=bs, actor=finance)
    services.budget_set_publish(budget_set=bs, actor=finance)
    bs.refresh_from_db()
    return bs


@pytest.fixture
def reported(published, baseline, django_capture_on_commit_callbacks):
    """The published budgets and the 2007/08 fixture extract uploaded (reports recomputed by themselves)."""
    from pathlib import Path

    from django.core.files.base import ContentFile

    from activity import services as activity_services

    data = (Path(__file__).resolve().parents[1] / "activity" / "fixtures" / "apc_2007.csv").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.extract_upload_create(
            pct=baseline.pct, dataset="APC", year=year(2007), upload=ContentFile(data, name="apc_2007.csv"),
            filename="apc_2007.csv", actor=baseline.users[Role.PCT_INFORMATION],
        )  # fmt: skip
    return published
