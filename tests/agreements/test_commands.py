"""Management commands: the daily job on demand, and the demo data (idempotent)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from agreements.choices import AgreementStatus
from agreements.models import Agreement, IncentiveScheme, LesSignUp, Payment


def test_daily_command_reports_what_it_did(world, capsys):
    call_command("agreements_daily", "--date", "2008-03-31")
    assert "0 expired, 0 terminated, 0 reminder(s) sent" in capsys.readouterr().out
    with pytest.raises(CommandError, match="is not a date"):
        call_command("agreements_daily", "--date", "31/03/2008")


def test_demo_seed_is_idempotent(db, capsys):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_agreements_demo")
    call_command("seed_demo")
    call_command("seed_agreements_demo")
    counts = (IncentiveScheme.objects.count(), LesSignUp.objects.count(), Payment.objects.count())
    call_command("seed_agreements_demo")
    assert (IncentiveScheme.objects.count(), LesSignUp.objects.count(), Payment.objects.count()) == counts
    assert counts[:2] == (2, 12)
    assert Agreement.objects.get().status == AgreementStatus.OUT_FOR_SIGNATURE
    assert "Demo agreements ready" in capsys.readouterr().out
