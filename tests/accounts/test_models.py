import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.structures.factories import (
    CoordinationFactory,
    PromeneurFactory,
    StructureMembershipFactory,
)


@pytest.mark.django_db
class TestUser:
    def test_email_is_the_login_and_is_stored_in_lower_case(self):
        user = User.objects.create_user("Ines.Demo@Example.TEST", "un-mot-de-passe-solide")
        assert user.email == "ines.demo@example.test"
        assert User.objects.get_by_natural_key("INES.demo@example.test") == user

    def test_two_accounts_cannot_share_an_email_whatever_its_case(self):
        UserFactory(email="ines@example.test")
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(email="INES@example.test")

    def test_a_user_without_role_cannot_open_the_admin(self):
        user = UserFactory()
        assert not user.is_staff
        assert user.roles == []

    def test_one_user_can_hold_several_roles(self):
        user = UserFactory()
        promeneur = PromeneurFactory(user=user)
        StructureMembershipFactory(user=user, structure=promeneur.structure)
        user = User.objects.get(pk=user.pk)
        assert user.roles == ["référent·e de structure", "promeneur·se"]
        assert not user.is_staff
        coordinator = CoordinationFactory().user
        StructureMembershipFactory(user=coordinator)
        coordinator = User.objects.get(pk=coordinator.pk)
        assert coordinator.roles == ["coordination départementale", "référent·e de structure"]
        assert coordinator.is_staff  # coordinators use the admin

    def test_a_promeneur_is_never_a_coordinator_nor_the_reverse(self):
        promeneur = PromeneurFactory()
        with pytest.raises(ValidationError):
            CoordinationFactory(user=promeneur.user)
        coordinator = CoordinationFactory().user
        with pytest.raises(ValidationError):
            PromeneurFactory(user=coordinator)

    @pytest.mark.parametrize("flag", ["is_caf_staff", "is_moderator"])
    def test_national_roles_open_the_admin_while_the_account_is_active(self, flag):
        user = UserFactory(**{flag: True})
        assert user.is_staff
        user.is_active = False
        assert not user.is_staff

    def test_a_referent_alone_does_not_open_the_admin(self):
        membership = StructureMembershipFactory()
        user = User.objects.get(pk=membership.user.pk)
        assert user.is_referent and not user.is_staff

    def test_superuser_is_caf_staff(self):
        admin = User.objects.create_superuser("admin@example.test", "un-mot-de-passe-solide")
        assert admin.is_superuser and admin.is_caf_staff and admin.is_staff
