import pytest

from pbc.choices import Role


@pytest.fixture
def finance(world):
    return world.users[Role.PCT_FINANCE]


@pytest.fixture
def chair_and_voters(world):
    from tests.factories.pbc import member

    chair = world.users[Role.PEC_MEMBER]
    voters = [member(Role.PEC_MEMBER, pct=world.pct, username=f"voter{i}") for i in range(2)]
    return chair, voters
