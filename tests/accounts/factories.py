import factory

from accounts.models import User

DEFAULT_PASSWORD = "un-mot-de-passe-de-test"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(DEFAULT_PASSWORD)

    class Params:
        caf_staff = factory.Trait(is_caf_staff=True)
        moderator = factory.Trait(is_moderator=True)
