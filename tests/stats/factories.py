import factory

from stats.models import ActivityReport
from tests.structures.factories import StructureFactory


class ActivityReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityReport

    structure = factory.SubFactory(StructureFactory)
    year = 2025
    figures = factory.LazyFunction(
        lambda: {
            "requests": 12,
            "themes": {"Loisirs": 3, "Scolarité et orientation": 9},
            "outcomes": {},
            "orientations": {"sent": 2, "received": 0, "accepted": 0},
            "trainings_attended": 1,
        }
    )
