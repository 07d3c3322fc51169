"""Factories for applications, meetings, votes and interests, and helpers that build a case to a state."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone

from applications import services
from applications.choices import ApplicationKind, ApplicationStatus, FundingSource, InterestKind, VoteChoice
from applications.models import AgendaItem, Application, InterestDeclaration, Meeting, Vote
from pbc.models import FinancialYear
from tests.factories.pbc import PracticeFactory


def financial_year(start_year: int = 2024) -> FinancialYear:
    return FinancialYear.objects.get_or_create(start_year=start_year)[0]


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete application (ready to submit) from one practice; ``status`` may be set to any state."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    practice = factory.SubFactory(PracticeFactory)  # the applying practice; popped before the model is built
    pct = factory.LazyAttribute(lambda o: o.practice.pct)
    locality = factory.LazyAttribute(lambda o: o.practice.locality)
    year = factory.LazyFunction(financial_year)
    kind = ApplicationKind.NEW_SERVICE
    title = factory.Sequence(lambda n: f"Community dermatology clinic {n}")
    summary = "A GP with a special interest runs a monthly dermatology clinic in the practice."
    reasons = "Long waits for hospital dermatology outpatient appointments."
    treatment_functions = factory.LazyFunction(lambda: ["330"])
    risks = "GPwSI availability; demand above the planned 400 patients."
    clinical_outcomes = "Fewer first outpatient attendances; treatment within four weeks."
    patient_benefit = "Care closer to home, shorter waits."
    patients_benefiting = 400
    cost_pence = 45_000_00
    expected_savings_pence = 60_000_00
    management_cost_pence = 2_000_00
    funding_source = FundingSource.INDICATIVE_BUDGET
    proposed_start = factory.LazyFunction(lambda: date(2024, 10, 1))
    stakeholders_consulted = "Acute trust dermatology team; LMC."
    patients_consulted = "Patient participation group, May."
    status = ApplicationStatus.DRAFT

    @factory.post_generation
    def practices(self, create, extracted, **kwargs):
        if not create:
            return
        self.practices.set(extracted if extracted is not None else [self._practice])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        practice = kwargs.pop("practice", None)
        obj = super()._create(model_class, *args, **kwargs)
        obj._practice = practice
        return obj


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    pct = None
    title = "Professional Executive Committee"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    location = "Board room, PCT headquarters"
    chair = None
    quorum = 2


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    application = None
    position = factory.Sequence(lambda n: n + 1)


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    item = None
    member = None
    choice = VoteChoice.APPROVE


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterestDeclaration

    pct = None
    member = None
    kind = InterestKind.PRACTICE
    description = "Partner at the practice"


def application_for(practice, **kwargs) -> Application:
    return ApplicationFactory(practice=practice, **kwargs)


def completed_assessment(application: Application, assessor, recommendation: str = "recommend"):
    """A completed assessment answering yes to every criterion (the application must be under assessment)."""
    criteria = services.criteria_set_ensure(pct=application.pct, year=application.year).criteria.all()
    status = Application.objects.values_list("status", flat=True).get(pk=application.pk)
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.UNDER_ASSESSMENT)
    assessment = services.assessment_save(
        application=application,
        actor=assessor,
        answers={c.code: ("yes", "Evidence seen.") for c in criteria},
        recommendation=recommendation,
        summary="Meets the criteria.",
        complete=True,
    )
    Application.objects.filter(pk=application.pk).update(status=status)
    return assessment


def quorate_item(application: Application, *, chair, voters, quorum: int = 2) -> AgendaItem:
    """An agenda item of an open meeting chaired by ``chair`` with a vote from each of ``voters``."""
    meeting = MeetingFactory(pct=application.pct, chair=chair, quorum=quorum)
    item = AgendaItemFactory(meeting=meeting, application=application)
    for voter in voters:
        VoteFactory(item=item, member=voter)
    return item
