from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from applications.models import CriteriaSet


def test_seed_assessment_criteria(world):
    out = StringIO()
    call_command("seed_assessment_criteria", "5WV", "2007/08", "--dry-run", stdout=out)
    assert "Would copy 20" in out.getvalue() and not CriteriaSet.objects.exists()
    call_command("seed_assessment_criteria", "5wv", "2007/08", stdout=out)
    criteria_set = CriteriaSet.objects.get()
    assert (criteria_set.pct, criteria_set.year.label, criteria_set.criteria.count()) == (
        world.pct,
        "2007/08",
        20,
    )
    call_command("seed_assessment_criteria", "5WV", "2007/08", stdout=out)
    assert "kept" in out.getvalue() and CriteriaSet.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("seed_assessment_criteria", "ZZZ", "2007/08")
    with pytest.raises(CommandError):
        call_command("seed_assessment_criteria", "5WV", "2007/09")
