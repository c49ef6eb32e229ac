import datetime
from decimal import Decimal

import factory

from structures.enums import ConventionStatus, Funder, Network, PromeneurStatus, StructureKind
from structures.models import (
    Absence,
    Commune,
    Convention,
    Coordination,
    Department,
    NetworkAccount,
    PresenceSlot,
    Promeneur,
    Structure,
    StructureMembership,
    Theme,
)
from tests.accounts.factories import UserFactory


class DepartmentFactory(factory.django.DjangoModelFactory):
    """Départements come from a data migration; transactional tests flush them, hence get_or_create."""

    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = "24"
    name = factory.LazyAttribute(
        lambda o: {"24": "Dordogne", "33": "Gironde", "75": "Paris"}.get(o.code, f"Département {o.code}")
    )


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Thème {n}")


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Centre social numéro {n}")
    kind = StructureKind.CS
    postcode = "24000"
    commune = "Périgueux"
    department = factory.SubFactory(DepartmentFactory)
    latitude = Decimal("45.184000")
    longitude = Decimal("0.721000")
    is_public = True


class CommuneFactory(factory.django.DjangoModelFactory):
    """A commune of the reference data (tests make the few they need; `load_communes` has its own)."""

    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    insee_code = factory.Sequence(lambda n: f"{90000 + n}")
    name = "Périgueux"
    department = factory.SubFactory(DepartmentFactory)
    postcodes = " 24000 "
    population = 1000
    latitude = Decimal("45.184226")
    longitude = Decimal("0.721262")


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    structure = factory.SubFactory(StructureFactory)
    funder = Funder.CAF
    year = 2026
    amount = Decimal("1700.00")
    starts_on = factory.LazyAttribute(lambda o: datetime.date(o.year, 1, 1))
    ends_on = factory.LazyAttribute(lambda o: datetime.date(o.year, 12, 31))
    status = ConventionStatus.SIGNED


class PromeneurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promeneur
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    job = "Animateur·rice jeunesse"
    status = PromeneurStatus.LABELLED
    labelled_on = datetime.date(2026, 1, 15)

    class Params:
        candidate = factory.Trait(status=PromeneurStatus.CANDIDATE, labelled_on=None)
        suspended = factory.Trait(status=PromeneurStatus.SUSPENDED)
        left = factory.Trait(status=PromeneurStatus.LEFT)

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)


class NetworkAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkAccount

    promeneur = factory.SubFactory(PromeneurFactory)
    network = Network.INSTAGRAM
    handle = factory.Sequence(lambda n: f"promeneur_{n}")
    url = factory.LazyAttribute(lambda o: f"https://www.instagram.com/{o.handle}/")


class PresenceSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PresenceSlot

    promeneur = factory.SubFactory(PromeneurFactory)
    weekday = 2
    start = datetime.time(14, 0)
    end = datetime.time(17, 0)


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    promeneur = factory.SubFactory(PromeneurFactory)
    starts_on = datetime.date(2026, 7, 1)
    ends_on = datetime.date(2026, 7, 31)


class StructureMembershipFactory(factory.django.DjangoModelFactory):
    """Makes `user` a referent of `structure`."""

    class Meta:
        model = StructureMembership

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)


class CoordinationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coordination

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
