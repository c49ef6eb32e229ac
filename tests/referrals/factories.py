import datetime

import factory
from django.conf import settings
from django.utils import timezone

from referrals.enums import AgeBracket, Channel, RequestStatus, TargetKind
from referrals.models import ContactRequest, Orientation
from tests.structures.factories import DepartmentFactory, PromeneurFactory, StructureFactory

SECRET_MESSAGE = "Message confidentiel : je ne vais pas bien depuis la rentrée"


class ContactRequestFactory(factory.django.DjangoModelFactory):
    """A request in a structure's pool by default; `assigned` gives it to a promeneur."""

    class Meta:
        model = ContactRequest
        skip_postgeneration_save = True

    target_kind = TargetKind.STRUCTURE
    structure = factory.SubFactory(StructureFactory)
    department = factory.LazyAttribute(
        lambda o: o.structure.department if o.structure else DepartmentFactory()
    )
    age_bracket = AgeBracket.AGE_15_17
    commune = "Périgueux"
    postcode = "24000"
    channel = Channel.EMAIL
    email = factory.Sequence(lambda n: f"jeune{n}@example.test")
    first_name = "Camille-secret"
    message = SECRET_MESSAGE
    consent_at = factory.LazyFunction(timezone.now)
    status = RequestStatus.NEW

    class Params:
        assigned = factory.Trait(
            assignee=factory.SubFactory(PromeneurFactory, structure=factory.SelfAttribute("..structure")),
            target_kind=TargetKind.PROMENEUR,
        )
        claimed = factory.Trait(
            assigned=True, status=RequestStatus.CLAIMED, claimed_at=factory.LazyFunction(timezone.now)
        )
        department_pool = factory.Trait(structure=None, target_kind=TargetKind.DEPARTMENT)

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)


class OrientationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Orientation

    request = factory.SubFactory(ContactRequestFactory, claimed=True)
    from_structure = factory.LazyAttribute(lambda o: o.request.structure)
    to_structure = factory.SubFactory(StructureFactory)
    created_by = factory.LazyAttribute(lambda o: o.request.assignee.user)
    summary = "Besoin d’un accompagnement vers l’emploi."
    young_person_agreed = True
    data_protection_commitment = True
    expires_at = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(days=settings.ORIENTATION_LIFETIME_DAYS)
    )
