"""Writes to LES sign-up sheets and year-end declarations. Signing up makes the sign-up payment due."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone

from agreements import incentives, selectors
from agreements.choices import LesLeadRole
from agreements.constants import LES_DECLARATION_FROM_MONTH, LES_MIN_HOURS_PER_GP_PER_MONTH
from agreements.models import IncentiveScheme, LesSignUp, LesSignUpGp
from agreements.services._common import save
from agreements.services.payments import payment_schedule_calculate
from pbc.exceptions import ApplicationError, Conflict
from pbc.models import Practice


@transaction.atomic
def les_sign_up(
    *,
    scheme: IncentiveScheme,
    practice: Practice,
    actor,
    lead_name: str,
    lead_role: str,
    gp_ids: Iterable[int],
    signed_on: date,
    hours_per_gp_per_month: int = LES_MIN_HOURS_PER_GP_PER_MONTH,
    contact_number: str = "",
) -> LesSignUp:
    """Sign the practice up to the scheme's LES with every current GP named, and make the sign-up
    payment due. Refused whole (nothing saved) if a GP is left out or there is no list size."""
    if practice.pct_id != scheme.pct_id:
        raise ApplicationError(f"{practice} is not in {scheme.pct}, whose scheme this is.")
    if not scheme.has_sign_up:
        raise ApplicationError(
            f"{scheme} has no sign-up payment: it is not a local enhanced service to sign up to."
        )
    if practice.locality_id is None:
        raise ApplicationError(f"{practice} has not joined a PBC locality: it must join one to sign up.")
    if signed_on > timezone.localdate():
        raise ApplicationError(
            "The sign-up date cannot be in the future.", {"fields": {"signed_on": ["In the future."]}}
        )
    if signed_on > scheme.financial_year.end:
        raise ApplicationError(
            f"{scheme.year} ended on {scheme.financial_year.end:%d %B %Y}: a sign-up dated "
            f"{signed_on:%d %B %Y} is too late.",
            {"fields": {"signed_on": ["After the scheme year."]}},
        )
    if not (lead_name or "").strip():
        raise ApplicationError(
            "Name the practice manager or PBC lead who signs.", {"fields": {"lead_name": ["Required."]}}
        )
    if lead_role not in LesLeadRole.values:
        raise ApplicationError(
            "Say whether the practice manager or the PBC lead signs.",
            {"fields": {"lead_role": ["Required."]}},
        )
    if hours_per_gp_per_month is None or hours_per_gp_per_month < LES_MIN_HOURS_PER_GP_PER_MONTH:
        raise ApplicationError(
            f"The LES asks each GP to commit at least {LES_MIN_HOURS_PER_GP_PER_MONTH} hours a month "
            f"({hours_per_gp_per_month} given).",
            {"fields": {"hours_per_gp_per_month": [f"At least {LES_MIN_HOURS_PER_GP_PER_MONTH}."]}},
        )
    if LesSignUp.objects.filter(scheme=scheme, practice=practice).exists():
        raise Conflict(f"{practice.name} has already signed up to {scheme}.")

    current = selectors.current_gps(practice=practice, on=signed_on)
    if not current:
        raise ApplicationError(
            f"No GPs are recorded for {practice.name} on {signed_on:%d %B %Y}: record the practice's GPs first."
        )
    given = set(gp_ids)
    by_id = {gp.pk: gp for gp in current}
    strangers = sorted(given - set(by_id))
    if strangers:
        raise ApplicationError(
            f"GP {', '.join(map(str, strangers))} is not a current GP of {practice.name}.",
            {"fields": {"gps": ["Only the practice's current GPs can be named."]}},
        )
    missing = [gp for gp in current if gp.pk not in given]
    if missing:
        names = ", ".join(gp.name for gp in missing)
        raise ApplicationError(
            f"Every GP of {practice.name} must be named and sign up: {names} "
            f"{'is' if len(missing) == 1 else 'are'} missing.",
            {"fields": {"gps": [f"Missing: {names}."]}, "missing_gps": [gp.pk for gp in missing]},
        )

    sign_up = save(
        LesSignUp(
            scheme=scheme,
            practice=practice,
            locality=practice.locality,
            lead_name=lead_name.strip(),
            lead_role=lead_role,
            hours_per_gp_per_month=hours_per_gp_per_month,
            contact_number=contact_number,
            signed_on=signed_on,
            signed_by=actor,
        ),
        actor=actor,
    )
    for gp in current:
        save(LesSignUpGp(sign_up=sign_up, gp=gp, gp_name=gp.name), actor=actor)
    on_sign_up = [c.code for c in scheme.scheme.components if c.due is incentives.Due.ON_SIGN_UP]
    payment_schedule_calculate(scheme=scheme, practice=practice, actor=actor, components=on_sign_up)
    return sign_up


@transaction.atomic
def les_declaration_record(
    *, sign_up: LesSignUp, actor, declarations: Mapping[int, bool], declared_on: date
) -> LesSignUp:
    """Record each GP's year-end declaration that they gave at least the committed hours a month."""
    year = sign_up.scheme.financial_year
    opens = date(year.end.year, LES_DECLARATION_FROM_MONTH, 1)
    if declared_on < opens:
        raise ApplicationError(
            f"Year-end declarations for {year.label} can be made from {opens:%d %B %Y}.",
            {"fields": {"declared_on": ["Too early."]}},
        )
    if declared_on > timezone.localdate():
        raise ApplicationError(
            "A declaration cannot be dated in the future.", {"fields": {"declared_on": ["In the future."]}}
        )
    rows = list(LesSignUpGp.objects.select_for_update().filter(sign_up=sign_up).order_by("gp_name", "pk"))
    by_gp = {row.gp_id: row for row in rows}
    unknown = sorted(set(declarations) - set(by_gp))
    if unknown:
        raise ApplicationError(f"GP {', '.join(map(str, unknown))} is not named on this sign-up sheet.")
    missing = [row.gp_name for row in rows if row.gp_id not in declarations]
    if missing:
        raise ApplicationError(
            f"Every GP on the sheet declares: {', '.join(missing)} {'has' if len(missing) == 1 else 'have'} not.",
            {"fields": {"gps": [f"Missing: {', '.join(missing)}."]}},
        )
    done = [row.gp_name for row in rows if row.declared_on is not None]
    if done:
        raise Conflict(f"The year-end declaration was already made for {', '.join(done)}.")
    for row in rows:
        row.declared_met = bool(declarations[row.gp_id])
        row.declared_on = declared_on
        row.declared_by = actor
        save(row, actor=actor, update_fields=["declared_met", "declared_on", "declared_by"])
    return sign_up
