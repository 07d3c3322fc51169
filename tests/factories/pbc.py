from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model

from pbc import services
from pbc.models import Gp, ListSize, Locality, Pct, Practice, Provider


class PctFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pct
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"Q{n % 100:02d}")
    name = factory.LazyAttribute(lambda o: f"PCT {o.code}")


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality

    pct = factory.SubFactory(PctFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.pct.code}-L{n}")
    name = factory.Sequence(lambda n: f"Locality {n}")


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    pct = factory.SubFactory(PctFactory)
    locality = factory.SubFactory(LocalityFactory, pct=factory.SelfAttribute("..pct"))
    code = factory.Sequence(lambda n: f"P{10000 + n:05d}")
    name = factory.Sequence(lambda n: f"Practice {n} Surgery")


class ListSizeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListSize

    practice = factory.SubFactory(PracticeFactory)
    extract_date = factory.Sequence(lambda n: date(2001, 4, 1) + timedelta(days=n))
    patients = 6000


class GpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gp

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Dr G {n}")


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n % 100:02d}")
    name = factory.LazyAttribute(lambda o: f"Trust {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-test-password-1")


def member(role: str, *, pct, locality=None, practice=None, username: str | None = None):
    """A user holding ``role`` in an organisation, with the role's permissions."""
    user = UserFactory(username=username) if username else UserFactory()
    services.membership_create(user=user, role=role, pct=pct, locality=locality, practice=practice)
    return get_user_model().objects.get(pk=user.pk)  # fresh: permission caches are per instance
