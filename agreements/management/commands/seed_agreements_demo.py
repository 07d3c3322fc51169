"""Add agreements, the Hertfordshire-style LES, the BANES incentive scheme and payment schedules for
2007/08 to the demo PCT (run ``seed_demo`` first). Running it again changes nothing."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agreements import incentives, selectors, services
from agreements.choices import PartyKind
from agreements.constants import AGREEMENT_SECTIONS
from agreements.models import Agreement, IncentiveScheme, LesSignUp
from pbc.models import Locality, Pct, Practice

DEMO_PCT = "5WV"
SIGNED_ON = date(2007, 4, 20)


class Command(BaseCommand):
    help = "Add demo agreements, schemes, sign-ups and payment schedules to the demo PCT (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        pct = Pct.objects.filter(code=DEMO_PCT).first()
        users = {u.username: u for u in get_user_model().objects.filter(
            username__in=["finance", "commissioning", "locality", "practice", "information"]
        )}  # fmt: skip
        if pct is None or len(users) < 5:
            raise CommandError("Run `manage.py seed_demo` first: the demo PCT and its users are needed.")
        finance, commissioning = users["finance"], users["commissioning"]
        herts = self._scheme(pct, incentives.hertfordshire_les_2007_08(), finance)
        banes = self._scheme(pct, incentives.banes_part2_2007_08(), finance)

        practices = list(Practice.objects.filter(pct=pct).order_by("code"))
        for practice in practices[:12]:
            if not LesSignUp.objects.filter(scheme=herts, practice=practice).exists():
                gps = selectors.current_gps(practice=practice, on=SIGNED_ON)
                services.les_sign_up(
                    scheme=herts,
                    practice=practice,
                    actor=users["practice"] if practice == practices[0] else finance,
                    lead_name="Practice manager",
                    lead_role="practice_manager",
                    gp_ids=[gp.pk for gp in gps],
                    signed_on=SIGNED_ON,
                )
        first_locality = Locality.objects.filter(pct=pct).order_by("code").first()
        services.achievement_record(
            scheme=herts,
            actor=users["information"],
            component_code="3",
            locality=first_locality,
            level=2,
            evidence_notes="PBC Governance Committee, 14 June 2007: level 2 agreed.",
        )
        for outcome in ("1.1", "1.2", "1.4", "2.1", "4.1", "4.2", "5.1", "5.2"):
            services.achievement_record(
                scheme=banes,
                actor=users["information"],
                component_code="part2",
                outcome_code=outcome,
                evidence_notes="PBC Executive year-end review, April 2008.",
            )
        for practice in practices[::3]:
            services.achievement_record(
                scheme=banes,
                actor=users["information"],
                component_code="part2",
                outcome_code="6.2",
                practice=practice,
                evidence_notes="Monthly referral peer-review minutes.",
            )
        lines = services.payment_schedule_calculate_all(scheme=herts, actor=finance)
        lines += services.payment_schedule_calculate_all(scheme=banes, actor=finance)

        if not Agreement.objects.filter(pct=pct).exists():
            agreement = services.agreement_create(
                pct=pct,
                title=f"{first_locality.name} PBC shared agreement 2007/08",
                start_date=date(2007, 4, 1),
                end_date=date(2030, 3, 31),
                review_date=date(2029, 10, 1),
                actor=commissioning,
                pct_lead_name="Carla Commissioning",
                sections={n: f"Agreed {title.lower()}." for n, title, _ in AGREEMENT_SECTIONS},
                objectives=[
                    {
                        "objective": "Reduce dermatology first outpatient referrals",
                        "measure": "Referrals per 1,000 registered patients, monthly report",
                        "target": "10% fewer than 2006/07",
                        "due_date": date(2008, 3, 31),
                    }
                ],
                parties=[
                    {
                        "kind": PartyKind.LOCALITY,
                        "organisation": first_locality,
                        "lead_name": "Dr Lee Locality",
                    },
                    {"kind": PartyKind.PRACTICE, "organisation": practices[0], "lead_name": "Pat Practice"},
                ],
            )
            services.agreement_send_for_signature(agreement=agreement, actor=commissioning)
            for username in ("commissioning", "locality"):
                services.agreement_sign(agreement=agreement, actor=users[username])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo agreements ready: {IncentiveScheme.objects.filter(pct=pct).count()} schemes, "
                f"{LesSignUp.objects.filter(scheme=herts).count()} LES sign-ups, {len(lines)} payment lines "
                "brought up to date, and an agreement waiting for the practice manager's signature."
            )
        )

    def _scheme(self, pct, definition, actor) -> IncentiveScheme:
        existing = IncentiveScheme.objects.filter(
            pct=pct, code=definition.code, start_year=definition.financial_year.start_year
        )
        return existing.first() or services.scheme_create(
            pct=pct, definition=definition.to_dict(), actor=actor
        )
